//! Protocols and ports of a rule.
//!
//! [`Port`] is the builder's checked face of [`PortRange`], the EC2 vocabulary's
//! protocol and ports (`ringfence_cfn::ec2`): the range, its checks (the ICMP code
//! tables) and its one text form live there, shared with the analyzer; what stays here
//! is what a builder needs on top: named constructors and constants, errors that name
//! the call that was given the bad value, and no way to make a range EC2 would refuse
//! or a protocol ringfence does not write rules for.

use std::fmt;

/// The protocol of a rule, the EC2 vocabulary's. A [`Port`] is TCP, UDP, ICMP, ICMPv6
/// or every protocol; `Other` is for templates the analyzer reads, which may name any.
///
#[doc(inline)]
pub use ringfence_cfn::ec2::Protocol;
use ringfence_cfn::ec2::{PortRange, PortRangeError};

use crate::Error;

/// What a rule admits: a protocol and a port range (or, for ICMP, a type and a code).
///
/// Made by named constructors and constants, checked when made. Its text form is
/// [`PortRange`]'s (`tcp/443`, `udp/1000-2000`, `tcp/all`, `icmp/8/0`, `all`), read back
/// by `FromStr`:
///
/// ```
/// use ringfence::Port;
/// assert_eq!(Port::POSTGRES, Port::tcp(5432));
/// assert_eq!(Port::tcp_range(8000, 8080)?.to_string(), "tcp/8000-8080");
/// assert_eq!(Port::ALL_TRAFFIC.to_string(), "all");
/// assert_eq!(Port::ALL_TCP.to_string(), "tcp/all");
/// assert!(Port::tcp_range(8080, 8000).is_err());
/// assert_eq!("udp/53".parse::<Port>()?, Port::DNS_UDP);
/// assert_eq!("tcp/all".parse::<Port>()?, Port::ALL_TCP);
/// assert!("tcp/70000".parse::<Port>().is_err());
/// # Ok::<(), ringfence::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Port(PortRange);

impl Port {
    /// SSH, tcp/22.
    pub const SSH: Port = Port::tcp(22);
    /// HTTP, tcp/80.
    pub const HTTP: Port = Port::tcp(80);
    /// HTTPS, tcp/443.
    pub const HTTPS: Port = Port::tcp(443);
    /// PostgreSQL, tcp/5432.
    pub const POSTGRES: Port = Port::tcp(5432);
    /// MySQL and Aurora MySQL, tcp/3306.
    pub const MYSQL: Port = Port::tcp(3306);
    /// Redis and Valkey, tcp/6379.
    pub const REDIS: Port = Port::tcp(6379);
    /// Memcached, tcp/11211.
    pub const MEMCACHED: Port = Port::tcp(11211);
    /// Microsoft SQL Server, tcp/1433.
    pub const MSSQL: Port = Port::tcp(1433);
    /// RDP, tcp/3389.
    pub const RDP: Port = Port::tcp(3389);
    /// DNS over UDP, udp/53.
    pub const DNS_UDP: Port = Port::udp(53);
    /// DNS over TCP, tcp/53.
    pub const DNS_TCP: Port = Port::tcp(53);
    /// NTP, udp/123.
    pub const NTP: Port = Port::udp(123);
    /// Every TCP port (0 to 65535), `tcp/all`.
    pub const ALL_TCP: Port = Port(PortRange::ALL_TCP);
    /// Every UDP port (0 to 65535), `udp/all`.
    pub const ALL_UDP: Port = Port(PortRange::ALL_UDP);
    /// Every ICMP type and code.
    pub const ALL_ICMP: Port = Port(PortRange::new(Protocol::Icmp, -1, -1));
    /// Every ICMPv6 type and code.
    pub const ALL_ICMPV6: Port = Port(PortRange::new(Protocol::Icmpv6, -1, -1));
    /// ICMP echo request (ping).
    pub const PING: Port = Port(PortRange::new(Protocol::Icmp, 8, 0));
    /// Every protocol and port.
    pub const ALL_TRAFFIC: Port = Port(PortRange::ALL_TRAFFIC);

    /// One TCP port.
    pub const fn tcp(port: u16) -> Port {
        Port(PortRange::new(Protocol::Tcp, port as i32, port as i32))
    }

    /// One UDP port.
    pub const fn udp(port: u16) -> Port {
        Port(PortRange::new(Protocol::Udp, port as i32, port as i32))
    }

    /// A range of TCP ports, both ends included.
    pub fn tcp_range(from: u16, to: u16) -> Result<Port, Error> {
        Port::checked(PortRange::new(Protocol::Tcp, from.into(), to.into()), "Port::tcp_range")
    }

    /// A range of UDP ports, both ends included.
    pub fn udp_range(from: u16, to: u16) -> Result<Port, Error> {
        Port::checked(PortRange::new(Protocol::Udp, from.into(), to.into()), "Port::udp_range")
    }

    /// An ICMP type and code; `-1` means every type (then the code must be `-1`) or
    /// every code of the type.
    pub fn icmp(icmp_type: i32, code: i32) -> Result<Port, Error> {
        Port::checked(PortRange::new(Protocol::Icmp, icmp_type, code), "Port::icmp")
    }

    /// An ICMPv6 type and code; `-1` as for [`Port::icmp`].
    pub fn icmpv6(icmp_type: i32, code: i32) -> Result<Port, Error> {
        Port::checked(PortRange::new(Protocol::Icmpv6, icmp_type, code), "Port::icmpv6")
    }

    /// `range` if EC2 accepts it ([`PortRange::checked`]), else the error naming `call`.
    fn checked(range: PortRange, call: &str) -> Result<Port, Error> {
        range.checked().map(Port).map_err(|e| port_error(e, call, range.protocol(), ""))
    }

    /// Every port of a protocol ringfence writes rules for (`proto/N` hints).
    fn every(p: Protocol) -> Port {
        match p {
            Protocol::Tcp => Port::ALL_TCP,
            Protocol::Udp => Port::ALL_UDP,
            Protocol::Icmp => Port::ALL_ICMP,
            Protocol::Icmpv6 => Port::ALL_ICMPV6,
            Protocol::All | Protocol::Other(_) => Port::ALL_TRAFFIC,
        }
    }

    /// The protocol.
    pub fn protocol(self) -> Protocol {
        self.0.protocol()
    }

    /// The protocol and ports as the EC2 vocabulary holds them, for writing a rule or a
    /// network ACL entry ([`ringfence_cfn::ec2::rule_properties`]).
    pub fn range(self) -> PortRange {
        self.0
    }

    /// `FromPort`/`ToPort` as written in a template (ICMP: type and code); `None` for
    /// all traffic, which has no ports.
    pub fn cfn_ports(self) -> Option<(i32, i32)> {
        self.0.cfn_ports()
    }

    /// Whether the rule's peer must be IPv4 (ICMP) or IPv6 (ICMPv6); `None` when both
    /// families fit.
    pub(crate) fn family(self) -> Option<crate::peer::Family> {
        match self.protocol() {
            Protocol::Icmp => Some(crate::peer::Family::V4),
            Protocol::Icmpv6 => Some(crate::peer::Family::V6),
            _ => None,
        }
    }

    /// A short name for logical ids: `Tcp5432`, `Udp1000To2000`, `IcmpType8Code0`,
    /// `AllTraffic`. Part of every rule's logical id: it must never change.
    pub(crate) fn id_part(self) -> String {
        let n = |v: i32| {
            if v < 0 {
                "All".to_owned()
            } else {
                v.to_string()
            }
        };
        let (from, to) = (self.0.from_port(), self.0.to_port());
        match self.protocol() {
            Protocol::All => "AllTraffic".into(),
            Protocol::Tcp | Protocol::Udp => {
                let p = if self.protocol() == Protocol::Tcp { "Tcp" } else { "Udp" };
                if from == to {
                    format!("{p}{from}")
                } else {
                    format!("{p}{from}To{to}")
                }
            }
            Protocol::Icmp => format!("IcmpType{}Code{}", n(from), n(to)),
            Protocol::Icmpv6 => format!("Icmpv6Type{}Code{}", n(from), n(to)),
            // No constructor makes one (`FromStr` refuses `proto/N`).
            Protocol::Other(p) => format!("Protocol{p}"),
        }
    }
}

impl From<Port> for PortRange {
    fn from(port: Port) -> PortRange {
        port.0
    }
}

/// The `ringfence::Error` for what [`PortRange::checked`] or `PortRange::from_str`
/// found wrong; `text` is the text read (`FromStr` only).
fn port_error(e: PortRangeError, call: &str, protocol: Protocol, text: &str) -> Error {
    match e {
        PortRangeError::Syntax => Error::InvalidPort {
            construct: call.to_owned(),
            value: text.to_owned(),
            hint: SYNTAX_HINT.into(),
        },
        PortRangeError::PortOutOfRange(value) => Error::PortOutOfRange { construct: call.to_owned(), value },
        PortRangeError::Reversed { from, to } => {
            Error::ReversedPortRange { construct: call.to_owned(), from, to }
        }
        PortRangeError::Icmp { icmp_type, code, hint } => Error::InvalidIcmp {
            construct: call.to_owned(),
            protocol: if protocol == Protocol::Icmpv6 { "ICMPv6" } else { "ICMP" },
            icmp_type,
            code,
            hint,
        },
    }
}

/// The forms `Port::from_str` reads. [`PortRange::SYNTAX_HINT`] without `proto/N`: the
/// builder writes rules for TCP, UDP, ICMP, ICMPv6 and all traffic only.
const SYNTAX_HINT: &str = "write tcp/443, udp/1000-2000, tcp/all, icmp/8, icmp/3/4, icmpv6/128 or all";

/// Written as [`PortRange`] writes it: `tcp/443`, `tcp/all`, `icmp/8/0`, `all`.
impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Shown as before `Port` held a [`PortRange`]: `Port { protocol: Tcp, from: 22, to: 22 }`.
impl fmt::Debug for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Port")
            .field("protocol", &self.0.protocol())
            .field("from", &self.0.from_port())
            .field("to", &self.0.to_port())
            .finish()
    }
}

impl std::str::FromStr for Port {
    type Err = Error;

    /// Reads `tcp/443`, `udp/1000-2000`, `tcp/all`, `icmp/8`, `icmp/3/4`, `icmpv6/128`,
    /// `icmp/all` or `all`, the forms [`Port`]'s `Display` writes (as
    /// `PortRange::from_str` reads them, with its checks). `proto/N` (another protocol)
    /// is refused: no `Port` holds one.
    fn from_str(s: &str) -> Result<Port, Error> {
        const CALL: &str = "Port::from_str";
        let lower = s.trim().to_ascii_lowercase();
        let named = lower.split_once('/').map(|(p, _)| p.trim());
        let protocol = match named {
            Some("icmpv6") => Protocol::Icmpv6,
            _ => Protocol::Icmp, // only read for an ICMP error
        };
        let range = s.parse::<PortRange>().map_err(|e| port_error(e, CALL, protocol, s))?;
        if named == Some("proto") {
            let hint = match range.protocol() {
                Protocol::Other(n) => format!(
                    "ringfence writes rules for tcp, udp, icmp, icmpv6 or all traffic, not protocol {n}; \
                     `all` admits it with every other protocol"
                ),
                p => format!("write {}", Port::every(p)),
            };
            return Err(Error::InvalidPort { construct: CALL.into(), value: s.to_owned(), hint });
        }
        Ok(Port(range))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_constants() {
        assert_eq!(Port::SSH.cfn_ports(), Some((22, 22)));
        assert_eq!(Port::RDP.cfn_ports(), Some((3389, 3389)));
        assert_eq!(Port::ALL_TCP.cfn_ports(), Some((0, 65535)));
        assert_eq!(Port::ALL_TRAFFIC.cfn_ports(), None);
        assert_eq!(Port::ALL_TRAFFIC.protocol().cfn_name(), "-1");
        assert_eq!(Port::PING.to_string(), "icmp/8/0");
        assert_eq!(Port::ALL_TCP.to_string(), "tcp/all");
        assert_eq!(Port::ALL_UDP.to_string(), "udp/all");
        assert_eq!(Port::tcp_range(0, 65535).unwrap(), Port::ALL_TCP);
        let https = PortRange::from(Port::HTTPS);
        assert_eq!(https, PortRange::new(Protocol::Tcp, 443, 443));
        assert_eq!(Port::HTTPS.range(), https);
        assert_eq!(format!("{:?}", Port::SSH), "Port { protocol: Tcp, from: 22, to: 22 }");
    }

    #[test]
    fn reversed_range_names_the_fix() {
        let e = Port::tcp_range(9000, 8000).unwrap_err();
        assert_eq!(e, Error::ReversedPortRange { construct: "Port::tcp_range".into(), from: 9000, to: 8000 });
        assert!(e.to_string().contains("did you mean 8000-9000?"));
        let e = "udp/9000-8000".parse::<Port>().unwrap_err();
        assert_eq!(e, Error::ReversedPortRange { construct: "Port::from_str".into(), from: 9000, to: 8000 });
    }

    #[test]
    fn out_of_range_ports_are_errors() {
        assert!(matches!("tcp/65536".parse::<Port>(), Err(Error::PortOutOfRange { value: 65536, .. })));
        assert!(matches!("udp/-5".parse::<Port>(), Err(Error::PortOutOfRange { value: -5, .. })));
        assert!(matches!("tcp/1-99999".parse::<Port>(), Err(Error::PortOutOfRange { value: 99999, .. })));
        assert!(matches!("tcp/x".parse::<Port>(), Err(Error::InvalidPort { .. })));
        assert!(matches!("sctp/1".parse::<Port>(), Err(Error::InvalidPort { .. })));
        let Err(Error::InvalidPort { construct, value, hint }) = "tcp/x".parse::<Port>() else {
            panic!("tcp/x is no port")
        };
        assert_eq!(
            (construct.as_str(), value.as_str(), hint.as_str()),
            ("Port::from_str", "tcp/x", SYNTAX_HINT)
        );
    }

    #[test]
    fn other_protocols_are_refused_with_a_hint() {
        let Err(Error::InvalidPort { value, hint, .. }) = "proto/50".parse::<Port>() else {
            panic!("proto/50 is no port")
        };
        assert_eq!(value, "proto/50");
        assert!(hint.contains("not protocol 50") && hint.contains("`all`"), "{hint}");
        // A number that names a protocol ringfence knows points to its form.
        let Err(Error::InvalidPort { hint, .. }) = "proto/6".parse::<Port>() else {
            panic!("proto/6 is refused")
        };
        assert_eq!(hint, "write tcp/all");
        assert!(matches!("proto/300".parse::<Port>(), Err(Error::InvalidPort { .. })));
    }

    #[test]
    fn invalid_icmp() {
        assert!(matches!(Port::icmp(256, 0), Err(Error::InvalidIcmp { icmp_type: 256, .. })));
        assert!(matches!(Port::icmp(3, -2), Err(Error::InvalidIcmp { code: -2, .. })));
        assert!(matches!(Port::icmp(-1, 3), Err(Error::InvalidIcmp { .. })));
        assert!(matches!(Port::icmp(8, 5), Err(Error::InvalidIcmp { protocol: "ICMP", .. })));
        assert!(matches!(Port::icmpv6(128, 1), Err(Error::InvalidIcmp { protocol: "ICMPv6", .. })));
        assert!(matches!(
            "icmpv6/128/1".parse::<Port>(),
            Err(Error::InvalidIcmp { protocol: "ICMPv6", icmp_type: 128, code: 1, .. })
        ));
        assert!(matches!(
            "ICMP/8/5".parse::<Port>(),
            Err(Error::InvalidIcmp { protocol: "ICMP", icmp_type: 8, code: 5, .. })
        ));
        assert_eq!(Port::icmp(3, 4).unwrap().cfn_ports(), Some((3, 4)));
        assert_eq!(Port::icmp(-1, -1).unwrap(), Port::ALL_ICMP);
        assert_eq!(Port::icmp(42, 200).unwrap().cfn_ports(), Some((42, 200)));
    }

    #[test]
    fn display_and_parse_round_trip() {
        let ports = [
            Port::SSH,
            Port::tcp_range(1024, 65535).unwrap(),
            Port::ALL_TCP,
            Port::ALL_UDP,
            Port::DNS_UDP,
            Port::PING,
            Port::icmp(3, -1).unwrap(),
            Port::ALL_ICMP,
            Port::icmpv6(128, 0).unwrap(),
            Port::ALL_ICMPV6,
            Port::ALL_TRAFFIC,
        ];
        for p in ports {
            assert_eq!(p.to_string().parse::<Port>().unwrap(), p, "{p}");
        }
        // The old text of every TCP port still reads.
        assert_eq!("tcp/0-65535".parse::<Port>().unwrap(), Port::ALL_TCP);
        assert_eq!("tcp/all".parse::<Port>().unwrap(), Port::ALL_TCP);
        assert_eq!("-1".parse::<Port>().unwrap(), Port::ALL_TRAFFIC);
    }
}
