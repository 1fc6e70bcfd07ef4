#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store tests (Debian's `postgresql` package).
#
#   scripts/postgres-for-tests.sh start DIR   start a server whose files live in DIR (created,
#                                             must not exist); prints the export line
#   scripts/postgres-for-tests.sh stop DIR    stop that server (pg_ctl, by its PID file) and
#                                             remove DIR
#   scripts/postgres-for-tests.sh run CMD...  start one in a temporary DIR, run CMD with
#                                             FASTGPU_TEST_POSTGRES_URL set, stop the server
#                                             whatever CMD's outcome; exits with CMD's status
#
# The server listens only on a Unix socket inside DIR (no TCP port to collide on), trusts local
# connections, and has a superuser `fastgpu` owning a database `fastgpu`; the tests create a
# database of their own per test. initdb refuses to run as root, so as root the server runs as
# the `postgres` user.
set -euo pipefail

die() { echo "postgres-for-tests: $*" >&2; exit 1; }

# The directory holding initdb and pg_ctl: on PATH, else pg_config's, else Debian's newest.
find_bindir() {
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return
  fi
  if command -v pg_config >/dev/null; then
    local dir
    dir=$(pg_config --bindir)
    if [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  fi
  local newest
  newest=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ -n "$newest" ] && [ -x "$newest/initdb" ]; then echo "$newest"; return; fi
  die "no PostgreSQL server found (initdb); install Debian's postgresql package"
}

# Runs a command as the server's owner: the postgres user when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    # runuser lives in sbin, which a non-login root shell may not have on PATH.
    "$(command -v runuser || echo /usr/sbin/runuser)" -u postgres -- "$@"
  else
    "$@"
  fi
}

url_for() { echo "postgresql://fastgpu@/fastgpu?host=$1/socket&port=5432"; }

start() {
  local dir=$1
  [ -e "$dir" ] && die "$dir already exists"
  local bin
  bin=$(find_bindir)
  mkdir -p "$dir/socket"
  chmod 700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U fastgpu --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # fsync off: the server and its data are thrown away after the tests.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-k $dir/socket -c listen_addresses= -p 5432 -c fsync=off -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; die "the server did not start"; }
  "$bin/createdb" -h "$dir/socket" -p 5432 -U fastgpu fastgpu ||
    { stop "$dir"; die "createdb failed"; }
  echo "export FASTGPU_TEST_POSTGRES_URL='$(url_for "$dir")'"
}

stop() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] && as_owner "$(find_bindir)/pg_ctl" -D "$dir/data" -m fast \
    -w stop >/dev/null
  rm -rf "$dir"
}

run() {
  # Globals: the EXIT trap runs after this function returned.
  run_parent=$(mktemp -d)
  run_dir=$run_parent/pg
  if [ "$(id -u)" -eq 0 ]; then chmod 755 "$run_parent"; fi  # the postgres user must reach it
  trap 'stop "$run_dir"; rmdir "$run_parent"' EXIT
  start "$run_dir" >/dev/null
  FASTGPU_TEST_POSTGRES_URL=$(url_for "$run_dir")
  export FASTGPU_TEST_POSTGRES_URL
  echo "postgres-for-tests: server up, FASTGPU_TEST_POSTGRES_URL=$FASTGPU_TEST_POSTGRES_URL" >&2
  local status=0
  "$@" || status=$?
  return $status
}

[ $# -ge 1 ] || die "usage: $0 start DIR | stop DIR | run CMD..."
command=$1
shift
case "$command" in
  start) [ $# -eq 1 ] || die "usage: $0 start DIR"; start "$1" ;;
  stop) [ $# -eq 1 ] || die "usage: $0 stop DIR"; stop "$1" ;;
  run) [ $# -ge 1 ] || die "usage: $0 run CMD..."; run "$@" ;;
  *) die "unknown command '$command' (start, stop or run)" ;;
esac
