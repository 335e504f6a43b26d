#!/usr/bin/env bash
# The main job on the bundled sample estate (README, first command): builds nhi, builds
# the Acme monorepo's git history from examples/, scans laptops, repo, history and the
# platform exports into the embedded store, then shows the correlated inventory, the
# findings, and writes the assessment report.
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
nhi() { "${CARGO_TARGET_DIR}/debug/nhi" "$@"; }

# The platform exports under exports/ were read by the same scan; the inventory joins
# them with the keys found in code.
echo; echo "== nhi inventory   (every identity, code and cloud, correlated)"
nhi inventory --db "$demo/nhi.db"
echo; echo "== nhi show AKIACIBBMGIGTVD3ELUO   (the laptop key is alice-chen-cli's IAM key; dev mixes with prod)"
nhi show AKIACIBBMGIGTVD3ELUO --db "$demo/nhi.db"
echo; echo "== nhi show slack-bot-deployer   (CI's static key: an admin whose owner has left)"
nhi show slack-bot-deployer --db "$demo/nhi.db"
echo; echo "== nhi show support/support-bot   (k8s service account -> IRSA role; shared by two workloads)"
nhi show support/support-bot --db "$demo/nhi.db"
echo; echo "== nhi findings --min-severity high   (OWASP NHI Top 10 risks, with fixes and compliance references)"
nhi findings --db "$demo/nhi.db" --min-severity high --policy examples/nhi.toml
nhi report --db "$demo/nhi.db" --policy examples/nhi.toml --format html --output "$demo/report.html"
nhi report --db "$demo/nhi.db" --policy examples/nhi.toml --format md --output "$demo/report.md"
echo; echo "== nhi monitor examples/acme-logs   (CloudTrail: high-risk NHI in use, persistence, evasion, sharing, console sign-in)"
(cd "$demo" && nhi monitor "$OLDPWD/examples/acme-logs" --db "$demo/nhi.db" --config "$OLDPWD/examples/monitor.toml" --fresh --fail-on never)
echo; echo "== nhi alerts"
nhi alerts --db "$demo/nhi.db"
echo >&2
echo "Report: $demo/report.html (self-contained) and $demo/report.md; alerts also in $demo/alerts.jsonl" >&2
echo "Store: $demo/nhi.db  (nhi inventory --format json|jsonl|csv; nhi graph --format dot|json|opengraph)" >&2
