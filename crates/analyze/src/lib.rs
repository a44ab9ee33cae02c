//! # ringfence-analyze
//!
//! One analysis engine over CloudFormation templates — the ones ringfence synthesizes,
//! or a suite a team wrote by hand:
//!
//! - [`Suite`]: templates deployed together; exports matched to imports, parameters
//!   resolved, every reference resolved to the template that creates its object
//!   ([`Obj`]);
//! - [`Model`]: groups, rules (inline and standalone), workloads, subnets, network ACLs,
//!   routes and associations, each with the template that declares it;
//! - [`analyze`]: the checks ([`CHECKS`]), each finding with a stable id, a severity,
//!   its template, logical id and property path, a message and a hint; suppressions
//!   (with a reason) come from resource `Metadata` and are listed, never dropped.
//!
//! ```
//! use ringfence_analyze::{analyze, Severity, Suite};
//! use ringfence_cfn::Template;
//!
//! let bot = Template::from_yaml(r#"
//! Parameters:
//!   SharedGroup:
//!     Type: AWS::EC2::SecurityGroup::Id
//! Resources:
//!   AdmitMe:
//!     Type: AWS::EC2::SecurityGroupIngress
//!     Properties:
//!       GroupId: !Ref SharedGroup
//!       IpProtocol: tcp
//!       FromPort: 5432
//!       ToPort: 5432
//!       CidrIp: 10.0.0.0/16
//!       Description: bot to database
//! "#)?;
//! let mut suite = Suite::new();
//! suite.add("bot", "bot.yaml", bot);
//! let report = analyze(&suite);
//! let f = &report.findings[0];
//! assert_eq!((f.check, f.severity, f.logical_id.as_str()), ("RF101", Severity::Error, "AdmitMe"));
//! # Ok::<(), ringfence_cfn::ReadError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod checks;
pub mod diagram;
mod finding;
mod model;
pub mod reach;
mod suite;

pub use finding::{check, Check, Finding, Severity, CHECKS};
pub use model::{
    Association, AssociationKind, Direction, Group, Location, Model, NaclEntry, Proto, Route, RouteTarget,
    Rule, RulePeer, Subnet, Workload,
};
pub use suite::{Obj, Resolver, Suite, SuiteTemplate};

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
    let order: std::collections::HashMap<&str, usize> =
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
