#!/usr/bin/env bash
# A throw-away local PostgreSQL server for the nhi-store-pg tests.
#
#   eval "$(scripts/pg.sh start)"   # installs postgresql on first use, starts it, exports NHI_TEST_PG_URL
#   cargo test -p nhi-store-pg
#   scripts/pg.sh stop              # stops it and deletes its data directory
#
# `start` prints only export lines on stdout (progress goes to stderr) so it can be
# eval'd. It is idempotent: when the server is already up it prints the lines again.
# The cluster lives in a fresh temp directory, listens on 127.0.0.1 at a free port (and
# a Unix socket in that directory), trusts local connections and holds one database,
# `nhi_test`; each test creates its own database beside it. PostgreSQL refuses to run
# as root, so as root the server runs as the `postgres` user (the Debian package
# creates it). Also: `status`, `install`.
#
# Settings: PG_STATE (default /var/tmp/nhi-pg.state: where the running cluster's
# directory and port are noted), PG_PORT (default: a free port), PG_BIN (default: the
# newest /usr/lib/postgresql/*/bin), NHI_PG_NO_APT=1 (never run apt-get).
set -euo pipefail

state_file="${PG_STATE:-/var/tmp/nhi-pg.state}"
database=nhi_test

say() { echo "pg.sh: $*" >&2; }

pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then
    echo "${PG_BIN}"
    return 0
  fi
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "${dir}" ] && [ -x "${dir}/initdb" ]; then
    echo "${dir}"
  elif command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
  fi
}

install_pg() {
  if [ -n "$(pg_bin)" ]; then
    return 0
  fi
  if [ "${NHI_PG_NO_APT:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing postgresql with apt-get (first run only)"
    apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  fi
  if [ -z "$(pg_bin)" ]; then
    say "initdb not found; install PostgreSQL (Debian: apt-get install postgresql) or set PG_BIN"
    exit 1
  fi
}

# Runs a PostgreSQL binary as the user that owns the cluster.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The running cluster's directory and port, from the state file: "DIR PORT".
current() {
  [ -f "${state_file}" ] || return 1
  local dir port
  read -r dir port <"${state_file}" || return 1
  [ -n "${dir}" ] && [ -n "${port}" ] && [ -f "${dir}/data/postmaster.pid" ] || return 1
  "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "${port}" || return 1
  echo "${dir} ${port}"
}

exports() {
  local dir="$1" port="$2" user
  user="$( [ "$(id -u)" = 0 ] && echo postgres || id -un )"
  echo "export NHI_TEST_PG_URL=postgres://${user}@127.0.0.1:${port}/${database}"
  echo "export NHI_TEST_PG_SOCKET_DIR=${dir}/run"
}

start() {
  local running
  if running="$(current)"; then
    # shellcheck disable=SC2086
    set -- ${running}
    say "already running (data in $1) on 127.0.0.1:$2"
    exports "$1" "$2"
    return 0
  fi
  install_pg
  local bin dir port
  bin="$(pg_bin)"
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    say "creating the system user postgres to run the server (it refuses root)"
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  dir="$(mktemp -d /tmp/nhi-pg.XXXXXX)"
  mkdir -p "${dir}/data" "${dir}/run"
  [ "$(id -u)" = 0 ] && chown -R postgres: "${dir}"
  chmod 700 "${dir}"
  [ "$(id -u)" = 0 ] && chmod 755 "${dir}"  # the socket directory must be reachable
  port="${PG_PORT:-$(free_port)}"
  say "initdb in ${dir}/data"
  # trust: a private throw-away cluster on loopback for tests. Encoding UTF8 and locale C,
  # so the server behaves the same on every machine (the store sorts with COLLATE "C"
  # anyway).
  as_owner "${bin}/initdb" -D "${dir}/data" -A trust -E UTF8 --locale=C >"${dir}/initdb.log" 2>&1 || {
    say "initdb failed:"; tail -n 20 "${dir}/initdb.log" >&2; exit 1;
  }
  as_owner "${bin}/pg_ctl" -D "${dir}/data" -l "${dir}/server.log" -w -t 30 \
    -o "-h 127.0.0.1 -p ${port} -k ${dir}/run -c fsync=off -c max_connections=200" start >&2 || {
    say "the server did not start:"; tail -n 20 "${dir}/server.log" >&2; exit 1;
  }
  as_owner "${bin}/createdb" -h 127.0.0.1 -p "${port}" "${database}"
  echo "${dir} ${port}" >"${state_file}"
  say "started on 127.0.0.1:${port} (data and log in ${dir})"
  exports "${dir}" "${port}"
}

stop() {
  if [ ! -f "${state_file}" ]; then
    say "not running"
    return 0
  fi
  local dir port
  read -r dir port <"${state_file}" || true
  if [ -n "${dir:-}" ] && [ -f "${dir}/data/postmaster.pid" ]; then
    as_owner "$(pg_bin)/pg_ctl" -D "${dir}/data" -m fast -w stop >&2 || say "pg_ctl stop failed"
  fi
  # Only ever a directory this script made.
  case "${dir:-}" in
    /tmp/nhi-pg.*) rm -rf "${dir}" ;;
  esac
  rm -f "${state_file}"
  say "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  install) install_pg; say "installed ($(pg_bin))" ;;
  status)
    if running="$(current)"; then
      say "running: ${running}"
    else
      say "not running"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|status|install" >&2
    exit 2
    ;;
esac
