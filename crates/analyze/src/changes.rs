//! What a change does to the deployment (`ringfence diff OLD NEW`): which stacks are
//! added, removed or changed, which resources CloudFormation replaces and what goes with
//! them, which deployments will fail and the order or the two steps that avoid it, and
//! an order to deploy the change in.
//!
//! Everything is keyed by stack *name* and logical id, so two suites compare whatever
//! the order of their templates. Each rule below cites where AWS says so:
//!
//! | kind | when | source |
//! |---|---|---|
//! | `export-in-use` | an export another stack imports (before the change) is removed, or its value changes (also: it names a resource the change replaces) | "After another stack imports an output value, you can't delete the stack that is exporting the output value or modify the exported output value", <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-importvalue.html> |
//! | `missing-export` | a stack of the new suite imports an export no stack of it declares (and none is known to come from outside: the old suite did not import it without declaring it) | same page: imports only values "that have been exported" |
//! | `duplicate-rule` | a rule EC2 already holds is created: one moved between declarations (removed from one, added to another), or a standalone rule replaced by one EC2 sees as the same | EC2 keeps one copy of a rule and refuses a second with `InvalidPermission.Duplicate`; the description does not tell rules apart (aws-cloudformation/cloudformation-coverage-roadmap#612, #1532); replacements create the new resource first, <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html> |
//! | `stack-order` | a stack imports (or reads with `Fn::GetStackOutput`) what another declares only from this change on; stacks that come to import each other's exports; order constraints that no order meets | the `Fn::ImportValue` page; <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getstackoutput.html> |
//! | `weak-reference` | a stack reads with `Fn::GetStackOutput` an output that goes, or whose value changes: no failure, a stale value (a warning) | the `Fn::GetStackOutput` page: the consumer "is not automatically updated or notified" |
//! | `replacement-fails` | a security group is replaced while its `GroupName` stays | "You can't perform an update that causes a custom-named resource to be replaced", <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html> |
//!
//! Replacements ([`replacements`]) follow the resource schemas' create-only properties
//! (`createOnlyProperties`; for security groups `GroupName`, `GroupDescription`,
//! `VpcId`; for standalone rules every property but `Description`), and a resource
//! whose create-only property names a replaced resource of its template is replaced too.
//!
//! ```
//! use ringfence_analyze::changes::{self, FailureKind};
//! use ringfence_analyze::{Model, Suite};
//!
//! let network = |description: &str| format!("Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: {description}\nOutputs:\n  Web:\n    Value: !Ref Web\n    Export:\n      Name: network-web\n");
//! let bot = "Resources:\n  Admit:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !ImportValue network-web\n      IpProtocol: tcp\n      FromPort: 443\n      ToPort: 443\n      CidrIp: 10.0.0.0/16\n      Description: bot\n";
//! let (mut old, mut new) = (Suite::new(), Suite::new());
//! old.read("network", "network.yaml", &network("web servers"))?;
//! old.read("bot", "bot.yaml", bot)?;
//! new.read("network", "network.yaml", &network("web servers of the chat"))?;
//! new.read("bot", "bot.yaml", bot)?;
//!
//! let stacks = changes::stack_changes(&old, &new);
//! assert_eq!((stacks.changed, stacks.unchanged), (vec!["network".to_owned()], vec!["bot".to_owned()]));
//!
//! let (old, new) = (Model::build(&old), Model::build(&new));
//! let replaced = changes::replacements(&old, &new);
//! assert_eq!(replaced[0].reason, "GroupDescription: `web servers` → `web servers of the chat`");
//! assert_eq!(replaced[0].takes_along[0].resource, "Admit");
//!
//! // The group's id is exported, and the bot imports it: the new id cannot be exported.
//! let failures = changes::failures(&old, &new);
//! assert_eq!(failures[0].kind, FailureKind::ExportInUse);
//! assert_eq!(failures[0].kind.as_str(), "export-in-use");
//! assert!(failures[0].message.starts_with("Export network-web cannot be updated as it is in use by bot"));
//! # Ok::<(), ringfence_cfn::ReadError>(())
//! ```
//!
//! What removing a stack does to the others (`ringfence impact --remove`) is the CLI's
//! `impact`, called on the old model for each of [`StackChanges::removed`].

mod fail;
mod names;
mod order;
mod replace;

use std::collections::BTreeMap;
use std::fmt;

use crate::model::Model;
use crate::suite::{Suite, SuiteTemplate};

pub use order::{deploy_order, Action, Step};

/// The stacks of two suites, by name, each list sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackChanges {
    /// Stacks only the new suite has.
    pub added: Vec<String>,
    /// Stacks only the old suite has.
    pub removed: Vec<String>,
    /// Stacks of both whose template (or given parameter values) differ.
    pub changed: Vec<String>,
    /// Stacks of both deployed as they are.
    pub unchanged: Vec<String>,
}

impl StackChanges {
    /// Whether no stack is added, removed or changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The stacks `new` adds, removes and changes against `old`, by stack name. A stack is
/// changed when its template differs (sections compare as maps, so the order of keys
/// does not count) or the parameter values given for it do. Should a suite hold two
/// templates of one name, the first counts.
///
/// ```
/// use ringfence_analyze::{changes::stack_changes, Suite};
/// let mut old = Suite::new();
/// old.read("network", "network.yaml", "Resources:\n  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}\n")?;
/// let mut new = old.clone();
/// new.read("bot", "bot.yaml", "Resources:\n  G: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: bot}}\n")?;
/// let s = stack_changes(&old, &new);
/// assert_eq!((s.added, s.unchanged), (vec!["bot".to_owned()], vec!["network".to_owned()]));
/// assert!(stack_changes(&new, &new).is_empty());
/// # Ok::<(), ringfence_cfn::ReadError>(())
/// ```
pub fn stack_changes(old: &Suite, new: &Suite) -> StackChanges {
    fn by_name(s: &Suite) -> BTreeMap<&str, &SuiteTemplate> {
        let mut m = BTreeMap::new();
        for t in s.templates() {
            m.entry(t.stack.as_str()).or_insert(t);
        }
        m
    }
    let (o, n) = (by_name(old), by_name(new));
    let mut out = StackChanges::default();
    for (name, nt) in &n {
        let list = match o.get(name) {
            None => &mut out.added,
            Some(ot) if ot.template != nt.template || ot.parameters != nt.parameters => &mut out.changed,
            Some(_) => &mut out.unchanged,
        };
        list.push((*name).to_owned());
    }
    out.removed = o.keys().filter(|k| !n.contains_key(*k)).map(|k| (*k).to_owned()).collect();
    out
}

/// A create-only property that changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyChange {
    /// The property (`GroupDescription`; a nested one as `Key/Sub`).
    pub property: String,
    /// Its value before, in words (`None`: not set).
    pub old: Option<String>,
    /// Its value after, in words (`None`: not set).
    pub new: Option<String>,
    /// The replaced resource of the same template it names, when that is why it
    /// changes (its written value may be the same).
    pub via: Option<String>,
}

impl fmt::Display for PropertyChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(not set)".into());
        match &self.via {
            Some(via) => write!(f, "{}: names {via}, which is replaced", self.property),
            None => write!(f, "{}: {} → {}", self.property, show(&self.old), show(&self.new)),
        }
    }
}

/// How a replacement reaches a resource that names the replaced one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Carried {
    /// `updated`: CloudFormation points it at the replacement in the same update
    /// (the same template, or a nested stack of the same root).
    Updated,
    /// `blocks`: it imports the replaced resource's export, so the export's value cannot
    /// change: the update fails.
    Blocks,
    /// `stale`: it reads the resource with `Fn::GetStackOutput` and keeps the old one
    /// until its own stack is next updated.
    Stale,
}

impl Carried {
    /// The text of the JSON output and the `[how]` of the text output.
    pub fn as_str(self) -> &'static str {
        match self {
            Carried::Updated => "updated",
            Carried::Blocks => "blocks",
            Carried::Stale => "stale",
        }
    }
}

/// A rule or workload that names a replaced security group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenAlong {
    /// Its stack.
    pub stack: String,
    /// Its logical id (an inline rule's: its group's).
    pub resource: String,
    /// Its resource type.
    pub resource_type: String,
    /// How the replacement reaches it.
    pub how: Carried,
    /// What happens to it, in words.
    pub message: String,
}

/// A resource the change replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// Its stack.
    pub stack: String,
    /// Its logical id.
    pub resource: String,
    /// Its resource type.
    pub resource_type: String,
    /// The create-only properties that change.
    pub changes: Vec<PropertyChange>,
    /// The changes in words: `GroupDescription: `web` → `web servers``.
    pub reason: String,
    /// Whether the update that replaces it fails (a fixed `GroupName`, an export in
    /// use, a rule EC2 already holds).
    pub fails: bool,
    /// Why, when it fails: [`FailureKind::ReplacementFails`] (a custom name that
    /// stays), [`FailureKind::DuplicateRule`] (a rule EC2 already holds) or
    /// [`FailureKind::ExportInUse`] (its new id changes an export another stack imports
    /// before and after the change); [`failures`] reports the first two, and the third
    /// as the export's.
    pub failure: Option<FailureKind>,
    /// What CloudFormation does, in words.
    pub message: String,
    /// For a security group: the rules and workloads (in any stack) that name it.
    pub takes_along: Vec<TakenAlong>,
}

/// The resources of stacks in both models that the change replaces, sorted by stack and
/// logical id: resources of the network layer ([`create_only_properties`]) whose
/// create-only properties change, or name a replaced resource of their template. A
/// security group's replacement lists the rules and workloads that name the group.
pub fn replacements(old: &Model<'_>, new: &Model<'_>) -> Vec<Replacement> {
    replace::replacements(&names::Side::new(old), &names::Side::new(new))
}

/// The create-only properties of a resource type of the network layer (every
/// `AWS::EC2::*` type, and every type that attaches to a network object or joins
/// security groups), from CloudFormation's resource provider schemas: paths below
/// `/properties/`, `*` for every item of a list. `None` for another type.
///
/// ```
/// use ringfence_analyze::changes::create_only_properties;
/// assert_eq!(create_only_properties("AWS::EC2::SecurityGroup"), Some(&["GroupDescription", "GroupName", "VpcId"][..]));
/// assert!(!create_only_properties("AWS::EC2::SecurityGroupIngress").unwrap().contains(&"Description"));
/// ```
pub fn create_only_properties(resource_type: &str) -> Option<&'static [&'static str]> {
    replace::create_only(resource_type)
}

/// Where [`create_only_properties`] comes from: the release of cfn-lint whose bundled
/// schemas (us-east-1) `scripts/gen_create_only.py` read.
pub const CREATE_ONLY_SOURCE: &str = ringfence_cfn::schema::CREATE_ONLY_SOURCE;

/// Which kind of failure a [`Failure`] predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FailureKind {
    /// `export-in-use`: "Export X cannot be updated (deleted) as it is in use by Y".
    ExportInUse,
    /// `missing-export`: an import of an export no stack declares.
    MissingExport,
    /// `duplicate-rule`: `InvalidPermission.Duplicate`, or a rule lost in a move.
    DuplicateRule,
    /// `stack-order`: the stacks must deploy in a given order, or cannot in one.
    StackOrder,
    /// `weak-reference`: an `Fn::GetStackOutput` left with a stale value (a warning).
    WeakReference,
    /// `replacement-fails`: a custom-named resource cannot be replaced.
    ReplacementFails,
}

impl FailureKind {
    /// Every kind.
    pub const ALL: [FailureKind; 6] = [
        FailureKind::ExportInUse,
        FailureKind::MissingExport,
        FailureKind::DuplicateRule,
        FailureKind::StackOrder,
        FailureKind::WeakReference,
        FailureKind::ReplacementFails,
    ];

    /// The kind's stable text (kebab case).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::ExportInUse => "export-in-use",
            FailureKind::MissingExport => "missing-export",
            FailureKind::DuplicateRule => "duplicate-rule",
            FailureKind::StackOrder => "stack-order",
            FailureKind::WeakReference => "weak-reference",
            FailureKind::ReplacementFails => "replacement-fails",
        }
    }

    /// Whether CloudFormation deploys anyway (the result is stale, not failed).
    pub fn is_warning(self) -> bool {
        self == FailureKind::WeakReference
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A deployment the change makes fail (or leave stale), and how to avoid it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The stack whose deployment fails.
    pub stack: String,
    /// The resource or output concerned (empty when the whole stack is).
    pub resource: String,
    /// Which kind.
    pub kind: FailureKind,
    /// What fails, in words (with CloudFormation's or EC2's message where there is one).
    pub message: String,
    /// The order, or the steps, that avoid it.
    pub avoid: String,
}

/// The deployment failures the change from `old` to `new` predicts, sorted by stack,
/// resource and kind (see the module documentation for each kind's rule and source).
pub fn failures(old: &Model<'_>, new: &Model<'_>) -> Vec<Failure> {
    fail::failures(&names::Side::new(old), &names::Side::new(new)).0
}

/// Everything [`stack_changes`], [`replacements`], [`failures`] and [`deploy_order`]
/// say about one change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentChanges {
    /// The stacks, by name.
    pub stacks: StackChanges,
    /// The resources replaced.
    pub replacements: Vec<Replacement>,
    /// The failures predicted.
    pub failures: Vec<Failure>,
    /// An order to deploy the change in, or the stacks no order serves.
    pub order: Result<Vec<Step>, Vec<String>>,
}

/// Compares two suites: the models are built once for all four answers.
pub fn compare(old: &Suite, new: &Suite) -> DeploymentChanges {
    let (om, nm) = (Model::build(old), Model::build(new));
    compare_models(old, new, &om, &nm)
}

/// [`compare`] with the models of both suites already built (`old_model` of `old`,
/// `new_model` of `new`), for a caller that reads them for more (the flows of
/// [`diff`](crate::diff::diff)).
pub fn compare_models(
    old: &Suite,
    new: &Suite,
    old_model: &Model<'_>,
    new_model: &Model<'_>,
) -> DeploymentChanges {
    let (om, nm) = (old_model, new_model);
    let (o, n) = (names::Side::new(om), names::Side::new(nm));
    let stacks = stack_changes(old, new);
    let replacements = replace::replacements(&o, &n);
    let (failures, constraints) = fail::failures(&o, &n);
    let order = order::order(&stacks, &constraints);
    DeploymentChanges { stacks, replacements, failures, order }
}
