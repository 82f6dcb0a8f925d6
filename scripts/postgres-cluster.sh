#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests: a primary and a streaming replica
# (pg_basebackup), both owned by the `postgres` OS user, in a temp dir, on free ports, trust auth
# on 127.0.0.1 only; fsync off unless PG_DURABLE=1. Prints the environment the tests read:
#   COHERENCY_TEST_DATABASE_URL   superuser URL of the primary (tests create a database each)
#   COHERENCY_TEST_REPLICA_URL    the same on the replica (read-only)
#   COHERENCY_TEST_PG_DIR         the cluster's folder (stop: scripts/postgres-cluster.sh stop <dir>)
# Usage: eval "$(bash scripts/postgres-cluster.sh start)"   ·   bash scripts/postgres-cluster.sh stop "$COHERENCY_TEST_PG_DIR"
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

case "${1:-start}" in
start)
  dir=$(mktemp -d /tmp/coherency-pg-XXXXXX)
  chmod 0755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  primary_port=$(free_port)
  replica_port=$(free_port)
  as_pg "$PG_BIN/initdb" -D "$dir/primary" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
  cat >>"$dir/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $primary_port
unix_socket_directories = '$dir'
wal_level = replica
max_wal_senders = 4
hot_standby = on
max_connections = 200
shared_buffers = 128MB
CONF
  # Tests trade durability for speed on a shared machine; the benchmark keeps PostgreSQL's defaults (PG_DURABLE=1).
  if [ "${PG_DURABLE:-0}" != 1 ]; then printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >>"$dir/primary/postgresql.conf"; fi
  echo "host replication postgres 127.0.0.1/32 trust" >>"$dir/primary/pg_hba.conf"
  as_pg "$PG_BIN/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w -t 60 start >/dev/null
  as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir/replica" -R -X stream >/dev/null 2>&1
  sed -i "s/^port = .*/port = $replica_port/" "$dir/replica/postgresql.conf"
  as_pg "$PG_BIN/pg_ctl" -D "$dir/replica" -l "$dir/replica.log" -w -t 60 start >/dev/null
  echo "export COHERENCY_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$primary_port/postgres"
  echo "export COHERENCY_TEST_REPLICA_URL=postgres://postgres@127.0.0.1:$replica_port/postgres"
  echo "export COHERENCY_TEST_PG_DIR=$dir"
  ;;
stop)
  dir=${2:?the cluster dir}
  for node in replica primary; do
    [ -d "$dir/$node" ] && as_pg "$PG_BIN/pg_ctl" -D "$dir/$node" -m immediate -w stop >/dev/null 2>&1 || true
  done
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
