//! Property tests over generated apps: the invariants of DESIGN.md hold for every app,
//! not only the examples.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod support;

use proptest::prelude::*;
use ringfence::{
    App, Assembly, Error, GatewayService, NaclRule, Peer, Port, Props, SecurityGroup, Stack, SubnetGroup,
    SubnetKind, VpcSpec,
};

#[derive(Debug, Clone)]
enum PeerSpec {
    Cidr(u8, u8, u8),
    AnyV4,
    /// A group: (stack, group); the generator decides whether the stack may be later.
    Group(usize, usize),
}

#[derive(Debug, Clone)]
struct RuleSpec {
    stack: usize,
    group: usize,
    ingress: bool,
    peer: PeerSpec,
    port: u16,
}

#[derive(Debug, Clone)]
struct AppSpec {
    groups: Vec<usize>,
    rules: Vec<RuleSpec>,
}

/// Apps of 1-6 stacks with 1-4 groups each and up to 24 rules. With `backwards_only`,
/// a rule in stack s names groups of stacks <= s, so stacks form no cycle.
fn app_spec(backwards_only: bool) -> impl Strategy<Value = AppSpec> {
    prop::collection::vec(1usize..=4, 1..=6)
        .prop_flat_map(move |groups| {
            let n = groups.len();
            let g = groups.clone();
            let rule = (
                0..n,
                any::<prop::sample::Index>(),
                any::<bool>(),
                0u8..3,
                any::<(u8, u8, u8)>(),
                any::<prop::sample::Index>(),
                any::<prop::sample::Index>(),
                prop::sample::select(vec![22u16, 443, 5432, 6379, 0]),
            )
                .prop_map(move |(stack, gi, ingress, kind, (a, b, p), ts, tg, port)| {
                    let group = gi.index(g[stack]);
                    let peer = match kind {
                        0 => PeerSpec::Cidr(a, b, 8 + p % 25),
                        1 => PeerSpec::AnyV4,
                        _ => {
                            let t = if backwards_only { ts.index(stack + 1) } else { ts.index(n) };
                            PeerSpec::Group(t, tg.index(g[t]))
                        }
                    };
                    RuleSpec { stack, group, ingress, peer, port }
                });
            (Just(groups), prop::collection::vec(rule, 0..24))
        })
        .prop_map(|(groups, rules)| AppSpec { groups, rules })
}

/// Where to insert one more group (and one more rule on it) while building.
#[derive(Debug, Clone, Copy)]
struct Insert {
    stack: usize,
    before_group: usize,
}

fn port(p: u16) -> Port {
    if p == 0 {
        Port::ALL_TRAFFIC
    } else {
        Port::tcp(p)
    }
}

fn cidr(a: u8, b: u8, len: u8) -> Peer {
    let net: ipnet::Ipv4Net = format!("{a}.{b}.7.9/{len}").parse().unwrap();
    Peer::ipv4(&net.trunc().to_string()).unwrap()
}

/// The app, its stacks (None where left out) and their groups.
type Built = (App, Vec<Option<Stack>>, Vec<Vec<SecurityGroup>>);

/// Builds the app; `skip_stack` leaves one stack out (a consumer going away).
fn build(spec: &AppSpec, insert: Option<Insert>, skip_stack: Option<usize>) -> App {
    build_parts(spec, insert, skip_stack).0
}

fn build_parts(spec: &AppSpec, insert: Option<Insert>, skip_stack: Option<usize>) -> Built {
    let app = App::new("prop").environment("test");
    let mut stacks = Vec::new();
    let mut groups: Vec<Vec<SecurityGroup>> = Vec::new();
    let mut vpc = None;
    for (s, &count) in spec.groups.iter().enumerate() {
        if skip_stack == Some(s) {
            stacks.push(None);
            groups.push(Vec::new());
            continue;
        }
        let mut stack = app.stack(&format!("s{s}")).unwrap();
        let v = match &vpc {
            Some(v) => v,
            None => {
                let spec = VpcSpec::new("10.0.0.0/16")
                    .unwrap()
                    .subnets(SubnetGroup::public("public", 24))
                    .subnets(SubnetGroup::private("app", 20))
                    .subnets(SubnetGroup::isolated("data", 24));
                let v = stack.vpc("main", spec).unwrap();
                let acl = stack.network_acl(&v, "data-acl").unwrap();
                stack.associate_nacl(&acl, &v.subnet_group("data").unwrap()).unwrap();
                for (i, peer) in v.subnet_group("app").unwrap().peers().into_iter().enumerate() {
                    let rule = NaclRule::allow_in(100 + i as u32, peer, Port::POSTGRES, "app to data");
                    stack.nacl_allow_with_return(&acl, rule).unwrap();
                }
                stack.gateway_endpoint("s3", GatewayService::S3, &v.subnet_group("app").unwrap()).unwrap();
                stack.share(&v).unwrap();
                vpc.insert(v)
            }
        };
        let mut own = Vec::new();
        for g in 0..count {
            if insert.is_some_and(|i| i.stack == s && i.before_group == g) {
                let extra = stack.security_group(v, format!("s{s}extra").as_str(), "Inserted later").unwrap();
                stack.allow_egress(&extra, Peer::any_ipv4(), Port::HTTPS, "inserted").unwrap();
            }
            let group = stack.security_group(v, format!("s{s}g{g}").as_str(), "Generated role").unwrap();
            stack.share(&group).unwrap();
            own.push(group);
        }
        // Every stack runs a workload in the shared VPC's private subnets, in its groups.
        if !own.is_empty() {
            let set = stack.group_set("tasks", &own).unwrap();
            let props = Props::new()
                .set("Subnets", &v.subnets(SubnetKind::Private).unwrap())
                .set("SecurityGroups", &set);
            stack.resource("workload", "AWS::ECS::Service", props).unwrap();
        }
        groups.push(own);
        stacks.push(Some(stack));
    }
    for r in &spec.rules {
        let Some(stack) = stacks[r.stack].as_mut() else {
            continue;
        };
        let peer = match &r.peer {
            PeerSpec::Cidr(a, b, l) => cidr(*a, *b, *l),
            PeerSpec::AnyV4 => Peer::any_ipv4(),
            PeerSpec::Group(t, g) => match groups[*t].get(*g) {
                Some(group) => Peer::group(group),
                None => continue, // its stack was left out
            },
        };
        let group = &groups[r.stack][r.group];
        // The whole Internet only ever gets HTTPS: anything else is a check error
        // (RF301/RF302) that synthesis refuses, tested on its own elsewhere.
        let port = if matches!(r.peer, PeerSpec::AnyV4) { Port::HTTPS } else { port(r.port) };
        let result = if r.ingress {
            stack.allow_ingress(group, peer, port, "generated")
        } else {
            stack.allow_egress(group, peer, port, "generated")
        };
        match result {
            Ok(()) | Err(Error::DuplicateRule { .. }) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    (app, stacks, groups)
}

/// Whether the stack graph of a spec (each rule's stack -> its peer's stack, each stack
/// -> stack 0 for the VPC) has a cycle.
fn has_cycle(spec: &AppSpec) -> bool {
    let n = spec.groups.len();
    let mut edges = vec![Vec::new(); n];
    for e in edges.iter_mut().skip(1) {
        e.push(0);
    }
    for r in &spec.rules {
        if let PeerSpec::Group(t, _) = r.peer {
            if t != r.stack {
                edges[r.stack].push(t);
            }
        }
    }
    fn visit(v: usize, edges: &[Vec<usize>], state: &mut [u8]) -> bool {
        state[v] = 1;
        for &w in &edges[v] {
            if state[w] == 1 || (state[w] == 0 && visit(w, edges, state)) {
                return true;
            }
        }
        state[v] = 2;
        false
    }
    let mut state = vec![0u8; n];
    (0..n).any(|v| state[v] == 0 && visit(v, &edges, &mut state))
}

fn json_of(a: &Assembly) -> Vec<(String, String)> {
    a.stacks().iter().map(|s| (s.name.to_string(), s.template.to_json())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Ring-fencing, real egress restriction, descriptions and matched imports hold for
    /// every acyclic generated app; synthesis is deterministic.
    #[test]
    fn generated_apps_keep_every_invariant(spec in app_spec(true)) {
        let assembly = build(&spec, None, None).synth().unwrap();
        let violations = support::assembly_violations(&assembly);
        prop_assert!(violations.is_empty(), "{:#?}", violations);
        // The analysis engine agrees: no ring-fencing finding on synthesized templates.
        let report = ringfence::analyze::analyze(&assembly.suite());
        prop_assert!(report.of("RF101").is_empty() && report.of("RF102").is_empty() && report.of("RF303").is_empty(), "{:#?}", report.findings);
        prop_assert_eq!(json_of(&assembly), json_of(&build(&spec, None, None).synth().unwrap()));
    }

    /// Synthesis fails exactly when the stacks import from each other in a cycle, and
    /// then only with cycle errors.
    #[test]
    fn cycles_are_found_exactly(spec in app_spec(false)) {
        match build(&spec, None, None).synth() {
            Ok(assembly) => {
                prop_assert!(!has_cycle(&spec));
                prop_assert!(support::assembly_violations(&assembly).is_empty());
            }
            Err(e) => {
                prop_assert!(has_cycle(&spec), "{}", e);
                prop_assert!(e.errors.iter().all(|e| matches!(e, Error::StackCycle { .. })), "{}", e);
            }
        }
    }

    /// A stack can never add a rule to another stack's group; the attempt is a typed
    /// error naming both stacks and changes nothing in any template.
    #[test]
    fn foreign_mutations_are_refused(spec in app_spec(true), pick in any::<(prop::sample::Index, prop::sample::Index, prop::sample::Index, bool)>()) {
        prop_assume!(spec.groups.len() >= 2);
        let (app, mut stacks, groups) = build_parts(&spec, None, None);
        let before = json_of(&app.synth().unwrap());
        let n = spec.groups.len();
        let (s, t) = (pick.0.index(n), pick.1.index(n));
        prop_assume!(s != t);
        let victim = &groups[t][pick.2.index(groups[t].len())];
        let attacker = stacks[s].as_mut().unwrap();
        let result = if pick.3 {
            attacker.allow_ingress(victim, Peer::any_ipv4(), Port::SSH, "attempt")
        } else {
            attacker.allow_egress(victim, Peer::any_ipv4(), Port::SSH, "attempt")
        };
        match result {
            Err(Error::ForeignObject { stack, owner, .. }) => {
                prop_assert_eq!(stack, format!("prop-s{s}-test"));
                prop_assert_eq!(owner, format!("prop-s{t}-test"));
            }
            other => prop_assert!(false, "expected ForeignObject, got {:?}", other),
        }
        prop_assert_eq!(before, json_of(&app.synth().unwrap()));
    }

    /// Removing the last stack (a consumer nobody imports from) leaves every other
    /// template byte-identical.
    #[test]
    fn a_consumer_leaving_changes_no_other_template(spec in app_spec(true)) {
        prop_assume!(spec.groups.len() >= 2);
        let last = spec.groups.len() - 1;
        let all = json_of(&build(&spec, None, None).synth().unwrap());
        let fewer = json_of(&build(&spec, None, Some(last)).synth().unwrap());
        prop_assert_eq!(&all[..all.len() - 1], &fewer[..]);
    }

    /// Inserting a group (with a rule) anywhere renames no existing logical id.
    #[test]
    fn inserting_a_construct_renames_nothing(spec in app_spec(true), at in any::<(prop::sample::Index, prop::sample::Index)>()) {
        let stack = at.0.index(spec.groups.len());
        let insert = Insert { stack, before_group: at.1.index(spec.groups[stack]) };
        let before = support::logical_ids(&build(&spec, None, None).synth().unwrap());
        let after = support::logical_ids(&build(&spec, Some(insert), None).synth().unwrap());
        for (name, ids) in &before {
            let missing: Vec<_> = ids.difference(&after[name]).collect();
            prop_assert!(missing.is_empty(), "{} lost {:?}", name, missing);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Reordering the constructs of a stack renames nothing and changes no resource:
    /// every logical id keeps its content, only the order in the file changes.
    #[test]
    fn reordering_constructs_renames_nothing(order in Just((0..6usize).collect::<Vec<_>>()).prop_shuffle()) {
        let build = |order: &[usize]| {
            let app = App::new("r");
            let mut s = app.stack("s").unwrap();
            let vpc = s.vpc("main", VpcSpec::new("10.0.0.0/16").unwrap()).unwrap();
            let mut groups = Vec::new();
            for &i in order {
                let g = s.security_group(&vpc, format!("g{i}").as_str(), "Generated role").unwrap();
                groups.push((i, g));
            }
            groups.sort_by_key(|(i, _)| *i);
            for &i in order {
                let (_, g) = &groups[i];
                let (_, peer) = &groups[(i + 1) % groups.len()];
                s.allow_ingress(g, Peer::group(peer), Port::tcp(1000 + i as u16), "from the next group").unwrap();
                s.allow_egress(g, Peer::ipv4("10.0.0.0/8").unwrap(), Port::HTTPS, "internal APIs").unwrap();
            }
            let assembly = app.synth().unwrap();
            let doc: serde_json::Value = serde_json::from_str(&assembly.stacks()[0].template.to_json()).unwrap();
            doc["Resources"].as_object().unwrap().clone().into_iter().collect::<std::collections::BTreeMap<_, _>>()
        };
        let straight: Vec<usize> = (0..6).collect();
        prop_assert_eq!(build(&straight), build(&order));
    }
}
