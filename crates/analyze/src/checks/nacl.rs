//! Network ACLs: stateless, ordered, first match wins.

use super::{RF501, RF502, RF503};
use ringfence_cfn::ec2::{Direction, PortRange, Protocol, EPHEMERAL_PORTS};
use rustc_hash::FxHashSet as HashSet;

use crate::finding::Reporter;
use crate::model::{AssociationKind, Model, NaclEntry};
use crate::suite::Obj;

/// Ephemeral ports that return traffic uses.
const EPHEMERAL: (i32, i32) = (EPHEMERAL_PORTS.0 as i32, EPHEMERAL_PORTS.1 as i32);

pub(super) fn run<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    no_return(m, r);
    shadowed(m, r);
    default_nacl(m, r);
}

/// The ports an entry matches: every port for every protocol and for `-1` to `-1`.
fn span(p: PortRange) -> (i32, i32) {
    if p.protocol() == Protocol::All || (p.from_port() == -1 && p.to_port() == -1) {
        (0, 65535)
    } else {
        (p.from_port(), p.to_port())
    }
}

fn proto_covers(outer: Protocol, inner: Protocol) -> bool {
    outer == Protocol::All || outer == inner
}

fn cidr_covers(outer: &Option<ipnet::IpNet>, inner: &Option<ipnet::IpNet>) -> bool {
    match (outer, inner) {
        (Some(o), Some(i)) => o.contains(i),
        // The whole of an address family covers a range known only at deployment (a
        // parameter without a value), taken to be of that family.
        (Some(o), None) => o.prefix_len() == 0,
        _ => false,
    }
}

/// Whether `outer` matches every packet `inner` matches.
fn covers(outer: &NaclEntry, inner: &NaclEntry) -> bool {
    let (o, i) = match (outer.ports, inner.ports) {
        (Some(o), Some(i)) => (o, i),
        // An entry whose protocol is unreadable matches no packet: another one, or an
        // entry of every protocol, covers it when its range does (an entry with an
        // unreadable number has no range).
        (None, None) => return cidr_covers(&outer.cidr, &inner.cidr),
        (Some(o), None) => return o.protocol() == Protocol::All && cidr_covers(&outer.cidr, &inner.cidr),
        (None, Some(_)) => return false,
    };
    let (of, ot) = span(o);
    let (inf, int) = span(i);
    let (op, ip) = (o.protocol(), i.protocol());
    proto_covers(op, ip)
        && cidr_covers(&outer.cidr, &inner.cidr)
        && (!ip.has_ports() || op == Protocol::All || (of <= inf && int <= ot))
        && (!ip.is_icmp()
            || op == Protocol::All
            || o.from_port() == -1
            || (o.from_port() == i.from_port() && (o.to_port() == -1 || o.to_port() == i.to_port())))
}

fn no_return<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    for e in m.nacl_entries.iter().filter(|e| e.allow) {
        let Some(p) = e.ports.filter(|p| p.protocol().has_ports()) else { continue };
        let (from, to) = span(p);
        // An entry that reaches up to the top of the ephemeral range (1024-65535,
        // 32768-65535, 49152-65535) is itself the return path of some flow.
        if from >= EPHEMERAL.0 && to == EPHEMERAL.1 {
            continue;
        }
        let back = match e.direction {
            Direction::Ingress => Direction::Egress,
            Direction::Egress => Direction::Ingress,
        };
        let ok = m.nacl_entries.iter().any(|o| {
            let Some(op) = o.ports else { return false };
            let (of, ot) = span(op);
            o.nacl == e.nacl
                && o.direction == back
                && o.allow
                && proto_covers(op.protocol(), p.protocol())
                && cidr_covers(&o.cidr, &e.cidr)
                && of <= EPHEMERAL.0
                && ot >= EPHEMERAL.1
        });
        if !ok {
            let dir = if e.direction == Direction::Ingress { "in from" } else { "out to" };
            let cidr = e.cidr.map_or("a range known only at deployment".into(), |c| c.to_string());
            let (lo, hi) = EPHEMERAL;
            r.report(
                &RF501,
                &e.at,
                format!("allows {dir} {cidr} on {p} but not the return traffic on ephemeral ports {lo}-{hi}"),
                "allow the return direction too (ringfence: nacl_allow_with_return)",
            );
        }
    }
}

fn shadowed<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    for e in &m.nacl_entries {
        let earlier = m
            .nacl_entries
            .iter()
            .filter(|o| {
                o.nacl == e.nacl && o.direction == e.direction && o.number < e.number && o.number >= 0
            })
            .find(|o| covers(o, e));
        if let Some(o) = earlier {
            let action = if o.allow { "allows" } else { "denies" };
            r.report(
                &RF502,
                &e.at,
                format!(
                    "rule {} never matches: rule {} already {action} all of its traffic",
                    e.number, o.number
                ),
                "remove it, or give it a lower number than the broader rule",
            );
        }
    }
}

fn default_nacl<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    let associated: HashSet<&Obj> =
        m.associations.iter().filter(|a| a.kind == AssociationKind::Nacl).map(|a| &a.subnet).collect();
    for s in &m.subnets {
        let me = Obj::Local { stack: s.at.stack, id: s.at.id.clone() };
        if !associated.contains(&me) {
            r.report(
                &RF503,
                &s.at,
                "uses its VPC's default network ACL, which allows everything".into(),
                "fine for most subnets; give data tiers a NACL that admits only their clients",
            );
        }
    }
}
