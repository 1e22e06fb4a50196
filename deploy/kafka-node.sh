#!/bin/bash
# Entry of each broker of docker-compose.yml (apache/kafka image): format the storage once with the
# admin's SCRAM credential (KRaft keeps SCRAM users in the cluster metadata; the brokers
# authenticate to each other as admin), then start the broker with the image's own launcher.
set -euo pipefail
ADMIN_PASSWORD="$(cat /run/secrets/kafka_admin_password)"
export KAFKA_LISTENER_NAME_SASL__SSL_SCRAM___SHA___512_SASL_JAAS_CONFIG="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"${ADMIN_PASSWORD}\";"
export KAFKA_LISTENER_NAME_CONTROLLER_PLAIN_SASL_JAAS_CONFIG="org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"${ADMIN_PASSWORD}\" user_admin=\"${ADMIN_PASSWORD}\";"
if [ ! -f /var/lib/kafka/data/meta.properties ]; then
  /etc/kafka/docker/configure
  /opt/kafka/bin/kafka-storage.sh format --ignore-formatted -t "${CLUSTER_ID}" -c /opt/kafka/config/server.properties \
    --add-scram "SCRAM-SHA-512=[name=admin,password=${ADMIN_PASSWORD}]"
fi
# Client settings of the healthcheck (inside the container only).
umask 077
cat > /tmp/admin-client.properties <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
ssl.truststore.type=PEM
ssl.truststore.location=/run/secrets/kafka_ca
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${ADMIN_PASSWORD}";
PROPS
exec /etc/kafka/docker/run
