#!/usr/bin/env bash
# nhi's full AWS IAM assessment against `cloudsplaining scan` (PyPI) on the same
# generated `aws iam get-account-authorization-details` file (GAAD).
#
#   nhi:            `nhi import --db DB gaad.json` (parse + evaluate every principal's
#                   effective permissions) + `nhi findings --db DB --format json`
#   cloudsplaining: `cloudsplaining scan --input-file gaad.json --output DIR
#                   --skip-open-report --exclusions-file EXCL` (JSON results + HTML report)
#
# Prints and writes (benches/results/assess-vs-cloudsplaining.md) both times, the ratio,
# a growth series, and the per-principal agreement on privilege escalation, data
# exfiltration and infrastructure modification (benches/compare-cloudsplaining.py).
#
# Usage: benches/assess-vs-cloudsplaining.sh      (from anywhere; see benches/README.md)
# Environment (all optional):
#   CARGO_TARGET_DIR   build dir                                    (default /var/tmp/nhi-target)
#   PRINCIPALS         IAM users + roles in the main estate         (default 10000)
#   EXTRA_SCALES       growth series sizes; nhi RUNS runs and one
#                      cloudsplaining run each                      (default "2500 5000"; "" for none)
#   RUNS               hyperfine runs of nhi (after 1 warmup)       (default 3)
#   CS_RUNS            hyperfine runs of cloudsplaining, no warmup  (default 1; it takes ~20 s at 10,000)
#   SEED               generator seed                               (default 1)
#   CS_VERSION         cloudsplaining version pinned into the venv  (default 0.9.1)
#   CS_VENV            venv for cloudsplaining                      (default /var/tmp/cloudsplaining-venv)
#   BENCH_DIR          keep data and outputs here instead of a temp dir removed at exit
#   NHI_BIN            use this nhi binary instead of building
# Assumes root for installing hyperfine, jq and python3-venv (apt) when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/nhi-target}"
PRINCIPALS="${PRINCIPALS:-10000}"
EXTRA_SCALES="${EXTRA_SCALES-2500 5000}"
RUNS="${RUNS:-3}"
CS_RUNS="${CS_RUNS:-1}"
SEED="${SEED:-1}"
CS_VERSION="${CS_VERSION:-0.9.1}"
CS_VENV="${CS_VENV:-/var/tmp/cloudsplaining-venv}"
RESULTS="$ROOT/benches/results"
GEN="$ROOT/benches/gen-aws-estate.py"
COMPARE="$ROOT/benches/compare-cloudsplaining.py"
# shellcheck source=benches/lib.sh
source "$ROOT/benches/lib.sh"
bench_workdir nhi-cloudsplaining-bench

# ---------------------------------------------------------------- tools
need_tools

CS="$CS_VENV/bin/cloudsplaining"
if [[ ! -x "$CS" ]] || [[ "$("$CS_VENV/bin/pip" show cloudsplaining 2>/dev/null | sed -n 's/^Version: //p')" != "$CS_VERSION" ]]; then
  say "installing cloudsplaining==$CS_VERSION into $CS_VENV"
  python3 -m venv "$CS_VENV" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$CS_VENV"; }
  "$CS_VENV/bin/pip" install -q "cloudsplaining==$CS_VERSION" || die "pip install cloudsplaining==$CS_VERSION failed"
fi
cs_help="$("$CS" scan --help 2>&1)" || die "\`cloudsplaining scan --help\` failed: $cs_help"
for flag in --input-file --exclusions-file --output --skip-open-report; do
  grep -q -- "$flag" <<<"$cs_help" || die "\`cloudsplaining scan\` lacks $flag"
done
CS_PKG="$("$CS_VENV/bin/python" -c 'import cloudsplaining, os; print(os.path.dirname(cloudsplaining.__file__))')"
CS_DEPS="$("$CS_VENV/bin/pip" freeze 2>/dev/null | grep -iE '^(cloudsplaining|policy.sentry)==' | tr '\n' ' ')"

# cloudsplaining's stock exclusions skip the AWS-managed AdministratorAccess policy
# ("Otherwise, this will take a long time"), so every principal holding it would be
# missed and the agreement would measure that configuration choice, not the analysis.
# The benchmark uses the stock file minus that one line; everything else (service-role
# paths, *ServiceRolePolicy, the include-actions list) stays as shipped.
EXCL="$WORK/cloudsplaining-exclusions.yml"
grep -v '"AdministratorAccess"' "$CS_PKG/shared/default-exclusions.yml" >"$EXCL"
cmp -s "$EXCL" "$CS_PKG/shared/default-exclusions.yml" \
  && say "note: the stock exclusions no longer name AdministratorAccess; using them unchanged"

# ---------------------------------------------------------------- build
if [[ -z "${NHI_BIN:-}" ]]; then
  say "building nhi (release, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  (cd "$ROOT" && cargo build --release -p nhi) || die "cargo build --release -p nhi failed"
fi
NHI="${NHI_BIN:-$CARGO_TARGET_DIR/release/nhi}"
[[ -x "$NHI" ]] || die "no nhi binary at $NHI"
"$NHI" findings --help >/dev/null 2>&1 || die "\`nhi findings\` is missing (binary too old? rebuild)"
for cmd in import findings inventory; do
  "$NHI" "$cmd" --help 2>&1 | grep -q -- "--db" || die "\`nhi $cmd\` has no --db flag"
done

# ---------------------------------------------------------------- helpers
fresh_db() { rm -f -- "$1" "$1-wal" "$1-shm" "$1-journal"; }
generate() { # principals dir
  # --encoded-fraction 0: cloudsplaining 0.9.1 crashes ("'str' object has no attribute
  # 'get'") on URL-encoded policy documents, which the raw IAM API returns; the AWS CLI
  # (and cloudsplaining's own `download`) print decoded JSON, so that is the fair input.
  python3 "$GEN" --principals "$1" --seed "$SEED" --encoded-fraction 0 "$2"
}
time_nhi() { # n gaad db json
  say "timing nhi import + findings at $1 principals ($RUNS runs)"
  hyperfine --warmup 1 --runs "$RUNS" --style basic --export-json "$4" \
    --prepare "rm -f '$3' '$3-wal' '$3-shm' '$3-journal'" \
    -n "nhi import + findings ($1)" \
    "'$NHI' import --db '$3' '$2' 2>/dev/null && '$NHI' findings --db '$3' --format json > /dev/null" >&2
}
time_nhi_input() { # n gaad json
  say "timing nhi findings --input (in memory, no store) at $1 principals ($RUNS runs)"
  hyperfine --warmup 1 --runs "$RUNS" --style basic --export-json "$3" \
    -n "nhi findings --input ($1)" \
    "'$NHI' findings --format json --input '$2' > /dev/null 2>&1" >&2
}
time_cs() { # n gaad outdir json
  say "timing cloudsplaining scan at $1 principals ($CS_RUNS run(s); ~2 ms per principal)"
  mkdir -p "$3"
  # Its schema check logs a CRITICAL line with the whole document for the top-level
  # `IsTruncated` key (present in API output); the log goes to a file, the scan goes on.
  hyperfine --warmup 0 --runs "$CS_RUNS" --style basic --export-json "$4" \
    --prepare "rm -rf '$3'/iam-*" \
    -n "cloudsplaining scan ($1)" \
    "'$CS' scan --input-file '$2' --exclusions-file '$EXCL' --output '$3' --skip-open-report > '$3/stdout.log' 2> '$3/stderr.log'" >&2
  ls "$3"/iam-results-*.json >/dev/null 2>&1 || { tail -n 20 "$3/stderr.log" >&2; die "cloudsplaining wrote no iam-results-*.json"; }
}

# ---------------------------------------------------------------- main scale
DATA="$WORK/estate-$PRINCIPALS"
say "generating a ${PRINCIPALS}-principal estate in $DATA"
generate "$PRINCIPALS" "$DATA"
GAAD="$DATA/gaad.json"
DB="$WORK/bench.db"

say "probe: nhi import + findings + inventory"
fresh_db "$DB"
"$NHI" import --db "$DB" "$GAAD" 2>"$WORK/import.err" || { cat "$WORK/import.err" >&2; die "nhi import failed"; }
cat "$WORK/import.err" >&2
"$NHI" findings --db "$DB" --format json >"$WORK/nhi-findings.json" \
  || [[ -s "$WORK/nhi-findings.json" ]] || die "nhi findings failed"
jq -e 'type == "array"' "$WORK/nhi-findings.json" >/dev/null || die "nhi findings did not print a JSON array"
"$NHI" inventory --db "$DB" --format json >"$WORK/nhi-inventory.json" || die "nhi inventory failed"

say "probe: nhi findings --input gives the same findings as import + findings"
"$NHI" findings --format json --input "$GAAD" >"$WORK/nhi-findings-input.json" 2>"$WORK/input.err" \
  || { cat "$WORK/input.err" >&2; die "nhi findings --input failed"; }
cmp -s <(jq -S '[.[] | .id] | sort' "$WORK/nhi-findings.json") \
  <(jq -S '[.[] | .id] | sort' "$WORK/nhi-findings-input.json") \
  || die "nhi findings --input and import + findings disagree"

time_nhi "$PRINCIPALS" "$GAAD" "$DB" "$WORK/nhi-$PRINCIPALS.json"
time_nhi_input "$PRINCIPALS" "$GAAD" "$WORK/nhi-input-$PRINCIPALS.json"
CS_OUT="$WORK/cloudsplaining-$PRINCIPALS"
time_cs "$PRINCIPALS" "$GAAD" "$CS_OUT" "$WORK/cs-$PRINCIPALS.json"
CS_RESULTS="$(ls "$CS_OUT"/iam-results-*.json | head -n 1)"

say "agreement (benches/compare-cloudsplaining.py)"
python3 "$COMPARE" --gaad "$GAAD" --cs-results "$CS_RESULTS" \
  --nhi-inventory "$WORK/nhi-inventory.json" --nhi-findings "$WORK/nhi-findings.json" \
  --json "$WORK/agreement.json" --markdown "$WORK/agreement.md" | tee "$WORK/agreement.txt"

# ---------------------------------------------------------------- growth series
SCALE_ROWS="$WORK/scales.tsv"
printf '%s\t%s\t%s\t%s\t%s\n' "$PRINCIPALS" "$(jq -r .gaad_bytes "$DATA/manifest.json")" \
  "$WORK/nhi-$PRINCIPALS.json" "$WORK/cs-$PRINCIPALS.json" "$WORK/nhi-input-$PRINCIPALS.json" >"$SCALE_ROWS"
for n in $EXTRA_SCALES; do
  if [[ "$n" == "$PRINCIPALS" ]]; then continue; fi
  dir="$WORK/estate-$n"
  say "scale point: $n principals"
  generate "$n" "$dir"
  sdb="$WORK/scale-$n.db"
  time_nhi "$n" "$dir/gaad.json" "$sdb" "$WORK/nhi-$n.json"
  time_nhi_input "$n" "$dir/gaad.json" "$WORK/nhi-input-$n.json"
  time_cs "$n" "$dir/gaad.json" "$WORK/cloudsplaining-$n" "$WORK/cs-$n.json"
  printf '%s\t%s\t%s\t%s\t%s\n' "$n" "$(jq -r .gaad_bytes "$dir/manifest.json")" \
    "$WORK/nhi-$n.json" "$WORK/cs-$n.json" "$WORK/nhi-input-$n.json" >>"$SCALE_ROWS"
  fresh_db "$sdb"
  if [[ -z "${BENCH_DIR:-}" ]]; then rm -rf -- "$dir" "$WORK/cloudsplaining-$n"; fi
done

# ---------------------------------------------------------------- report
mkdir -p "$RESULTS"
NHI_VERSION="$("$NHI" --version 2>/dev/null || echo "nhi (unknown version)")"
python3 - "$WORK" "$DATA/manifest.json" "$RESULTS/assess-vs-cloudsplaining.md" "$NHI_VERSION" \
  "$CS_DEPS" "$RUNS" "$CS_RUNS" "$SCALE_ROWS" "$PRINCIPALS" <<'PY'
import datetime, json, os, platform, sys

work, manifest_path, out, version, cs_deps, runs, cs_runs, scale_rows, main_n = sys.argv[1:10]
m = json.load(open(manifest_path))
agreement = json.load(open(os.path.join(work, "agreement.json")))
agreement_md = open(os.path.join(work, "agreement.md")).read()

def hf(path):
    r = json.load(open(path))["results"][0]
    return r["mean"], r["stddev"] or 0.0, len(r["times"])

def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"

rows = []
for line in open(scale_rows):
    n, gbytes, nhi_json, cs_json, input_json = line.rstrip("\n").split("\t")
    rows.append((int(n), int(gbytes), hf(nhi_json), hf(cs_json), hf(input_json)))
rows.sort()
main = next(r for r in rows if r[0] == int(main_n))
nhi_t, cs_t, input_t = main[2][0], main[3][0], main[4][0]
ratio = cs_t / nhi_t
input_ratio = cs_t / input_t

L = []
L.append("# nhi assessment vs cloudsplaining\n")
L.append(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}, {version}; "
         f"{cs_deps.strip()}; {os.cpu_count()} CPUs ({cpu_model()}), "
         f"{platform.system()} {platform.release()} {platform.machine()}. "
         f"nhi: mean ± σ of {runs} hyperfine runs after 1 warmup; cloudsplaining: "
         f"{cs_runs} run(s), no warmup.\n")
L.append("## Data\n")
L.append(f"`benches/gen-aws-estate.py --principals {m['principals']} --seed {m['seed']} "
         f"--encoded-fraction 0`: {m['users']:,} users, {m['roles']:,} roles, {m['groups']} groups, "
         f"{m['managed_policies']} managed policies, gaad.json {m['gaad_bytes'] / 1e6:.1f} MB. "
         "Policy documents are decoded JSON (as the AWS CLI prints them): cloudsplaining "
         "crashes on the URL-encoded documents the raw API returns.\n")
L.append("## Time\n")
L.append("Two ways to run nhi's full assessment (parse, evaluate every principal's effective "
         "permissions, tiers, escalations, every finding, JSON out): `nhi findings --input "
         "gaad.json`, in memory as cloudsplaining works, and `nhi import` then `nhi findings`, "
         "which also writes the inventory to a fresh SQLite store and reads it back.\n")
L.append("| principals | gaad.json | nhi findings --input | nhi import + findings | cloudsplaining scan | cloudsplaining / nhi --input | cloudsplaining / nhi import + findings |")
L.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for n, gbytes, (nm, ns, _), (cm, cs, _), (im, is_, _) in rows:
    L.append(f"| {n:,} | {gbytes / 1e6:.1f} MB | {im:.2f} s ± {is_:.2f} | {nm:.2f} s ± {ns:.2f} | {cm:.1f} s"
             f"{f' ± {cs:.1f}' if cs else ''} | {cm / im:.1f}× | {cm / nm:.1f}× |")
L.append("")
L.append(f"**At {int(main_n):,} principals nhi is {input_ratio:.1f}× faster than cloudsplaining "
         f"in memory ({input_t:.2f} s vs {cs_t:.1f} s) and {ratio:.1f}× through the store "
         f"({nhi_t:.2f} s).** Target: ≥ 50×.\n")
if len(rows) > 1:
    L.append("Growth (cost per 1,000 principals; flat means linear):\n")
    L.append("| principals | nhi --input ms / 1k | nhi import + findings ms / 1k | cloudsplaining s / 1k |")
    L.append("| ---: | ---: | ---: | ---: |")
    for n, _, (nm, _, _), (cm, _, _), (im, _, _) in rows:
        L.append(f"| {n:,} | {im / n * 1e6:.0f} | {nm / n * 1e6:.0f} | {cm / n * 1e3:.2f} |")
    first, last = rows[0], rows[-1]
    scale = last[0] / first[0]
    L.append("")
    L.append(f"From {first[0]:,} to {last[0]:,} principals ({scale:.1f}× the principals) nhi's "
             f"time grew {last[4][0] / first[4][0]:.2f}× in memory and "
             f"{last[2][0] / first[2][0]:.2f}× through the store; cloudsplaining's "
             f"{last[3][0] / first[3][0]:.2f}×.\n")
L.append("## Agreement\n")
L.append("Per principal (IAM users and roles, by ARN), at "
         f"{int(main_n):,} principals. cloudsplaining evaluates each policy on its own "
         "and lists, per user and role, pointers to its inline and attached policies and "
         "its groups' policies; a principal counts as flagged in a category when any "
         "policy reaching it has findings in that category. nhi's side uses the "
         "principal's own `privilege_tier` attribute (its policies with permission "
         "boundaries and Deny statements applied), `escalations` and `sensitive_access`:\n")
L.append("- privilege escalation: cloudsplaining `PrivilegeEscalation` vs nhi tier `admin`, "
         "non-empty `escalations`, or tier `permissions_management` (the strict row drops "
         "`permissions_management`);")
L.append("- data exfiltration: cloudsplaining `DataExfiltration` (s3:GetObject, "
         "ssm:GetParameter*, secretsmanager:GetSecretValue) vs nhi tier `admin` or a "
         "`sensitive_access` read class of those services (`s3_read`, `ssm_parameter_read`, "
         "`secrets_read`);")
L.append("- infrastructure modification: cloudsplaining `InfrastructureModification` vs nhi "
         "tier `admin`, `permissions_management` or `data_write`.\n")
eh = agreement.get("nhi_effective_higher") or {}
if eh:
    L.append(f"Not compared: nhi also follows sts:AssumeRole trust edges; "
             f"{sum(eh.values()):,} principals reach a higher *effective* tier through a role "
             "they can assume (the inventory's top-level `privilege_tier`), which "
             "cloudsplaining does not model.\n")
L.append(agreement_md)
L.append(open(os.path.join(os.path.dirname(out), "assess-vs-cloudsplaining.notes.md")).read()
         if os.path.exists(os.path.join(os.path.dirname(out), "assess-vs-cloudsplaining.notes.md"))
         else "")
open(out, "w").write("\n".join(L).rstrip() + "\n")
print("\n".join(L[:40]))
print(f"\nwrote {out}", file=sys.stderr)
PY
