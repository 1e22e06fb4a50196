#!/usr/bin/env bash
# What the network fault suite and the alert-rule tests need from Debian: nftables (packet loss and
# partitions between network namespaces), iproute2 (ip netns, veth, bridge, tc) and the prometheus
# package (the real Prometheus the suite scrapes the gateways with, and promtool for
# `promtool test rules`). Installs what is missing (as root, apt-get update first); run by .ci/run,
# by the network suite's global setup and by the rule tests, so `npm test` works on a fresh machine.
set -euo pipefail
need() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
missing=()
need nft || missing+=(nftables)
need ip || missing+=(iproute2)
{ need prometheus && need promtool; } || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "network tests: installing ${missing[*]}" >&2
  apt-get update -qq
  # --no-install-recommends: the prometheus package alone, not its node exporter and web assets.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the packaged service; the tests run their own Prometheus, so stop the service
  # (and keep it from holding port 9090) only if this script just installed it.
  if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
else
  echo "the network tests need ${missing[*]}: apt-get install ${missing[*]}, then re-run" >&2
  exit 1
fi
