//! Issue 18: `ringfence impact` pinned kind by kind. One small suite has every kind of
//! impact that removing one stack (`bot`) has on the two others (`app`, `net`), next to
//! near misses that must not be listed; the answer is compared whole (stack, resource,
//! group, rule, kind and message of every row, in order), in JSON and in text.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

/// The network: a VPC, a shared group and a route table, all exported.
const NET: &str = "
Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
  Shared:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupName: shared, GroupDescription: every service, VpcId: !Ref Vpc, SecurityGroupEgress: [] }
  Table: { Type: AWS::EC2::RouteTable, Properties: { VpcId: !Ref Vpc } }
Outputs:
  VpcId: { Value: !Ref Vpc, Export: { Name: net-vpc } }
  SharedId: { Value: !GetAtt Shared.GroupId, Export: { Name: net-shared } }
  TableId: { Value: !Ref Table, Export: { Name: net-table } }
";

/// The stack removed: its own VPC and group (exported), rules on the network's shared
/// group (RF101), a route on the network's table (RF102), and rules on a group outside
/// the suite that `app` declares too, in another spelling.
const BOT: &str = "
Resources:
  BotVpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.1.0.0/16 } }
  OwnCidr: { Type: AWS::EC2::VPCCidrBlock, Properties: { VpcId: !Ref BotVpc, CidrBlock: 10.2.0.0/16 } }
  Tasks:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupName: bot-tasks, GroupDescription: bot tasks, VpcId: !ImportValue net-vpc, SecurityGroupEgress: [] }
  OnShared:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !ImportValue net-shared, IpProtocol: tcp, FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: !GetAtt Tasks.GroupId, Description: d }
  OnSharedFromMonitor:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !ImportValue net-shared, IpProtocol: tcp, FromPort: 9100, ToPort: 9100, SourceSecurityGroupId: !ImportValue app-monitor, Description: d }
  AllFromOffice:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: sg-0a1b2c3d4e5f60718, IpProtocol: '-1', FromPort: 0, ToPort: 65535, CidrIp: 10.8.0.0/16, Description: bot }
  EveryTcpPort:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: sg-0a1b2c3d4e5f60718, IpProtocol: tcp, FromPort: -1, ToPort: -1, CidrIp: 10.9.0.0/16, Description: bot }
  NoPeer:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: sg-0a1b2c3d4e5f60718, IpProtocol: tcp, FromPort: 443, ToPort: 443, Description: bot }
  OnUnknown:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !ImportValue nobody-exports-this, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8, Description: bot }
  RouteOnNetTable:
    Type: AWS::EC2::Route
    Properties: { RouteTableId: !ImportValue net-table, DestinationCidrBlock: 10.9.0.0/16, VpcPeeringConnectionId: pcx-0123456789abcdef0 }
Outputs:
  TasksId: { Value: !GetAtt Tasks.GroupId, Export: { Name: bot-tasks } }
  VpcId: { Value: !Ref BotVpc, Export: { Name: bot-vpc } }
";

/// Another stack, which uses `bot`'s objects every way there is.
const APP: &str = "
Resources:
  Monitor:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupName: monitor, GroupDescription: scrapers, VpcId: !ImportValue net-vpc, SecurityGroupEgress: [] }
  AllFromOfficeToo:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: sg-0a1b2c3d4e5f60718, IpProtocol: '-1', CidrIp: 10.8.0.0/16, Description: app }
  EveryTcpPortToo:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: sg-0a1b2c3d4e5f60718, IpProtocol: tcp, FromPort: 0, ToPort: 65535, CidrIp: 10.9.0.0/16, Description: app }
  OneOpenEnd:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: sg-0a1b2c3d4e5f60718, IpProtocol: tcp, FromPort: 22, ToPort: -1, CidrIp: 10.9.0.0/16, Description: app }
  NoPeerToo:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: sg-0a1b2c3d4e5f60718, IpProtocol: tcp, FromPort: 443, ToPort: 443, Description: app }
  OnUnknownToo:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !ImportValue nobody-exports-this, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8, Description: app }
  IntoBotTasks:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !ImportValue bot-tasks, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/16, Description: app }
  MonitorToBot:
    Type: AWS::EC2::SecurityGroupEgress
    Properties: { GroupId: !GetAtt Monitor.GroupId, IpProtocol: tcp, FromPort: 9100, ToPort: 9100, DestinationSecurityGroupId: !ImportValue bot-tasks, Description: app }
  Worker:
    Type: AWS::Lambda::Function
    Properties: { VpcConfig: { SecurityGroupIds: [!ImportValue net-shared, !ImportValue bot-tasks] } }
  Scraper:
    Type: AWS::Lambda::Function
    Properties: { VpcConfig: { SecurityGroupIds: [!GetAtt Monitor.GroupId] } }
  AppVpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.3.0.0/16 } }
  AppCidr: { Type: AWS::EC2::VPCCidrBlock, Properties: { VpcId: !Ref AppVpc, CidrBlock: 10.4.0.0/16 } }
  MoreAddresses: { Type: AWS::EC2::VPCCidrBlock, Properties: { VpcId: !ImportValue bot-vpc, CidrBlock: 10.5.0.0/16 } }
  Config:
    Type: Custom::Config
    Properties: { Vpc: !ImportValue bot-vpc, Group: !ImportValue bot-tasks, Again: !ImportValue bot-tasks, Net: !ImportValue net-vpc }
Outputs:
  MonitorId: { Value: !GetAtt Monitor.GroupId, Export: { Name: app-monitor } }
  Passed: { Value: !ImportValue bot-vpc }
";

fn write_suite(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn impact(dir: &Path, remove: &str, json: bool) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ringfence"));
    cmd.args(["impact", "--remove", remove]).arg(dir);
    if json {
        cmd.args(["--format", "json"]);
    }
    let out = cmd.output().expect("the binary runs");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(stderr, "", "nothing to warn about");
    stdout
}

/// One affected row: stack, resource, group, rule, kind, message.
type Row = (&'static str, &'static str, Option<&'static str>, Option<&'static str>, &'static str, String);

fn row(
    stack: &str,
    resource: &str,
    group: Option<&str>,
    rule: Option<&str>,
    kind: &str,
    message: &str,
) -> Value {
    json!({ "stack": stack, "resource": resource, "group": group, "rule": rule, "kind": kind, "message": message })
}

fn to_json(rows: &[Row]) -> Vec<Value> {
    rows.iter().map(|(s, r, g, rule, k, m)| row(s, r, *g, *rule, k, m)).collect()
}

/// What removing `bot` does, row by row.
fn expected() -> Vec<Row> {
    let identical = |twin: &str| {
        format!("bot/{twin} declares the identical rule and EC2 keeps one copy: deleting or rolling back bot removes this rule too, although app still declares it")
    };
    let imports = |names: &str| {
        format!("imports {names}, which bot exports: CloudFormation refuses to delete bot (or a rollback that drops the export) while app imports it")
    };
    vec![
        // `-1` with ports 0-65535 is `-1` without ports: EC2 ignores the ports.
        (
            "app",
            "AllFromOfficeToo",
            Some("sg-0a1b2c3d4e5f60718"),
            Some("ingress all from 10.8.0.0/16 on sg-0a1b2c3d4e5f60718"),
            "identical-rule",
            identical("AllFromOffice"),
        ),
        // tcp -1/-1 is every port, 0-65535. (tcp 22/-1, `OneOpenEnd`, is not.)
        (
            "app",
            "EveryTcpPortToo",
            Some("sg-0a1b2c3d4e5f60718"),
            Some("ingress tcp/all from 10.9.0.0/16 on sg-0a1b2c3d4e5f60718"),
            "identical-rule",
            identical("EveryTcpPort"),
        ),
        (
            "app",
            "IntoBotTasks",
            Some("bot-tasks"),
            Some("ingress tcp/443 from 10.0.0.0/16 on bot-tasks"),
            "rule-on-removed-group",
            "the rule is on bot-tasks, which bot creates: it goes with the group".into(),
        ),
        (
            "app",
            "MonitorToBot",
            Some("monitor"),
            Some("egress tcp/9100 to group bot-tasks on monitor"),
            "rule-naming-removed-group",
            "the rule names bot-tasks, which bot creates: the traffic it allows goes with that group, and EC2 refuses to delete a group that other groups' rules name, so deleting bot fails while this rule exists".into(),
        ),
        (
            "app",
            "Worker",
            Some("bot-tasks"),
            None,
            "member-of-removed-group",
            "AWS::Lambda::Function Worker joins bot-tasks, which bot creates: the traffic its rules allow goes with the group, and the group cannot be deleted while the workload uses it".into(),
        ),
        (
            "app",
            "Worker",
            Some("shared"),
            Some("ingress tcp/8080 from group bot-tasks on shared"),
            "rule-removed-from-group",
            "AWS::Lambda::Function Worker joins shared (the rule's group); bot/OnShared declares the rule: deleting or rolling back bot removes it for this workload".into(),
        ),
        (
            "app",
            "Worker",
            Some("shared"),
            Some("ingress tcp/9100 from group monitor on shared"),
            "rule-removed-from-group",
            "AWS::Lambda::Function Worker joins shared (the rule's group); bot/OnSharedFromMonitor declares the rule: deleting or rolling back bot removes it for this workload".into(),
        ),
        (
            "app",
            "Scraper",
            Some("monitor"),
            Some("ingress tcp/9100 from group monitor on shared"),
            "rule-removed-from-group",
            "AWS::Lambda::Function Scraper joins monitor (the rule's peer); bot/OnSharedFromMonitor declares the rule: deleting or rolling back bot removes it for this workload".into(),
        ),
        (
            "app",
            "MoreAddresses",
            None,
            None,
            "change-on-removed-object",
            "AWS::EC2::VPCCidrBlock MoreAddresses changes VPC bot/BotVpc (its `VpcId`), which bot creates: it goes with the VPC, and while it exists deleting bot fails".into(),
        ),
        // Worker, MonitorToBot, IntoBotTasks and MoreAddresses import too, but are listed
        // already. Config imports two exports (one twice) and a name of another stack;
        // its group is the first import that is a group.
        ("app", "Config", Some("bot-tasks"), None, "import", imports("`bot-vpc`, `bot-tasks`")),
        ("app", "Passed", None, None, "import", imports("`bot-vpc`")),
        (
            "net",
            "Shared",
            Some("shared"),
            Some("ingress tcp/8080 from group bot-tasks on shared"),
            "rule-removed-from-group",
            "bot/OnShared declares this rule on shared, which net creates: deleting or rolling back bot removes it from the group".into(),
        ),
        (
            "net",
            "Shared",
            Some("shared"),
            Some("ingress tcp/9100 from group monitor on shared"),
            "rule-removed-from-group",
            "bot/OnSharedFromMonitor declares this rule on shared, which net creates: deleting or rolling back bot removes it from the group".into(),
        ),
        (
            "net",
            "Table",
            None,
            None,
            "network-change-removed",
            "bot/RouteOnNetTable (AWS::EC2::Route) changes this route table through `RouteTableId`: deleting or rolling back bot undoes the change on an object net relies on".into(),
        ),
    ]
}

#[test]
fn every_kind_of_impact_is_listed_exactly_and_nothing_else() {
    let dir = write_suite(&[("net.yaml", NET), ("bot.yaml", BOT), ("app.yaml", APP)]);
    let doc: Value = serde_json::from_str(&impact(dir.path(), "bot", true)).unwrap();
    assert_eq!(doc["removed"], "bot");
    let got = doc["affected"].as_array().unwrap();
    let want = to_json(&expected());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "row {i}");
    }
    assert_eq!(got, &want, "{got:#?}");
}

#[test]
fn the_text_lists_each_affected_stack_once_with_its_rows() {
    let dir = write_suite(&[("net.yaml", NET), ("bot.yaml", BOT), ("app.yaml", APP)]);
    let text = impact(dir.path(), "bot", false);
    let mut want = String::from("Removing bot affects 2 other stack(s):\n");
    let mut last = "";
    for (stack, resource, group, rule, kind, message) in expected() {
        if stack != last {
            // The folder audited: each file is shown relative to it.
            want.push_str(&format!("\n{stack} ({stack}.yaml)\n"));
            last = stack;
        }
        let what = rule.map(str::to_owned).or_else(|| group.map(|g| format!("group {g}")));
        let what = what.map(|w| format!(": {w}")).unwrap_or_default();
        want.push_str(&format!("  {resource} [{kind}]{what}\n      {message}\n"));
    }
    assert_eq!(text, want);
}

#[test]
fn removing_a_stack_nobody_uses_affects_no_other_stack() {
    let lone = "
Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.7.0.0/16 } }
  Own:
    Type: AWS::EC2::SecurityGroup
    Properties: { GroupName: lone, GroupDescription: lone tasks, VpcId: !Ref Vpc, SecurityGroupEgress: [] }
  OwnIn:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !GetAtt Own.GroupId, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/16, Description: d }
Outputs:
  OwnId: { Value: !GetAtt Own.GroupId, Export: { Name: lone-own } }
";
    let dir = write_suite(&[("net.yaml", NET), ("lone.yaml", lone)]);
    assert_eq!(
        impact(dir.path(), "lone", false),
        "Removing lone affects no other stack: no other stack declares, joins or imports anything it removes.\n"
    );
    let doc: Value = serde_json::from_str(&impact(dir.path(), "lone", true)).unwrap();
    assert_eq!(doc, json!({ "removed": "lone", "affected": [] }));
}
