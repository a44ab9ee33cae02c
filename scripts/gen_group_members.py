#!/usr/bin/env python3
"""Generates crates/cfn/src/schema/group_members.rs from CloudFormation's resource schemas.

The table answers one question for every resource type AWS publishes: where its
properties say which security groups its network interfaces join, and which subnets they
are in. A resource of such a type is a *workload* to the analyzer: reachability starts
from its groups, RF603 ("no workload joins this group") and `ringfence impact` count it
as a member of every group it names (DESIGN.md, invariants 1 and 9).

Source: the provider schemas bundled with cfn-lint (PyPI), us-east-1, which carry AWS's
published schemas plus cfn-lint's `format` annotations, and the SAM resource schemas
cfn-lint bundles beside them (`providers/sam.json`: `AWS::Serverless::*`). Regenerate
after a cfn-lint release to cover new resource types:

    python3 -m venv /tmp/cfnlint && /tmp/cfnlint/bin/pip install cfn-lint==1.58.0
    /tmp/cfnlint/bin/python scripts/gen_group_members.py

(`.ci/.venv/bin/python` works too once `bash .ci/run` has installed cfn-lint.) CI runs
this script with `--check` and fails when the committed table differs. `--list` prints
every path with the reason it is in the table (`format` or `name`).

The rule, applied to every property path of every resource type (nested objects are
followed through `$ref` definitions, `anyOf`/`oneOf`/`allOf` and list items, written
`A.B[].C`):

1. A path takes security groups when its schema `format` (on the property, its list
   items, or a branch of `anyOf`/`oneOf`) is `AWS::EC2::SecurityGroup.Id(s)` or, for the
   EC2-Classic and default-VPC properties that take group *names* (an instance's or a
   launch configuration's `SecurityGroups`), `AWS::EC2::SecurityGroup.Name(s)`. It takes
   subnets when the format is `AWS::EC2::Subnet.Id(s)`.
2. Where the schema has no such format, the property's name decides, when its type
   admits a text or a list of texts: a name ending in `SecurityGroup`,
   `SecurityGroups`, `SecurityGroupId`, `SecurityGroupIds`, `SecurityGroupIdList` or
   `SecurityGroupArns` (DataSync names groups by ARN), `GroupSet`, or `Groups` inside a
   `NetworkInterfaces` item (EC2's network interface specification) takes groups; this
   is how `AWS::RDS::DBInstance.VPCSecurityGroups`, a launch template's
   `NetworkInterfaces[].Groups`, an EMR cluster's `EmrManagedMasterSecurityGroup` and
   the SAM types' `VpcConfig.SecurityGroupIds` are found. `SubnetId`, `SubnetIds`,
   `Subnets` and `ClientSubnets` take subnets.
3. Not membership, and left out:
   - resource types whose own name contains `SecurityGroup` (`AWS::EC2::SecurityGroup`,
     its `Ingress`/`Egress` rules and VPC associations, RDS DB security groups,
     Redshift cluster security groups, ElastiCache security groups, MediaLive input
     security groups): they are a group or change one (the sibling table,
     `network_targets.rs`, covers those), and a group they name is their peer;
   - read-only properties (a path under one of the schema's `readOnlyProperties`), which
     report a group the service created (a VPC's `DefaultSecurityGroup`, an EKS
     cluster's `ClusterSecurityGroupId`), not one the template chose;
   - a path whose property, or the object that holds it, is named `Source…`,
     `Destination…`, `Peer…` or `Target…`: the other end of a relationship (a node
     group's `RemoteAccess.SourceSecurityGroups`, a status check's
     `Source.SecurityGroupId`). Only these two levels are looked at, so an event rule's
     `Targets[].EcsParameters.NetworkConfiguration.AwsVpcConfiguration.SecurityGroups` (a
     task the rule starts joins them) stays;
   - names of other services' kinds of "security group", which are no EC2 group even
     where cfn-lint marks them so: `DBSecurityGroups`, `ClusterSecurityGroups`,
     `CacheSecurityGroupNames`, `InputSecurityGroups`, `ChannelSecurityGroups`.
4. A type is in the table when it has at least one group path; its subnet paths come
   with it, so a workload keeps its subnets. Paths are listed shallowest first, then by
   name. A type with subnets and no groups (an auto
   scaling group: its instances join the groups of its launch template or launch
   configuration, which are in the table) is not.

SAM's `Globals` section is not a resource type: the analyzer reads `Globals.Function`
for `AWS::Serverless::Function` (and `Globals.<X>` for `AWS::Serverless::<X>`) through
the same paths, as the SAM transform merges them.
"""
import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "crates", "cfn", "src", "schema", "group_members.rs")

GROUP_FORMATS = {
    "AWS::EC2::SecurityGroup.Id",
    "AWS::EC2::SecurityGroup.Ids",
    "AWS::EC2::SecurityGroup.Name",
    "AWS::EC2::SecurityGroup.Names",
}
SUBNET_FORMATS = {"AWS::EC2::Subnet.Id", "AWS::EC2::Subnet.Ids"}
GROUP_NAME = re.compile(r"(SecurityGroup|SecurityGroups|SecurityGroupIds?|SecurityGroupIdList|SecurityGroupArns)$")
GROUP_NAMES = {"GroupSet"}
INTERFACE_GROUP_NAMES = {"Groups"}  # inside a `NetworkInterfaces` item only
SUBNET_NAMES = {"SubnetId", "SubnetIds", "Subnets", "ClientSubnets"}
PEER_PREFIXES = ("Source", "Destination", "Peer", "Target")
NOT_EC2_GROUPS = {
    "DBSecurityGroups",  # RDS DB security groups (EC2-Classic)
    "ClusterSecurityGroups",  # Redshift cluster security groups (EC2-Classic)
    "CacheSecurityGroupNames",  # ElastiCache security groups (EC2-Classic)
    "InputSecurityGroups",  # MediaLive input security groups
    "ChannelSecurityGroups",  # MediaLive input security groups of a channel
}


def schema_dir():
    import cfnlint  # noqa: PLC0415 (the script's one dependency)

    return os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas")


def resolve(schema, node, seen):
    """The node, with a local `$ref` followed (once per definition on a path)."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if isinstance(ref, str) and ref.startswith("#/definitions/"):
        name = ref[len("#/definitions/") :]
        target = schema.get("definitions", {}).get(name)
        if name in seen or not isinstance(target, dict):
            return None, seen
        merged = dict(target)
        merged.update({k: v for k, v in node.items() if k != "$ref"})
        return merged, seen | {name}
    return node, seen


def variants(schema, node, seen):
    """The node and its `anyOf`/`oneOf`/`allOf` branches, each resolved."""
    node, seen = resolve(schema, node, seen)
    if not isinstance(node, dict):
        return
    yield node, seen
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(key) or []:
            yield from variants(schema, branch, seen)


def formats(schema, node, seen):
    out, types = set(), set()
    for v, s in variants(schema, node, seen):
        if isinstance(v.get("format"), str):
            out.add(v["format"])
        t = v.get("type")
        types.update(t if isinstance(t, list) else [t] if t else [])
        if isinstance(v.get("items"), dict):
            for item, _ in variants(schema, v["items"], s):
                if isinstance(item.get("format"), str):
                    out.add(item["format"])
    return out, types


def takes_text(schema, node, seen):
    """Whether the property admits a text or a list of texts (or its type is not said)."""
    _, types = formats(schema, node, seen)
    if not types or "string" in types:
        return True
    if "array" in types:
        for v, s in variants(schema, node, seen):
            items = v.get("items")
            if isinstance(items, dict):
                _, item_types = formats(schema, items, s)
                if not item_types or "string" in item_types:
                    return True
    return False


def walk(schema, node, path, seen, found, parent=None):
    """Records (path, kind, why) for every group or subnet path under `node`."""
    for v, s in variants(schema, node, seen):
        for name, prop in (v.get("properties") or {}).items():
            here = f"{path}.{name}" if path else name
            classify(schema, prop, here, name, parent, s, found)
            walk(schema, prop, here, s, found, parent=name)
        items = v.get("items")
        if isinstance(items, dict):
            walk(schema, items, path + "[]", s, found, parent=parent)


def classify(schema, prop, path, name, parent, seen, found):
    if name.startswith(PEER_PREFIXES) or (parent or "").startswith(PEER_PREFIXES):
        return
    if name in NOT_EC2_GROUPS:
        return
    fmts, _ = formats(schema, prop, seen)
    if fmts & GROUP_FORMATS:
        found.append((path, "group", "format"))
    elif fmts & SUBNET_FORMATS:
        found.append((path, "subnet", "format"))
    elif fmts:
        return
    elif not takes_text(schema, prop, seen):
        return
    elif GROUP_NAME.search(name) or name in GROUP_NAMES:
        found.append((path, "group", "name"))
    elif name in INTERFACE_GROUP_NAMES and (parent or "") == "NetworkInterfaces":
        found.append((path, "group", "name"))
    elif name in SUBNET_NAMES:
        found.append((path, "subnet", "name"))


def read_only(schema):
    """The read-only paths, in the table's `A.B[].C` spelling."""
    out = []
    for pointer in schema.get("readOnlyProperties", []):
        parts = pointer.split("/")[2:]  # drop "", "properties"
        out.append(".".join(parts).replace(".*", "[]"))
    return out


def under(path, prefixes):
    return any(path == p or path.startswith(p + ".") or path.startswith(p + "[]") for p in prefixes)


def shallowest_first(row):
    """Top-level properties before nested ones (an instance's `SecurityGroupIds` before
    `NetworkInterfaces[].GroupSet`), then by name: the order the analyzer lists them in."""
    path = row[0]
    return (path.count(".") + path.count("[]"), path)


def members(type_name, schema):
    if "SecurityGroup" in type_name.split("::")[-1]:
        return None
    found = []
    walk(schema, {"properties": schema.get("properties", {})}, "", frozenset(), found)
    ro = read_only(schema)
    rows = {}
    for path, kind, why in found:
        if under(path, ro):
            continue
        rows.setdefault((path, kind), why)
    groups = sorted(((p, w) for (p, k), w in rows.items() if k == "group"), key=shallowest_first)
    subnets = sorted(((p, w) for (p, k), w in rows.items() if k == "subnet"), key=shallowest_first)
    if not groups:
        return None
    return groups, subnets


def load(base, provider):
    with open(os.path.join(base, "providers", provider)) as f:
        return json.load(f)


def generate():
    base = schema_dir()
    index = load(base, "us-east-1.json")
    sam = load(base, "sam.json")
    import cfnlint.version  # noqa: PLC0415

    rows = []
    for type_name in sorted(set(index) | set(sam)):
        file = (index.get(type_name) or sam[type_name]) + ".json"
        try:
            with open(os.path.join(base, "resources", file)) as f:
                schema = json.load(f)
        except (OSError, ValueError):
            continue
        found = members(type_name, schema)
        if found:
            rows.append((type_name, *found))
    version = cfnlint.version.__version__
    lines = [
        "// @generated by scripts/gen_group_members.py from the CloudFormation resource",
        f"// schemas bundled with cfn-lint {version} (us-east-1, and SAM's). Do not edit: change the",
        "// script's rule and regenerate (see the script's header).",
        "",
        "use super::GroupMembers;",
        "",
        "/// The release of cfn-lint whose bundled schemas the table was generated from.",
        f'pub(super) const SOURCE: &str = "cfn-lint {version}";',
        "",
        "/// Every resource type whose properties name security groups its network interfaces",
        "/// join, with those paths and its subnet paths, sorted by type name (binary-searchable).",
        "#[rustfmt::skip]",
        "pub(super) static TABLE: &[(&str, GroupMembers)] = &[",
    ]

    def paths(items):
        return "&[" + ", ".join(f'"{p}"' for p, _ in items) + "]"

    for type_name, groups, subnets in rows:
        lines.append(f'    ("{type_name}", GroupMembers {{')
        lines.append(f"        groups: {paths(groups)},")
        lines.append(f"        subnets: {paths(subnets)},")
        lines.append("    }),")
    lines.append("];")
    return "\n".join(lines) + "\n", rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed table differs")
    parser.add_argument("--list", action="store_true", help="print every path and why it is in the table")
    args = parser.parse_args()
    text, rows = generate()
    if args.list:
        for type_name, groups, subnets in rows:
            for kind, items in (("group", groups), ("subnet", subnets)):
                for path, why in items:
                    print(f"{type_name} {kind} {path} ({why})")
    if args.check:
        try:
            with open(OUT) as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            sys.exit(f"{OUT} is out of date: run scripts/gen_group_members.py")
        print(f"{len(rows)} resource types: table up to date")
        return
    if args.list:
        return
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {len(rows)} resource types to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
