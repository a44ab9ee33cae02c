//! Synthesis, as a visible pipeline: render each stack (resolving references into
//! exports and imports) -> order the stacks (reporting cycles) -> check -> assemble.
//! Writing the assembly is a separate step ([`Assembly::write`]).

mod assembly;
pub(crate) mod ids;
mod order;
pub(crate) mod render;
mod render_network;
mod resolve;

pub use assembly::{Assembly, StackArtifact};

use crate::model::AppState;
use crate::SynthError;

pub(crate) fn synthesize(app: &AppState) -> Result<Assembly, SynthError> {
    // 1. Render every stack; each resolves its own references.
    let rendered: Vec<render::Rendered> =
        (0..app.stacks.len()).map(|i| render::render_stack(app, i)).collect();
    let mut errors: Vec<crate::Error> = Vec::new();
    for r in &rendered {
        errors.extend(r.errors.iter().cloned());
    }

    // 2. Order the stacks by their imports; a cycle cannot be deployed.
    let names: Vec<String> = app.stacks.iter().map(|s| s.name.to_string()).collect();
    let deps: Vec<_> = rendered.iter().map(|r| r.deps.clone()).collect();
    let order = match order::deployment_order(&names, &deps) {
        Ok(order) => order,
        Err(cycles) => {
            errors.extend(cycles);
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(SynthError { errors });
    }

    // 3. Assemble in deployment order.
    let mut rendered: Vec<Option<render::Rendered>> = rendered.into_iter().map(Some).collect();
    let stacks: Vec<StackArtifact> = order
        .into_iter()
        .filter_map(|i| {
            let r = rendered[i].take()?;
            Some(StackArtifact {
                name: app.stacks[i].name.clone(),
                dependencies: r.deps.keys().map(|&d| app.stacks[d].name.clone()).collect(),
                exports: r.exports,
                imports: r.imports.into_iter().collect(),
                template: std::sync::Arc::new(r.template),
                json_len: None,
            })
        })
        .collect();
    let stacks = count_json(stacks);
    let mut assembly = Assembly::new(stacks);

    // 4. Check the templates themselves, with the same engine that audits hand-written
    //    suites: an error stops synthesis, the rest travels with the assembly.
    let report = ringfence_analyze::analyze(&assembly.suite());
    let errors: Vec<crate::Error> = report
        .active()
        .filter(|f| f.severity == ringfence_analyze::Severity::Error)
        .cloned()
        .map(|f| crate::Error::Check(Box::new(f)))
        .collect();
    if !errors.is_empty() {
        return Err(SynthError { errors });
    }
    assembly.findings = report.findings;
    Ok(assembly)
}

/// Counts every template's JSON size, on every core, for the size quotas.
fn count_json(mut stacks: Vec<StackArtifact>) -> Vec<StackArtifact> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let chunk = stacks.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        for part in stacks.chunks_mut(chunk) {
            scope.spawn(move || {
                for s in part {
                    s.json_len = Some((std::sync::Arc::clone(&s.template), s.template.json_len()));
                }
            });
        }
    });
    stacks
}
