//! Synthesis runs the analysis engine: errors stop it, warnings and suppressed findings
//! travel with the assembly, and suppressions made in the API reach the templates.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence::analyze::Severity;
use ringfence::{App, Error, Peer, Port, SubnetGroup, VpcSpec};

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
    let Error::Check(f) = &err.errors[0] else { panic!("{err}") };
    assert_eq!((f.check, f.severity, f.template.as_str()), ("RF301", Severity::Error, "ops-jump"));
    assert!(f.logical_id.starts_with("JumpSecurityGroup"));
    assert_eq!(f.path, "Properties.SecurityGroupIngress[0]");
    assert!(f.message.contains("22 (SSH)"), "{}", f.message);
    let dir = tempfile::tempdir().unwrap();
    assert!(app.synth_to(dir.path(), false).is_err());
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing is written");
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
