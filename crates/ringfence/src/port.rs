//! Protocols and ports of a rule.

use std::fmt;

use crate::Error;

/// The IP protocol of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// TCP (6).
    Tcp,
    /// UDP (17).
    Udp,
    /// ICMP for IPv4 (1).
    Icmp,
    /// ICMPv6 (58).
    Icmpv6,
    /// Every protocol (`-1`).
    All,
}

impl Protocol {
    /// The value of `IpProtocol` in a template.
    pub fn cfn_name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
            Protocol::Icmpv6 => "icmpv6",
            Protocol::All => "-1",
        }
    }
}

/// What a rule admits: a protocol and a port range (or, for ICMP, a type and a code).
///
/// Made by named constructors and constants, checked when made:
///
/// ```
/// use ringfence::Port;
/// assert_eq!(Port::POSTGRES, Port::tcp(5432));
/// assert_eq!(Port::tcp_range(8000, 8080)?.to_string(), "tcp/8000-8080");
/// assert_eq!(Port::ALL_TRAFFIC.to_string(), "all");
/// assert!(Port::tcp_range(8080, 8000).is_err());
/// assert_eq!("udp/53".parse::<Port>()?, Port::DNS_UDP);
/// assert!("tcp/70000".parse::<Port>().is_err());
/// # Ok::<(), ringfence::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Port {
    protocol: Protocol,
    /// First port, or ICMP type (-1 for all).
    from: i32,
    /// Last port, or ICMP code (-1 for all).
    to: i32,
}

/// Highest code of well-known ICMP types; other types accept any code.
const ICMP_CODES: &[(i32, i32, &str)] = &[
    (0, 0, "echo reply"),
    (3, 15, "destination unreachable"),
    (5, 3, "redirect"),
    (8, 0, "echo request"),
    (11, 1, "time exceeded"),
    (12, 2, "parameter problem"),
    (13, 0, "timestamp"),
    (14, 0, "timestamp reply"),
];
/// Highest code of well-known ICMPv6 types.
const ICMPV6_CODES: &[(i32, i32, &str)] = &[
    (1, 7, "destination unreachable"),
    (2, 0, "packet too big"),
    (3, 1, "time exceeded"),
    (4, 3, "parameter problem"),
    (128, 0, "echo request"),
    (129, 0, "echo reply"),
];

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
    /// Every TCP port.
    pub const ALL_TCP: Port = Port { protocol: Protocol::Tcp, from: 0, to: 65535 };
    /// Every UDP port.
    pub const ALL_UDP: Port = Port { protocol: Protocol::Udp, from: 0, to: 65535 };
    /// Every ICMP type and code.
    pub const ALL_ICMP: Port = Port { protocol: Protocol::Icmp, from: -1, to: -1 };
    /// Every ICMPv6 type and code.
    pub const ALL_ICMPV6: Port = Port { protocol: Protocol::Icmpv6, from: -1, to: -1 };
    /// ICMP echo request (ping).
    pub const PING: Port = Port { protocol: Protocol::Icmp, from: 8, to: 0 };
    /// Every protocol and port.
    pub const ALL_TRAFFIC: Port = Port { protocol: Protocol::All, from: -1, to: -1 };

    /// One TCP port.
    pub const fn tcp(port: u16) -> Port {
        Port { protocol: Protocol::Tcp, from: port as i32, to: port as i32 }
    }

    /// One UDP port.
    pub const fn udp(port: u16) -> Port {
        Port { protocol: Protocol::Udp, from: port as i32, to: port as i32 }
    }

    /// A range of TCP ports, both ends included.
    pub fn tcp_range(from: u16, to: u16) -> Result<Port, Error> {
        Port::range(Protocol::Tcp, from, to, "Port::tcp_range")
    }

    /// A range of UDP ports, both ends included.
    pub fn udp_range(from: u16, to: u16) -> Result<Port, Error> {
        Port::range(Protocol::Udp, from, to, "Port::udp_range")
    }

    fn range(protocol: Protocol, from: u16, to: u16, call: &str) -> Result<Port, Error> {
        if from > to {
            return Err(Error::ReversedPortRange { construct: call.to_owned(), from, to });
        }
        Ok(Port { protocol, from: from.into(), to: to.into() })
    }

    /// An ICMP type and code; `-1` means every type (then the code must be `-1`) or
    /// every code of the type.
    pub fn icmp(icmp_type: i32, code: i32) -> Result<Port, Error> {
        Port::icmp_like(Protocol::Icmp, icmp_type, code, "Port::icmp")
    }

    /// An ICMPv6 type and code; `-1` as for [`Port::icmp`].
    pub fn icmpv6(icmp_type: i32, code: i32) -> Result<Port, Error> {
        Port::icmp_like(Protocol::Icmpv6, icmp_type, code, "Port::icmpv6")
    }

    fn icmp_like(protocol: Protocol, t: i32, code: i32, call: &str) -> Result<Port, Error> {
        let (name, table) = match protocol {
            Protocol::Icmpv6 => ("ICMPv6", ICMPV6_CODES),
            _ => ("ICMP", ICMP_CODES),
        };
        let err = |hint: String| Error::InvalidIcmp {
            construct: call.to_owned(),
            protocol: name,
            icmp_type: t,
            code,
            hint,
        };
        if !(-1..=255).contains(&t) {
            return Err(err("types are 0 to 255, or -1 for all".into()));
        }
        if !(-1..=255).contains(&code) {
            return Err(err("codes are 0 to 255, or -1 for all codes of the type".into()));
        }
        if t == -1 && code != -1 {
            return Err(err("a code needs a type: use -1 for both to allow every type".into()));
        }
        if let Some(&(_, max, what)) = table.iter().find(|(ty, _, _)| *ty == t) {
            if code > max {
                return Err(err(format!("type {t} ({what}) has codes 0 to {max}")));
            }
        }
        Ok(Port { protocol, from: t, to: code })
    }

    /// The protocol.
    pub fn protocol(self) -> Protocol {
        self.protocol
    }

    /// `FromPort`/`ToPort` as written in a template (ICMP: type and code); `None` for
    /// all traffic, which has no ports.
    pub fn cfn_ports(self) -> Option<(i32, i32)> {
        match self.protocol {
            Protocol::All => None,
            _ => Some((self.from, self.to)),
        }
    }

    /// Whether the rule's peer must be IPv4 (ICMP) or IPv6 (ICMPv6); `None` when both
    /// families fit.
    pub(crate) fn family(self) -> Option<crate::peer::Family> {
        match self.protocol {
            Protocol::Icmp => Some(crate::peer::Family::V4),
            Protocol::Icmpv6 => Some(crate::peer::Family::V6),
            _ => None,
        }
    }

    /// A short name for logical ids: `Tcp5432`, `Udp1000To2000`, `IcmpType8Code0`, `All`.
    pub(crate) fn id_part(self) -> String {
        let n = |v: i32| {
            if v < 0 {
                "All".to_owned()
            } else {
                v.to_string()
            }
        };
        match self.protocol {
            Protocol::All => "AllTraffic".into(),
            Protocol::Tcp | Protocol::Udp => {
                let p = if self.protocol == Protocol::Tcp { "Tcp" } else { "Udp" };
                if self.from == self.to {
                    format!("{p}{}", self.from)
                } else {
                    format!("{p}{}To{}", self.from, self.to)
                }
            }
            Protocol::Icmp => format!("IcmpType{}Code{}", n(self.from), n(self.to)),
            Protocol::Icmpv6 => format!("Icmpv6Type{}Code{}", n(self.from), n(self.to)),
        }
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.protocol.cfn_name();
        match self.protocol {
            Protocol::All => f.write_str("all"),
            Protocol::Tcp | Protocol::Udp if self.from == self.to => write!(f, "{p}/{}", self.from),
            Protocol::Tcp | Protocol::Udp => write!(f, "{p}/{}-{}", self.from, self.to),
            Protocol::Icmp | Protocol::Icmpv6 => match (self.from, self.to) {
                (-1, _) => write!(f, "{p}/all"),
                (t, -1) => write!(f, "{p}/{t}"),
                (t, c) => write!(f, "{p}/{t}/{c}"),
            },
        }
    }
}

impl std::str::FromStr for Port {
    type Err = Error;

    /// Reads `tcp/443`, `udp/1000-2000`, `icmp/8`, `icmp/3/4`, `icmpv6/128`, `icmp/all`
    /// or `all`, the forms [`Port`]'s `Display` writes.
    fn from_str(s: &str) -> Result<Port, Error> {
        const CALL: &str = "Port::from_str";
        let bad = || Error::InvalidPort {
            construct: CALL.into(),
            value: s.to_owned(),
            hint: "write tcp/443, udp/1000-2000, icmp/8, icmp/3/4, icmpv6/128 or all".into(),
        };
        let number = |text: &str| -> Result<i64, Error> { text.trim().parse::<i64>().map_err(|_| bad()) };
        let port = |text: &str| -> Result<u16, Error> {
            let v = number(text)?;
            u16::try_from(v).map_err(|_| Error::PortOutOfRange { construct: CALL.into(), value: v })
        };
        let icmp_num = |text: &str| -> Result<i32, Error> {
            if text.trim() == "all" {
                return Ok(-1);
            }
            let v = number(text)?;
            i32::try_from(v).map_err(|_| bad())
        };
        let text = s.trim().to_ascii_lowercase();
        if text == "all" || text == "-1" {
            return Ok(Port::ALL_TRAFFIC);
        }
        let (proto, rest) = text.split_once('/').ok_or_else(bad)?;
        match proto {
            "tcp" | "udp" => {
                let protocol = if proto == "tcp" { Protocol::Tcp } else { Protocol::Udp };
                // A range is `a-b`; a leading `-` is a (negative, out of range) number.
                let dash = rest.char_indices().skip(1).find(|&(_, c)| c == '-').map(|(i, _)| i);
                match dash.map(|i| (&rest[..i], &rest[i + 1..])) {
                    Some((a, b)) => Port::range(protocol, port(a)?, port(b)?, CALL),
                    None => {
                        let p = port(rest)?;
                        Ok(Port { protocol, from: p.into(), to: p.into() })
                    }
                }
            }
            "icmp" | "icmpv6" => {
                let protocol = if proto == "icmp" { Protocol::Icmp } else { Protocol::Icmpv6 };
                let (t, c) = match rest.split_once('/') {
                    Some((t, c)) => (icmp_num(t)?, icmp_num(c)?),
                    None => (icmp_num(rest)?, -1),
                };
                Port::icmp_like(protocol, t, c, CALL)
            }
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_constants() {
        assert_eq!(Port::SSH.cfn_ports(), Some((22, 22)));
        assert_eq!(Port::RDP.cfn_ports(), Some((3389, 3389)));
        assert_eq!(Port::ALL_TRAFFIC.cfn_ports(), None);
        assert_eq!(Port::ALL_TRAFFIC.protocol().cfn_name(), "-1");
        assert_eq!(Port::PING.to_string(), "icmp/8/0");
    }

    #[test]
    fn reversed_range_names_the_fix() {
        let e = Port::tcp_range(9000, 8000).unwrap_err();
        assert_eq!(e, Error::ReversedPortRange { construct: "Port::tcp_range".into(), from: 9000, to: 8000 });
        assert!(e.to_string().contains("did you mean 8000-9000?"));
    }

    #[test]
    fn out_of_range_ports_are_errors() {
        assert!(matches!("tcp/65536".parse::<Port>(), Err(Error::PortOutOfRange { value: 65536, .. })));
        assert!(matches!("udp/-5".parse::<Port>(), Err(Error::PortOutOfRange { value: -5, .. })));
        assert!(matches!("tcp/1-99999".parse::<Port>(), Err(Error::PortOutOfRange { value: 99999, .. })));
        assert!(matches!("tcp/x".parse::<Port>(), Err(Error::InvalidPort { .. })));
        assert!(matches!("sctp/1".parse::<Port>(), Err(Error::InvalidPort { .. })));
    }

    #[test]
    fn invalid_icmp() {
        assert!(matches!(Port::icmp(256, 0), Err(Error::InvalidIcmp { icmp_type: 256, .. })));
        assert!(matches!(Port::icmp(3, -2), Err(Error::InvalidIcmp { code: -2, .. })));
        assert!(matches!(Port::icmp(-1, 3), Err(Error::InvalidIcmp { .. })));
        assert!(matches!(Port::icmp(8, 5), Err(Error::InvalidIcmp { .. })));
        assert!(matches!(Port::icmpv6(128, 1), Err(Error::InvalidIcmp { protocol: "ICMPv6", .. })));
        assert_eq!(Port::icmp(3, 4).unwrap().cfn_ports(), Some((3, 4)));
        assert_eq!(Port::icmp(-1, -1).unwrap(), Port::ALL_ICMP);
        assert_eq!(Port::icmp(42, 200).unwrap().cfn_ports(), Some((42, 200)));
    }

    #[test]
    fn display_and_parse_round_trip() {
        let ports = [
            Port::SSH,
            Port::tcp_range(1024, 65535).unwrap(),
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
    }
}
