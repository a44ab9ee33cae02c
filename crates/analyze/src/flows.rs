//! Flows: who may send what to whom at the security-group layer, and what changes
//! between two versions of a suite (`ringfence diff`). Computed by the same rules as
//! [`reach`](crate::reach) — not by comparing rule text — so restructuring groups
//! without changing who reaches whom changes no flow.
//!
//! A [`Flow`] goes from one [`Endpoint`] to another, carries one protocol and a
//! contiguous range of its ports ([`Ports`]), and names the rules that allow it
//! ([`RuleRef`]). The endpoints are named, not numbered, so two suites compare:
//!
//! - a **workload** (a resource whose interfaces join groups), by stack name and logical
//!   id; a workload that names no group is left out (EC2 puts it in its VPC's default
//!   group, which no template holds);
//! - a **group of the suite that no workload joins**, so that its rules are not
//!   invisible: it stands for whatever will join it (in that group alone). A group of
//!   the suite that workloads join is *not* an endpoint: its flows are its members'
//!   flows, which is what makes renaming or splitting it invisible when its members
//!   reach the same peers;
//! - **outside peers**: an IPv4 or IPv6 range (the Internet is `0.0.0.0/0` and `::/0`),
//!   a managed prefix list, a group the suite does not create (a literal `sg-…`, a
//!   parameter without a value, an import no template exports: its members outside the
//!   suite, whether or not workloads of the suite join it too), and a peer known only
//!   at deployment (a rule's `CidrIp` or group written as a parameter without a value or
//!   an `Fn::If` the parameters do not decide).
//!
//! # When traffic is allowed
//!
//! As AWS decides it, and as [`reach`](crate::reach::reach) does at its first two
//! layers: traffic of protocol *p* to port *n* goes from A to B when
//!
//! 1. **it may leave A**: some group of A that the suite creates has no inline
//!    `SecurityGroupEgress` (EC2's allow-all egress, to every endpoint, both address
//!    families included; the inline egress of an outside group is not known), or has an
//!    egress rule that covers *p*/*n* and whose peer is a group B joins (B a workload or
//!    a memberless group), the group B is (an outside group), B's prefix list or peer
//!    known at deployment, or a range holding B's addresses (B a range); and
//! 2. **B admits it**: some group of B has an ingress rule that covers *p*/*n* whose peer
//!    is a group A joins, A itself (an outside group, prefix list or peer known at
//!    deployment), or a range holding A's addresses.
//!
//! The side that is outside the suite has rules the suite does not hold: a range, a
//! prefix list or an outside group is taken to send and admit whatever the suite side
//! allows. Between two outside endpoints, the suite decides only through rules it puts
//! on outside groups (which RF101 reports): such a rule is a flow between the group and
//! its peer. Workloads have no known address, so no range rule admits one: flows
//! between workloads (and memberless groups) go through group peers only. Security
//! groups are stateful: replies need no rule and are not flows. NACLs and routes are
//! not read here (`ringfence reach` reads them).
//!
//! Rules that may hold several values are read as every reading being possible: a rule
//! read once per combination of undecided `Fn::If` conditions ([`Rule::when`]) allows
//! what any reading allows (a flow any deployment may have is listed). A rule whose
//! ports CloudFormation rejects (`ports: None`) or that names no peer allows nothing, as
//! for [`reach`](crate::reach::reach) (RF001 reports it), and so does the placeholder
//! that keeps EC2 from adding its allow-all egress
//! ([`no_egress`](ringfence_cfn::ec2::no_egress), which matches no packet). A rule
//! whose peer is known only at deployment ([`RulePeer::Undecided`]) allows traffic to or
//! from that peer, an endpoint of its own, and never to a workload (`reach` says the
//! same). ICMP is read by type, every code, as `reach` does.
//!
//! # Tables and differences
//!
//! [`flow_table`] lists every allowed flow of a model; [`diff_flows`] the flows opened
//! and closed between two: the set difference of allowed (from, to, protocol, port),
//! folded back into maximal ranges. Opened flows name the new suite's rules, closed ones
//! the old suite's. Both are computed per set of groups (workloads that join the same
//! groups share every flow; sets whose rules allow the same traffic share it), then
//! spread over the workloads, so a suite of a thousand stacks diffs in milliseconds.
//!
//! ```
//! use ringfence_analyze::flows::{diff_flows, Endpoint, Ports};
//! use ringfence_analyze::{Model, Suite};
//!
//! let web = |port: u16| format!(r#"
//! Resources:
//!   Web:
//!     Type: AWS::EC2::SecurityGroup
//!     Properties:
//!       GroupDescription: web servers
//!       SecurityGroupIngress:
//!         - {{ IpProtocol: tcp, FromPort: {port}, ToPort: {port}, CidrIp: 0.0.0.0/0 }}
//!   Server:
//!     Type: AWS::EC2::Instance
//!     Properties: {{ ImageId: ami-1, SecurityGroupIds: [!Ref Web] }}
//! "#);
//! let (mut old, mut new) = (Suite::new(), Suite::new());
//! old.read("web", "web.yaml", &web(80))?;
//! new.read("web", "web.yaml", &web(443))?;
//! let diff = diff_flows(&Model::build(&old), &Model::build(&new));
//! let server = Endpoint::Workload { stack: "web".into(), logical_id: "Server".into() };
//! let internet = Endpoint::Range("0.0.0.0/0".parse()?);
//! assert_eq!((&diff.opened[0].from, &diff.opened[0].to), (&internet, &server));
//! assert_eq!(diff.opened[0].ports, Ports::Tcp(443, 443));
//! assert_eq!(diff.closed[0].ports, Ports::Tcp(80, 80));
//! assert_eq!(
//!     diff.opened[0].to_string(),
//!     "0.0.0.0/0 -> web/Server tcp/443 (web/Web Properties.SecurityGroupIngress[0])"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Rule::when`]: crate::Rule::when
//! [`RulePeer::Undecided`]: crate::RulePeer::Undecided

use std::fmt;

use ipnet::IpNet;

use crate::model::Model;
use crate::suite::Suite;

mod compare;
mod intervals;
mod plane;
mod ports;
mod side;

pub use ports::Ports;

/// One end of a flow, by name (so that two suites compare).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// A workload: a resource whose network interfaces join security groups.
    Workload {
        /// The stack (template) that declares it.
        stack: String,
        /// Its logical id.
        logical_id: String,
    },
    /// A security group of the suite that no workload joins: whatever will join it.
    Group {
        /// The stack that creates it.
        stack: String,
        /// Its logical id.
        logical_id: String,
    },
    /// An IPv4 or IPv6 range; the Internet is `0.0.0.0/0` or `::/0`.
    Range(IpNet),
    /// A managed prefix list, as [`Model::describe`] names it (`pl-…`, `parameter X of
    /// stack`).
    PrefixList(String),
    /// A security group the suite does not create, as [`Model::describe`] names it: a
    /// literal `sg-…`, `parameter X of stack` (no value given), or in words between
    /// parentheses (an import no template of the suite exports).
    OutsideGroup(String),
    /// A rule's peer known only at deployment ([`RulePeer::Undecided`]), as
    /// [`Model::describe`] names it.
    ///
    /// [`RulePeer::Undecided`]: crate::RulePeer::Undecided
    Undecided(String),
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Workload { stack, logical_id } => write!(f, "{stack}/{logical_id}"),
            Endpoint::Group { stack, logical_id } => write!(f, "group {stack}/{logical_id}"),
            Endpoint::Range(net) => write!(f, "{net}"),
            Endpoint::PrefixList(name) => write!(f, "prefix list {name}"),
            Endpoint::OutsideGroup(name) => write!(f, "outside group {name}"),
            Endpoint::Undecided(name) => write!(f, "{name} (known at deployment)"),
        }
    }
}

/// What allows (part of) a flow: where a reviewer looks.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleRef {
    /// A security group rule.
    Rule {
        /// The stack that declares it.
        stack: String,
        /// The resource: its group for an inline rule, else the rule.
        logical_id: String,
        /// The property path: `Properties.SecurityGroupIngress[2]` for an inline rule,
        /// `Properties` for a standalone one, with `.Fn::If[1]`… through conditions.
        path: String,
    },
    /// The allow-all egress rule EC2 gives a group declared without inline
    /// `SecurityGroupEgress`.
    DefaultEgress {
        /// The stack that creates the group.
        stack: String,
        /// The group.
        logical_id: String,
    },
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleRef::Rule { stack, logical_id, path } => write!(f, "{stack}/{logical_id} {path}"),
            RuleRef::DefaultEgress { stack, logical_id } => {
                write!(f, "{stack}/{logical_id} (no inline egress: EC2's allow-all)")
            }
        }
    }
}

/// Traffic that may go from one endpoint to another: one protocol and a maximal
/// contiguous range of its ports (or all traffic), and the rules that allow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// Where it starts.
    pub from: Endpoint,
    /// Where it goes.
    pub to: Endpoint,
    /// What it carries.
    pub ports: Ports,
    /// The rules that allow some or all of it, on either end (egress of the source,
    /// ingress of the destination), sorted.
    pub rules: Vec<RuleRef>,
}

impl fmt::Display for Flow {
    /// `FROM -> TO PORTS (RULE; RULE)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {} {}", self.from, self.to, self.ports)?;
        let mut sep = " (";
        for r in &self.rules {
            write!(f, "{sep}{r}")?;
            sep = "; ";
        }
        if !self.rules.is_empty() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// The flows opened and closed between two versions of a suite, each sorted by source,
/// destination and ports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FlowDiff {
    /// Allowed in the new suite, not the old: with the new suite's rules.
    pub opened: Vec<Flow>,
    /// Allowed in the old suite, not the new: with the old suite's rules.
    pub closed: Vec<Flow>,
}

impl FlowDiff {
    /// Whether no flow changes.
    pub fn is_empty(&self) -> bool {
        self.opened.is_empty() && self.closed.is_empty()
    }
}

/// Every flow the security groups of `model` allow, sorted by source, destination and
/// ports (see the [module](self) for the semantics).
pub fn flow_table(model: &Model<'_>) -> Vec<Flow> {
    let empty_suite = Suite::new();
    let empty = Model::build(&empty_suite);
    let mut names = side::Tokens::default();
    let before = side::Side::new(&empty, &mut names);
    let after = side::Side::new(model, &mut names);
    compare::compare(&before, &after, &names).opened
}

/// The flows opened and closed from `old` to `new` (see the [module](self)).
pub fn diff_flows(old: &Model<'_>, new: &Model<'_>) -> FlowDiff {
    let mut names = side::Tokens::default();
    let before = side::Side::new(old, &mut names);
    let after = side::Side::new(new, &mut names);
    compare::compare(&before, &after, &names)
}
