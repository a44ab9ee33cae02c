#!/usr/bin/env python3
"""Generates crates/cfn/src/schema/network_targets.rs from CloudFormation's resource schemas.

The table answers one question for every resource type AWS publishes: which of its
properties name a network object (VPC, subnet, route table, network ACL, security group,
gateway, gateway route table, VPC endpoint) as the thing the resource *changes or
attaches to*. Such a resource belongs in the template that creates that object
(DESIGN.md, invariants 1 and 10): the builder's escape hatch refuses it on another
stack's object, and the analyzer reports it (RF102) in a hand-written suite.

Source: the provider schemas bundled with cfn-lint (PyPI), us-east-1, which carry AWS's
published schemas plus cfn-lint's `format` annotations. Regenerate after a cfn-lint
release to cover new resource types:

    python3 -m venv /tmp/cfnlint && /tmp/cfnlint/bin/pip install cfn-lint==1.58.0
    /tmp/cfnlint/bin/python scripts/gen_network_targets.py

(`.ci/.venv/bin/python` works too once `bash .ci/run` has installed cfn-lint.) CI runs
this script with `--check` and fails when the committed table differs.

The rule, applied to every writable top-level property of every resource type:

1. The property names a network object when its schema `format` says so
   (`AWS::EC2::VPC.Id`, `AWS::EC2::Subnet.Id(s)`, `AWS::EC2::SecurityGroup.Id(s)`), or,
   where the schema has no format, when its name is one EC2 uses for that object's id
   (`VpcId`, `SubnetId(s)`, `RouteTableId(s)`, `NetworkAclId`, `GroupId` on an EC2
   type, `InternetGatewayId`, …). A property whose name starts with `Source`,
   `Destination`, `Peer`, `Target`, `Add` or `Remove` is the other end of a
   relationship (a rule's peer, a route's target, a peering's far side), not the object
   changed.
2. Route tables and network ACLs have no members: a resource names one only to change
   what it does (a route, an entry, an association, a gateway endpoint's routes). Every
   such property is a target, whatever the resource type.
3. Any other network object is a target when the resource is a *relationship* in EC2's
   API: an `AWS::EC2::*` type (another service's handler that calls EC2 does so for
   interfaces and addresses of its own) whose create handler calls an EC2 action that attaches to or changes existing
   objects (`Associate*`, `Attach*`, `Authorize*`, `Replace*`, `Enable*`, `Register*`,
   `Accept*`, or `Create*Route`, `Create*Entry`, `Create*Association`,
   `Create*Attachment`) and no action that creates an object of its own (any other
   `ec2:Create*` but `CreateTags`, or `ec2:RunInstances`). Of its network-object
   properties, those that are required or part of its primary identifier are the
   targets; when none is, its create-only ones are.

   This keeps workloads free: an instance, a load balancer, a Lambda function, a DB
   subnet group or a security group created *in* another stack's VPC or subnet, or
   joining its groups, creates an object of its own and changes nothing another stack
   relies on.
"""
import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "crates", "cfn", "src", "schema", "network_targets.rs")

# Network-object kinds: the Rust variant, the schema formats that mark an id of one,
# and the property names EC2 uses for its id where the schema has no format.
KINDS = [
    ("Vpc", ["AWS::EC2::VPC.Id"], ["VpcId", "VPCId"]),
    ("Subnet", ["AWS::EC2::Subnet.Id", "AWS::EC2::Subnet.Ids"], ["SubnetId", "SubnetIds"]),
    ("RouteTable", ["AWS::EC2::RouteTable.Id"], ["RouteTableId", "RouteTableIds"]),
    ("NetworkAcl", ["AWS::EC2::NetworkAcl.Id"], ["NetworkAclId"]),
    ("SecurityGroup", ["AWS::EC2::SecurityGroup.Id", "AWS::EC2::SecurityGroup.Ids"], ["GroupId"]),
    (
        "Gateway",
        [],
        [
            "GatewayId",
            "InternetGatewayId",
            "EgressOnlyInternetGatewayId",
            "VpnGatewayId",
            "NatGatewayId",
            "TransitGatewayId",
            "CarrierGatewayId",
            "LocalGatewayId",
        ],
    ),
    (
        "GatewayRouteTable",
        [],
        ["TransitGatewayRouteTableId", "LocalGatewayRouteTableId", "TransitGatewayPolicyTableId"],
    ),
    ("VpcEndpoint", ["AWS::EC2::VPCEndpoint.Id"], ["VpcEndpointId", "VPCEndpointId"]),
]
# Names matched only on EC2 types (elsewhere `GroupId` means other things).
EC2_ONLY_NAMES = {"GroupId"}
MEMBERLESS = {"RouteTable", "NetworkAcl"}
PEER_PREFIXES = ("Source", "Destination", "Peer", "Target", "Add", "Remove")
ATTACHING = re.compile(r"^ec2:(Associate|Attach|Authorize|Replace|Enable|Register|Accept)\w*$")
ATTACHING_CREATE = re.compile(r"^ec2:Create\w*(Route|Entry|Association|Attachment)$")
CREATING = re.compile(r"^ec2:(Create\w+|RunInstances)$")


def schema_dir():
    import cfnlint  # noqa: PLC0415 (the script's one dependency)

    return os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas")


def kind_of(type_name, prop_name, prop):
    fmt = prop.get("format") or (prop.get("items") or {}).get("format")
    for kind, formats, names in KINDS:
        if fmt in formats:
            return kind
    for kind, formats, names in KINDS:
        if prop_name in names and (prop_name not in EC2_ONLY_NAMES or type_name.startswith("AWS::EC2::")):
            return kind
    return None


def is_relationship(type_name, perms):
    if not type_name.startswith("AWS::EC2::"):
        return False
    ec2 = [p for p in perms if p.startswith("ec2:")]
    attaching = [p for p in ec2 if ATTACHING.match(p) or ATTACHING_CREATE.match(p)]
    creating = [
        p for p in ec2 if CREATING.match(p) and p != "ec2:CreateTags" and not ATTACHING_CREATE.match(p)
    ]
    return bool(attaching) and not creating


def targets(type_name, schema):
    props = schema.get("properties", {})
    read_only = {p.split("/")[-1] for p in schema.get("readOnlyProperties", [])}
    required = set(schema.get("required", []))
    primary = {p.split("/")[-1] for p in schema.get("primaryIdentifier", [])}
    create_only = {p.split("/")[-1] for p in schema.get("createOnlyProperties", [])}
    perms = schema.get("handlers", {}).get("create", {}).get("permissions", [])
    named = []
    for name, prop in props.items():
        if name in read_only or name.startswith(PEER_PREFIXES):
            continue
        kind = kind_of(type_name, name, prop)
        if kind:
            named.append((name, kind, prop.get("type") == "array"))
    out = [n for n in named if n[1] in MEMBERLESS]
    if is_relationship(type_name, perms):
        others = [n for n in named if n[1] not in MEMBERLESS]
        chosen = [n for n in others if n[0] in required or n[0] in primary]
        if not chosen:
            chosen = [n for n in others if n[0] in create_only]
        out += chosen
    return sorted(out)


def generate():
    base = schema_dir()
    with open(os.path.join(base, "providers", "us-east-1.json")) as f:
        index = json.load(f)
    import cfnlint.version  # noqa: PLC0415

    rows = []
    for type_name in sorted(index):
        path = os.path.join(base, "resources", index[type_name] + ".json")
        try:
            with open(path) as f:
                schema = json.load(f)
        except (OSError, ValueError):
            continue
        found = targets(type_name, schema)
        if found:
            rows.append((type_name, found))
    lines = [
        "// @generated by scripts/gen_network_targets.py from the CloudFormation resource",
        f"// schemas bundled with cfn-lint {cfnlint.version.__version__} (us-east-1). Do not edit: change the",
        "// script's rule and regenerate (see the script's header).",
        "",
        "use super::{NetworkObject, Target};",
        "",
        "/// Every resource type with a property that names a network object as the thing it",
        "/// changes or attaches to, sorted by type name (binary-searchable).",
        f'pub(super) const SOURCE: &str = "cfn-lint {cfnlint.version.__version__}";',
        "",
        "#[rustfmt::skip]",
        "pub(super) static TABLE: &[(&str, &[Target])] = &[",
    ]
    for type_name, found in rows:
        lines.append(f'    ("{type_name}", &[')
        for name, kind, is_list in found:
            lines.append(
                f'        Target {{ property: "{name}", object: NetworkObject::{kind}, list: {"true" if is_list else "false"} }},'
            )
        lines.append("    ]),")
    lines.append("];")
    return "\n".join(lines) + "\n", rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed table differs")
    parser.add_argument("--list", action="store_true", help="print the table as text")
    args = parser.parse_args()
    text, rows = generate()
    if args.list:
        for type_name, found in rows:
            print(type_name, " ".join(f"{n}:{k}{'[]' if l else ''}" for n, k, l in found))
    if args.check:
        try:
            with open(OUT) as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            sys.exit(f"{OUT} is out of date: run scripts/gen_network_targets.py")
        print(f"{len(rows)} resource types: table up to date")
        return
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {len(rows)} resource types to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
