//! The ownership oracle in tests/support reads the generated schema table: it flags a
//! change to an object the template does not create for any type in the table, and
//! accepts the same change on the template's own object.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use ringfence::cfn::schema::all_network_targets;
use serde_json::{json, Value};

fn doc(resource_type: &str, value: &dyn Fn(&str) -> Value) -> Value {
    let (_, targets) = all_network_targets().find(|(t, _)| *t == resource_type).unwrap();
    let mut props = serde_json::Map::new();
    for t in targets {
        let v = value(t.object.noun());
        props.insert(t.property.into(), if t.list { json!([v]) } else { v });
    }
    json!({ "Resources": { "Change": { "Type": resource_type, "Properties": props } } })
}

#[test]
fn every_table_type_naming_an_import_is_a_violation() {
    for (t, targets) in all_network_targets() {
        let d = doc(t, &|_| json!({ "Fn::ImportValue": "net-object" }));
        let v = support::template_violations("app", &d);
        for target in targets {
            assert!(
                v.iter().any(|line| line.contains(&format!("{t}.{} names a", target.property))),
                "{t}.{} not flagged: {v:#?}",
                target.property
            );
        }
    }
}

#[test]
fn a_cidr_block_on_the_templates_own_vpc_is_fine_and_on_a_subnet_is_not() {
    let own = json!({ "Resources": {
        "Vpc": { "Type": "AWS::EC2::VPC", "Properties": { "CidrBlock": "10.0.0.0/16" } },
        "Subnet": { "Type": "AWS::EC2::Subnet", "Properties": { "VpcId": { "Ref": "Vpc" } } },
        "More": { "Type": "AWS::EC2::VPCCidrBlock", "Properties": { "VpcId": { "Ref": "Vpc" } } },
        "Wrong": { "Type": "AWS::EC2::VPCCidrBlock", "Properties": { "VpcId": { "Ref": "Subnet" } } },
    }});
    let v = support::template_violations("net", &own);
    assert_eq!(v.len(), 1, "{v:#?}");
    assert!(v[0].starts_with("net/Wrong: AWS::EC2::VPCCidrBlock.VpcId names a VPC"), "{v:#?}");
}
