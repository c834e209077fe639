#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine; each step is skipped when already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-clickhouse.sh

# PostgreSQL (Debian package): the config-store contract tests run against it as well as H2. The
# harness (io.choreoscope.harness.postgres.EmbeddedPostgres) runs initdb/pg_ctl from
# /usr/lib/postgresql/<version>/bin itself; the package's own cluster service is not needed.
sudo_cmd=()
[[ "$(id -u)" -eq 0 ]] || sudo_cmd=(sudo)
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  echo "install-test-deps: installing Debian postgresql"
  "${sudo_cmd[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends postgresql
fi
echo "install-test-deps: postgresql $(ls -d /usr/lib/postgresql/*/bin/initdb | head -1)"

# The UI's real-browser tests drive Debian's Chromium (Playwright cannot download its own here).
if [[ ! -x /usr/bin/chromium ]]; then
  echo "install-test-deps: installing Debian chromium"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium
fi
echo "install-test-deps: chromium $(/usr/bin/chromium --version 2>/dev/null || echo '?')"

# RabbitMQ (Debian package): the RabbitMQ tap's tests run the broker as a plain process (see the script).
bash scripts/install-rabbitmq.sh
