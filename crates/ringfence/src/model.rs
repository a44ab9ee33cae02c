//! What the builder API records: the intent of every stack, before any rendering.
//! Synthesis reads this and decides which resources express it.

use std::sync::Arc;

use crate::collections::{FxIndexMap as IndexMap, FxIndexSet as IndexSet};
use ringfence_cfn::StackName;

use crate::network::layout::VpcLayout;
use crate::network::nacl::{GatewayService, NaclRule};
use crate::{GroupRef, Peer, Port, Props, Subnets, Vpc};

pub(crate) struct AppState {
    pub serial: u64,
    pub name: String,
    pub environment: Option<String>,
    pub stacks: Vec<StackState>,
    /// Stack names in use, for duplicate checks without scanning.
    pub stack_names: rustc_hash::FxHashSet<String>,
    /// Stack ids in use: an id names one stack of the app.
    pub stack_ids: rustc_hash::FxHashSet<String>,
    /// Group names in use per VPC, with the group's path: names are unique per VPC in EC2.
    pub group_names: rustc_hash::FxHashMap<VpcKey, rustc_hash::FxHashMap<String, String>>,
}

/// A VPC's identity: its place in the app, or its id outside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum VpcKey {
    Owned(crate::handles::Key),
    External(Arc<str>),
}

pub(crate) struct StackState {
    /// The id given to `App::stack`, env-free: the stack's part of every construct path.
    pub id: String,
    /// The CloudFormation stack name (app, id, environment).
    pub name: StackName,
    pub description: Option<String>,
    /// Every construct by id, in declaration order; the order templates are written in.
    pub constructs: IndexMap<String, Construct>,
    pub vpcs: Vec<VpcState>,
    pub groups: Vec<GroupState>,
    pub sets: Vec<GroupSetState>,
    pub params: Vec<ParamState>,
    pub resources: Vec<RawResource>,
    pub nacls: Vec<NaclState>,
    pub endpoints: Vec<EndpointState>,
    /// What this stack exports, in the order `share` was called.
    pub shared: IndexSet<Shared>,
    /// Findings accepted on purpose, with the reason.
    pub suppressions: Vec<Suppression>,
}

/// What a suppression covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SuppressTarget {
    /// A group and its standalone rules.
    Group(usize),
    /// An escape-hatch resource.
    Resource(usize),
    /// A network ACL and its entries.
    Nacl(usize),
    /// Subnets of a VPC of this stack: (VPC, subnet groups).
    Subnets(usize, Vec<usize>),
}

pub(crate) struct Suppression {
    pub target: SuppressTarget,
    pub check: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Construct {
    Vpc(usize),
    Group(usize),
    GroupSet(usize),
    Parameter(usize),
    Resource(usize),
    Nacl(usize),
    Endpoint(usize),
}

impl Construct {
    pub fn kind(self) -> &'static str {
        match self {
            Construct::Vpc(_) => "a VPC",
            Construct::Group(_) => "a security group",
            Construct::GroupSet(_) => "a group set",
            Construct::Parameter(_) => "a parameter",
            Construct::Resource(_) => "a resource",
            Construct::Nacl(_) => "a network ACL",
            Construct::Endpoint(_) => "a VPC endpoint",
        }
    }
}

/// Something a stack exports for other stacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Shared {
    Vpc(usize),
    Group(usize),
    /// An escape-hatch resource, shared by its `Ref`.
    Resource(usize),
}

pub(crate) struct VpcState {
    pub id: String,
    pub layout: Arc<VpcLayout>,
}

pub(crate) struct NaclState {
    pub id: String,
    /// Index of the VPC in this stack.
    pub vpc: usize,
    pub entries: Vec<NaclRule>,
    /// Subnet groups (indices in the VPC's layout) associated with it.
    pub associations: Vec<usize>,
}

pub(crate) enum EndpointKind {
    /// Routes in the route tables of these subnet groups (of a VPC of this stack).
    Gateway { service: GatewayService, groups: Vec<usize> },
    /// Network interfaces in these subnets, behind this stack's group.
    Interface { service: String, subnets: Subnets, group: usize },
}

pub(crate) struct EndpointState {
    pub id: String,
    pub vpc: Vpc,
    pub kind: EndpointKind,
}

pub(crate) struct GroupState {
    pub id: String,
    pub name: String,
    pub description: String,
    pub vpc: Vpc,
    pub rules: Vec<RuleState>,
}

/// Ingress or egress: the EC2 vocabulary's, which also knows each direction's keys.
pub(crate) use ringfence_cfn::ec2::Direction;

pub(crate) struct RuleState {
    pub direction: Direction,
    pub peer: Peer,
    pub port: Port,
    pub description: String,
}

pub(crate) struct GroupSetState {
    pub groups: Vec<GroupRef>,
}

pub(crate) enum ParamKind {
    /// `AWS::EC2::SecurityGroup::Id`, given at deploy time.
    GroupId,
    /// `AWS::SSM::Parameter::Value<AWS::EC2::SecurityGroup::Id>` read from this name.
    SsmGroupId(String),
    /// A plain `String` given at deploy time, with an optional default.
    Text { default: Option<String> },
    /// `AWS::SSM::Parameter::Value<type>` read from this name.
    SsmValue { value_type: String, name: String },
}

pub(crate) struct ParamState {
    pub id: String,
    pub description: String,
    pub kind: ParamKind,
}

pub(crate) struct RawResource {
    pub id: String,
    pub resource_type: String,
    pub props: Props,
    pub attributes: crate::Attributes,
}
