#!/usr/bin/env bash
# A local moto server (an AWS API emulator) for the nhi-collect-aws tests.
#
#   eval "$(scripts/moto.sh start)"   # installs moto on first use, starts it, exports NHI_MOTO_ENDPOINT
#   cargo test -p nhi-collect-aws
#   scripts/moto.sh stop
#
# `start` prints only the export line on stdout (progress goes to stderr) so it
# can be eval'd. It is idempotent: when the server is already up it just
# prints the line again. Also: `status`, `install`.
#
# Settings: NHI_VENV (default /var/tmp/nhi-venv), MOTO_PORT (5055),
# MOTO_PID_FILE (/var/tmp/nhi-moto.pid), MOTO_LOG (/var/tmp/nhi-moto.log),
# MOTO_VERSION (a pip version spec such as '==5.2.5'; default: latest),
# NHI_MOTO_NO_APT=1 (never fall back to apt-get for python3-venv / pip).
set -euo pipefail

venv="${NHI_VENV:-/var/tmp/nhi-venv}"
port="${MOTO_PORT:-5055}"
pid_file="${MOTO_PID_FILE:-/var/tmp/nhi-moto.pid}"
log_file="${MOTO_LOG:-/var/tmp/nhi-moto.log}"
moto_spec="moto[server]${MOTO_VERSION:-}"
endpoint="http://127.0.0.1:${port}"
# Fallback layout when no venv can be made: packages in a plain directory,
# run by the system python with PYTHONPATH.
target_dir="${venv}/site"

say() { echo "moto.sh: $*" >&2; }

python_bin() {
  command -v python3 || { say "python3 not found"; exit 1; }
}

# Which way moto is installed, if at all: "venv", "target" or "".
install_mode() {
  if [ -x "${venv}/bin/python" ] && "${venv}/bin/python" -c 'import moto.server' 2>/dev/null; then
    echo venv
  elif [ -d "${target_dir}/moto" ] && PYTHONPATH="${target_dir}" "$(python_bin)" -c 'import moto.server' 2>/dev/null; then
    echo target
  fi
}

apt_install() {
  # Only as root on Debian-like systems (NHI_MOTO_NO_APT=1 turns it off);
  # skipped elsewhere.
  if [ "${NHI_MOTO_NO_APT:-0}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing $* with apt-get"
    apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 || return 1
  else
    return 1
  fi
}

make_venv() {
  local py
  py="$(python_bin)"
  rm -rf "${venv}"
  # Debian's python3 ships venv without ensurepip unless python3-venv is
  # installed: `python3 -m venv` then fails after creating half a venv.
  if "${py}" -m venv "${venv}" >&2 2>&1; then
    return 0
  fi
  rm -rf "${venv}"
  local minor
  minor="$("${py}" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  if apt_install python3-venv "python${minor}-venv"; then
    "${py}" -m venv "${venv}" >&2 2>&1 && return 0
    rm -rf "${venv}"
  fi
  return 1
}

install_moto() {
  if [ -n "$(install_mode)" ]; then
    return 0
  fi
  if make_venv; then
    say "installing ${moto_spec} into the venv ${venv} (first run only)"
    "${venv}/bin/python" -m pip install -q --disable-pip-version-check "${moto_spec}" >&2
  else
    say "no venv possible; installing ${moto_spec} into ${target_dir} for PYTHONPATH"
    local py
    py="$(python_bin)"
    if ! "${py}" -m pip --version >/dev/null 2>&1; then
      apt_install python3-pip || { say "neither venv nor pip is available for ${py}"; exit 1; }
    fi
    mkdir -p "${target_dir}"
    # --target does not touch the system site-packages, but older pips still
    # refuse on an externally managed Python without the override.
    "${py}" -m pip install -q --disable-pip-version-check --target "${target_dir}" "${moto_spec}" >&2 ||
      "${py}" -m pip install -q --disable-pip-version-check --break-system-packages --target "${target_dir}" "${moto_spec}" >&2
  fi
  if [ -z "$(install_mode)" ]; then
    say "moto installed but 'import moto.server' still fails"
    exit 1
  fi
}

answers() {
  # The dashboard API answers once the server is ready.
  "$(python_bin)" - "${endpoint}" <<'PY' >/dev/null 2>&1
import sys, urllib.request
urllib.request.urlopen(sys.argv[1] + "/moto-api/data.json", timeout=2).read()
PY
}

running_pid() {
  [ -f "${pid_file}" ] || return 1
  local pid
  pid="$(cat "${pid_file}" 2>/dev/null || true)"
  [ -n "${pid}" ] && kill -0 "${pid}" 2>/dev/null || return 1
  echo "${pid}"
}

start() {
  if running_pid >/dev/null && answers; then
    say "already running (pid $(running_pid)) at ${endpoint}"
    echo "export NHI_MOTO_ENDPOINT=${endpoint}"
    return 0
  fi
  if answers; then
    say "something else already answers at ${endpoint}; set MOTO_PORT to another port"
    exit 1
  fi
  install_moto
  local mode
  mode="$(install_mode)"
  : >"${log_file}"
  # setsid + nohup: the server outlives this script and its terminal.
  if [ "${mode}" = venv ]; then
    setsid nohup "${venv}/bin/python" -m moto.server -H 127.0.0.1 -p "${port}" >>"${log_file}" 2>&1 </dev/null &
  else
    PYTHONPATH="${target_dir}" setsid nohup "$(python_bin)" -m moto.server -H 127.0.0.1 -p "${port}" >>"${log_file}" 2>&1 </dev/null &
  fi
  local pid=$!
  echo "${pid}" >"${pid_file}"
  for _ in $(seq 1 100); do
    if answers; then
      say "started (pid ${pid}) at ${endpoint}; log in ${log_file}"
      echo "export NHI_MOTO_ENDPOINT=${endpoint}"
      return 0
    fi
    if ! kill -0 "${pid}" 2>/dev/null; then
      say "moto_server exited during start-up; last log lines:"
      tail -n 20 "${log_file}" >&2 || true
      rm -f "${pid_file}"
      exit 1
    fi
    sleep 0.2
  done
  say "moto_server did not answer within 20 s; stopping it"
  stop
  exit 1
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    say "not running"
    rm -f "${pid_file}"
    return 0
  fi
  kill "${pid}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "${pid}" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "${pid}" 2>/dev/null || true
  rm -f "${pid_file}"
  say "stopped (pid ${pid})"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  install) install_moto; say "installed ($(install_mode))" ;;
  status)
    if pid="$(running_pid)" && answers; then
      say "running (pid ${pid}) at ${endpoint}"
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
