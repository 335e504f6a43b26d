#!/usr/bin/env bash
# `nhi monitor` throughput against its floor, in one run on the same NDJSON:
#   floor:    serde_json parsing each line into a minimal borrowed struct, one thread
#             (crates/nhi-events/examples/floor.rs);
#   pipeline: `nhi monitor FILE` with every detector on, the store and checkpoints.
# Prints both rates, the ratio (target: the pipeline at >= 50 % of the floor), and the
# pipeline's peak resident memory; writes benches/results/monitor-throughput.md.
#
#   SCALE=8 DAYS=28 RUNS=3 benches/monitor-throughput.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/nhi-target}"
SCALE="${SCALE:-8}"
DAYS="${DAYS:-28}"
SEED="${SEED:-1}"
RUNS="${RUNS:-3}"
RESULTS="$ROOT/benches/results"
source "$ROOT/benches/lib.sh"
bench_workdir nhi-monitor-throughput
need_tools

if [[ -z "${NHI_BIN:-}" ]]; then
  say "building nhi, nhi-simulate and the floor (release)"
  (cd "$ROOT" && cargo build --release -p nhi -p nhi-simulate && cargo build --release -p nhi-events --example floor) \
    || die "cargo build --release failed"
fi
BIN="$CARGO_TARGET_DIR/release"
NHI="${NHI_BIN:-$BIN/nhi}"
FLOOR="$BIN/examples/floor"

say "generating CloudTrail: seed $SEED, $DAYS days, scale $SCALE"
"$BIN/nhi-simulate" --seed "$SEED" --days "$DAYS" --scale "$SCALE" --format ndjson --out "$WORK/data" >&2
FEED="$WORK/data/cloudtrail.ndjson"
EVENTS="$(wc -l <"$FEED")"
BYTES="$(stat -c %s "$FEED")"
say "$EVENTS events, $((BYTES / 1000000)) MB"

say "floor: serde_json into a minimal struct ($RUNS runs)"
hyperfine --warmup 1 --runs "$RUNS" --style basic --export-json "$WORK/floor.json" \
  -n floor "'$FLOOR' '$FEED'" >&2
say "pipeline: nhi monitor with every detector ($RUNS runs, fresh store each)"
hyperfine --warmup 1 --runs "$RUNS" --style basic --export-json "$WORK/pipeline.json" \
  --prepare "rm -f '$WORK/m.db' '$WORK/m.db-wal' '$WORK/m.db-shm'" \
  -n pipeline "'$NHI' monitor '$FEED' --db '$WORK/m.db' --format none --fail-on never -q" >&2
rm -f "$WORK/m.db" "$WORK/m.db-wal" "$WORK/m.db-shm"
/usr/bin/time -f '%M' -o "$WORK/rss.txt" "$NHI" monitor "$FEED" --db "$WORK/m.db" --format none --fail-on never -q
RSS_KB="$(tail -n 1 "$WORK/rss.txt")"

mkdir -p "$RESULTS"
python3 - "$WORK" "$EVENTS" "$BYTES" "$RSS_KB" "$RUNS" "$SCALE" "$DAYS" "$SEED" "$RESULTS/monitor-throughput.md" <<'PY'
import json, os, platform, sys
work, events, size, rss_kb, runs, scale, days, seed, out = sys.argv[1:]
events, size, rss_kb = int(events), int(size), int(rss_kb)
floor = json.load(open(f"{work}/floor.json"))["results"][0]
pipe = json.load(open(f"{work}/pipeline.json"))["results"][0]
f_rate, p_rate = events / floor["mean"], events / pipe["mean"]
ratio = p_rate / f_rate
cpus = os.cpu_count()
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
text = f"""# nhi monitor throughput

`benches/monitor-throughput.sh`: {events:,} CloudTrail events ({size / 1e6:.0f} MB of NDJSON) from
`nhi-simulate --seed {seed} --days {days} --scale {scale}`; mean of {runs} hyperfine runs after a
warmup; {cpus} CPUs ({model}), {platform.system()} {platform.release()}.

| | time | events/s | MB/s |
|---|---:|---:|---:|
| floor: serde_json into a minimal borrowed struct, 1 thread | {floor['mean']:.2f} s ± {floor['stddev'] or 0:.2f} | {f_rate:,.0f} | {size / 1e6 / floor['mean']:.0f} |
| `nhi monitor` (every detector, store, checkpoints) | {pipe['mean']:.2f} s ± {pipe['stddev'] or 0:.2f} | {p_rate:,.0f} | {size / 1e6 / pipe['mean']:.0f} |

**The pipeline runs at {100 * ratio:.0f} % of the floor** (target: at least 50 %). Peak resident
memory of the pipeline: {rss_kb / 1024:.0f} MB for {size / 1e6:.0f} MB of input.
"""
open(out, "w").write(text)
print(text)
PY
