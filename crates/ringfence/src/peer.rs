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
    /// Whether `text` is a CIDR of the other family (for a hint).
    fn other_family(text: &str) -> bool;
    fn trunc(&self) -> Self;
}

impl Cidr for Ipv4Net {
    type Addr = Ipv4Addr;
    const FAMILY: &'static str = "IPv4";
    const HOST_PREFIX: u8 = 32;
    const EXAMPLE: &'static str = "10.0.0.0/16";
    fn other_family(text: &str) -> bool {
        text.parse::<Ipv6Net>().is_ok() || text.parse::<Ipv6Addr>().is_ok()
    }
    fn trunc(&self) -> Self {
        Ipv4Net::trunc(self)
    }
}

impl Cidr for Ipv6Net {
    type Addr = Ipv6Addr;
    const FAMILY: &'static str = "IPv6";
    const HOST_PREFIX: u8 = 128;
    const EXAMPLE: &'static str = "2001:db8::/32";
    fn other_family(text: &str) -> bool {
        text.parse::<Ipv4Net>().is_ok() || text.parse::<Ipv4Addr>().is_ok()
    }
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
            let prefix = text.split_once('/').filter(|(addr, _)| addr.parse::<N::Addr>().is_ok());
            let (reason, hint) = if N::other_family(text) {
                let other = if N::FAMILY == "IPv4" { "IPv6" } else { "IPv4" };
                (
                    format!("it is an {other} CIDR"),
                    if call == "VpcSpec::new" {
                        "give the VPC's IPv4 range here, and ask for an Amazon-provided IPv6 block with `.ipv6()`".to_owned()
                    } else {
                        format!("use the {other} call (e.g. `Peer::{}`)", other.to_ascii_lowercase())
                    },
                )
            } else if let Some((_, len)) = prefix {
                (
                    format!("the prefix length `/{len}` is not 0 to {}", N::HOST_PREFIX),
                    format!("{} prefixes are /0 to /{}, e.g. `{}`", N::FAMILY, N::HOST_PREFIX, N::EXAMPLE),
                )
            } else {
                let hint = match text.parse::<N::Addr>() {
                    Ok(addr) => format!("did you mean `{addr}/{}`?", N::HOST_PREFIX),
                    Err(_) => format!("write an address and a prefix length, e.g. `{}`", N::EXAMPLE),
                };
                (e.to_string(), hint)
            };
            Err(Error::InvalidCidr {
                construct: call.to_owned(),
                value: text.to_owned(),
                family: N::FAMILY,
                reason,
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
    fn the_other_family_and_long_prefixes_are_named() {
        let e = Peer::ipv4("10.0.0.0/33").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Peer::ipv4: `10.0.0.0/33` is not a valid IPv4 CIDR (the prefix length `/33` is not 0 to 32); IPv4 prefixes are /0 to /32, e.g. `10.0.0.0/16`"
        );
        let e = crate::VpcSpec::new("2001:db8::/56").unwrap_err();
        assert!(e.to_string().contains("(it is an IPv6 CIDR)"), "{e}");
        assert!(e.to_string().contains("`.ipv6()`"), "{e}");
        let e = Peer::ipv6("10.0.0.0/8").unwrap_err();
        assert!(
            e.to_string().ends_with("(it is an IPv4 CIDR); use the IPv4 call (e.g. `Peer::ipv4`)"),
            "{e}"
        );
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
