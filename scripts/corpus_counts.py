#!/usr/bin/env python3
"""Independent counts over the template corpus (corpus/, issue #13), made with cfn-lint.

For every template of corpus/MANIFEST.tsv (extracted under corpus/ by
`python3 corpus/build.py extract`), this script reads the file with cfn-lint's own
decoder, `cfnlint.decode.decode(path)` (its YAML and JSON loaders, CloudFormation tags,
duplicate keys refused), and counts, over the template as written (no transform, no
`Fn::ForEach` expanded, conditions ignored: a resource counts whatever its `Condition`):

  groups        `AWS::EC2::SecurityGroup` resources;
  rules         security group rules: every item of a group's `SecurityGroupIngress` and
                `SecurityGroupEgress` property when that property is a literal list
                (each item counts, whatever it holds, even an `Fn::If`), plus every
                `AWS::EC2::SecurityGroupIngress` and `AWS::EC2::SecurityGroupEgress`
                resource;
  nacl_entries  `AWS::EC2::NetworkAclEntry` resources;
  nonliteral    how many of those group properties are not a literal list (an `Fn::If`,
                a `Ref`, …): their rules are not counted above (they are only known at
                deployment), and the `notes` column names each one;
  accepted      `yes` when cfn-lint 1.58.0, with its default rules and region
                (us-east-1) and the template's own `Metadata: cfn-lint` directives,
                reports no error (no match of an `E` rule, parse errors included);
                warnings and informational matches do not matter. `no` otherwise,
                with the error rule ids in `notes`.

A resource is counted only when it is a mapping with a string `Type`; `Properties` that
is not a mapping holds no rules. A template the decoder cannot read has counts `-`.

Output: corpus/COUNTS.tsv, one row per template, in manifest order, columns
    path  accepted  groups  rules  nacl_entries  nonliteral  transform  notes
with `path` relative to corpus/, `transform` the template's `Transform` (`,`-joined;
empty when none) and `notes` `;`-joined remarks (non-literal rule lists as
`Id.Property=Kind`, `Fn::ForEach` resource keys, cfn-lint's error rule ids as `E:…`).

Usage, with the cfn-lint 1.58.0 environment:
    python3 -m venv /tmp/cfnlint && /tmp/cfnlint/bin/pip install cfn-lint==1.58.0
    /tmp/cfnlint/bin/python scripts/corpus_counts.py          # writes corpus/COUNTS.tsv
    /tmp/cfnlint/bin/python scripts/corpus_counts.py --check  # compares with it; exit 1 if different
Options: --jobs N (processes, default 2).
"""

import argparse
import multiprocessing
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
COUNTS = CORPUS / "COUNTS.tsv"
VERSION = "1.58.0"
COLUMNS = ["path", "accepted", "groups", "rules", "nacl_entries", "nonliteral", "transform", "notes"]

GROUP = "AWS::EC2::SecurityGroup"
RULE_TYPES = ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress")
NACL_ENTRY = "AWS::EC2::NetworkAclEntry"
INLINE = ("SecurityGroupIngress", "SecurityGroupEgress")

_runner = None


def _init():
    global _runner
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    _runner = Runner(ConfigMixIn([], regions=["us-east-1"]))


def kind(v):
    """What a non-list value is: its function name, or its Python type."""
    if isinstance(v, dict) and len(v) == 1:
        return next(iter(v))
    return type(v).__name__


def count(rel):
    from cfnlint.decode import decode

    path = CORPUS / rel
    template, matches = decode(str(path))
    if matches or not isinstance(template, dict):
        ids = sorted({m.rule.id for m in matches}) or ["decode"]
        return [rel, "no", "-", "-", "-", "-", "", "E:" + ",".join(ids)]
    groups = rules = entries = nonliteral = 0
    notes = []
    resources = template.get("Resources")
    for rid, res in (resources.items() if isinstance(resources, dict) else []):
        if str(rid).startswith("Fn::ForEach::"):
            notes.append(f"ForEach {rid}")
        if not isinstance(res, dict) or not isinstance(res.get("Type"), str):
            continue
        props = res.get("Properties")
        props = props if isinstance(props, dict) else {}
        t = res["Type"]
        if t == GROUP:
            groups += 1
            for key in INLINE:
                v = props.get(key)
                if v is None:
                    continue
                if isinstance(v, list):
                    rules += len(v)
                else:
                    nonliteral += 1
                    notes.append(f"{rid}.{key}={kind(v)}")
        elif t in RULE_TYPES:
            rules += 1
        elif t == NACL_ENTRY:
            entries += 1
    transform = template.get("Transform")
    if isinstance(transform, list):
        transform = ",".join(str(kind(x)) if isinstance(x, dict) else str(x) for x in transform)
    elif isinstance(transform, dict):
        transform = kind(transform)
    transform = "" if transform is None else str(transform)
    try:
        errors = sorted({m.rule.id for m in _runner.validate_template(template) if m.rule.id.startswith("E")})
    except Exception as e:  # cfn-lint itself fails on the template: not accepted
        errors = [f"exception({type(e).__name__})"]
    if errors:
        notes.append("E:" + ",".join(errors))
    accepted = "no" if errors else "yes"
    clean = lambda s: s.replace("\t", " ").replace("\n", " ")
    return [rel, accepted, str(groups), str(rules), str(entries), str(nonliteral), clean(transform),
            clean(";".join(notes))]


def manifest():
    with open(CORPUS / "MANIFEST.tsv") as f:
        f.readline()
        return [f"{row[0]}/{row[1]}" for row in (l.rstrip("\n").split("\t") for l in f if l.strip())]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="compare with corpus/COUNTS.tsv instead of writing it")
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args()
    import cfnlint.version

    if cfnlint.version.__version__ != VERSION:
        sys.exit(f"cfn-lint {cfnlint.version.__version__}; the counts are made with {VERSION}")
    paths = manifest()
    missing = [p for p in paths if not (CORPUS / p).is_file()]
    if missing:
        sys.exit(f"{len(missing)} templates missing (first {missing[0]}): run python3 corpus/build.py extract")
    with multiprocessing.Pool(args.jobs, initializer=_init) as pool:
        rows = pool.map(count, paths, chunksize=8)
    text = "\t".join(COLUMNS) + "\n" + "".join("\t".join(r) + "\n" for r in rows)
    if args.check:
        old = COUNTS.read_text() if COUNTS.exists() else ""
        if old == text:
            print(f"{COUNTS.relative_to(ROOT)}: the same ({len(rows)} templates)")
            return
        old_rows = {l.split("\t", 1)[0]: l for l in old.splitlines()[1:]}
        for line in text.splitlines()[1:]:
            key = line.split("\t", 1)[0]
            if old_rows.get(key) != line:
                print(f"- {old_rows.get(key, '(absent)')}\n+ {line}")
        for key in old_rows.keys() - {l.split("\t", 1)[0] for l in text.splitlines()[1:]}:
            print(f"- {old_rows[key]}\n+ (absent)")
        sys.exit(f"{COUNTS.relative_to(ROOT)} differs")
    COUNTS.write_text(text)
    accepted = sum(r[1] == "yes" for r in rows)
    with_groups = sum(r[2] not in ("-", "0") or r[3] not in ("-", "0") for r in rows)
    print(f"{len(rows)} templates, {accepted} accepted by cfn-lint, {with_groups} with groups or rules")


if __name__ == "__main__":
    main()
