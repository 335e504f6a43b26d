#!/usr/bin/env bash
# The main job on the bundled sample estate (README, first command): builds nhi, builds
# the Acme monorepo's git history from examples/, and scans laptops, repo and history
# into the embedded store.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/nhi-target}"
demo="${NHI_DEMO_DIR:-${CARGO_TARGET_DIR}/acme-demo}"

command -v git >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq git; }

cargo build --quiet -p nhi
rm -rf "$demo"
mkdir -p "$demo"
bash examples/build-acme-history.sh "$demo/acme" >/dev/null

# The demo has its own key and store, so it never mixes with a real install's.
"${CARGO_TARGET_DIR}/debug/nhi" scan "$demo/acme" \
  --db "$demo/nhi.db" --key-file "$demo/fingerprint.key" --fail-on never "$@"
echo >&2
echo "Store: $demo/nhi.db  (re-run with --format json|jsonl|sarif|csv|md for machine output)" >&2
