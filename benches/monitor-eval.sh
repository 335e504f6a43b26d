#!/usr/bin/env bash
# Detection quality of `nhi monitor` on labelled synthetic CloudTrail (nhi-simulate):
# per attack technique, whether its episode alerted; how many benign-novelty episodes
# (rotation by the identity's rotator, a CI deploy within its services, a region a
# whole cohort adopts, an office move, a disaster-recovery share to a known account)
# alerted; and false alerts per million events. Several seeds, the first one the
# generator's default data set. Writes benches/results/monitor-eval.md.
#
#   SEEDS="1 2 3 4 5" benches/monitor-eval.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/nhi-target}"
SEEDS="${SEEDS:-1 2 3 4 5}"
RESULTS="$ROOT/benches/results"
source "$ROOT/benches/lib.sh"
bench_workdir nhi-monitor-eval
command -v python3 >/dev/null || { say "installing python3"; apt_install python3; }

if [[ -z "${NHI_BIN:-}" ]]; then
  say "building nhi and nhi-simulate (release)"
  (cd "$ROOT" && cargo build --release -p nhi -p nhi-simulate) || die "cargo build --release failed"
fi
BIN="$CARGO_TARGET_DIR/release"
NHI="${NHI_BIN:-$BIN/nhi}"
EVAL="$ROOT/benches/monitor-eval.py"

mkdir -p "$RESULTS"
OUT="$RESULTS/monitor-eval.md"
{
  echo "# nhi monitor on labelled synthetic CloudTrail"
  echo
  echo "\`benches/monitor-eval.sh\`: for each seed, \`nhi-simulate --seed N\` (28 days, the first"
  echo "14 learning) and \`nhi monitor\` with the config an operator of that estate would keep"
  echo "(its accounts and trusted accounts; each identity's access keys and rotators, as the"
  echo "inventory and its tags would give them). Scored by \`benches/monitor-eval.py\`: an alert"
  echo "covers an episode when it names one of its events or is about its principal during"
  echo "it; an alert covering no attack episode is a false alert."
  echo
  echo "| seed | events | attacks detected | benign episodes alerted | false alerts | per million events |"
  echo "|---:|---:|---:|---:|---:|---:|"
} >"$OUT"
for seed in $SEEDS; do
  dir="$WORK/seed-$seed"
  say "seed $seed"
  "$BIN/nhi-simulate" --seed "$seed" --format ndjson --out "$dir" >&2
  python3 "$EVAL" --labels "$dir/labels.json" --write-config "$dir/monitor.toml"
  "$NHI" monitor "$dir/cloudtrail.ndjson" --db "$dir/m.db" --config "$dir/monitor.toml" \
    --format jsonl --fail-on never -q >"$dir/alerts.jsonl"
  python3 "$EVAL" --labels "$dir/labels.json" --alerts "$dir/alerts.jsonl" \
    --json "$dir/score.json" --markdown "$dir/score.md" >/dev/null
  python3 - "$dir/score.json" "$seed" >>"$OUT" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {s['events']:,} | {s['attack_episodes_detected']}/{s['attack_episodes']} "
      f"({100 * s['detection_rate']:.0f} %) | {s['benign_episodes_alerted']}/{s['benign_episodes']} | "
      f"{s['false_alerts']} | {s['false_alerts_per_million_events']:.0f} |")
PY
done
first="${SEEDS%% *}"
{
  echo
  echo "Per technique, seed $first (the generator's default data set):"
  echo
  cat "$WORK/seed-$first/score.md"
} >>"$OUT"
cat "$OUT"
