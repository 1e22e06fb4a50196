#!/bin/bash
# One-shot job of docker-compose.yml: give each agency its SCRAM-SHA-512 user (idempotent: the
# credential is replaced with the secret's current value, which is also how a password rotates).
set -euo pipefail
# The admin client configuration below holds the admin password: readable by this user only.
umask 077
ADMIN_PASSWORD="$(cat /run/secrets/kafka_admin_password)"
cat > /tmp/admin.properties <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
ssl.truststore.type=PEM
ssl.truststore.location=/run/secrets/kafka_ca
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${ADMIN_PASSWORD}";
PROPS
for agency in ${AGENCIES}; do
  /opt/kafka/bin/kafka-configs.sh --bootstrap-server "${KAFKA_BROKERS}" --command-config /tmp/admin.properties \
    --alter --entity-type users --entity-name "${agency}" \
    --add-config "SCRAM-SHA-512=[password=$(cat "/run/secrets/kafka_password_${agency}")]"
done
rm -f /tmp/admin.properties
