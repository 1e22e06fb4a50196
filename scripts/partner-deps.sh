#!/usr/bin/env bash
# What the hostile-partner tests need from Debian: librdkafka through python3-confluent-kafka, an
# independent producer that writes Snappy, LZ4, ZSTD and gzip batches (kafkajs writes none but gzip).
# Installs it where missing (as root, apt-get update first); run by .ci/run and by the integration
# jest project's global setup, so `npm test` works on a fresh machine.
set -euo pipefail
/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "integration tests: installing python3-confluent-kafka" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-confluent-kafka >/dev/null
else
  echo "the integration tests need python3-confluent-kafka: apt-get install python3-confluent-kafka, then re-run" >&2
  exit 1
fi
