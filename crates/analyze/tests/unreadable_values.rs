//! Values the reader keeps but cannot understand (issue 11, item 5) are findings, never
//! silently dropped or widened; template sizes are the file's (item 7).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::net::{IpAddr, Ipv4Addr};

use ringfence_analyze::reach::{reach, Endpoint};
use ringfence_analyze::{analyze, ports_text, Finding, Model, Obj, PortRange, Protocol, SubnetKind, Suite};
use ringfence_cfn::Template;

fn suite_of(yaml: &str) -> Suite {
    let mut suite = Suite::new();
    suite.read("web", "web.yaml", yaml).unwrap();
    suite
}

fn rf001(suite: &Suite) -> Vec<(String, String)> {
    analyze(suite).of("RF001").iter().map(|f| (f.logical_id.clone(), f.path.clone())).collect()
}

const NOT_A_PORT: &str = "
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web servers
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: abc, ToPort: 22, CidrIp: 0.0.0.0/0, Description: admin}
        - {IpProtocol: tcp, FromPort: 443, ToPort: [443], CidrIp: 0.0.0.0/0, Description: https}
        - {IpProtocol: tcpp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0, Description: http}
      SecurityGroupEgress:
        - {IpProtocol: -1, CidrIp: 10.0.0.0/8, Description: inside}
  Admin:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Web
      IpProtocol: tcp
      FromPort: '3389'
      ToPort: 3389.5
      CidrIp: 0.0.0.0/0
      Description: rdp
  Instance:
    Type: AWS::EC2::Instance
    Properties:
      SecurityGroupIds: [!Ref Web]
";

#[test]
fn a_port_that_is_no_number_is_a_finding_and_opens_nothing() {
    let suite = suite_of(NOT_A_PORT);
    assert_eq!(
        rf001(&suite),
        [
            ("Admin".into(), "Properties.ToPort".into()),
            ("Web".into(), "Properties.SecurityGroupIngress[0].FromPort".into()),
            ("Web".into(), "Properties.SecurityGroupIngress[1].ToPort".into()),
            ("Web".into(), "Properties.SecurityGroupIngress[2].IpProtocol".into()),
        ]
    );
    let report = analyze(&suite);
    let f: &Finding = report.of("RF001")[1];
    assert!(f.message.starts_with("FromPort is `abc`, not a number"), "{}", f.message);
    assert!(report.of("RF001")[2].message.contains("is a list"), "{}", report.of("RF001")[2].message);
    // Read as all ports, these would be "all traffic from the Internet" (RF302) and SSH
    // and RDP open to the world (RF301): they open nothing.
    assert!(report.of("RF302").is_empty() && report.of("RF301").is_empty(), "{:#?}", report.findings);
    let model = Model::build(&suite);
    for rule in model.rules.iter().filter(|r| r.peer_is_world()) {
        assert!(!(0..=65535).any(|p| rule.covers_port(p)), "{rule:?}");
    }
    let internet = Endpoint::internet(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9)));
    let web = Endpoint::workload(&model, "web", "Instance").unwrap();
    for port in [22, 443, 3389] {
        assert!(!reach(&model, &internet, &web, Protocol::Tcp, port).allowed, "port {port}");
    }
}

#[test]
fn nacl_entries_with_unreadable_numbers_match_nothing() {
    let yaml = "
Resources:
  Acl:
    Type: AWS::EC2::NetworkAcl
    Properties: {VpcId: vpc-1}
  In:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: first, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0, PortRange: {From: 22, To: 22}}
  Icmp:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 110, Protocol: 1, RuleAction: allow, CidrBlock: 0.0.0.0/0, Icmp: {Type: echo, Code: -1}}
  Ports:
    Type: AWS::EC2::NetworkAclEntry
    Properties: {NetworkAclId: !Ref Acl, RuleNumber: 120, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0, PortRange: {From: '1024', To: max}}
";
    let suite = suite_of(yaml);
    assert_eq!(
        rf001(&suite),
        [
            ("Icmp".into(), "Properties.Icmp.Type".into()),
            ("In".into(), "Properties.RuleNumber".into()),
            ("Ports".into(), "Properties.PortRange.To".into()),
        ]
    );
    let model = Model::build(&suite);
    assert_eq!(model.nacl_entries.len(), 3);
    for e in &model.nacl_entries {
        assert!(!e.allow && e.cidr.is_none(), "an unreadable entry matches nothing: {e:?}");
    }
}

#[test]
fn protocols_and_ports_read_in_the_ec2_vocabulary() {
    let yaml = "
Parameters:
  Port:
    Type: Number
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web servers
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 0, ToPort: 65535, CidrIp: 10.0.0.0/8, Description: every tcp port}
        - {IpProtocol: '6', FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8, Description: https by number}
        - {IpProtocol: ICMP, FromPort: 8, ToPort: -1, CidrIp: 10.0.0.0/8, Description: ping}
        - {IpProtocol: '50', CidrIp: 10.0.0.0/8, Description: esp}
        - {CidrIp: 10.0.0.0/8, Description: no protocol is every protocol}
        - {IpProtocol: udp, FromPort: !Ref Port, ToPort: !Ref Port, CidrIp: 10.0.0.0/8, Description: computed}
        - {IpProtocol: '300', FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8, Description: no such protocol}
        - {IpProtocol: tcpp, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8, Description: a typo}
";
    let suite = suite_of(yaml);
    let model = Model::build(&suite);
    let ports: Vec<String> = model.rules.iter().map(|r| ports_text(r.ports)).collect();
    assert_eq!(
        ports,
        [
            "tcp/all",
            "tcp/443",
            "icmp/8",
            "proto/50",
            "all",
            "udp/all",
            "unreadable ports",
            "unreadable ports"
        ]
    );
    assert_eq!(model.rules[1].ports, Some(PortRange::new(Protocol::Tcp, 443, 443)));
    assert!(model.rules[1].covers(Protocol::Tcp, 443) && !model.rules[1].covers(Protocol::Udp, 443));
    assert!(model.rules[2].covers(Protocol::Icmp, 8) && !model.rules[2].covers_port(8));
    // Protocol 300 names no protocol, and neither does the typo: RF001 reports both,
    // since both rules are read as matching no traffic.
    assert_eq!(
        rf001(&suite),
        [
            ("Web".into(), "Properties.SecurityGroupIngress[6].IpProtocol".into()),
            ("Web".into(), "Properties.SecurityGroupIngress[7].IpProtocol".into())
        ]
    );
}

#[test]
fn subnet_kinds_come_from_their_tag_or_their_name() {
    let yaml = "
Resources:
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: vpc-1, Tags: [{Key: ringfence:subnet-kind, Value: Isolated}]}
  PublicSubnetB:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: vpc-1, Tags: [{Key: aws-cdk:subnet-type, Value: Private}]}
  AppPrivateSubnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: vpc-1}
  PrivateDmz:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: vpc-1, Tags: [{Key: ringfence:subnet-kind, Value: dmz}]}
";
    let suite = suite_of(yaml);
    let model = Model::build(&suite);
    let kinds: Vec<Option<SubnetKind>> = model.subnets.iter().map(|s| s.kind).collect();
    // A tag decides, even against the name; a tag that names no kind leaves it unknown.
    assert_eq!(
        kinds,
        [Some(SubnetKind::Isolated), Some(SubnetKind::Private), Some(SubnetKind::Private), None]
    );
}

#[test]
fn computed_ports_are_not_unreadable() {
    let yaml = "
Parameters:
  Port:
    Type: Number
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: !Ref Port, ToPort: !Ref Port, CidrIp: 10.0.0.0/8, Description: app}
        - {IpProtocol: tcp, FromPort: {'Fn::Length': [1]}, ToPort: 2, CidrIp: 10.0.0.0/8, Description: app}
        - {IpProtocol: tcp, FromPort: \"8080\", ToPort: 8080, CidrIp: 10.0.0.0/8, Description: app}
";
    assert!(rf001(&suite_of(yaml)).is_empty());
}

#[test]
fn the_readers_notes_are_findings_on_their_resource() {
    let yaml = "
Parameters:
  Env:
    Type: String
    Default: prod
    Default: dev
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupName: !Frobnicate web-production
      GroupDescription: web servers
      GroupDescription: web servers, again
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: !Frobnicate 22, ToPort: 22, CidrIp: 10.0.0.0/8, Description: ssh}
    Metadata:
      ringfence:
        suppress:
          - {id: RF001, reason: the tag is expanded by our preprocessor}
";
    let suite = suite_of(yaml);
    let report = analyze(&suite);
    let found: Vec<(&str, &str, bool)> = report
        .findings
        .iter()
        .filter(|f| f.check == "RF001")
        .map(|f| (f.logical_id.as_str(), f.path.as_str(), f.suppressed.is_some()))
        .collect();
    assert_eq!(
        found,
        [
            ("", "Parameters.Env.Default", false),
            ("Web", "Properties.GroupDescription", true),
            ("Web", "Properties.GroupName", true),
            ("Web", "Properties.SecurityGroupIngress[0].FromPort", true),
        ],
        "{:#?}",
        report.findings
    );
    // The tagged port is noted once, by the reader, not again as an unreadable number.
    let tag = report.findings.iter().find(|f| f.path.ends_with("FromPort")).unwrap();
    assert!(tag.message.contains("`!Frobnicate`"), "{}", tag.message);
    let dup = report.findings.iter().find(|f| f.path == "Parameters.Env.Default").unwrap();
    assert!(dup.message.contains("first at line 5"), "{}", dup.message);
    assert_eq!(
        suite.templates()[0].notes.iter().map(|n| n.line).collect::<Vec<_>>(),
        [Some(6), Some(11), Some(13), Some(15)]
    );
    // Nothing is dropped: the group keeps its (unknown) name, and its logical id finds it.
    let model = Model::build(&suite);
    assert_eq!(model.groups[0].name, None);
    assert_eq!(model.find_group("Web"), Some(Obj::Local { stack: 0, id: model.groups[0].at.id.clone() }));
}

/// A template of `n` groups with `tags` tags each, minified JSON.
fn minified(n: usize, tags: usize) -> String {
    let groups: Vec<String> = (0..n)
        .map(|i| {
            let tags: Vec<String> = (0..tags).map(|t| format!(r#"{{"Key":"k{t}","Value":"v{t}"}}"#)).collect();
            format!(
                r#""Group{i:05}":{{"Type":"AWS::EC2::SecurityGroup","Properties":{{"GroupName":"app-{i:05}","GroupDescription":"application servers of shard {i}","VpcId":"vpc-0123456789abcdef0","SecurityGroupIngress":[{{"IpProtocol":"tcp","FromPort":8443,"ToPort":8443,"CidrIp":"10.0.0.0/8","Description":"clients of the shard"}}],"SecurityGroupEgress":[{{"IpProtocol":"-1","CidrIp":"10.0.0.0/8","Description":"inside"}}],"Tags":[{}]}}}}"#,
                tags.join(",")
            )
        })
        .collect();
    format!(r#"{{"AWSTemplateFormatVersion":"2010-09-09","Resources":{{{}}}}}"#, groups.join(","))
}

fn rf403(suite: &Suite) -> Vec<(String, String)> {
    analyze(suite)
        .findings
        .iter()
        .filter(|f| f.check == "RF403")
        .map(|f| (f.severity.to_string(), f.message.clone()))
        .collect()
}

#[test]
fn template_size_is_the_files_not_pretty_json() {
    // ~550 KB minified, well over 1 MB once pretty-printed (what RF403 used to measure).
    let text = minified(400, 36);
    assert!((500_000..600_000).contains(&text.len()), "{}", text.len());
    let template = Template::parse(&text).unwrap();
    assert!(template.json_len() > 1_048_576, "{}", template.json_len());
    let mut suite = Suite::new();
    suite.read("app", "app.json", &text).unwrap();
    let found = rf403(&suite);
    // Over the inline limit, not over the 1 MB one: one warning.
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found.contains(&(
            "warning".into(),
            format!("is {} bytes, over the 51,200 bytes CloudFormation accepts inline", text.len())
        )),
        "{found:?}"
    );

    // Over 1 MB as a file: an error.
    let big = minified(450, 100);
    assert!(big.len() > 1_048_576);
    let mut suite = Suite::new();
    suite.read("app", "app.json", &big).unwrap();
    assert!(rf403(&suite).iter().any(|(s, m)| s == "error"
        && m.contains(&format!("is {} bytes; CloudFormation accepts at most 1 MB", big.len()))));

    // A template given without a size is measured as pretty JSON, and says so.
    let mut suite = Suite::new();
    suite.add("app", "app.json", template);
    assert!(rf403(&suite).iter().any(|(s, m)| s == "error" && m.contains("bytes as pretty-printed JSON")));
}

#[test]
fn protocol_numbers_outside_minus_one_to_255_are_reported_not_dropped() {
    // A number EC2 has no protocol for, written as a number, as text, or from a
    // parameter's default: each rule is read as matching no traffic, so each is reported.
    let yaml = "
Parameters:
  Proto: {Type: Number, Default: -2}
  Computed: {Type: Number}
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web servers
      SecurityGroupIngress:
        - {IpProtocol: 256, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8, Description: a number}
        - {IpProtocol: '-2', FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8, Description: text}
        - {IpProtocol: !Ref Proto, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8, Description: default}
        - {IpProtocol: !Ref Computed, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8, Description: unknown}
        - {IpProtocol: 255, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8, Description: the last one}
        - {IpProtocol: -1, CidrIp: 10.0.0.0/8, Description: all}
";
    let suite = suite_of(yaml);
    let model = Model::build(&suite);
    let ports: Vec<String> = model.rules.iter().map(|r| ports_text(r.ports)).collect();
    assert_eq!(
        ports,
        ["unreadable ports", "unreadable ports", "unreadable ports", "all", "proto/255", "all"]
    );
    let at = |i: usize| ("Web".to_string(), format!("Properties.SecurityGroupIngress[{i}].IpProtocol"));
    assert_eq!(rf001(&suite), [at(0), at(1), at(2)]);
}
