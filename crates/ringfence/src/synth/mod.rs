//! Synthesis, as a visible pipeline: render each stack (resolving references into
//! exports and imports) -> order the stacks (reporting cycles) -> check -> assemble.
//! Writing the assembly is a separate step ([`Assembly::write`]).

mod assembly;
pub(crate) mod ids;
mod order;
pub(crate) mod render;
mod render_network;
mod resolve;
mod write;

#[cfg(feature = "timings")]
pub use assembly::SynthTimings;
pub use assembly::{Assembly, StackArtifact};
pub use write::{Formats, WriteSummary};

use ringfence_analyze::Finding;
use rustc_hash::FxHashMap;

use crate::collections::FxIndexMap;
use crate::model::AppState;
use crate::{Error, SynthError};

pub(crate) fn synthesize(app: &AppState) -> Result<Assembly, SynthError> {
    let mut watch = Stopwatch::start();
    // 1. Render every stack; each resolves its own references and reads the app only.
    let exports = resolve::ExportTable::new(app);
    let rendered: Vec<render::Rendered> =
        parallel_map(app.stacks.len(), |i| render::render_stack(app, &exports, i));
    watch.lap(Step::Render);
    let mut errors: Vec<Error> = Vec::new();
    for (i, r) in rendered.iter().enumerate() {
        errors.extend(r.errors.iter().cloned());
        if r.template.resources.is_empty() {
            errors.push(Error::EmptyStack { stack: app.stacks[i].name.to_string() });
        }
    }

    // 2. Order the stacks by their imports; a cycle cannot be deployed.
    let names: Vec<&str> = app.stacks.iter().map(|s| s.name.as_str()).collect();
    let deps: Vec<&order::Deps> = rendered.iter().map(|r| &r.deps).collect();
    // On an error, synthesis goes on to the checks (in declaration order when the stacks
    // cannot be ordered), so every error is reported at once, not only the first kind.
    let order = match order::deployment_order(&names, &deps) {
        Ok(order) => order,
        Err(cycles) => {
            errors.extend(cycles);
            (0..app.stacks.len()).collect()
        }
    };

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
    watch.lap(Step::Order);
    let stacks = count_json(stacks);
    watch.lap(Step::Sizes);
    let mut assembly = Assembly::new(stacks);

    // 4. Check the templates themselves, with the same engine that audits hand-written
    //    suites: an error stops synthesis, the rest travels with the assembly.
    let suite = assembly.suite();
    let model = ringfence_analyze::Model::build(&suite);
    watch.lap(Step::Model);
    let report = ringfence_analyze::analyze_model(&model);
    watch.lap(Step::Checks);
    let failed: Vec<Finding> = report
        .active()
        .filter(|f| f.severity == ringfence_analyze::Severity::Error && !reported_quota(&errors, f))
        .cloned()
        .collect();
    if !failed.is_empty() {
        errors.extend(check_errors(app, &exports, failed));
    }
    if !errors.is_empty() {
        return Err(SynthError { errors });
    }
    assembly.findings = report.findings;
    watch.finish(&mut assembly);
    Ok(assembly)
}

/// Whether `f` is the analysis engine's RF403 for a quantity the renderer already
/// reported over its quota as a typed [`Error::TemplateQuota`] (same stack, same count
/// of the same thing): a quota is reported once, typed. RF403 for the template's size in
/// bytes, which the renderer does not check, stays.
fn reported_quota(errors: &[Error], f: &Finding) -> bool {
    f.check == "RF403"
        && errors.iter().any(|e| {
            matches!(e, Error::TemplateQuota { stack, what, count, .. }
                if *stack == f.template && f.message.contains(&format!("{count} {what}")))
        })
}

/// The error findings as [`Error::Check`]s, each naming the construct its resource was
/// derived for. Only here, once a check has failed, are the stacks concerned rendered
/// again to learn that ([`render::constructs`]): a synthesis that succeeds keeps no map
/// from logical ids to constructs.
fn check_errors(app: &AppState, exports: &resolve::ExportTable, failed: Vec<Finding>) -> Vec<Error> {
    let stacks: FxHashMap<&str, usize> =
        app.stacks.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    let mut constructs: FxHashMap<usize, FxIndexMap<ringfence_cfn::LogicalId, String>> = FxHashMap::default();
    failed
        .into_iter()
        .map(|f| {
            let construct = stacks
                .get(f.template.as_str())
                .and_then(|&i| {
                    let paths = constructs.entry(i).or_insert_with(|| render::constructs(app, exports, i));
                    paths.get(f.logical_id.as_str()).cloned()
                })
                .unwrap_or_else(|| f.template.clone());
            Error::Check { construct, finding: Box::new(f) }
        })
        .collect()
}

/// Counts every template's JSON size, on every core, for the size quotas.
fn count_json(mut stacks: Vec<StackArtifact>) -> Vec<StackArtifact> {
    let lens = parallel_map(stacks.len(), |i| stacks[i].template.json_len());
    for (s, len) in stacks.iter_mut().zip(lens) {
        s.json_len = Some((std::sync::Arc::clone(&s.template), len));
    }
    stacks
}

/// The steps of synthesis the `timings` feature times, in order.
enum Step {
    Render,
    Order,
    Sizes,
    Model,
    Checks,
}

/// Times the steps of synthesis with the `timings` feature (a diagnostics feature, off
/// by default); without it an empty value whose calls compile to nothing: no clock is
/// read on the path that is benchmarked.
struct Stopwatch {
    #[cfg(feature = "timings")]
    last: std::time::Instant,
    #[cfg(feature = "timings")]
    timings: SynthTimings,
}

impl Stopwatch {
    fn start() -> Stopwatch {
        Stopwatch {
            #[cfg(feature = "timings")]
            last: std::time::Instant::now(),
            #[cfg(feature = "timings")]
            timings: SynthTimings::default(),
        }
    }

    /// Ends `step`: its time is the time since the previous step ended.
    #[inline]
    fn lap(&mut self, step: Step) {
        #[cfg(feature = "timings")]
        {
            let now = std::time::Instant::now();
            let lap = now - self.last;
            self.last = now;
            let t = &mut self.timings;
            *match step {
                Step::Render => &mut t.render,
                Step::Order => &mut t.order,
                Step::Sizes => &mut t.sizes,
                Step::Model => &mut t.model,
                Step::Checks => &mut t.checks,
            } = lap;
        }
        #[cfg(not(feature = "timings"))]
        let _ = step;
    }

    /// Hands the times to the assembly.
    #[inline]
    fn finish(self, _assembly: &mut Assembly) {
        #[cfg(feature = "timings")]
        {
            _assembly.timings = self.timings;
        }
    }
}

/// `(0..n).map(f).collect()`, on every core when `n` is large enough; the results keep
/// their order, so the output never depends on the number of cores.
pub(crate) fn parallel_map<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let parts = ringfence_cfn::parallel::chunks(n, |range| range.map(&f).collect::<Vec<T>>());
    let mut out = Vec::with_capacity(n);
    parts.into_iter().for_each(|p| out.extend(p));
    out
}

/// Runs `f` on `items` split into one contiguous share per core, the results in order.
pub(crate) fn parallel_chunks<I: Sync, T: Send>(items: &[I], f: impl Fn(&[I]) -> T + Sync) -> Vec<T> {
    ringfence_cfn::parallel::chunks(items.len(), |range| f(&items[range]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_order_and_every_item() {
        for n in [
            0,
            1,
            2,
            ringfence_cfn::parallel::PARALLEL_FROM - 1,
            ringfence_cfn::parallel::PARALLEL_FROM,
            1000,
            1001,
        ] {
            assert_eq!(parallel_map(n, |i| i * 3), (0..n).map(|i| i * 3).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn parallel_chunks_cover_the_items_in_order() {
        for n in [0, 1, ringfence_cfn::parallel::PARALLEL_FROM, 1001] {
            let items: Vec<usize> = (0..n).collect();
            let parts = parallel_chunks(&items, <[usize]>::to_vec);
            assert_eq!(parts.concat(), items, "n = {n}");
            assert!(parts.iter().all(|p| !p.is_empty()) || n == 0, "no empty share for n = {n}");
        }
    }

    #[test]
    fn a_panicking_worker_panics_the_caller() {
        let caught = std::panic::catch_unwind(|| parallel_map(500, |i| assert!(i != 400, "item 400")));
        assert!(caught.is_err());
    }
}
