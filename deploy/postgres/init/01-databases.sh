#!/bin/bash
# One database and one login role per housing service, run by the postgres image on its first
# start (empty data volume). Each role owns its own database and nothing else, and cannot
# connect to the other services' databases.
#
# The passwords come from <PREFIX>_DB_PASSWORD (REGISTER_DB_PASSWORD, ...); docker-compose.yml
# passes them in with dev defaults. The roles keep CONNECT on the empty `postgres` database:
# `housing migrate` looks there whether its database exists before migrating it.
set -euo pipefail

create_service_database() {
  local name=$1 password=$2
  echo "01-databases: role and database ${name}"
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v name="${name}" -v password="${password}" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"name" TO :"name";
SQL
  # The role owns its database's public schema outright: since PostgreSQL 15 the schema belongs
  # to pg_database_owner, whose rights a NOINHERIT role does not use on every server version.
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${name}" \
    -v name="${name}" <<'SQL'
ALTER SCHEMA public OWNER TO :"name";
SQL
}

# database/role name   password variable
for entry in \
  register:REGISTER_DB_PASSWORD \
  grants:GRANTS_DB_PASSWORD \
  governance:GOVERNANCE_DB_PASSWORD \
  allocation:ALLOCATION_DB_PASSWORD \
  legal_cases:LEGAL_CASES_DB_PASSWORD \
  benchmarks:BENCHMARKS_DB_PASSWORD \
  notifications:NOTIFICATIONS_DB_PASSWORD \
  dashboards:DASHBOARDS_DB_PASSWORD; do
  name=${entry%%:*}
  variable=${entry#*:}
  password=${!variable:-}
  if [ -z "${password}" ]; then
    echo "01-databases: ${variable} is not set" >&2
    exit 1
  fi
  create_service_database "${name}" "${password}"
done
