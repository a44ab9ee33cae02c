//! Templates CloudFormation deploys are read, not refused (issue 13, item 2): condition
//! names with `-`, `_` or `.`, and `Fn::ForEach` loops under the
//! `AWS::LanguageExtensions` transform, expanded as CloudFormation expands them; a loop
//! whose items are known only at deployment is a finding (RF002), never a silent drop.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence_analyze::{analyze, ports_text, Model, Suite};
use ringfence_cfn::{ReadError, Template, Value};

fn suite_of(yaml: &str) -> Suite {
    let mut suite = Suite::new();
    suite.read("web", "web.yaml", yaml).unwrap();
    suite
}

fn ids(t: &Template) -> Vec<&str> {
    t.resources.keys().map(|k| k.as_str()).collect()
}

#[test]
fn condition_names_with_dashes_underscores_and_dots_are_read() {
    let yaml = "
Parameters:
  Env: {Type: String, Default: prod}
Conditions:
  is-prod: !Equals [!Ref Env, prod]
  Has_Bastion.v2: !And [!Condition is-prod, !Not [!Equals [!Ref Env, dev]]]
Resources:
  Bastion:
    Type: AWS::EC2::SecurityGroup
    Condition: Has_Bastion.v2
    Properties:
      GroupDescription: !If [is-prod, bastion hosts, test bastion]
Outputs:
  BastionId:
    Condition: is-prod
    Value: !Ref Bastion
";
    let t = Template::from_yaml(yaml).unwrap();
    let names: Vec<&str> = t.conditions.keys().map(|k| k.as_str()).collect();
    assert_eq!(names, ["is-prod", "Has_Bastion.v2"]);
    assert_eq!(t.resources[0].condition.as_ref().map(|c| c.as_str()), Some("Has_Bastion.v2"));
    assert_eq!(t.outputs[0].condition.as_ref().map(|c| c.as_str()), Some("is-prod"));
    assert!(
        matches!(&t.resources[0].properties["GroupDescription"], Value::If(c, _, _) if c.as_str() == "is-prod")
    );
    // Written back as read.
    let json: serde_json::Value = serde_json::from_str(&t.to_json()).unwrap();
    assert_eq!(
        json["Conditions"]["Has_Bastion.v2"]["Fn::And"][0],
        serde_json::json!({"Condition": "is-prod"})
    );
    // A name with a space is still refused, naming where.
    let bad = yaml.replace("  is-prod: !Equals", "  is prod: !Equals");
    match Template::from_yaml(&bad) {
        Err(ReadError::Shape { path, .. }) => assert_eq!(path, "Conditions.is prod"),
        other => panic!("expected a shape error, got {other:?}"),
    }
}

const LOOPS: &str = "
Transform: AWS::LanguageExtensions
Parameters:
  Ports: {Type: CommaDelimitedList, Default: '443, 8443'}
  Teams: {Type: CommaDelimitedList}
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: web servers, VpcId: vpc-1}
  Fn::ForEach::Admin:
    - Port
    - ['22', '3389']
    - AdminFromWorld${Port}:
        Type: AWS::EC2::SecurityGroupIngress
        Properties:
          GroupId: !Ref Web
          IpProtocol: tcp
          FromPort: !Ref Port
          ToPort: !Ref Port
          CidrIp: 0.0.0.0/0
          Description: !Sub 'admin port ${Port}'
  Fn::ForEach::Listeners:
    - Port
    - !Ref Ports
    - Fn::ForEach::Ranges:
        - Cidr
        - [10.0.0.0/8, 172.16.0.0/12]
        - Listener${Port}From&{Cidr}:
            Type: AWS::EC2::SecurityGroupIngress
            Properties:
              GroupId: !Ref Web
              IpProtocol: tcp
              FromPort: !Ref Port
              ToPort: !Ref Port
              CidrIp: !Ref Cidr
              Description: listener
  Fn::ForEach::PerTeam:
    - Team
    - !Ref Teams
    - Team${Team}Group:
        Type: AWS::EC2::SecurityGroup
        Properties: {GroupDescription: !Sub '${Team} workers', VpcId: vpc-1}
";

#[test]
fn for_each_loops_expand_as_cloudformation_expands_them() {
    let read = Template::read(LOOPS).unwrap();
    assert_eq!(
        ids(&read.template),
        [
            "Web",
            "AdminFromWorld22",
            "AdminFromWorld3389",
            "Listener443From100008",
            "Listener443From172160012",
            "Listener8443From100008",
            "Listener8443From172160012",
        ]
    );
    let rule = &read.template.resources[2].properties;
    assert_eq!(rule["FromPort"], Value::from("3389"));
    assert_eq!(rule["Description"], Value::Sub("admin port 3389".into(), Default::default()));
    assert_eq!(read.template.resources[4].properties["CidrIp"], Value::from("172.16.0.0/12"));

    // The expanded rules are checked like any other: both admin ports open to the world.
    let suite = suite_of(LOOPS);
    let model = Model::build(&suite);
    let ports: Vec<String> = model.rules.iter().map(|r| ports_text(r.ports)).collect();
    assert_eq!(ports, ["tcp/22", "tcp/3389", "tcp/443", "tcp/443", "tcp/8443", "tcp/8443"]);
    let report = analyze(&suite);
    let rf301: Vec<&str> = report.of("RF301").iter().map(|f| f.logical_id.as_str()).collect();
    assert_eq!(rf301, ["AdminFromWorld22", "AdminFromWorld3389"]);
}

#[test]
fn a_loop_over_a_value_known_only_at_deployment_is_a_finding_not_a_silent_drop() {
    let read = Template::read(LOOPS).unwrap();
    let notes: Vec<(&str, Option<usize>)> = read.notes.iter().map(|n| (n.message.as_str(), n.line)).collect();
    assert_eq!(
        notes,
        [(
            "`Fn::ForEach::PerTeam` loops over parameter Teams, which has no default list: what the entry of its fragment (Team${Team}Group) would create is not read",
            Some(37)
        )]
    );
    let report = analyze(&suite_of(LOOPS));
    let rf002: Vec<(&str, &str)> =
        report.of("RF002").iter().map(|f| (f.path.as_str(), f.hint.as_str())).collect();
    assert_eq!(rf002.len(), 1);
    assert_eq!(rf002[0].0, "Resources.Fn::ForEach::PerTeam");
    assert!(rf002[0].1.contains("Default list"), "{}", rf002[0].1);
}

#[test]
fn loops_without_the_transform_and_loops_of_the_wrong_shape() {
    // Without the transform CloudFormation refuses the key, and so does the reader.
    let without = LOOPS.replace("Transform: AWS::LanguageExtensions\n", "");
    assert!(matches!(Template::read(&without), Err(ReadError::Shape { .. })));
    // The transform in a list, and a loop of the wrong shape: noted, the rest read.
    let yaml = "
Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Resources:
  Fn::ForEach::Broken: [Port, ['22']]
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: web servers}
";
    let read = Template::read(yaml).unwrap();
    assert_eq!(ids(&read.template), ["Web"]);
    assert_eq!(read.notes.len(), 1);
    assert!(read.notes[0].message.contains("three items"), "{}", read.notes[0].message);
}

#[test]
fn a_loop_over_a_mapping_chosen_by_a_parameter_expands() {
    // cfn-lint's own example: the collection is a mapping's list for the environment.
    let yaml = "
Transform: AWS::LanguageExtensions
Parameters:
  Environment: {Type: String, Default: dev}
Mappings:
  Buckets:
    dev: {Identifiers: [A, B]}
    prod: {Identifiers: [A, B, C]}
Resources:
  Fn::ForEach::Buckets:
    - Identifier
    - !FindInMap [Buckets, !Ref Environment, Identifiers]
    - S3Bucket${Identifier}:
        Type: AWS::S3::Bucket
";
    let read = Template::read(yaml).unwrap();
    assert_eq!(ids(&read.template), ["S3BucketA", "S3BucketB"]);
    assert!(read.notes.is_empty(), "{:?}", read.notes);
}
