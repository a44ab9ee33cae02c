//! Network ACLs: stateless, ordered, first match wins.

use rustc_hash::FxHashSet as HashSet;

use crate::finding::Reporter;
use crate::model::{AssociationKind, Direction, Model, NaclEntry, Proto};
use crate::suite::Obj;

/// Ephemeral ports that return traffic uses.
const EPHEMERAL: (i64, i64) = (1024, 65535);

pub(super) fn run<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    no_return(m, r);
    shadowed(m, r);
    default_nacl(m, r);
}

fn ports(e: &NaclEntry) -> (i64, i64) {
    if e.proto == Proto::All || (e.from == -1 && e.to == -1) {
        (0, 65535)
    } else {
        (e.from, e.to)
    }
}

fn proto_covers(outer: Proto, inner: Proto) -> bool {
    outer == Proto::All || outer == inner
}

fn cidr_covers(outer: &Option<ipnet::IpNet>, inner: &Option<ipnet::IpNet>) -> bool {
    match (outer, inner) {
        (Some(o), Some(i)) => o.contains(i),
        _ => false,
    }
}

/// Whether `outer` matches every packet `inner` matches.
fn covers(outer: &NaclEntry, inner: &NaclEntry) -> bool {
    let (of, ot) = ports(outer);
    let (inf, int) = ports(inner);
    proto_covers(outer.proto, inner.proto)
        && cidr_covers(&outer.cidr, &inner.cidr)
        && (!inner.proto.has_ports() || outer.proto == Proto::All || (of <= inf && int <= ot))
        && (!matches!(inner.proto, Proto::Icmp | Proto::Icmpv6)
            || outer.proto == Proto::All
            || outer.from == -1
            || (outer.from == inner.from && (outer.to == -1 || outer.to == inner.to)))
}

fn no_return<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    for e in m.nacl_entries.iter().filter(|e| e.allow && e.proto.has_ports()) {
        let (from, to) = ports(e);
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
            let (of, ot) = ports(o);
            o.nacl == e.nacl
                && o.direction == back
                && o.allow
                && proto_covers(o.proto, e.proto)
                && cidr_covers(&o.cidr, &e.cidr)
                && of <= EPHEMERAL.0
                && ot >= EPHEMERAL.1
        });
        if !ok {
            let dir = if e.direction == Direction::Ingress { "in from" } else { "out to" };
            let cidr = e.cidr.map_or("?".into(), |c| c.to_string());
            r.report(
                "RF501",
                &e.at,
                format!("allows {dir} {cidr} on ports {from}-{to} but not the return traffic on ephemeral ports 1024-65535"),
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
                "RF502",
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
                "RF503",
                &s.at,
                "uses its VPC's default network ACL, which allows everything".into(),
                "fine for most subnets; give data tiers a NACL that admits only their clients",
            );
        }
    }
}
