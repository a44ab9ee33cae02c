//! One EC2 vocabulary: every security group rule and network ACL entry the builder can
//! express is read back by the analyzer as the same typed value — the same
//! `ringfence_cfn::ec2::PortRange`, direction, peer, description; the same rule number,
//! action and range — through the template the builder writes. The builder writes and
//! the analyzer reads with the same `ec2` functions; this test checks they agree over
//! generated rules, not only over the examples.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use ringfence::analyze::{Direction, Model, Obj, RulePeer};
use ringfence::cfn::ec2::{PortRange, Protocol};
use ringfence::{App, Error, NaclRule, Peer, Port, SubnetGroup, VpcSpec};

/// Every port the builder can name.
fn port() -> impl Strategy<Value = Port> {
    let ordered = |(a, b): (u16, u16)| (a.min(b), a.max(b));
    prop_oneof![
        any::<u16>().prop_map(Port::tcp),
        any::<u16>().prop_map(Port::udp),
        (any::<u16>(), any::<u16>()).prop_map(move |p| {
            let (a, b) = ordered(p);
            Port::tcp_range(a, b).unwrap()
        }),
        (any::<u16>(), any::<u16>()).prop_map(move |p| {
            let (a, b) = ordered(p);
            Port::udp_range(a, b).unwrap()
        }),
        (-1i32..=255, -1i32..=255)
            .prop_filter_map("an ICMP type and code EC2 takes", |(t, c)| Port::icmp(t, c).ok()),
        (-1i32..=255, -1i32..=255)
            .prop_filter_map("an ICMPv6 type and code EC2 takes", |(t, c)| Port::icmpv6(t, c).ok()),
        Just(Port::ALL_TRAFFIC),
        Just(Port::ALL_TCP),
        Just(Port::ALL_UDP),
        Just(Port::PING),
    ]
}

/// The other end of a rule, as the test describes it (the builder's `Peer` is made from
/// it once the groups exist).
#[derive(Debug, Clone)]
enum PeerSpec {
    /// An IPv4 range (never the whole Internet: synthesis refuses world-open admin ports).
    V4(String),
    /// An IPv6 range (idem).
    V6(String),
    PrefixList(String),
    /// The other group of the same stack.
    SameStackGroup,
    /// The network stack's shared group.
    OtherStackGroup,
}

fn v4(nonzero: bool) -> impl Strategy<Value = String> {
    let low = if nonzero { 1u8 } else { 0 };
    (any::<u32>(), low..=32u8).prop_map(|(addr, len)| {
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) };
        format!("{}/{len}", Ipv4Addr::from(addr & mask))
    })
}

fn v6(nonzero: bool) -> impl Strategy<Value = String> {
    let low = if nonzero { 1u8 } else { 0 };
    (any::<u128>(), low..=128u8).prop_map(|(addr, len)| {
        let mask = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) };
        format!("{}/{len}", Ipv6Addr::from(addr & mask))
    })
}

fn peer() -> impl Strategy<Value = PeerSpec> {
    prop_oneof![
        v4(true).prop_map(PeerSpec::V4),
        v6(true).prop_map(PeerSpec::V6),
        "[0-9a-f]{8}".prop_map(|h| PeerSpec::PrefixList(format!("pl-{h}"))),
        Just(PeerSpec::SameStackGroup),
        Just(PeerSpec::OtherStackGroup),
    ]
}

/// Whether EC2 takes the port with the peer: ICMP needs IPv4, ICMPv6 needs IPv6.
fn fits(port: Port, peer: &PeerSpec) -> bool {
    !matches!(
        (port.protocol(), peer),
        (Protocol::Icmp, PeerSpec::V6(_)) | (Protocol::Icmpv6, PeerSpec::V4(_))
    )
}

#[derive(Debug, Clone)]
struct RuleSpec {
    ingress: bool,
    port: Port,
    peer: PeerSpec,
}

fn rules() -> impl Strategy<Value = Vec<RuleSpec>> {
    prop::collection::vec(
        (any::<bool>(), port(), peer())
            .prop_filter("EC2 takes the port with the peer", |(_, p, q)| fits(*p, q))
            .prop_map(|(ingress, port, peer)| RuleSpec { ingress, port, peer }),
        1..12,
    )
}

#[derive(Debug, Clone)]
struct EntrySpec {
    number: u32,
    egress: bool,
    allow: bool,
    port: Port,
    /// IPv4 or IPv6, the whole Internet included.
    cidr: String,
}

fn entries() -> impl Strategy<Value = Vec<EntrySpec>> {
    let cidr = prop_oneof![v4(false), v6(false)];
    prop::collection::vec(
        (1u32..=32766, any::<bool>(), any::<bool>(), port(), cidr)
            .prop_filter("EC2 takes the port with the range", |(_, _, _, p, c)| {
                let peer = if c.contains(':') { PeerSpec::V6(c.clone()) } else { PeerSpec::V4(c.clone()) };
                fits(*p, &peer)
            })
            .prop_map(|(number, egress, allow, port, cidr)| EntrySpec { number, egress, allow, port, cidr }),
        1..12,
    )
}

/// The builder's peer of a spec.
fn make_peer(p: &PeerSpec, same: &ringfence::SecurityGroup, shared: &ringfence::SecurityGroup) -> Peer {
    match p {
        PeerSpec::V4(c) => Peer::ipv4(c).unwrap(),
        PeerSpec::V6(c) => Peer::ipv6(c).unwrap(),
        PeerSpec::PrefixList(id) => Peer::prefix_list(id).unwrap(),
        PeerSpec::SameStackGroup => Peer::group(same),
        PeerSpec::OtherStackGroup => Peer::group(shared),
    }
}

/// What the analyzer must read for a rule: its group's name, direction, ports, peer in
/// words the test can compare, description.
type Expected = (String, Direction, PortRange, String, String);

fn peer_words(m: &Model<'_>, peer: &RulePeer) -> String {
    match peer {
        RulePeer::V4(n) => n.to_string(),
        RulePeer::V6(n) => n.to_string(),
        RulePeer::PrefixList(Obj::External(id)) => id.clone(),
        RulePeer::Group(g) => {
            format!("group {}", m.group(g).and_then(|g| g.name.clone()).unwrap_or_default())
        }
        other => format!("{other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_rule_the_builder_writes_reads_back_as_the_same_typed_rule(specs in rules()) {
        let app = App::new("vocab");
        let mut net = app.stack("network").unwrap();
        let vpc = net.vpc("main", VpcSpec::new("10.0.0.0/16").unwrap().ipv6()).unwrap();
        net.share(&vpc).unwrap();
        let shared = net.security_group(&vpc, "shared", "Shared role").unwrap();
        net.share(&shared).unwrap();
        let mut app_stack = app.stack("app").unwrap();
        let own = app_stack.security_group(&vpc, "app", "Tasks of the app").unwrap();
        let other = app_stack.security_group(&vpc, "peer", "Another role of the app").unwrap();
        let mut expected: Vec<Expected> = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            let description = format!("rule {i}");
            let peer = make_peer(&s.peer, &other, &shared);
            let words = match &s.peer {
                PeerSpec::V4(c) | PeerSpec::V6(c) | PeerSpec::PrefixList(c) => c.clone(),
                PeerSpec::SameStackGroup => "group peer".to_owned(),
                PeerSpec::OtherStackGroup => "group shared".to_owned(),
            };
            let added = if s.ingress {
                app_stack.allow_ingress(&own, peer, s.port, &description)
            } else {
                app_stack.allow_egress(&own, peer, s.port, &description)
            };
            match added {
                Ok(()) => {
                    let direction = if s.ingress { Direction::Ingress } else { Direction::Egress };
                    expected.push(("app".into(), direction, s.port.range(), words, description));
                }
                // The same rule twice: EC2 would keep one, the builder refuses the second.
                Err(Error::DuplicateRule { .. }) => {}
                Err(e) => prop_assert!(false, "{:?}: {}", s, e),
            }
        }
        let assembly = app.synth().unwrap();
        let suite = assembly.suite();
        let model = Model::build(&suite);
        let mut actual: Vec<Expected> = model
            .rules
            .iter()
            .filter(|r| r.description.as_deref().is_some_and(|d| d.starts_with("rule ")))
            .map(|r| {
                let group = model.group(&r.group).and_then(|g| g.name.clone()).unwrap_or_default();
                let ports = r.ports.expect("a rule the builder writes is readable");
                (group, r.direction, ports, peer_words(&model, &r.peer), r.description.clone().unwrap_or_default())
            })
            .collect();
        let key = |e: &Expected| e.4.clone();
        actual.sort_by_key(key);
        expected.sort_by_key(key);
        prop_assert_eq!(actual, expected);
    }

    #[test]
    fn every_nacl_entry_the_builder_writes_reads_back_as_the_same_typed_entry(specs in entries()) {
        let app = App::new("vocab");
        let mut net = app.stack("network").unwrap();
        let vpc = net
            .vpc("main", VpcSpec::new("10.0.0.0/16").unwrap().ipv6().subnets(SubnetGroup::isolated("data", 24)))
            .unwrap();
        let acl = net.network_acl(&vpc, "data").unwrap();
        net.associate_nacl(&acl, &vpc.subnet_group("data").unwrap()).unwrap();
        let mut expected = Vec::new();
        for (i, s) in specs.iter().enumerate() {
            let description = format!("entry {i}");
            let peer = if s.cidr.contains(':') { Peer::ipv6(&s.cidr) } else { Peer::ipv4(&s.cidr) }.unwrap();
            let rule = match (s.egress, s.allow) {
                (false, true) => NaclRule::allow_in(s.number, peer, s.port, &description),
                (false, false) => NaclRule::deny_in(s.number, peer, s.port, &description),
                (true, true) => NaclRule::allow_out(s.number, peer, s.port, &description),
                (true, false) => NaclRule::deny_out(s.number, peer, s.port, &description),
            };
            match net.nacl_entry(&acl, rule) {
                Ok(()) => {
                    let direction = if s.egress { Direction::Egress } else { Direction::Ingress };
                    expected.push((i64::from(s.number), direction, s.allow, Some(s.port.range()), Some(s.cidr.clone())));
                }
                // A number used twice in one direction.
                Err(Error::InvalidNaclEntry { .. })
                    if expected.iter().any(|e| e.0 == i64::from(s.number) && (e.1 == Direction::Egress) == s.egress) => {}
                Err(e) => prop_assert!(false, "{:?}: {}", s, e),
            }
        }
        let assembly = app.synth().unwrap();
        let suite = assembly.suite();
        let model = Model::build(&suite);
        let mut actual: Vec<_> = model
            .nacl_entries
            .iter()
            .map(|e| (e.number, e.direction, e.allow, e.ports, e.cidr.map(|c| c.to_string())))
            .collect();
        let key = |e: &(i64, Direction, bool, Option<PortRange>, Option<String>)| (e.1, e.0);
        actual.sort_by_key(key);
        expected.sort_by_key(key);
        prop_assert_eq!(actual, expected);
    }
}
