//! The ring-fencing checks find every violation planted in randomly generated
//! hand-written suites, and nothing else: rules on groups passed as parameters, imported
//! from another template or named by literal id (RF101); NACL entries, routes and
//! associations on another template's objects (RF102).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeSet;

use proptest::prelude::*;
use ringfence_analyze::{analyze, Suite};
use ringfence_cfn::{ExportName, LogicalId, Output, Parameter, Resource, Template, Value};

#[derive(Debug, Clone, Copy)]
enum Target {
    Own,
    Parameter,
    Import,
    Literal,
}

#[derive(Debug, Clone, Copy)]
enum NetTarget {
    OwnNacl,
    ImportedNacl,
    OwnTable,
    ImportedTable,
    ImportedSubnetAssoc,
}

fn id(s: &str) -> LogicalId {
    LogicalId::new(s).unwrap()
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![3 => Just(Target::Own), 1 => Just(Target::Parameter), 1 => Just(Target::Import), 1 => Just(Target::Literal)]
}

fn net_target() -> impl Strategy<Value = NetTarget> {
    prop_oneof![
        Just(NetTarget::OwnNacl),
        Just(NetTarget::ImportedNacl),
        Just(NetTarget::OwnTable),
        Just(NetTarget::ImportedTable),
        Just(NetTarget::ImportedSubnetAssoc)
    ]
}

fn export(t: &mut Template, name: &str, resource: &str) {
    let out = Output::new(Value::reference(&id(resource)));
    t.outputs.insert(
        id(&format!("Out{resource}")),
        out.exported_as(&ExportName::new(format!("net-{name}")).unwrap()),
    );
}

fn import(name: &str) -> Value {
    // Half of the imports compute their name, as hand-written suites do.
    if name.len() % 2 == 0 {
        Value::import(&ExportName::new(format!("net-{name}")).unwrap())
    } else {
        Value::ImportValue(Box::new(Value::Sub(format!("${{Network}}-{name}"), Default::default())))
    }
}

/// The network template every service template leans on.
fn network() -> Template {
    let mut t = Template::new("network");
    t.resources.insert(id("Vpc"), Resource::new("AWS::EC2::VPC").property("CidrBlock", "10.0.0.0/16"));
    t.resources.insert(
        id("Shared"),
        Resource::new("AWS::EC2::SecurityGroup").property("GroupDescription", "shared"),
    );
    t.resources.insert(
        id("Acl"),
        Resource::new("AWS::EC2::NetworkAcl").property("VpcId", Value::reference(&id("Vpc"))),
    );
    t.resources.insert(
        id("Table"),
        Resource::new("AWS::EC2::RouteTable").property("VpcId", Value::reference(&id("Vpc"))),
    );
    t.resources.insert(
        id("Subnet"),
        Resource::new("AWS::EC2::Subnet")
            .property("VpcId", Value::reference(&id("Vpc")))
            .property("CidrBlock", "10.0.0.0/24"),
    );
    export(&mut t, "shared", "Shared");
    export(&mut t, "acl", "Acl");
    export(&mut t, "table", "Table");
    export(&mut t, "subnet", "Subnet");
    export(&mut t, "vpc", "Vpc");
    t
}

/// A service template with `rules` and `net` changes; returns it and the logical ids
/// of the planted violations.
fn service(rules: &[(Target, bool)], net: &[NetTarget]) -> (Template, BTreeSet<String>) {
    let mut t = Template::new("service");
    let mut planted = BTreeSet::new();
    let mut network = Parameter::new("String");
    network.default = Some("net".into());
    t.parameters.insert(id("Network"), network);
    t.parameters.insert(id("SharedGroup"), Parameter::new("AWS::EC2::SecurityGroup::Id"));
    t.resources.insert(
        id("Own"),
        Resource::new("AWS::EC2::SecurityGroup")
            .property("GroupDescription", "own")
            .property("VpcId", import("vpc"))
            .property(
                "SecurityGroupEgress",
                vec![Value::map().with("IpProtocol", "-1").with("CidrIp", "0.0.0.0/0")],
            ),
    );
    for (i, (target, ingress)) in rules.iter().enumerate() {
        let group = match target {
            Target::Own => Value::get_att(&id("Own"), "GroupId"),
            Target::Parameter => Value::reference(&id("SharedGroup")),
            Target::Import => import("shared"),
            Target::Literal => "sg-0123456789abcdef0".into(),
        };
        let ty = if *ingress { "AWS::EC2::SecurityGroupIngress" } else { "AWS::EC2::SecurityGroupEgress" };
        let name = format!("Rule{i}");
        t.resources.insert(
            id(&name),
            Resource::new(ty)
                .property("GroupId", group)
                .property("IpProtocol", "tcp")
                .property("FromPort", 1000 + i as i64)
                .property("ToPort", 1000 + i as i64)
                .property("CidrIp", "10.0.0.0/8")
                .property("Description", "generated"),
        );
        if !matches!(target, Target::Own) {
            planted.insert(name);
        }
    }
    t.resources.insert(id("MyAcl"), Resource::new("AWS::EC2::NetworkAcl").property("VpcId", import("vpc")));
    t.resources.insert(id("MyTable"), Resource::new("AWS::EC2::RouteTable").property("VpcId", import("vpc")));
    for (i, n) in net.iter().enumerate() {
        let name = format!("Net{i}");
        let res = match n {
            NetTarget::OwnNacl | NetTarget::ImportedNacl => {
                let acl = if matches!(n, NetTarget::OwnNacl) {
                    Value::reference(&id("MyAcl"))
                } else {
                    import("acl")
                };
                Resource::new("AWS::EC2::NetworkAclEntry")
                    .property("NetworkAclId", acl)
                    .property("RuleNumber", 100 + i as i64)
                    .property("Protocol", -1)
                    .property("RuleAction", "allow")
                    .property("Egress", false)
                    .property("CidrBlock", "10.0.0.0/16")
            }
            NetTarget::OwnTable | NetTarget::ImportedTable => {
                let table = if matches!(n, NetTarget::OwnTable) {
                    Value::reference(&id("MyTable"))
                } else {
                    import("table")
                };
                Resource::new("AWS::EC2::Route")
                    .property("RouteTableId", table)
                    .property("DestinationCidrBlock", format!("10.{}.0.0/16", 100 + i))
                    .property("VpcPeeringConnectionId", "pcx-0123abcd")
            }
            NetTarget::ImportedSubnetAssoc => Resource::new("AWS::EC2::SubnetNetworkAclAssociation")
                .property("SubnetId", import("subnet"))
                .property("NetworkAclId", Value::reference(&id("MyAcl"))),
        };
        t.resources.insert(id(&name), res);
        if !matches!(n, NetTarget::OwnNacl | NetTarget::OwnTable) {
            planted.insert(name);
        }
    }
    (t, planted)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_planted_violation_is_found_and_nothing_else(
        services in prop::collection::vec(
            (prop::collection::vec((target(), any::<bool>()), 0..8), prop::collection::vec(net_target(), 0..5)),
            1..5,
        ),
        yaml in any::<bool>(),
    ) {
        let mut suite = Suite::new();
        // Hand-written suites arrive as files: go through the writer and the reader.
        let reread = |t: &Template| if yaml { Template::from_yaml(&t.to_yaml()).unwrap() } else { Template::from_json(&t.to_json()).unwrap() };
        suite.add("net", "network.yaml", reread(&network()));
        let mut expected = BTreeSet::new();
        for (i, (rules, net)) in services.iter().enumerate() {
            let (t, planted) = service(rules, net);
            let stack = format!("svc{i}");
            expected.extend(planted.into_iter().map(|p| (stack.clone(), p)));
            suite.add(&stack, &format!("{stack}.yaml"), reread(&t));
        }
        let report = analyze(&suite);
        let found: BTreeSet<(String, String)> = report
            .findings
            .iter()
            .filter(|f| f.check == "RF101" || f.check == "RF102")
            .map(|f| (f.template.clone(), f.logical_id.clone()))
            .collect();
        prop_assert_eq!(found, expected);
        prop_assert!(report.of("RF101").iter().all(|f| f.template != "net"));
    }
}
