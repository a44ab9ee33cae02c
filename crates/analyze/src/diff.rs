//! What a change does, before it ships (`ringfence diff`, [`Assembly::diff`] in the
//! builder): the stacks it adds, removes and changes, the flows it opens and closes
//! ([`flows`], by the reachability rules), the resources it replaces and
//! the deployments it makes fail ([`changes`]), and an order to deploy
//! it in. Both suites are modelled once.
//!
//! [`Assembly::diff`]: https://docs.rs/ringfence/latest/ringfence/struct.Assembly.html#method.diff
//!
//! ```
//! use ringfence_analyze::{diff::diff, Suite};
//! let group = |port: u16| format!("Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: web\n      SecurityGroupIngress:\n        - {{IpProtocol: tcp, FromPort: {port}, ToPort: {port}, CidrIp: 0.0.0.0/0, Description: web}}\n");
//! let mut old = Suite::new();
//! old.read("web", "web.yaml", &group(443))?;
//! let mut new = Suite::new();
//! new.read("web", "web.yaml", &group(22))?;
//! let d = diff(&old, &new);
//! assert_eq!(d.stacks.changed, ["web"]);
//! assert_eq!(d.flows.opened[0].ports.to_string(), "tcp/22");
//! assert_eq!(d.flows.closed[0].ports.to_string(), "tcp/443");
//! assert!(diff(&old, &old).is_empty());
//! # Ok::<(), ringfence_cfn::ReadError>(())
//! ```

use crate::changes::{self, Failure, Replacement, StackChanges, Step};
use crate::flows::{self, FlowDiff};
use crate::model::Model;
use crate::suite::Suite;

/// Everything a change does, as [`diff`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteDiff {
    /// The stacks added, removed, changed and unchanged, by name.
    pub stacks: StackChanges,
    /// The flows opened and closed.
    pub flows: FlowDiff,
    /// The resources replaced, and what they take along.
    pub replacements: Vec<Replacement>,
    /// The deployments predicted to fail (or to leave a stale value), each with how to
    /// avoid it.
    pub failures: Vec<Failure>,
    /// An order to deploy the changed stacks in, or the stacks no order serves.
    pub order: Result<Vec<Step>, Vec<String>>,
}

impl SuiteDiff {
    /// Whether the change changes nothing: no stack added, removed or changed, no flow
    /// opened or closed, nothing replaced, nothing predicted to fail.
    pub fn is_empty(&self) -> bool {
        self.stacks.is_empty()
            && self.flows.is_empty()
            && self.replacements.is_empty()
            && self.failures.is_empty()
    }
}

/// Compares two suites (`old` before the change, `new` after).
pub fn diff(old: &Suite, new: &Suite) -> SuiteDiff {
    let (om, nm) = (Model::build(old), Model::build(new));
    let deployment = changes::compare_models(old, new, &om, &nm);
    SuiteDiff {
        stacks: deployment.stacks,
        flows: flows::diff_flows(&om, &nm),
        replacements: deployment.replacements,
        failures: deployment.failures,
        order: deployment.order,
    }
}
