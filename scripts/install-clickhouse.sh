#!/usr/bin/env bash
# Installs the ClickHouse engine the harness and the demo run (no Docker needed):
#   1. libchdb.so (chDB = embedded ClickHouse) from the npm package @chdb/lib-linux-x64-gnu,
#   2. chdb-host, a small native process that serves ClickHouse's HTTP interface from it
#      (source: harness/src/main/c/chdb_host.c), compiled with gcc.
# Idempotent: each step runs only when its output is missing (or the host is older than its source).
# Location: ${CHOREOSCOPE_CACHE:-$HOME/.cache/choreoscope}/{chdb,bin}. Needs npm and gcc.
set -euo pipefail

CHDB_PACKAGE="@chdb/lib-linux-x64-gnu"
CHDB_VERSION="26.7.3-stable.1"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_file="$here/../harness/src/main/c/chdb_host.c"
cache="${CHOREOSCOPE_CACHE:-$HOME/.cache/choreoscope}"
chdb_dir="$cache/chdb"
lib="$chdb_dir/node_modules/$CHDB_PACKAGE/libchdb.so"
host="$cache/bin/chdb-host"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "install-clickhouse: only linux x86_64 is wired here (npm also has linux-arm64-gnu, darwin-*)" >&2; exit 1 ;;
esac

if [[ ! -f "$lib" ]]; then
  command -v npm >/dev/null || { echo "install-clickhouse: npm is needed to fetch $CHDB_PACKAGE" >&2; exit 1; }
  echo "install-clickhouse: downloading $CHDB_PACKAGE@$CHDB_VERSION (~540 MB unpacked) into $chdb_dir"
  mkdir -p "$chdb_dir"
  npm install --no-save --no-audit --no-fund --prefix "$chdb_dir" "$CHDB_PACKAGE@$CHDB_VERSION"
  [[ -f "$lib" ]] || { echo "install-clickhouse: npm finished but $lib is missing" >&2; exit 1; }
fi

if [[ ! -x "$host" || "$source_file" -nt "$host" ]]; then
  command -v gcc >/dev/null || { echo "install-clickhouse: gcc is needed to build chdb-host" >&2; exit 1; }
  mkdir -p "$cache/bin"
  gcc -O2 -Wall -Wextra -o "$host.tmp" "$source_file" -ldl -lpthread
  mv -f "$host.tmp" "$host"
fi

echo "install-clickhouse: library $lib"
echo "install-clickhouse: host    $host"
