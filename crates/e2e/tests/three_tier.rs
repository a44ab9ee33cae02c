//! The three_tier example: snapshots of every template, DESIGN.md's invariants, and the
//! scenario's own promises read from the written JSON: each tier is reachable only from
//! the one in front of it, and the data subnets' network ACL says the same; the database
//! is snapshotted before it goes, the app tier rolls out a new image on deploy, and the
//! certificate is given at deploy time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;
#[path = "../../../examples/three_tier.rs"]
mod three_tier;

use std::collections::BTreeSet;

use ringfence::Assembly;
use serde_json::{json, Value};
use support::{group_id, of_type, rule, tcp, Rule};
use three_tier::{build, APP_MIN};

fn synth(env: &str) -> Assembly {
    support::synthesized(build(env))
}

fn network() -> Value {
    support::documents(&synth("production")).remove("store-network-production").expect("network stack")
}

/// The one resource of type `ty` in a template (the whole resource, attributes and all),
/// with its logical id.
fn only<'a>(doc: &'a Value, ty: &str) -> (&'a str, &'a Value) {
    let found: Vec<(&str, &Value)> = doc["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .map(|(id, r)| (id.as_str(), r))
        .collect();
    assert_eq!(found.len(), 1, "one {ty}: {found:#?}");
    found[0]
}

/// The keys a rule of this app may name its peer with (no prefix lists: a rule with one
/// fails the test).
const PEERS: [&str; 4] = ["CidrIp", "CidrIpv6", "SourceSecurityGroupId", "DestinationSecurityGroupId"];

/// Every rule of one group in one direction (`Ingress` or `Egress`), inline or
/// standalone, without EC2's no-traffic placeholder.
fn rules(doc: &Value, group: &str, direction: &str) -> BTreeSet<Rule> {
    let groups = of_type(doc, "AWS::EC2::SecurityGroup");
    let inline = groups[group][format!("SecurityGroup{direction}")].as_array().cloned().unwrap_or_default();
    let standalone = of_type(doc, &format!("AWS::EC2::SecurityGroup{direction}"))
        .into_values()
        .filter(|p| p["GroupId"] == json!({"Fn::GetAtt": [group, "GroupId"]}))
        .cloned();
    inline
        .iter()
        .chain(standalone.collect::<Vec<_>>().iter())
        .map(|p| rule(p, &PEERS))
        .filter(|r| r.3 != "255.255.255.255/32")
        .collect()
}

/// The CIDRs of the subnets whose `Name` tag is `<vpc tag>/<group>-<n>`.
fn subnet_cidrs(doc: &Value, group: &str) -> BTreeSet<String> {
    of_type(doc, "AWS::EC2::Subnet")
        .into_values()
        .filter(|p| {
            let name = p["Tags"][0]["Value"].as_str().unwrap();
            name.rsplit('/').next().unwrap().rsplit_once('-').unwrap().0 == group
        })
        .map(|p| p["CidrBlock"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn snapshots_of_every_template() {
    support::assert_assembly_snapshots!("three_tier", synth("production"));
}

#[test]
fn every_template_keeps_the_invariants() {
    support::assert_invariants_and_order(synth, |env| {
        vec![format!("store-network-{env}"), format!("store-data-{env}"), format!("store-web-{env}")]
    });
}

#[test]
fn two_runs_write_byte_identical_folders() {
    support::assert_two_runs_write_byte_identical_folders(
        || build("production").unwrap(),
        7,
        "manifest + 3 JSON + 3 YAML",
    );
}

#[test]
fn the_data_acl_admits_only_the_app_subnets_on_postgres_and_their_replies() {
    let doc = network();
    let app = subnet_cidrs(&doc, "app");
    let data = subnet_cidrs(&doc, "data");
    assert_eq!(app.len(), 2, "one app subnet per AZ: {app:?}");
    assert_eq!(data.len(), 2, "one data subnet per AZ: {data:?}");

    let acls = of_type(&doc, "AWS::EC2::NetworkAcl");
    assert_eq!(acls.len(), 1);
    let acl = json!({ "Ref": acls.keys().next().unwrap() });

    // Associated with the data subnets, and only with them.
    let subnets = of_type(&doc, "AWS::EC2::Subnet");
    let associated: BTreeSet<String> = of_type(&doc, "AWS::EC2::SubnetNetworkAclAssociation")
        .into_values()
        .filter(|p| p["NetworkAclId"] == acl)
        .map(|p| subnets[p["SubnetId"]["Ref"].as_str().unwrap()]["CidrBlock"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(associated, data);

    let entries: Vec<&Value> = of_type(&doc, "AWS::EC2::NetworkAclEntry")
        .into_values()
        .filter(|p| p["NetworkAclId"] == acl)
        .collect();
    let (ingress, egress): (Vec<&Value>, Vec<&Value>) = entries.iter().partition(|p| p["Egress"] == false);
    assert_eq!(ingress.len(), app.len(), "one allow per app subnet: {ingress:#?}");
    assert_eq!(egress.len(), ingress.len(), "one return entry per allow: {egress:#?}");
    for e in &entries {
        assert_eq!(e["RuleAction"], "allow", "{e}");
        assert_eq!(e["Protocol"], 6, "TCP only: {e}");
        assert!(app.contains(e["CidrBlock"].as_str().unwrap()), "names only app subnets: {e}");
    }
    let cidrs: BTreeSet<&str> = ingress.iter().map(|e| e["CidrBlock"].as_str().unwrap()).collect();
    assert_eq!(cidrs, app.iter().map(String::as_str).collect(), "every app subnet is admitted");
    for allow in &ingress {
        assert_eq!(allow["PortRange"], json!({"From": 5432, "To": 5432}), "PostgreSQL only: {allow}");
        let back = egress
            .iter()
            .find(|e| e["RuleNumber"] == allow["RuleNumber"])
            .unwrap_or_else(|| panic!("no return entry numbered like {allow}"));
        assert_eq!(back["CidrBlock"], allow["CidrBlock"], "the reply goes back where the request came from");
        assert_eq!(back["PortRange"], json!({"From": 1024, "To": 65535}), "to ephemeral ports: {back}");
    }
}

#[test]
fn each_tier_admits_only_the_tier_in_front_of_it() {
    let doc = network();
    let (lb, app, db) = (
        group_id(&doc, "lb-web-production"),
        group_id(&doc, "app-production"),
        group_id(&doc, "db-production"),
    );
    let (lb_peer, app_peer, db_peer) = (format!("sg:{lb}"), format!("sg:{app}"), format!("sg:{db}"));

    assert_eq!(rules(&doc, &lb, "Ingress"), BTreeSet::from([tcp(443, "0.0.0.0/0"), tcp(80, "0.0.0.0/0")]));
    assert_eq!(rules(&doc, &lb, "Egress"), BTreeSet::from([tcp(8080, &app_peer)]));

    assert_eq!(rules(&doc, &app, "Ingress"), BTreeSet::from([tcp(8080, &lb_peer)]));
    assert_eq!(rules(&doc, &app, "Egress"), BTreeSet::from([tcp(5432, &db_peer), tcp(443, "0.0.0.0/0")]));

    // Nothing in the db group admits anything but the app group, and it sends nothing.
    assert_eq!(rules(&doc, &db, "Ingress"), BTreeSet::from([tcp(5432, &app_peer)]));
    assert_eq!(rules(&doc, &db, "Egress"), BTreeSet::new());
    let placeholder = &of_type(&doc, "AWS::EC2::SecurityGroup")[db.as_str()]["SecurityGroupEgress"];
    assert_eq!(placeholder.as_array().unwrap().len(), 1);
    assert_eq!(placeholder[0]["CidrIp"], "255.255.255.255/32");
}

#[test]
fn service_stacks_only_use_what_the_network_shares() {
    let docs = support::documents(&synth("production"));
    for name in ["store-data-production", "store-web-production"] {
        let doc = &docs[name];
        for (id, r) in doc["Resources"].as_object().unwrap() {
            let ty = r["Type"].as_str().unwrap();
            assert!(!ty.starts_with("AWS::EC2::SecurityGroup"), "{name}/{id} is a network object: {ty}");
            assert!(!ty.starts_with("AWS::EC2::NetworkAcl"), "{name}/{id} is a network object: {ty}");
            assert!(!ty.starts_with("AWS::EC2::Route"), "{name}/{id} is a network object: {ty}");
        }
    }

    let data = &docs["store-data-production"];
    let db = of_type(data, "AWS::RDS::DBInstance");
    let db = db.values().next().expect("a database");
    assert_eq!(db["VPCSecurityGroups"], json!([{"Fn::ImportValue": "store-network-production:db:GroupId"}]));
    assert_eq!(db["ManageMasterUserPassword"], true);
    assert!(db.get("MasterUserPassword").is_none(), "no literal password");
    assert_eq!(db["PubliclyAccessible"], false);
    let subnet_group = of_type(data, "AWS::RDS::DBSubnetGroup");
    assert_eq!(
        subnet_group.values().next().unwrap()["SubnetIds"],
        json!([
            {"Fn::ImportValue": "store-network-production:main-data-1:SubnetId"},
            {"Fn::ImportValue": "store-network-production:main-data-2:SubnetId"}
        ])
    );

    let web = &docs["store-web-production"];
    let lb = of_type(web, "AWS::ElasticLoadBalancingV2::LoadBalancer");
    let lb = lb.values().next().expect("a load balancer");
    assert_eq!(lb["Scheme"], "internet-facing");
    assert_eq!(lb["SecurityGroups"], json!([{"Fn::ImportValue": "store-network-production:lb-web:GroupId"}]));
    assert_eq!(
        lb["Subnets"],
        json!([
            {"Fn::ImportValue": "store-network-production:main-public-1:SubnetId"},
            {"Fn::ImportValue": "store-network-production:main-public-2:SubnetId"}
        ])
    );
    let template = of_type(web, "AWS::EC2::LaunchTemplate");
    let template = template.values().next().expect("a launch template");
    assert_eq!(
        template["LaunchTemplateData"]["SecurityGroupIds"],
        json!([{"Fn::ImportValue": "store-network-production:app:GroupId"}])
    );
}

#[test]
fn no_rule_opens_ssh() {
    // Operators use Session Manager: no rule of any group, in either direction, covers
    // port 22 (nor is any rule all-traffic, which would).
    let doc = network();
    let groups = of_type(&doc, "AWS::EC2::SecurityGroup");
    assert_eq!(groups.len(), 3);
    for group in groups.keys() {
        for direction in ["Ingress", "Egress"] {
            for (protocol, from, to, peer) in rules(&doc, group, direction) {
                assert_eq!(protocol, "tcp", "{group} {direction} {peer}");
                assert!(!(from..=to).contains(&22), "{group} {direction} {from}-{to} {peer}");
            }
        }
    }
}

#[test]
fn the_database_is_snapshotted_before_deletion_or_replacement() {
    for env in ["production", "staging"] {
        let docs = support::documents(&synth(env));
        let (_, db) = only(&docs[&format!("store-data-{env}")], "AWS::RDS::DBInstance");
        assert_eq!(db["DeletionPolicy"], "Snapshot", "{env}");
        assert_eq!(db["UpdateReplacePolicy"], "Snapshot", "{env}");
        assert_eq!(db["Properties"]["DeletionProtection"], env == "production", "{env}");
    }
}

#[test]
fn the_certificate_is_a_string_parameter_given_at_deploy_time() {
    let docs = support::documents(&synth("production"));
    let web = &docs["store-web-production"];
    let param = &web["Parameters"]["CertificateArn"];
    assert_eq!(param["Type"], "String");
    assert!(param.get("Default").is_none(), "no default: the operator gives it: {param}");
    assert!(!param["Description"].as_str().unwrap().is_empty());
    // No stack reads anything else from SSM but the public image parameter.
    for (stack, doc) in &docs {
        for (id, p) in doc["Parameters"].as_object().into_iter().flatten() {
            if p["Type"].as_str().unwrap().starts_with("AWS::SSM::") {
                assert_eq!(id, "Image", "{stack}/{id}: {p}");
            }
        }
    }
    let https: Vec<&Value> = of_type(web, "AWS::ElasticLoadBalancingV2::Listener")
        .into_values()
        .filter(|p| p["Protocol"] == "HTTPS")
        .collect();
    assert_eq!(https.len(), 1);
    assert_eq!(https[0]["Certificates"], json!([{"CertificateArn": {"Ref": "CertificateArn"}}]));
}

#[test]
fn the_app_tier_rolls_out_a_new_image_on_deploy() {
    let docs = support::documents(&synth("production"));
    let web = &docs["store-web-production"];
    let (_, asg) = only(web, "AWS::AutoScaling::AutoScalingGroup");
    let (template, _) = only(web, "AWS::EC2::LaunchTemplate");
    // The group launches the template's latest version: a new image makes a new version,
    // and the update policy replaces the running instances with it.
    assert_eq!(
        asg["Properties"]["LaunchTemplate"],
        json!({
            "LaunchTemplateId": {"Ref": template},
            "Version": {"Fn::GetAtt": [template, "LatestVersionNumber"]}
        })
    );
    let rolling = &asg["UpdatePolicy"]["AutoScalingRollingUpdate"];
    assert_eq!(rolling["MinInstancesInService"], APP_MIN, "{rolling}");
    assert_eq!(asg["Properties"]["MinSize"], APP_MIN.to_string());
    assert_eq!(rolling["MaxBatchSize"], 1, "{rolling}");
    let max: u32 = asg["Properties"]["MaxSize"].as_str().unwrap().parse().unwrap();
    assert!(APP_MIN < max, "room to launch a replacement before an instance goes");
    // Created after the HTTPS listener that forwards to its target group.
    let https = of_type(web, "AWS::ElasticLoadBalancingV2::Listener")
        .into_iter()
        .find(|(_, p)| p["Protocol"] == "HTTPS")
        .unwrap()
        .0;
    assert_eq!(asg["DependsOn"], json!([https]));
    let forwards = &of_type(web, "AWS::ElasticLoadBalancingV2::Listener")[https]["DefaultActions"][0];
    assert_eq!(forwards["TargetGroupArn"], asg["Properties"]["TargetGroupARNs"][0]);
}
