//! Reachability: can one endpoint (its groups, its subnet, an address) reach another on
//! a protocol and port? Evaluated as AWS does:
//!
//! - security groups are stateful and a union: the flow leaves if **any** group of the
//!   source allows it out (a group with no inline egress keeps EC2's allow-all egress),
//!   and enters if **any** group of the destination allows it in; replies need no rule;
//! - network ACLs are stateless and ordered, first match wins, and apply only between
//!   different subnets: the source subnet's NACL must allow the flow out and its replies
//!   in (on every ephemeral port, 1024-65535), the destination subnet's NACL the flow in
//!   and its replies out; a subnet with no NACL association uses the default NACL, which
//!   allows everything;
//! - routes decide flows to and from the Internet: the source subnet needs a route to an
//!   internet, NAT or egress-only gateway covering the destination.
//!
//! The answer is a verdict and the steps that decided it: the rules that allowed, or the
//! layer that denied.

use std::net::IpAddr;

use ipnet::IpNet;

use ringfence_cfn::ec2::{Direction, Protocol, EPHEMERAL_PORTS};

use crate::model::{AssociationKind, Location, Model, NaclEntry, RouteTarget, Rule, RulePeer};
use crate::suite::Obj;

/// Ephemeral ports that replies use ([`EPHEMERAL_PORTS`]).
const EPHEMERAL: (i32, i32) = (EPHEMERAL_PORTS.0 as i32, EPHEMERAL_PORTS.1 as i32);

/// One end of a flow.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Endpoint {
    /// The security groups of its network interface (none for the Internet).
    pub groups: Vec<Obj>,
    /// Its subnet, when in the suite's VPCs.
    pub subnet: Option<Obj>,
    /// Its address (for CIDR rules and NACL entries).
    pub address: Option<IpAddr>,
}

impl Endpoint {
    /// A host on the Internet.
    pub fn internet(address: IpAddr) -> Endpoint {
        Endpoint { groups: Vec::new(), subnet: None, address: Some(address) }
    }

    /// A workload of the model (by template and logical id): its groups, its first
    /// subnet, and as address the first host address AWS leaves usable in that subnet
    /// (the fifth; the first four are reserved) when the subnet's range is known.
    pub fn workload(model: &Model<'_>, stack: &str, logical_id: &str) -> Option<Endpoint> {
        let w = model
            .workloads
            .iter()
            .find(|w| model.stack_name(w.at.stack) == stack && w.at.id.as_str() == logical_id)?;
        let subnet = w.subnets.first().cloned();
        let address = subnet.as_ref().and_then(|s| subnet_address(model, s));
        Some(Endpoint { groups: w.groups.clone(), subnet, address })
    }

    /// An endpoint in `groups` and `subnet` (its address taken as for
    /// [`Endpoint::workload`]).
    pub fn in_subnet(model: &Model<'_>, groups: Vec<Obj>, subnet: Obj) -> Endpoint {
        let address = subnet_address(model, &subnet);
        Endpoint { groups, subnet: Some(subnet), address }
    }
}

fn subnet_address(model: &Model<'_>, subnet: &Obj) -> Option<IpAddr> {
    let s =
        model.subnets.iter().find(|s| Obj::Local { stack: s.at.stack, id: s.at.id.clone() } == *subnet)?;
    let net = s.cidr?;
    Some(IpAddr::V4(std::net::Ipv4Addr::from(u32::from(net.network()).checked_add(4)?)))
}

impl Layer {
    /// A short stable name: `groups-out`, `groups-in`, `source-nacl-out`,
    /// `source-nacl-return`, `destination-nacl-in`, `destination-nacl-return`, `route`.
    pub fn name(self) -> &'static str {
        match self {
            Layer::GroupsOut => "groups-out",
            Layer::GroupsIn => "groups-in",
            Layer::SourceNaclOut => "source-nacl-out",
            Layer::SourceNaclReturn => "source-nacl-return",
            Layer::DestinationNaclIn => "destination-nacl-in",
            Layer::DestinationNaclReturn => "destination-nacl-return",
            Layer::Route => "route",
        }
    }
}

/// Which layer a step is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Security groups of the source, going out.
    GroupsOut,
    /// Security groups of the destination, coming in.
    GroupsIn,
    /// The source subnet's NACL, going out.
    SourceNaclOut,
    /// The source subnet's NACL, replies coming back in.
    SourceNaclReturn,
    /// The destination subnet's NACL, coming in.
    DestinationNaclIn,
    /// The destination subnet's NACL, replies going back out.
    DestinationNaclReturn,
    /// Routes of the source subnet.
    Route,
}

/// One decision on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The layer.
    pub layer: Layer,
    /// Whether it let the flow through.
    pub allowed: bool,
    /// The rule, entry or route that decided, when one did.
    pub at: Option<Location>,
    /// What happened, in words.
    pub detail: String,
}

/// The answer to a reachability question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Whether the flow gets through every layer.
    pub allowed: bool,
    /// Every layer's decision, in the order a packet meets them; on a denial, the last
    /// step is the one that denied.
    pub steps: Vec<Step>,
}

fn rule_admits(rule: &Rule, protocol: Protocol, port: i32, other: &Endpoint) -> bool {
    if !rule.covers(protocol, port) {
        return false;
    }
    match &rule.peer {
        RulePeer::V4(n) => other.address.is_some_and(|a| IpNet::V4(*n).contains(&a)),
        RulePeer::V6(n) => other.address.is_some_and(|a| IpNet::V6(*n).contains(&a)),
        RulePeer::Group(g) => other.groups.contains(g),
        // What a prefix list or a peer known only at deployment holds is not known here.
        RulePeer::PrefixList(_) | RulePeer::Undecided(_) | RulePeer::None => false,
    }
}

fn groups_out(m: &Model<'_>, from: &Endpoint, to: &Endpoint, protocol: Protocol, port: i32) -> Step {
    let layer = Layer::GroupsOut;
    if from.groups.is_empty() {
        return Step { layer, allowed: true, at: None, detail: "the source is in no security group".into() };
    }
    for g in &from.groups {
        if let Some(group) = m.group(g) {
            if !group.inline_egress {
                return Step {
                    layer,
                    allowed: true,
                    at: Some(group.at.clone()),
                    detail: format!(
                        "{} has no inline egress, so EC2's allow-all egress applies",
                        m.describe(g)
                    ),
                };
            }
        }
        if let Some(rule) = m
            .rules
            .iter()
            .find(|r| r.group == *g && r.direction == Direction::Egress && rule_admits(r, protocol, port, to))
        {
            return Step { layer, allowed: true, at: Some(rule.at.clone()), detail: explain(m, rule) };
        }
    }
    Step { layer, allowed: false, at: None, detail: "no group of the source allows this traffic out".into() }
}

fn groups_in(m: &Model<'_>, from: &Endpoint, to: &Endpoint, protocol: Protocol, port: i32) -> Step {
    let layer = Layer::GroupsIn;
    if to.groups.is_empty() {
        return Step {
            layer,
            allowed: true,
            at: None,
            detail: "the destination is in no security group".into(),
        };
    }
    for g in &to.groups {
        if let Some(rule) = m.rules.iter().find(|r| {
            r.group == *g && r.direction == Direction::Ingress && rule_admits(r, protocol, port, from)
        }) {
            return Step { layer, allowed: true, at: Some(rule.at.clone()), detail: explain(m, rule) };
        }
    }
    Step { layer, allowed: false, at: None, detail: "no group of the destination admits this traffic".into() }
}

fn explain(m: &Model<'_>, rule: &Rule) -> String {
    let peer = match &rule.peer {
        RulePeer::V4(n) => n.to_string(),
        RulePeer::V6(n) => n.to_string(),
        RulePeer::Group(g) | RulePeer::PrefixList(g) => m.describe(g),
        RulePeer::Undecided(o) => format!("{} (known at deployment)", m.describe(o)),
        RulePeer::None => "nothing".into(),
    };
    let how = if rule.direction == Direction::Ingress {
        format!("admits it from {peer}")
    } else {
        format!("lets it out to {peer}")
    };
    let why = rule.description.as_deref().unwrap_or("no description");
    format!("{} {how} ({why})", m.describe(&rule.group))
}

/// The NACL of a subnet, `None` for the default NACL.
fn nacl_of<'m>(m: &'m Model<'_>, subnet: &Obj) -> Option<&'m Obj> {
    m.associations.iter().find(|a| a.kind == AssociationKind::Nacl && a.subnet == *subnet).map(|a| &a.target)
}

/// The first entry of `nacl` in `direction` that matches a packet, if any.
fn first_match<'m>(
    m: &'m Model<'_>,
    nacl: &Obj,
    direction: Direction,
    protocol: Protocol,
    port: i32,
    remote: IpAddr,
) -> Option<&'m NaclEntry> {
    let mut entries: Vec<&NaclEntry> =
        m.nacl_entries.iter().filter(|e| e.nacl == *nacl && e.direction == direction).collect();
    entries.sort_by_key(|e| e.number);
    entries.into_iter().find(|e| {
        e.ports.is_some_and(|p| p.covers(protocol, port)) && e.cidr.is_some_and(|c| c.contains(&remote))
    })
}

/// Whether every port of `lo..=hi` is allowed: first-match decided per stretch of ports
/// between the entries' range boundaries.
fn range_allowed<'m>(
    m: &'m Model<'_>,
    nacl: &Obj,
    direction: Direction,
    protocol: Protocol,
    (lo, hi): (i32, i32),
    remote: IpAddr,
) -> Result<Option<&'m NaclEntry>, Option<i32>> {
    let mut cuts = vec![lo];
    let ranges = m
        .nacl_entries
        .iter()
        .filter(|e| e.nacl == *nacl && e.direction == direction)
        .filter_map(|e| e.ports.filter(|p| p.protocol().has_ports()));
    for p in ranges {
        for c in [p.from_port(), p.to_port().saturating_add(1)] {
            if lo < c && c <= hi {
                cuts.push(c);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut decided_by = None;
    for p in cuts {
        match first_match(m, nacl, direction, protocol, p, remote) {
            Some(e) if e.allow => decided_by = decided_by.or(Some(e)),
            _ => return Err(Some(p)),
        }
    }
    Ok(decided_by)
}

fn reply(protocol: Protocol, port: i32) -> Option<(Protocol, i32, i32)> {
    match protocol {
        Protocol::Tcp | Protocol::Udp | Protocol::All => Some((protocol, EPHEMERAL.0, EPHEMERAL.1)),
        Protocol::Icmp if port == 8 => Some((Protocol::Icmp, 0, 0)),
        Protocol::Icmpv6 if port == 128 => Some((Protocol::Icmpv6, 129, 129)),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
fn nacl_step(
    m: &Model<'_>,
    layer: Layer,
    subnet: &Obj,
    direction: Direction,
    protocol: Protocol,
    ports: (i32, i32),
    remote: Option<IpAddr>,
    what: &str,
) -> Step {
    let Some(nacl) = nacl_of(m, subnet) else {
        return Step {
            layer,
            allowed: true,
            at: None,
            detail: format!("{} uses the default NACL, which allows {what}", m.describe(subnet)),
        };
    };
    let Some(remote) = remote else {
        return Step {
            layer,
            allowed: false,
            at: None,
            detail: format!(
                "the other end has no known address, so {} cannot be evaluated",
                m.describe(nacl)
            ),
        };
    };
    let single = ports.0 == ports.1;
    let result = if single || !protocol.has_ports() {
        match first_match(m, nacl, direction, protocol, ports.0, remote) {
            Some(e) if e.allow => Ok(Some(e)),
            Some(e) => {
                return Step {
                    layer,
                    allowed: false,
                    at: Some(e.at.clone()),
                    detail: format!("entry {} of {} denies {what}", e.number, m.describe(nacl)),
                }
            }
            None => Err(Some(ports.0)),
        }
    } else {
        range_allowed(m, nacl, direction, protocol, ports, remote)
    };
    match result {
        Ok(e) => Step {
            layer,
            allowed: true,
            at: e.map(|e| e.at.clone()),
            detail: format!(
                "{} allows {what}{}",
                m.describe(nacl),
                e.map(|e| format!(" (entry {})", e.number)).unwrap_or_default()
            ),
        },
        Err(port) => Step {
            layer,
            allowed: false,
            at: None,
            detail: format!(
                "{} does not allow {what}{}",
                m.describe(nacl),
                port.map(|p| format!(" (port {p})")).unwrap_or_default()
            ),
        },
    }
}

fn route_step(m: &Model<'_>, subnet: &Obj, to: IpAddr) -> Step {
    let layer = Layer::Route;
    let table = m
        .associations
        .iter()
        .find(|a| a.kind == AssociationKind::RouteTable && a.subnet == *subnet)
        .map(|a| &a.target);
    let Some(table) = table else {
        return Step {
            layer,
            allowed: false,
            at: None,
            detail: format!(
                "{} uses its VPC's main route table, which routes nothing out",
                m.describe(subnet)
            ),
        };
    };
    let best = m
        .routes
        .iter()
        .filter(|r| r.table == *table && r.destination.is_some_and(|d| d.contains(&to)))
        .max_by_key(|r| r.destination.map_or(0, |d| d.prefix_len()));
    match best {
        Some(r) if !matches!(r.target, RouteTarget::Other) => Step {
            layer,
            allowed: true,
            at: Some(r.at.clone()),
            detail: format!("{} routes {to} out of the VPC", m.describe(table)),
        },
        _ => Step {
            layer,
            allowed: false,
            at: None,
            detail: format!("{} has no route to {to}", m.describe(table)),
        },
    }
}

/// Can `from` reach `to` on `protocol` and `port` (for ICMP, `port` is the type)?
pub fn reach(m: &Model<'_>, from: &Endpoint, to: &Endpoint, protocol: Protocol, port: i32) -> Answer {
    let mut steps = Vec::new();
    let mut push = |s: Step| {
        let ok = s.allowed;
        steps.push(s);
        ok
    };
    let ok = push(groups_out(m, from, to, protocol, port))
        && push(groups_in(m, from, to, protocol, port))
        && nacls(m, from, to, protocol, port, &mut push)
        && routes(m, from, to, &mut push);
    Answer { allowed: ok, steps }
}

fn nacls(
    m: &Model<'_>,
    from: &Endpoint,
    to: &Endpoint,
    protocol: Protocol,
    port: i32,
    push: &mut impl FnMut(Step) -> bool,
) -> bool {
    if from.subnet.is_some() && from.subnet == to.subnet {
        return true; // NACLs filter traffic between subnets only
    }
    let back = reply(protocol, port);
    if let Some(s) = &from.subnet {
        if !push(nacl_step(
            m,
            Layer::SourceNaclOut,
            s,
            Direction::Egress,
            protocol,
            (port, port),
            to.address,
            "the traffic out",
        )) {
            return false;
        }
        if let Some((p, lo, hi)) = back {
            if !push(nacl_step(
                m,
                Layer::SourceNaclReturn,
                s,
                Direction::Ingress,
                p,
                (lo, hi),
                to.address,
                "the replies in",
            )) {
                return false;
            }
        }
    }
    if let Some(s) = &to.subnet {
        if !push(nacl_step(
            m,
            Layer::DestinationNaclIn,
            s,
            Direction::Ingress,
            protocol,
            (port, port),
            from.address,
            "the traffic in",
        )) {
            return false;
        }
        if let Some((p, lo, hi)) = back {
            if !push(nacl_step(
                m,
                Layer::DestinationNaclReturn,
                s,
                Direction::Egress,
                p,
                (lo, hi),
                from.address,
                "the replies out",
            )) {
                return false;
            }
        }
    }
    true
}

fn routes(m: &Model<'_>, from: &Endpoint, to: &Endpoint, push: &mut impl FnMut(Step) -> bool) -> bool {
    match (&from.subnet, &to.subnet, to.address) {
        (Some(s), None, Some(addr)) => push(route_step(m, s, addr)),
        _ => true,
    }
}
