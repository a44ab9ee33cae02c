//! Protocols and port ranges, as EC2 security group rules and network ACL entries name
//! them.
//!
//! One text form for both directions: [`PortRange`]'s `Display` writes what its
//! `FromStr` reads (`tcp/443`, `udp/1000-2000`, `tcp/all`, `icmp/8/0`, `icmp/3`,
//! `icmp/all`, `icmpv6/128`, `proto/50`, `all`). Every port of TCP or UDP
//! (`0-65535`, or EC2's `-1` to `-1`) is written `tcp/all`; it reads back as `0-65535`.

use std::borrow::Cow;
use std::fmt;

/// An IP protocol.
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
    /// Another protocol, by its IANA number (EC2 admits it on every port).
    Other(u8),
}

impl Protocol {
    /// Reads `IpProtocol` (a security group rule) or `Protocol` (a network ACL entry): a
    /// name or a number, any case; `-1` and `all` are every protocol. `None` for text
    /// that names no protocol (CloudFormation rejects it).
    ///
    /// ```
    /// use ringfence_cfn::ec2::Protocol;
    /// assert_eq!(Protocol::parse("TCP"), Some(Protocol::Tcp));
    /// assert_eq!(Protocol::parse("58"), Some(Protocol::Icmpv6));
    /// assert_eq!(Protocol::parse("50"), Some(Protocol::Other(50)));
    /// assert_eq!(Protocol::parse("-1"), Some(Protocol::All));
    /// assert_eq!(Protocol::parse("sctp"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Protocol> {
        let text = text.trim();
        let named = [
            ("tcp", Protocol::Tcp),
            ("udp", Protocol::Udp),
            ("icmpv6", Protocol::Icmpv6),
            ("icmp", Protocol::Icmp),
            ("all", Protocol::All),
        ];
        if let Some(&(_, p)) = named.iter().find(|(n, _)| text.eq_ignore_ascii_case(n)) {
            return Some(p);
        }
        match text.parse::<i16>().ok()? {
            -1 => Some(Protocol::All),
            n => u8::try_from(n).ok().map(Protocol::from_number),
        }
    }

    /// The protocol with IANA number `n`.
    pub fn from_number(n: u8) -> Protocol {
        match n {
            6 => Protocol::Tcp,
            17 => Protocol::Udp,
            1 => Protocol::Icmp,
            58 => Protocol::Icmpv6,
            n => Protocol::Other(n),
        }
    }

    /// Its IANA number; `-1` for every protocol. A network ACL entry's `Protocol`.
    pub fn number(self) -> i16 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Icmp => 1,
            Protocol::Icmpv6 => 58,
            Protocol::All => -1,
            Protocol::Other(n) => n.into(),
        }
    }

    /// A security group rule's `IpProtocol`: `tcp`, `udp`, `icmp`, `icmpv6`, `-1`, or
    /// the number of another protocol.
    pub fn cfn_name(self) -> Cow<'static, str> {
        match self {
            Protocol::Tcp => "tcp".into(),
            Protocol::Udp => "udp".into(),
            Protocol::Icmp => "icmp".into(),
            Protocol::Icmpv6 => "icmpv6".into(),
            Protocol::All => "-1".into(),
            Protocol::Other(n) => n.to_string().into(),
        }
    }

    /// Whether ports apply (TCP and UDP); ICMP has a type and code instead, and EC2
    /// admits every other protocol whatever the ports say.
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }

    /// Whether the ports are an ICMP type and code.
    pub fn is_icmp(self) -> bool {
        matches!(self, Protocol::Icmp | Protocol::Icmpv6)
    }
}

/// What a rule admits: a protocol and its range of ports, or for ICMP a type and a code.
///
/// `from` and `to` are EC2's `FromPort`/`ToPort` (ICMP: type and code), `-1` for all.
/// [`PortRange::new`] takes the numbers as a template writes them, unchecked, so that a
/// reader can hold any template; [`PortRange::checked`] says what is wrong with them.
///
/// ```
/// use ringfence_cfn::ec2::{PortRange, Protocol};
/// let https = PortRange::new(Protocol::Tcp, 443, 443);
/// assert_eq!(https.to_string(), "tcp/443");
/// assert_eq!("tcp/443".parse::<PortRange>(), Ok(https));
/// assert_eq!(PortRange::new(Protocol::Tcp, -1, -1).to_string(), "tcp/all");
/// assert_eq!("tcp/all".parse::<PortRange>(), Ok(PortRange::ALL_TCP));
/// assert!(https.covers(Protocol::Tcp, 443) && !https.covers(Protocol::Udp, 443));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortRange {
    protocol: Protocol,
    from: i32,
    to: i32,
}

/// Why a text or a pair of numbers is no [`PortRange`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRangeError {
    /// The text is not of a form `Display` writes.
    Syntax,
    /// A TCP or UDP port outside 0 to 65535.
    PortOutOfRange(i64),
    /// The first port is above the last.
    Reversed {
        /// First port.
        from: u16,
        /// Last port.
        to: u16,
    },
    /// An ICMP type or code EC2 does not accept.
    Icmp {
        /// The type (-1 for all).
        icmp_type: i32,
        /// The code (-1 for all).
        code: i32,
        /// What is wrong, and what to write instead.
        hint: String,
    },
}

impl fmt::Display for PortRangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortRangeError::Syntax => f.write_str(PortRange::SYNTAX_HINT),
            PortRangeError::PortOutOfRange(v) => write!(f, "port {v} is outside 0-65535"),
            PortRangeError::Reversed { from, to } => write!(f, "ports {from}-{to} are reversed"),
            PortRangeError::Icmp { hint, .. } => f.write_str(hint),
        }
    }
}

impl std::error::Error for PortRangeError {}

/// Highest code of the well-known ICMP types; other types accept any code.
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
/// Highest code of the well-known ICMPv6 types.
const ICMPV6_CODES: &[(i32, i32, &str)] = &[
    (1, 7, "destination unreachable"),
    (2, 0, "packet too big"),
    (3, 1, "time exceeded"),
    (4, 3, "parameter problem"),
    (128, 0, "echo request"),
    (129, 0, "echo reply"),
];

impl PortRange {
    /// Every TCP port.
    pub const ALL_TCP: PortRange = PortRange { protocol: Protocol::Tcp, from: 0, to: 65535 };
    /// Every UDP port.
    pub const ALL_UDP: PortRange = PortRange { protocol: Protocol::Udp, from: 0, to: 65535 };
    /// Every protocol and port.
    pub const ALL_TRAFFIC: PortRange = PortRange { protocol: Protocol::All, from: -1, to: -1 };
    /// What `FromStr` accepts, as a hint.
    pub const SYNTAX_HINT: &'static str =
        "write tcp/443, udp/1000-2000, tcp/all, icmp/8, icmp/3/4, icmpv6/128, proto/50 or all";

    /// A range as a template writes it (ICMP: type and code), unchecked.
    pub const fn new(protocol: Protocol, from: i32, to: i32) -> PortRange {
        PortRange { protocol, from, to }
    }

    /// The same range, or what EC2 would refuse about it: TCP and UDP ports are 0 to
    /// 65535 (or -1 to -1 for all) in order; an ICMP type is 0 to 255 or -1 for all, a
    /// code needs a type, and well-known types have a highest code.
    pub fn checked(self) -> Result<PortRange, PortRangeError> {
        match self.protocol {
            Protocol::Tcp | Protocol::Udp => {
                if (self.from, self.to) == (-1, -1) {
                    return Ok(self);
                }
                let port = |v: i32| u16::try_from(v).map_err(|_| PortRangeError::PortOutOfRange(v.into()));
                let (from, to) = (port(self.from)?, port(self.to)?);
                if from > to {
                    return Err(PortRangeError::Reversed { from, to });
                }
                Ok(self)
            }
            Protocol::Icmp | Protocol::Icmpv6 => {
                let (t, code) = (self.from, self.to);
                let err = |hint: String| PortRangeError::Icmp { icmp_type: t, code, hint };
                if !(-1..=255).contains(&t) {
                    return Err(err("types are 0 to 255, or -1 for all".into()));
                }
                if !(-1..=255).contains(&code) {
                    return Err(err("codes are 0 to 255, or -1 for all codes of the type".into()));
                }
                if t == -1 && code != -1 {
                    return Err(err("a code needs a type: use -1 for both to allow every type".into()));
                }
                let table = if self.protocol == Protocol::Icmp { ICMP_CODES } else { ICMPV6_CODES };
                if let Some(&(_, max, what)) = table.iter().find(|(ty, _, _)| *ty == t) {
                    if code > max {
                        return Err(err(format!("type {t} ({what}) has codes 0 to {max}")));
                    }
                }
                Ok(self)
            }
            Protocol::All | Protocol::Other(_) => Ok(self),
        }
    }

    /// The protocol.
    pub const fn protocol(self) -> Protocol {
        self.protocol
    }

    /// `FromPort` (ICMP: the type), `-1` for all.
    pub const fn from_port(self) -> i32 {
        self.from
    }

    /// `ToPort` (ICMP: the code), `-1` for all.
    pub const fn to_port(self) -> i32 {
        self.to
    }

    /// `FromPort`/`ToPort` as a template writes them (ICMP: type and code); `None` for
    /// every protocol, which has none.
    pub fn cfn_ports(self) -> Option<(i32, i32)> {
        match self.protocol {
            Protocol::All => None,
            _ => Some((self.from, self.to)),
        }
    }

    /// Whether it admits every port of its protocol (TCP/UDP `-1` to `-1` or 0 to
    /// 65535; every protocol; any other protocol, whose ports EC2 ignores).
    pub fn is_every_port(self) -> bool {
        match self.protocol {
            Protocol::Tcp | Protocol::Udp => matches!((self.from, self.to), (-1, -1) | (0, 65535)),
            Protocol::Icmp | Protocol::Icmpv6 => self.from == -1,
            Protocol::All | Protocol::Other(_) => true,
        }
    }

    /// Whether a packet of `protocol` to `port` (ICMP: of type `port`) is admitted.
    pub fn covers(self, protocol: Protocol, port: i32) -> bool {
        match self.protocol {
            Protocol::All => true,
            p if p != protocol => false,
            Protocol::Tcp | Protocol::Udp => {
                (self.from, self.to) == (-1, -1) || (self.from <= port && port <= self.to)
            }
            Protocol::Icmp | Protocol::Icmpv6 => self.from == -1 || self.from == port,
            Protocol::Other(_) => true,
        }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.protocol.cfn_name();
        match self.protocol {
            Protocol::All => f.write_str("all"),
            Protocol::Other(n) => write!(f, "proto/{n}"),
            Protocol::Tcp | Protocol::Udp if self.is_every_port() => write!(f, "{p}/all"),
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

impl std::str::FromStr for PortRange {
    type Err = PortRangeError;

    /// Reads the forms `Display` writes, any case, and checks them as
    /// [`PortRange::checked`] does.
    fn from_str(s: &str) -> Result<PortRange, PortRangeError> {
        let number = |text: &str| -> Result<i64, PortRangeError> {
            text.trim().parse::<i64>().map_err(|_| PortRangeError::Syntax)
        };
        let port = |text: &str| -> Result<i32, PortRangeError> {
            let v = number(text)?;
            u16::try_from(v).map(i32::from).map_err(|_| PortRangeError::PortOutOfRange(v))
        };
        let icmp_num = |text: &str| -> Result<i32, PortRangeError> {
            if text.trim() == "all" {
                return Ok(-1);
            }
            i32::try_from(number(text)?).map_err(|_| PortRangeError::Syntax)
        };
        let text = s.trim().to_ascii_lowercase();
        if text == "all" || text == "-1" {
            return Ok(PortRange::ALL_TRAFFIC);
        }
        let (proto, rest) = text.split_once('/').ok_or(PortRangeError::Syntax)?;
        let rest = rest.trim();
        let range = match proto.trim() {
            "tcp" | "udp" => {
                let protocol = if proto.trim() == "tcp" { Protocol::Tcp } else { Protocol::Udp };
                if rest == "all" {
                    return Ok(PortRange::new(protocol, 0, 65535));
                }
                // A range is `a-b`; a leading `-` is a (negative, out of range) number.
                let dash = rest.char_indices().skip(1).find(|&(_, c)| c == '-').map(|(i, _)| i);
                match dash.map(|i| (&rest[..i], &rest[i + 1..])) {
                    Some((a, b)) => PortRange::new(protocol, port(a)?, port(b)?),
                    None => {
                        let p = port(rest)?;
                        PortRange::new(protocol, p, p)
                    }
                }
            }
            "icmp" | "icmpv6" => {
                let protocol = if proto.trim() == "icmp" { Protocol::Icmp } else { Protocol::Icmpv6 };
                let (t, c) = match rest.split_once('/') {
                    Some((t, c)) => (icmp_num(t)?, icmp_num(c)?),
                    None => (icmp_num(rest)?, -1),
                };
                PortRange::new(protocol, t, c)
            }
            "proto" => {
                let n = u8::try_from(number(rest)?).map_err(|_| PortRangeError::Syntax)?;
                // `proto/6` is every TCP port, read as `tcp/all` is.
                match Protocol::from_number(n) {
                    p if p.has_ports() => PortRange::new(p, 0, 65535),
                    p => PortRange::new(p, -1, -1),
                }
            }
            _ => return Err(PortRangeError::Syntax),
        };
        range.checked()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_text_form_both_ways() {
        let cases = [
            (PortRange::new(Protocol::Tcp, 22, 22), "tcp/22"),
            (PortRange::new(Protocol::Tcp, 8000, 8080), "tcp/8000-8080"),
            (PortRange::ALL_TCP, "tcp/all"),
            (PortRange::ALL_UDP, "udp/all"),
            (PortRange::new(Protocol::Udp, 53, 53), "udp/53"),
            (PortRange::new(Protocol::Icmp, 8, 0), "icmp/8/0"),
            (PortRange::new(Protocol::Icmp, 3, -1), "icmp/3"),
            (PortRange::new(Protocol::Icmp, -1, -1), "icmp/all"),
            (PortRange::new(Protocol::Icmpv6, 128, 0), "icmpv6/128/0"),
            (PortRange::new(Protocol::Other(50), -1, -1), "proto/50"),
            (PortRange::ALL_TRAFFIC, "all"),
        ];
        for (range, text) in cases {
            assert_eq!(range.to_string(), text);
            assert_eq!(text.parse::<PortRange>(), Ok(range), "{text}");
        }
        // EC2's -1/-1 for every TCP port is written as 0-65535 is.
        assert_eq!(PortRange::new(Protocol::Tcp, -1, -1).to_string(), "tcp/all");
        assert_eq!("TCP/0-65535".parse::<PortRange>(), Ok(PortRange::ALL_TCP));
        assert_eq!("proto/6".parse::<PortRange>(), Ok(PortRange::ALL_TCP));
        assert_eq!("proto/1".parse::<PortRange>(), Ok(PortRange::new(Protocol::Icmp, -1, -1)));
    }

    #[test]
    fn bad_text_says_what_is_wrong() {
        assert_eq!("tcp/65536".parse::<PortRange>(), Err(PortRangeError::PortOutOfRange(65536)));
        assert_eq!("udp/-5".parse::<PortRange>(), Err(PortRangeError::PortOutOfRange(-5)));
        assert_eq!(
            "tcp/9000-8000".parse::<PortRange>(),
            Err(PortRangeError::Reversed { from: 9000, to: 8000 })
        );
        assert_eq!("tcp/x".parse::<PortRange>(), Err(PortRangeError::Syntax));
        assert_eq!("sctp/1".parse::<PortRange>(), Err(PortRangeError::Syntax));
        assert_eq!("proto/256".parse::<PortRange>(), Err(PortRangeError::Syntax));
        assert!(matches!(
            "icmp/8/5".parse::<PortRange>(),
            Err(PortRangeError::Icmp { icmp_type: 8, code: 5, .. })
        ));
        assert!(matches!("icmp/256".parse::<PortRange>(), Err(PortRangeError::Icmp { .. })));
        assert!(matches!(PortRange::new(Protocol::Icmp, -1, 3).checked(), Err(PortRangeError::Icmp { .. })));
        assert!(matches!(
            PortRange::new(Protocol::Icmpv6, 128, 1).checked(),
            Err(PortRangeError::Icmp { .. })
        ));
        assert_eq!(PortRange::new(Protocol::Icmp, 42, 200).checked().map(PortRange::to_port), Ok(200));
        // EC2's -1 to -1 is every TCP or UDP port, not a port out of range; -1 to 1 is.
        let every = PortRange::new(Protocol::Tcp, -1, -1);
        assert_eq!(every.checked(), Ok(every));
        assert_eq!(PortRange::new(Protocol::Udp, -1, 1).checked(), Err(PortRangeError::PortOutOfRange(-1)));
    }

    #[test]
    fn protocols_by_name_and_number() {
        for p in [
            Protocol::Tcp,
            Protocol::Udp,
            Protocol::Icmp,
            Protocol::Icmpv6,
            Protocol::All,
            Protocol::Other(47),
        ] {
            assert_eq!(Protocol::parse(&p.cfn_name()), Some(p));
            assert_eq!(Protocol::parse(&p.number().to_string()), Some(p));
        }
        assert_eq!(Protocol::parse("256"), None);
        assert_eq!(Protocol::parse("-2"), None);
        assert_eq!(Protocol::parse(""), None);
    }

    #[test]
    fn coverage() {
        let r = PortRange::new(Protocol::Tcp, 1000, 2000);
        assert!(r.covers(Protocol::Tcp, 1000) && r.covers(Protocol::Tcp, 2000));
        assert!(!r.covers(Protocol::Tcp, 999) && !r.covers(Protocol::Tcp, 2001));
        assert!(PortRange::new(Protocol::Udp, -1, -1).covers(Protocol::Udp, 7));
        assert!(PortRange::ALL_TRAFFIC.covers(Protocol::Icmp, 8));
        let ping = PortRange::new(Protocol::Icmp, 8, 0);
        assert!(ping.covers(Protocol::Icmp, 8) && !ping.covers(Protocol::Icmp, 0));
        assert!(PortRange::new(Protocol::Other(50), 3, 3).covers(Protocol::Other(50), 99));
        assert!(!PortRange::new(Protocol::Other(50), 3, 3).covers(Protocol::Other(51), 3));
        assert!(!PortRange::new(Protocol::Tcp, 1, 2).is_every_port());
        assert!(PortRange::new(Protocol::Tcp, 0, 65535).is_every_port());
    }
}
