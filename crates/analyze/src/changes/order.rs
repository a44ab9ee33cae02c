//! The order to deploy a change in: only what CloudFormation requires (an exporter
//! before its new importers, an importer that lets go before the exporter drops or
//! changes the export, a rule's old declaration before its new one), ties broken by
//! name. Dependencies that exist on both sides impose nothing: the objects are there.

use std::collections::{BTreeMap, BTreeSet};

use super::names::Side;
use super::{fail, stack_changes, StackChanges};
use crate::model::Model;

/// One stack must deploy before another, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Constraint {
    pub before: String,
    pub after: String,
    pub reason: String,
}

/// What a step does to its stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The stack is new: create it.
    Create,
    /// The stack's template or parameters change: update it.
    Update,
    /// The stack is gone: delete it.
    Delete,
}

impl Action {
    /// `create`, `update` or `delete`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// One deployment of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The stack.
    pub stack: String,
    /// What happens to it.
    pub action: Action,
}

/// An order in which to create, update and delete the stacks the change touches so that
/// none of the failures an order avoids happens (an exporter before its new importers,
/// an importer that stops importing before the exporter drops or changes the export, a
/// moved rule's old stack before its new one); among stacks free to go, by name. `Err`
/// with the stacks whose constraints no order meets (a `stack-order` failure says why).
///
/// ```
/// use ringfence_analyze::changes::{deploy_order, Action};
/// use ringfence_analyze::{Model, Suite};
/// let old = Suite::new();
/// let mut new = Suite::new();
/// new.read("app", "app.yaml", "Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: app\n      VpcId: !ImportValue zz-net-vpc\n")?;
/// new.read("zz-net", "net.yaml", "Resources:\n  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}\nOutputs:\n  Vpc: {Value: !Ref Vpc, Export: {Name: zz-net-vpc}}\n")?;
/// let order = deploy_order(&Model::build(&old), &Model::build(&new)).unwrap();
/// let names: Vec<(&str, Action)> = order.iter().map(|s| (s.stack.as_str(), s.action)).collect();
/// assert_eq!(names, [("zz-net", Action::Create), ("app", Action::Create)]);
/// # Ok::<(), ringfence_cfn::ReadError>(())
/// ```
pub fn deploy_order(old: &Model<'_>, new: &Model<'_>) -> Result<Vec<Step>, Vec<String>> {
    let (o, n) = (Side::new(old), Side::new(new));
    let stacks = stack_changes(old.resolver.suite(), new.resolver.suite());
    let (_, constraints) = fail::failures(&o, &n);
    order(&stacks, &constraints)
}

pub(super) fn order(stacks: &StackChanges, constraints: &[Constraint]) -> Result<Vec<Step>, Vec<String>> {
    let mut action: BTreeMap<&str, Action> = BTreeMap::new();
    action.extend(stacks.added.iter().map(|s| (s.as_str(), Action::Create)));
    action.extend(stacks.changed.iter().map(|s| (s.as_str(), Action::Update)));
    action.extend(stacks.removed.iter().map(|s| (s.as_str(), Action::Delete)));
    let mut waits: BTreeMap<&str, BTreeSet<&str>> = action.keys().map(|s| (*s, BTreeSet::new())).collect();
    for c in constraints {
        if action.contains_key(c.before.as_str()) {
            if let Some(w) = waits.get_mut(c.after.as_str()) {
                w.insert(c.before.as_str());
            }
        }
    }
    let mut out = Vec::new();
    while !waits.is_empty() {
        let Some(next) = waits.iter().find(|(_, w)| w.is_empty()).map(|(s, _)| *s) else {
            return Err(waits.keys().map(|s| (*s).to_owned()).collect());
        };
        waits.remove(next);
        for w in waits.values_mut() {
            w.remove(next);
        }
        out.push(Step { stack: next.to_owned(), action: action[next] });
    }
    Ok(out)
}

/// The strongly connected components of more than one node of a directed graph (its
/// cycles), each sorted, in the order of their first node.
pub(super) fn sccs(edges: &[(String, String)]) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (a, b) in edges {
        next.entry(a.as_str()).or_default().insert(b.as_str());
        next.entry(b.as_str()).or_default();
    }
    // Nodes that reach each other. The graphs are a suite's stacks: one search per
    // node is fast enough, and plainly right.
    let reach = |from: &str| {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(x) = todo.pop() {
            for y in &next[x] {
                if seen.insert(y) {
                    todo.push(y);
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&str, BTreeSet<&str>> = next.keys().map(|k| (*k, reach(k))).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for (k, r) in &reaches {
        if done.contains(k) || !r.contains(k) {
            continue;
        }
        let comp: Vec<String> =
            r.iter().filter(|x| reaches[*x].contains(k)).map(|x| (*x).to_owned()).collect::<Vec<_>>();
        done.extend(r.iter().filter(|x| reaches[*x].contains(k)));
        if comp.len() > 1 {
            out.push(comp);
        }
    }
    out
}
