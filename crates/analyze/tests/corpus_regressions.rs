//! False findings found by reading the audit of the public-template corpus by hand
//! (issue 13), each reduced to a small template: the class, not the file, is fixed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence_analyze::{analyze, Suite};
use ringfence_cfn::Template;

fn suite_of(yaml: &str) -> Suite {
    let mut suite = Suite::new();
    suite.add("web", "web.yaml", Template::from_yaml(yaml).unwrap());
    suite
}

fn messages(suite: &Suite, check: &str) -> Vec<(String, String)> {
    analyze(suite).of(check).iter().map(|f| (f.logical_id.clone(), f.message.clone())).collect()
}

/// A VPC endpoint that adds routes to a table only when a condition holds
/// (`!If [C, !Ref Table, !Ref AWS::NoValue]`, as the AWS VPC Quick Start writes it):
/// `AWS::NoValue` is no route table.
#[test]
fn no_value_in_a_list_of_network_objects_names_nothing() {
    let yaml = |default: &str| {
        format!(
            "
Parameters:
  Table: {{Type: String}}
  Extra: {{Type: String, Default: '{default}'}}
Conditions:
  HasExtra: !Equals [!Ref Extra, 'yes']
Resources:
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: vpc-1
      ServiceName: com.amazonaws.us-east-1.s3
      RouteTableIds: [!If [HasExtra, !Ref Table, !Ref AWS::NoValue]]
"
        )
    };
    // Decided false: no table at all.
    assert_eq!(messages(&suite_of(&yaml("no")), "RF102"), []);
    // Decided true: the parameter's table, a foreign one.
    let found = messages(&suite_of(&yaml("yes")), "RF102");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("Table"), "{}", found[0].1);
    assert!(!found[0].1.contains("NoValue"), "{}", found[0].1);
}

/// A rule on an item of a list parameter (`!Select [0, !Ref SecurityGroupIds]`) is on
/// the group passed in, said as such, not as raw JSON that "cannot be resolved".
#[test]
fn an_item_of_a_list_parameter_is_that_parameter() {
    let yaml = "
Parameters:
  SecurityGroupIds: {Type: 'List<AWS::EC2::SecurityGroup::Id>'}
  Known: {Type: CommaDelimitedList, Default: 'sg-0aaa, sg-0bbb'}
Resources:
  Rule:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Select [0, !Ref SecurityGroupIds]
      IpProtocol: tcp
      FromPort: 443
      ToPort: 443
      CidrIp: 10.0.0.0/8
      Description: clients
  Second:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Select [1, !Ref Known]
      IpProtocol: tcp
      FromPort: 443
      ToPort: 443
      CidrIp: 10.0.0.0/8
      Description: clients
";
    let found = messages(&suite_of(yaml), "RF101");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].1.contains("parameter `SecurityGroupIds`"), "{}", found[0].1);
    assert!(found[1].1.contains("`sg-0bbb`, a group outside the suite"), "{}", found[1].1);
    assert!(!found.iter().any(|f| f.1.contains("Fn::Select")), "{found:?}");
}

/// An egress entry to the whole Internet on the ephemeral ports answers an ingress entry
/// whose range is a parameter without a value (the NIST Quick Start's management NACL).
#[test]
fn the_whole_internet_answers_a_range_known_only_at_deployment() {
    let yaml = "
Parameters:
  AdminCidr: {Type: String}
Resources:
  Acl: {Type: AWS::EC2::NetworkAcl, Properties: {VpcId: vpc-1}}
  SshIn:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, RuleAction: allow, Egress: false, CidrBlock: !Ref AdminCidr, PortRange: {From: 22, To: 22}}
  RepliesOut:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, RuleAction: allow, Egress: true, CidrBlock: 0.0.0.0/0, PortRange: {From: 1024, To: 65535}}
";
    assert_eq!(messages(&suite_of(yaml), "RF501"), []);
    // Without the egress entry, the missing return path is still found.
    let without = yaml.split("  RepliesOut:").next().unwrap();
    assert_eq!(messages(&suite_of(without), "RF501").len(), 1);
}

/// A group passed to a nested stack whose template is not in the suite is used there,
/// as far as this template can tell (the drupal, moodle and NIST Quick Start layouts).
#[test]
fn a_group_passed_to_a_nested_stack_outside_the_suite_is_used() {
    let yaml = "
Resources:
  Nat:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: NAT instances, VpcId: vpc-1}
  Spare:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: spare, VpcId: vpc-1}
  NatStack:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://example.s3.amazonaws.com/nat.yaml
      Parameters: {NatGroup: !Ref Nat}
";
    let unused: Vec<String> = messages(&suite_of(yaml), "RF603").into_iter().map(|f| f.0).collect();
    assert_eq!(unused, ["Spare"]);
}

/// `Default: true` (a YAML boolean, the moodle reference architecture's switches) is the
/// text `true` CloudFormation passes: conditions on it are decided.
#[test]
fn boolean_and_list_defaults_are_their_text() {
    let yaml = "
Parameters:
  UseCache: {Type: String, Default: true, AllowedValues: [true, false]}
  Groups: {Type: CommaDelimitedList, Default: [sg-0aaa, sg-0bbb]}
Conditions:
  WithCache: !Equals [true, !Ref UseCache]
Resources:
  Rule:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Select [1, !Ref Groups]
      IpProtocol: tcp
      FromPort: 443
      ToPort: 443
      CidrIp: 10.0.0.0/8
      Description: clients
";
    let suite = suite_of(yaml);
    let r = ringfence_analyze::Resolver::new(&suite);
    assert_eq!(r.condition(0, &ringfence_cfn::ConditionName::new("WithCache").unwrap()), Some(true));
    let found = messages(&suite, "RF101");
    assert!(found[0].1.contains("`sg-0bbb`, a group outside the suite"), "{found:?}");
}

/// A nested stack's template is read from S3: the inline size quota (51,200 bytes) is
/// not its to meet, only the 1 MB one (the AWS VPC Quick Start's children).
#[test]
fn a_nested_template_is_not_held_to_the_inline_size_quota() {
    let mut big = String::from("Resources:\n");
    let long = "x".repeat(200);
    for i in 0..300 {
        big.push_str(&format!(
            "  Topic{i}:\n    Type: AWS::SNS::Topic\n    Properties: {{TopicName: {long}{i}}}\n"
        ));
    }
    assert!(big.len() > 51_200);
    let parent =
        "Resources:\n  Child: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: child.yaml}}\n";
    let read = |nested: bool| {
        let mut suite = Suite::new();
        suite.read("parent", "parent.yaml", parent).unwrap();
        suite.read("child", "child.yaml", &big).unwrap();
        if nested {
            suite.nest(0, ringfence_cfn::LogicalId::new("Child").unwrap(), 1).unwrap();
        }
        analyze(&suite).of("RF403").iter().map(|f| f.template.clone()).collect::<Vec<_>>()
    };
    assert_eq!(read(false), ["child"]);
    assert_eq!(read(true), Vec::<String>::new());
}

/// RF501 names the entry's ports as every other message does (`udp/53`), never as
/// `-1-67`, and a range known only at deployment in words.
#[test]
fn missing_return_paths_name_ports_and_ranges_readably() {
    let yaml = "
Parameters:
  Resolver: {Type: String}
Resources:
  Acl: {Type: AWS::EC2::NetworkAcl, Properties: {VpcId: vpc-1}}
  DnsOut:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 17, RuleAction: allow, Egress: true, CidrBlock: !Ref Resolver, PortRange: {From: 53, To: 53}}
";
    let found = messages(&suite_of(yaml), "RF501");
    assert_eq!(
        found,
        [(
            "DnsOut".into(),
            "allows out to a range known only at deployment on udp/53 but not the return traffic on ephemeral ports 1024-65535".into()
        )]
    );
}

/// A group passed to a nested stack whose template is in the suite is used when the
/// child uses it, and unused when it does not: the link is read, nothing is assumed.
#[test]
fn a_group_passed_to_a_linked_child_is_used_only_if_the_child_uses_it() {
    let parent = "
Resources:
  Nat:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: NAT instances, VpcId: vpc-1}
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: web servers, VpcId: vpc-1}
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: child.yaml
      Parameters: {NatGroup: !Ref Nat, WebGroup: !Ref Web}
";
    // The child joins the NAT group only; it declares WebGroup and never reads it.
    let child = "
Parameters:
  NatGroup: {Type: String}
  WebGroup: {Type: String}
Resources:
  Eni:
    Type: AWS::EC2::NetworkInterface
    Properties: {SubnetId: subnet-1, GroupSet: [!Ref NatGroup]}
";
    let mut suite = Suite::new();
    suite.read("parent", "parent.yaml", parent).unwrap();
    suite.read("child", "child.yaml", child).unwrap();
    suite.nest(0, ringfence_cfn::LogicalId::new("Child").unwrap(), 1).unwrap();
    let unused: Vec<String> = messages(&suite, "RF603").into_iter().map(|f| f.0).collect();
    assert_eq!(unused, ["Web"]);
}

/// A TCP entry written with ports -1 to -1 matches every port (as an entry of every
/// protocol does): it is the return path of a flow on any port, and no RF501 is due.
#[test]
fn a_nacl_entry_of_ports_minus_one_to_minus_one_is_every_port() {
    let yaml = |ports: &str| {
        format!(
            "
Resources:
  Acl: {{Type: AWS::EC2::NetworkAcl, Properties: {{VpcId: vpc-1}}}}
  HttpsIn:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {{NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, RuleAction: allow, Egress: false, CidrBlock: 10.0.0.0/8, PortRange: {{From: 443, To: 443}}}}
  RepliesOut:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {{NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, RuleAction: allow, Egress: true, CidrBlock: 10.0.0.0/8, PortRange: {ports}}}
"
        )
    };
    // Whether HttpsIn lacks its return path (RepliesOut itself lacks one either way: it
    // lets traffic out, and nothing admits the replies).
    let https_lacks_return =
        |ports: &str| messages(&suite_of(&yaml(ports)), "RF501").iter().any(|(id, _)| id == "HttpsIn");
    assert!(!https_lacks_return("{From: -1, To: -1}"));
    // Not every port: the replies on the ephemeral ports are missing.
    assert!(https_lacks_return("{From: 443, To: 443}"));
    assert!(https_lacks_return("{From: -1, To: 443}"));
    assert!(https_lacks_return("{From: 443, To: -1}"));
}
