//! The web_server example: snapshots of every template, DESIGN.md's invariants, and the
//! scenario's own promises read from the written JSON: the web server is open to the
//! world on HTTP and HTTPS only, and SSH never is.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;
#[path = "../examples/web_server.rs"]
mod web_server;

use std::collections::{BTreeMap, BTreeSet};

use ringfence::Assembly;
use serde_json::{json, Value};
use web_server::{build, ADMIN_CIDR};

fn synth(env: &str) -> Assembly {
    build(env).expect("the example builds").synth().expect("the example synthesizes")
}

fn template() -> Value {
    support::documents(&synth("production")).remove("site-web-production").expect("the web stack")
}

/// The resources of a template of one type, by logical id.
fn of_type<'a>(doc: &'a Value, ty: &str) -> BTreeMap<&'a str, &'a Value> {
    doc["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .map(|(id, r)| (id.as_str(), &r["Properties"]))
        .collect()
}

/// The logical id of the security group named `name`.
fn group_id(doc: &Value, name: &str) -> String {
    let found: Vec<&str> = of_type(doc, "AWS::EC2::SecurityGroup")
        .into_iter()
        .filter(|(_, p)| p["GroupName"] == name)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(found.len(), 1, "one group named {name}");
    found[0].to_owned()
}

/// A rule as (protocol, from, to, peer): the peer is a CIDR or `sg:<logical id>`.
type Rule = (String, i64, i64, String);

fn rule(p: &Value) -> Rule {
    let peer =
        ["CidrIp", "CidrIpv6", "SourceSecurityGroupId", "DestinationSecurityGroupId", "SourcePrefixListId"]
            .iter()
            .find_map(|k| p.get(*k))
            .map(|v| match v.as_str() {
                Some(cidr) => cidr.to_owned(),
                None => format!("sg:{}", v["Fn::GetAtt"][0].as_str().expect("a group of this template")),
            })
            .expect("a peer");
    (
        p["IpProtocol"].as_str().unwrap().to_owned(),
        p["FromPort"].as_i64().unwrap(),
        p["ToPort"].as_i64().unwrap(),
        peer,
    )
}

/// Every rule of the template in one direction (`Ingress` or `Egress`), inline or
/// standalone, by the logical id of its group.
fn all_rules(doc: &Value, direction: &str) -> Vec<(String, Rule)> {
    let mut out = Vec::new();
    for (id, p) in of_type(doc, "AWS::EC2::SecurityGroup") {
        for r in p[format!("SecurityGroup{direction}")].as_array().into_iter().flatten() {
            out.push((id.to_owned(), rule(r)));
        }
    }
    for p in of_type(doc, &format!("AWS::EC2::SecurityGroup{direction}")).into_values() {
        let group = p["GroupId"]["Fn::GetAtt"][0].as_str().expect("a group of this template");
        out.push((group.to_owned(), rule(p)));
    }
    out
}

/// The rules of one group in one direction.
fn rules(doc: &Value, group: &str, direction: &str) -> BTreeSet<Rule> {
    all_rules(doc, direction).into_iter().filter(|(g, _)| g == group).map(|(_, r)| r).collect()
}

fn tcp(port: i64, peer: &str) -> Rule {
    ("tcp".into(), port, port, peer.to_owned())
}

#[test]
fn snapshots_of_every_template() {
    let assembly = synth("production");
    insta::with_settings!({ snapshot_path => "../snapshots/web_server", prepend_module_to_snapshot => false, omit_expression => true }, {
        for stack in assembly.stacks() {
            insta::assert_snapshot!(format!("{}.template.json", stack.name), stack.template.to_json());
        }
        insta::assert_snapshot!("production.manifest.json", assembly.manifest());
    });
}

#[test]
fn every_template_keeps_the_invariants() {
    for env in ["production", "staging"] {
        let assembly = synth(env);
        let violations = support::assembly_violations(&assembly);
        assert!(violations.is_empty(), "{violations:#?}");
        assert_eq!(assembly.deployment_order(), [format!("site-web-{env}")]);
    }
}

#[test]
fn two_runs_write_byte_identical_folders() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    build("production").unwrap().synth_to(a.path(), true).unwrap();
    build("production").unwrap().synth_to(b.path(), true).unwrap();
    let (fa, fb) = (support::read_dir(a.path()), support::read_dir(b.path()));
    assert_eq!(fa.len(), 3, "manifest + 1 JSON + 1 YAML");
    assert_eq!(fa, fb);
}

#[test]
fn ssh_is_never_open_to_the_world() {
    let doc = template();
    let ingress = all_rules(&doc, "Ingress");
    let covering_ssh: Vec<&(String, Rule)> = ingress
        .iter()
        .filter(|(_, (proto, from, to, _))| proto == "-1" || (from..=to).contains(&&22))
        .collect();
    assert_eq!(covering_ssh.len(), 2, "SSH to the bastion and to the web server: {covering_ssh:#?}");
    for (group, (_, _, _, peer)) in covering_ssh {
        assert!(peer != "0.0.0.0/0" && peer != "::/0", "{group} admits SSH from {peer}");
    }
    // The bastion takes SSH from the administration range and nothing else at all.
    let bastion = group_id(&doc, "bastion-production");
    assert_eq!(rules(&doc, &bastion, "Ingress"), BTreeSet::from([tcp(22, ADMIN_CIDR)]));
    let web = group_id(&doc, "web-production");
    assert_eq!(
        rules(&doc, &bastion, "Egress"),
        BTreeSet::from([tcp(22, &format!("sg:{web}")), tcp(443, "0.0.0.0/0")])
    );
}

#[test]
fn the_web_group_admits_exactly_the_web_and_the_bastion() {
    let doc = template();
    let web = group_id(&doc, "web-production");
    let bastion = group_id(&doc, "bastion-production");
    assert_eq!(
        rules(&doc, &web, "Ingress"),
        BTreeSet::from([
            tcp(80, "0.0.0.0/0"),
            tcp(80, "::/0"),
            tcp(443, "0.0.0.0/0"),
            tcp(443, "::/0"),
            tcp(22, &format!("sg:{bastion}")),
        ])
    );
    // Out: HTTP and HTTPS to the world, nothing else.
    assert_eq!(
        rules(&doc, &web, "Egress"),
        BTreeSet::from([tcp(80, "0.0.0.0/0"), tcp(80, "::/0"), tcp(443, "0.0.0.0/0"), tcp(443, "::/0")])
    );
}

#[test]
fn the_server_runs_in_a_public_dual_stack_subnet_without_nat() {
    let doc = template();
    assert!(of_type(&doc, "AWS::EC2::NatGateway").is_empty(), "no NAT gateway");
    assert_eq!(of_type(&doc, "AWS::EC2::VPCCidrBlock").len(), 1, "an IPv6 block");
    let subnets = of_type(&doc, "AWS::EC2::Subnet");
    assert_eq!(subnets.len(), 2);
    for (id, s) in &subnets {
        assert_eq!(s["MapPublicIpOnLaunch"], true, "{id} is public");
        assert_eq!(s["AssignIpv6AddressOnCreation"], true, "{id} is dual-stack");
    }

    let web = group_id(&doc, "web-production");
    let instances = of_type(&doc, "AWS::EC2::Instance");
    let server = instances
        .values()
        .find(|p| p["SecurityGroupIds"] == json!([{"Fn::GetAtt": [web, "GroupId"]}]))
        .expect("an instance in the web group, and only in it");
    assert_eq!(server["ImageId"], json!({"Ref": "Image"}));
    assert_eq!(server["MetadataOptions"]["HttpTokens"], "required");
    // One subnet, by `Ref`: the VPC is in this very template.
    let subnet = server["SubnetId"]["Ref"].as_str().expect("SubnetId is a Ref");
    assert!(subnets.contains_key(subnet), "{subnet} is a public subnet of this template");

    // The bastion runs in the public subnet of the other AZ.
    let bastion = group_id(&doc, "bastion-production");
    let jump = instances
        .values()
        .find(|p| p["SecurityGroupIds"] == json!([{"Fn::GetAtt": [bastion, "GroupId"]}]))
        .expect("an instance in the bastion group, and only in it");
    let other = jump["SubnetId"]["Ref"].as_str().expect("SubnetId is a Ref");
    assert!(subnets.contains_key(other), "{other} is a public subnet of this template");
    assert_ne!(subnet, other, "the web server and the bastion are in different AZs");
    assert_ne!(subnets[subnet]["AvailabilityZone"], subnets[other]["AvailabilityZone"]);

    let image = &doc["Parameters"]["Image"];
    assert_eq!(image["Type"], "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>");
    assert_eq!(image["Default"], "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64");
}
