#!/bin/bash
# Init script of docker-compose.yml's PostgreSQL (run once, on an empty data volume, as the
# postgres user): one role and one database per agency, so a gateway can reach only its own data.
# Each password is read from that agency's secret file by psql itself (\set with backquotes): it
# never appears on a command line or in this script's environment.
set -euo pipefail
umask 077
for agency in ${AGENCIES}; do
  file="/run/secrets/postgres_db_password_${agency}"
  [ -s "${file}" ] || { echo "missing or empty ${file}" >&2; exit 1; }
  psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname postgres <<SQL
\set pw \`tr -d '\n' < ${file}\`
CREATE ROLE gw_${agency} LOGIN PASSWORD :'pw';
CREATE DATABASE xietong_${agency} OWNER gw_${agency};
REVOKE ALL ON DATABASE xietong_${agency} FROM PUBLIC;
SQL
done
