//! Issue 18: RF102 and RF103 pinned by the crate's own tests. RF103 sees rules as EC2
//! does (an all-protocol rule has no ports; tcp/udp -1/-1 is every port), never calls a
//! rule with no peer or on an unresolvable group a duplicate, and says a duplicate in one
//! template is a warning but one across templates an error. RF102 reports a change on
//! another template's network object, exactly, and never one on the template's own.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence_analyze::{analyze, Severity, Suite};
use ringfence_cfn::Template;

const NET: &str = "
Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Acl: { Type: AWS::EC2::NetworkAcl, Properties: { VpcId: !Ref Vpc } }
  G:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: shared role, VpcId: !Ref Vpc, SecurityGroupEgress: [] }
  OwnCidr: { Type: AWS::EC2::VPCCidrBlock, Properties: { VpcId: !Ref Vpc, CidrBlock: 10.1.0.0/16 } }
  OwnEntry:
    Type: AWS::EC2::NetworkAclEntry
    Properties: { NetworkAclId: !Ref Acl, RuleNumber: 100, Egress: false, RuleAction: allow, Protocol: 6, CidrBlock: 10.0.0.0/16, PortRange: { From: 443, To: 443 } }
Outputs:
  VpcId: { Value: !Ref Vpc, Export: { Name: net-vpc } }
  AclId: { Value: !Ref Acl, Export: { Name: net-acl } }
  GroupId: { Value: !GetAtt G.GroupId, Export: { Name: net-g } }
";

/// A template of one group `G` and the given standalone ingress rules on it.
fn group_with(rules: &[(&str, &str)]) -> String {
    let mut yaml = String::from(
        "Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties: { GroupDescription: d, SecurityGroupEgress: [] }\n",
    );
    for (id, props) in rules {
        yaml.push_str(&format!(
            "  {id}:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties: {{ GroupId: !Ref G, {props}, Description: d }}\n"
        ));
    }
    yaml
}

fn suite(templates: &[(&str, &str)]) -> Suite {
    let mut suite = Suite::new();
    for (name, yaml) in templates {
        suite.add(name, &format!("{name}.yaml"), Template::from_yaml(yaml).unwrap());
    }
    suite
}

/// The logical ids RF103 reports in a one-template suite.
fn duplicates(rules: &[(&str, &str)]) -> Vec<String> {
    let s = suite(&[("app", &group_with(rules))]);
    analyze(&s).of("RF103").iter().map(|f| f.logical_id.clone()).collect()
}

#[test]
fn an_all_protocol_rule_has_no_ports() {
    let all = "IpProtocol: '-1', CidrIp: 10.0.0.0/8";
    // EC2 ignores the ports of an all-protocol rule: these are one rule.
    assert_eq!(
        duplicates(&[("Every", &format!("{all}, FromPort: 0, ToPort: 65535")), ("Bare", all)]),
        ["Bare"]
    );
    assert_eq!(duplicates(&[("Bare", all), ("Web", &format!("{all}, FromPort: 80, ToPort: 80"))]), ["Web"]);
    assert_eq!(
        duplicates(&[
            ("Minus", "IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIp: 10.0.0.0/8"),
            ("Bare", all)
        ]),
        ["Bare"]
    );
    // But all protocols are not tcp on every port.
    assert!(duplicates(&[
        ("Bare", all),
        ("Tcp", "IpProtocol: tcp, FromPort: 0, ToPort: 65535, CidrIp: 10.0.0.0/8")
    ])
    .is_empty());
}

#[test]
fn tcp_and_udp_minus_one_is_every_port() {
    for proto in ["tcp", "udp"] {
        let minus = format!("IpProtocol: {proto}, FromPort: -1, ToPort: -1, CidrIp: 10.0.0.0/8");
        let every = format!("IpProtocol: {proto}, FromPort: 0, ToPort: 65535, CidrIp: 10.0.0.0/8");
        assert_eq!(duplicates(&[("Minus", &minus), ("Every", &every)]), ["Every"], "{proto}");
        assert_eq!(duplicates(&[("Every", &every), ("Minus", &minus)]), ["Minus"], "{proto}");
    }
    // Other ranges keep their ports.
    let port = |p: u16| format!("IpProtocol: tcp, FromPort: {p}, ToPort: {p}, CidrIp: 10.0.0.0/8");
    assert!(duplicates(&[("Https", &port(443)), ("Http", &port(80))]).is_empty());
    assert_eq!(duplicates(&[("Https", &port(443)), ("Again", &port(443))]), ["Again"]);
    let every = "IpProtocol: tcp, FromPort: 0, ToPort: 65535, CidrIp: 10.0.0.0/8";
    assert!(duplicates(&[("Every", every), ("Https", &port(443))]).is_empty());
    // ICMP -1/-1 is not tcp's every port: it stays as it is.
    let icmp =
        |from: i32, to: i32| format!("IpProtocol: icmp, FromPort: {from}, ToPort: {to}, CidrIp: 10.0.0.0/8");
    assert!(duplicates(&[("AllIcmp", &icmp(-1, -1)), ("Echo", &icmp(8, 0))]).is_empty());
}

#[test]
fn a_rule_cloudformation_rejects_is_never_a_duplicate() {
    // Unreadable ports or protocols: CloudFormation rejects the rule, so EC2 never holds
    // it, and two of them are not one rule (they used to be, whatever their ports).
    let bad_from = "IpProtocol: tcp, FromPort: abc, ToPort: 22, CidrIp: 10.0.0.0/8";
    let bad_to = "IpProtocol: tcp, FromPort: 23, ToPort: [23], CidrIp: 10.0.0.0/8";
    let bad_proto = "IpProtocol: tcpp, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8";
    assert!(duplicates(&[("A", bad_from), ("B", bad_from)]).is_empty());
    assert!(duplicates(&[("A", bad_from), ("B", bad_to)]).is_empty());
    assert!(duplicates(&[("A", bad_proto), ("B", bad_proto)]).is_empty());
    // A readable twin of either is still one rule with the other readable one.
    let ssh = "IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/8";
    assert_eq!(duplicates(&[("A", ssh), ("Bad", bad_from), ("B", ssh)]), ["B"]);
}

#[test]
fn a_rule_with_no_peer_or_on_an_unknown_group_is_never_a_duplicate() {
    let no_peer = "IpProtocol: tcp, FromPort: 443, ToPort: 443";
    assert!(duplicates(&[("A", no_peer), ("B", no_peer)]).is_empty());
    let bad_cidr = "IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: not-a-cidr";
    assert!(duplicates(&[("A", bad_cidr), ("B", bad_cidr)]).is_empty());
    // Two identical rules on a group no template of the suite exports: the model cannot
    // tell which group it is, so it cannot say the rules are one.
    let unknown = "
Resources:
  A:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !ImportValue nobody-exports-this, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8, Description: d }
  B:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !ImportValue nobody-exports-this, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8, Description: d }
";
    assert!(analyze(&suite(&[("app", unknown)])).of("RF103").is_empty());
    // The same two rules on a group that resolves are one rule.
    let known = unknown.replace("!ImportValue nobody-exports-this", "sg-0a1b2c3d4e5f60718");
    let found: Vec<String> =
        analyze(&suite(&[("app", &known)])).of("RF103").iter().map(|f| f.logical_id.clone()).collect();
    assert_eq!(found, ["B"]);
}

#[test]
fn a_duplicate_in_one_template_is_a_warning_and_across_templates_an_error() {
    let https = |id: &str, group: &str| {
        format!(
            "  {id}:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties: {{ GroupId: {group}, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8, Description: {id} }}\n"
        )
    };
    let net_with = |rules: &str| NET.replace("Outputs:", &format!("{rules}Outputs:"));
    let message = "declares the same rule on net/G as net/Https Properties: EC2 keeps one copy, so deleting either declaration removes the rule for both";

    // One template: a warning, at the second declaration, naming the first.
    let one = net_with(&format!("{}{}", https("Https", "!Ref G"), https("Again", "!GetAtt G.GroupId")));
    let report = analyze(&suite(&[("net", &one)]));
    let found = report.of("RF103");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (
            found[0].severity,
            found[0].template.as_str(),
            found[0].logical_id.as_str(),
            found[0].message.as_str()
        ),
        (Severity::Warning, "net", "Again", message)
    );

    // Two templates: an error.
    let net = net_with(&https("Https", "!Ref G"));
    let bot = format!("Resources:\n{}", https("Again", "!ImportValue net-g"));
    let report = analyze(&suite(&[("net", &net), ("bot", &bot)]));
    let found = report.of("RF103");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (
            found[0].severity,
            found[0].template.as_str(),
            found[0].logical_id.as_str(),
            found[0].message.as_str()
        ),
        (Severity::Error, "bot", "Again", message)
    );
}

#[test]
fn rf102_reports_a_change_on_another_templates_network_and_only_that() {
    let bot = "
Resources:
  MoreAddresses: { Type: AWS::EC2::VPCCidrBlock, Properties: { VpcId: !ImportValue net-vpc, CidrBlock: 10.2.0.0/16 } }
  Entry:
    Type: AWS::EC2::NetworkAclEntry
    Properties: { NetworkAclId: !ImportValue net-acl, RuleNumber: 200, Egress: false, RuleAction: allow, Protocol: 6, CidrBlock: 10.0.0.0/16, PortRange: { From: 80, To: 80 } }
  OnShared:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !ImportValue net-g, IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/16, Description: d }
  BotVpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.5.0.0/16 } }
  BotCidr: { Type: AWS::EC2::VPCCidrBlock, Properties: { VpcId: !Ref BotVpc, CidrBlock: 10.6.0.0/16 } }
";
    let report = analyze(&suite(&[("net", NET), ("bot", bot)]));
    let mut found: Vec<(&str, &str, Severity, &str)> = report
        .of("RF102")
        .iter()
        .map(|f| (f.template.as_str(), f.logical_id.as_str(), f.severity, f.message.as_str()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "bot",
                "Entry",
                Severity::Error,
                "`AWS::EC2::NetworkAclEntry` (entry 200) changes network ACL net/Acl (its `NetworkAclId`), which this template does not create: deploying, rolling back or deleting this stack changes a network other stacks rely on"
            ),
            (
                "bot",
                "MoreAddresses",
                Severity::Error,
                "`AWS::EC2::VPCCidrBlock` changes VPC net/Vpc (its `VpcId`), which this template does not create: deploying, rolling back or deleting this stack changes a network other stacks rely on"
            ),
        ]
    );
    // The rule on the shared group is RF101's, not RF102's.
    let rf101: Vec<&str> = report.of("RF101").iter().map(|f| f.logical_id.as_str()).collect();
    assert_eq!(rf101, ["OnShared"]);
    // Each template alone changes only what it creates: nothing to report.
    assert!(analyze(&suite(&[("net", NET)])).of("RF102").is_empty());
}

/// RF101 says whose group the rule changes, for each way a template can name it.
#[test]
fn rf101_names_the_group_it_changes() {
    let bot = "
Parameters:
  Shared: { Type: AWS::EC2::SecurityGroup::Id }
Resources:
  OnImported:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !ImportValue net-g, IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/16, Description: d }
  OnParameter:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !Ref Shared, IpProtocol: tcp, FromPort: 81, ToPort: 81, CidrIp: 10.0.0.0/16, Description: d }
  OnLiteral:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: sg-0123456789abcdef0, IpProtocol: tcp, FromPort: 82, ToPort: 82, CidrIp: 10.0.0.0/16, Description: d }
";
    let report = analyze(&suite(&[("net", NET), ("bot", bot)]));
    let message = |id: &str| {
        report.of("RF101").iter().find(|f| f.logical_id == id).map(|f| f.message.clone()).unwrap_or_default()
    };
    assert!(
        message("OnImported").starts_with("adds an ingress rule to `G`, created by template net:"),
        "{report:#?}"
    );
    assert!(
        message("OnParameter")
            .starts_with("adds an ingress rule to the group passed in as parameter `Shared` (the shared-group rollback hazard):"),
        "{}",
        message("OnParameter")
    );
    assert!(
        message("OnLiteral")
            .starts_with("adds an ingress rule to `sg-0123456789abcdef0`, a group outside the suite:"),
        "{}",
        message("OnLiteral")
    );
}

/// An entry whose rule number cannot be read (RF001) is named without a made-up number.
#[test]
fn rf102_does_not_invent_an_entry_number() {
    let bot = "
Resources:
  Entry:
    Type: AWS::EC2::NetworkAclEntry
    Properties: { NetworkAclId: !ImportValue net-acl, RuleNumber: many, Egress: false, RuleAction: allow, Protocol: 6, CidrBlock: 10.0.0.0/16, PortRange: { From: 80, To: 80 } }
";
    let report = analyze(&suite(&[("net", NET), ("bot", bot)]));
    let rf102: Vec<&str> = report.of("RF102").iter().map(|f| f.message.as_str()).collect();
    assert_eq!(rf102.len(), 1, "{rf102:?}");
    assert!(rf102[0].starts_with("`AWS::EC2::NetworkAclEntry` changes network ACL net/Acl"), "{}", rf102[0]);
}
