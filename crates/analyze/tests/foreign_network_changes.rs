//! Issue 11: RF102 covers every resource type whose schema says it changes or attaches
//! to a network object (the generated table), in hand-written suites: a change on
//! another template's object is reported once per property, the same change on the
//! template's own objects is not.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence_analyze::{analyze, Suite};
use ringfence_cfn::schema::{all_network_targets, NetworkObject};
use ringfence_cfn::Template;
use serde_json::{json, Map, Value};

/// The owner's object of each kind: logical id and type.
fn object(kind: NetworkObject) -> (&'static str, &'static str) {
    match kind {
        NetworkObject::Vpc => ("Vpc", "AWS::EC2::VPC"),
        NetworkObject::Subnet => ("Subnet", "AWS::EC2::Subnet"),
        NetworkObject::RouteTable => ("Table", "AWS::EC2::RouteTable"),
        NetworkObject::NetworkAcl => ("Acl", "AWS::EC2::NetworkAcl"),
        NetworkObject::SecurityGroup => ("Group", "AWS::EC2::SecurityGroup"),
        NetworkObject::Gateway => ("Gateway", "AWS::EC2::InternetGateway"),
        NetworkObject::GatewayRouteTable => ("TgwTable", "AWS::EC2::TransitGatewayRouteTable"),
        NetworkObject::VpcEndpoint => ("Endpoint", "AWS::EC2::VPCEndpoint"),
        other => panic!("a new kind of network object: {other:?}"),
    }
}

const KINDS: [NetworkObject; 8] = [
    NetworkObject::Vpc,
    NetworkObject::Subnet,
    NetworkObject::RouteTable,
    NetworkObject::NetworkAcl,
    NetworkObject::SecurityGroup,
    NetworkObject::Gateway,
    NetworkObject::GatewayRouteTable,
    NetworkObject::VpcEndpoint,
];

/// The network template: one object of each kind, each exported.
fn owner() -> Value {
    let mut resources = Map::new();
    let mut outputs = Map::new();
    for kind in KINDS {
        let (id, t) = object(kind);
        let props = match kind {
            NetworkObject::Vpc => json!({ "CidrBlock": "10.0.0.0/16" }),
            NetworkObject::SecurityGroup => {
                json!({ "GroupDescription": "shared", "VpcId": { "Ref": "Vpc" } })
            }
            NetworkObject::Gateway => json!({}),
            _ => json!({ "VpcId": { "Ref": "Vpc" } }),
        };
        resources.insert(id.into(), json!({ "Type": t, "Properties": props }));
        outputs.insert(
            format!("{id}Id"),
            json!({ "Value": { "Ref": id }, "Export": { "Name": format!("net-{id}") } }),
        );
    }
    json!({ "Resources": resources, "Outputs": outputs })
}

/// A resource of `resource_type` with every target property naming the owner's object,
/// imported (`foreign`) or by `Ref` in the owner's own template.
fn changer(resource_type: &str, foreign: bool) -> Value {
    let (_, targets) = all_network_targets().find(|(t, _)| *t == resource_type).unwrap();
    let mut props = Map::new();
    for t in targets {
        let (id, _) = object(t.object);
        let one =
            if foreign { json!({ "Fn::ImportValue": format!("net-{id}") }) } else { json!({ "Ref": id }) };
        props.insert(t.property.into(), if t.list { json!([one]) } else { one });
    }
    json!({ "Type": resource_type, "Properties": props })
}

fn logical(resource_type: &str) -> String {
    resource_type.replace("::", "")
}

fn is_rule(t: &str) -> bool {
    matches!(t, "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress")
}

#[test]
fn every_table_type_on_another_templates_object_is_rf102() {
    let mut app = Map::new();
    let mut own = owner();
    for (t, _) in all_network_targets() {
        app.insert(logical(t), changer(t, true));
        own["Resources"].as_object_mut().unwrap().insert(logical(t), changer(t, false));
    }
    let mut suite = Suite::new();
    suite.add("net", "net.json", Template::from_json(&own.to_string()).unwrap());
    suite.add("app", "app.json", Template::from_json(&json!({ "Resources": app }).to_string()).unwrap());
    let report = analyze(&suite);

    // Nothing in the owner's template: it changes only what it creates.
    let own_findings: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.template == "net" && ["RF101", "RF102"].contains(&f.check))
        .collect();
    assert!(own_findings.is_empty(), "{own_findings:#?}");

    for (t, targets) in all_network_targets() {
        let id = logical(t);
        let check = if is_rule(t) { "RF101" } else { "RF102" };
        let found: Vec<&str> = report
            .of(check)
            .iter()
            .filter(|f| f.template == "app" && f.logical_id == id)
            .map(|f| f.message.as_str())
            .collect();
        if is_rule(t) {
            assert_eq!(found.len(), 1, "{t}: {found:#?}");
            continue;
        }
        assert_eq!(found.len(), targets.len(), "{t}: one finding per target property: {found:#?}");
        for target in targets.iter() {
            assert!(
                found.iter().any(|m| m.contains(&format!("`{}`", target.property)) && m.contains("net/")),
                "{t}.{} not reported: {found:#?}",
                target.property
            );
        }
    }
}

#[test]
fn a_cidr_block_on_a_parameter_vpc_is_rf102_and_workloads_are_not() {
    let yaml = "
Parameters:
  SharedVpc: { Type: AWS::EC2::VPC::Id }
  SharedSubnet: { Type: AWS::EC2::Subnet::Id }
  SharedGroup: { Type: AWS::EC2::SecurityGroup::Id }
Resources:
  More: { Type: AWS::EC2::VPCCidrBlock, Properties: { VpcId: !Ref SharedVpc, CidrBlock: 10.9.0.0/16 } }
  Nic: { Type: AWS::EC2::NetworkInterface, Properties: { SubnetId: !Ref SharedSubnet, GroupSet: [!Ref SharedGroup] } }
  Targets: { Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: { VpcId: !Ref SharedVpc } }
  Own: { Type: AWS::EC2::SecurityGroup, Properties: { GroupDescription: own, VpcId: !Ref SharedVpc } }
";
    let mut suite = Suite::new();
    suite.add("bot", "bot.yaml", Template::from_yaml(yaml).unwrap());
    let ids: Vec<String> = analyze(&suite).of("RF102").iter().map(|f| f.logical_id.clone()).collect();
    assert_eq!(ids, ["More"]);
}
