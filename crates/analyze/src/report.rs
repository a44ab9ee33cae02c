//! The report of a run of the checks, and the entry points that produce it.

use crate::checks;
use crate::finding::{self, Finding, Severity};
use crate::model::Model;
use crate::suite::Suite;

/// What the checks found, in a stable order: by template, most severe first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Every finding, suppressed ones included.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Findings that are not suppressed.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    /// Active findings of one severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.active().filter(|f| f.severity == severity).count()
    }

    /// Active findings of one check.
    pub fn of(&self, check: &str) -> Vec<&Finding> {
        self.active().filter(|f| f.check == check).collect()
    }
}

/// Runs every check over a suite.
pub fn analyze(suite: &Suite) -> Report {
    let model = Model::build(suite);
    analyze_model(&model)
}

/// Runs every check over a model already built.
pub fn analyze_model(model: &Model<'_>) -> Report {
    let mut r = finding::Reporter::new(model);
    checks::run(model, &mut r);
    let order: rustc_hash::FxHashMap<&str, usize> =
        model.resolver.suite().templates().iter().enumerate().map(|(i, t)| (t.stack.as_str(), i)).collect();
    let mut findings = r.findings;
    findings.sort_by(|a, b| {
        let (ia, ib) = (order.get(a.template.as_str()), order.get(b.template.as_str()));
        ia.cmp(&ib)
            .then(b.severity.cmp(&a.severity))
            .then_with(|| a.logical_id.cmp(&b.logical_id))
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.check.cmp(b.check))
    });
    Report { findings }
}
