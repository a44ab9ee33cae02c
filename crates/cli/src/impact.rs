//! `ringfence impact --remove STACK`: what deleting or rolling back one stack does to the
//! others.
//!
//! EC2 keeps one copy of identical rules: a rule is its group, direction, protocol,
//! ports and peer (not its description; `Rule::identity`, the identity RF103 compares
//! too), however many templates declare it, and removing any declaration removes the
//! rule for all. So, with STACK's declarations and groups
//! removed, for every other stack:
//!
//! - `identical-rule`: a rule it declares that disappears because STACK declares the
//!   identical rule;
//! - `rule-on-removed-group`: a rule it declares on a group STACK creates;
//! - `rule-naming-removed-group`: a rule it declares that names a group STACK creates;
//! - `member-of-removed-group`: a workload of it that joins a group STACK creates;
//! - `rule-removed-from-group`: a rule STACK declares on a group it does not create,
//!   which this stack creates or which one of its workloads joins (directly or as the
//!   rule's peer);
//! - `network-change-removed`: a resource STACK declares that changes or attaches to a
//!   network object this stack creates (RF102: a route on its table, a CIDR block on its
//!   VPC, a gateway attachment — the generated schema table decides): deleting or
//!   rolling back STACK undoes that change;
//! - `change-on-removed-object`: a resource of this stack that changes or attaches to a
//!   network object STACK creates: it goes with the object, or blocks its deletion;
//! - `import`: a resource that imports one of STACK's exports (when not listed already);
//! - `weak-reference`: a resource that reads one of STACK's outputs with
//!   `Fn::GetStackOutput` (when not listed already): CloudFormation deletes STACK without
//!   a word, and the value the resource read is stale.

use std::collections::HashMap;
use std::fmt::Write as _;

use ringfence_analyze::{Model, Obj, Rule, RuleIdentity, RulePeer};
use ringfence_cfn::Value;
use serde_json::json;

use crate::args::{ImpactArgs, TextOrJson};
use crate::load::{self, Loaded};
use crate::output::{one_line, pretty, Outcome, Usage};
use crate::text;

/// Which kind of impact a row is: its text (`identical-rule`, …) is the `kind` of the
/// JSON output and the `[kind]` of the text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `identical-rule`: a rule the stack declares that disappears because STACK declares the identical rule.
    IdenticalRule,
    /// `rule-on-removed-group`: a rule the stack declares on a group STACK creates.
    RuleOnRemovedGroup,
    /// `rule-naming-removed-group`: a rule the stack declares that names a group STACK creates.
    RuleNamingRemovedGroup,
    /// `member-of-removed-group`: a workload of the stack that joins a group STACK creates.
    MemberOfRemovedGroup,
    /// `rule-removed-from-group`: a rule STACK declares on a group it does not create, which the stack creates or one of its workloads joins.
    RuleRemovedFromGroup,
    /// `network-change-removed`: a resource of STACK that changes or attaches to a network object the stack creates.
    NetworkChangeRemoved,
    /// `change-on-removed-object`: a resource of the stack that changes or attaches to a network object STACK creates.
    ChangeOnRemovedObject,
    /// `import`: a resource that imports one of STACK's exports.
    Import,
    /// `weak-reference`: a resource that reads one of STACK's outputs with `Fn::GetStackOutput`.
    WeakReference,
}

impl Kind {
    /// Every kind, in the order of the module documentation and the README's table.
    #[cfg(test)]
    pub const ALL: [Kind; 9] = [
        Kind::IdenticalRule,
        Kind::RuleOnRemovedGroup,
        Kind::RuleNamingRemovedGroup,
        Kind::MemberOfRemovedGroup,
        Kind::RuleRemovedFromGroup,
        Kind::NetworkChangeRemoved,
        Kind::ChangeOnRemovedObject,
        Kind::Import,
        Kind::WeakReference,
    ];

    /// The kind's text, as the output prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::IdenticalRule => "identical-rule",
            Kind::RuleOnRemovedGroup => "rule-on-removed-group",
            Kind::RuleNamingRemovedGroup => "rule-naming-removed-group",
            Kind::MemberOfRemovedGroup => "member-of-removed-group",
            Kind::RuleRemovedFromGroup => "rule-removed-from-group",
            Kind::NetworkChangeRemoved => "network-change-removed",
            Kind::ChangeOnRemovedObject => "change-on-removed-object",
            Kind::Import => "import",
            Kind::WeakReference => "weak-reference",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing another stack loses or is blocked by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    /// The other stack (suite index).
    pub stack: usize,
    /// The logical id of its rule, workload or importing resource.
    pub resource: String,
    /// The group involved, when one is.
    pub group: Option<String>,
    /// The rule involved, in words, when one is.
    pub rule: Option<String>,
    /// Which kind of impact.
    pub kind: Kind,
    /// What happens, in words.
    pub message: String,
}

/// What removing stack `s` does to the other stacks of the model.
pub fn impact(m: &Model<'_>, s: usize) -> Vec<Affected> {
    let name = |i: usize| m.stack_name(i).to_owned();
    let removed = name(s);
    let mut out: Vec<Affected> = Vec::new();
    let created_by_s = |o: &Obj| o.created_by(s);

    let mut by_identity: HashMap<RuleIdentity<'_>, Vec<&Rule>> = HashMap::new();
    for r in &m.rules {
        if let Some(k) = r.identity() {
            by_identity.entry(k).or_default().push(r);
        }
    }

    for r in m.rules.iter().filter(|r| r.at.stack != s) {
        let group = Some(text::group(m, &r.group));
        let rule = Some(text::rule_on_group(m, r));
        let resource = r.at.id.to_string();
        if created_by_s(&r.group) {
            out.push(Affected {
                stack: r.at.stack,
                resource,
                group,
                rule,
                kind: Kind::RuleOnRemovedGroup,
                message: format!(
                    "the rule is on {}, which {removed} creates: it goes with the group",
                    text::group(m, &r.group)
                ),
            });
            continue;
        }
        if let RulePeer::Group(p) = &r.peer {
            if created_by_s(p) {
                out.push(Affected {
                    stack: r.at.stack,
                    resource,
                    group,
                    rule,
                    kind: Kind::RuleNamingRemovedGroup,
                    message: format!(
                        "the rule names {}, which {removed} creates: the traffic it allows goes with that group, and EC2 refuses to delete a group that other groups' rules name, so deleting {removed} fails while this rule exists",
                        text::group(m, p)
                    ),
                });
                continue;
            }
        }
        let twin =
            r.identity().and_then(|k| by_identity.get(&k)).and_then(|rs| rs.iter().find(|o| o.at.stack == s));
        if let Some(twin) = twin {
            out.push(Affected {
                stack: r.at.stack,
                resource,
                group,
                rule,
                kind: Kind::IdenticalRule,
                message: format!(
                    "{removed}/{} declares the identical rule and EC2 keeps one copy: deleting or rolling back {removed} removes this rule too, although {} still declares it",
                    twin.at.id,
                    name(r.at.stack)
                ),
            });
        }
    }

    for w in m.workloads.iter().filter(|w| w.at.stack != s) {
        for g in w.groups.iter().filter(|g| created_by_s(g)) {
            out.push(Affected {
                stack: w.at.stack,
                resource: w.at.id.to_string(),
                group: Some(text::group(m, g)),
                rule: None,
                kind: Kind::MemberOfRemovedGroup,
                message: format!(
                    "{} {} joins {}, which {removed} creates: the traffic its rules allow goes with the group, and the group cannot be deleted while the workload uses it",
                    w.resource_type,
                    w.at.id,
                    text::group(m, g)
                ),
            });
        }
    }

    // Rules STACK declares on groups it does not create (RF101): their owners and
    // members lose them.
    for r in m.rules.iter().filter(|r| r.at.stack == s && !r.group.created_by(s)) {
        let rule = text::rule_on_group(m, r);
        if let Obj::Local { stack: owner, id } = &r.group {
            out.push(Affected {
                stack: *owner,
                resource: id.to_string(),
                group: Some(text::group(m, &r.group)),
                rule: Some(rule.clone()),
                kind: Kind::RuleRemovedFromGroup,
                message: format!(
                    "{removed}/{} declares this rule on {}, which {} creates: deleting or rolling back {removed} removes it from the group",
                    r.at.id,
                    text::group(m, &r.group),
                    name(*owner)
                ),
            });
        }
        let peer = match &r.peer {
            RulePeer::Group(p) if *p != r.group => Some(p),
            _ => None,
        };
        for w in m.workloads.iter().filter(|w| w.at.stack != s) {
            let via = if w.groups.contains(&r.group) {
                &r.group
            } else if let Some(p) = peer.filter(|p| w.groups.contains(p)) {
                p
            } else {
                continue;
            };
            let role = if *via == r.group { "the rule's group" } else { "the rule's peer" };
            out.push(Affected {
                stack: w.at.stack,
                resource: w.at.id.to_string(),
                group: Some(text::group(m, via)),
                rule: Some(rule.clone()),
                kind: Kind::RuleRemovedFromGroup,
                message: format!(
                    "{} {} joins {} ({role}); {removed}/{} declares the rule: deleting or rolling back {removed} removes it for this workload",
                    w.resource_type,
                    w.at.id,
                    text::group(m, via),
                    r.at.id
                ),
            });
        }
    }

    network_changes(m, s, &mut out);
    imports(m, s, &mut out);
    weak_references(m, s, &mut out);
    out.sort_by_key(|a| a.stack);
    out
}

/// Changes to network objects across the boundary of STACK, both ways (rules are listed
/// above, with their EC2 identity).
fn network_changes(m: &Model<'_>, s: usize, out: &mut Vec<Affected>) {
    let removed = m.stack_name(s).to_owned();
    for c in m.network_changes.iter().filter(|c| !c.is_group_rule()) {
        let Obj::Local { stack: owner, id } = &c.target else { continue };
        let noun = c.object.noun();
        if c.at.stack == s && *owner != s {
            out.push(Affected {
                stack: *owner,
                resource: id.to_string(),
                group: None,
                rule: None,
                kind: Kind::NetworkChangeRemoved,
                message: format!(
                    "{removed}/{} ({}) changes this {noun} through `{}`: deleting or rolling back {removed} undoes the change on an object {} relies on",
                    c.at.id,
                    c.resource_type,
                    c.property,
                    m.stack_name(*owner)
                ),
            });
        } else if c.at.stack != s && *owner == s {
            out.push(Affected {
                stack: c.at.stack,
                resource: c.at.id.to_string(),
                group: None,
                rule: None,
                kind: Kind::ChangeOnRemovedObject,
                message: format!(
                    "{} {} changes {noun} {} (its `{}`), which {removed} creates: it goes with the {noun}, and while it exists deleting {removed} fails",
                    c.resource_type,
                    c.at.id,
                    m.describe(&c.target),
                    c.property
                ),
            });
        }
    }
}

/// Resources of other stacks that read STACK's outputs with `Fn::GetStackOutput`, when
/// not listed already: nothing stops STACK's deletion, which breaks them silently.
fn weak_references(m: &Model<'_>, s: usize, out: &mut Vec<Affected>) {
    let removed = m.stack_name(s).to_owned();
    let suite = m.resolver.suite();
    for (t, st) in suite.templates().iter().enumerate().filter(|(t, _)| *t != s) {
        let mut found: Vec<(String, Vec<String>)> = Vec::new();
        let mut visit = |owner: String, v: &Value| {
            v.walk(&mut |v| {
                let Some((producer, output)) = m.resolver.reads_stack_output(t, v) else { return };
                if producer != s {
                    return;
                }
                match found.iter_mut().find(|(r, _)| *r == owner) {
                    Some((_, outputs)) if !outputs.contains(&output) => outputs.push(output),
                    Some(_) => {}
                    None => found.push((owner.clone(), vec![output])),
                }
            })
        };
        for (id, res) in &st.template.resources {
            for v in res.properties.values() {
                visit(id.to_string(), v);
            }
        }
        for (id, o) in &st.template.outputs {
            visit(id.to_string(), &o.value);
        }
        for (resource, outputs) in found {
            if out.iter().any(|a| a.stack == t && a.resource == resource) {
                continue;
            }
            let names: Vec<String> = outputs.iter().map(|o| format!("`{o}`")).collect();
            out.push(Affected {
                stack: t,
                resource,
                group: None,
                rule: None,
                kind: Kind::WeakReference,
                message: format!(
                    "reads output {} of {removed} with Fn::GetStackOutput, a weak reference: CloudFormation deletes {removed} without a word, {} keeps the value it read, and its next update cannot read it again",
                    names.join(", "),
                    m.stack_name(t)
                ),
            });
        }
    }
}

/// Resources of other stacks that import STACK's exports, when not listed already.
fn imports(m: &Model<'_>, s: usize, out: &mut Vec<Affected>) {
    let removed = m.stack_name(s).to_owned();
    let suite = m.resolver.suite();
    for (t, st) in suite.templates().iter().enumerate().filter(|(t, _)| *t != s) {
        let mut found: Vec<(String, String, Obj)> = Vec::new();
        let mut visit = |owner: String, v: &Value| {
            v.walk(&mut |v| {
                if let Value::ImportValue(name) = v {
                    let Some(export) = m.resolver.text(t, name) else { return };
                    if m.resolver.exporter(&export) == Some(s) {
                        found.push((owner.clone(), export, m.resolver.resolve(t, v)));
                    }
                }
            })
        };
        for (id, res) in &st.template.resources {
            visit(id.to_string(), &Value::Map(res.properties.clone()));
        }
        for (id, o) in &st.template.outputs {
            visit(id.to_string(), &o.value);
        }
        // One entry per resource, naming every export it imports.
        let mut resources: Vec<(String, Vec<String>, Option<String>)> = Vec::new();
        for (resource, export, obj) in found {
            if out.iter().any(|a| a.stack == t && a.resource == resource) {
                continue;
            }
            let group = m.group(&obj).map(|_| text::group(m, &obj));
            match resources.iter_mut().find(|(r, _, _)| *r == resource) {
                Some((_, exports, g)) => {
                    if !exports.contains(&export) {
                        exports.push(export);
                    }
                    if g.is_none() {
                        *g = group;
                    }
                }
                None => resources.push((resource, vec![export], group)),
            }
        }
        for (resource, exports, group) in resources {
            let names: Vec<String> = exports.iter().map(|e| format!("`{e}`")).collect();
            out.push(Affected {
                stack: t,
                resource,
                group,
                rule: None,
                kind: Kind::Import,
                message: format!(
                    "imports {}, which {removed} exports: CloudFormation refuses to delete {removed} (or a rollback that drops the export) while {} imports it",
                    names.join(", "),
                    m.stack_name(t)
                ),
            });
        }
    }
}

/// Runs the command.
pub fn run(args: &ImpactArgs) -> Result<Outcome, Usage> {
    let loaded = load::load(&args.inputs)?;
    loaded.warn_unreadable();
    let s = loaded.stack_index(&args.remove)?;
    let model = Model::build(&loaded.suite);
    let affected = impact(&model, s);
    let removed = model.stack_name(s);
    Ok(Outcome::ok(match args.format {
        TextOrJson::Text => render_text(&loaded, &model, s, &affected),
        TextOrJson::Json => {
            let rows: Vec<serde_json::Value> = affected
                .iter()
                .map(|a| {
                    json!({
                        "stack": model.stack_name(a.stack),
                        "resource": a.resource,
                        "group": a.group,
                        "rule": a.rule,
                        "kind": a.kind.as_str(),
                        "message": a.message,
                    })
                })
                .collect();
            pretty(&json!({ "removed": removed, "affected": rows }))
        }
    }))
}

fn render_text(loaded: &Loaded, m: &Model<'_>, s: usize, affected: &[Affected]) -> String {
    let removed = m.stack_name(s);
    let mut stacks: Vec<usize> = affected.iter().map(|a| a.stack).collect();
    stacks.dedup();
    let mut out = String::new();
    if affected.is_empty() {
        let _ = writeln!(
            out,
            "Removing {removed} affects no other stack: no other stack declares, joins or imports anything it removes."
        );
        return out;
    }
    let _ = writeln!(out, "Removing {removed} affects {} other stack(s):", stacks.len());
    for t in stacks {
        let _ = writeln!(out, "\n{} ({})", m.stack_name(t), loaded.path_of(m.stack_name(t)));
        for a in affected.iter().filter(|a| a.stack == t) {
            let what = a.rule.clone().or_else(|| a.group.as_ref().map(|g| format!("group {g}")));
            let _ = writeln!(
                out,
                "  {} [{}]{}",
                a.resource,
                a.kind,
                what.map(|w| format!(": {}", one_line(&w))).unwrap_or_default()
            );
            let _ = writeln!(out, "      {}", one_line(&a.message));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_table_lists_every_kind_in_order() {
        let readme = include_str!("../README.md");
        let table = readme.split("| `kind` | |\n|---|---|\n").nth(1).unwrap();
        let listed: Vec<&str> = table
            .lines()
            .take_while(|l| l.starts_with("| `"))
            .map(|l| l.trim_start_matches("| `").split('`').next().unwrap())
            .collect();
        let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(listed, kinds);
        assert_eq!(Kind::Import.to_string(), "import");
    }
}
