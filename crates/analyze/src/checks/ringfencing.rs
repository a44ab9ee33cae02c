//! Ring-fencing: a template changes only network objects it creates (RF101, RF102), and
//! no rule is declared twice (RF103).

use rustc_hash::FxHashMap as HashMap;

use crate::finding::{Reporter, Severity};
use crate::model::{Direction, Model, Proto, RulePeer};
use crate::suite::Obj;

pub(super) fn run(m: &Model<'_>, r: &mut Reporter<'_, '_>) {
    foreign_rules(m, r);
    foreign_network(m, r);
    duplicates(m, r);
}

fn whose(m: &Model<'_>, obj: &Obj) -> String {
    match obj {
        Obj::Local { stack, id } => format!("`{id}`, created by template {}", m.stack_name(*stack)),
        Obj::External(id) => format!("`{id}`, a group outside the suite"),
        Obj::Parameter { name, .. } => {
            format!("the group passed in as parameter `{name}` (the shared-group rollback hazard)")
        }
        Obj::Unknown(what) => format!("a group that cannot be resolved {what}"),
    }
}

fn foreign_rules(m: &Model<'_>, r: &mut Reporter<'_, '_>) {
    for rule in m.rules.iter().filter(|rule| !rule.inline) {
        if rule.group.created_by(rule.at.stack) {
            continue;
        }
        let dir = match rule.direction {
            Direction::Ingress => "an ingress",
            Direction::Egress => "an egress",
        };
        r.report(
            "RF101",
            &rule.at,
            format!("adds {dir} rule to {}: deploying, rolling back or deleting this stack changes traffic that other stacks rely on", whose(m, &rule.group)),
            "create a group in this template that its workloads join and put the rule on it: if they serve, an ingress rule on their own group; if they call the shared group, an egress rule on their own group, with the owner admitting a role group they join",
        );
    }
}

fn foreign_network(m: &Model<'_>, r: &mut Reporter<'_, '_>) {
    let hint = "only the template that creates a NACL, route table or subnet changes it; move this into that template";
    for e in &m.nacl_entries {
        if !e.nacl.created_by(e.at.stack) {
            r.report(
                "RF102",
                &e.at,
                format!(
                    "adds entry {} to network ACL {}, which this template does not create",
                    e.number,
                    m.describe(&e.nacl)
                ),
                hint,
            );
        }
    }
    for route in &m.routes {
        if !route.table.created_by(route.at.stack) {
            r.report(
                "RF102",
                &route.at,
                format!(
                    "adds a route to route table {}, which this template does not create",
                    m.describe(&route.table)
                ),
                hint,
            );
        }
    }
    for a in &m.associations {
        for (what, obj) in [("subnet", &a.subnet), ("table", &a.target)] {
            if !obj.created_by(a.at.stack) {
                r.report(
                    "RF102",
                    &a.at,
                    format!("associates {what} {}, which this template does not create", m.describe(obj)),
                    hint,
                );
            }
        }
    }
}

type RuleKey = (Obj, Direction, Proto, i64, i64, String);

fn duplicates(m: &Model<'_>, r: &mut Reporter<'_, '_>) {
    let mut seen: HashMap<RuleKey, usize> = HashMap::default();
    for (i, rule) in m.rules.iter().enumerate() {
        if matches!(rule.group, Obj::Unknown(_)) || rule.peer == RulePeer::None {
            continue;
        }
        let peer = match &rule.peer {
            RulePeer::V4(n) => n.trunc().to_string(),
            RulePeer::V6(n) => n.trunc().to_string(),
            RulePeer::Group(o) => format!("group {o:?}"),
            RulePeer::PrefixList(o) => format!("prefix list {o:?}"),
            RulePeer::None => continue,
        };
        // EC2's view of a rule: all protocols have no ports, and -1/-1 is every port.
        let (from, to) = match rule.proto {
            Proto::All => (-1, -1),
            Proto::Tcp | Proto::Udp if (rule.from, rule.to) == (-1, -1) => (0, 65535),
            _ => (rule.from, rule.to),
        };
        let key = (rule.group.clone(), rule.direction, rule.proto, from, to, peer);
        match seen.get(&key) {
            None => {
                seen.insert(key, i);
            }
            Some(&first) => {
                let first = &m.rules[first];
                let same_template = first.at.stack == rule.at.stack;
                let severity = if same_template { Severity::Warning } else { Severity::Error };
                r.report_as(
                    "RF103",
                    severity,
                    &rule.at,
                    format!(
                        "declares the same rule on {} as {}/{} {}: EC2 keeps one copy, so deleting either declaration removes the rule for both",
                        m.describe(&rule.group),
                        m.stack_name(first.at.stack),
                        first.at.id,
                        first.at.path
                    ),
                    "declare each rule once, in the template that owns the group",
                );
            }
        }
    }
}
