#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1:55432 for the multi-worker design tests, and print
# the URL to export as SCIREASON_TEST_POSTGRES_URL. Installs the server from Debian's packages if needed.
set -euo pipefail
PORT=${PGPORT_TEST:-55432}
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2
fi
BIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
DATA=$(mktemp -d /tmp/scireason-pg.XXXXXX)
chown postgres:postgres "$DATA" 2>/dev/null || true
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
as_pg "$BIN/initdb -D $DATA -U postgres --auth=trust >/dev/null"
as_pg "$BIN/pg_ctl -D $DATA -o '-p $PORT -k /tmp -c listen_addresses=127.0.0.1' -l $DATA/log -w start >/dev/null"
as_pg "$BIN/createdb -h 127.0.0.1 -p $PORT -U postgres scireason_test"
echo "postgresql+psycopg2://postgres@127.0.0.1:$PORT/scireason_test"
