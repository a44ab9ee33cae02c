//! The immutable_fleet example: snapshots of every template, DESIGN.md's invariants, and
//! the scenario's own promises read from the written JSON: no administrative ingress,
//! stages that differ only in names and sizes, and an image read from SSM that a
//! deployment rolls out to every instance.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../../examples/immutable_fleet.rs"]
mod immutable_fleet;
mod support;

use std::collections::BTreeMap;

use immutable_fleet::{build, IMAGE_PARAMETER, MAX_INSTANCE_LIFETIME, STAGES};
use ringfence::Assembly;
use serde_json::{json, Value};
use support::{ingress_rules, only_resource, resources_of_type};

fn synth(env: &str) -> Assembly {
    support::synthesized(build(env))
}

fn docs() -> BTreeMap<String, Value> {
    support::documents(&synth("production"))
}

/// Ingress rules that admit SSH, RDP or all traffic: what an immutable fleet never needs.
fn administrative_ingress(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (id, rule) in ingress_rules(doc) {
        let protocol = match &rule["IpProtocol"] {
            Value::String(p) => p.to_lowercase(),
            other => other.to_string(),
        };
        if matches!(protocol.as_str(), "-1" | "all") {
            out.push(format!("{id}: all traffic: {rule}"));
            continue;
        }
        if !matches!(protocol.as_str(), "tcp" | "udp" | "6" | "17") {
            continue;
        }
        let (from, to) = (rule["FromPort"].as_i64().unwrap(), rule["ToPort"].as_i64().unwrap());
        for (port, what) in [(22, "SSH"), (3389, "RDP")] {
            if from <= port && port <= to {
                out.push(format!("{id}: {what}: {rule}"));
            }
        }
    }
    out
}

#[test]
fn snapshots_of_every_template() {
    support::assert_assembly_snapshots!("immutable_fleet", synth("production"));
}

#[test]
fn every_template_keeps_the_invariants() {
    support::assert_invariants_and_order(synth, |_| {
        vec!["render-network", "render-fleet-alpha", "render-fleet-beta", "render-fleet-production"]
    });
}

#[test]
fn the_environment_changes_nothing() {
    // The stages are the environments: `--env` must not rename or restructure anything.
    let (a, b) = (synth("production"), synth("staging"));
    let json = |x: &Assembly| x.stacks().iter().map(|s| s.template.to_json()).collect::<Vec<_>>();
    assert_eq!(json(&a), json(&b));
    assert_eq!(a.manifest(), b.manifest());
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
fn no_rule_admits_ssh_rdp_or_all_traffic() {
    let docs = docs();
    for (stack, doc) in &docs {
        let found = administrative_ingress(doc);
        assert!(found.is_empty(), "{stack}: {found:#?}");
        // Stronger: nothing admits anything at all. The fleet pulls its work.
        let rules = ingress_rules(doc);
        assert!(rules.is_empty(), "{stack}: {rules:#?}");
    }
    // Every stage's group exists, and its only way out is HTTPS.
    for stage in &STAGES {
        let doc = &docs[&format!("render-fleet-{}", stage.name)];
        let group = &only_resource(doc, "AWS::EC2::SecurityGroup")["Properties"];
        assert_eq!(group["GroupName"], format!("fleet-{}", stage.name));
        assert_eq!(group.get("SecurityGroupIngress"), None);
        let egress = group["SecurityGroupEgress"].as_array().unwrap();
        assert_eq!(egress.len(), 1);
        assert_eq!(
            (&egress[0]["IpProtocol"], &egress[0]["FromPort"], &egress[0]["ToPort"]),
            (&json!("tcp"), &json!(443), &json!(443))
        );
        assert_eq!(resources_of_type(doc, "AWS::EC2::SecurityGroupEgress").count(), 0);
    }
}

#[test]
fn the_administrative_ingress_check_catches_planted_rules() {
    // The check above must be able to fail: plant what it looks for.
    let docs = docs();
    let mut doc = docs["render-fleet-beta"].clone();
    let (id, _) = resources_of_type(&doc, "AWS::EC2::SecurityGroup").next().unwrap();
    let id = id.clone();
    doc["Resources"][&id]["Properties"]["SecurityGroupIngress"] = json!([
        {"IpProtocol": "tcp", "FromPort": 20, "ToPort": 25, "CidrIp": "10.0.0.0/8", "Description": "x"}
    ]);
    doc["Resources"]["PlantedRdp"] = json!({
        "Type": "AWS::EC2::SecurityGroupIngress",
        "Properties": {"GroupId": {"Fn::GetAtt": [id, "GroupId"]}, "IpProtocol": "tcp",
            "FromPort": 3389, "ToPort": 3389, "CidrIp": "10.0.0.0/8", "Description": "x"}
    });
    doc["Resources"]["PlantedAll"] = json!({
        "Type": "AWS::EC2::SecurityGroupIngress",
        "Properties": {"GroupId": {"Fn::GetAtt": [id, "GroupId"]}, "IpProtocol": "-1",
            "CidrIp": "10.0.0.0/8", "Description": "x"}
    });
    let found = administrative_ingress(&doc);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(found.iter().any(|l| l.contains("SSH")));
    assert!(found.iter().any(|l| l.starts_with("PlantedRdp: RDP")));
    assert!(found.iter().any(|l| l.starts_with("PlantedAll: all traffic")));
}

/// A stage's template with its name replaced by `STAGE` and its sizes masked.
fn normalized(doc: &Value, stage: &str) -> Value {
    let mut doc: Value = serde_json::from_str(&doc.to_string().replace(stage, "STAGE")).unwrap();
    let id = resources_of_type(&doc, "AWS::AutoScaling::AutoScalingGroup").next().unwrap().0.clone();
    for size in ["MinSize", "MaxSize", "DesiredCapacity"] {
        let props = &mut doc["Resources"][&id]["Properties"];
        assert!(props[size].is_string(), "{size} is set");
        props[size] = json!("SIZE");
    }
    for size in ["MinInstancesInService", "MaxBatchSize"] {
        let rolling = &mut doc["Resources"][&id]["UpdatePolicy"]["AutoScalingRollingUpdate"];
        assert!(rolling[size].is_u64(), "{size} is set");
        rolling[size] = json!("SIZE");
    }
    doc
}

#[test]
fn stages_differ_only_in_names_and_sizes() {
    let docs = docs();
    let doc = |stage: &str| &docs[&format!("render-fleet-{stage}")];
    let alpha = normalized(doc("alpha"), "alpha");
    assert!(alpha.to_string().contains("\"GroupName\":\"fleet-STAGE\""));
    for stage in ["beta", "production"] {
        assert_eq!(normalized(doc(stage), stage), alpha, "stage {stage} differs from alpha in structure");
    }
    // Same logical ids, down to the hash.
    let ids = support::logical_ids(&synth("production"));
    let of = |stage: &str| &ids[&format!("render-fleet-{stage}")];
    assert_eq!(of("alpha"), of("beta"));
    assert_eq!(of("alpha"), of("production"));
    // And the sizes really are what differs.
    let sizes = |stage: &str| {
        let asg = &only_resource(doc(stage), "AWS::AutoScaling::AutoScalingGroup");
        let (props, rolling) = (&asg["Properties"], &asg["UpdatePolicy"]["AutoScalingRollingUpdate"]);
        (
            props["MinSize"].clone(),
            props["DesiredCapacity"].clone(),
            props["MaxSize"].clone(),
            rolling["MinInstancesInService"].clone(),
            rolling["MaxBatchSize"].clone(),
        )
    };
    assert_eq!(sizes("alpha"), (json!("1"), json!("1"), json!("2"), json!(1), json!(1)));
    assert_eq!(sizes("production"), (json!("3"), json!("6"), json!("12"), json!(3), json!(2)));
}

#[test]
fn the_image_comes_from_an_ssm_parameter() {
    let docs = docs();
    for stage in &STAGES {
        let doc = &docs[&format!("render-fleet-{}", stage.name)];
        let data = &only_resource(doc, "AWS::EC2::LaunchTemplate")["Properties"]["LaunchTemplateData"];
        let param = data["ImageId"]["Ref"].as_str().expect("ImageId is a Ref");
        let param = &doc["Parameters"][param];
        assert_eq!(param["Type"], "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>");
        assert_eq!(param["Default"], IMAGE_PARAMETER);
        // The auto scaling group launches that template, in the private subnets.
        let asg = &only_resource(doc, "AWS::AutoScaling::AutoScalingGroup")["Properties"];
        let template = resources_of_type(doc, "AWS::EC2::LaunchTemplate").next().unwrap().0;
        assert_eq!(asg["LaunchTemplate"]["LaunchTemplateId"]["Ref"], template.as_str());
        assert_eq!(
            asg["VPCZoneIdentifier"],
            json!([
                {"Fn::ImportValue": "render-network:main-instances-1:SubnetId"},
                {"Fn::ImportValue": "render-network:main-instances-2:SubnetId"}
            ])
        );
    }
}

#[test]
fn a_deployment_rolls_the_new_image_out_to_every_instance() {
    let docs = docs();
    for stage in &STAGES {
        let doc = &docs[&format!("render-fleet-{}", stage.name)];
        let asg = only_resource(doc, "AWS::AutoScaling::AutoScalingGroup");
        let template = resources_of_type(doc, "AWS::EC2::LaunchTemplate").next().unwrap().0;
        // A new image makes a new launch template version, which the group launches...
        assert_eq!(
            asg["Properties"]["LaunchTemplate"]["Version"],
            json!({"Fn::GetAtt": [template, "LatestVersionNumber"]})
        );
        // ...and rolls out to its running instances, a batch at a time, keeping the
        // stage's minimum at work.
        let rolling = &asg["UpdatePolicy"]["AutoScalingRollingUpdate"];
        assert_eq!(rolling["MinInstancesInService"], stage.min, "{}: {rolling}", stage.name);
        assert_eq!(rolling["MaxBatchSize"], stage.batch, "{}: {rolling}", stage.name);
        assert!(rolling["PauseTime"].as_str().unwrap().starts_with("PT"));
        // CloudFormation refuses a rolling update that keeps MaxSize instances in service.
        assert!(stage.min < stage.max, "{}: no room for a replacement", stage.name);
        assert!((1..=stage.desired).contains(&stage.batch), "{}: batch {}", stage.name, stage.batch);
        // And without a deployment, no instance outlives a week.
        assert_eq!(asg["Properties"]["MaxInstanceLifetime"], MAX_INSTANCE_LIFETIME);
    }
}
