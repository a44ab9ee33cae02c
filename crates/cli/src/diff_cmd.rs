//! `ringfence diff OLD NEW`: what a change does to traffic and to the deployment, before
//! it ships. Each side is a cloud assembly, a folder of templates or one template file;
//! the comparison is `ringfence_analyze::diff` (flows by the reachability rules, stacks,
//! replacements, predicted deployment failures and an order to deploy in), and, for
//! each stack the change removes, what `impact --remove` says of it.
//!
//! Output: text for a terminal, Markdown for a pull-request comment, JSON for machines.
//! The exit code is 1 when one of the `--fail-on` gates holds.

use std::fmt::Write as _;

use ringfence_analyze::changes::{Failure, Replacement};
use ringfence_analyze::diff::{diff, SuiteDiff};
use ringfence_analyze::flows::{Endpoint, Flow, RuleRef};
use ringfence_analyze::{Model, Suite};
use serde_json::{json, Value};

use crate::args::{DiffArgs, DiffFormat, DiffGate, Inputs, Param};
use crate::impact::impact;
use crate::load::{self, Loaded};
use crate::output::{one_line, pretty, Outcome, Usage};

/// Runs the command.
pub fn run(args: &DiffArgs) -> Result<Outcome, Usage> {
    let side = |path: &std::path::PathBuf| -> Result<Loaded, Usage> {
        let inputs = Inputs { paths: vec![path.clone()], params: Vec::new(), stack_names: Vec::new() };
        let loaded = load::load(&inputs)?;
        loaded.warn_unreadable();
        Ok(loaded)
    };
    let (mut old, mut new) = (side(&args.old)?, side(&args.new)?);
    apply_params(&mut old.suite, &mut new.suite, &args.params)?;
    let d = diff(&old.suite, &new.suite);
    let removed = removed_impact(&old.suite, &d);
    let stdout = match args.format {
        DiffFormat::Text => text(&d, &removed),
        DiffFormat::Markdown => markdown(&d, &removed),
        DiffFormat::Json => pretty(&to_json(&d, &removed)),
    };
    let gates = if args.fail_on.is_empty() { vec![DiffGate::Failure] } else { args.fail_on.clone() };
    let fails = gates.iter().any(|g| gate_holds(*g, &d));
    Ok(Outcome { stdout, code: u8::from(fails) })
}

/// `--param` for the stacks of either side that declare the parameter: a value may
/// apply to one side only (a parameter added or removed by the change), never to none.
fn apply_params(old: &mut Suite, new: &mut Suite, params: &[Param]) -> Result<(), Usage> {
    for p in params {
        let mut applied = false;
        for suite in [&mut *old, &mut *new] {
            for t in suite.templates_mut() {
                let named = p.stack == "*" || p.stack == t.stack;
                if named && t.template.parameters.keys().any(|k| k.as_str() == p.name) {
                    t.parameters.insert(p.name.clone(), p.value.clone());
                    applied = true;
                }
            }
        }
        if !applied {
            return Err(Usage(format!(
                "--param {}.{}={}: no template of either side declares parameter {}",
                p.stack, p.name, p.value, p.name
            )));
        }
    }
    Ok(())
}

/// Whether a `--fail-on` gate holds.
fn gate_holds(gate: DiffGate, d: &SuiteDiff) -> bool {
    let failure = d.failures.iter().any(|f| !f.kind.is_warning());
    let from_internet =
        d.flows.opened.iter().any(|f| matches!(f.from, Endpoint::Range(n) if n.prefix_len() == 0));
    match gate {
        DiffGate::Never => false,
        DiffGate::Failure => failure,
        DiffGate::Internet => from_internet,
        DiffGate::Replacement => !d.replacements.is_empty(),
        DiffGate::Opened => !d.flows.opened.is_empty(),
        DiffGate::Change => !d.is_empty(),
    }
}

/// For each stack the change removes: what deleting it does to the other stacks of the
/// old suite (`impact --remove`), as (stack, lines).
fn removed_impact(old: &Suite, d: &SuiteDiff) -> Vec<RemovedStack> {
    if d.stacks.removed.is_empty() {
        return Vec::new();
    }
    let model = Model::build(old);
    d.stacks
        .removed
        .iter()
        .filter_map(|name| {
            let s = old.templates().iter().position(|t| t.stack == *name)?;
            let rows = impact(&model, s)
                .into_iter()
                .map(|a| {
                    (format!("{}/{}", model.stack_name(a.stack), a.resource), a.kind.to_string(), a.message)
                })
                .collect();
            Some((name.clone(), rows))
        })
        .collect()
}

fn rule_ref(r: &RuleRef) -> Value {
    match r {
        RuleRef::Rule { stack, logical_id, path } => {
            json!({"stack": stack, "resource": logical_id, "path": path})
        }
        RuleRef::DefaultEgress { stack, logical_id } => {
            json!({"stack": stack, "resource": logical_id, "path": "(no inline egress: EC2's allow-all)"})
        }
    }
}

fn flow_json(f: &Flow) -> Value {
    let first = f.rules.first().map(|r| match r {
        RuleRef::Rule { stack, logical_id, .. } | RuleRef::DefaultEgress { stack, logical_id } => {
            (stack.clone(), logical_id.clone())
        }
    });
    json!({
        "from": f.from.to_string(),
        "to": f.to.to_string(),
        "port": f.ports.to_string(),
        "stack": first.as_ref().map(|f| f.0.clone()),
        "resource": first.as_ref().map(|f| f.1.clone()),
        "rules": f.rules.iter().map(rule_ref).collect::<Vec<_>>(),
    })
}

fn replacement_json(r: &Replacement) -> Value {
    json!({
        "stack": r.stack,
        "resource": r.resource,
        "type": r.resource_type,
        "reason": r.reason,
        "fails": r.fails,
        "message": r.message,
        "takes_along": r.takes_along.iter().map(|t| json!({
            "stack": t.stack, "resource": t.resource, "type": t.resource_type,
            "how": t.how.as_str(), "message": t.message,
        })).collect::<Vec<_>>(),
    })
}

fn failure_json(f: &Failure) -> Value {
    json!({
        "stack": f.stack,
        "resource": f.resource,
        "kind": f.kind.as_str(),
        "warning": f.kind.is_warning(),
        "message": f.message,
        "avoid": f.avoid,
    })
}

/// A removed stack and, for each resource of another stack it affects: (`stack/id`,
/// kind, message).
type RemovedStack = (String, Vec<(String, String, String)>);

type Removed = [RemovedStack];

fn to_json(d: &SuiteDiff, removed: &Removed) -> Value {
    let order = match &d.order {
        Ok(steps) => {
            json!({"steps": steps.iter().map(|s| json!({"stack": s.stack, "action": s.action.as_str()})).collect::<Vec<_>>()})
        }
        Err(stuck) => json!({"impossible": stuck}),
    };
    json!({
        "stacks": {
            "added": d.stacks.added,
            "removed": d.stacks.removed,
            "changed": d.stacks.changed,
            "unchanged": d.stacks.unchanged,
        },
        "flows": {
            "opened": d.flows.opened.iter().map(flow_json).collect::<Vec<_>>(),
            "closed": d.flows.closed.iter().map(flow_json).collect::<Vec<_>>(),
        },
        "replacements": d.replacements.iter().map(replacement_json).collect::<Vec<_>>(),
        "failures": d.failures.iter().map(failure_json).collect::<Vec<_>>(),
        "order": order,
        "removed_stacks": removed.iter().map(|(stack, rows)| json!({
            "stack": stack,
            "impact": rows.iter().map(|(r, k, m)| json!({"resource": r, "kind": k, "message": m})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// `N item(s)` in words.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn flow_line(f: &Flow) -> String {
    let rules: Vec<String> = f.rules.iter().map(|r| one_line(&r.to_string()).into_owned()).collect();
    format!(
        "{} -> {}  {}  ({})",
        one_line(&f.from.to_string()),
        one_line(&f.to.to_string()),
        f.ports,
        rules.join("; ")
    )
}

fn text(d: &SuiteDiff, removed: &Removed) -> String {
    let mut out = String::new();
    let s = &d.stacks;
    let _ = writeln!(
        out,
        "Stacks: {} added, {} removed, {} changed, {} unchanged",
        s.added.len(),
        s.removed.len(),
        s.changed.len(),
        s.unchanged.len()
    );
    for (word, list) in [("added", &s.added), ("removed", &s.removed), ("changed", &s.changed)] {
        for name in list {
            let _ = writeln!(out, "  {word:<8} {name}");
        }
    }
    for (title, flows) in [("opened", &d.flows.opened), ("closed", &d.flows.closed)] {
        let _ = writeln!(out, "\nFlows {title}: {}", flows.len());
        for f in flows {
            let _ = writeln!(out, "  {}", flow_line(f));
        }
    }
    let _ = writeln!(out, "\nReplacements: {}", d.replacements.len());
    for r in &d.replacements {
        let fails = if r.fails { " — FAILS" } else { "" };
        let _ = writeln!(
            out,
            "  {}/{} ({}): {}{fails}",
            r.stack,
            r.resource,
            r.resource_type,
            one_line(&r.reason)
        );
        let _ = writeln!(out, "      {}", one_line(&r.message));
        for t in &r.takes_along {
            let _ = writeln!(
                out,
                "      takes along [{}] {}/{}: {}",
                t.how.as_str(),
                t.stack,
                t.resource,
                one_line(&t.message)
            );
        }
    }
    let _ = writeln!(out, "\nPredicted deployment failures: {}", d.failures.len());
    for f in &d.failures {
        let at = if f.resource.is_empty() { f.stack.clone() } else { format!("{}/{}", f.stack, f.resource) };
        let _ = writeln!(out, "  [{}] {at}: {}", f.kind, one_line(&f.message));
        let _ = writeln!(out, "      avoid: {}", one_line(&f.avoid));
    }
    match &d.order {
        Ok(steps) if !steps.is_empty() => {
            let _ = writeln!(out, "\nDeploy in this order:");
            for (i, st) in steps.iter().enumerate() {
                let _ = writeln!(out, "  {}. {} {}", i + 1, st.action.as_str(), st.stack);
            }
        }
        Ok(_) => {}
        Err(stuck) => {
            let _ = writeln!(out, "\nNo order deploys the change: {}", stuck.join(", "));
        }
    }
    for (stack, rows) in removed {
        let _ = writeln!(
            out,
            "\nRemoving {stack} affects {}",
            count(rows.len(), "resource of another stack", "resources of other stacks")
        );
        for (r, k, m) in rows {
            let _ = writeln!(out, "  {r} [{k}]: {}", one_line(m));
        }
    }
    out
}

/// A Markdown table cell: one line, `|` escaped.
fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

fn markdown(d: &SuiteDiff, removed: &Removed) -> String {
    let mut out = String::from("## ringfence diff\n\n");
    let s = &d.stacks;
    let _ = writeln!(
        out,
        "**Stacks:** {} added, {} removed, {} changed, {} unchanged\n",
        s.added.len(),
        s.removed.len(),
        s.changed.len(),
        s.unchanged.len()
    );
    for (word, list) in [("Added", &s.added), ("Removed", &s.removed), ("Changed", &s.changed)] {
        if !list.is_empty() {
            let names: Vec<String> = list.iter().map(|n| format!("`{n}`")).collect();
            let _ = writeln!(out, "- {word}: {}", names.join(", "));
        }
    }
    for (title, flows) in [("opened", &d.flows.opened), ("closed", &d.flows.closed)] {
        let _ = writeln!(out, "\n### Flows {title} ({})\n", flows.len());
        if flows.is_empty() {
            let _ = writeln!(out, "None.");
            continue;
        }
        let _ = writeln!(out, "| from | to | port | rules |\n|---|---|---|---|");
        for f in flows {
            let rules: Vec<String> = f.rules.iter().map(|r| cell(&r.to_string())).collect();
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} |",
                cell(&f.from.to_string()),
                cell(&f.to.to_string()),
                f.ports,
                rules.join("<br>")
            );
        }
    }
    let _ = writeln!(out, "\n### Replacements ({})\n", d.replacements.len());
    if d.replacements.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        let _ = writeln!(out, "| resource | type | why | fails | what happens |\n|---|---|---|---|---|");
        for r in &d.replacements {
            let _ = writeln!(
                out,
                "| `{}/{}` | `{}` | {} | {} | {} |",
                r.stack,
                r.resource,
                r.resource_type,
                cell(&r.reason),
                if r.fails { "**yes**" } else { "no" },
                cell(&r.message)
            );
        }
    }
    let _ = writeln!(out, "\n### Predicted deployment failures ({})\n", d.failures.len());
    if d.failures.is_empty() {
        let _ = writeln!(out, "None.");
    } else {
        let _ = writeln!(out, "| kind | where | what | avoid |\n|---|---|---|---|");
        for f in &d.failures {
            let _ = writeln!(
                out,
                "| `{}` | `{}/{}` | {} | {} |",
                f.kind,
                f.stack,
                f.resource,
                cell(&f.message),
                cell(&f.avoid)
            );
        }
    }
    if let Ok(steps) = &d.order {
        if !steps.is_empty() {
            let _ = writeln!(out, "\n### Deploy in this order\n");
            for (i, st) in steps.iter().enumerate() {
                let _ = writeln!(out, "{}. {} `{}`", i + 1, st.action.as_str(), st.stack);
            }
        }
    }
    for (stack, rows) in removed {
        let _ = writeln!(out, "\n### Removing `{stack}`\n");
        if rows.is_empty() {
            let _ = writeln!(out, "Affects no other stack.");
        }
        for (r, k, m) in rows {
            let _ = writeln!(out, "- `{r}` [{k}]: {}", cell(m));
        }
    }
    out
}
