//! Ring-fencing: a template changes only network objects it creates (RF101, RF102), and
//! no rule is declared twice (RF103).

use super::{RF101, RF102, RF103};
use std::hash::BuildHasher;

use ringfence_cfn::ec2::{self, Direction};

use crate::finding::{Reporter, Severity};
use crate::model::{Location, Model, RuleIdentity};

type HashMap<K, V> = rustc_hash::FxHashMap<K, V>;
use crate::suite::Obj;

pub(super) fn run<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
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

fn foreign_rules<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    for rule in m.rules.iter().filter(|rule| !rule.inline && rule.is_first_reading()) {
        if rule.group.created_by(rule.at.stack) {
            continue;
        }
        let dir = match rule.direction {
            Direction::Ingress => "an ingress",
            Direction::Egress => "an egress",
        };
        r.report(
            &RF101,
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
fn foreign_network<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    // A NACL entry is known by its number: the numbers by location, made only when an
    // entry is reported (one pass, not a search per change).
    let mut numbers: Option<HashMap<&Location, i64>> = None;
    for c in &m.network_changes {
        if c.is_group_rule() || c.target.created_by(c.at.stack) {
            continue;
        }
        let noun = c.object.noun();
        let number = (c.resource_type == ec2::NETWORK_ACL_ENTRY)
            .then(|| {
                numbers
                    .get_or_insert_with(|| m.nacl_entries.iter().map(|e| (&e.at, e.number)).collect())
                    .get(&c.at)
                    .copied()
            })
            .flatten();
        let what = match number {
            Some(n) if n >= 0 => format!("`{}` (entry {n})", c.resource_type),
            _ => format!("`{}`", c.resource_type),
        };
        r.report(
            &RF102,
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

fn duplicates<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    // Rules with equal identities (`Rule::identity`), found by sorting their hashes (16
    // bytes a rule, where a map of the identities themselves would take several times
    // that for a template of 285,000 rules), each compared with the first of its kind in
    // its run.
    let hasher = rustc_hash::FxBuildHasher;
    let mut hashed: Vec<(u64, usize)> = m
        .rules
        .iter()
        .enumerate()
        .filter_map(|(i, rule)| rule.identity().map(|k| (hasher.hash_one(k), i)))
        .collect();
    hashed.sort_unstable();
    // (a rule, the first rule it repeats), in the order of the rules.
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    let mut firsts: Vec<(usize, RuleIdentity<'m>)> = Vec::new();
    for run in hashed.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
        firsts.clear();
        for &(_, i) in run {
            let Some(key) = m.rules[i].identity() else { continue };
            // Rules never deployed together (`Rule::excludes`: two readings of one rule,
            // or rules of the two branches of an Fn::If) are no duplicates.
            let rule = &m.rules[i];
            match firsts.iter().find(|(f, k)| *k == key && !m.rules[*f].excludes(rule)) {
                Some(&(first, _)) => repeats.push((i, first)),
                None => firsts.push((i, key)),
            }
        }
    }
    drop(hashed);
    repeats.sort_unstable();
    for (i, first) in repeats {
        let (rule, first) = (&m.rules[i], &m.rules[first]);
        let same_template = first.at.stack == rule.at.stack;
        let severity = if same_template { Severity::Warning } else { Severity::Error };
        r.report_as(
            &RF103,
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
