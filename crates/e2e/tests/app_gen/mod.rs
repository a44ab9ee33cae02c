//! A generator of whole apps for the property tests, and the builder that turns one into
//! a ringfence `App` while checking every call against a small model of what the call
//! must do: the right typed error for every invalid combination the generator makes
//! (never a silent skip), and the synthesis errors to expect (unshared references, world
//! open ports, cycles).
//!
//! The generated apps cover: one to five stacks; a shared main VPC (IPv6 or not) and an
//! optional second VPC owned by stack 0 or 1 (shared or not); groups in either VPC,
//! shared or not, some accepting the world-open checks; rules of every peer kind (IPv4
//! and IPv6 CIDRs, host bits set, the whole Internet in both families, prefix lists,
//! groups of any stack, external groups by id, typed and SSM parameters of any stack)
//! and every port kind (TCP, UDP, ranges, ICMP, ICMPv6, all traffic, reversed ranges,
//! invalid ICMP codes, out-of-range ports); network ACLs with entries, entries with
//! their return traffic, and associations; group sets with own, foreign, parameter and
//! external members; and escape-hatch resources of every type of the generated schema
//! table, their target properties naming own, foreign, literal, parameter or external
//! objects.
#![allow(dead_code)] // each test file uses a part

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::sample::Index;
use ringfence::cfn::schema::{all_network_targets, NetworkObject, Target};
use ringfence::{
    App, Error, ExternalGroup, NaclRule, NetworkAcl, Peer, Port, Prop, Props, Protocol, ResourceHandle,
    SecurityGroup, Stack, SubnetGroup, Subnets, Vpc, VpcSpec,
};

pub const APP: &str = "prop";
pub const ENV: &str = "test";
/// The reason of the world-open suppressions the spec asks for.
pub const REASON: &str = "Public service, reviewed";
/// The reason of the suppressions `Options::suppress_all_world` adds.
pub const EXTRA_REASON: &str = "Added for the audit comparison";

/// The CloudFormation name of stack `s`.
pub fn stack_name(s: usize) -> String {
    format!("{APP}-s{s}-{ENV}")
}

fn group_path(s: usize, g: usize) -> String {
    format!("s{s}/s{s}g{g}")
}

fn second_path(owner: usize) -> String {
    format!("s{owner}/second")
}

/// Types the escape hatch refuses because the typed API expresses them.
pub const GUARDED: &[&str] = &[
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::SubnetNetworkAclAssociation",
    "AWS::EC2::VPCEndpoint",
];

/// Every resource type the escape-hatch generator picks from: the whole schema table,
/// the guarded types that are not in it, and two types that target nothing.
pub fn escape_types() -> Vec<(&'static str, &'static [Target])> {
    let mut types: Vec<(&'static str, &'static [Target])> = all_network_targets().collect();
    for t in GUARDED {
        if !types.iter().any(|(x, _)| x == t) {
            types.push((t, &[]));
        }
    }
    types.push(("AWS::SNS::Topic", &[]));
    types.push(("AWS::Lambda::Function", &[]));
    types
}

// ---------------------------------------------------------------------------------------
// The spec.

#[derive(Debug, Clone)]
pub struct GroupSpec {
    /// In the second VPC (when there is one this stack may use).
    pub second: bool,
    pub shared: bool,
    /// Accepts RF301/RF302 on it (a reviewed public service).
    pub suppress_world: bool,
}

#[derive(Debug, Clone)]
pub struct StackSpec {
    pub groups: Vec<GroupSpec>,
    /// A group of another stack in the workload's group set.
    pub set_foreign: Option<(Index, Index)>,
    /// The stack's typed group parameter in the set.
    pub set_param: bool,
    /// An external group (by id) in the set.
    pub set_external: bool,
    /// Has a workload (an ECS service) at all.
    pub workload: bool,
}

#[derive(Debug, Clone)]
pub enum PeerSpec {
    /// An IPv4 range; `raw`: the text keeps its host bits (HostBitsSet unless none are set).
    Cidr4 {
        a: u8,
        b: u8,
        len: u8,
        raw: bool,
    },
    Any4,
    Cidr6 {
        x: u16,
        len: u8,
    },
    Any6,
    /// A managed prefix list; an invalid id when `valid` is false.
    PrefixList {
        valid: bool,
    },
    /// A group of stack `stack` (resolved against the stacks it may name).
    Group {
        stack: Index,
        group: Index,
    },
    /// A group outside the app by id; an invalid id when `valid` is false.
    External {
        valid: bool,
    },
    /// The typed (or SSM) group parameter of a stack.
    Param {
        stack: Index,
        ssm: bool,
    },
}

#[derive(Debug, Clone)]
pub struct RuleSpec {
    pub stack: Index,
    pub group: Index,
    pub ingress: bool,
    pub peer: PeerSpec,
    pub port: usize,
}

#[derive(Debug, Clone)]
pub enum NaclKind {
    Entry { number: usize, egress: bool, allow: bool, peer: PeerSpec, port: usize, with_return: bool },
    Associate { second: bool, group: Index },
}

#[derive(Debug, Clone)]
pub struct NaclOp {
    /// A network ACL of the second VPC (when its owner owns it).
    pub second: bool,
    pub acl: Index,
    pub kind: NaclKind,
}

#[derive(Debug, Clone, Copy)]
pub enum Choice {
    Own,
    Other(Index),
    Literal,
    Param,
    External,
}

#[derive(Debug, Clone)]
pub struct EscapeSpec {
    pub stack: Index,
    pub ty: Index,
    /// The object each target property names, by target number (cycled).
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone)]
pub struct AppSpec {
    /// Rules and sets name only groups of the same or earlier stacks, and the second
    /// VPC is used only by its owner and later stacks: no cycle is possible.
    pub backwards: bool,
    pub ipv6: bool,
    /// The second VPC: (owner, shared).
    pub second: Option<(usize, bool)>,
    pub nacls_main: usize,
    pub nacls_second: usize,
    /// Stack 0 accepts RF503 on its public subnets.
    pub suppress_default_nacl: bool,
    pub stacks: Vec<StackSpec>,
    pub rules: Vec<RuleSpec>,
    pub nacl_ops: Vec<NaclOp>,
    pub escapes: Vec<EscapeSpec>,
}

/// Ports of the generator: valid ones of every protocol, and a few that cannot be made.
pub const PORTS: usize = 18;
/// The valid ports are `0..VALID_PORTS`.
pub const VALID_PORTS: usize = 15;

/// Port `i`, or the error making it must give (checked by `expect_port_error`).
pub fn port(i: usize) -> Result<Port, Error> {
    match i {
        0 => Ok(Port::SSH),
        1 => Ok(Port::HTTPS),
        2 => Ok(Port::POSTGRES),
        3 => Ok(Port::DNS_UDP),
        4 => Ok(Port::NTP),
        5 => Port::tcp_range(8000, 8100),
        6 => Port::udp_range(1000, 2000),
        7 => Ok(Port::ALL_TCP),
        8 => Ok(Port::ALL_TRAFFIC),
        9 => Ok(Port::PING),
        10 => Ok(Port::ALL_ICMP),
        11 => Port::icmpv6(128, 0),
        12 => Ok(Port::ALL_ICMPV6),
        13 => Port::icmp(3, 4),
        14 => Port::tcp_range(1024, 65535),
        15 => Port::tcp_range(9000, 8000),
        16 => Port::icmp(8, 5),
        _ => "tcp/70000".parse(),
    }
}

/// Asserts that making port `i` failed with its specific error.
fn expect_port_error(i: usize, e: &Error) {
    let ok = match i {
        15 => *e == Error::ReversedPortRange { construct: "Port::tcp_range".into(), from: 9000, to: 8000 },
        16 => matches!(e, Error::InvalidIcmp { protocol: "ICMP", icmp_type: 8, code: 5, .. }),
        17 => matches!(e, Error::PortOutOfRange { value: 70000, .. }),
        _ => false,
    };
    assert!(ok, "port {i}: unexpected error {e:?}");
}

/// What the world-open checks say of an ingress rule from the whole Internet on port `i`.
fn world_check(i: usize) -> Option<&'static str> {
    match i {
        0 | 2 | 6 | 14 => Some("RF301"), // 22, 5432, 1433 and 1521, 2375 and more
        7 | 8 => Some("RF302"),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

fn port_family(p: Port) -> Option<Family> {
    match p.protocol() {
        Protocol::Icmp => Some(Family::V4),
        Protocol::Icmpv6 => Some(Family::V6),
        _ => None,
    }
}

fn peer_spec() -> impl Strategy<Value = PeerSpec> {
    prop_oneof![
        3 => (0u8..4, 0u8..4, prop::sample::select(vec![8u8, 16, 24, 30, 32]), prop::bool::weighted(0.2))
            .prop_map(|(a, b, len, raw)| PeerSpec::Cidr4 { a, b, len, raw }),
        2 => Just(PeerSpec::Any4),
        2 => (any::<u16>(), 32u8..=64).prop_map(|(x, len)| PeerSpec::Cidr6 { x, len }),
        1 => Just(PeerSpec::Any6),
        1 => prop::bool::weighted(0.8).prop_map(|valid| PeerSpec::PrefixList { valid }),
        4 => (any::<Index>(), any::<Index>()).prop_map(|(stack, group)| PeerSpec::Group { stack, group }),
        1 => prop::bool::weighted(0.8).prop_map(|valid| PeerSpec::External { valid }),
        1 => (any::<Index>(), any::<bool>()).prop_map(|(stack, ssm)| PeerSpec::Param { stack, ssm }),
    ]
}

fn port_index() -> impl Strategy<Value = usize> {
    prop_oneof![10 => 0..VALID_PORTS, 1 => VALID_PORTS..PORTS]
}

fn choice() -> impl Strategy<Value = Choice> {
    prop_oneof![
        6 => Just(Choice::Own),
        2 => any::<Index>().prop_map(Choice::Other),
        1 => Just(Choice::Literal),
        1 => Just(Choice::Param),
        1 => Just(Choice::External),
    ]
}

/// Apps of 1-5 stacks with 1-3 groups each, up to 20 rules, 10 NACL operations and 6
/// escape-hatch resources; `backwards`: see [`AppSpec::backwards`].
pub fn app_spec(backwards: bool) -> impl Strategy<Value = AppSpec> {
    let group = (prop::bool::weighted(0.25), prop::bool::weighted(0.85), prop::bool::weighted(0.3))
        .prop_map(|(second, shared, suppress_world)| GroupSpec { second, shared, suppress_world });
    let stack = (
        prop::collection::vec(group, 1..=3),
        prop::option::weighted(0.3, (any::<Index>(), any::<Index>())),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.9),
    )
        .prop_map(|(groups, set_foreign, set_param, set_external, workload)| StackSpec {
            groups,
            set_foreign,
            set_param,
            set_external,
            workload,
        });
    let rule = (any::<Index>(), any::<Index>(), any::<bool>(), peer_spec(), port_index())
        .prop_map(|(stack, group, ingress, peer, port)| RuleSpec { stack, group, ingress, peer, port });
    let nacl_kind = prop_oneof![
        3 => (0usize..6, any::<bool>(), prop::bool::weighted(0.7), peer_spec(), 0..VALID_PORTS, any::<bool>())
            .prop_map(|(number, egress, allow, peer, port, with_return)| NaclKind::Entry {
                number, egress, allow, peer, port, with_return
            }),
        1 => (prop::bool::weighted(0.3), any::<Index>()).prop_map(|(second, group)| NaclKind::Associate { second, group }),
    ];
    let nacl_op = (prop::bool::weighted(0.3), any::<Index>(), nacl_kind)
        .prop_map(|(second, acl, kind)| NaclOp { second, acl, kind });
    let escape = (any::<Index>(), any::<Index>(), prop::collection::vec(choice(), 3))
        .prop_map(|(stack, ty, choices)| EscapeSpec { stack, ty, choices });
    (
        (1usize..=5, any::<bool>(), prop::option::weighted(0.5, (0usize..2, prop::bool::weighted(0.8)))),
        (1usize..=2, 0usize..=1, any::<bool>()),
        (
            prop::collection::vec(stack, 5),
            prop::collection::vec(rule, 0..20),
            prop::collection::vec(nacl_op, 0..10),
            prop::collection::vec(escape, 0..6),
        ),
    )
        .prop_map(
            move |(
                (n, ipv6, second),
                (nacls_main, nacls_second, suppress_default_nacl),
                (mut stacks, rules, nacl_ops, escapes),
            )| {
                stacks.truncate(n);
                AppSpec {
                    backwards,
                    ipv6,
                    second: second.map(|(o, shared)| (o.min(n - 1), shared)),
                    nacls_main,
                    nacls_second,
                    suppress_default_nacl,
                    stacks,
                    rules,
                    nacl_ops,
                    escapes,
                }
            },
        )
}

// ---------------------------------------------------------------------------------------
// Building, with the model.

/// A change to the app between two builds (properties of DESIGN invariants 5 and 6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Edit {
    #[default]
    None,
    /// One more group `s{stack}extra` before group `pos` of `stack`, with an inline
    /// egress rule and a rule on the stack's first group that admits it.
    Extra { stack: usize, pos: usize, shared: bool },
    /// Leaves rule `i` of the spec out.
    SkipRule(usize),
    /// Declares rules `i` and `i + 1` in the other order.
    SwapRules(usize),
    /// Leaves escape-hatch resource `i` out.
    SkipEscape(usize),
    /// Leaves the workload of a stack out.
    SkipWorkload(usize),
    /// Leaves a whole stack out.
    SkipStack(usize),
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Every group and the second VPC are shared, whatever the spec says.
    pub share_all: bool,
    /// Groups the spec does not suppress world-open checks on get them suppressed with
    /// [`EXTRA_REASON`].
    pub suppress_all_world: bool,
    pub edit: Edit,
}

/// What the model expects of the app after building it.
#[derive(Debug, Default, Clone)]
pub struct Expect {
    /// NotShared errors of synthesis: (consumer, object, owner).
    pub not_shared: BTreeSet<(String, String, String)>,
    /// Active world-open findings: (check, stack name, the path of the rule's group,
    /// which the synthesis error names), sorted.
    pub checks: Vec<(String, String, String)>,
    /// Imports between stacks: (consumer, owner).
    pub edges: BTreeSet<(usize, usize)>,
    /// For each rule of the spec that was accepted: (stack, group, whether it is a
    /// standalone resource, its key: stack, group, direction, peer and port).
    pub rule_info: Vec<Option<(usize, usize, bool, String)>>,
    /// For each escape-hatch resource of the spec: its stack and id if accepted.
    pub escape_ok: Vec<Option<(usize, String)>>,
    /// Calls checked against the model, by kind, for coverage reports.
    pub calls: BTreeMap<&'static str, usize>,
}

impl Expect {
    fn count(&mut self, what: &'static str) {
        *self.calls.entry(what).or_default() += 1;
    }

    /// Whether stack `k` is referenced by another stack.
    pub fn referenced(&self, k: usize) -> bool {
        self.edges.iter().any(|&(c, o)| o == k && c != k)
    }

    /// Whether the stacks import from each other in a cycle.
    pub fn has_cycle(&self, n: usize) -> bool {
        let mut adj = vec![Vec::new(); n];
        for &(c, o) in &self.edges {
            if c != o {
                adj[c].push(o);
            }
        }
        fn visit(v: usize, adj: &[Vec<usize>], state: &mut [u8]) -> bool {
            state[v] = 1;
            for &w in &adj[v] {
                if state[w] == 1 || (state[w] == 0 && visit(w, adj, state)) {
                    return true;
                }
            }
            state[v] = 2;
            false
        }
        let mut state = vec![0u8; n];
        (0..n).any(|v| state[v] == 0 && visit(v, &adj, &mut state))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Which {
    Main,
    Second,
}

/// The app, its handles and what the model expects.
pub struct Built {
    pub app: App,
    pub stacks: Vec<Option<Stack>>,
    pub groups: Vec<Vec<SecurityGroup>>,
    /// (owner, VPC)
    pub main: Option<(usize, Vpc)>,
    pub second: Option<(usize, Vpc)>,
    /// (owner, which VPC, NACL)
    pub nacls: Vec<(usize, Which, NetworkAcl)>,
    pub anchors: Vec<Option<ResourceHandle>>,
    /// Typed and SSM group parameters of each stack.
    pub params: Vec<Option<(ExternalGroup, ExternalGroup)>>,
    pub expect: Expect,
}

impl Built {
    /// The VPC (and owner) of `which`.
    pub fn vpc(&self, which: Which) -> Option<&(usize, Vpc)> {
        match which {
            Which::Main => self.main.as_ref(),
            Which::Second => self.second.as_ref(),
        }
    }
}

/// A ringfence error as expected by the model.
#[derive(Debug, Clone, PartialEq)]
enum Want {
    Ok,
    Family { construct: String },
    ParamOfOther { stack: String, object: String, owner: String },
    CrossVpc { construct: String },
    Duplicate { construct: String },
    Nacl { construct: String },
    Foreign { stack: String, action: &'static str, object: String, owner: String },
    ForeignTarget { construct: String, resource_type: String, property: &'static str },
    Guarded { construct: String, resource_type: String },
}

/// Asserts that `r` is what the model wants; the value when it is Ok.
#[track_caller]
fn expect<T: std::fmt::Debug>(r: Result<T, Error>, want: &Want, what: &str) -> Option<T> {
    let ok = match (&r, want) {
        (Ok(_), Want::Ok) => true,
        (Err(Error::ProtocolFamilyMismatch { construct, .. }), Want::Family { construct: c }) => {
            construct == c
        }
        (
            Err(Error::ParameterOfOtherStack { stack, object, owner, .. }),
            Want::ParamOfOther { stack: s, object: o, owner: w },
        ) => (stack, object, owner) == (s, o, w),
        (Err(Error::CrossVpc { construct, .. }), Want::CrossVpc { construct: c }) => construct == c,
        (Err(Error::DuplicateRule { construct, .. }), Want::Duplicate { construct: c }) => construct == c,
        (Err(Error::InvalidNaclEntry { construct, .. }), Want::Nacl { construct: c }) => construct == c,
        (
            Err(Error::ForeignObject { stack, action, object, owner, .. }),
            Want::Foreign { stack: s, action: a, object: o, owner: w },
        ) => (stack, action, object, owner) == (s, a, o, w),
        (
            Err(Error::ForeignNetworkTarget { construct, resource_type, property, .. }),
            Want::ForeignTarget { construct: c, resource_type: t, property: p },
        ) => (construct, resource_type, property) == (c, t, p),
        (
            Err(Error::NetworkResourceInEscapeHatch { construct, resource_type, .. }),
            Want::Guarded { construct: c, resource_type: t },
        ) => (construct, resource_type) == (c, t),
        _ => false,
    };
    assert!(ok, "{what}: expected {want:?}, got {r:?}");
    r.ok()
}

struct Ctx<'a> {
    spec: &'a AppSpec,
    opts: Options,
    n: usize,
    live: Vec<bool>,
    /// Which VPC each group is in.
    group_vpc: Vec<Vec<Which>>,
    expect: Expect,
}

impl Ctx<'_> {
    fn shared(&self, s: usize, g: usize) -> bool {
        self.opts.share_all || self.spec.stacks[s].groups[g].shared
    }

    fn second_shared(&self) -> bool {
        self.opts.share_all || self.spec.second.is_some_and(|(_, shared)| shared)
    }

    /// Records a reference from stack `s` to an object of stack `owner`.
    fn reference(&mut self, s: usize, owner: usize, shared: bool, object: String) {
        if s == owner {
            return;
        }
        if shared {
            self.expect.edges.insert((s, owner));
        } else {
            self.expect.not_shared.insert((stack_name(s), object, stack_name(owner)));
        }
    }

    /// Records that stack `s` uses VPC `which`.
    fn use_vpc(&mut self, s: usize, which: Which, owner: usize) {
        match which {
            Which::Main => self.reference(s, owner, true, "s0/main".into()),
            Which::Second => {
                let shared = self.second_shared();
                self.reference(s, owner, shared, second_path(owner));
            }
        }
    }

    /// The stack a spec names from stack `s`: earlier or itself when backwards.
    fn pick_stack(&self, s: usize, i: &Index) -> usize {
        if self.spec.backwards {
            i.index(s + 1)
        } else {
            i.index(self.n)
        }
    }
}

/// A peer made from a spec: the peer, its address family, the group of the app it
/// names (stack, group), the stack whose parameter it is.
type MadePeer = (Peer, Option<Family>, Option<(usize, usize)>, Option<usize>);

/// The text of an IPv4 range.
fn cidr4_text(a: u8, b: u8, len: u8, raw: bool) -> (String, String) {
    let text = format!("{a}.{b}.7.9/{len}");
    let net: ringfence::ipnet::Ipv4Net = text.parse().expect("generated CIDR");
    let canonical = net.trunc().to_string();
    if raw {
        (text, canonical)
    } else {
        (canonical.clone(), canonical)
    }
}

/// A peer of a spec, for stack `s`: `Ok(None)` when it names something of a stack left
/// out; `Err(())` when making it failed as expected (asserted here).
fn make_peer(ctx: &mut Ctx<'_>, b: &Built, s: usize, spec: &PeerSpec) -> Result<Option<MadePeer>, ()> {
    let made = match spec {
        PeerSpec::Cidr4 { a, b: bb, len, raw } => {
            let (text, canonical) = cidr4_text(*a, *bb, *len, *raw);
            let r = Peer::ipv4(&text);
            if text != canonical {
                ctx.expect.count("HostBitsSet");
                match r {
                    Err(Error::HostBitsSet { corrected, .. }) if corrected == canonical => return Err(()),
                    other => panic!("Peer::ipv4({text}): expected HostBitsSet, got {other:?}"),
                }
            }
            (r.expect("canonical IPv4"), Some(Family::V4), None, None)
        }
        PeerSpec::Any4 => (Peer::any_ipv4(), Some(Family::V4), None, None),
        PeerSpec::Cidr6 { x, len } => {
            let net: ringfence::ipnet::Ipv6Net = format!("2001:db8:{x:x}::/{len}").parse().expect("IPv6");
            (Peer::ipv6(&net.trunc().to_string()).expect("canonical IPv6"), Some(Family::V6), None, None)
        }
        PeerSpec::Any6 => (Peer::any_ipv6(), Some(Family::V6), None, None),
        PeerSpec::PrefixList { valid } => {
            let id = if *valid { "pl-63a5400a" } else { "pl-xyz" };
            match (Peer::prefix_list(id), valid) {
                (Ok(p), true) => (p, None, None, None),
                (Err(Error::InvalidResourceId { kind: "managed prefix list", .. }), false) => {
                    ctx.expect.count("InvalidResourceId");
                    return Err(());
                }
                (other, _) => panic!("Peer::prefix_list({id}): {other:?}"),
            }
        }
        PeerSpec::Group { stack, group } => {
            let t = ctx.pick_stack(s, stack);
            if !ctx.live[t] {
                return Ok(None);
            }
            let g = group.index(b.groups[t].len());
            (Peer::group(&b.groups[t][g]), None, Some((t, g)), None)
        }
        PeerSpec::External { valid } => {
            let id = if *valid { "sg-0123456789abcdef0" } else { "sg-nothex00" };
            match (ExternalGroup::from_id(id), valid) {
                (Ok(e), true) => (Peer::group(&e), None, None, None),
                (Err(Error::InvalidResourceId { kind: "security group", .. }), false) => {
                    ctx.expect.count("InvalidResourceId");
                    return Err(());
                }
                (other, _) => panic!("ExternalGroup::from_id({id}): {other:?}"),
            }
        }
        PeerSpec::Param { stack, ssm } => {
            let t = stack.index(ctx.n);
            let Some((typed, from_ssm)) = &b.params[t] else { return Ok(None) };
            (Peer::group(if *ssm { from_ssm } else { typed }), None, None, Some(t))
        }
    };
    Ok(Some(made))
}

const NACL_NUMBERS: [u32; 6] = [100, 110, 120, 200, 0, 32767];

/// Builds the app of `spec`, asserting every call against the model.
pub fn build(spec: &AppSpec, opts: Options) -> Built {
    let n = spec.stacks.len();
    let skip = match opts.edit {
        Edit::SkipStack(k) => Some(k),
        _ => None,
    };
    let app = App::new(APP).environment(ENV);
    let mut b = Built {
        app,
        stacks: Vec::new(),
        groups: vec![Vec::new(); n],
        main: None,
        second: None,
        nacls: Vec::new(),
        anchors: vec![None; n],
        params: vec![None; n],
        expect: Expect::default(),
    };
    let mut ctx = Ctx {
        spec,
        opts,
        n,
        live: (0..n).map(|s| skip != Some(s)).collect(),
        group_vpc: vec![Vec::new(); n],
        expect: Expect::default(),
    };
    let second_owner = spec.second.map(|(o, _)| o);

    // Phase A: stacks, VPCs, anchors, parameters.
    for s in 0..n {
        if !ctx.live[s] {
            b.stacks.push(None);
            continue;
        }
        let mut stack = b.app.stack(&format!("s{s}")).unwrap();
        if s == 0 {
            let mut vs = VpcSpec::new("10.0.0.0/16")
                .unwrap()
                .subnets(SubnetGroup::public("public", 24))
                .subnets(SubnetGroup::private("app", 20))
                .subnets(SubnetGroup::isolated("data", 24));
            if spec.ipv6 {
                vs = vs.ipv6();
            }
            let v = stack.vpc("main", vs).unwrap();
            stack
                .gateway_endpoint("s3", ringfence::GatewayService::S3, &v.subnet_group("app").unwrap())
                .unwrap();
            stack.share(&v).unwrap();
            if spec.suppress_default_nacl {
                stack
                    .suppress(&v.subnet_group("public").unwrap(), "RF503", "Only load balancers live here")
                    .unwrap();
            }
            b.main = Some((0, v));
        }
        if second_owner == Some(s) {
            let v = stack
                .vpc(
                    "second",
                    VpcSpec::new("10.1.0.0/16").unwrap().subnets(SubnetGroup::isolated("data", 24)),
                )
                .unwrap();
            if ctx.second_shared() {
                stack.share(&v).unwrap();
            }
            b.second = Some((s, v));
        }
        b.anchors[s] =
            Some(stack.resource("anchor", "AWS::EC2::TransitGatewayRouteTable", Props::new()).unwrap());
        let typed = stack.group_parameter("ptyped", "A group given at deploy time").unwrap();
        let ssm =
            stack.group_from_ssm("pssm", &format!("/prop/s{s}/group"), "A group read from SSM").unwrap();
        b.params[s] = Some((typed, ssm));
        b.stacks.push(Some(stack));
    }

    // Phase B: groups.
    for s in 0..n {
        if !ctx.live[s] {
            continue;
        }
        let count = spec.stacks[s].groups.len();
        let extra = match opts.edit {
            Edit::Extra { stack, pos, shared } if stack == s => Some((pos, shared)),
            _ => None,
        };
        let mut own = Vec::new();
        let mut extra_group = None;
        for g in 0..count {
            let gs = &spec.stacks[s].groups[g];
            let which = group_which(spec, &b, s, g);
            let Some((owner, vpc)) = b.vpc(which).cloned() else {
                // Only a stack nothing uses is left out, and groups use the main VPC.
                panic!("stack s{s} needs the main VPC of a stack left out")
            };
            if let Some((_, shared)) = extra.filter(|&(pos, _)| pos == g) {
                extra_group = Some((make_extra(&mut b, &mut ctx, s), shared));
            }
            let stack = b.stacks[s].as_mut().unwrap();
            let group = stack.security_group(&vpc, format!("s{s}g{g}").as_str(), "Generated role").unwrap();
            ctx.use_vpc(s, which, owner);
            if ctx.shared(s, g) {
                stack.share(&group).unwrap();
            }
            if gs.suppress_world {
                stack.suppress(&group, "RF301", REASON).unwrap();
                stack.suppress(&group, "RF302", REASON).unwrap();
            } else if opts.suppress_all_world {
                stack.suppress(&group, "RF301", EXTRA_REASON).unwrap();
                stack.suppress(&group, "RF302", EXTRA_REASON).unwrap();
            }
            ctx.group_vpc[s].push(which);
            own.push(group);
        }
        if let Some((_, shared)) = extra.filter(|&(pos, _)| pos >= count) {
            extra_group = Some((make_extra(&mut b, &mut ctx, s), shared));
        }
        b.groups[s] = own;
        if let Some((extra, shared)) = extra_group {
            let stack = b.stacks[s].as_mut().unwrap();
            if shared {
                stack.share(&extra).unwrap();
            }
            stack.allow_egress(&extra, Peer::any_ipv4(), Port::HTTPS, "inserted").unwrap();
            stack
                .allow_ingress(
                    &b.groups[s][0],
                    Peer::group(&extra),
                    Port::tcp(9000),
                    "from the inserted group",
                )
                .unwrap();
        }
    }

    // Phase C: network ACLs of the VPC owners.
    build_nacls(spec, &mut b, &mut ctx);

    // Phase D: rules, in spec order (or with one pair swapped, or one left out).
    let mut order: Vec<usize> = (0..spec.rules.len()).collect();
    if let Edit::SwapRules(i) = opts.edit {
        if i + 1 < order.len() {
            order.swap(i, i + 1);
        }
    }
    ctx.expect.rule_info = vec![None; spec.rules.len()];
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for i in order {
        if opts.edit == Edit::SkipRule(i) {
            continue;
        }
        build_rule(spec, i, &mut b, &mut ctx, &mut keys);
    }

    // Phase E: group sets and workloads.
    for s in 0..n {
        if !ctx.live[s] || !spec.stacks[s].workload || opts.edit == Edit::SkipWorkload(s) {
            continue;
        }
        build_workload(spec, s, &mut b, &mut ctx);
    }

    // Phase F: escape-hatch resources.
    ctx.expect.escape_ok = vec![None; spec.escapes.len()];
    let types = escape_types();
    for i in 0..spec.escapes.len() {
        if opts.edit == Edit::SkipEscape(i) {
            continue;
        }
        build_escape(spec, i, &types, &mut b, &mut ctx);
    }

    ctx.expect.checks.sort();
    b.expect = ctx.expect;
    b
}

/// The VPC group `g` of stack `s` is in: the second when the spec asks for it and the
/// stack may use it.
fn group_which(spec: &AppSpec, b: &Built, s: usize, g: usize) -> Which {
    let second_ok = spec.second.is_some_and(|(o, _)| !spec.backwards || o <= s);
    if spec.stacks[s].groups[g].second && second_ok && b.second.is_some() {
        Which::Second
    } else {
        Which::Main
    }
}

/// The extra group of `Edit::Extra`, in the VPC of its stack's first group (so that the
/// first group can admit it).
fn make_extra(b: &mut Built, ctx: &mut Ctx<'_>, s: usize) -> SecurityGroup {
    let which = group_which(ctx.spec, b, s, 0);
    let (owner, vpc) = b.vpc(which).cloned().expect("the first group's VPC");
    let stack = b.stacks[s].as_mut().unwrap();
    let g = stack.security_group(&vpc, format!("s{s}extra").as_str(), "Inserted later").unwrap();
    ctx.use_vpc(s, which, owner);
    g
}

fn build_rule(spec: &AppSpec, i: usize, b: &mut Built, ctx: &mut Ctx<'_>, keys: &mut BTreeSet<String>) {
    let r = &spec.rules[i];
    let s = r.stack.index(ctx.n);
    if !ctx.live[s] {
        return;
    }
    let g = r.group.index(b.groups[s].len());
    let port = match port(r.port) {
        Ok(p) => p,
        Err(e) => {
            expect_port_error(r.port, &e);
            ctx.expect.count("port error");
            return;
        }
    };
    let Ok(made) = make_peer(ctx, b, s, &r.peer) else { return };
    let Some((peer, family, group_peer, param_of)) = made else { return };
    let construct = group_path(s, g);
    let key = format!("{s}/{g}/{}/{peer}/{port}", r.ingress);
    let want = if port_family(port).zip(family).is_some_and(|(a, b)| a != b) {
        Want::Family { construct }
    } else if let Some(t) = param_of.filter(|&t| t != s) {
        let which = if matches!(r.peer, PeerSpec::Param { ssm: true, .. }) { "pssm" } else { "ptyped" };
        Want::ParamOfOther { stack: stack_name(s), object: format!("s{t}/{which}"), owner: stack_name(t) }
    } else if group_peer.is_some_and(|(t, g2)| ctx.group_vpc[t][g2] != ctx.group_vpc[s][g]) {
        Want::CrossVpc { construct }
    } else if keys.contains(&key) {
        Want::Duplicate { construct }
    } else {
        Want::Ok
    };
    let label = match &want {
        Want::Ok => "rule accepted",
        Want::Family { .. } => "ProtocolFamilyMismatch",
        Want::ParamOfOther { .. } => "ParameterOfOtherStack",
        Want::CrossVpc { .. } => "CrossVpc",
        _ => "DuplicateRule",
    };
    ctx.expect.count(label);
    let stack = b.stacks[s].as_mut().unwrap();
    let group = &b.groups[s][g];
    let result = if r.ingress {
        stack.allow_ingress(group, peer.clone(), port, "generated")
    } else {
        stack.allow_egress(group, peer.clone(), port, "generated")
    };
    let ok = expect(result, &want, &format!("rule {i} {r:?}")).is_some();
    if !ok {
        return;
    }
    keys.insert(key.clone());
    ctx.expect.rule_info[i] = Some((
        s,
        g,
        group_peer.is_some() || matches!(r.peer, PeerSpec::External { .. } | PeerSpec::Param { .. }),
        key,
    ));
    if let Some((t, g2)) = group_peer {
        let shared = ctx.shared(t, g2);
        ctx.reference(s, t, shared, group_path(t, g2));
    }
    let world = matches!(r.peer, PeerSpec::Any4 | PeerSpec::Any6);
    let suppressed = spec.stacks[s].groups[g].suppress_world || ctx.opts.suppress_all_world;
    if r.ingress && world && !suppressed {
        if let Some(check) = world_check(r.port) {
            ctx.expect.checks.push((check.to_owned(), stack_name(s), group_path(s, g)));
        }
    }
}

fn build_workload(spec: &AppSpec, s: usize, b: &mut Built, ctx: &mut Ctx<'_>) {
    let ss = &spec.stacks[s];
    // Members: own groups, maybe a group of another stack, a parameter, an external id,
    // each with its VPC (none for groups outside the app).
    let mut members: Vec<(ringfence::GroupRef, Option<Which>)> =
        b.groups[s].iter().zip(&ctx.group_vpc[s]).map(|(g, &v)| (g.into(), Some(v))).collect();
    let mut foreign = None;
    if let Some((ts, tg)) = &ss.set_foreign {
        let t = if spec.backwards { ts.index(s.max(1)) } else { ts.index(ctx.n) };
        if t != s && ctx.live[t] {
            let g = tg.index(b.groups[t].len());
            members.push(((&b.groups[t][g]).into(), Some(ctx.group_vpc[t][g])));
            foreign = Some((t, g));
        }
    }
    if ss.set_param {
        members.push(((&b.params[s].as_ref().unwrap().0).into(), None));
    }
    if ss.set_external {
        members.push(((&ExternalGroup::from_id("sg-0a1b2c3d").unwrap()).into(), None));
    }
    let first = ctx.group_vpc[s][0];
    let all: Vec<ringfence::GroupRef> = members.iter().map(|(m, _)| m.clone()).collect();
    let stack = b.stacks[s].as_mut().unwrap();
    let set = if members.iter().any(|(_, v)| v.is_some_and(|v| v != first)) {
        ctx.expect.count("CrossVpc set");
        let r = stack.group_set("tasks", &all);
        expect(r, &Want::CrossVpc { construct: format!("s{s}/tasks") }, "mixed-VPC group set");
        // Without the groups of other VPCs than the first group's.
        let same: Vec<ringfence::GroupRef> =
            members.into_iter().filter(|(_, v)| v.is_none_or(|v| v == first)).map(|(m, _)| m).collect();
        if let Some((t, g)) = foreign.filter(|&(t, g)| ctx.group_vpc[t][g] == first) {
            let shared = ctx.shared(t, g);
            ctx.reference(s, t, shared, group_path(t, g));
        }
        stack.group_set("tasks", same).unwrap()
    } else {
        ctx.expect.count("group set");
        if let Some((t, g)) = foreign {
            let shared = ctx.shared(t, g);
            ctx.reference(s, t, shared, group_path(t, g));
        }
        stack.group_set("tasks", &all).unwrap()
    };
    let (owner, vpc) = b.vpc(first).cloned().unwrap();
    let subnets = match first {
        Which::Main => vpc.subnet_group("app").unwrap(),
        Which::Second => vpc.subnet_group("data").unwrap(),
    };
    ctx.use_vpc(s, first, owner);
    let props = Props::new().set("Subnets", &subnets).set("SecurityGroups", &set);
    let stack = b.stacks[s].as_mut().unwrap();
    stack.resource("workload", "AWS::ECS::Service", props).unwrap();
}

/// A value for a target property of an escape-hatch resource of stack `s`, and whether
/// it names an object `s` creates.
pub fn target_value(b: &Built, live: &[bool], s: usize, target: &Target, choice: Choice) -> (Prop, bool) {
    let own_vpc: Option<Vpc> = match (&b.main, &b.second) {
        (Some((0, v)), _) if s == 0 => Some(v.clone()),
        (_, Some((o, v))) if *o == s => Some(v.clone()),
        _ => None,
    };
    // A VPC `s` does not create: `t`'s if it has one, else any.
    let other_vpc = |t: usize| -> Option<Vpc> {
        let vpcs: Vec<&(usize, Vpc)> =
            [&b.main, &b.second].into_iter().flatten().filter(|(o, _)| *o != s).collect();
        vpcs.iter().find(|(o, _)| *o == t).or(vpcs.first()).map(|(_, v)| v.clone())
    };
    let own_subnet_list = |v: &Vpc| -> Subnets { v.subnet_group("data").unwrap() };
    let one = |p: Prop| if target.list { Prop::List(vec![p]) } else { p };
    let literal = || one(Prop::from("x-0a1b2c3d"));
    let param = || -> Prop {
        // The stack's typed group parameter: given at deploy time, owned by no stack.
        one(Prop::from(&b.params[s].as_ref().unwrap().0))
    };
    match choice {
        Choice::Own => match target.object {
            NetworkObject::Vpc => match &own_vpc {
                Some(v) => (one(v.into()), true),
                None => match other_vpc(s) {
                    Some(v) => (one((&v).into()), false),
                    None => (literal(), false),
                },
            },
            NetworkObject::Subnet => match &own_vpc {
                Some(v) if target.list => ((&own_subnet_list(v)).into(), true),
                Some(v) => ((&v.subnet("data", 0).unwrap()).into(), true),
                None => match other_vpc(s) {
                    Some(v) => ((&v.subnet("data", 0).unwrap()).into(), false),
                    None => (literal(), false),
                },
            },
            NetworkObject::SecurityGroup => (one((&b.groups[s][0]).into()), true),
            // The builder has no handle of a route table or network ACL for escape-hatch
            // properties (they are the VPC's and the NACL calls'), and an escape-hatch
            // resource of another type is no route table: only foreign values are left.
            NetworkObject::RouteTable | NetworkObject::NetworkAcl => (literal(), false),
            _ => (one(Prop::Reference(b.anchors[s].clone().unwrap())), true),
        },
        Choice::Other(i) => {
            let others: Vec<usize> = (0..live.len()).filter(|&t| t != s && live[t]).collect();
            if others.is_empty() {
                return (literal(), false);
            }
            let t = others[i.index(others.len())];
            match target.object {
                NetworkObject::Vpc => match other_vpc(t) {
                    Some(v) => (one((&v).into()), false),
                    None => (literal(), false),
                },
                NetworkObject::Subnet => match other_vpc(t) {
                    Some(v) if target.list => ((&own_subnet_list(&v)).into(), false),
                    Some(v) => ((&v.subnet("data", 0).unwrap()).into(), false),
                    None => (literal(), false),
                },
                NetworkObject::SecurityGroup => (one((&b.groups[t][0]).into()), false),
                _ => (one(Prop::Reference(b.anchors[t].clone().unwrap())), false),
            }
        }
        Choice::Literal => (literal(), false),
        Choice::Param => (param(), false),
        Choice::External => match target.object {
            NetworkObject::Vpc => (one((&Vpc::from_id("vpc-0a1b2c3d").unwrap()).into()), false),
            NetworkObject::SecurityGroup => {
                (one((&ExternalGroup::from_id("sg-0a1b2c3d").unwrap()).into()), false)
            }
            _ => (literal(), false),
        },
    }
}

fn build_escape(
    spec: &AppSpec,
    i: usize,
    types: &[(&'static str, &'static [Target])],
    b: &mut Built,
    ctx: &mut Ctx<'_>,
) {
    let e = &spec.escapes[i];
    let s = e.stack.index(ctx.n);
    if !ctx.live[s] {
        return;
    }
    let (ty, targets) = types[e.ty.index(types.len())];
    let id = format!("x{i}");
    let construct = format!("s{s}/{id}");
    let mut props = Props::new();
    let mut first_foreign = None;
    for (k, target) in targets.iter().enumerate() {
        let (value, own) = target_value(b, &ctx.live, s, target, e.choices[k % e.choices.len()]);
        if !own && first_foreign.is_none() {
            first_foreign = Some(target.property);
        }
        props = props.set(target.property, value);
    }
    let want = if GUARDED.contains(&ty) {
        ctx.expect.count("NetworkResourceInEscapeHatch");
        Want::Guarded { construct, resource_type: ty.to_owned() }
    } else if let Some(property) = first_foreign {
        ctx.expect.count("ForeignNetworkTarget");
        Want::ForeignTarget { construct, resource_type: ty.to_owned(), property }
    } else {
        ctx.expect.count(if targets.is_empty() { "escape without targets" } else { "escape on own targets" });
        Want::Ok
    };
    let stack = b.stacks[s].as_mut().unwrap();
    if expect(stack.resource(&id, ty, props), &want, &format!("escape {i} {ty}")).is_some() {
        ctx.expect.escape_ok[i] = Some((s, id));
    }
}

/// The model of one network ACL.
#[derive(Default)]
struct AclModel {
    /// (egress, number, allow, peer, port)
    entries: Vec<(bool, u32, bool, String, String)>,
}

fn build_nacls(spec: &AppSpec, b: &mut Built, ctx: &mut Ctx<'_>) {
    // Each VPC owner creates its NACLs.
    let mut models: Vec<AclModel> = Vec::new();
    for (which, count) in [(Which::Main, spec.nacls_main), (Which::Second, spec.nacls_second)] {
        let Some((owner, vpc)) = b.vpc(which).cloned() else { continue };
        let prefix = if which == Which::Main { "main" } else { "second" };
        for i in 0..count {
            let stack = b.stacks[owner].as_mut().unwrap();
            let acl = stack.network_acl(&vpc, &format!("{prefix}-acl{i}")).unwrap();
            b.nacls.push((owner, which, acl));
            models.push(AclModel::default());
        }
    }
    // Associations: (VPC, subnet group) taken.
    let mut taken: BTreeSet<(Which, String)> = BTreeSet::new();
    for (i, op) in spec.nacl_ops.iter().enumerate() {
        let which = if op.second { Which::Second } else { Which::Main };
        let candidates: Vec<usize> = (0..b.nacls.len()).filter(|&k| b.nacls[k].1 == which).collect();
        if candidates.is_empty() {
            continue; // no NACL in that VPC (no second VPC, or none made in it)
        }
        let k = candidates[op.acl.index(candidates.len())];
        let (owner, _, acl) = b.nacls[k].clone();
        let construct = acl.path().to_owned();
        match &op.kind {
            NaclKind::Associate { second, group } => {
                let target = if *second && spec.second.is_some() { Which::Second } else { Which::Main };
                let Some((t_owner, vpc)) = b.vpc(target).cloned() else {
                    continue; // the VPC's stack is left out
                };
                let names: &[&str] =
                    if target == Which::Main { &["public", "app", "data"] } else { &["data"] };
                let name = names[group.index(names.len())];
                let subnets = vpc.subnet_group(name).unwrap();
                let want = if t_owner != owner {
                    Want::Foreign {
                        stack: stack_name(owner),
                        action: "associate a network ACL with subnets of",
                        object: vpc.path().to_owned(),
                        owner: stack_name(t_owner),
                    }
                } else if target != which || taken.contains(&(target, name.to_owned())) {
                    Want::Nacl { construct }
                } else {
                    Want::Ok
                };
                ctx.expect.count(if want == Want::Ok {
                    "NACL associated"
                } else {
                    "NACL association refused"
                });
                let stack = b.stacks[owner].as_mut().unwrap();
                if expect(stack.associate_nacl(&acl, &subnets), &want, &format!("nacl op {i} {op:?}"))
                    .is_some()
                {
                    taken.insert((target, name.to_owned()));
                }
            }
            NaclKind::Entry { number, egress, allow, peer, port: p, with_return } => {
                let number = NACL_NUMBERS[*number];
                let port = port(*p).expect("valid port");
                let Ok(made) = make_peer(ctx, b, owner, peer) else { continue };
                let Some((peer, family, _, _)) = made else { continue };
                let rule = match (egress, allow) {
                    (false, true) => NaclRule::allow_in(number, peer.clone(), port, "generated entry"),
                    (false, false) => NaclRule::deny_in(number, peer.clone(), port, "generated entry"),
                    (true, true) => NaclRule::allow_out(number, peer.clone(), port, "generated entry"),
                    (true, false) => NaclRule::deny_out(number, peer.clone(), port, "generated entry"),
                };
                let model = &mut models[k];
                let bad_entry = !(1..=32766).contains(&number)
                    || family.is_none()
                    || port_family(port).is_some_and(|f| Some(f) != family);
                let used =
                    |m: &AclModel, eg: bool, num: u32| m.entries.iter().any(|e| e.0 == eg && e.1 == num);
                let entry = (*egress, number, *allow, peer.to_string(), port.to_string());
                let stack = b.stacks[owner].as_mut().unwrap();
                if *with_return {
                    let back = return_port(port);
                    let mut added = Vec::new();
                    let ok = if let (true, Some(back), false) = (*allow, back, bad_entry) {
                        let reply = (!egress, number, true, peer.to_string(), back.to_string());
                        let covered = model
                            .entries
                            .iter()
                            .any(|e| e.0 == reply.0 && e.2 && e.3 == reply.3 && e.4 == reply.4);
                        if covered {
                            if used(model, *egress, number) {
                                false
                            } else {
                                added.push(entry.clone());
                                true
                            }
                        } else if used(model, !egress, number) || used(model, *egress, number) {
                            false
                        } else {
                            added.push(entry.clone());
                            added.push(reply);
                            true
                        }
                    } else {
                        false // a deny entry, a flow with no return, or a bad entry
                    };
                    let want = if ok { Want::Ok } else { Want::Nacl { construct } };
                    ctx.expect.count(if ok {
                        "NACL entry with return"
                    } else {
                        "NACL entry with return refused"
                    });
                    let r = stack.nacl_allow_with_return(&acl, rule);
                    if expect(r, &want, &format!("nacl op {i} {op:?}")).is_some() {
                        model.entries.extend(added);
                    }
                } else {
                    let ok = !bad_entry && !used(model, *egress, number);
                    let want = if ok { Want::Ok } else { Want::Nacl { construct } };
                    ctx.expect.count(if ok { "NACL entry" } else { "NACL entry refused" });
                    if expect(stack.nacl_entry(&acl, rule), &want, &format!("nacl op {i} {op:?}")).is_some() {
                        model.entries.push(entry);
                    }
                }
            }
        }
    }
}

/// The port of the return traffic of a flow on `port` (the NACL model).
fn return_port(port: Port) -> Option<Port> {
    match port.protocol() {
        Protocol::Tcp => Some(Port::tcp_range(1024, 65535).unwrap()),
        Protocol::Udp => Some(Port::udp_range(1024, 65535).unwrap()),
        Protocol::All => Some(Port::ALL_TRAFFIC),
        Protocol::Icmp => match port.cfn_ports() {
            Some((8, _)) => Some(Port::icmp(0, 0).unwrap()),
            Some((-1, _)) => Some(Port::ALL_ICMP),
            _ => None,
        },
        Protocol::Icmpv6 => match port.cfn_ports() {
            Some((128, _)) => Some(Port::icmpv6(129, 0).unwrap()),
            Some((-1, _)) => Some(Port::ALL_ICMPV6),
            _ => None,
        },
        Protocol::Other(_) => None, // no `Port` holds one
    }
}

// ---------------------------------------------------------------------------------------
// Comparing synthesis with the model.

/// Asserts that synthesis of `b` gave exactly the errors the model expects (or none),
/// and returns the assembly when it succeeded.
#[track_caller]
pub fn synth_as_expected(b: &Built) -> Option<ringfence::Assembly> {
    let n = b.stacks.len();
    let cycle = b.expect.has_cycle(n);
    match b.app.synth() {
        Ok(a) => {
            assert!(
                b.expect.not_shared.is_empty() && b.expect.checks.is_empty() && !cycle,
                "synthesis succeeded, expected errors: {:?}",
                b.expect
            );
            Some(a)
        }
        Err(e) => {
            let mut not_shared = BTreeSet::new();
            let mut checks = Vec::new();
            let mut cycles = 0;
            for err in &e.errors {
                match err {
                    Error::NotShared { consumer, object, owner, .. } => {
                        not_shared.insert((consumer.clone(), object.clone(), owner.clone()));
                    }
                    Error::Check { construct, finding: f } => {
                        assert_eq!(f.severity, ringfence::analyze::Severity::Error, "{f}");
                        assert!(err.to_string().starts_with(&format!("{construct}: ")), "{err}");
                        checks.push((f.check.to_owned(), f.template.clone(), construct.clone()));
                    }
                    Error::StackCycle { .. } => cycles += 1,
                    other => panic!("unexpected synthesis error {other}\nall: {e}"),
                }
            }
            checks.sort();
            assert_eq!(not_shared, b.expect.not_shared, "NotShared errors\n{e}");
            assert_eq!(checks, b.expect.checks, "check errors\n{e}");
            assert_eq!(cycles > 0, cycle, "cycle errors (edges {:?})\n{e}", b.expect.edges);
            None
        }
    }
}
