//! Issue 11, items 3 and 4: what would fail at deploy time is a typed error naming the
//! construct, and synthesis reports every error at once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use ringfence::{App, Error, Peer, Port, Props, Role, SubnetGroup, Vpc, VpcSpec, MAX_AZS_IN_A_REGION};

fn spec() -> VpcSpec {
    VpcSpec::new("10.0.0.0/16").unwrap().subnets(SubnetGroup::isolated("data", 24))
}

fn vpc_error(spec: VpcSpec) -> String {
    let app = App::new("shop");
    let mut s = app.stack("network").unwrap();
    match s.vpc("main", spec) {
        Err(e @ Error::InvalidVpc { .. }) => {
            assert!(e.to_string().starts_with("network/main"), "{e}");
            e.to_string()
        }
        other => panic!("expected InvalidVpc, got {other:?}"),
    }
}

#[test]
fn more_azs_than_any_region_has_is_refused_at_once() {
    assert_eq!(MAX_AZS_IN_A_REGION, 6);
    let app = App::new("shop");
    let mut s = app.stack("network").unwrap();
    s.vpc("six", spec().azs(6)).unwrap();
    for n in [7, 100_000, usize::MAX] {
        let e = vpc_error(spec().azs(n));
        assert!(e.contains(&format!("spans {n} AZs")) && e.contains("no Region has more than 6"), "{e}");
    }
    let names = ["a", "b", "c", "d", "e", "f", "g"].map(|l| format!("us-east-1{l}"));
    let e = vpc_error(spec().az_names(names.iter().map(String::as_str)));
    assert!(e.contains("spans 7 AZs"), "{e}");
}

#[test]
fn an_empty_az_list_is_an_error_not_the_default() {
    let e = vpc_error(spec().az_names([]));
    assert!(e.contains("names no AZs"), "{e}");
}

#[test]
fn explicit_cidrs_must_match_the_declared_prefix() {
    let group = SubnetGroup::isolated("data", 24).cidrs(["10.0.200.0/25", "10.0.201.0/25"]);
    let e = vpc_error(VpcSpec::new("10.0.0.0/16").unwrap().subnets(group));
    assert!(e.starts_with("network/main/data") && e.contains("declared /24") && e.contains("/25"), "{e}");
    let ok = SubnetGroup::isolated("data", 24).cidrs(["10.0.200.0/24", "10.0.201.0/24"]);
    App::new("shop")
        .stack("n")
        .unwrap()
        .vpc("main", VpcSpec::new("10.0.0.0/16").unwrap().subnets(ok))
        .unwrap();
}

#[test]
fn a_group_cannot_be_named_default_in_any_case() {
    let app = App::new("shop");
    let mut s = app.stack("network").unwrap();
    let vpc = s.vpc("main", spec()).unwrap();
    for name in ["default", "DEFAULT", "Default"] {
        let e = s.security_group(&vpc, Role::new(name).without_environment(), "The default").unwrap_err();
        assert!(
            matches!(&e, Error::InvalidGroupName { construct, .. } if construct == &format!("network/{name}")),
            "{e}"
        );
    }
    // With the environment it is another name.
    let app = App::new("shop").environment("production");
    let mut s = app.stack("network").unwrap();
    let vpc = s.vpc("main", spec()).unwrap();
    s.security_group(&vpc, "default", "Default role of production").unwrap();
}

#[test]
fn group_names_that_differ_only_by_case_collide_in_one_vpc() {
    let app = App::new("shop");
    let mut s = app.stack("network").unwrap();
    let one = s.vpc("one", spec()).unwrap();
    let two = s
        .vpc("two", VpcSpec::new("10.1.0.0/16").unwrap().subnets(SubnetGroup::isolated("data", 24)))
        .unwrap();
    s.security_group(&one, Role::new("bots").without_environment(), "Bots").unwrap();
    let e = s.security_group(&one, Role::new("Bots-x").without_environment(), "Bots again");
    assert!(e.is_ok(), "a different name");
    let mut other = app.stack("other").unwrap();
    let e = other.security_group(&one, Role::new("BOTS").without_environment(), "Bots again").unwrap_err();
    assert!(
        matches!(&e, Error::DuplicateGroupName { construct, existing, .. } if construct == "other/BOTS" && existing == "network/bots"),
        "{e}"
    );
    // Another VPC has names of its own.
    other.security_group(&two, Role::new("BOTS").without_environment(), "Bots of the other VPC").unwrap();
}

#[test]
fn rules_and_group_sets_stay_in_one_vpc() {
    let app = App::new("shop");
    let mut s = app.stack("network").unwrap();
    let one = s.vpc("one", spec()).unwrap();
    let two = s
        .vpc("two", VpcSpec::new("10.1.0.0/16").unwrap().subnets(SubnetGroup::isolated("data", 24)))
        .unwrap();
    let web = s.security_group(&one, "web", "Web servers").unwrap();
    let db = s.security_group(&two, "db", "Database").unwrap();
    let e = s.allow_ingress(&db, Peer::group(&web), Port::POSTGRES, "Web servers").unwrap_err();
    assert!(matches!(&e, Error::CrossVpc { construct, .. } if construct == "network/db"), "{e}");
    assert!(e.to_string().contains("network/one") && e.to_string().contains("network/two"), "{e}");
    let e = s.group_set("tasks", [&web, &db]).unwrap_err();
    assert!(matches!(&e, Error::CrossVpc { construct, .. } if construct == "network/tasks"), "{e}");
    // External groups and VPCs are not known, so they are not refused.
    let outside = Vpc::from_id("vpc-0a1b2c3d").unwrap();
    let legacy = s.security_group(&outside, "legacy", "Legacy hosts").unwrap();
    let e = s.allow_ingress(&legacy, Peer::group(&web), Port::HTTPS, "Web servers").unwrap_err();
    assert!(matches!(e, Error::CrossVpc { .. }), "an app VPC and an external VPC differ: {e}");
    s.allow_ingress(&db, Peer::group(&db), Port::POSTGRES, "Replicas").unwrap();
}

#[test]
fn environment_names_that_break_stack_names_are_refused() {
    for env in ["", "-prod", "prod-"] {
        let e = App::new("shop").environment(env).stack("network").err().unwrap();
        assert!(
            matches!(&e, Error::InvalidEnvironment { app, environment, .. } if app == "shop" && environment == env),
            "{e}"
        );
    }
    assert!(App::new("shop").environment("eu-1").stack("network").is_ok());
}

#[test]
fn a_stack_without_resources_is_refused_with_the_other_errors() {
    let app = App::new("shop");
    let mut web = app.stack("web").unwrap();
    web.string_parameter("domain", "Domain of the shop", None).unwrap();
    let mut ok = app.stack("queue").unwrap();
    ok.resource("jobs", "AWS::SQS::Queue", Props::new()).unwrap();
    let err = app.synth().unwrap_err();
    assert_eq!(err.errors.len(), 1, "{err}");
    assert!(matches!(&err.errors[0], Error::EmptyStack { stack } if stack == "shop-web"), "{err}");
}

/// Item 4: a reference error no longer hides the check errors behind it.
#[test]
fn every_error_is_reported_not_only_the_first_kind() {
    let app = App::new("chat");
    let mut net = app.stack("network").unwrap();
    let vpc = net.vpc("main", spec()).unwrap();
    net.share(&vpc).unwrap();
    let db = net.security_group(&vpc, "chat-db", "Chat history").unwrap(); // not shared
    net.allow_ingress(&db, Peer::any_ipv4(), Port::RDP, "Admins from anywhere").unwrap();
    let mut bot = app.stack("bot").unwrap();
    let own = bot.security_group(&vpc, "bot", "Bot tasks").unwrap();
    bot.allow_egress(&own, Peer::group(&db), Port::POSTGRES, "History").unwrap();
    bot.allow_ingress(&own, Peer::any_ipv4(), Port::SSH, "Operators from anywhere").unwrap();
    let mut empty = app.stack("empty").unwrap();
    empty.describe("Nothing yet").unwrap();
    let err = app.synth().unwrap_err();
    let kinds: Vec<String> = err
        .errors
        .iter()
        .map(|e| match e {
            Error::NotShared { .. } => "not-shared".to_owned(),
            Error::EmptyStack { stack } => format!("empty {stack}"),
            Error::Check { finding: f, .. } => format!("{} {}", f.check, f.template),
            other => format!("{other:?}"),
        })
        .collect();
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(sorted, ["RF301 chat-bot", "RF301 chat-network", "empty chat-empty", "not-shared"], "{err}");
}
