#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 and print its URL; `stop DIR` stops it.
# Used by the test command (tests reach only 127.0.0.1).
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
if [ "${1:-}" = "stop" ]; then
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$2" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$2"
  exit 0
fi
PGPORT=${PGPORT:-55432}
PGDATA=$(mktemp -d /tmp/pg.XXXXXX)
chown postgres:postgres "$PGDATA"
runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 30 \
  -o "-h 127.0.0.1 -p $PGPORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
runuser -u postgres -- "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres appdb
echo "PGDATA=$PGDATA"
echo "TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$PGPORT/appdb"
