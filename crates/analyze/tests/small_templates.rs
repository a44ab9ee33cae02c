//! Checks on small hand-written templates.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence_analyze::{analyze, Suite};
use ringfence_cfn::Template;

fn findings(yaml: &str, check: &str) -> Vec<String> {
    let mut suite = Suite::new();
    suite.add("net", "net.yaml", Template::from_yaml(yaml).unwrap());
    analyze(&suite).of(check).iter().map(|f| f.logical_id.clone()).collect()
}

const BASE: &str = "
Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Acl: { Type: AWS::EC2::NetworkAcl, Properties: { VpcId: !Ref Vpc } }
";

fn entry(name: &str, number: u32, egress: bool, from: u32, to: u32, cidr: &str) -> String {
    format!(
        "  {name}:\n    Type: AWS::EC2::NetworkAclEntry\n    Properties: {{ NetworkAclId: !Ref Acl, RuleNumber: {number}, Egress: {egress}, RuleAction: allow, Protocol: 6, CidrBlock: {cidr}, PortRange: {{ From: {from}, To: {to} }} }}\n"
    )
}

#[test]
fn a_service_port_range_needs_its_return_traffic() {
    // Kubernetes node ports: a service range, not a reply range.
    let yaml = format!("{BASE}{}", entry("NodePorts", 100, false, 30000, 32767, "10.0.0.0/24"));
    assert_eq!(findings(&yaml, "RF501"), ["NodePorts"]);
    let fixed = format!("{yaml}{}", entry("Replies", 100, true, 1024, 65535, "10.0.0.0/24"));
    assert!(findings(&fixed, "RF501").is_empty());
}

#[test]
fn reply_ranges_are_not_flows_of_their_own() {
    for (from, to) in [(1024, 65535), (32768, 65535), (49152, 65535)] {
        let yaml = format!("{BASE}{}", entry("Replies", 100, false, from, to, "0.0.0.0/0"));
        assert!(findings(&yaml, "RF501").is_empty(), "{from}-{to}");
    }
}

#[test]
fn a_return_range_too_narrow_for_every_client_is_reported() {
    let yaml = format!(
        "{BASE}{}{}",
        entry("Postgres", 100, false, 5432, 5432, "10.0.1.0/24"),
        entry("Replies", 100, true, 32768, 65535, "10.0.1.0/24")
    );
    assert_eq!(findings(&yaml, "RF501"), ["Postgres"]);
}

#[test]
fn shadowed_entries_are_reported() {
    let yaml = format!(
        "{BASE}{}{}",
        entry("Wide", 100, false, 0, 65535, "10.0.0.0/16"),
        entry("Narrow", 200, false, 443, 443, "10.0.1.0/24")
    );
    assert_eq!(findings(&yaml, "RF502"), ["Narrow"]);
}

#[test]
fn numbers_in_group_names_are_port_names_only_when_the_rules_use_them() {
    let group = |name: &str, port: u32| {
        format!(
            "Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupName: {name}\n      GroupDescription: d\n      SecurityGroupIngress:\n        - {{ IpProtocol: tcp, FromPort: {port}, ToPort: {port}, CidrIp: 10.0.0.0/8, Description: d }}\n"
        )
    };
    assert_eq!(findings(&group("web-8443", 8443), "RF201"), ["G"]);
    assert!(findings(&group("bot-42", 8443), "RF201").is_empty(), "a sequence number");
    assert!(findings(&group("bot-00443", 443), "RF201").is_empty(), "zero-padded: a sequence number");
    assert_eq!(findings(&group("allow-web", 443), "RF201"), ["G"]);
}

#[test]
fn rules_ec2_treats_as_one_are_duplicates() {
    let rule = |name: &str, ports: &str| {
        format!("  {name}:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties: {{ GroupId: !Ref G, IpProtocol: tcp, {ports} CidrIp: 10.0.0.0/8, Description: d }}\n")
    };
    let yaml = format!(
        "Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {{ GroupDescription: d }}\n{}{}",
        rule("Every", "FromPort: 0, ToPort: 65535,"),
        rule("Unset", "")
    );
    assert_eq!(findings(&yaml, "RF103"), ["Unset"]);
}

#[test]
fn egress_computed_by_an_intrinsic_is_not_taken_for_none() {
    let yaml = "
Conditions:
  Open: !Equals [a, b]
Resources:
  G:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: d
      SecurityGroupEgress: !If [Open, [{ IpProtocol: '-1', CidrIp: 0.0.0.0/0 }], !Ref AWS::NoValue]
  Out:
    Type: AWS::EC2::SecurityGroupEgress
    Properties: { GroupId: !Ref G, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8, Description: d }
";
    assert!(findings(yaml, "RF303").is_empty());
}

#[test]
fn more_groups_than_a_region_takes_is_reported_once_at_the_first_one_past_the_quota() {
    // Many small stacks of one group each, as a platform with a group per service has.
    let suite_of = |stacks: usize| {
        let mut suite = Suite::new();
        for s in 0..stacks {
            let mut yaml = String::from("Resources:\n");
            for g in 0..50 {
                yaml.push_str(&format!(
                    "  G{g}:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {{ GroupDescription: service {s} role {g}, VpcId: vpc-0a1b2c3d, SecurityGroupEgress: [] }}\n"
                ));
            }
            suite.add(&format!("svc-{s}"), &format!("svc-{s}.yaml"), Template::from_yaml(&yaml).unwrap());
        }
        suite
    };
    // 50 stacks x 50 groups = exactly the quota: nothing to say.
    assert!(analyze(&suite_of(50)).of("RF404").is_empty());
    // One stack more: the 2,501st group (the first of stack 50) is reported, only it.
    let report = analyze(&suite_of(51));
    let found = report.of("RF404");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].template.as_str(), found[0].logical_id.as_str()), ("svc-50", "G0"));
    assert!(found[0].message.contains("2550"), "{}", found[0].message);
}

#[test]
fn a_name_two_templates_reuse_finds_no_single_group() {
    // GroupName is unique per VPC only: two stacks in two VPCs may both say `web`.
    let mut suite = Suite::new();
    for (stack, vpc) in [("blue", "vpc-0a1b2c3d"), ("green", "vpc-0e1f2a3b")] {
        let yaml = format!(
            "Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {{ GroupName: web, GroupDescription: web servers, VpcId: {vpc}, SecurityGroupEgress: [] }}\n  Net:\n    Type: AWS::EC2::Subnet\n    Properties: {{ VpcId: {vpc}, CidrBlock: 10.0.0.0/24, Tags: [{{ Key: Name, Value: {stack}-net }}] }}\n"
        );
        suite.add(stack, &format!("{stack}.yaml"), Template::from_yaml(&yaml).unwrap());
    }
    let model = ringfence_analyze::Model::build(&suite);
    assert_eq!(model.groups_named("web").len(), 2);
    assert_eq!(model.find_group("web"), None, "an ambiguous name picks no group");
    let green = model.find_group("green/Web").expect("the qualified id names one group");
    assert_eq!(model.describe(&green), "green/Web");
    assert_eq!(model.groups_named("Web").len(), 2, "a logical id names a group in every template");
    assert_eq!(model.find_subnet("blue-net").map(|s| model.describe(&s)).as_deref(), Some("blue/Net"));
    assert_eq!(model.find_subnet("Net"), None);
    assert!(model.find_group("nope").is_none() && model.groups_named("nope").is_empty());
}
