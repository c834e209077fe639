#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine; each step is skipped when already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-clickhouse.sh
# The UI's real-browser tests drive Debian's Chromium (Playwright cannot download its own here).
if [[ ! -x /usr/bin/chromium ]]; then
  apt-get update -qq && apt-get install -y -qq chromium
fi
