#!/usr/bin/env bash
# Installs Debian's rabbitmq-server when missing (the demo and the tests both call this).
set -euo pipefail
sudo_cmd=()
[[ "$(id -u)" -eq 0 ]] || sudo_cmd=(sudo)
# RabbitMQ (Debian package): the RabbitMQ tap's tests and the demo run the broker as a plain process on
# their own ports and data directory (io.choreoscope.harness.rabbitmq.EmbeddedRabbitMq calls
# /usr/lib/rabbitmq/bin/* directly); the package's own service is not needed, so it is kept from starting.
if [[ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
  echo "install-rabbitmq: installing Debian rabbitmq-server"
  "${sudo_cmd[@]}" apt-get update -qq
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$policy"
    trap '"${sudo_cmd[@]}" rm -f "$policy"' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends rabbitmq-server
fi
echo "install-rabbitmq: rabbitmq-server $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || echo '?')"
