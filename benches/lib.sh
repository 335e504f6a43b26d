# Shared by the inventory benchmarks (source it; it defines functions and WORK):
#   bench_workdir PREFIX   sets WORK to $BENCH_DIR (kept) or a temp dir removed at exit
#   say / die              progress and fatal errors on stderr
#   apt_install PKG...     Debian packages, one `apt-get update` per run
#   need_tools             python3, hyperfine and jq, installed when missing

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

bench_workdir() {
  if [[ -n "${BENCH_DIR:-}" ]]; then
    WORK="$BENCH_DIR"
    mkdir -p "$WORK"
  else
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
    # shellcheck disable=SC2064  # expand now: WORK is fixed for the run
    trap "rm -rf -- '$WORK'" EXIT
  fi
}

apt_updated=0
apt_install() {
  if [[ $apt_updated -eq 0 ]]; then
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need_tools() {
  command -v python3 >/dev/null || { say "installing python3"; apt_install python3; }
  command -v hyperfine >/dev/null || { say "installing hyperfine"; apt_install hyperfine; }
  command -v jq >/dev/null || { say "installing jq"; apt_install jq; }
}
