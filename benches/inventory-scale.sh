#!/usr/bin/env bash
# Platform-inventory ingest at scale: `nhi import` of a generated 20,000-principal
# GAAD (`aws iam get-account-authorization-details`) plus its IAM credential report
# into the SQLite store, and `nhi inventory` (load, correlate, render) over it.
# Wall time (hyperfine) and peak RSS are reported as ratios against reference tools
# reading the same files: a bare Python parse (json.load + csv.reader) and jq.
#
# Usage: benches/inventory-scale.sh        (from anywhere; see benches/README.md)
# Environment (all optional):
#   CARGO_TARGET_DIR  build dir                                   (default /var/tmp/nhi-target)
#   PRINCIPALS        IAM users + roles in the main estate        (default 20000)
#   EXTRA_SCALES      other estate sizes, one import + inventory
#                     each for time and memory growth             (default "5000 10000 40000"; "" for none)
#   RUNS              hyperfine runs per command                  (default 5, after 1 warmup)
#   RSS_RUNS          runs per command for peak RSS (max taken)   (default 3)
#   SEED              generator seed                              (default 1)
#   BENCH_DIR         keep data and the store here instead of a temp dir removed at exit
#   NHI_BIN           use this nhi binary instead of building
# Assumes root for installing hyperfine, jq and time (apt) when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/nhi-target}"
PRINCIPALS="${PRINCIPALS:-20000}"
EXTRA_SCALES="${EXTRA_SCALES-5000 10000 40000}"
RUNS="${RUNS:-5}"
RSS_RUNS="${RSS_RUNS:-3}"
SEED="${SEED:-1}"
RESULTS="$ROOT/benches/results"
GEN="$ROOT/benches/gen-aws-estate.py"
# shellcheck source=benches/lib.sh
source "$ROOT/benches/lib.sh"
bench_workdir nhi-inventory-bench

# ---------------------------------------------------------------- tools
need_tools
if [[ ! -x /usr/bin/time ]]; then
  say "installing time (for peak RSS)"
  apt_install time || say "could not install time; measuring peak RSS with Python's getrusage"
fi

# ---------------------------------------------------------------- build
if [[ -z "${NHI_BIN:-}" ]]; then
  say "building nhi (release, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  (cd "$ROOT" && cargo build --release -p nhi) || die "cargo build --release -p nhi failed"
fi
NHI="${NHI_BIN:-$CARGO_TARGET_DIR/release/nhi}"
[[ -x "$NHI" ]] || die "no nhi binary at $NHI"

# Fail early and clearly if a subcommand or flag this benchmark relies on is missing.
import_help="$("$NHI" import --help 2>&1)" || die "\`nhi import --help\` failed: $import_help"
grep -q -- "--db" <<<"$import_help" || die "\`nhi import\` has no --db flag"
inventory_help="$("$NHI" inventory --help 2>&1)" || die "\`nhi inventory --help\` failed: $inventory_help"
for flag in --db --format jsonl; do
  grep -q -- "$flag" <<<"$inventory_help" || die "\`nhi inventory\` lacks $flag (needed by this benchmark)"
done

# ---------------------------------------------------------------- helpers
# Peak resident set size in KiB of one run of a command (stdout discarded); fails if
# the command fails.
peak_rss_kb() {
  local out="$WORK/rss.out"
  if [[ -x /usr/bin/time ]]; then
    if ! /usr/bin/time -f '%M' -o "$out" "$@" >/dev/null 2>"$WORK/rss.err"; then
      cat "$WORK/rss.err" >&2
      die "failed while measuring peak RSS: $*"
    fi
    tail -n 1 "$out"
  else
    python3 - "$@" <<'PY'
import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
if rc != 0:
    sys.exit(f"failed while measuring peak RSS ({rc}): {sys.argv[1:]}")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
  fi
}
max_rss_kb() { # prepare_command command... : largest peak RSS over RSS_RUNS runs
  local prepare="$1" best=0 kb i
  shift
  for ((i = 0; i < RSS_RUNS; i++)); do
    eval "$prepare"
    kb="$(peak_rss_kb "$@")"
    [[ "$kb" =~ ^[0-9]+$ ]] || die "could not measure peak RSS of: $*"
    if ((kb > best)); then best=$kb; fi
  done
  echo "$best"
}
wall_s() { # command... : wall seconds of one run, stdout discarded
  python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
print(f"{time.perf_counter() - t:.3f}" if rc == 0 else f"failed:{rc}")
PY
}
fresh_db() { rm -f -- "$1" "$1-wal" "$1-shm" "$1-journal"; }
bench() { # name json_out [hyperfine options...] command
  local name="$1" json="$2"; shift 2
  say "timing: $name"
  hyperfine --warmup 1 --runs "$RUNS" --style basic --export-json "$json" "$@" >&2
}

# ---------------------------------------------------------------- data
DATA="$WORK/estate-$PRINCIPALS"
say "generating a ${PRINCIPALS}-principal estate in $DATA"
gen_start=$(date +%s.%N)
python3 "$GEN" --principals "$PRINCIPALS" --seed "$SEED" "$DATA"
gen_end=$(date +%s.%N)
GAAD="$DATA/gaad.json"
REPORT="$DATA/credential-report.csv"
DB="$WORK/bench.db"

# One import and one inventory first, on their own: they must succeed without a
# warning (the data is valid), and the inventory must list every principal.
say "probe: nhi import"
fresh_db "$DB"
rc=0
"$NHI" import --db "$DB" "$GAAD" "$REPORT" 2>"$WORK/import.err" || rc=$?
WARNINGS="$(grep -c 'warning' "$WORK/import.err" || true)"
if [[ $rc -ne 0 ]]; then
  head -n 20 "$WORK/import.err" >&2
  die "nhi import exited $rc on generated data ($WARNINGS warning lines; first ones above)"
fi
cat "$WORK/import.err" >&2
say "probe: nhi inventory"
"$NHI" inventory --db "$DB" --format jsonl >"$WORK/inventory.jsonl" 2>"$WORK/inventory.err" \
  || { cat "$WORK/inventory.err" >&2; die "nhi inventory failed"; }
LISTED="$(wc -l <"$WORK/inventory.jsonl")"
DB_BYTES="$(du -cb "$DB"* | tail -n 1 | cut -f 1)"

# ---------------------------------------------------------------- measurements
PY_REF="import json,csv; json.load(open('$GAAD')); list(csv.reader(open('$REPORT')))"
bench "nhi import" "$WORK/import.json" \
  --prepare "rm -f '$DB' '$DB-wal' '$DB-shm' '$DB-journal'" \
  "'$NHI' import --db '$DB' '$GAAD' '$REPORT'"
# The import benchmark's last run leaves a full store for the inventory benchmark.
bench "nhi inventory" "$WORK/inventory.json" \
  "'$NHI' inventory --db '$DB' --format jsonl > /dev/null"
bench "python3 json.load + csv.reader" "$WORK/python.json" "python3 -c \"$PY_REF\""
bench "jq" "$WORK/jq.json" "jq -c '.UserDetailList|length' '$GAAD' > /dev/null"

say "peak RSS (max of $RSS_RUNS runs each)"
RSS_IMPORT="$(max_rss_kb 'fresh_db "$DB"' "$NHI" import --db "$DB" "$GAAD" "$REPORT")"
RSS_INVENTORY="$(max_rss_kb : "$NHI" inventory --db "$DB" --format jsonl)"
RSS_PYTHON="$(max_rss_kb : python3 -c "$PY_REF")"
RSS_JQ="$(max_rss_kb : jq -c '.UserDetailList|length' "$GAAD")"

# Growth with estate size: one run each of import and inventory, plus the Python
# reference, at other sizes (time and memory should grow no faster than the input).
SCALE_ROWS="$WORK/scales.tsv"
: >"$SCALE_ROWS"
for n in $EXTRA_SCALES; do
  if [[ "$n" == "$PRINCIPALS" ]]; then continue; fi
  dir="$WORK/estate-$n"
  say "scale point: $n principals"
  python3 "$GEN" --principals "$n" --seed "$SEED" "$dir"
  sdb="$WORK/scale-$n.db"
  fresh_db "$sdb"
  t_imp="$(wall_s "$NHI" import --db "$sdb" "$dir/gaad.json" "$dir/credential-report.csv")"
  t_inv="$(wall_s "$NHI" inventory --db "$sdb" --format jsonl)"
  fresh_db "$sdb"
  r_imp="$(peak_rss_kb "$NHI" import --db "$sdb" "$dir/gaad.json" "$dir/credential-report.csv")"
  r_inv="$(peak_rss_kb "$NHI" inventory --db "$sdb" --format jsonl)"
  ref="import json,csv; json.load(open('$dir/gaad.json')); list(csv.reader(open('$dir/credential-report.csv')))"
  t_py="$(wall_s python3 -c "$ref")"
  r_py="$(peak_rss_kb python3 -c "$ref")"
  # The input size now: the estate is removed below, before the report is written.
  in_bytes=$(( $(stat -c %s "$dir/gaad.json") + $(stat -c %s "$dir/credential-report.csv") ))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$in_bytes" "$t_imp" "$t_inv" "$t_py" "$r_imp" "$r_inv" "$r_py" >>"$SCALE_ROWS"
  fresh_db "$sdb"
  if [[ -z "${BENCH_DIR:-}" ]]; then rm -rf -- "$dir"; fi
done

# ---------------------------------------------------------------- report
mkdir -p "$RESULTS"
NHI_VERSION="$("$NHI" --version 2>/dev/null || echo "nhi (unknown version)")"
python3 - "$WORK" "$DATA/manifest.json" "$RESULTS/inventory-scale.md" "$NHI" "$NHI_VERSION" \
  "$RSS_IMPORT" "$RSS_INVENTORY" "$RSS_PYTHON" "$RSS_JQ" "$LISTED" "$WARNINGS" "$DB_BYTES" \
  "$(awk "BEGIN{print $gen_end - $gen_start}")" "$RUNS" "$RSS_RUNS" "$SCALE_ROWS" <<'PY'
import datetime, json, os, platform, sys

(work, manifest_path, out, nhi, version, rss_import, rss_inventory, rss_python, rss_jq,
 listed, warnings, db_bytes, gen_seconds, runs, rss_runs, scale_rows) = sys.argv[1:17]
m = json.load(open(manifest_path))
MB = 1e6
KIB = 1024
rss = {"import": int(rss_import), "inventory": int(rss_inventory),
       "python": int(rss_python), "jq": int(rss_jq)}

def result(name):
    r = json.load(open(os.path.join(work, name)))["results"][0]
    return r["mean"], r["stddev"] or 0.0, r["min"], r["max"]

t = {"import": result("import.json"), "inventory": result("inventory.json"),
     "python": result("python.json"), "jq": result("jq.json")}

def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"

def mem_total_gb():
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0

input_bytes = m["gaad_bytes"] + m["credential_report_bytes"]
lines = []
lines.append("# Inventory ingest at scale\n")
lines.append(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}, {version}, "
             f"{os.cpu_count()} CPUs ({cpu_model()}), {mem_total_gb():.0f} GB RAM, "
             f"{platform.system()} {platform.release()} {platform.machine()}. "
             f"Times: mean ± σ of {runs} hyperfine runs after 1 warmup; "
             f"peak RSS: the largest of {rss_runs} runs (`/usr/bin/time -f %M`).\n")
lines.append("## Data\n")
lines.append(f"`benches/gen-aws-estate.py --principals {m['principals']} --seed {m['seed']}` "
             f"(generated in {float(gen_seconds):.1f} s):\n")
lines.append("| | |")
lines.append("| --- | ---: |")
for label, value in [
    ("principals (IAM users + roles)", f"{m['principals']:,}"),
    ("users / roles", f"{m['users']:,} / {m['roles']:,}"),
    ("groups", f"{m['groups']:,}"),
    ("managed policies (customer + AWS)", f"{m['managed_policies']:,} "
                                           f"({m['customer_managed_policies']} + "
                                           f"{m['managed_policies'] - m['customer_managed_policies']})"),
    ("policy documents (decoded / URL-encoded)", f"{m['policy_documents_decoded']:,} / "
                                                  f"{m['policy_documents_url_encoded']:,}"),
    ("GitHub OIDC / EKS IRSA roles", f"{m['github_oidc_roles']:,} / {m['eks_irsa_roles']:,}"),
    ("credential report rows (users + root)", f"{m['report_rows']:,}"),
    ("access keys in the report (active / inactive)", f"{m['report_keys_active']:,} / "
                                                       f"{m['report_keys_inactive']:,}"),
    ("`gaad.json`", f"{m['gaad_bytes'] / MB:.1f} MB"),
    ("`credential-report.csv`", f"{m['credential_report_bytes'] / MB:.1f} MB"),
    ("store after import (`bench.db` + WAL)", f"{int(db_bytes) / MB:.1f} MB"),
    ("warnings from `nhi import`", warnings),
    ("identities listed by `nhi inventory --format jsonl`", f"{int(listed):,} "
                                                             f"(expected {m['merged_identities']:,})"),
]:
    lines.append(f"| {label} | {value} |")
lines.append("")

lines.append("## Results\n")
lines.append("| command | wall s (mean ± σ) | min–max s | peak RSS MB | time vs Python parse "
             "| time vs jq | RSS vs Python parse | RSS vs jq |")
lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
rows = [("`nhi import` (parse, map, write the store)", "import"),
        ("`nhi inventory --format jsonl` (load, correlate, render)", "inventory"),
        ("reference: Python `json.load` + `csv.reader`", "python"),
        ("reference: `jq -c '.UserDetailList\\|length'`", "jq")]
for label, key in rows:
    mean, sd, lo, hi = t[key]
    lines.append(f"| {label} | {mean:.2f} ± {sd:.2f} | {lo:.2f}–{hi:.2f} | "
                 f"{rss[key] / KIB:.0f} | {mean / t['python'][0]:.2f}x | "
                 f"{mean / t['jq'][0]:.2f}x | {rss[key] / rss['python']:.2f}x | "
                 f"{rss[key] / rss['jq']:.2f}x |")
total = t["import"][0] + t["inventory"][0]
lines.append("")
lines.append(f"Import plus inventory: {total:.2f} s, {total / t['python'][0]:.2f}x a bare Python "
             f"parse of the same files and {total / t['jq'][0]:.2f}x jq reading the GAAD once; "
             f"{input_bytes / MB / t['import'][0]:.1f} MB/s and "
             f"{m['principals'] / t['import'][0]:,.0f} principals/s through `nhi import`. "
             f"Peak RSS {max(rss['import'], rss['inventory']) / KIB:.0f} MB, "
             f"{max(rss['import'], rss['inventory']) * KIB / input_bytes:.1f}x the input size "
             f"(Python parse: {rss['python'] * KIB / input_bytes:.1f}x, "
             f"jq: {rss['jq'] * KIB / input_bytes:.1f}x).\n")

scales = [l.rstrip("\n").split("\t") for l in open(scale_rows) if l.strip()]
if scales:
    lines.append("## Growth with estate size\n")
    lines.append("One run each (not hyperfine), same seed; the main row above for "
                 f"{m['principals']:,} principals.\n")
    lines.append("| principals | input MB | import s | inventory s | Python parse s "
                 "| (import + inventory) / Python | import RSS MB | inventory RSS MB "
                 "| Python RSS MB |")
    lines.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    main_row = [str(m["principals"]), None, f"{t['import'][0]:.3f}", f"{t['inventory'][0]:.3f}",
                f"{t['python'][0]:.3f}", str(rss["import"]), str(rss["inventory"]),
                str(rss["python"])]
    entries = []
    for n, in_bytes, ti, tv, tp, ri, rv, rp in scales:
        entries.append((int(n), int(in_bytes) / MB, ti, tv, tp, ri, rv, rp))
    entries.append((m["principals"], input_bytes / MB, *main_row[2:]))
    for n, size, ti, tv, tp, ri, rv, rp in sorted(entries):
        def f(x):
            return f"{float(x):.2f}" if not str(x).startswith("failed") else str(x)
        ratio = (f"{(float(ti) + float(tv)) / float(tp):.2f}x"
                 if not any(str(x).startswith("failed") for x in (ti, tv, tp)) else "–")
        size_text = f"{size:.1f}" if size is not None else "?"
        lines.append(f"| {n:,} | {size_text} | {f(ti)} | {f(tv)} | {f(tp)} | {ratio} | "
                     f"{int(ri) / KIB:.0f} | {int(rv) / KIB:.0f} | {int(rp) / KIB:.0f} |")
    lines.append("")

lines.append("## Commands\n")
lines.append("```sh")
lines.append(f"python3 benches/gen-aws-estate.py --principals {m['principals']} --seed {m['seed']} DIR")
lines.append("nhi import --db bench.db DIR/gaad.json DIR/credential-report.csv   "
             "# bench.db deleted before each run")
lines.append("nhi inventory --db bench.db --format jsonl > /dev/null")
lines.append("python3 -c 'import json,csv; json.load(open(\"DIR/gaad.json\")); "
             "list(csv.reader(open(\"DIR/credential-report.csv\")))'")
lines.append("jq -c '.UserDetailList|length' DIR/gaad.json")
lines.append("```\n")
lines.append("Ratios are nhi's figure divided by the reference's on the same files: 3.00x means "
             "three times as long (or as much memory). The references only parse; nhi also "
             "maps every principal, policy, trust relationship and key, writes the SQLite "
             "store, and on `inventory` reads it back, correlates and renders every identity.")

text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text)
PY
say "wrote $RESULTS/inventory-scale.md"
