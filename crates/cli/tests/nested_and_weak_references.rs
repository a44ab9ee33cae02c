//! Nested stacks and weak references (issue #13, items 6 and 12): an
//! `AWS::CloudFormation::Stack` whose `TemplateURL` is a file of the audited folder makes
//! that template its child (parameters passed, outputs read through `!GetAtt
//! Child.Outputs.X`); a rule on a child's group is a rule on a group the parent does not
//! create (RF101); `Fn::GetStackOutput` reads another stack's output like an import, and
//! `impact` says that deleting the producer breaks the consumer silently.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn ringfence(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ringfence"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.code() != Some(2), "usage error: {}", String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap(), stdout)
}

/// `(check, stack, resource)` of every finding of `audit --format json`.
fn findings(dir: &Path) -> Vec<(String, String, String)> {
    let (_, out) = ringfence(dir, &["audit", ".", "--format", "json"]);
    let json: Value = serde_json::from_str(&out).unwrap();
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (s("check"), s("stack"), s("resource"))
        })
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const PARENT: &str = "
Parameters:
  Bucket: {Type: String, Default: my-templates}
Resources:
  App:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: application servers, VpcId: vpc-1}
  Server:
    Type: AWS::EC2::Instance
    Properties: {ImageId: ami-1, SecurityGroupIds: [!Ref App]}
  Database:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: nested/database.yaml
      Parameters: {ClientGroup: !Ref App}
  Cache:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: !Sub https://${Bucket}.s3.amazonaws.com/prefix/nested/cache.yaml
  Elsewhere:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: https://example.s3.amazonaws.com/not-here.yaml
  # On a group the nested database stack creates: a foreign group.
  AdminToDatabase:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !GetAtt Database.Outputs.GroupId
      IpProtocol: tcp
      FromPort: 5432
      ToPort: 5432
      CidrIp: 10.9.0.0/16
      Description: administration
  # On a group of a nested stack outside the suite: foreign too.
  AdminToElsewhere:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !GetAtt Elsewhere.Outputs.GroupId
      IpProtocol: tcp
      FromPort: 22
      ToPort: 22
      CidrIp: 10.9.0.0/16
      Description: administration
";

const DATABASE: &str = "
Parameters:
  ClientGroup: {Type: AWS::EC2::SecurityGroup::Id}
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: database
      VpcId: vpc-1
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: !Ref ClientGroup, Description: clients}
  Db:
    Type: AWS::RDS::DBInstance
    Properties: {DBInstanceClass: db.t3.micro, Engine: postgres, VPCSecurityGroups: [!Ref Group]}
Outputs:
  GroupId: {Value: !GetAtt Group.GroupId}
";

const CACHE: &str = "
Resources:
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: cache, VpcId: vpc-1}
Outputs:
  GroupId: {Value: !Ref Group}
";

#[test]
fn a_nested_stack_in_the_folder_is_part_of_the_suite() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app.yaml", PARENT);
    write(dir.path(), "nested/database.yaml", DATABASE);
    write(dir.path(), "nested/cache.yaml", CACHE);
    let found = findings(dir.path());
    let of = |check: &str| -> Vec<(String, String)> {
        found.iter().filter(|f| f.0 == check).map(|f| (f.1.clone(), f.2.clone())).collect()
    };
    // Both rules on groups of nested stacks are rules on foreign groups.
    assert_eq!(
        of("RF101"),
        [("app".into(), "AdminToDatabase".into()), ("app".into(), "AdminToElsewhere".into())]
    );
    // The parent's group is used: the nested database stack admits it (read through the
    // parameter the parent passes). The cache's group is joined by nothing: reported,
    // once, in the cache's template.
    assert_eq!(of("RF603"), [("cache".into(), "Group".into())]);

    // Reachability follows the parameter: the app server reaches the database.
    let (code, out) = ringfence(
        dir.path(),
        &[
            "reach",
            ".",
            "--from",
            "workload:app/Server",
            "--to",
            "workload:database/Db",
            "--port",
            "tcp/5432",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("allowed"), "{out}");
}

#[test]
fn get_stack_output_reads_another_stack_and_impact_says_its_deletion_is_silent() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "network.yaml",
        "
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
  Shared:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: shared, VpcId: !Ref Vpc}
Outputs:
  VpcId: {Value: !Ref Vpc}
  SharedGroup: {Value: !Ref Shared}
",
    );
    write(
        dir.path(),
        "service.yaml",
        "
Resources:
  Tasks:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: service tasks
      VpcId: !GetStackOutput {StackName: network, OutputName: VpcId}
  FromTasks:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId:
        Fn::GetStackOutput: {StackName: network, OutputName: SharedGroup}
      IpProtocol: tcp
      FromPort: 443
      ToPort: 443
      SourceSecurityGroupId: !Ref Tasks
      Description: tasks call the shared service
",
    );
    // The weak reference resolves to network's group: a foreign-group rule.
    let found = findings(dir.path());
    assert!(found.contains(&("RF101".into(), "service".into(), "FromTasks".into())), "{found:?}");
    assert!(!found.iter().any(|f| f.0 == "RF001"), "no unknown tag: {found:?}");

    let (code, out) = ringfence(dir.path(), &["impact", "--remove", "network", ".", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let json: Value = serde_json::from_str(&out).unwrap();
    let rows: Vec<(String, String, String)> = json["affected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["resource"].as_str().unwrap().into(),
                a["kind"].as_str().unwrap().into(),
                a["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    let weak: Vec<&(String, String, String)> = rows.iter().filter(|r| r.1 == "weak-reference").collect();
    assert_eq!(weak.len(), 1, "{rows:?}");
    assert_eq!(weak[0].0, "Tasks");
    assert!(weak[0].2.contains("output `VpcId` of network"), "{}", weak[0].2);
    assert!(weak[0].2.contains("without a word"), "{}", weak[0].2);
    // The rule on the removed stack's group is listed as such, not twice.
    assert!(rows.iter().any(|r| r.0 == "FromTasks" && r.1 == "rule-on-removed-group"), "{rows:?}");
}
