//! What kind of subnet a subnet is, and the tag that says so.

use std::fmt;

/// `AWS::EC2::Subnet`.
pub const SUBNET: &str = "AWS::EC2::Subnet";
/// `AWS::EC2::VPC`.
pub const VPC: &str = "AWS::EC2::VPC";
/// A VPC's or a subnet's IPv4 range: `CidrBlock`.
pub const CIDR_BLOCK_KEY: &str = "CidrBlock";

/// The tag ringfence puts on every subnet it makes: `public`, `private` or `isolated`.
pub const SUBNET_KIND_TAG: &str = "ringfence:subnet-kind";
/// The tag the AWS CDK puts on its subnets, with the same values (any case).
pub const CDK_SUBNET_TYPE_TAG: &str = "aws-cdk:subnet-type";

/// How a subnet reaches outside its VPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubnetKind {
    /// Routed to the internet gateway: load balancers, NAT gateways, bastions.
    Public,
    /// Routed out through a NAT gateway (and the egress-only internet gateway for IPv6);
    /// unreachable from the internet.
    Private,
    /// No route out of the VPC at all: databases, caches.
    Isolated,
}

impl SubnetKind {
    /// Every kind.
    pub const ALL: [SubnetKind; 3] = [SubnetKind::Public, SubnetKind::Private, SubnetKind::Isolated];

    /// `public`, `private` or `isolated`: the value of [`SUBNET_KIND_TAG`].
    pub fn name(self) -> &'static str {
        match self {
            SubnetKind::Public => "public",
            SubnetKind::Private => "private",
            SubnetKind::Isolated => "isolated",
        }
    }

    /// Reads a tag value, any case: `Public`, `private`, `ISOLATED`.
    ///
    /// ```
    /// use ringfence_cfn::ec2::SubnetKind;
    /// assert_eq!(SubnetKind::parse("Isolated"), Some(SubnetKind::Isolated));
    /// assert_eq!(SubnetKind::parse("dmz"), None);
    /// ```
    pub fn parse(text: &str) -> Option<SubnetKind> {
        SubnetKind::ALL.into_iter().find(|k| text.trim().eq_ignore_ascii_case(k.name()))
    }

    /// The kind a name mentions (`PublicSubnet1`, `app-private-a`), for subnets with no
    /// kind tag: the first of `public`, `private`, `isolated` the name contains.
    pub fn guess_from_name(name: &str) -> Option<SubnetKind> {
        let name = name.to_ascii_lowercase();
        SubnetKind::ALL.into_iter().find(|k| name.contains(k.name()))
    }

    /// Whether the Internet cannot reach it (private and isolated).
    pub fn is_internal(self) -> bool {
        self != SubnetKind::Public
    }
}

impl fmt::Display for SubnetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
