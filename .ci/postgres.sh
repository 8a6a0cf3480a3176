#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on localhost for the integration tests, installing
# Debian's package first if the machine has none. Prints the DSN the tests read from
# ANALYTICS_TEST_POSTGRES_DSN. Idempotent: a server already answering on the port is reused.
set -euo pipefail
PORT="${PGPORT:-55432}"
DATA="${PGDATA_DIR:-/tmp/analytics-assets-pg}"
DSN="postgresql://analytics:analytics@127.0.0.1:${PORT}/analytics"

# Root runs apt-get itself; anyone else needs sudo.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}
find_bin() {
  # No match is not an error here (pipefail would make it one): the caller installs then.
  { ls -d /usr/lib/postgresql/*/bin 2>/dev/null || true; } | sort -V | tail -n 1
}
BIN="$(find_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/postgres" ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  BIN="$(find_bin)"
  [ -n "$BIN" ] || { echo "PostgreSQL did not install" >&2; exit 1; }
fi

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if ! "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  if [ ! -f "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    [ "$(id -u)" = 0 ] && chown postgres "$DATA"
    as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
    -o "-h 127.0.0.1 -p $PORT -k /tmp" start >/dev/null
fi

psql_admin() { "$BIN/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres "$@"; }
if ! psql_admin -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'analytics'" | grep -q 1; then
  psql_admin -d postgres -c "CREATE ROLE analytics LOGIN PASSWORD 'analytics' CREATEDB"
fi
if ! psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'analytics'" | grep -q 1; then
  psql_admin -d postgres -c "CREATE DATABASE analytics OWNER analytics"
fi
echo "$DSN"
