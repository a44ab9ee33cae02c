//! `Assembly::diff` over the example apps (issue #14): an app against itself changes
//! nothing; adding one bot stack adds exactly that stack and only that bot's flows, and
//! leaves the network stack unchanged; a 1,001-stack diff is timed (printed, not
//! asserted).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../../examples/chat_bots.rs"]
#[allow(dead_code)]
mod chat_bots;
#[path = "../../../examples/game_servers.rs"]
#[allow(dead_code)]
mod game_servers;
#[path = "../../../examples/immutable_fleet.rs"]
#[allow(dead_code)]
mod immutable_fleet;
#[path = "../../../examples/peers_and_ports.rs"]
#[allow(dead_code)]
mod peers_and_ports;
#[path = "../../../examples/scale.rs"]
#[allow(dead_code)]
mod scale;
mod support;
#[path = "../../../examples/three_tier.rs"]
#[allow(dead_code)]
mod three_tier;
#[path = "../../../examples/web_server.rs"]
#[allow(dead_code)]
mod web_server;

use std::time::Instant;

use ringfence::analyze::changes::Action;
use ringfence::analyze::flows::Endpoint;
use ringfence::Assembly;

#[test]
fn every_example_against_itself_changes_nothing() {
    for env in ["production", "staging"] {
        let apps: Vec<(&str, Assembly)> = vec![
            ("chat_bots", support::synthesized(chat_bots::build(env, &chat_bots::BOTS))),
            ("game_servers", support::synthesized(game_servers::build(env))),
            ("immutable_fleet", support::synthesized(immutable_fleet::build(env))),
            ("peers_and_ports", support::synthesized(peers_and_ports::build(env))),
            ("three_tier", support::synthesized(three_tier::build(env))),
            ("web_server", support::synthesized(web_server::build(env))),
            ("scale", support::synthesized(scale::build(20))),
        ];
        for (name, a) in &apps {
            let d = a.diff(a);
            assert!(d.is_empty(), "{name} ({env}) against itself: {d:#?}");
            assert_eq!(d.stacks.unchanged.len(), a.stacks().len(), "{name}");
            // Synthesized twice, the same app is the same suite.
        }
    }
    let again = support::synthesized(chat_bots::build("production", &chat_bots::BOTS));
    let first = support::synthesized(chat_bots::build("production", &chat_bots::BOTS));
    assert!(first.diff(&again).is_empty());
}

/// Whether a flow starts or ends at a workload of `stack`.
fn touches(e: &Endpoint, stack: &str) -> bool {
    matches!(e, Endpoint::Workload { stack: s, .. } if s == stack)
}

#[test]
fn adding_a_bot_adds_its_stack_and_only_its_flows() {
    let before = support::synthesized(chat_bots::build("production", &chat_bots::BOTS));
    let mut bots = chat_bots::BOTS.to_vec();
    bots.push(chat_bots::POLL);
    let after = support::synthesized(chat_bots::build("production", &bots));
    let d = before.diff(&after);
    let poll = "chat-bot-poll-production";
    assert_eq!(d.stacks.added, [poll]);
    assert!(d.stacks.removed.is_empty() && d.stacks.changed.is_empty(), "{:#?}", d.stacks);
    assert!(d.stacks.unchanged.contains(&"chat-network-production".to_owned()));
    assert!(!d.flows.opened.is_empty());
    for f in &d.flows.opened {
        assert!(touches(&f.from, poll) || touches(&f.to, poll), "a flow of another stack: {f}");
    }
    assert!(d.flows.closed.is_empty(), "{:#?}", d.flows.closed);
    assert!(d.replacements.is_empty() && d.failures.is_empty());
    let order: Vec<(&str, Action)> =
        d.order.as_ref().unwrap().iter().map(|s| (s.stack.as_str(), s.action)).collect();
    assert_eq!(order, [(poll, Action::Create)]);
    // And back: removing it closes exactly those flows.
    let back = after.diff(&before);
    assert_eq!(back.stacks.removed, [poll]);
    assert_eq!(back.flows.closed.len(), d.flows.opened.len());
    assert!(back.flows.opened.is_empty());
}

#[test]
fn a_thousand_and_one_stacks_diff_in_well_under_a_second() {
    // Debug builds are slow; the figure that counts is the release one
    // (`cargo test --release -p ringfence-e2e --test diff_of_apps -- --nocapture`).
    let bots = if cfg!(debug_assertions) { 200 } else { 1000 };
    let before = support::synthesized(scale::build(bots));
    let after = support::synthesized(scale::build(bots + 1));
    let start = Instant::now();
    let d = before.diff(&after);
    let took = start.elapsed();
    eprintln!("diff of {} and {} stacks: {took:.2?}", bots + 1, bots + 2);
    assert_eq!(d.stacks.added.len(), 1);
    let added = &d.stacks.added[0];
    assert!(d.flows.opened.iter().all(|f| touches(&f.from, added) || touches(&f.to, added)));
    assert!(d.flows.closed.is_empty());
}
