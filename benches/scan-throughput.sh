#!/usr/bin/env bash
# Scan throughput of `nhi scan` against a floor (ripgrep looking for one pattern) and a
# reference scanner (detect-secrets), per byte, on generated corpora with planted fake
# secrets; plus a git-history scenario that checks each blob is read once.
#
# The main corpus is generated twice from the same seed, with the same planted secrets
# and decoys: `typical` padding names credentials about as often as real code does
# (about 530 keyword occurrences per MiB; real trees measured 57 to 516), `dense` padding
# in every block (about 10,000 per MiB), a stress test of the keyword prefilter and the
# generic rule. Both are timed against ripgrep on the same tree.
#
# Usage: benches/scan-throughput.sh        (from anywhere; see benches/README.md)
# Environment (all optional):
#   CARGO_TARGET_DIR  build dir                        (default /var/tmp/nhi-target)
#   CORPUS_MB         main corpus size                 (default 150)
#   DS_CORPUS_MB      detect-secrets sub-corpus size   (default 2: it runs ~0.23 MB/s)
#   HISTORY_MB        history corpus size              (default 20)
#   RUNS              hyperfine runs per command       (default 3, after 1 warmup)
#   ALT_ROUNDS        alternating nhi/rg rounds        (default 15)
#   REAL_TREES        real source trees also timed against rg, space-separated
#                     (default: this machine's crates.io sources, ~/.cargo/registry/src,
#                     and Python's site-packages; missing ones are skipped; "" for none)
#   REAL_ROUNDS       alternating rounds per real tree (default 5)
#   SEED              corpus seed                      (default 1)
#   NHI_BIN, NHI_CORPUS_BIN   use these binaries instead of building
#   SKIP_DETECT_SECRETS=1     leave detect-secrets out
# Assumes root for installing ripgrep/hyperfine (apt) and detect-secrets (pip).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/nhi-target}"
CORPUS_MB="${CORPUS_MB:-150}"
DS_CORPUS_MB="${DS_CORPUS_MB:-2}"
HISTORY_MB="${HISTORY_MB:-20}"
RUNS="${RUNS:-3}"
ALT_ROUNDS="${ALT_ROUNDS:-15}"
DEFAULT_REAL_TREES="$HOME/.cargo/registry/src $(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null || true)"
REAL_TREES="${REAL_TREES-$DEFAULT_REAL_TREES}"
REAL_ROUNDS="${REAL_ROUNDS:-5}"
SEED="${SEED:-1}"
RESULTS="$ROOT/benches/results"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/nhi-bench.XXXXXX")"
trap 'rm -rf -- "$WORK"' EXIT

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- tools
apt_updated=0
apt_install() {
  if [[ $apt_updated -eq 0 ]]; then
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
command -v rg >/dev/null || { say "installing ripgrep"; apt_install ripgrep; }
command -v hyperfine >/dev/null || { say "installing hyperfine"; apt_install hyperfine; }
command -v python3 >/dev/null || { say "installing python3"; apt_install python3; }
if [[ "${SKIP_DETECT_SECRETS:-0}" != 1 ]] && ! command -v detect-secrets >/dev/null; then
  say "installing detect-secrets"
  pip install -q detect-secrets
  hash -r
  command -v detect-secrets >/dev/null || die "detect-secrets installed but not on PATH"
fi

# ---------------------------------------------------------------- build
if [[ -z "${NHI_BIN:-}" || -z "${NHI_CORPUS_BIN:-}" ]]; then
  say "building nhi and nhi-corpus (release, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  (cd "$ROOT" && cargo build --release -p nhi -p nhi-testkit) \
    || die "cargo build --release -p nhi -p nhi-testkit failed"
fi
NHI="${NHI_BIN:-$CARGO_TARGET_DIR/release/nhi}"
NHI_CORPUS="${NHI_CORPUS_BIN:-$CARGO_TARGET_DIR/release/nhi-corpus}"
[[ -x "$NHI" ]] || die "no nhi binary at $NHI"
[[ -x "$NHI_CORPUS" ]] || die "no nhi-corpus binary at $NHI_CORPUS"

# Fail early and clearly if `nhi scan` lacks a flag this benchmark relies on.
scan_help="$("$NHI" scan --help 2>&1)" || die "\`nhi scan --help\` failed: $scan_help"
for flag in --format --output --no-store --no-history --key-file; do
  grep -q -- "$flag" <<<"$scan_help" || die "\`nhi scan\` has no $flag flag (needed by this benchmark)"
done

# A fixed fingerprint key, so findings can be matched to the manifest offline.
KEY="$WORK/bench.key"
printf 'nhi-bench-fixed-fingerprint-key!' >"$KEY"   # 32 bytes
chmod 600 "$KEY"   # nhi refuses a key others can read

# nhi exits 1 when it has findings, so hyperfine ignores exit codes; each scan is run
# once first and must produce a JSON report, so a crash or usage error still fails here.
probe_scan() { # out_json args...
  local out="$1"; shift
  local rc=0
  "$NHI" scan "$@" --no-store --key-file "$KEY" --format json --output "$out" 2>"$WORK/probe.err" || rc=$?
  if ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))["summary"]' "$out" 2>/dev/null; then
    cat "$WORK/probe.err" >&2
    die "nhi scan $* exited $rc without a JSON report at $out"
  fi
  # 1 = findings (expected here); 2 = some input unreadable, which skews the timing.
  if [[ $rc -ge 2 ]]; then
    say "warning: nhi scan $* exited $rc; see its summary warnings"
  fi
}

# ---------------------------------------------------------------- corpora
say "generating ${CORPUS_MB} MB corpus (dense)"
"$NHI_CORPUS" --out "$WORK/corpus" --manifest "$WORK/corpus.manifest.json" \
  --size-mb "$CORPUS_MB" --seed "$SEED" --per-rule 20 --decoys 500 --density dense
say "generating ${CORPUS_MB} MB corpus (typical)"
"$NHI_CORPUS" --out "$WORK/typical" --manifest "$WORK/typical.manifest.json" \
  --size-mb "$CORPUS_MB" --seed "$SEED" --per-rule 20 --decoys 500 --density typical
if [[ "${SKIP_DETECT_SECRETS:-0}" != 1 ]]; then
  say "generating ${DS_CORPUS_MB} MB sub-corpus for detect-secrets"
  "$NHI_CORPUS" --out "$WORK/small" --manifest "$WORK/small.manifest.json" \
    --size-mb "$DS_CORPUS_MB" --seed "$SEED" --per-rule 2 --decoys 50
fi
say "generating ${HISTORY_MB} MB corpus with git history"
"$NHI_CORPUS" --out "$WORK/history" --manifest "$WORK/history.manifest.json" \
  --size-mb "$HISTORY_MB" --seed "$SEED" --per-rule 5 --decoys 100 --history

manifest_bytes() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total_bytes"])' "$1"; }
MAIN_BYTES="$(manifest_bytes "$WORK/corpus.manifest.json")"
TYPICAL_BYTES="$(manifest_bytes "$WORK/typical.manifest.json")"
HIST_BYTES="$(manifest_bytes "$WORK/history.manifest.json")"

# ---------------------------------------------------------------- measurements
bench() { # name json_out command
  local name="$1" json="$2" cmd="$3"
  say "timing: $name"
  hyperfine --warmup 1 --runs "$RUNS" --ignore-failure --style basic \
    --export-json "$json" "$cmd" >&2
}

# hyperfine times each command in its own block of runs, so a host whose speed drifts
# over minutes (this project's machine moves by about 20%) shifts one tool's block and
# not the other's. Alternating single runs of both, round after round, puts the drift on
# both sides of the ratio; reported beside the hyperfine means, not instead of them.
# Each run is timed around its process (fork, exec, exit), the same overhead for both.
alternate() { # label tree json_out [rounds]
  say "alternating rounds: $1"
  python3 - "$3" "${4:-$ALT_ROUNDS}" "$NHI" "$KEY" "$2" <<'PY'
import json, os, subprocess, sys, time
out, rounds, nhi, key, tree = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
commands = {
    "rg": ["rg", "-c", "--no-ignore", "--hidden", "AKIA[0-9A-Z]{16}", tree],
    "nhi": [nhi, "scan", tree, "--no-store", "--no-history", "--key-file", key,
            "--format", "json", "--output", "/dev/null"],
}
def run(command):
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started
for command in commands.values():  # warm-up, as hyperfine's
    run(command)
times = {name: [] for name in commands}
for _ in range(rounds):
    for name, command in commands.items():
        times[name].append(run(command))
# The tree's size as both tools see it: every regular file, symlinks not followed.
size = files = 0
for parent, _, names in os.walk(tree):
    for name in names:
        path = os.path.join(parent, name)
        if os.path.isfile(path) and not os.path.islink(path):
            size += os.path.getsize(path)
            files += 1
times["tree"], times["bytes"], times["files"] = tree, size, files
json.dump(times, open(out, "w"))
PY
}

probe_scan "$WORK/nhi-typical.json" "$WORK/typical" --no-history
bench "rg (floor), typical" "$WORK/rg-typical.json" \
  "rg -c --no-ignore --hidden 'AKIA[0-9A-Z]{16}' '$WORK/typical' > /dev/null"
bench "nhi scan, typical" "$WORK/nhi-typical-t.json" \
  "'$NHI' scan '$WORK/typical' --no-store --no-history --key-file '$KEY' --format json --output /dev/null"
probe_scan "$WORK/nhi-main.json" "$WORK/corpus" --no-history
bench "rg (floor), dense" "$WORK/rg.json" \
  "rg -c --no-ignore --hidden 'AKIA[0-9A-Z]{16}' '$WORK/corpus' > /dev/null"
bench "nhi scan, dense" "$WORK/nhi.json" \
  "'$NHI' scan '$WORK/corpus' --no-store --no-history --key-file '$KEY' --format json --output /dev/null"
alternate "typical" "$WORK/typical" "$WORK/alt-typical.json"
alternate "dense" "$WORK/corpus" "$WORK/alt-dense.json"
# Real trees: no planted secrets, so no recall, but real layouts (tens of thousands of
# small files, vendored and generated code) rather than generated ones.
REAL_INDEX=0
for tree in $REAL_TREES; do
  if [[ ! -d "$tree" ]]; then say "real tree $tree: not here, skipped"; continue; fi
  REAL_INDEX=$((REAL_INDEX + 1))
  alternate "real tree $tree" "$tree" "$WORK/alt-real-$REAL_INDEX.json" "$REAL_ROUNDS"
done
if [[ "${SKIP_DETECT_SECRETS:-0}" != 1 ]]; then
  DS_BYTES="$(manifest_bytes "$WORK/small.manifest.json")"
  # Run from inside the corpus: started from within another git checkout (this one),
  # detect-secrets 1.5 scans nothing under a path outside it and exits in the time its
  # interpreter takes to start. A probe checks it reports the planted secrets first.
  DS_FOUND="$(cd "$WORK/small" && detect-secrets scan --all-files . \
    | python3 -c 'import json,sys; print(sum(len(v) for v in json.load(sys.stdin)["results"].values()))')"
  [[ "$DS_FOUND" -gt 0 ]] || die "detect-secrets reported nothing on $WORK/small: not measuring an empty scan"
  say "detect-secrets probe: $DS_FOUND results"
  bench "detect-secrets" "$WORK/ds.json" \
    "cd '$WORK/small' && detect-secrets scan --all-files . > /dev/null"
fi

# History: nhi with history on vs the number of distinct blobs git holds.
probe_scan "$WORK/nhi-history.json" "$WORK/history"
BLOBS="$(git -C "$WORK/history" rev-list --objects --all \
  | git -C "$WORK/history" cat-file --batch-check='%(objecttype) %(rest)' \
  | { grep -c '^blob ' || true; })"
[[ "$BLOBS" -gt 0 ]] || die "counted no blobs in $WORK/history"
bench "nhi scan (history)" "$WORK/nhi-hist.json" \
  "'$NHI' scan '$WORK/history' --no-store --key-file '$KEY' --format json --output /dev/null"

# ---------------------------------------------------------------- report
mkdir -p "$RESULTS"
python3 - "$WORK" "$MAIN_BYTES" "${DS_BYTES:-0}" "$HIST_BYTES" "$BLOBS" "$KEY" "$RESULTS/latest.md" "$TYPICAL_BYTES" <<'PY'
import hashlib, hmac, json, os, platform, statistics, subprocess, sys, datetime

work, main_bytes, ds_bytes, hist_bytes, blobs, key_path, out, typical_bytes = sys.argv[1:9]
main_bytes, ds_bytes, hist_bytes, blobs = int(main_bytes), int(ds_bytes), int(hist_bytes), int(blobs)
typical_bytes = int(typical_bytes)
key = open(key_path, "rb").read()
MB = 1024 * 1024

def mean(name):
    path = os.path.join(work, name)
    if not os.path.exists(path):
        return None
    return json.load(open(path))["results"][0]["mean"]

rows = [("rg (floor, 1 regex), typical corpus", typical_bytes, mean("rg-typical.json")),
        ("nhi scan, typical corpus", typical_bytes, mean("nhi-typical-t.json")),
        ("rg (floor, 1 regex), dense corpus", main_bytes, mean("rg.json")),
        ("nhi scan, dense corpus", main_bytes, mean("nhi.json")),
        ("detect-secrets", ds_bytes, mean("ds.json")),
        ("nhi scan, git history", hist_bytes, mean("nhi-hist.json"))]
rows = [r for r in rows if r[2] is not None]
nhi_rate = main_bytes / MB / mean("nhi.json")

def recall(report_name, manifest_name, live_only):
    report = json.load(open(os.path.join(work, report_name)))
    manifest = json.load(open(os.path.join(work, manifest_name)))
    found = {f.get("fingerprint") for f in report.get("findings", [])}
    planted = [p for p in manifest["planted"] if (not live_only or not p["history_only"])]
    hit = [p for p in planted
           if hmac.new(key, p["secret"].encode(), hashlib.sha256).hexdigest() in found]
    missed = {}
    for p in planted:
        if p not in hit:
            missed[p["rule_id"]] = missed.get(p["rule_id"], 0) + 1
    decoy_at = {(d["path"], d["line"]) for d in manifest["decoys"]}
    decoy_hits = sum(1 for f in report.get("findings", [])
                     if (f.get("path"), f.get("line")) in decoy_at)
    return len(hit), len(planted), missed, decoy_hits, report

lines = []
lines.append("# Scan throughput\n")
rev = subprocess.run(["git", "-C", os.path.dirname(os.path.dirname(out)), "rev-parse", "--short", "HEAD"],
                     capture_output=True, text=True).stdout.strip() or "unknown"
lines.append(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}, commit {rev}, "
             f"{os.cpu_count()} CPUs, {platform.machine()}. Mean of the hyperfine runs.\n")
lines.append("| tool | MB scanned | seconds | MB/s | ratio vs nhi |")
lines.append("| --- | ---: | ---: | ---: | ---: |")
for name, size, secs in rows:
    rate = size / MB / secs
    lines.append(f"| {name} | {size / MB:.1f} | {secs:.2f} | {rate:.1f} | {rate / nhi_rate:.2f}x |")
lines.append("")
lines.append("ratio = the tool's MB/s divided by `nhi scan`'s MB/s on the dense corpus "
             "(detect-secrets runs on a smaller dense sub-corpus; per-byte rates compare).\n")
lines.append("## Wall time against ripgrep on the same tree (target: within 3x)\n")
for label, nhi_json, rg_json in (("typical", "nhi-typical-t.json", "rg-typical.json"),
                                 ("dense", "nhi.json", "rg.json")):
    if mean(nhi_json) and mean(rg_json):
        lines.append(f"- {label} corpus: nhi {mean(nhi_json):.3f} s, rg {mean(rg_json):.3f} s: "
                     f"**{mean(nhi_json) / mean(rg_json):.1f}x** rg's wall time")
lines.append("")
lines.append("## Alternating rounds (drift check)\n")
lines.append("hyperfine runs each tool in its own block, so host drift between the blocks moves "
             "the ratio above. Here nhi and rg run one after the other, round after round, each "
             "timed around its process; medians.\n")
for label in ("typical", "dense"):
    path = os.path.join(work, f"alt-{label}.json")
    if os.path.exists(path):
        times = json.load(open(path))
        nhi_s, rg_s = statistics.median(times["nhi"]), statistics.median(times["rg"])
        lines.append(f"- {label} corpus, {len(times['nhi'])} rounds: nhi {nhi_s:.3f} s, "
                     f"rg {rg_s:.3f} s: **{nhi_s / rg_s:.1f}x** rg's wall time")
lines.append("")

real = sorted(f for f in os.listdir(work) if f.startswith("alt-real-") and f.endswith(".json"))
if real:
    lines.append("## Real trees (alternating rounds)\n")
    lines.append("Source trees already on this machine, scanned as they are (no planted secrets, "
                 "so no recall); same commands and timing as the drift check; medians.\n")
    lines.append("| tree | files | MB | nhi s | rg s | nhi is |")
    lines.append("| --- | ---: | ---: | ---: | ---: | --- |")
    for name in real:
        times = json.load(open(os.path.join(work, name)))
        nhi_s, rg_s = statistics.median(times["nhi"]), statistics.median(times["rg"])
        lines.append(f"| `{times['tree']}` | {times['files']:,} | {times['bytes'] / MB:.0f} | "
                     f"{nhi_s:.3f} | {rg_s:.3f} | **{nhi_s / rg_s:.1f}x** rg's wall time "
                     f"({len(times['nhi'])} rounds) |")
    lines.append("")

for label, report_name, manifest_name in (("typical", "nhi-typical.json", "typical.manifest.json"),
                                          ("dense", "nhi-main.json", "corpus.manifest.json")):
    hit, total, missed, decoy_hits, _ = recall(report_name, manifest_name, True)
    lines.append(f"## Detection on the {label} corpus\n")
    lines.append(f"- planted secrets found (by fingerprint): {hit}/{total}")
    if missed:
        lines.append("- missed by rule: " + ", ".join(f"{r} {n}" for r, n in sorted(missed.items())))
    lines.append(f"- findings on a decoy line: {decoy_hits}\n")

hit, total, missed, decoy_hits, report = recall("nhi-history.json", "history.manifest.json", False)
scanned = report["summary"].get("blobs_scanned")
lines.append("## Git history\n")
lines.append(f"- distinct blobs in the repository (`git rev-list --objects --all`): {blobs}")
lines.append(f"- `blobs_scanned` reported by nhi: {scanned}")
if isinstance(scanned, int):
    verdict = "each blob read at most once" if scanned <= blobs else "MORE reads than blobs: some blob is scanned twice"
    lines.append(f"- verdict: {verdict}")
lines.append(f"- planted secrets found, history-only included: {hit}/{total}")
if missed:
    lines.append("- missed by rule: " + ", ".join(f"{r} {n}" for r, n in sorted(missed.items())))

text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text)
PY
for f in rg nhi rg-typical nhi-typical-t ds nhi-hist; do
  [[ -f "$WORK/$f.json" ]] && cp "$WORK/$f.json" "$RESULTS/latest-$f.hyperfine.json"
done
rm -f "$RESULTS"/latest-alt-real-*.json
for f in alt-typical alt-dense $(cd "$WORK" && ls alt-real-*.json 2>/dev/null | sed 's/\.json$//'); do
  [[ -f "$WORK/$f.json" ]] && cp "$WORK/$f.json" "$RESULTS/latest-$f.json"
done
say "wrote $RESULTS/latest.md"
