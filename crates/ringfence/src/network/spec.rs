//! The description of a VPC a stack creates: address range, AZs, subnet groups, NAT,
//! IPv6 and flow logs. Checked when the stack creates the VPC, where errors can name it.

use ipnet::Ipv4Net;

use crate::peer::parse_ipv4;
use crate::Error;

/// What a subnet group is for, which decides its routes (see [`SubnetGroup`]). Every
/// subnet ringfence makes carries its kind in the tag
/// [`SUBNET_KIND_TAG`](ringfence_cfn::ec2::SUBNET_KIND_TAG), which the analyzer reads:
/// one kind, the EC2 vocabulary's, shared by both.
///
#[doc(inline)]
pub use ringfence_cfn::ec2::SubnetKind;

/// A group of subnets, one per AZ, all of one kind and size.
///
/// ```
/// use ringfence::{SubnetGroup, VpcSpec};
/// let spec = VpcSpec::new("10.20.0.0/16")?
///     .azs(2)
///     .subnets(SubnetGroup::public("public", 24))
///     .subnets(SubnetGroup::private("app", 20))
///     .subnets(SubnetGroup::reserved("spare", 20))     // room kept for later
///     .subnets(SubnetGroup::isolated("data", 24).cidrs(["10.20.200.0/24", "10.20.201.0/24"]));
/// # Ok::<(), ringfence::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetGroup {
    pub(crate) name: String,
    /// `None` for reserved room.
    pub(crate) kind: Option<SubnetKind>,
    pub(crate) prefix: u8,
    pub(crate) explicit: Vec<String>,
    pub(crate) map_public_ip: bool,
}

impl SubnetGroup {
    fn new(name: &str, kind: Option<SubnetKind>, prefix: u8) -> SubnetGroup {
        SubnetGroup { name: name.to_owned(), kind, prefix, explicit: Vec::new(), map_public_ip: false }
    }

    /// Public subnets of `/prefix`.
    pub fn public(name: &str, prefix: u8) -> SubnetGroup {
        SubnetGroup::new(name, Some(SubnetKind::Public), prefix)
    }

    /// Private subnets with egress through NAT, of `/prefix`.
    pub fn private(name: &str, prefix: u8) -> SubnetGroup {
        SubnetGroup::new(name, Some(SubnetKind::Private), prefix)
    }

    /// Isolated subnets (no route out), of `/prefix`.
    pub fn isolated(name: &str, prefix: u8) -> SubnetGroup {
        SubnetGroup::new(name, Some(SubnetKind::Isolated), prefix)
    }

    /// Address space kept free at this place in the plan: no subnets are created, and
    /// later groups are placed around it. Replacing it with a real group of the same size
    /// later moves no other subnet.
    pub fn reserved(name: &str, prefix: u8) -> SubnetGroup {
        SubnetGroup::new(name, None, prefix)
    }

    /// Places the group at these CIDRs (one per AZ, in AZ order) instead of planning it.
    #[must_use]
    pub fn cidrs<'a>(mut self, cidrs: impl IntoIterator<Item = &'a str>) -> SubnetGroup {
        self.explicit = cidrs.into_iter().map(str::to_owned).collect();
        self
    }

    /// Gives instances launched in these public subnets a public IPv4 address (off by
    /// default: most workloads sit behind a load balancer).
    #[must_use]
    pub fn map_public_ip_on_launch(mut self) -> SubnetGroup {
        self.map_public_ip = true;
        self
    }
}

/// What flow logs record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrafficType {
    /// Accepted and rejected traffic.
    All,
    /// Accepted traffic only.
    Accept,
    /// Rejected traffic only.
    Reject,
}

impl TrafficType {
    pub(crate) fn cfn(self) -> &'static str {
        match self {
            TrafficType::All => "ALL",
            TrafficType::Accept => "ACCEPT",
            TrafficType::Reject => "REJECT",
        }
    }
}

/// Where flow logs go.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum FlowLogDestination {
    /// A log group of this stack, with the IAM role that flow logs need to write to it.
    CloudWatch { retention_days: u16 },
    /// An encrypted, private S3 bucket of this stack.
    S3,
}

/// VPC flow logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FlowLogs {
    pub(crate) destination: FlowLogDestination,
    pub(crate) traffic: TrafficType,
}

/// Retention periods CloudWatch Logs accepts, in days.
pub(crate) const LOG_RETENTION_DAYS: &[u16] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

impl FlowLogs {
    /// To a CloudWatch Logs group kept `retention_days` (one of CloudWatch's periods:
    /// 1, 3, 5, 7, 14, 30, 60, 90, … 3653).
    pub fn cloudwatch(retention_days: u16) -> FlowLogs {
        FlowLogs { destination: FlowLogDestination::CloudWatch { retention_days }, traffic: TrafficType::All }
    }

    /// To an S3 bucket created for them (encrypted, public access blocked, retained when
    /// the stack is deleted).
    pub fn s3() -> FlowLogs {
        FlowLogs { destination: FlowLogDestination::S3, traffic: TrafficType::All }
    }

    /// Records only accepted or only rejected traffic (all by default).
    #[must_use]
    pub fn traffic(mut self, traffic: TrafficType) -> FlowLogs {
        self.traffic = traffic;
        self
    }
}

/// What a VPC created by a stack looks like.
///
/// ```
/// use ringfence::{Error, FlowLogs, SubnetGroup, VpcSpec};
/// let spec = VpcSpec::new("10.20.0.0/16")?
///     .azs(2)
///     .subnets(SubnetGroup::public("public", 24))
///     .subnets(SubnetGroup::private("app", 20))
///     .subnets(SubnetGroup::isolated("data", 24))
///     .nat_gateways(1)
///     .ipv6()
///     .flow_logs(FlowLogs::cloudwatch(90));
/// assert!(matches!(VpcSpec::new("10.0.0.0/8"), Err(Error::VpcPrefixOutOfRange { prefix: 8, .. })));
/// # Ok::<(), ringfence::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcSpec {
    pub(crate) cidr: Ipv4Net,
    pub(crate) dns: bool,
    pub(crate) az_count: Option<usize>,
    /// `None` until [`VpcSpec::az_names`] is called (an empty list is an error then).
    pub(crate) az_names: Option<Vec<String>>,
    pub(crate) groups: Vec<SubnetGroup>,
    pub(crate) nat_gateways: Option<usize>,
    pub(crate) ipv6: bool,
    pub(crate) flow_logs: Option<FlowLogs>,
    pub(crate) tags: Vec<(String, String)>,
}

/// AZs a VPC spans when neither a count nor names are given.
pub const DEFAULT_AZS: usize = 2;

// The most AZs any Region has (us-east-1: 6): a VPC spanning more selects an AZ index
// that fails to deploy everywhere. An EC2 quota, defined once in `ringfence_cfn::ec2::quota`.
#[doc(inline)]
pub use ringfence_cfn::ec2::quota::MAX_AZS_IN_A_REGION;

impl VpcSpec {
    /// A VPC of the given IPv4 range, /16 to /28, with DNS support and host names on, in
    /// [`DEFAULT_AZS`] AZs, with no subnets yet.
    pub fn new(cidr: &str) -> Result<VpcSpec, Error> {
        let net = parse_ipv4("VpcSpec::new", cidr)?;
        if !(16..=28).contains(&net.prefix_len()) {
            let hint = if net.prefix_len() < 16 {
                "AWS's largest VPC is a /16; split the range across several VPCs"
            } else {
                "AWS's smallest VPC is a /28 (16 addresses)"
            };
            return Err(Error::VpcPrefixOutOfRange {
                construct: "VpcSpec::new".into(),
                value: cidr.to_owned(),
                prefix: net.prefix_len(),
                hint: hint.into(),
            });
        }
        Ok(VpcSpec {
            cidr: net,
            dns: true,
            az_count: None,
            az_names: None,
            groups: Vec::new(),
            nat_gateways: None,
            ipv6: false,
            flow_logs: None,
            tags: Vec::new(),
        })
    }

    /// Spans `count` AZs of the stack's Region, rendered region-agnostic
    /// (`Fn::Select` over `Fn::GetAZs`); with [`az_names`](VpcSpec::az_names), the first
    /// `count` of those names.
    #[must_use]
    pub fn azs(mut self, count: usize) -> VpcSpec {
        self.az_count = Some(count);
        self
    }

    /// Spans these AZs, by name (`eu-west-1a`, …).
    #[must_use]
    pub fn az_names<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> VpcSpec {
        self.az_names = Some(names.into_iter().map(str::to_owned).collect());
        self
    }

    /// Adds a subnet group. Groups are planned in the order they are added; add new
    /// groups at the end (or in place of a reserved one) and no existing subnet moves.
    #[must_use]
    pub fn subnets(mut self, group: SubnetGroup) -> VpcSpec {
        self.groups.push(group);
        self
    }

    /// How many NAT gateways serve the private subnets (one per AZ by default when there
    /// are private subnets; fewer saves cost at the price of cross-AZ dependence).
    #[must_use]
    pub fn nat_gateways(mut self, count: usize) -> VpcSpec {
        self.nat_gateways = Some(count);
        self
    }

    /// Adds an Amazon-provided IPv6 block: a /64 per subnet, `::/0` through the internet
    /// gateway for public subnets and through an egress-only internet gateway for private
    /// ones.
    #[must_use]
    pub fn ipv6(mut self) -> VpcSpec {
        self.ipv6 = true;
        self
    }

    /// Records the VPC's traffic.
    #[must_use]
    pub fn flow_logs(mut self, flow_logs: FlowLogs) -> VpcSpec {
        self.flow_logs = Some(flow_logs);
        self
    }

    /// Turns DNS support and DNS host names off (they are on by default, as interface
    /// endpoints with private DNS need them).
    #[must_use]
    pub fn without_dns(mut self) -> VpcSpec {
        self.dns = false;
        self
    }

    /// Adds a tag to the VPC.
    #[must_use]
    pub fn tag(mut self, key: &str, value: &str) -> VpcSpec {
        self.tags.push((key.to_owned(), value.to_owned()));
        self
    }
}
