#!/usr/bin/env python3
"""Recall of `linger scan` on material nobody here wrote: another scanner's published test strings.

Kingfisher (github.com/mongodb/kingfisher) ships, with each of its rules, `examples` (strings its
authors say hold a secret) and a few `negative_examples`. This script reads them from a snapshot
of that repository at evaluation time — they are never copied into this repository — writes each
example to a file of its own, scans the folder once with Linger (no network) and reports, per
provider file and overall, the share of examples in which Linger reports a secret, and the
negative examples in which it reports one. The misses are listed, so each can become a rule fix.

The examples are Kingfisher's idea of a secret, not ground truth: some are bare tokens with no
context (which Linger's context-bound generic rules do not report by design), and a few are
formats Linger deliberately treats differently. The figure says how much of that set Linger
covers; read the misses before reading it as a defect rate.

    python3 Benchmarks/outside-evaluation.py --kingfisher REPO [--linger PATH] [--json FILE] [--misses N]

REPO is a clone or a bare git directory of mongodb/kingfisher (its data/rules/*.yml at HEAD).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml


def rule_files(repo):
    """(name, text) of each data/rules/*.yml at HEAD, from a work tree or a bare repository."""
    listing = subprocess.run(
        ["git", "-C", repo, "ls-tree", "-r", "--name-only", "HEAD", "data/rules"],
        check=True, capture_output=True, text=True).stdout.split()
    for path in sorted(listing):
        if not path.endswith((".yml", ".yaml")):
            continue
        text = subprocess.run(["git", "-C", repo, "show", f"HEAD:{path}"], check=True, capture_output=True,
                              text=True).stdout
        yield os.path.basename(path).rsplit(".", 1)[0], text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kingfisher", required=True, help="clone or bare git directory of mongodb/kingfisher")
    parser.add_argument("--linger", default=None, help="linger binary (default: .build/release or .build/debug)")
    parser.add_argument("--json", default=None, help="write the figures and misses here as JSON")
    parser.add_argument("--misses", type=int, default=40, help="misses to list (default 40)")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    linger = args.linger
    if linger is None:
        for candidate in (".build-release/release/linger", ".build/release/linger", ".build/debug/linger"):
            if os.access(os.path.join(root, candidate), os.X_OK):
                linger = os.path.join(root, candidate)
                break
    if linger is None:
        sys.exit("outside-evaluation: no linger binary; build one or pass --linger")

    with tempfile.TemporaryDirectory() as work:
        cases = []  # (family, kind, text, file)
        for family, text in rule_files(args.kingfisher):
            try:
                document = yaml.safe_load(text) or {}
            except yaml.YAMLError:
                continue
            for rule in document.get("rules", []) or []:
                for kind in ("examples", "negative_examples"):
                    for number, example in enumerate(rule.get(kind) or []):
                        if not isinstance(example, str) or not example.strip():
                            continue
                        name = f"{family}--{rule.get('id', 'rule')}--{kind}--{number}.txt".replace("/", "_")
                        with open(os.path.join(work, name), "w", encoding="utf-8", errors="replace") as handle:
                            handle.write(example if example.endswith("\n") else example + "\n")
                        cases.append((family, kind, example, name))
        run = subprocess.run(
            [linger, "scan", work, "--no-verify", "--format", "json", "--ungrouped"],
            capture_output=True, text=True, env={**os.environ, "LINGER_NO_VERIFY": "1"})
        try:
            report = json.loads(run.stdout)
        except json.JSONDecodeError:
            sys.exit(f"outside-evaluation: linger gave no JSON (exit {run.returncode}): {run.stderr[:500]}")
        hits = {}
        for finding in report.get("findings", []):
            hits.setdefault(finding["path"].split("/")[-1], []).append(finding["rule"])
        # Why candidates were turned down (`--verbose` lists each drop with its filter's reason).
        verbose = subprocess.run(
            [linger, "scan", work, "--no-verify", "--verbose", "--color", "never"],
            capture_output=True, text=True, env={**os.environ, "LINGER_NO_VERIFY": "1"})
        drops = {}
        for line in (verbose.stdout + verbose.stderr).splitlines():
            match = re.match(r"\s*dropped (\S+) at (.+?):(\d+): (.*)", line)
            if match:
                drops.setdefault(match.group(2).split("/")[-1], []).append(match.group(4))

    families = {}
    misses, false_positives = [], []
    for family, kind, text, name in cases:
        entry = families.setdefault(family, {"examples": 0, "found": 0, "negatives": 0, "reported": 0})
        found = name in hits
        if kind == "examples":
            entry["examples"] += 1
            entry["found"] += int(found)
            if not found:
                reason = (drops.get(name) or ["no candidate"])[0]
                misses.append((family, text.strip()[:160], reason))
        else:
            entry["negatives"] += 1
            entry["reported"] += int(found)
            if found:
                false_positives.append((family, hits[name], text.strip()[:160]))
    examples = sum(f["examples"] for f in families.values())
    found = sum(f["found"] for f in families.values())
    negatives = sum(f["negatives"] for f in families.values())
    reported = sum(f["reported"] for f in families.values())
    covered = sum(1 for f in families.values() if f["examples"] and f["found"] == f["examples"])
    print(f"Kingfisher's published examples ({len(families)} provider files, {examples} examples, "
          f"{negatives} negative examples), scanned by {linger}")
    print(f"  recall: {found}/{examples} = {100.0 * found / max(examples, 1):.1f}%  "
          f"(providers with every example found: {covered}/{len(families)})")
    print(f"  negative examples reported: {reported}/{negatives}")
    print("  per provider (found/examples), lowest first:")
    ranked = sorted(families.items(), key=lambda item: (item[1]["found"] / max(item[1]["examples"], 1), item[0]))
    for family, entry in ranked[:60]:
        if entry["examples"]:
            print(f"    {family:32} {entry['found']}/{entry['examples']}")
    print("  misses by why (a filter's reason, or no candidate: no rule matched):")
    kinds = {}
    for _, _, reason in misses:
        kind = reason.split(":")[0] + (": " + reason.split(":")[1].strip() if reason.startswith("repetition") else "")
        kinds[kind] = kinds.get(kind, 0) + 1
    for kind, count in sorted(kinds.items(), key=lambda item: -item[1]):
        print(f"    {count:5}  {kind}")
    print(f"  misses (first {args.misses} of {len(misses)}):")
    for family, text, reason in misses[:args.misses]:
        print(f"    [{family}] {text}  ({reason})")
    for family, rules, text in false_positives:
        print(f"  negative example reported [{family}] by {', '.join(sorted(set(rules)))}: {text}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"examples": examples, "found": found, "negatives": negatives, "reported": reported,
                       "families": families, "misses": misses}, handle, indent=1)


if __name__ == "__main__":
    main()
