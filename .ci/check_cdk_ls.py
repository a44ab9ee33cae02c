"""Checks `cdk ls --show-dependencies --json` against a ringfence manifest: the CLI lists
every artifact of the manifest, each after the stacks it depends on, with the same
dependencies."""
import json
import sys

listed = json.load(open(sys.argv[1]))
manifest = json.load(open(sys.argv[2]))
artifacts = manifest["artifacts"]

names = [s["id"] for s in listed]
assert sorted(names) == sorted(artifacts), f"cdk ls lists {names}, manifest has {list(artifacts)}"
for i, stack in enumerate(listed):
    deps = sorted(d["id"] for d in stack["dependencies"])
    expected = sorted(artifacts[stack["id"]].get("dependencies", []))
    assert deps == expected, f"{stack['id']}: cdk sees {deps}, manifest says {expected}"
    for d in deps:
        assert d in names[:i], f"{stack['id']} is listed before its dependency {d}"
print(f"cdk ls: {len(names)} stacks in dependency order: {', '.join(names)}")
