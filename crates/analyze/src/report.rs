//! The report of a run of the checks, and the entry points that produce it.

use crate::checks;
use crate::finding::{self, Finding, Found, Severity};
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
    Findings::of(model).to_report()
}

/// One finding of [`Findings`], borrowed: the same fields as a [`Finding`], as text
/// slices of the model, the suite and the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingRef<'f> {
    /// The check's id.
    pub check: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// The template, an index into the suite.
    pub stack: usize,
    /// The template's stack name.
    pub template: &'f str,
    /// Where the template came from.
    pub source: &'f str,
    /// The resource (empty for the whole template).
    pub logical_id: &'f str,
    /// The property path inside it.
    pub path: &'f str,
    /// What is wrong.
    pub message: &'f str,
    /// What to do.
    pub hint: &'f str,
    /// The reason given for suppressing it, if it is suppressed.
    pub suppressed: Option<&'f str>,
}

impl FindingRef<'_> {
    /// The finding as an owned [`Finding`].
    pub fn to_finding(&self) -> Finding {
        Finding {
            check: self.check,
            severity: self.severity,
            template: self.template.to_owned(),
            source: self.source.to_owned(),
            logical_id: self.logical_id.to_owned(),
            path: self.path.to_owned(),
            message: self.message.to_owned(),
            hint: self.hint.to_owned(),
            suppressed: self.suppressed.map(str::to_owned),
        }
    }
}

/// What the checks found over a model, in [`Report`]'s order, kept compact for tools
/// that report many findings (`ringfence audit` over a template of 100,000 rules): each
/// finding borrows its resource and path from the model and its suppression from the
/// template, and shares its message and hint with the findings before it that say the
/// same, so it costs about 50 bytes where an owned [`Finding`] costs some 600.
///
/// ```
/// use ringfence_analyze::{analyze_model, Findings, Model, Suite};
/// let mut suite = Suite::new();
/// suite.read("web", "web.yaml", "Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      SecurityGroupIngress:\n        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}\n")?;
/// let model = Model::build(&suite);
/// let found = Findings::of(&model);
/// let first = found.iter().next().unwrap();
/// assert_eq!((first.check, first.logical_id, first.path), ("RF301", "G", "Properties.SecurityGroupIngress[0]"));
/// // The same findings, in the same order, as the owned report.
/// assert_eq!(found.to_report(), analyze_model(&model));
/// # Ok::<(), ringfence_cfn::ReadError>(())
/// ```
pub struct Findings<'m> {
    suite: &'m Suite,
    found: Vec<Found<'m>>,
}

impl<'m> Findings<'m> {
    /// Runs every check over a model.
    pub fn of(model: &'m Model<'_>) -> Findings<'m> {
        // A model is covariant in its suite's lifetime: read it as borrowing for 'm.
        let model: &'m Model<'m> = model;
        let mut r = finding::Reporter::new(model);
        checks::run(model, &mut r);
        let suite = model.resolver.suite();
        // By template (in suite order; a stack name given twice sorts as its last
        // template, as it always has), most severe first, then by resource, path and
        // check; findings that compare equal keep the order the checks reported them in.
        let order: rustc_hash::FxHashMap<&str, usize> =
            suite.templates().iter().enumerate().map(|(i, t)| (t.stack.as_str(), i)).collect();
        let rank: Vec<usize> = suite.templates().iter().map(|t| order[t.stack.as_str()]).collect();
        let mut found = r.found;
        for (i, f) in found.iter_mut().enumerate() {
            f.seq = u32::try_from(i).unwrap_or(u32::MAX);
        }
        found.sort_unstable_by(|a, b| {
            rank[a.at.stack()]
                .cmp(&rank[b.at.stack()])
                .then(b.severity.cmp(&a.severity))
                .then_with(|| a.at.logical_id().cmp(b.at.logical_id()))
                .then_with(|| a.at.path().cmp(b.at.path()))
                .then_with(|| a.says.check.cmp(b.says.check))
                .then(a.seq.cmp(&b.seq))
        });
        Findings { suite, found }
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.found.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// The findings, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = FindingRef<'_>> + DoubleEndedIterator + Clone + '_ {
        self.found.iter().map(|f| self.show(f))
    }

    /// The finding at `index` in the order.
    pub fn get(&self, index: usize) -> Option<FindingRef<'_>> {
        self.found.get(index).map(|f| self.show(f))
    }

    fn show<'f>(&'f self, f: &'f Found<'m>) -> FindingRef<'f> {
        let stack = f.at.stack();
        let t = &self.suite.templates()[stack];
        FindingRef {
            check: f.says.check,
            severity: f.severity,
            stack,
            template: &t.stack,
            source: &t.source,
            logical_id: f.at.logical_id(),
            path: f.at.path(),
            message: &f.says.message,
            hint: &f.says.hint,
            suppressed: f.suppressed,
        }
    }

    /// The findings as a [`Report`] of owned findings.
    pub fn to_report(&self) -> Report {
        Report { findings: self.iter().map(|f| f.to_finding()).collect() }
    }
}

impl std::fmt::Debug for Findings<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}
