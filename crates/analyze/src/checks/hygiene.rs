//! What reviewers catch by eye: names, descriptions, the world-open mistakes, fake
//! egress restriction, unused groups.

use super::{RF201, RF202, RF301, RF302, RF303, RF603};
use ringfence_cfn::ec2::{no_egress, Direction, Protocol};
use rustc_hash::{FxHashMap, FxHashSet as HashSet};

use crate::finding::Reporter;
use crate::model::{Model, RulePeer};
use crate::suite::Obj;

/// Ports that must never be open to the world, with what usually listens there.
pub const SENSITIVE_PORTS: &[(i32, &str)] = &[
    (22, "SSH"),
    (23, "Telnet"),
    (445, "SMB"),
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (2375, "Docker"),
    (2379, "etcd"),
    (3306, "MySQL"),
    (3389, "RDP"),
    (5432, "PostgreSQL"),
    (5601, "Kibana"),
    (5900, "VNC"),
    (5984, "CouchDB"),
    (6379, "Redis"),
    (9092, "Kafka"),
    (9200, "Elasticsearch"),
    (11211, "Memcached"),
    (27017, "MongoDB"),
];

pub(super) fn run<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    names(m, r);
    descriptions(m, r);
    world_open(m, r);
    fake_egress(m, r);
    unused(m, r);
}

/// Words that say what a group allows rather than what it encloses.
const RULE_WORDS: &[&str] = &["allow", "allowed", "permit", "open", "all", "any", "anywhere", "world"];

fn names<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    // Ports each group's rules name: a number in a group name is a port name only if
    // the group's rules use that port (`web-8443` with a rule on 8443), not a
    // sequence number (`bot-00042`).
    let mut ports: FxHashMap<&Obj, HashSet<i64>> = FxHashMap::default();
    for (rule, p) in m.rules.iter().filter_map(|r| Some((r, r.ports.filter(|p| p.protocol().has_ports())?))) {
        let set = ports.entry(&rule.group).or_default();
        set.insert(p.from_port().into());
        set.insert(p.to_port().into());
    }
    for g in &m.groups {
        let me = Obj::Local { stack: g.at.stack, id: g.at.id.clone() };
        let used = ports.get(&me);
        for name in [&g.name, &g.tag_name].into_iter().flatten() {
            let lower = name.to_ascii_lowercase();
            let tokens: Vec<&str> =
                lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|t| !t.is_empty()).collect();
            let word = tokens.iter().find(|t| RULE_WORDS.contains(t));
            let port = tokens.iter().find(|t| {
                t.chars().all(|c| c.is_ascii_digit())
                    && !t.starts_with('0')
                    && t.parse::<i64>().is_ok_and(|p| used.is_some_and(|u| u.contains(&p)))
            });
            let why = match (word, port) {
                (Some(w), _) => format!("`{w}`"),
                (None, Some(p)) => format!("the port number `{p}`"),
                (None, None) => continue,
            };
            r.report(
                &RF201,
                &g.at,
                format!("group name `{name}` contains {why}: it says what the group allows, not what it encloses"),
                "name the group after the role of its members and the environment, e.g. `game-servers-production`; say what it allows in rule descriptions",
            );
            break;
        }
    }
}

fn descriptions<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    for g in &m.groups {
        let generic = g.description.as_deref().map(|d| d.trim().to_ascii_lowercase());
        if matches!(
            generic.as_deref(),
            None | Some("") | Some("managed by terraform") | Some("security group")
        ) {
            r.report(
                &RF202,
                &g.at,
                "group has no description of what it encloses".into(),
                "describe the role of its members and why they need the group",
            );
        }
    }
    for rule in &m.rules {
        if rule.description.as_deref().is_none_or(|d| d.trim().is_empty()) && rule.peer != RulePeer::None {
            r.report(
                &RF202,
                &rule.at,
                "rule has no description saying why it exists".into(),
                "add a Description; a rule nobody can explain is a rule nobody dares remove",
            );
        }
    }
}

fn world_open<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    for rule in m.rules.iter().filter(|r| r.direction == Direction::Ingress && r.peer_is_world()) {
        let Some(p) = rule.ports else { continue };
        let (from, to) = (p.from_port(), p.to_port());
        let every_port = p.protocol() == Protocol::All
            || (p.protocol().has_ports() && ((from <= 0 && to >= 65535) || (from == -1 && to == -1)));
        if every_port {
            r.report(
                &RF302,
                &rule.at,
                "admits all traffic from the whole Internet".into(),
                "admit only the ports the service listens on, from the peers that need them",
            );
            continue;
        }
        if !p.protocol().has_ports() {
            continue;
        }
        let open: Vec<String> = SENSITIVE_PORTS
            .iter()
            .filter(|(p, _)| rule.covers_port(*p))
            .map(|(p, what)| format!("{p} ({what})"))
            .collect();
        if !open.is_empty() {
            r.report(
                &RF301,
                &rule.at,
                format!("opens {} to the whole Internet", open.join(", ")),
                "admit administration only from a bastion's group or an administration range, and data ports only from the groups of their clients",
            );
        }
    }
}

fn fake_egress<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    // Standalone egress rules per group, counted in one pass (not once per group).
    let mut standalone_egress: FxHashMap<&Obj, usize> = Default::default();
    for rule in m.rules.iter().filter(|rule| !rule.inline && rule.direction == Direction::Egress) {
        *standalone_egress.entry(&rule.group).or_default() += 1;
    }
    if standalone_egress.is_empty() {
        return;
    }
    for g in m.groups.iter().filter(|g| !g.inline_egress) {
        let me = Obj::Local { stack: g.at.stack, id: g.at.id.clone() };
        let standalone = standalone_egress.get(&me).copied().unwrap_or(0);
        if standalone > 0 {
            r.report(
                &RF303,
                &g.at,
                format!("has {standalone} standalone egress rule(s) but no inline SecurityGroupEgress, so EC2 keeps its allow-all egress rule and they restrict nothing"),
                &format!("give the group inline egress: its real rules, or {}", no_egress::SUMMARY),
            );
        }
    }
}

fn unused<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    let mut used: HashSet<&Obj> = HashSet::default();
    for w in &m.workloads {
        used.extend(w.groups.iter());
    }
    for rule in &m.rules {
        if let RulePeer::Group(o) = &rule.peer {
            used.insert(o);
        }
    }
    for g in &m.groups {
        let me = Obj::Local { stack: g.at.stack, id: g.at.id.clone() };
        let exported = m.resolver.suite().templates()[g.at.stack]
            .template
            .outputs
            .values()
            .any(|o| o.export.is_some() && o.value.references().iter().any(|id| **id == g.at.id));
        if !used.contains(&me) && !exported {
            r.report(
                &RF603,
                &g.at,
                "no workload joins this group and no rule names it".into(),
                "delete it, or attach it to the workload it was made for",
            );
        }
    }
}
