//! The game_servers example: snapshots of every template, DESIGN.md's invariants, and
//! the scenario's own promises read from the written JSON: groups named by role, and
//! only the load balancer open to the Internet.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../../examples/game_servers.rs"]
mod game_servers;
mod support;

use std::collections::BTreeMap;

use game_servers::build;
use ringfence::Assembly;
use serde_json::Value;

fn synth(env: &str) -> Assembly {
    support::synthesized(build(env))
}

/// Every security group of every template: `GroupName` → (stack, logical id, resource).
fn groups_by_name(docs: &BTreeMap<String, Value>) -> BTreeMap<String, (String, String, Value)> {
    let mut out = BTreeMap::new();
    for (stack, doc) in docs {
        for (id, r) in doc["Resources"].as_object().unwrap() {
            if r["Type"] == "AWS::EC2::SecurityGroup" {
                let name = r["Properties"]["GroupName"].as_str().unwrap().to_owned();
                out.insert(name, (stack.clone(), id.clone(), r.clone()));
            }
        }
    }
    out
}

/// Every ingress rule of the app, inline or standalone, as (logical id of its group,
/// rule properties).
fn ingress_rules(docs: &BTreeMap<String, Value>) -> Vec<(String, Value)> {
    docs.values().flat_map(support::ingress_rules_by_group).collect()
}

#[test]
fn snapshots_of_every_template() {
    support::assert_assembly_snapshots!("game_servers", synth("production"));
}

#[test]
fn every_template_keeps_the_invariants() {
    support::assert_invariants_and_order(synth, |env| {
        vec![
            format!("arena-network-{env}"),
            format!("arena-edge-{env}"),
            format!("arena-game-{env}"),
            format!("arena-monitoring-{env}"),
        ]
    });
}

#[test]
fn two_runs_write_byte_identical_folders() {
    support::assert_two_runs_write_byte_identical_folders(
        || build("production").unwrap(),
        9,
        "manifest + 4 JSON + 4 YAML",
    );
}

#[test]
fn groups_are_named_by_what_they_enclose() {
    let docs = support::documents(&synth("production"));
    let groups = groups_by_name(&docs);
    let names: Vec<&str> = groups.keys().map(String::as_str).collect();
    assert_eq!(names, ["game-servers-production", "lb-game-production", "monitoring"]);
    for name in names {
        assert!(!name.chars().any(|c| c.is_ascii_digit()), "{name} names a port");
        assert!(!name.to_lowercase().contains("allow"), "{name} names a permission");
    }
    // Every group lives in the network stack, which owns every rule between them.
    assert!(groups.values().all(|(stack, _, _)| stack == "arena-network-production"));
    // monitoring keeps its name in every environment; the others take the environment.
    let staging = groups_by_name(&support::documents(&synth("staging")));
    let names: Vec<&str> = staging.keys().map(String::as_str).collect();
    assert_eq!(names, ["game-servers-staging", "lb-game-staging", "monitoring"]);
}

#[test]
fn only_the_load_balancer_admits_the_internet() {
    let docs = support::documents(&synth("production"));
    let groups = groups_by_name(&docs);
    let lb = &groups["lb-game-production"].1;
    let rules = ingress_rules(&docs);
    let open: Vec<&(String, Value)> = rules
        .iter()
        .filter(|(_, rule)| rule["CidrIp"] == "0.0.0.0/0" || rule["CidrIpv6"] == "::/0")
        .collect();
    assert_eq!(open.len(), 2, "IPv4 and IPv6 players: {open:#?}");
    for (group, rule) in open {
        assert_eq!(group, lb, "{rule}");
        assert_eq!(
            (&rule["IpProtocol"], &rule["FromPort"], &rule["ToPort"]),
            (&"tcp".into(), &8443.into(), &8443.into())
        );
    }
    // Nothing else admits any address range at all: game servers and monitoring admit
    // groups only.
    for (group, rule) in &rules {
        if group != lb {
            assert!(rule.get("SourceSecurityGroupId").is_some(), "{group} admits {rule}");
        }
    }
}

#[test]
fn game_servers_admit_the_load_balancer_and_monitoring_only() {
    let docs = support::documents(&synth("production"));
    let groups = groups_by_name(&docs);
    let id = |name: &str| groups[name].1.clone();
    let mut admitted: Vec<(String, i64)> = ingress_rules(&docs)
        .into_iter()
        .filter(|(group, _)| *group == id("game-servers-production"))
        .map(|(_, rule)| {
            let from = rule["SourceSecurityGroupId"]["Fn::GetAtt"][0].as_str().unwrap().to_owned();
            assert_eq!(rule["FromPort"], rule["ToPort"], "{rule}");
            assert!(!rule["Description"].as_str().unwrap().is_empty());
            (from, rule["FromPort"].as_i64().unwrap())
        })
        .collect();
    admitted.sort();
    let mut expected = vec![(id("lb-game-production"), 8443), (id("monitoring"), 9999)];
    expected.sort();
    assert_eq!(admitted, expected);
    // monitoring's egress: the game servers on 9999 and HTTPS out, nothing else.
    let network = &docs["arena-network-production"];
    let monitoring = &groups["monitoring"].2["Properties"]["SecurityGroupEgress"];
    assert_eq!(monitoring.as_array().unwrap().len(), 1);
    assert_eq!(monitoring[0]["FromPort"], 443);
    let standalone: Vec<&Value> = network["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| {
            r["Type"] == "AWS::EC2::SecurityGroupEgress"
                && r["Properties"]["GroupId"]["Fn::GetAtt"][0] == id("monitoring").as_str()
        })
        .collect();
    assert_eq!(standalone.len(), 1);
    assert_eq!(standalone[0]["Properties"]["FromPort"], 9999);
    assert_eq!(
        standalone[0]["Properties"]["DestinationSecurityGroupId"]["Fn::GetAtt"][0],
        id("game-servers-production").as_str()
    );
}

#[test]
fn the_load_balancer_forwards_tcp_8443_to_ip_targets() {
    let docs = support::documents(&synth("production"));
    let edge = &docs["arena-edge-production"];
    let of_type = |ty: &str| -> &Value { &support::only_resource(edge, ty)["Properties"] };
    let lb = of_type("AWS::ElasticLoadBalancingV2::LoadBalancer");
    assert_eq!(lb["SecurityGroups"][0]["Fn::ImportValue"], "arena-network-production:lb-game:GroupId");
    let tg = of_type("AWS::ElasticLoadBalancingV2::TargetGroup");
    assert_eq!((&tg["TargetType"], &tg["Port"]), (&"ip".into(), &8443.into()));
    let listener = of_type("AWS::ElasticLoadBalancingV2::Listener");
    assert_eq!((&listener["Protocol"], &listener["Port"]), (&"TCP".into(), &8443.into()));
    // The game service registers in the target group imported from edge, so the
    // listener exists before the service does: edge is a dependency of game (the whole
    // stack deploys first), which no DependsOn, limited to one template, could say.
    let assembly = synth("production");
    let manifest: Value = serde_json::from_str(&assembly.manifest()).unwrap();
    let deps = manifest["artifacts"]["arena-game-production"]["dependencies"].as_array().unwrap();
    assert!(deps.iter().any(|d| d == "arena-edge-production"), "{deps:?}");
    let game = &docs["arena-game-production"];
    let service = game["Resources"].as_object().unwrap().values().find(|r| r["Type"] == "AWS::ECS::Service");
    let service = &service.unwrap()["Properties"];
    assert_eq!(
        service["LoadBalancers"][0]["TargetGroupArn"]["Fn::ImportValue"],
        "arena-edge-production:game-servers:Ref"
    );
    assert_eq!(
        service["NetworkConfiguration"]["AwsvpcConfiguration"]["SecurityGroups"][0]["Fn::ImportValue"],
        "arena-network-production:game-servers:GroupId"
    );
}
