//! The web_server example: snapshots of every template, DESIGN.md's invariants, and the
//! scenario's own promises read from the written JSON: the web server is open to the
//! world on HTTP and HTTPS only, and SSH never is.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;
#[path = "../../../examples/web_server.rs"]
mod web_server;

use std::collections::BTreeSet;

use ringfence::Assembly;
use serde_json::{json, Value};
use support::{group_id, of_type, rule, tcp, Rule};
use web_server::{build, ADMIN_CIDR};

fn synth(env: &str) -> Assembly {
    support::synthesized(build(env))
}

fn template() -> Value {
    support::documents(&synth("production")).remove("site-web-production").expect("the web stack")
}

/// The keys a rule of this app may name its peer with.
const PEERS: [&str; 5] =
    ["CidrIp", "CidrIpv6", "SourceSecurityGroupId", "DestinationSecurityGroupId", "SourcePrefixListId"];

/// Every rule of the template in one direction (`Ingress` or `Egress`), inline or
/// standalone, by the logical id of its group.
fn all_rules(doc: &Value, direction: &str) -> Vec<(String, Rule)> {
    let mut out = Vec::new();
    for (id, p) in of_type(doc, "AWS::EC2::SecurityGroup") {
        for r in p[format!("SecurityGroup{direction}")].as_array().into_iter().flatten() {
            out.push((id.to_owned(), rule(r, &PEERS)));
        }
    }
    for p in of_type(doc, &format!("AWS::EC2::SecurityGroup{direction}")).into_values() {
        let group = p["GroupId"]["Fn::GetAtt"][0].as_str().expect("a group of this template");
        out.push((group.to_owned(), rule(p, &PEERS)));
    }
    out
}

/// The rules of one group in one direction.
fn rules(doc: &Value, group: &str, direction: &str) -> BTreeSet<Rule> {
    all_rules(doc, direction).into_iter().filter(|(g, _)| g == group).map(|(_, r)| r).collect()
}

#[test]
fn snapshots_of_every_template() {
    support::assert_assembly_snapshots!("web_server", synth("production"));
}

#[test]
fn every_template_keeps_the_invariants() {
    support::assert_invariants_and_order(synth, |env| vec![format!("site-web-{env}")]);
}

#[test]
fn two_runs_write_byte_identical_folders() {
    support::assert_two_runs_write_byte_identical_folders(
        || build("production").unwrap(),
        3,
        "manifest + 1 JSON + 1 YAML",
    );
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
