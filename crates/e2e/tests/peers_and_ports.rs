//! The peers_and_ports example: every way a rule renders, snapshotted and checked.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../../examples/peers_and_ports.rs"]
mod peers_and_ports;
mod support;

use serde_json::{json, Value};

fn docs() -> std::collections::BTreeMap<String, Value> {
    support::documents(&peers_and_ports::build("production").unwrap().synth().unwrap())
}

fn resource<'a>(doc: &'a Value, prefix: &str) -> &'a Value {
    let map = doc["Resources"].as_object().unwrap();
    let mut hits = map.iter().filter(|(k, _)| k.starts_with(prefix));
    let (_, r) = hits.next().unwrap_or_else(|| panic!("no resource {prefix}*"));
    assert!(hits.next().is_none(), "several resources {prefix}*");
    r
}

#[test]
fn snapshots_of_every_template() {
    let assembly = peers_and_ports::build("production").unwrap().synth().unwrap();
    support::assert_assembly_snapshots!("peers_and_ports", assembly);
}

#[test]
fn every_template_keeps_the_invariants() {
    let assembly = peers_and_ports::build("staging").unwrap().synth().unwrap();
    support::assert_invariants(&assembly);
}

#[test]
fn address_rules_are_inline_and_group_rules_standalone() {
    let docs = docs();
    let edge = &docs["shop-edge-production"];
    let web = &resource(edge, "WebSecurityGroup")["Properties"];
    let ingress = web["SecurityGroupIngress"].as_array().unwrap();
    assert_eq!(ingress.len(), 5);
    assert_eq!(
        ingress[1],
        json!({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv6": "::/0", "Description": "Shoppers over IPv6"})
    );
    assert_eq!(ingress[3]["SourcePrefixListId"], "pl-3b927c52");
    assert_eq!(
        ingress[4],
        json!({"IpProtocol": "icmp", "FromPort": 8, "ToPort": 0, "CidrIp": "198.51.100.0/24", "Description": "Office monitoring pings"})
    );
    let ssh = &resource(edge, "WebIngressTcp22FromAdminHosts")["Properties"];
    assert!(ssh["SourceSecurityGroupId"]["Fn::GetAtt"][0]
        .as_str()
        .unwrap()
        .starts_with("AdminHostsSecurityGroup"));
    assert!(web
        .get("SecurityGroupEgress")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r.get("DestinationSecurityGroupId").is_none()));
}

#[test]
fn external_groups_render_as_literal_parameter_and_ssm() {
    let docs = docs();
    let ops = &docs["shop-ops-production"];
    assert_eq!(ops["Parameters"]["Siem"]["Type"], "AWS::EC2::SecurityGroup::Id");
    assert_eq!(
        ops["Parameters"]["Proxy"],
        json!({
            "Type": "AWS::SSM::Parameter::Value<AWS::EC2::SecurityGroup::Id>",
            "Description": "Outbound proxy of the platform",
            "Default": "/platform/proxy/security-group-id"
        })
    );
    let legacy = &resource(ops, "MonitoringEgressTcp9100To9110ToSg")["Properties"];
    assert_eq!(legacy["DestinationSecurityGroupId"], "sg-0123456789abcdef0");
    assert_eq!((legacy["FromPort"].as_i64(), legacy["ToPort"].as_i64()), (Some(9100), Some(9110)));
    let siem = &resource(ops, "MonitoringEgressAllTrafficToSiem")["Properties"];
    assert_eq!(siem["DestinationSecurityGroupId"], json!({"Ref": "Siem"}));
    assert_eq!(siem["IpProtocol"], "-1");
    assert!(siem.get("FromPort").is_none(), "all traffic has no ports");
    let web = &resource(ops, "MonitoringEgressTcp9100ToWeb")["Properties"];
    assert_eq!(
        web["DestinationSecurityGroupId"],
        json!({"Fn::ImportValue": "shop-edge-production:web:GroupId"})
    );
}

#[test]
fn egress_is_restricted_unless_explicitly_opened() {
    let docs = docs();
    let ops = &docs["shop-ops-production"];
    // monitoring: only standalone (group) egress and one inline ICMP rule, no placeholder.
    let monitoring = &resource(ops, "MonitoringSecurityGroup")["Properties"];
    assert_eq!(monitoring["GroupName"], "monitoring", "no environment suffix");
    assert_eq!(monitoring["SecurityGroupEgress"].as_array().unwrap().len(), 1);
    assert_eq!(monitoring["SecurityGroupEgress"][0]["IpProtocol"], "icmp");
    // updaters: allow-all, with the reason as description.
    let updaters = &resource(ops, "UpdatersSecurityGroup")["Properties"];
    assert_eq!(
        updaters["SecurityGroupEgress"],
        json!([{
            "IpProtocol": "-1", "CidrIp": "0.0.0.0/0",
            "Description": "Mirrors pull from many changing upstream hosts"
        }])
    );
    // admin-hosts: only a group egress rule, so the placeholder keeps EC2 from adding
    // allow-all.
    let admins = &resource(&docs["shop-edge-production"], "AdminHostsSecurityGroup")["Properties"];
    assert_eq!(admins["SecurityGroupEgress"][0]["CidrIp"], "255.255.255.255/32");
}
