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

/// RF102: any resource that changes or attaches to a network object (VPC, subnet, route
/// table, NACL, gateway, endpoint, or a group other than through a rule, which RF101
/// reports) that its template does not create. Which properties do that is the generated
/// schema table, so every resource type AWS publishes is covered.
fn foreign_network(m: &Model<'_>, r: &mut Reporter<'_, '_>) {
    for c in &m.network_changes {
        let rule = matches!(
            c.resource_type.as_str(),
            "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress"
        );
        if rule || c.target.created_by(c.at.stack) {
            continue;
        }
        let noun = c.object.noun();
        // A NACL entry is known by its number.
        let what = match m.nacl_entries.iter().find(|e| e.at == c.at) {
            Some(e) if e.number >= 0 => format!("`{}` (entry {})", c.resource_type, e.number),
            _ => format!("`{}`", c.resource_type),
        };
        r.report(
            "RF102",
            &c.at,
            format!(
                "{what} changes {noun} {} (its `{}`), which this template does not create: deploying, rolling back or deleting this stack changes a network other stacks rely on",
                m.describe(&c.target),
                c.property
            ),
            &format!("only the template that creates a {noun} changes it; move this resource into that template"),
        );
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
