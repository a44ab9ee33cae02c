//! # ringfence-analyze
//!
//! One analysis engine over CloudFormation templates — the ones ringfence synthesizes,
//! or a suite a team wrote by hand:
//!
//! - [`Suite`]: templates deployed together; exports matched to imports, parameters
//!   resolved, every reference resolved to the template that creates its object
//!   ([`Obj`]);
//! - [`Model`]: groups, rules (inline and standalone), workloads, subnets, network ACLs,
//!   routes and associations, each with the template that declares it, in the EC2
//!   vocabulary the builder writes with ([`Protocol`], [`PortRange`], [`Direction`],
//!   [`SubnetKind`], from `ringfence_cfn::ec2`); a rule's EC2 identity
//!   ([`RuleIdentity`]);
//! - [`analyze`]: the checks ([`CHECKS`]), each finding with a stable id, a severity,
//!   its template, logical id and property path, a message and a hint; suppressions
//!   (with a reason) come from resource `Metadata` and are listed, never dropped;
//!   [`Findings`] holds the same findings compactly, borrowed from the model, for tools
//!   that report very many.
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

pub mod changes;
pub mod checks;
pub mod diagram;
pub mod diff;
mod finding;
pub mod flows;
mod members;
mod model;
pub mod reach;
mod report;
mod suite;

pub use checks::CHECKS;
pub use finding::{check, Check, Finding, Severity};
pub use model::{
    ports_text, Association, AssociationKind, Group, Location, Model, NaclEntry, NetworkChange, Route,
    RouteTarget, Rule, RuleIdentity, RulePeer, Subnet, Workload, MAX_UNDECIDED, UNREADABLE_PORTS,
};
// The EC2 vocabulary the model is read through, shared with the builder
// (`ringfence_cfn::ec2`).
pub use ringfence_cfn::ec2::{Direction, PortRange, Protocol, SubnetKind};
pub use suite::{Obj, Resolver, Suite, SuiteTemplate, WeakReference, NESTED_STACK};

pub use report::{analyze, analyze_model, FindingRef, Findings, Report};
