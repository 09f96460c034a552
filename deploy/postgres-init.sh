#!/bin/sh
# First start of the PostgreSQL container: the database and the two roles regcoord expects.
#   regcoord_owner  owns the schema; `regcoord db upgrade` (Alembic) runs as this role
#   regcoord_app    the service: SELECT/INSERT/UPDATE/DELETE on the tables, nothing else
# (branch trust-input adds `regcoord db roles`, which applies the same grants to an existing server.)
set -eu
owner_pw=$(cat "$REGCOORD_OWNER_PASSWORD_FILE")
app_pw=$(cat "$REGCOORD_APP_PASSWORD_FILE")
psql -v ON_ERROR_STOP=1 --username postgres \
  -v owner_pw="$owner_pw" -v app_pw="$app_pw" <<'SQL'
CREATE ROLE regcoord_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE regcoord_app LOGIN PASSWORD :'app_pw';
CREATE DATABASE regcoord OWNER regcoord_owner;
\connect regcoord
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO regcoord_owner;
GRANT USAGE ON SCHEMA public TO regcoord_app;
ALTER DEFAULT PRIVILEGES FOR ROLE regcoord_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO regcoord_app;
ALTER DEFAULT PRIVILEGES FOR ROLE regcoord_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO regcoord_app;
SQL
