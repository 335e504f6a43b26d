#!/usr/bin/env python3
"""Scores `nhi monitor` alerts against the labels of a generated CloudTrail data set
(`nhi-simulate`): detection rate per attack technique, benign-novelty episodes that
alerted, and false alerts per million events.

An alert *covers* an episode when it names one of the episode's events (event IDs), or
when it is about the episode's principal and its time span overlaps the episode's. An
alert that covers no attack episode is a false alert (whether or not it fell on a
benign episode)."""

import argparse
import json
import sys
from collections import defaultdict
from datetime import datetime


def ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def toml_string(text):
    return json.dumps(text)  # a JSON string is a valid TOML basic string


def write_config(labels, path):
    """The monitoring config an operator of the simulated estate would keep: the
    organisation's own and trusted accounts, and per identity its access keys and the
    principals that rotate them (what the inventory and its tags would say)."""
    known = sorted(set(labels["accounts"]) | set(labels["known_accounts"]))
    lines = ["[monitor]", f"known_accounts = {json.dumps(known)}", ""]
    for identity in labels["identities"]:
        lines.append("[[identity]]")
        lines.append(f"principal = {toml_string(identity['principal'])}")
        if identity.get("rotator_principals"):
            lines.append(f"rotators = {json.dumps(identity['rotator_principals'])}")
        if identity.get("access_key_ids"):
            lines.append(f"credentials = {json.dumps(identity['access_key_ids'])}")
        lines.append("")
    open(path, "w").write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write-config", help="write the monitoring config for the labels' estate here and exit")
    ap.add_argument("--labels", required=True)
    ap.add_argument("--alerts", help="JSON lines from `nhi monitor --format jsonl`")
    ap.add_argument("--json", help="write the scores here")
    ap.add_argument("--markdown", help="write a Markdown table here")
    args = ap.parse_args()

    labels = json.load(open(args.labels))
    if args.write_config:
        write_config(labels, args.write_config)
        return 0
    alerts = [json.loads(line) for line in open(args.alerts) if line.strip()]
    episodes = labels["episodes"]
    events = labels["event_count"]

    def covers(alert, episode):
        if set(alert.get("event_ids") or []) & set(episode["event_ids"]):
            return True
        if alert.get("identity") != episode["principal"]:
            return False
        first, last = ts(alert.get("first_seen")), ts(alert.get("last_seen"))
        if first is None or last is None:
            return False
        return first <= ts(episode["end"]) and last >= ts(episode["start"])

    per_technique = defaultdict(lambda: {"episodes": 0, "detected": 0, "by": set()})
    benign = defaultdict(lambda: {"episodes": 0, "alerted": 0, "by": set()})
    covering_attack = set()
    for episode in episodes:
        hits = [a for a in alerts if covers(a, episode)]
        if episode["kind"] == "attack":
            row = per_technique[episode["technique"]]
            row["episodes"] += 1
            if hits:
                row["detected"] += 1
                row["by"].update(a["detection"] for a in hits)
                covering_attack.update(a["id"] for a in hits)
        else:
            row = benign[episode["technique"]]
            row["episodes"] += 1
            if hits:
                row["alerted"] += 1
                row["by"].update(a["detection"] for a in hits)

    attacks = sum(r["episodes"] for r in per_technique.values())
    detected = sum(r["detected"] for r in per_technique.values())
    benign_total = sum(r["episodes"] for r in benign.values())
    benign_alerted = sum(r["alerted"] for r in benign.values())
    false_alerts = [a for a in alerts if a["id"] not in covering_attack]
    false_by_detection = defaultdict(int)
    for a in false_alerts:
        false_by_detection[a["detection"]] += 1
    result = {
        "events": events,
        "alerts": len(alerts),
        "attack_episodes": attacks,
        "attack_episodes_detected": detected,
        "detection_rate": detected / attacks if attacks else None,
        "benign_episodes": benign_total,
        "benign_episodes_alerted": benign_alerted,
        "benign_alert_rate": benign_alerted / benign_total if benign_total else None,
        "false_alerts": len(false_alerts),
        "false_alerts_per_million_events": len(false_alerts) * 1e6 / events if events else None,
        "false_alerts_by_detection": dict(sorted(false_by_detection.items())),
        "techniques": {
            t: {"episodes": r["episodes"], "detected": r["detected"], "by": sorted(r["by"])}
            for t, r in sorted(per_technique.items())
        },
        "benign": {
            t: {"episodes": r["episodes"], "alerted": r["alerted"], "by": sorted(r["by"])}
            for t, r in sorted(benign.items())
        },
    }
    if args.json:
        json.dump(result, open(args.json, "w"), indent=2)
    lines = [
        "| technique | episodes | detected | by |",
        "|---|---:|---:|---|",
    ]
    for t, r in result["techniques"].items():
        lines.append(f"| {t} | {r['episodes']} | {r['detected']} | {', '.join(r['by']) or '—'} |")
    lines += [
        "",
        "| benign novelty | episodes | alerted | by |",
        "|---|---:|---:|---|",
    ]
    for t, r in result["benign"].items():
        lines.append(f"| {t} | {r['episodes']} | {r['alerted']} | {', '.join(r['by']) or '—'} |")
    summary = (
        f"{detected}/{attacks} attack episodes detected ({100 * result['detection_rate']:.0f} %); "
        f"{benign_alerted}/{benign_total} benign-novelty episodes alerted "
        f"({100 * result['benign_alert_rate']:.0f} %); {len(false_alerts)} false alerts in "
        f"{events:,} events = {result['false_alerts_per_million_events']:.0f} per million events "
        f"(by detection: {dict(sorted(false_by_detection.items()))})"
    )
    lines += ["", summary]
    if args.markdown:
        open(args.markdown, "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
