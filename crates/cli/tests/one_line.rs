//! Text from a template cannot break the text output's layout: a description written
//! over two lines prints as one line with `\n`, in `reach`, `impact` and `audit`; JSON
//! keeps the text as it is (JSON escapes it itself).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::process::Command;

fn ringfence(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ringfence")).args(args).output().expect("the binary runs");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

const APP: &str = r#"
Resources:
  Db:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupName: db
      GroupDescription: the database
      VpcId: vpc-0123456789abcdef0
      SecurityGroupEgress:
        - {IpProtocol: icmp, FromPort: 252, ToPort: 86, CidrIp: 255.255.255.255/32, Description: no egress}
  App:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupName: app
      GroupDescription: the app
      VpcId: vpc-0123456789abcdef0
      SecurityGroupEgress:
        - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, DestinationSecurityGroupId: !GetAtt Db.GroupId, Description: "to the db"}
  DbFromApp:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !GetAtt Db.GroupId
      IpProtocol: tcp
      FromPort: 5432
      ToPort: 5432
      SourceSecurityGroupId: !GetAtt App.GroupId
      Description: "orders\nsee ticket 42"
"#;

const SHARED: &str = r#"
Parameters:
  Shared:
    Type: AWS::EC2::SecurityGroup::Id
Resources:
  Mine:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Shared
      IpProtocol: tcp
      FromPort: 8080
      ToPort: 8080
      CidrIp: 10.0.0.0/16
      Description: "first\nsecond"
    Metadata:
      ringfence:
        suppress:
          - {id: RF101, reason: "moves soon\nCHAT-1"}
"#;

#[test]
fn a_description_over_two_lines_prints_on_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.yaml"), APP).unwrap();
    std::fs::write(dir.path().join("bot.yaml"), SHARED).unwrap();
    let folder = dir.path().display().to_string();

    let reach = ringfence(&["reach", "--from", "app", "--to", "db", "--port", "tcp/5432", &folder]);
    assert!(reach.contains(r"admits it from app/App (orders\nsee ticket 42)"), "{reach}");
    assert!(!reach.lines().any(|l| l.starts_with("see ticket")), "{reach}");

    let audit = ringfence(&["audit", &folder]);
    assert!(audit.contains(r"suppressed: moves soon\nCHAT-1"), "{audit}");
    assert!(!audit.lines().any(|l| l.starts_with("CHAT-1")), "{audit}");

    // JSON carries the text itself.
    let json: serde_json::Value =
        serde_json::from_str(&ringfence(&["audit", &folder, "--format", "json"])).unwrap();
    let reasons: Vec<&str> =
        json["findings"].as_array().unwrap().iter().filter_map(|f| f["suppressed"].as_str()).collect();
    assert_eq!(reasons, ["moves soon\nCHAT-1"]);
}
