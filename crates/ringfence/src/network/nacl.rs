//! Network ACL entries: stateless, numbered, allow or deny.

use ringfence_cfn::ec2::Direction;

use crate::{Peer, Port};

// Rule numbers (1 to 32766) and the ephemeral ports of return traffic (1024-65535) are
// facts of EC2: defined once, in the vocabulary the analyzer reads too.
#[doc(inline)]
pub use ringfence_cfn::ec2::{EPHEMERAL_PORTS, NACL_RULE_NUMBERS};

/// One entry of a network ACL. Entries are evaluated in rule-number order per direction,
/// and the first match decides; NACLs are stateless, so every allowed flow also needs
/// its return traffic allowed (see
/// [`Stack::nacl_allow_with_return`](crate::Stack::nacl_allow_with_return)).
///
/// ```
/// use ringfence::{NaclRule, Peer, Port};
/// let rule = NaclRule::allow_in(100, Peer::ipv4("10.20.16.0/20")?, Port::POSTGRES, "App tier to the database");
/// # Ok::<(), ringfence::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NaclRule {
    pub(crate) number: u32,
    pub(crate) egress: bool,
    pub(crate) allow: bool,
    pub(crate) peer: Peer,
    pub(crate) port: Port,
    pub(crate) description: String,
}

impl NaclRule {
    fn new(number: u32, egress: bool, allow: bool, peer: Peer, port: Port, description: &str) -> NaclRule {
        NaclRule { number, egress, allow, peer, port, description: description.to_owned() }
    }

    /// Allows traffic in from `from`.
    pub fn allow_in(number: u32, from: Peer, port: Port, description: &str) -> NaclRule {
        NaclRule::new(number, false, true, from, port, description)
    }

    /// Denies traffic in from `from`.
    pub fn deny_in(number: u32, from: Peer, port: Port, description: &str) -> NaclRule {
        NaclRule::new(number, false, false, from, port, description)
    }

    /// Allows traffic out to `to`.
    pub fn allow_out(number: u32, to: Peer, port: Port, description: &str) -> NaclRule {
        NaclRule::new(number, true, true, to, port, description)
    }

    /// Denies traffic out to `to`.
    pub fn deny_out(number: u32, to: Peer, port: Port, description: &str) -> NaclRule {
        NaclRule::new(number, true, false, to, port, description)
    }

    pub(crate) fn direction(&self) -> Direction {
        if self.egress {
            Direction::Egress
        } else {
            Direction::Ingress
        }
    }
}

/// Gateway endpoints: routes in route tables, no network interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatewayService {
    /// Amazon S3.
    S3,
    /// Amazon DynamoDB.
    DynamoDb,
}

impl GatewayService {
    pub(crate) fn name(self) -> &'static str {
        match self {
            GatewayService::S3 => "s3",
            GatewayService::DynamoDb => "dynamodb",
        }
    }
}
