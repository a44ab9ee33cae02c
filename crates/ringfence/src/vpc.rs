//! The description of a VPC a stack creates.

use ipnet::Ipv4Net;

use crate::peer::parse_ipv4;
use crate::Error;

/// What a VPC created by a stack looks like. Subnets, routes and gateways are added by
/// the networking release; today a VPC is its address range and DNS settings.
///
/// ```
/// use ringfence::{Error, VpcSpec};
/// assert!(VpcSpec::new("10.20.0.0/16").is_ok());
/// assert!(matches!(VpcSpec::new("10.0.0.0/8"), Err(Error::VpcPrefixOutOfRange { prefix: 8, .. })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcSpec {
    pub(crate) cidr: Ipv4Net,
    pub(crate) dns: bool,
}

impl VpcSpec {
    /// A VPC of the given IPv4 range, /16 to /28, with DNS support and host names on.
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
        })
    }

    /// Turns DNS support and DNS host names off (they are on by default, as interface
    /// endpoints with private DNS need them).
    #[must_use]
    pub fn without_dns(mut self) -> VpcSpec {
        self.dns = false;
        self
    }
}
