//! Synthesis runs the analysis engine: errors stop it, each naming the construct its
//! resource was derived for, warnings and suppressed findings travel with the assembly,
//! and suppressions made in the API reach the templates.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence::analyze::Severity;
use ringfence::cfn::Value;
use ringfence::{App, Error, Peer, Port, Props, SubnetGroup, VpcSpec};

fn app_with_open_ssh() -> (App, ringfence::Stack, ringfence::SecurityGroup) {
    let app = App::new("ops");
    let mut s = app.stack("jump").unwrap();
    let vpc = s
        .vpc("main", VpcSpec::new("10.0.0.0/16").unwrap().subnets(SubnetGroup::public("public", 24)))
        .unwrap();
    let jump = s.security_group(&vpc, "jump", "Jump host").unwrap();
    s.allow_ingress(&jump, Peer::any_ipv4(), Port::SSH, "Operators from anywhere").unwrap();
    (app, s, jump)
}

#[test]
fn an_error_finding_stops_synthesis_and_names_the_resource() {
    let (app, _, _) = app_with_open_ssh();
    let err = app.synth().unwrap_err();
    assert_eq!(err.errors.len(), 1, "{err}");
    let Error::Check { construct, finding: f } = &err.errors[0] else { panic!("{err}") };
    assert_eq!(construct, "jump/jump");
    assert_eq!((f.check, f.severity, f.template.as_str()), ("RF301", Severity::Error, "ops-jump"));
    assert!(f.logical_id.starts_with("JumpSecurityGroup"));
    assert_eq!(f.path, "Properties.SecurityGroupIngress[0]");
    assert!(f.message.contains("22 (SSH)"), "{}", f.message);
    let dir = tempfile::tempdir().unwrap();
    assert!(app.synth_to(dir.path(), false).is_err());
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing is written");
}

#[test]
fn a_rule_finding_names_the_group_of_the_rule() {
    let (app, _, _) = app_with_open_ssh();
    let err = app.synth().unwrap_err();
    assert_eq!(
        err.errors[0].to_string(),
        "jump/jump: error RF301 ops-jump/JumpSecurityGroup42250056 Properties.SecurityGroupIngress[0]: \
         opens 22 (SSH) to the whole Internet; admit administration only from a bastion's group or an \
         administration range, and data ports only from the groups of their clients"
    );
}

#[test]
fn a_group_finding_and_a_resource_finding_name_their_constructs() {
    let app = App::new("chat").environment("staging");
    let mut network = app.stack("network").unwrap();
    let vpc = network.vpc("main", VpcSpec::new("10.20.0.0/16").unwrap()).unwrap();
    network.security_group(&vpc, "bots", "Every bot task").unwrap();
    let db = network.security_group(&vpc, "chat-db", "Chat history PostgreSQL").unwrap();
    network.allow_ingress(&db, Peer::any_ipv6(), Port::ALL_TRAFFIC, "Everyone, for now").unwrap();
    let ids: Vec<String> = (0..17).map(|i| format!("sg-0123456789abcde{i:02x}")).collect();
    network
        .resource("host", "AWS::EC2::Instance", Props::new().set("SecurityGroupIds", Value::from(ids)))
        .unwrap();
    let err = app.synth().unwrap_err();
    let messages: Vec<String> = err.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "network/chat-db: error RF302 chat-network-staging/ChatDbSecurityGroup7FF5D55A \
             Properties.SecurityGroupIngress[0]: admits all traffic from the whole Internet; admit only \
             the ports the service listens on, from the peers that need them",
            "network/host: error RF402 chat-network-staging/Host64B69267 Properties: joins 17 groups; an \
             interface takes at most 16; merge roles into fewer groups",
        ]
    );
}

#[test]
fn a_suppressed_finding_is_kept_with_its_reason() {
    let (app, mut s, jump) = app_with_open_ssh();
    s.suppress(&jump, "RF301", "Break-glass host, powered off unless an incident is open").unwrap();
    let assembly = app.synth().unwrap();
    let f = assembly.findings().iter().find(|f| f.check == "RF301").unwrap();
    assert_eq!(f.suppressed.as_deref(), Some("Break-glass host, powered off unless an incident is open"));
    assert_eq!(assembly.warnings().count(), 0);
    let json = assembly.stacks()[0].template.to_json();
    assert!(json.contains("\"ringfence\": {"), "{json}");
    assert!(json.contains("\"id\": \"RF301\""));
}

#[test]
fn suppressions_are_checked() {
    let (app, mut s, jump) = app_with_open_ssh();
    let e = s.suppress(&jump, "RF999", "x").unwrap_err();
    assert!(e.to_string().starts_with("jump/jump: `RF999` is not a check id; checks are RF"), "{e}");
    assert!(matches!(s.suppress(&jump, "RF301", " "), Err(Error::InvalidDescription { .. })));
    let mut other = app.stack("other").unwrap();
    assert!(matches!(other.suppress(&jump, "RF301", "not mine"), Err(Error::ForeignObject { .. })));
}

#[test]
fn subnets_can_accept_the_default_nacl() {
    let app = App::new("n");
    let mut s = app.stack("net").unwrap();
    let vpc = s
        .vpc("main", VpcSpec::new("10.0.0.0/16").unwrap().subnets(SubnetGroup::public("public", 24)))
        .unwrap();
    let before = app.synth().unwrap();
    assert_eq!(before.findings().iter().filter(|f| f.check == "RF503" && f.suppressed.is_none()).count(), 2);
    s.suppress(&vpc.subnet_group("public").unwrap(), "RF503", "Only load balancers live here").unwrap();
    let after = app.synth().unwrap();
    let rf503: Vec<_> = after.findings().iter().filter(|f| f.check == "RF503").collect();
    assert_eq!(rf503.len(), 2);
    assert!(rf503.iter().all(|f| f.suppressed.is_some()));
}
