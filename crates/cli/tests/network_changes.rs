//! Issue 11: `audit` and `impact` see a resource that changes another template's network
//! object (a CIDR block on its VPC, a gateway attachment), as the generated schema table
//! says, where they used to say "affects no other stack".

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::process::Command;

use serde_json::Value;

const NETWORK: &str = "
Resources:
  Vpc: { Type: AWS::EC2::VPC, Properties: { CidrBlock: 10.0.0.0/16 } }
Outputs:
  VpcId: { Value: !Ref Vpc, Export: { Name: net-vpc } }
";

const BOT: &str = "
Resources:
  MoreAddresses:
    Type: AWS::EC2::VPCCidrBlock
    Properties: { VpcId: !ImportValue net-vpc, CidrBlock: 10.1.0.0/16 }
  Vpn: { Type: AWS::EC2::VPNGateway, Properties: { Type: ipsec.1 } }
  VpnOnTheSharedVpc:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: { VpcId: !ImportValue net-vpc, VpnGatewayId: !Ref Vpn }
";

fn run(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_ringfence")).args(args).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let doc = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (out.status.code().unwrap(), doc)
}

fn suite() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("net.yaml"), NETWORK).unwrap();
    std::fs::write(dir.path().join("bot.yaml"), BOT).unwrap();
    dir
}

#[test]
fn audit_reports_both_changes_on_the_foreign_vpc() {
    let dir = suite();
    let (code, doc) = run(&["audit", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1);
    let rf102: Vec<(&str, &str)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "RF102")
        .map(|f| (f["template"].as_str().unwrap(), f["resource"].as_str().unwrap()))
        .collect();
    assert_eq!(rf102.len(), 2, "{doc:#}");
    assert!(rf102.iter().all(|(t, _)| t.ends_with("bot.yaml") || *t == "bot"), "{rf102:?}");
    let ids: Vec<&str> = rf102.iter().map(|(_, r)| *r).collect();
    assert!(ids.contains(&"MoreAddresses") && ids.contains(&"VpnOnTheSharedVpc"), "{ids:?}");
}

fn affected(remove: &str, dir: &str) -> Vec<Value> {
    let (code, doc) = run(&["impact", "--remove", remove, dir, "--format", "json"]);
    assert_eq!(code, 0, "{doc}");
    doc["affected"].as_array().unwrap().clone()
}

#[test]
fn impact_sees_the_change_both_ways() {
    let dir = suite();
    let dir = dir.path().to_str().unwrap();
    let bot = affected("bot", dir);
    let kinds: Vec<(&str, &str, &str)> = bot
        .iter()
        .map(|a| (a["stack"].as_str().unwrap(), a["resource"].as_str().unwrap(), a["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("net", "Vpc", "network-change-removed"), ("net", "Vpc", "network-change-removed")]);
    assert!(
        bot[0]["message"].as_str().unwrap().contains("bot/MoreAddresses (AWS::EC2::VPCCidrBlock)"),
        "{bot:#?}"
    );

    let net = affected("net", dir);
    let resources: Vec<(&str, &str)> =
        net.iter().map(|a| (a["resource"].as_str().unwrap(), a["kind"].as_str().unwrap())).collect();
    assert_eq!(
        resources,
        [("MoreAddresses", "change-on-removed-object"), ("VpnOnTheSharedVpc", "change-on-removed-object")]
    );
}
