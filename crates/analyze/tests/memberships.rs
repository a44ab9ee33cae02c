//! Which groups a workload joins (issue 13, "Real suites", item 4): the resource types
//! and property paths come from CloudFormation's schemas (the generated
//! `ringfence_cfn::schema::group_members` table), and the values are read however a
//! template writes them. One small template per escape the hand list had on public
//! templates (RF603 was false 10 times of 11), each asserting the workload's exact groups,
//! and that RF603 is quiet about a joined group and reports the group nobody joins.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence_analyze::{analyze, Model, Suite};
use ringfence_cfn::schema::group_members;
use ringfence_cfn::Template;

/// A suite of `(stack, yaml)` templates.
fn suite(templates: &[(&str, &str)]) -> Suite {
    let mut suite = Suite::new();
    for (stack, yaml) in templates {
        let t = Template::from_yaml(yaml).unwrap_or_else(|e| panic!("{stack}: {e}\n{yaml}"));
        suite.add(stack, &format!("{stack}.yaml"), t);
    }
    suite
}

/// The groups and subnets of workload `stack/id`, as the model names them.
fn joins(suite: &Suite, stack: &str, id: &str) -> (Vec<String>, Vec<String>) {
    let m = Model::build(suite);
    let w = m
        .workloads
        .iter()
        .find(|w| m.stack_name(w.at.stack) == stack && w.at.id.as_str() == id)
        .unwrap_or_else(|| panic!("{stack}/{id} is no workload"));
    let names = |objs: &[ringfence_analyze::Obj]| objs.iter().map(|o| m.describe(o)).collect();
    (names(&w.groups), names(&w.subnets))
}

fn groups(suite: &Suite, stack: &str, id: &str) -> Vec<String> {
    joins(suite, stack, id).0
}

/// The groups RF603 reports (no workload joins them, no rule names them).
fn unused(suite: &Suite) -> Vec<String> {
    analyze(suite).of("RF603").iter().map(|f| format!("{}/{}", f.template, f.logical_id)).collect()
}

/// A security group with restricted egress (so no other check speaks of it).
fn group(id: &str) -> String {
    format!(
        "  {id}:\n    Type: AWS::EC2::SecurityGroup\n    Properties: {{ GroupDescription: {id}, VpcId: vpc-1, SecurityGroupEgress: [] }}\n"
    )
}

fn template(groups: &[&str], rest: &str) -> String {
    let g: String = groups.iter().map(|id| group(id)).collect();
    format!("Resources:\n{g}{rest}")
}

#[test]
fn a_launch_configuration_joins_its_groups() {
    let yaml = template(
        &["Web", "Leftover"],
        "  Config:
    Type: AWS::AutoScaling::LaunchConfiguration
    Properties: { ImageId: ami-1, InstanceType: t3.micro, SecurityGroups: [!Ref Web, sg-0legacy] }
",
    );
    let s = suite(&[("app", &yaml)]);
    assert_eq!(groups(&s, "app", "Config"), ["app/Web", "sg-0legacy"]);
    assert_eq!(unused(&s), ["app/Leftover"]);
}

#[test]
fn a_dms_replication_instance_joins_its_vpc_security_groups() {
    let yaml = template(
        &["Replication", "Leftover"],
        "  Dms:
    Type: AWS::DMS::ReplicationInstance
    Properties: { ReplicationInstanceClass: dms.t3.micro, VpcSecurityGroupIds: [!GetAtt Replication.GroupId] }
",
    );
    let s = suite(&[("dms", &yaml)]);
    assert_eq!(groups(&s, "dms", "Dms"), ["dms/Replication"]);
    assert_eq!(unused(&s), ["dms/Leftover"]);
}

#[test]
fn a_neptune_cluster_joins_its_groups_and_a_list_parameter_is_each_of_its_ids() {
    let yaml = format!(
        "Parameters:
  Extra: {{ Type: CommaDelimitedList, Default: 'sg-1, sg-2' }}
  Given: {{ Type: 'List<AWS::EC2::SecurityGroup::Id>' }}
{}  Graph:
    Type: AWS::Neptune::DBCluster
    Properties:
      VpcSecurityGroupIds: [!Ref Neptune]
  Listed:
    Type: AWS::Neptune::DBCluster
    Properties:
      VpcSecurityGroupIds: !Ref Extra
  Open:
    Type: AWS::Neptune::DBCluster
    Properties:
      VpcSecurityGroupIds: !Ref Given
",
        template(&["Neptune", "Leftover"], "")
    );
    let s = suite(&[("graph", &yaml)]);
    assert_eq!(groups(&s, "graph", "Graph"), ["graph/Neptune"]);
    assert_eq!(groups(&s, "graph", "Listed"), ["sg-1", "sg-2"]);
    // A list parameter with no value is one object standing for its ids.
    assert_eq!(groups(&s, "graph", "Open"), ["parameter Given of graph"]);
    assert_eq!(unused(&s), ["graph/Leftover"]);
}

#[test]
fn a_sam_function_joins_its_vpc_config_groups_and_the_globals() {
    let yaml = format!(
        "Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    VpcConfig:
      SecurityGroupIds: [!Ref Shared]
{}  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {{ VpcId: vpc-1, CidrBlock: 10.0.1.0/24 }}
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      VpcConfig:
        SecurityGroupIds: [!Ref Function]
        SubnetIds: [!Ref Subnet]
",
        template(&["Function", "Shared", "Leftover"], "")
    );
    let s = suite(&[("sam", &yaml)]);
    let (g, subnets) = joins(&s, "sam", "Handler");
    assert_eq!(g, ["sam/Function", "sam/Shared"]);
    assert_eq!(subnets, ["sam/Subnet"]);
    assert_eq!(unused(&s), ["sam/Leftover"]);
}

#[test]
fn an_instance_joins_each_item_of_a_split() {
    let network = format!(
        "{}Outputs:
  Groups:
    Value: !Join [',', [!Ref App, !GetAtt Admin.GroupId]]
    Export: {{ Name: net-groups }}
",
        template(&["App", "Admin", "Leftover"], "")
    );
    let bot = "Parameters:
  Legacy: { Type: String, Default: 'sg-a,sg-b' }
Resources:
  Server:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-1
      SecurityGroupIds: !Split [',', !ImportValue net-groups]
  Old:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-1
      SecurityGroupIds: !Split [',', !Ref Legacy]
  Subbed:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-1
      SecurityGroupIds: !Split [',', !Sub '${Own},sg-c']
  Own:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupDescription: own, VpcId: vpc-1, SecurityGroupEgress: [] }
";
    let s = suite(&[("net", &network), ("bot", bot)]);
    assert_eq!(groups(&s, "bot", "Server"), ["net/App", "net/Admin"]);
    assert_eq!(groups(&s, "bot", "Old"), ["sg-a", "sg-b"]);
    assert_eq!(groups(&s, "bot", "Subbed"), ["bot/Own", "sg-c"]);
    assert_eq!(unused(&s), ["net/Leftover"]);
}

#[test]
fn each_group_of_either_branch_of_an_if_is_a_member() {
    let yaml = format!(
        "Parameters:
  Env: {{Type: String}}
Conditions:
  Prod: !Equals [!Ref Env, prod]
{}  Server:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-1
      SecurityGroupIds: !If [Prod, [!Ref ProdOnly], [!Ref DevOnly, !Ref Common]]
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::1:role/r
      Code: {{ ZipFile: x }}
      VpcConfig: !If
        - Prod
        - SecurityGroupIds: [!Ref Common, !If [Prod, !Ref Lambda, !Ref AWS::NoValue]]
          SubnetIds: [subnet-1]
        - !Ref AWS::NoValue
",
        template(&["ProdOnly", "DevOnly", "Common", "Lambda", "Leftover"], "")
    );
    let s = suite(&[("app", &yaml)]);
    assert_eq!(groups(&s, "app", "Server"), ["app/ProdOnly", "app/DevOnly", "app/Common"]);
    assert_eq!(
        joins(&s, "app", "Fn"),
        (vec!["app/Common".into(), "app/Lambda".into()], vec!["subnet-1".into()])
    );
    assert_eq!(unused(&s), ["app/Leftover"]);

    // Decided by a parameter's value, each Fn::If is its branch only.
    let mut s = suite(&[("app", &yaml)]);
    s.templates_mut()[0].parameters.insert("Env".into(), "prod".into());
    assert_eq!(groups(&s, "app", "Server"), ["app/ProdOnly"]);
    assert_eq!(groups(&s, "app", "Fn"), ["app/Common", "app/Lambda"]);
    s.templates_mut()[0].parameters.insert("Env".into(), "dev".into());
    assert_eq!(groups(&s, "app", "Server"), ["app/DevOnly", "app/Common"]);
    assert_eq!(joins(&s, "app", "Fn"), (vec![], vec![]));
    assert_eq!(unused(&s), ["app/Lambda", "app/Leftover", "app/ProdOnly"]);
}

#[test]
fn an_ecs_service_joins_its_awsvpc_groups_as_before() {
    let yaml = template(
        &["Tasks", "Leftover"],
        "  Service:
    Type: AWS::ECS::Service
    Properties:
      Cluster: c
      NetworkConfiguration:
        AwsvpcConfiguration:
          SecurityGroups: [!Ref Tasks, sg-shared]
          Subnets: [subnet-1, subnet-2]
",
    );
    let s = suite(&[("svc", &yaml)]);
    let (g, subnets) = joins(&s, "svc", "Service");
    assert_eq!(g, ["svc/Tasks", "sg-shared"]);
    assert_eq!(subnets, ["subnet-1", "subnet-2"]);
    assert_eq!(unused(&s), ["svc/Leftover"]);
}

#[test]
fn a_group_the_reader_cannot_identify_is_still_a_member_of_something() {
    let yaml = "Mappings:
  Groups: { prod: { Id: sg-9 } }
Resources:
  Server:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-1
      SecurityGroupIds:
        - !ImportValue nobody-exports-this
        - !FindInMap [Groups, !Ref AWS::StackName, Id]
        - !Ref AWS::NoValue
";
    let s = suite(&[("app", yaml)]);
    let g = groups(&s, "app", "Server");
    assert_eq!(g.len(), 2, "{g:?}");
    assert!(g.iter().all(|d| d.starts_with('(')), "unknown objects: {g:?}");
    assert!(g[0].contains("nobody-exports-this"), "{g:?}");
}

#[test]
fn the_same_group_twice_is_one_membership() {
    let yaml = template(
        &["Web"],
        "  Server:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-1
      SecurityGroupIds: !If [C, [!Ref Web], [!GetAtt Web.GroupId]]
",
    );
    let s = suite(&[("app", &yaml)]);
    assert_eq!(groups(&s, "app", "Server"), ["app/Web"]);
}

/// A regeneration of the table that loses one of these types fails here.
#[test]
fn the_generated_table_has_the_types_of_issue_13() {
    for (t, path) in [
        ("AWS::AutoScaling::LaunchConfiguration", "SecurityGroups"),
        ("AWS::DMS::ReplicationInstance", "VpcSecurityGroupIds"),
        ("AWS::Neptune::DBCluster", "VpcSecurityGroupIds"),
        ("AWS::Serverless::Function", "VpcConfig.SecurityGroupIds"),
        ("AWS::EC2::Instance", "SecurityGroupIds"),
        ("AWS::Lambda::Function", "VpcConfig.SecurityGroupIds"),
        ("AWS::ECS::Service", "NetworkConfiguration.AwsvpcConfiguration.SecurityGroups"),
    ] {
        let m = group_members(t).unwrap_or_else(|| panic!("{t} is not in the table"));
        assert!(m.groups.contains(&path), "{t}: {:?}", m.groups);
    }
}
