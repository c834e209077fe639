#!/usr/bin/env bash
# Retakes the README's flow-map screenshot (docs/screenshots/demo-flow-order-saga.png) from what a user sees after ten
# minutes of the demo: runs e2e's DemoFlowMapBrowserTest (Kafka, ClickHouse, the packaged application with its UI, the
# sample order saga with the demo's noise sped up to ten minutes' worth of orders in 40 s, Debian's Chromium), which
# checks the map's readability and, with -Dchoreoscope.readme-screenshot=true, copies its shot over the README's.
# Look at the picture before committing it. Extra arguments go to Maven (e.g. -o).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-test-deps.sh
mvn -B -q verify -pl e2e -am -DskipITs -Dtest=DemoFlowMapBrowserTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dchoreoscope.readme-screenshot=true "$@"
echo "readme-screenshot: docs/screenshots/demo-flow-order-saga.png replaced (the test's own copy: e2e/target/screenshots/)"
