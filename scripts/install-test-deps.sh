#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine; each step is skipped when already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-clickhouse.sh
