//! The deployment failures a change predicts (the module documentation of `changes`
//! gives each kind's rule and source), and the order constraints that avoid them.

use std::collections::{BTreeMap, BTreeSet};

use super::names::{differs, Import, Key, ResourceKey, RuleKey, Side};
use super::order::{sccs, Constraint};
use super::{replace, stack_changes, Failure, FailureKind};

/// The failures, sorted, and the order constraints found on the way.
pub(super) fn failures(o: &Side<'_, '_>, n: &Side<'_, '_>) -> (Vec<Failure>, Vec<Constraint>) {
    let mut f = Found::default();
    let replaced: BTreeSet<ResourceKey> =
        replace::replaced(o, n).into_iter().filter(|r| r.goes).map(|r| r.key).collect();
    replacements(o, n, &mut f);
    exports(o, n, &replaced, &mut f);
    imports(o, n, &mut f);
    moved_rules(o, n, &mut f);
    weak_references(o, n, &replaced, &mut f);
    import_cycles(o, n, &mut f);
    constraint_cycles(&mut f);
    f.failures.sort_by(|a, b| {
        (&a.stack, &a.resource, a.kind, &a.message).cmp(&(&b.stack, &b.resource, b.kind, &b.message))
    });
    f.failures.dedup();
    f.constraints.sort_by(|a, b| (&a.before, &a.after, &a.reason).cmp(&(&b.before, &b.after, &b.reason)));
    f.constraints.dedup();
    (f.failures, f.constraints)
}

#[derive(Default)]
struct Found {
    failures: Vec<Failure>,
    constraints: Vec<Constraint>,
}

impl Found {
    fn fail(&mut self, stack: &str, resource: &str, kind: FailureKind, message: String, avoid: String) {
        self.failures.push(Failure {
            stack: stack.to_owned(),
            resource: resource.to_owned(),
            kind,
            message,
            avoid,
        });
    }

    fn order(&mut self, before: &str, after: &str, reason: String) {
        if before != after {
            self.constraints.push(Constraint { before: before.to_owned(), after: after.to_owned(), reason });
        }
    }
}

/// Replacements that fail by themselves: a security group whose `GroupName` stays, a
/// standalone rule replaced by one EC2 holds already. (A group whose export is in use
/// is an `export-in-use`, found with the exports.)
fn replacements(o: &Side<'_, '_>, n: &Side<'_, '_>, f: &mut Found) {
    for r in replace::replacements(o, n) {
        match r.failure {
            Some(FailureKind::ReplacementFails) => f.fail(
                &r.stack,
                &r.resource,
                FailureKind::ReplacementFails,
                format!("{} ({}) is replaced ({}): {}", r.resource, r.resource_type, r.reason, r.message),
                "change GroupName in the same update (or remove it, and CloudFormation names the group), so the replacement can be created beside the old group".into(),
            ),
            Some(FailureKind::DuplicateRule) => f.fail(
                &r.stack,
                &r.resource,
                FailureKind::DuplicateRule,
                format!("{} ({}) is replaced ({}): {}", r.resource, r.resource_type, r.reason, r.message),
                format!("leave the properties as they were (EC2 holds the same rule either way), or take two updates: remove {} (a gap until the second update), then add the rule as it is to be", r.resource),
            ),
            _ => {}
        }
    }
}

/// Who imports each export, by importing stack, with the resources or outputs that do.
fn importers<'i>(imports: &'i [Import], export: &str) -> BTreeMap<&'i str, Vec<&'i str>> {
    let mut out: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for i in imports.iter().filter(|i| i.export == export) {
        out.entry(i.stack.as_str()).or_default().push(i.resource.as_str());
    }
    out
}

/// Exports in use that go, move or change.
fn exports(o: &Side<'_, '_>, n: &Side<'_, '_>, replaced: &BTreeSet<ResourceKey>, f: &mut Found) {
    let (oe, ne) = (o.exports(), n.exports());
    let (oi, ni) = (o.imports(), n.imports());
    for (name, e) in &oe {
        let p = o.name(e.stack);
        // Why the export cannot stay as the importers know it, and the verb of
        // CloudFormation's message.
        let (why, verb, moved_to) = match ne.get(name) {
            Some(x) if n.name(x.stack) == p => {
                if !differs(o, e.stack, e.value, n, x.stack, x.value, replaced) {
                    continue;
                }
                let target = n.r().resolve(x.stack, x.value);
                let why = match n.key(&target) {
                    Key::Local(s, id) if replaced.contains(&(s.clone(), id.clone())) => {
                        format!("its value is {s}/{id}, which this change replaces (a new physical id)")
                    }
                    _ => format!(
                        "its value changes from {} to {}",
                        o.show(e.stack, e.value),
                        n.show(x.stack, x.value)
                    ),
                };
                (why, "updated", None)
            }
            Some(x) => {
                let q = n.name(x.stack);
                (format!("{p} no longer exports it ({q} does after the change)"), "deleted", Some(q))
            }
            None if n.index(p).is_none() => (format!("{p} is deleted"), "deleted", None),
            None => (format!("{p} no longer exports it"), "deleted", None),
        };
        if let Some(q) = moved_to {
            f.fail(
                q,
                "",
                FailureKind::StackOrder,
                format!("{q} exports {name}, which {p} exports until its update: deployed first, {q} fails (Export with name {name} is already exported by stack {p})"),
                format!("deploy {p} first, then {q}"),
            );
            f.order(p, q, format!("{q} takes over export {name} from {p}"));
        }
        for (c, resources) in importers(&oi, name) {
            if c == p {
                continue;
            }
            let still = ni.iter().any(|i| i.stack == c && i.export == *name);
            let message = format!(
                "Export {name} cannot be {verb} as it is in use by {c} ({}): {why}; the update of {p} fails and rolls back",
                resources.join(", ")
            );
            let avoid = if n.index(c).is_none() {
                f.order(c, p, format!("{c}, deleted, imports {name}, which {p} drops or changes"));
                format!("delete {c} first, then deploy {p}")
            } else if !still {
                f.order(c, p, format!("{c} stops importing {name}, which {p} drops or changes"));
                format!("deploy {c} first (its new template no longer imports {name}), then {p}")
            } else if let Some(q) = moved_to {
                format!("an export cannot move while it is imported: deploy {c} without the import (the value passed as a parameter), then {p}, then {q}, then {c} importing {name} again")
            } else if verb == "updated" {
                format!("two steps: deploy {c} with the value passed another way (a parameter, or Fn::GetStackOutput), then {p}; {c} may import {name} again afterwards")
            } else {
                format!("{c} still imports {name}: keep the export in {p}, or remove the import from {c} and deploy {c} before {p}")
            };
            f.fail(p, &e.output, FailureKind::ExportInUse, message, avoid);
        }
    }
}

/// Imports of exports no stack declares, and of exports declared only from this change
/// on (the importer must deploy after the exporter).
fn imports(o: &Side<'_, '_>, n: &Side<'_, '_>, f: &mut Found) {
    let (oe, ne) = (o.exports(), n.exports());
    let (oi, ni) = (o.imports(), n.imports());
    // Imported before the change without a stack of the suite declaring it: it comes
    // from outside the suite.
    let outside: BTreeSet<&str> =
        oi.iter().filter(|i| !oe.contains_key(&i.export)).map(|i| i.export.as_str()).collect();
    for i in &ni {
        let (c, name) = (i.stack.as_str(), i.export.as_str());
        if outside.contains(name) {
            continue;
        }
        match (ne.get(name), oe.get(name)) {
            (None, was) => {
                let (message, avoid) = match was.map(|e| o.name(e.stack)) {
                    Some(p) => (
                        format!("imports {name}, which {p} exports before the change and no stack after it: {c} cannot deploy again (No export named {name} found)"),
                        format!("keep the export in {p}, or remove the import from {c}"),
                    ),
                    None => (
                        format!("imports {name}, which no stack of the suite exports: {c} cannot deploy unless a stack outside the suite exports it (No export named {name} found)"),
                        format!("export {name} from a stack deployed before {c}, or remove the import"),
                    ),
                };
                f.fail(c, &i.resource, FailureKind::MissingExport, message, avoid);
            }
            (Some(x), None) => {
                let p = n.name(x.stack);
                if p == c {
                    continue;
                }
                f.fail(
                    c,
                    &i.resource,
                    FailureKind::StackOrder,
                    format!("imports {name}, which {p} exports only from this change on: deployed before {p}, {c} fails (No export named {name} found)"),
                    format!("deploy {p} first, then {c}"),
                );
                f.order(p, c, format!("{c} imports {name}, new in {p}"));
            }
            (Some(_), Some(_)) => {}
        }
    }
}

/// Where one side declares each rule EC2 holds (rules read once: under no undecided
/// condition): stack, logical id, inline or not.
fn declarations(side: &Side<'_, '_>) -> BTreeMap<RuleKey, BTreeSet<(String, String, bool)>> {
    let mut out: BTreeMap<RuleKey, BTreeSet<(String, String, bool)>> = BTreeMap::new();
    for rule in side.m.rules.iter().filter(|r| r.when.is_empty()) {
        if let Some(k) = side.rule_key(rule) {
            out.entry(k).or_default().insert((
                side.name(rule.at.stack).to_owned(),
                rule.at.id.to_string(),
                rule.inline,
            ));
        }
    }
    out
}

/// A rule in words, from its identity: `ingress tcp/443 from 10.0.0.0/16 on network/Web`.
fn rule_text(k: &RuleKey) -> String {
    let name = |k: &Key| match k {
        Key::Local(s, id) => format!("{s}/{id}"),
        Key::External(x) | Key::Unknown(x) => x.clone(),
        Key::Parameter(s, p) => format!("parameter {p} of {s}"),
    };
    let peer = match &k.peer {
        super::names::PeerKey::V4(n) => n.to_string(),
        super::names::PeerKey::V6(n) => n.to_string(),
        super::names::PeerKey::Group(g) => format!("group {}", name(g)),
        super::names::PeerKey::PrefixList(p) => format!("prefix list {}", name(p)),
        super::names::PeerKey::Undecided(x) => name(x),
    };
    format!("{} {} {} {peer} on {}", k.direction.word(), k.ports, k.direction.preposition(), name(&k.group))
}

/// Rules that move: EC2's same rule declared by other resources after the change than
/// before, none declaring it throughout.
fn moved_rules(o: &Side<'_, '_>, n: &Side<'_, '_>, f: &mut Found) {
    let (od, nd) = (declarations(o), declarations(n));
    for (k, before) in &od {
        let Some(after) = nd.get(k) else { continue };
        if before.intersection(after).next().is_some() {
            continue;
        }
        for (b, bid, inline) in after.difference(before) {
            // The declaration it moves from: in another stack when there is one.
            let Some((a, aid, _)) = before.iter().find(|d| d.0 != *b).or_else(|| before.iter().next()) else {
                continue;
            };
            let rule = rule_text(k);
            let deleted = n.index(a).is_none();
            let deploy_a = if deleted { format!("delete {a}") } else { format!("deploy {a}") };
            let (message, avoid) = match (a == b, inline) {
                (true, false) => (
                    format!("{rule} moves from {aid} to {bid} within {b}: CloudFormation creates {bid} before it deletes {aid}, and EC2 refuses the second copy (InvalidPermission.Duplicate; a different description does not make another rule): the update fails and rolls back"),
                    format!("keep the logical id {aid}, or take two updates: remove {aid} (a gap until the second), then add {bid}"),
                ),
                (true, true) => (
                    format!("{rule} moves from {aid} into the inline rules of {bid} within {b}: EC2 holds the rule already, so adding it to the group changes nothing (CloudFormation lets the duplicate pass, cloudformation-coverage-roadmap#612, #1532), and deleting {aid} afterwards removes the one copy: the group is left without a rule its template declares"),
                    format!("take two updates: remove {aid} (a gap until the second), then add the inline rule"),
                ),
                (false, false) => (
                    format!("{rule} moves from {a}/{aid} to {b}/{bid}: deployed before {a}, {b} fails to create it (InvalidPermission.Duplicate: EC2 holds the rule {a} declares, and a different description does not make another rule); deployed after, the group is without the rule from {a}'s update until {b}'s"),
                    format!("{deploy_a} first, then {b} right after, and accept the gap in between; a move without a gap adds to {b} first a rule EC2 tells apart that allows the same traffic (another peer or port range that covers it), and drops it once {a} is deployed"),
                ),
                (false, true) => (
                    format!("{rule} moves from {a}/{aid} into the inline rules of {b}/{bid}: deployed before {a}, {b}'s group finds the rule in EC2 already (CloudFormation lets the duplicate pass, cloudformation-coverage-roadmap#612, #1532) and {a}'s update then removes the one copy, leaving the group without a rule {b} declares; deployed after, the group is without the rule from {a}'s update until {b}'s"),
                    format!("{deploy_a} first, then {b} right after, and accept the gap in between"),
                ),
            };
            f.fail(b, bid, FailureKind::DuplicateRule, message, avoid);
            f.order(a, b, format!("{rule} moves from {a} to {b}"));
        }
    }
}

/// `Fn::GetStackOutput` reads whose output goes, changes, or is new.
fn weak_references(o: &Side<'_, '_>, n: &Side<'_, '_>, replaced: &BTreeSet<ResourceKey>, f: &mut Found) {
    let stacks = stack_changes(o.m.resolver.suite(), n.m.resolver.suite());
    let deployed = |c: &str| stacks.added.iter().chain(&stacks.changed).any(|s| s == c);
    let ow = o.weak_reads();
    for w in n.weak_reads() {
        let (c, p, out) = (w.stack.as_str(), w.producer.as_str(), w.output.as_str());
        if c == p {
            continue;
        }
        let (os, ns) = (o.index(p), n.index(p));
        let old = os.and_then(|s| o.template(s).outputs.get(out).map(|v| (s, v)));
        let new = ns.and_then(|s| n.template(s).outputs.get(out).map(|v| (s, v)));
        match (old, new) {
            (Some(_), None) => {
                let gone = if ns.is_none() {
                    format!("{p} is deleted")
                } else {
                    format!("{p} no longer declares output {out}")
                };
                f.fail(
                    c,
                    &w.resource,
                    FailureKind::WeakReference,
                    format!("reads output {out} of {p} with Fn::GetStackOutput, a weak reference, and {gone}: CloudFormation lets it go without a word, {c} keeps the value it read, and its next update cannot read it"),
                    format!("remove the reference from {c} and deploy {c} first, or keep output {out} in {p}"),
                );
            }
            (Some((os, ov)), Some((ns, nv))) => {
                if !differs(o, os, &ov.value, n, ns, &nv.value, replaced) {
                    continue;
                }
                let change =
                    format!("output {out} of {p}, which it reads with Fn::GetStackOutput, changes value");
                if deployed(c) {
                    f.fail(
                        c,
                        &w.resource,
                        FailureKind::WeakReference,
                        format!("{change}: deployed before {p}, {c} reads the old value and keeps it"),
                        format!("deploy {p} first, then {c}"),
                    );
                    f.order(p, c, format!("{c} reads output {out} of {p}, which changes"));
                } else {
                    f.fail(
                        c,
                        &w.resource,
                        FailureKind::WeakReference,
                        format!("{change}: {c} is not part of the change and keeps the old value, without a word from CloudFormation"),
                        format!("update {c} after {p} (any update reads the output again)"),
                    );
                }
            }
            (None, Some(_)) => {
                let new_read = !ow
                    .iter()
                    .any(|x| x.stack == w.stack && x.producer == w.producer && x.output == w.output);
                if new_read || deployed(c) {
                    f.fail(
                        c,
                        &w.resource,
                        FailureKind::StackOrder,
                        format!("reads output {out} of {p} with Fn::GetStackOutput, which {p} declares only from this change on: deployed before {p}, {c} cannot read it"),
                        format!("deploy {p} first, then {c}"),
                    );
                    f.order(p, c, format!("{c} reads output {out}, new in {p}"));
                }
            }
            (None, None) => {}
        }
    }
}

/// The stacks each stack imports from, by name (imports of exports of the suite).
fn import_graph(side: &Side<'_, '_>) -> Vec<(String, String, String)> {
    let exports = side.exports();
    let mut edges: Vec<(String, String, String)> = side
        .imports()
        .into_iter()
        .filter_map(|i| {
            let p = side.name(exports.get(&i.export)?.stack);
            (p != i.stack).then(|| (p.to_owned(), i.stack, i.export))
        })
        .collect();
    edges.sort();
    edges.dedup();
    edges
}

/// Stacks that come to import each other's exports.
fn import_cycles(o: &Side<'_, '_>, n: &Side<'_, '_>, f: &mut Found) {
    let graph = |side: &Side<'_, '_>| {
        let edges = import_graph(side);
        let pairs: Vec<(String, String)> = edges.iter().map(|(p, c, _)| (p.clone(), c.clone())).collect();
        (edges, sccs(&pairs))
    };
    let (_, old_cycles) = graph(o);
    let (edges, cycles) = graph(n);
    for cycle in cycles {
        if old_cycles.iter().any(|old| cycle.iter().all(|s| old.contains(s))) {
            continue;
        }
        let within: Vec<String> = edges
            .iter()
            .filter(|(p, c, _)| cycle.contains(p) && cycle.contains(c))
            .map(|(p, c, e)| format!("{c} imports {e} from {p}"))
            .collect();
        f.fail(
            &cycle[0],
            "",
            FailureKind::StackOrder,
            format!(
                "stacks {} come to import each other's exports ({}): neither can be deleted, nor its exports changed, while the other imports from it, and the suite cannot be created from scratch in any order",
                cycle.join(", "),
                within.join("; ")
            ),
            "break the cycle: move what both share into one of them, or into a stack both import from".into(),
        );
    }
}

/// Order constraints no order meets.
fn constraint_cycles(f: &mut Found) {
    let pairs: Vec<(String, String)> =
        f.constraints.iter().map(|c| (c.before.clone(), c.after.clone())).collect();
    for cycle in sccs(&pairs) {
        let reasons: Vec<String> = f
            .constraints
            .iter()
            .filter(|c| cycle.contains(&c.before) && cycle.contains(&c.after))
            .map(|c| format!("{} before {} ({})", c.before, c.after, c.reason))
            .collect();
        let message = format!("no single order deploys this change: {}", reasons.join("; "));
        f.fail(
            &cycle[0],
            "",
            FailureKind::StackOrder,
            message,
            "split the change into two deployments, each with an order that works (first the removals, then the additions)".into(),
        );
    }
}
