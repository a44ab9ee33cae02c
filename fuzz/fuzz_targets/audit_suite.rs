//! Any bytes into the whole audit: split into up to 4 templates, each read (those that
//! fail to read are left out, as the CLI reports and skips them), then the suite built,
//! analyzed, drawn in DOT and Mermaid, and a few reachability questions asked between
//! the first groups, subnets and workloads found. Never a panic; every finding names a
//! known check and a template of the suite.
//!
//! Templates are separated by the byte 0xFF, which never occurs in UTF-8 text, so seeds
//! are plain template files joined with it (see `fuzz/seed.sh`).
#![no_main]

use std::net::{IpAddr, Ipv4Addr};

use libfuzzer_sys::fuzz_target;
use ringfence_analyze::reach::{reach, Endpoint};
use ringfence_analyze::{analyze_model, diagram, Model, Obj, Protocol, Suite, CHECKS};
use ringfence_cfn::Template;

/// Stack names: the first is `network`, the default of the legacy bots'
/// `NetworkStackName` parameter, so seeds from `legacy/chat-platform` resolve imports.
const STACKS: [&str; 4] = ["network", "bots", "data", "edge"];

const FLOWS: [(Protocol, i32); 5] = [
    (Protocol::Tcp, 443),
    (Protocol::Udp, 53),
    (Protocol::Icmp, 8),
    (Protocol::All, 0),
    (Protocol::Tcp, 5432),
];

fuzz_target!(|data: &[u8]| {
    let mut suite = Suite::new();
    for (i, part) in data.split(|&b| b == 0xFF).take(STACKS.len()).enumerate() {
        let text = String::from_utf8_lossy(part);
        if let Ok(t) = Template::parse(&text) {
            suite.add(STACKS[i], &format!("{}.yaml", STACKS[i]), t);
        }
    }
    if suite.templates().is_empty() {
        return;
    }
    let model = Model::build(&suite);
    let report = analyze_model(&model);
    for f in &report.findings {
        assert!(CHECKS.iter().any(|c| c.id == f.check), "unknown check {}", f.check);
        assert!(suite.templates().iter().any(|t| t.stack == f.template), "unknown template {}", f.template);
    }
    let _ = diagram::dot(&model);
    let _ = diagram::mermaid(&model);

    // Reachability between the first two groups found, each placed in the first subnets
    // found in turn (so that NACLs and routes are evaluated too), and to and from the
    // Internet.
    let groups: Vec<Obj> =
        model.groups.iter().take(2).map(|g| Obj::Local { stack: g.at.stack, id: g.at.id.clone() }).collect();
    let subnets: Vec<Obj> =
        model.subnets.iter().take(4).map(|s| Obj::Local { stack: s.at.stack, id: s.at.id.clone() }).collect();
    let endpoint = |group: usize, subnet: Option<&Obj>| {
        let groups: Vec<Obj> = groups.get(group).cloned().into_iter().collect();
        match subnet {
            Some(s) => Endpoint::in_subnet(&model, groups, s.clone()),
            None => Endpoint { groups, subnet: None, address: Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5))) },
        }
    };
    let places: Vec<Option<&Obj>> =
        if subnets.is_empty() { vec![None] } else { subnets.iter().map(Some).collect() };
    let internet = Endpoint::internet(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)));
    let mut pairs = Vec::new();
    if !groups.is_empty() {
        for (i, &a) in places.iter().enumerate() {
            let b = places[(i + 1) % places.len()];
            if groups.len() == 2 {
                pairs.push((endpoint(0, a), endpoint(1, b)));
            }
            pairs.push((internet.clone(), endpoint(0, a)));
            pairs.push((endpoint(0, a), internet.clone()));
        }
    }
    // And between the first two workloads, as `ringfence reach` asks.
    let workloads: Vec<Endpoint> = model
        .workloads
        .iter()
        .take(2)
        .filter_map(|w| Endpoint::workload(&model, model.stack_name(w.at.stack), w.at.id.as_str()))
        .collect();
    if let [a, b] = workloads.as_slice() {
        pairs.push((a.clone(), b.clone()));
    }
    for (from, to) in &pairs {
        for (proto, port) in FLOWS {
            let answer = reach(&model, from, to, proto, port);
            assert!(!answer.steps.is_empty());
        }
    }
});
