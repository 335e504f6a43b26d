#!/usr/bin/env bash
# The test command (README, second command). Installs and starts everything the tests
# need on a fresh machine that has only the Rust toolchain, Python, Node and Debian.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/nhi-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# A persistent target dir keeps every earlier build of the workspace's crates (cargo
# never collects them) and grows by a few GB per day of work. When its disk runs low,
# drop the incremental caches, which the compiler rebuilds on demand; a run that dies of
# a full disk helps nobody.
free_gb() { df -Pk "$1" 2>/dev/null | awk 'NR == 2 { print int($4 / 1048576) }'; }
mkdir -p "$CARGO_TARGET_DIR"
if [ "$(free_gb "$CARGO_TARGET_DIR")" -lt 15 ]; then
  echo "== low disk: removing the incremental caches under $CARGO_TARGET_DIR"
  rm -rf "$CARGO_TARGET_DIR"/*/incremental
  [ "$(free_gb "$CARGO_TARGET_DIR")" -ge 8 ] ||
    echo "== warning: under 8 GB free after that; 'cargo clean' frees the rest (a full rebuild)" >&2
fi

need_apt=()
command -v git >/dev/null 2>&1 || need_apt+=(git)
# The dashboard's browser test drives headless Chromium through chromedriver.
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

# The live AWS collector is tested against a real moto server (PyPI moto[server]) on
# 127.0.0.1; NHI_REQUIRE_MOTO makes that test fail rather than skip if it is missing.
echo "== starting moto"
eval "$(scripts/moto.sh start)"
export NHI_REQUIRE_MOTO=1
trap 'scripts/moto.sh stop || true' EXIT

# The PostgreSQL store is tested against a real server (Debian postgresql) in a temp
# cluster on 127.0.0.1; NHI_REQUIRE_PG makes its tests fail rather than skip without it.
echo "== starting postgresql"
eval "$(scripts/pg.sh start)"
export NHI_REQUIRE_PG=1
trap 'scripts/moto.sh stop || true; scripts/pg.sh stop || true' EXIT

# The dashboard is tested in a real headless Chromium (installed above); without this
# the browser test would skip quietly when chromium is missing.
export NHI_REQUIRE_BROWSER=1

echo "== cargo test"
cargo test --workspace --no-fail-fast 2>&1 | tee "${CARGO_TARGET_DIR}/last-test.log"
status=${PIPESTATUS[0]}

# One closing line for the whole run, summed over every test binary.
awk '/^test result:/ { p += $4; f += $6; i += $8 } END { printf "%d passed, %d failed, %d skipped\n", p, f, i }' \
  "${CARGO_TARGET_DIR}/last-test.log"
exit "$status"
