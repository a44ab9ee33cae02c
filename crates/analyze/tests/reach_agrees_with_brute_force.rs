//! Reachability agrees with a brute-force evaluator on random rule sets: groups in a
//! union, stateful security groups (inline and standalone rules, default allow-all
//! egress), stateless first-match NACLs checked port by port over the whole reply range.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::net::{IpAddr, Ipv4Addr};

use ipnet::Ipv4Net;
use proptest::prelude::*;
use ringfence_analyze::reach::{reach, Endpoint};
use ringfence_analyze::{Model, Obj, Protocol, Suite};
use ringfence_cfn::{LogicalId, Resource, Template, Value};

const SUBNETS: [&str; 3] = ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"];
const CIDRS: [&str; 5] = ["10.0.0.0/24", "10.0.1.0/24", "10.0.0.0/16", "0.0.0.0/0", "10.0.2.0/25"];

#[derive(Debug, Clone, Copy)]
enum P {
    Tcp(u16, u16),
    Udp(u16, u16),
    Icmp(i32),
    All,
}

impl P {
    fn props(self) -> Vec<(&'static str, Value)> {
        match self {
            P::Tcp(a, b) => vec![("IpProtocol", "tcp".into()), ("FromPort", a.into()), ("ToPort", b.into())],
            P::Udp(a, b) => vec![("IpProtocol", "udp".into()), ("FromPort", a.into()), ("ToPort", b.into())],
            P::Icmp(t) => {
                vec![("IpProtocol", "icmp".into()), ("FromPort", t.into()), ("ToPort", Value::from(-1))]
            }
            P::All => vec![("IpProtocol", "-1".into())],
        }
    }

    fn matches(self, proto: Protocol, port: i32) -> bool {
        match self {
            P::All => true,
            P::Tcp(a, b) => proto == Protocol::Tcp && i32::from(a) <= port && port <= i32::from(b),
            P::Udp(a, b) => proto == Protocol::Udp && i32::from(a) <= port && port <= i32::from(b),
            P::Icmp(t) => proto == Protocol::Icmp && (t == -1 || t == port),
        }
    }
}

#[derive(Debug, Clone)]
struct SgRule {
    group: usize,
    egress: bool,
    inline: bool,
    p: P,
    /// A CIDR of CIDRS, or a group.
    peer: Result<usize, usize>,
}

#[derive(Debug, Clone)]
struct Entry {
    nacl: usize,
    number: u16,
    egress: bool,
    allow: bool,
    p: P,
    cidr: usize,
}

#[derive(Debug, Clone)]
struct Spec {
    /// Whether each of the 4 groups declares an (empty-matching) inline egress list.
    inline_egress: [bool; 4],
    rules: Vec<SgRule>,
    entries: Vec<Entry>,
    /// NACL of each subnet, if any.
    assoc: [Option<usize>; 3],
    from: (Vec<usize>, usize),
    to: (Vec<usize>, usize),
    flow: (Protocol, i32),
}

fn p() -> impl Strategy<Value = P> {
    let port = prop::sample::select(vec![22u16, 80, 443, 1024, 1500, 5432, 65535]);
    prop_oneof![
        (port.clone(), port.clone()).prop_map(|(a, b)| P::Tcp(a.min(b), a.max(b))),
        (port.clone(), port).prop_map(|(a, b)| P::Udp(a.min(b), a.max(b))),
        prop::sample::select(vec![-1, 0, 8]).prop_map(P::Icmp),
        Just(P::All),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    let rule = (
        0..4usize,
        any::<bool>(),
        any::<bool>(),
        p(),
        prop_oneof![(0..5usize).prop_map(Ok), (0..4usize).prop_map(Err)],
    )
        .prop_map(|(group, egress, inline, p, peer)| SgRule { group, egress, inline, p, peer });
    let entry = (0..2usize, 1u16..60, any::<bool>(), prop::bool::weighted(0.75), p(), 0..5usize).prop_map(
        |(nacl, number, egress, allow, p, cidr)| Entry { nacl, number: number * 10, egress, allow, p, cidr },
    );
    let endpoint = (prop::collection::vec(0..4usize, 1..3), 0..3usize);
    let flow = prop_oneof![
        (Just(Protocol::Tcp), prop::sample::select(vec![22i32, 80, 443, 1500, 5432])),
        (Just(Protocol::Udp), prop::sample::select(vec![53i32, 1500])),
        (Just(Protocol::Icmp), prop::sample::select(vec![8i32, 3])),
    ];
    (
        any::<[bool; 4]>(),
        prop::collection::vec(rule, 4..28),
        prop::collection::vec(entry, 0..14),
        any::<[Option<bool>; 3]>(),
        endpoint.clone(),
        endpoint,
        flow,
    )
        .prop_map(|(inline_egress, rules, mut entries, assoc, from, to, flow)| {
            // Rule numbers are unique per NACL and direction.
            let mut seen = std::collections::HashSet::new();
            entries.retain(|e| seen.insert((e.nacl, e.egress, e.number)));
            let assoc = assoc.map(|a| a.map(usize::from));
            Spec { inline_egress, rules, entries, assoc, from, to, flow }
        })
}

fn id(s: &str) -> LogicalId {
    LogicalId::new(s).unwrap()
}

fn peer_value(peer: Result<usize, usize>, egress: bool) -> (&'static str, Value) {
    match peer {
        Ok(c) => ("CidrIp", CIDRS[c].into()),
        Err(g) => (
            if egress { "DestinationSecurityGroupId" } else { "SourceSecurityGroupId" },
            Value::get_att(&id(&format!("G{g}")), "GroupId"),
        ),
    }
}

fn template(s: &Spec) -> Template {
    let mut t = Template::new("random");
    t.resources.insert(id("Vpc"), Resource::new("AWS::EC2::VPC").property("CidrBlock", "10.0.0.0/16"));
    for g in 0..4 {
        let mut inline_in = Vec::new();
        let mut inline_out = Vec::new();
        for r in s.rules.iter().filter(|r| r.group == g && r.inline) {
            let mut v = Value::map();
            for (k, x) in r.p.props() {
                v = v.with(k, x);
            }
            let (k, x) = peer_value(r.peer, r.egress);
            v = v.with(k, x);
            if r.egress {
                inline_out.push(v)
            } else {
                inline_in.push(v)
            }
        }
        let mut res = Resource::new("AWS::EC2::SecurityGroup")
            .property("GroupDescription", "random")
            .property("VpcId", Value::reference(&id("Vpc")))
            .property("SecurityGroupIngress", Value::List(inline_in));
        if s.inline_egress[g] || !inline_out.is_empty() {
            // A placeholder keeps the list non-empty and matches nothing.
            inline_out.push(
                Value::map()
                    .with("IpProtocol", "icmp")
                    .with("FromPort", 252)
                    .with("ToPort", 86)
                    .with("CidrIp", "255.255.255.255/32"),
            );
            res = res.property("SecurityGroupEgress", Value::List(inline_out));
        }
        t.resources.insert(id(&format!("G{g}")), res);
    }
    for (i, r) in s.rules.iter().enumerate().filter(|(_, r)| !r.inline) {
        let ty = if r.egress { "AWS::EC2::SecurityGroupEgress" } else { "AWS::EC2::SecurityGroupIngress" };
        let mut res =
            Resource::new(ty).property("GroupId", Value::get_att(&id(&format!("G{}", r.group)), "GroupId"));
        for (k, x) in r.p.props() {
            res = res.property(k, x);
        }
        let (k, x) = peer_value(r.peer, r.egress);
        t.resources.insert(id(&format!("R{i}")), res.property(k, x));
    }
    for (i, cidr) in SUBNETS.iter().enumerate() {
        t.resources.insert(
            id(&format!("S{i}")),
            Resource::new("AWS::EC2::Subnet")
                .property("VpcId", Value::reference(&id("Vpc")))
                .property("CidrBlock", *cidr),
        );
        if let Some(n) = s.assoc[i] {
            t.resources.insert(
                id(&format!("A{i}")),
                Resource::new("AWS::EC2::SubnetNetworkAclAssociation")
                    .property("SubnetId", Value::reference(&id(&format!("S{i}"))))
                    .property("NetworkAclId", Value::reference(&id(&format!("N{n}")))),
            );
        }
    }
    for n in 0..2 {
        t.resources.insert(
            id(&format!("N{n}")),
            Resource::new("AWS::EC2::NetworkAcl").property("VpcId", Value::reference(&id("Vpc"))),
        );
    }
    for (i, e) in s.entries.iter().enumerate() {
        let (proto, ports) = match e.p {
            P::Tcp(a, b) => (6, Some(("PortRange", Value::map().with("From", a).with("To", b)))),
            P::Udp(a, b) => (17, Some(("PortRange", Value::map().with("From", a).with("To", b)))),
            P::Icmp(t) => (1, Some(("Icmp", Value::map().with("Type", t).with("Code", -1)))),
            P::All => (-1, None),
        };
        let mut res = Resource::new("AWS::EC2::NetworkAclEntry")
            .property("NetworkAclId", Value::reference(&id(&format!("N{}", e.nacl))))
            .property("RuleNumber", e.number)
            .property("Egress", e.egress)
            .property("RuleAction", if e.allow { "allow" } else { "deny" })
            .property("Protocol", proto)
            .property("CidrBlock", CIDRS[e.cidr]);
        if let Some((k, v)) = ports {
            res = res.property(k, v);
        }
        t.resources.insert(id(&format!("E{i}")), res);
    }
    t
}

fn address(subnet: usize) -> Ipv4Addr {
    let net: Ipv4Net = SUBNETS[subnet].parse().unwrap();
    Ipv4Addr::from(u32::from(net.network()) + 4)
}

fn in_cidr(c: usize, a: Ipv4Addr) -> bool {
    CIDRS[c].parse::<Ipv4Net>().unwrap().contains(&a)
}

/// The brute-force evaluator, straight from the spec.
fn brute(s: &Spec) -> bool {
    let (proto, port) = s.flow;
    let (fg, fs) = (&s.from.0, s.from.1);
    let (tg, ts) = (&s.to.0, s.to.1);
    let (fa, ta) = (address(fs), address(ts));
    let peer_ok = |peer: Result<usize, usize>, groups: &Vec<usize>, addr: Ipv4Addr| match peer {
        Ok(c) => in_cidr(c, addr),
        Err(g) => groups.contains(&g),
    };
    let has_inline_egress =
        |g: usize| s.inline_egress[g] || s.rules.iter().any(|r| r.group == g && r.inline && r.egress);
    let out = fg.iter().any(|&g| {
        !has_inline_egress(g)
            || s.rules
                .iter()
                .any(|r| r.group == g && r.egress && r.p.matches(proto, port) && peer_ok(r.peer, tg, ta))
    });
    let inn = tg.iter().any(|&g| {
        s.rules
            .iter()
            .any(|r| r.group == g && !r.egress && r.p.matches(proto, port) && peer_ok(r.peer, fg, fa))
    });
    if !(out && inn) {
        return false;
    }
    if fs == ts {
        return true;
    }
    // First match, one packet at a time.
    let allows = |subnet: usize, egress: bool, proto: Protocol, port: i32, remote: Ipv4Addr| -> bool {
        let Some(n) = s.assoc[subnet] else { return true };
        let mut entries: Vec<&Entry> =
            s.entries.iter().filter(|e| e.nacl == n && e.egress == egress).collect();
        entries.sort_by_key(|e| e.number);
        entries.iter().find(|e| e.p.matches(proto, port) && in_cidr(e.cidr, remote)).is_some_and(|e| e.allow)
    };
    let replies = |subnet: usize, egress: bool, remote: Ipv4Addr| -> bool {
        match proto {
            Protocol::Tcp | Protocol::Udp => (1024..=65535).all(|p| allows(subnet, egress, proto, p, remote)),
            Protocol::Icmp if port == 8 => allows(subnet, egress, Protocol::Icmp, 0, remote),
            _ => true,
        }
    };
    allows(fs, true, proto, port, ta)
        && replies(fs, false, ta)
        && allows(ts, false, proto, port, fa)
        && replies(ts, true, fa)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn reach_agrees_with_brute_force(s in spec()) {
        let mut suite = Suite::new();
        suite.add("t", "t.json", template(&s));
        let model = Model::build(&suite);
        let obj = |kind: &str, i: usize| Obj::Local { stack: 0, id: id(&format!("{kind}{i}")) };
        let from = Endpoint { groups: s.from.0.iter().map(|&g| obj("G", g)).collect(), subnet: Some(obj("S", s.from.1)), address: Some(IpAddr::V4(address(s.from.1))) };
        let to = Endpoint { groups: s.to.0.iter().map(|&g| obj("G", g)).collect(), subnet: Some(obj("S", s.to.1)), address: Some(IpAddr::V4(address(s.to.1))) };
        let answer = reach(&model, &from, &to, s.flow.0, s.flow.1);
        prop_assert_eq!(answer.allowed, brute(&s), "{:#?}", answer.steps);
        if !answer.allowed {
            prop_assert!(!answer.steps.last().unwrap().allowed, "the last step says what denied");
        }
    }
}

/// The generator reaches every layer: not every case is decided by the groups alone.
#[test]
fn the_generated_cases_exercise_every_layer() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut allowed, mut denied_by_nacl, mut nacl_evaluated) = (0, 0, 0);
    for _ in 0..300 {
        let s = spec().new_tree(&mut runner).unwrap().current();
        let mut suite = Suite::new();
        suite.add("t", "t.json", template(&s));
        let model = Model::build(&suite);
        let obj = |kind: &str, i: usize| Obj::Local { stack: 0, id: id(&format!("{kind}{i}")) };
        let from = Endpoint {
            groups: s.from.0.iter().map(|&g| obj("G", g)).collect(),
            subnet: Some(obj("S", s.from.1)),
            address: Some(IpAddr::V4(address(s.from.1))),
        };
        let to = Endpoint {
            groups: s.to.0.iter().map(|&g| obj("G", g)).collect(),
            subnet: Some(obj("S", s.to.1)),
            address: Some(IpAddr::V4(address(s.to.1))),
        };
        let a = reach(&model, &from, &to, s.flow.0, s.flow.1);
        allowed += usize::from(a.allowed);
        let nacl_steps = a
            .steps
            .iter()
            .filter(|st| {
                !matches!(
                    st.layer,
                    ringfence_analyze::reach::Layer::GroupsIn | ringfence_analyze::reach::Layer::GroupsOut
                )
            })
            .count();
        nacl_evaluated += usize::from(nacl_steps > 0);
        denied_by_nacl += usize::from(!a.allowed && nacl_steps > 0);
    }
    eprintln!("allowed {allowed}, NACLs evaluated {nacl_evaluated}, denied by a NACL {denied_by_nacl}");
    assert!(allowed >= 30, "allowed {allowed}");
    assert!(denied_by_nacl >= 20, "denied by a NACL {denied_by_nacl}");
    assert!(nacl_evaluated >= 40, "NACLs evaluated {nacl_evaluated}");
}
