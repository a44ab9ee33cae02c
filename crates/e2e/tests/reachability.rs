//! Who can reach whom in the examples, answered by the analysis engine over the
//! synthesized templates.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[allow(dead_code)] // only the builders are used here
#[path = "../../../examples/chat_bots.rs"]
mod chat_bots;
#[allow(dead_code)]
#[path = "../../../examples/three_tier.rs"]
mod three_tier;

use std::net::IpAddr;

use ringfence::analyze::reach::{reach, Endpoint, Layer};
use ringfence::analyze::{Model, Obj, Protocol, Suite};

fn service(model: &Model<'_>, stack: &str, ty: &str) -> Endpoint {
    let w = model
        .workloads
        .iter()
        .find(|w| model.stack_name(w.at.stack) == stack && w.resource_type == ty)
        .unwrap_or_else(|| panic!("no {ty} in {stack}"));
    Endpoint::workload(model, stack, w.at.id.as_str()).unwrap()
}

fn at(model: &Model<'_>, groups: &[&str], subnet: &str) -> Endpoint {
    let groups: Vec<Obj> =
        groups.iter().map(|g| model.find_group(g).unwrap_or_else(|| panic!("no group {g}"))).collect();
    Endpoint::in_subnet(
        model,
        groups,
        model.find_subnet(subnet).unwrap_or_else(|| panic!("no subnet {subnet}")),
    )
}

fn chat() -> Suite {
    chat_bots::build("production", &chat_bots::BOTS).unwrap().synth().unwrap().suite()
}

#[test]
fn bots_reach_exactly_the_services_they_declare() {
    let suite = chat();
    let m = Model::build(&suite);
    let db = at(&m, &["chat-db-production"], "chat-main-production/data-1");
    let cache = at(&m, &["cache-production"], "chat-main-production/data-2");
    let trivia = service(&m, "chat-bot-trivia-production", "AWS::ECS::Service");
    let dice = service(&m, "chat-bot-dice-production", "AWS::ECS::Service");
    let quiz = service(&m, "chat-bot-quiz-production", "AWS::ECS::Service");

    let a = reach(&m, &trivia, &db, Protocol::Tcp, 5432);
    assert!(a.allowed, "{a:#?}");
    assert!(a.steps.iter().any(|s| s.layer == Layer::DestinationNaclIn && s.allowed));
    assert!(reach(&m, &quiz, &cache, Protocol::Tcp, 6379).allowed);
    assert!(reach(&m, &quiz, &db, Protocol::Tcp, 5432).allowed);

    // The cache admits the bots role, but trivia's own group does not let it out there.
    let a = reach(&m, &trivia, &cache, Protocol::Tcp, 6379);
    assert!(!a.allowed);
    assert_eq!(a.steps.last().unwrap().layer, Layer::GroupsOut);
    let a = reach(&m, &dice, &db, Protocol::Tcp, 5432);
    assert!(!a.allowed && a.steps.last().unwrap().layer == Layer::GroupsOut);
    // Not on other ports either.
    assert!(!reach(&m, &trivia, &db, Protocol::Tcp, 22).allowed);
}

#[test]
fn nothing_reaches_the_data_tier_from_the_public_subnets() {
    let suite = chat();
    let m = Model::build(&suite);
    let db = at(&m, &["chat-db-production"], "chat-main-production/data-1");
    for public in ["chat-main-production/public-1", "chat-main-production/public-2"] {
        // Even a task of the trivia bot, in its groups, misplaced in a public subnet: the
        // groups let it through, the data NACL admits only the task subnets.
        let intruder = at(&m, &["bot-trivia-production", "bots-production"], public);
        let a = reach(&m, &intruder, &db, Protocol::Tcp, 5432);
        assert!(!a.allowed, "{a:#?}");
        assert_eq!(a.steps.last().unwrap().layer, Layer::DestinationNaclIn);
    }
    let from_internet = Endpoint::internet("203.0.113.9".parse::<IpAddr>().unwrap());
    assert!(!reach(&m, &from_internet, &db, Protocol::Tcp, 5432).allowed);
}

#[test]
fn bots_reach_the_internet_on_https_only() {
    let suite = chat();
    let m = Model::build(&suite);
    let trivia = service(&m, "chat-bot-trivia-production", "AWS::ECS::Service");
    let api = Endpoint::internet("198.51.100.20".parse::<IpAddr>().unwrap());
    let a = reach(&m, &trivia, &api, Protocol::Tcp, 443);
    assert!(a.allowed, "{a:#?}");
    assert_eq!(a.steps.last().unwrap().layer, Layer::Route, "out through the NAT gateway");
    assert!(!reach(&m, &trivia, &api, Protocol::Tcp, 80).allowed);
}

#[test]
fn three_tier_flows_follow_the_tiers() {
    let suite = three_tier::build("production").unwrap().synth().unwrap().suite();
    let m = Model::build(&suite);
    let lb = service(&m, "store-web-production", "AWS::ElasticLoadBalancingV2::LoadBalancer");
    let app = at(&m, &["app-production"], "store-main-production/app-1");
    let db = at(&m, &["db-production"], "store-main-production/data-1");
    let internet = Endpoint::internet("203.0.113.50".parse::<IpAddr>().unwrap());
    assert!(reach(&m, &internet, &lb, Protocol::Tcp, 443).allowed);
    assert!(reach(&m, &lb, &app, Protocol::Tcp, 8080).allowed);
    assert!(reach(&m, &app, &db, Protocol::Tcp, 5432).allowed);
    assert!(!reach(&m, &internet, &app, Protocol::Tcp, 8080).allowed);
    assert!(
        !reach(&m, &lb, &db, Protocol::Tcp, 5432).allowed,
        "the load balancer never talks to the database"
    );
    let public_host = at(&m, &["app-production"], "store-main-production/public-1");
    let a = reach(&m, &public_host, &db, Protocol::Tcp, 5432);
    assert!(!a.allowed && a.steps.last().unwrap().layer == Layer::DestinationNaclIn, "{a:#?}");
}
