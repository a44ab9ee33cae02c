//! The other end of a rule.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

use crate::handles::check_aws_id;
use crate::{Error, GroupRef};

/// IP address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    V4,
    V6,
}

/// What a rule admits traffic from, or lets traffic out to: an address range, a managed
/// prefix list, or a security group.
///
/// CIDRs are checked when the peer is made, and must be canonical (no host bits set),
/// since AWS stores the canonical form:
///
/// ```
/// use ringfence::{Error, Peer};
/// assert_eq!(Peer::ipv4("10.0.0.0/8")?.to_string(), "10.0.0.0/8");
/// let e = Peer::ipv4("10.0.0.1/8").unwrap_err();
/// assert!(matches!(e, Error::HostBitsSet { ref corrected, .. } if corrected == "10.0.0.0/8"));
/// assert!(Peer::ipv4("10.0.0.1").unwrap_err().to_string().contains("10.0.0.1/32"));
/// # Ok::<(), ringfence::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Peer {
    pub(crate) kind: PeerKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PeerKind {
    Ipv4(Ipv4Net),
    Ipv6(Ipv6Net),
    PrefixList(String),
    Group(GroupRef),
}

impl Peer {
    /// An IPv4 CIDR such as `10.0.0.0/8` or `203.0.113.7/32`.
    pub fn ipv4(cidr: &str) -> Result<Peer, Error> {
        Ok(Peer { kind: PeerKind::Ipv4(parse_ipv4("Peer::ipv4", cidr)?) })
    }

    /// An IPv6 CIDR such as `2001:db8::/32`.
    pub fn ipv6(cidr: &str) -> Result<Peer, Error> {
        Ok(Peer { kind: PeerKind::Ipv6(parse_ipv6("Peer::ipv6", cidr)?) })
    }

    /// A range the subnet planner produced: canonical by construction.
    pub(crate) fn from_planned(net: Ipv4Net) -> Peer {
        Peer { kind: PeerKind::Ipv4(net.trunc()) }
    }

    /// Every IPv4 address, `0.0.0.0/0`.
    pub fn any_ipv4() -> Peer {
        Peer { kind: PeerKind::Ipv4(Ipv4Net::default()) }
    }

    /// Every IPv6 address, `::/0`.
    pub fn any_ipv6() -> Peer {
        Peer { kind: PeerKind::Ipv6(Ipv6Net::default()) }
    }

    /// A security group: one of this app's ([`SecurityGroup`](crate::SecurityGroup)) or an
    /// [`ExternalGroup`](crate::ExternalGroup). Naming a group as a peer never changes it.
    pub fn group(group: impl Into<GroupRef>) -> Peer {
        Peer { kind: PeerKind::Group(group.into()) }
    }

    /// A managed prefix list, by id (`pl-` and 8 or 17 hex digits).
    pub fn prefix_list(id: &str) -> Result<Peer, Error> {
        check_aws_id("Peer::prefix_list", "managed prefix list", "pl-", id)?;
        Ok(Peer { kind: PeerKind::PrefixList(id.to_owned()) })
    }

    pub(crate) fn family(&self) -> Option<Family> {
        match self.kind {
            PeerKind::Ipv4(_) => Some(Family::V4),
            PeerKind::Ipv6(_) => Some(Family::V6),
            _ => None,
        }
    }

    /// Whether the rule must be a standalone resource: rules naming a group always are,
    /// so two groups that admit each other never form a dependency cycle.
    pub(crate) fn is_group(&self) -> bool {
        matches!(self.kind, PeerKind::Group(_))
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            PeerKind::Ipv4(n) => write!(f, "{n}"),
            PeerKind::Ipv6(n) => write!(f, "{n}"),
            PeerKind::PrefixList(id) => write!(f, "prefix list {id}"),
            PeerKind::Group(g) => write!(f, "{g}"),
        }
    }
}

/// An address family's network and address types, for one CIDR parser of both.
pub(crate) trait Cidr:
    std::str::FromStr<Err = ipnet::AddrParseError> + Copy + PartialEq + fmt::Display
{
    type Addr: std::str::FromStr + fmt::Display;
    const FAMILY: &'static str;
    const HOST_PREFIX: u8;
    const EXAMPLE: &'static str;
    fn trunc(&self) -> Self;
}

impl Cidr for Ipv4Net {
    type Addr = Ipv4Addr;
    const FAMILY: &'static str = "IPv4";
    const HOST_PREFIX: u8 = 32;
    const EXAMPLE: &'static str = "10.0.0.0/16";
    fn trunc(&self) -> Self {
        Ipv4Net::trunc(self)
    }
}

impl Cidr for Ipv6Net {
    type Addr = Ipv6Addr;
    const FAMILY: &'static str = "IPv6";
    const HOST_PREFIX: u8 = 128;
    const EXAMPLE: &'static str = "2001:db8::/32";
    fn trunc(&self) -> Self {
        Ipv6Net::trunc(self)
    }
}

/// Parses a canonical CIDR of either family; `call` names who asked, for the error.
pub(crate) fn parse_cidr<N: Cidr>(call: &str, text: &str) -> Result<N, Error> {
    match text.parse::<N>() {
        Ok(net) if net.trunc() == net => Ok(net),
        Ok(net) => Err(Error::HostBitsSet {
            construct: call.to_owned(),
            value: text.to_owned(),
            corrected: net.trunc().to_string(),
        }),
        Err(e) => {
            let hint = match text.parse::<N::Addr>() {
                Ok(addr) => format!("did you mean `{addr}/{}`?", N::HOST_PREFIX),
                Err(_) => format!("write an address and a prefix length, e.g. `{}`", N::EXAMPLE),
            };
            Err(Error::InvalidCidr {
                construct: call.to_owned(),
                value: text.to_owned(),
                family: N::FAMILY,
                reason: e.to_string(),
                hint,
            })
        }
    }
}

/// Parses a canonical IPv4 CIDR.
pub(crate) fn parse_ipv4(call: &str, text: &str) -> Result<Ipv4Net, Error> {
    parse_cidr(call, text)
}

/// Parses a canonical IPv6 CIDR.
pub(crate) fn parse_ipv6(call: &str, text: &str) -> Result<Ipv6Net, Error> {
    parse_cidr(call, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_cidrs_are_typed_errors() {
        for bad in ["10.0.0.0/33", "10.0.0/8", "banana", "", "10.0.0.0/8/1"] {
            assert!(matches!(Peer::ipv4(bad), Err(Error::InvalidCidr { family: "IPv4", .. })), "{bad}");
        }
        assert!(matches!(Peer::ipv6("2001:db8::/129"), Err(Error::InvalidCidr { family: "IPv6", .. })));
        assert!(matches!(Peer::ipv6("10.0.0.0/8"), Err(Error::InvalidCidr { .. })));
    }

    #[test]
    fn host_bits_give_the_corrected_value() {
        assert_eq!(
            Peer::ipv4("192.168.1.77/24"),
            Err(Error::HostBitsSet {
                construct: "Peer::ipv4".into(),
                value: "192.168.1.77/24".into(),
                corrected: "192.168.1.0/24".into(),
            })
        );
        assert!(matches!(
            Peer::ipv6("2001:db8::1/64"),
            Err(Error::HostBitsSet { ref corrected, .. }) if corrected == "2001:db8::/64"
        ));
    }

    #[test]
    fn bare_addresses_get_a_hint() {
        let e = Peer::ipv6("2001:db8::1").unwrap_err();
        assert!(e.to_string().contains("2001:db8::1/128"), "{e}");
    }

    #[test]
    fn prefix_lists() {
        assert!(Peer::prefix_list("pl-63a5400a").is_ok());
        assert!(Peer::prefix_list("pl-0123456789abcdef0").is_ok());
        assert!(matches!(Peer::prefix_list("pl-xyz"), Err(Error::InvalidResourceId { .. })));
        assert!(Peer::prefix_list("sg-63a5400a").is_err());
    }

    #[test]
    fn any_peers() {
        assert_eq!(Peer::any_ipv4().to_string(), "0.0.0.0/0");
        assert_eq!(Peer::any_ipv6().to_string(), "::/0");
    }
}
