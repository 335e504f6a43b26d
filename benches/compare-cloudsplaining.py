#!/usr/bin/env python3
"""Agreement between nhi's assessment and `cloudsplaining scan` on one GAAD.

Maps both tools' outputs to per-principal sets (IAM users and roles, by ARN) for three
risk categories and prints, per category: both counts, agreement, only-cloudsplaining,
only-nhi, and up to --examples example principals of each disagreement with the
policies and actions involved, so each can be explained.

Inputs:
  --gaad        the `aws iam get-account-authorization-details` JSON both tools read
  --cs-results  cloudsplaining's iam-results-<name>.json
  --nhi-inventory  `nhi inventory --format json` output (identities with `privilege_tier`
                and the `escalations` / `sensitive_access` attributes `nhi import` stores)
  --nhi-findings   `nhi findings --format json` output (optional; counts by rule)

How cloudsplaining reports principals: it evaluates each *policy* on its own (managed,
inline, group) and lists, for every user, role and group, pointers to the policies
attached to it. A principal is flagged in a category here when any policy reachable
from it (its inline and attached managed policies, and those of its groups) has a
non-empty `findings` list in that category. Excluded policies (default exclusions:
service-role paths, *ServiceRolePolicy, ...) carry no findings; excluded principals
(`is_excluded`) count as not flagged.

Category mappings (cloudsplaining -> nhi):
  privilege escalation   PrivilegeEscalation findings
                         -> tier admin, or non-empty `escalations`, or tier
                            permissions_management ("broad" mapping, the brief's);
                            the "strict" variant (admin or `escalations`) is also shown.
  data exfiltration      DataExfiltration findings (s3:GetObject, ssm:GetParameter*,
                         secretsmanager:GetSecretValue without resource constraints)
                         -> tier admin or a `sensitive_access` read class of the same
                            services: s3_read, ssm_parameter_read, secrets_read.
  infrastructure modif.  InfrastructureModification findings (write / permissions-
                         management / tagging actions without resource constraints)
                         -> tier in {admin, permissions_management, data_write}.

Output: text report on stdout; --json writes a machine-readable summary; --markdown
writes the agreement tables and examples as Markdown.
"""

import argparse
import json
import sys
import urllib.parse
from collections import Counter

READ_CLASSES = {"s3_read", "ssm_parameter_read", "secrets_read"}
IM_TIERS = {"admin", "permissions_management", "data_write"}
CATEGORIES = [
    ("privilege_escalation", "PrivilegeEscalation", "privilege escalation"),
    ("privilege_escalation_strict", "PrivilegeEscalation",
     "privilege escalation (strict nhi side: admin or escalations)"),
    ("data_exfiltration", "DataExfiltration", "data exfiltration"),
    ("infrastructure_modification", "InfrastructureModification",
     "infrastructure modification"),
]


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def decode(doc):
    if isinstance(doc, str):
        return json.loads(urllib.parse.unquote(doc))
    return doc


# ------------------------------------------------------------------ GAAD (for evidence)
class Gaad:
    """The policies each principal holds, to show the statements behind a disagreement."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            gaad = json.load(f)
        self.managed = {}
        for p in gaad.get("Policies", []):
            for v in p.get("PolicyVersionList", []):
                if v.get("IsDefaultVersion"):
                    self.managed[p["Arn"]] = (p["PolicyName"], decode(v["Document"]))
        self.groups = {g["GroupName"]: g for g in gaad.get("GroupDetailList", [])}
        self.principals = {}
        for u in gaad.get("UserDetailList", []):
            self.principals[u["Arn"]] = ("user", u)
        for r in gaad.get("RoleDetailList", []):
            self.principals[r["Arn"]] = ("role", r)

    def policies(self, arn):
        """(label, document) of every identity policy reaching the principal."""
        kind, p = self.principals[arn]
        out = []
        inline_key = "UserPolicyList" if kind == "user" else "RolePolicyList"
        for ip in p.get(inline_key, []):
            out.append((f"inline:{ip['PolicyName']}", decode(ip["PolicyDocument"])))
        for ap in p.get("AttachedManagedPolicies", []):
            name, doc = self.managed.get(ap["PolicyArn"], (ap["PolicyName"], None))
            out.append((f"managed:{name}", doc))
        for gname in p.get("GroupList", []):
            g = self.groups.get(gname)
            if not g:
                continue
            for ip in g.get("GroupPolicyList", []):
                out.append((f"group:{gname}/inline:{ip['PolicyName']}",
                            decode(ip["PolicyDocument"])))
            for ap in g.get("AttachedManagedPolicies", []):
                name, doc = self.managed.get(ap["PolicyArn"], (ap["PolicyName"], None))
                out.append((f"group:{gname}/managed:{name}", doc))
        return out

    def boundary(self, arn):
        if arn not in self.principals:
            return None
        _, p = self.principals[arn]
        b = p.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
        return self.managed.get(b, (b, None))[0] if b else None

    def summary(self, arn, limit=6):
        """Compact Allow/Deny statements of the principal's policies."""
        if arn not in self.principals:
            return ["(principal not in the GAAD)"]
        parts = []
        for label, doc in self.policies(arn):
            if doc is None:
                parts.append(f"{label} (document not in GAAD)")
                continue
            stmts = []
            for s in as_list(doc.get("Statement")):
                key = "Action" if "Action" in s else "NotAction"
                acts = ",".join(as_list(s.get(key)))
                rkey = "Resource" if "Resource" in s else "NotResource"
                res = as_list(s.get(rkey))
                res_s = "*" if res == ["*"] else (f"{rkey}={res[0]}" + ("..." if len(res) > 1 else ""))
                cond = " +Condition" if s.get("Condition") else ""
                stmts.append(f"{s.get('Effect')} {'Not' if key == 'NotAction' else ''}[{acts}] on {res_s}{cond}")
            parts.append(f"{label}: " + "; ".join(stmts))
        if len(parts) > limit:
            parts = parts[:limit] + [f"... {len(parts) - limit} more policies"]
        b = self.boundary(arn)
        if b:
            parts.append(f"permissions boundary: {b}")
        return parts


# ------------------------------------------------------------------ cloudsplaining
def cloudsplaining_sets(results):
    """{category_key: {principal_arn: [(policy label, [actions or technique types])]}}"""
    policy_tables = {
        "inline_policies": results.get("inline_policies", {}),
        "customer_managed_policies": results.get("customer_managed_policies", {}),
        "aws_managed_policies": results.get("aws_managed_policies", {}),
    }
    keys = ["PrivilegeEscalation", "DataExfiltration", "InfrastructureModification",
            "ResourceExposure", "CredentialsExposure"]

    def policy_hits(pointer_holder, prefix):
        hits = {k: [] for k in keys}
        for table, entries in policy_tables.items():
            for pid, pname in (pointer_holder.get(table) or {}).items():
                policy = entries.get(pid) or {}
                if policy.get("is_excluded"):
                    continue
                for k in keys:
                    findings = (policy.get(k) or {}).get("findings") or []
                    if not findings:
                        continue
                    if k == "PrivilegeEscalation":
                        detail = [f["type"] for f in findings]
                    else:
                        detail = list(findings)
                    kind = {"inline_policies": "inline", "customer_managed_policies": "managed",
                            "aws_managed_policies": "managed"}[table]
                    hits[k].append((f"{prefix}{kind}:{pname}", detail))
        return hits

    per = {k: {} for k in keys}
    excluded = 0
    for section in ("users", "roles"):
        for entry in (results.get(section) or {}).values():
            arn = entry["arn"]
            if entry.get("is_excluded"):
                excluded += 1
                continue
            hits = policy_hits(entry, "")
            for gname, group in (entry.get("groups") or {}).items():
                if group.get("is_excluded"):
                    continue
                ghits = policy_hits(group, f"group:{gname}/")
                for k in keys:
                    hits[k].extend(ghits[k])
            for k in keys:
                if hits[k]:
                    per[k][arn] = hits[k]
    return per, excluded


# ------------------------------------------------------------------ nhi
def nhi_sets(inventory):
    per = {"privilege_escalation": {}, "privilege_escalation_strict": {},
           "data_exfiltration": {}, "infrastructure_modification": {}}
    info = {}
    for ident in inventory:
        if ident.get("provider") != "aws" or ident.get("kind") not in ("iam_user", "iam_role"):
            continue
        arn = ident.get("external_id")
        attrs = ident.get("attributes") or {}
        # The principal's own tier (its own policies, boundary applied): what cloudsplaining
        # evaluates. The inventory's top-level `privilege_tier` is the *effective* tier,
        # which also follows sts:AssumeRole trust edges to other roles
        # (`effective_privilege_via`); cloudsplaining has no equivalent, so it is only
        # counted (`effective_higher`), not compared.
        tier = attrs.get("privilege_tier") or ident.get("privilege_tier") or "unassessed"
        effective = ident.get("privilege_tier") or tier
        esc = [e for e in (attrs.get("escalations") or "").split(",") if e]
        sens = [c for c in (attrs.get("sensitive_access") or "").split(",") if c]
        info[arn] = {"tier": tier, "effective_tier": effective,
                     "effective_via": attrs.get("effective_privilege_via"),
                     "escalations": esc, "sensitive_access": sens,
                     "admin_via": attrs.get("admin_via")}
        if tier == "admin" or esc:
            why = "admin" + (f" via {attrs['admin_via']}" if attrs.get("admin_via") else "") \
                if tier == "admin" else "escalations: " + ",".join(esc)
            per["privilege_escalation_strict"][arn] = why
            per["privilege_escalation"][arn] = why
        elif tier == "permissions_management":
            per["privilege_escalation"][arn] = "tier permissions_management"
        reads = sorted(READ_CLASSES.intersection(sens))
        if tier == "admin" or reads:
            per["data_exfiltration"][arn] = "admin" if tier == "admin" else ",".join(reads)
        if tier in IM_TIERS:
            per["infrastructure_modification"][arn] = f"tier {tier}"
    return per, info


# ------------------------------------------------------------------ compare
def short(arn):
    return arn.split(":", 5)[-1]


def compare(cs_per, nhi_per, nhi_info, gaad, examples):
    out = {}
    for key, cs_key, title in CATEGORIES:
        cs = cs_per[cs_key]
        nh = nhi_per[key]
        both = set(cs) & set(nh)
        only_cs = sorted(set(cs) - set(nh))
        only_nhi = sorted(set(nh) - set(cs))
        union = set(cs) | set(nh)

        def cs_detail(arn):
            return [f"{label}: {', '.join(detail[:8])}{' ...' if len(detail) > 8 else ''}"
                    for label, detail in cs[arn]]

        def pattern_cs(arn):
            # Which cloudsplaining policies drive the finding (group-independent labels).
            return " + ".join(sorted({label.split("/")[-1] for label, _ in cs[arn]}))

        def pattern_nhi(arn):
            i = nhi_info.get(arn, {})
            b = gaad.boundary(arn) if arn in gaad.principals else None
            return f"nhi tier {i.get('tier', 'not in inventory')}" + (
                f", boundary {b}" if b else "")

        entry = {
            "title": title,
            "cloudsplaining": len(cs), "nhi": len(nh), "both": len(both),
            "only_cloudsplaining": len(only_cs), "only_nhi": len(only_nhi),
            "jaccard": round(len(both) / len(union), 4) if union else 1.0,
            "only_cloudsplaining_patterns": Counter(
                f"{pattern_cs(a)} | {pattern_nhi(a)}" for a in only_cs).most_common(10),
            "only_nhi_patterns": Counter(
                f"{nh[a]} | {'boundary ' + gaad.boundary(a) if gaad.boundary(a) else 'no boundary'}"
                if key != "infrastructure_modification" else nh[a]
                for a in only_nhi).most_common(10),
            "only_cloudsplaining_with_boundary": sum(1 for a in only_cs if gaad.boundary(a)),
            "only_nhi_with_boundary": sum(1 for a in only_nhi if gaad.boundary(a)),
            "only_cloudsplaining_examples": [],
            "only_nhi_examples": [],
        }
        for arn in only_cs[:examples]:
            i = nhi_info.get(arn, {})
            entry["only_cloudsplaining_examples"].append({
                "principal": short(arn),
                "cloudsplaining": cs_detail(arn),
                "nhi": {"tier": i.get("tier"), "escalations": i.get("escalations"),
                        "sensitive_access": i.get("sensitive_access")},
                "policies": gaad.summary(arn),
            })
        for arn in only_nhi[:examples]:
            entry["only_nhi_examples"].append({
                "principal": short(arn),
                "nhi": nh[arn],
                "policies": gaad.summary(arn),
            })
        out[key] = entry
    return out


def render_text(summary, counts):
    lines = []
    for key, e in summary.items():
        lines.append(f"== {e['title']}")
        lines.append(f"   cloudsplaining {e['cloudsplaining']}  nhi {e['nhi']}  both {e['both']}  "
                     f"only-cloudsplaining {e['only_cloudsplaining']}  only-nhi {e['only_nhi']}  "
                     f"(Jaccard {e['jaccard']})")
        for side in ("only_cloudsplaining", "only_nhi"):
            if e[f"{side}_patterns"]:
                lines.append(f"   {side}: {e[side + '_with_boundary']} of {e[side]} have a "
                             "permissions boundary; by pattern:")
                for pat, n in e[f"{side}_patterns"]:
                    lines.append(f"     {n:6d}  {pat}")
            for ex in e[f"{side}_examples"]:
                lines.append(f"   {side}: {ex['principal']}")
                if "cloudsplaining" in ex:
                    for c in ex["cloudsplaining"]:
                        lines.append(f"       cloudsplaining  {c}")
                    lines.append(f"       nhi             {json.dumps(ex['nhi'])}")
                else:
                    lines.append(f"       nhi             {ex['nhi']}")
                for p in ex["policies"]:
                    lines.append(f"       policy          {p}")
        lines.append("")
    if counts:
        lines.append("nhi findings by rule: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return "\n".join(lines)


def render_markdown(summary):
    md = ["| category | cloudsplaining | nhi | both | only cloudsplaining | only nhi | Jaccard |",
          "|---|---:|---:|---:|---:|---:|---:|"]
    for e in summary.values():
        md.append(f"| {e['title']} | {e['cloudsplaining']} | {e['nhi']} | {e['both']} | "
                  f"{e['only_cloudsplaining']} | {e['only_nhi']} | {e['jaccard']} |")
    md.append("")
    for e in summary.values():
        md.append(f"#### {e['title']}")
        md.append("")
        for side, label in (("only_cloudsplaining", "Only cloudsplaining"), ("only_nhi", "Only nhi")):
            if not e[f"{side}_patterns"]:
                md.append(f"{label}: none.")
                md.append("")
                continue
            md.append(f"{label} ({e[side]}; {e[side + '_with_boundary']} with a permissions "
                      "boundary), by pattern (top 10):")
            md.append("")
            for pat, n in e[f"{side}_patterns"]:
                md.append(f"- {n} × {pat}")
            md.append("")
            md.append("Examples:")
            md.append("")
            for ex in e[f"{side}_examples"]:
                md.append(f"- `{ex['principal']}`")
                if "cloudsplaining" in ex:
                    for c in ex["cloudsplaining"]:
                        md.append(f"  - cloudsplaining: {c}")
                    md.append(f"  - nhi: {json.dumps(ex['nhi'])}")
                else:
                    md.append(f"  - nhi: {ex['nhi']}")
                for p in ex["policies"]:
                    md.append(f"  - policy: `{p}`")
            md.append("")
    return "\n".join(md)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gaad", required=True)
    ap.add_argument("--cs-results", required=True)
    ap.add_argument("--nhi-inventory", required=True)
    ap.add_argument("--nhi-findings")
    ap.add_argument("--examples", type=int, default=5)
    ap.add_argument("--json", dest="json_out")
    ap.add_argument("--markdown")
    args = ap.parse_args()

    gaad = Gaad(args.gaad)
    with open(args.cs_results, encoding="utf-8") as f:
        cs_results = json.load(f)
    with open(args.nhi_inventory, encoding="utf-8") as f:
        inventory = json.load(f)
    counts = {}
    if args.nhi_findings:
        with open(args.nhi_findings, encoding="utf-8") as f:
            counts = dict(Counter(x.get("rule") for x in json.load(f)))

    cs_per, cs_excluded = cloudsplaining_sets(cs_results)
    nhi_per, nhi_info = nhi_sets(inventory)
    missing = [a for a in gaad.principals if a not in nhi_info]
    if missing:
        print(f"warning: {len(missing)} GAAD principals missing from nhi's inventory, "
              f"e.g. {missing[:3]}", file=sys.stderr)
    tiers = Counter(i["tier"] for i in nhi_info.values())
    effective_higher = Counter(f"{i['tier']} -> {i['effective_tier']}" for i in nhi_info.values()
                               if i["effective_tier"] != i["tier"])
    summary = compare(cs_per, nhi_per, nhi_info, gaad, args.examples)
    print(f"principals in GAAD {len(gaad.principals)}; assessed by nhi {len(nhi_info)}; "
          f"excluded by cloudsplaining {cs_excluded}")
    print("nhi privilege tiers: " + ", ".join(f"{k} {v}" for k, v in sorted(tiers.items())))
    print("nhi effective tier above own tier (via sts:AssumeRole chains, not compared): "
          + (", ".join(f"{k} {v}" for k, v in effective_higher.most_common()) or "none"))
    print("cloudsplaining principals flagged: " + ", ".join(
        f"{k} {len(v)}" for k, v in cs_per.items()))
    print()
    print(render_text(summary, counts))
    doc = {"principals": len(gaad.principals), "nhi_assessed": len(nhi_info),
           "cloudsplaining_excluded_principals": cs_excluded, "nhi_tiers": dict(tiers),
           "nhi_effective_higher": dict(effective_higher),
           "cloudsplaining_flagged": {k: len(v) for k, v in cs_per.items()},
           "nhi_findings_by_rule": counts, "categories": summary}
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(render_markdown(summary) + "\n")


if __name__ == "__main__":
    main()
