//! The traffic a flow carries. Every packet a security group can tell apart is one
//! point of a single line of integers, so that traffic is an interval set
//! ([`super::intervals`]) and "all traffic" is one interval:
//!
//! ```text
//!  0 ..= 65535        TCP ports
//!  65536 ..= 131071   UDP ports
//!  131072 ..= 131327  ICMP types (every code: reachability reads types only)
//!  131328 ..= 131583  ICMPv6 types
//!  131584 ..= 131835  every other protocol by number (the 252 that are not 1, 6, 17, 58)
//! ```
//!
//! A set is shown as [`Ports`]: its intervals cut where a protocol ends.

use std::fmt;

use ringfence_cfn::ec2::{PortRange, Protocol};

/// An inclusive interval of the traffic line.
pub(crate) type Span = (u32, u32);

const TCP: u32 = 0;
const UDP: u32 = 65_536;
const ICMP: u32 = 131_072;
const ICMPV6: u32 = 131_328;
const OTHER: u32 = 131_584;
/// The protocols with a place of their own on the line.
const NAMED: [u8; 4] = [1, 6, 17, 58];
const OTHERS: u32 = 256 - NAMED.len() as u32;
/// All traffic: every protocol, port and type.
pub(crate) const ALL: Span = (0, OTHER + OTHERS - 1);

/// Where another protocol is on the line (`None` for the named ones).
fn other_index(n: u8) -> Option<u32> {
    if NAMED.contains(&n) {
        return None;
    }
    Some(u32::from(n) - NAMED.iter().filter(|&&k| k < n).count() as u32)
}

/// Which protocol a point of the other protocols' stretch is.
fn other_number(i: u32) -> u8 {
    let mut n = i;
    for k in NAMED {
        if n >= u32::from(k) {
            n += 1;
        }
    }
    u8::try_from(n).unwrap_or(u8::MAX)
}

/// The traffic a rule admits, as [`Rule::covers`](crate::Rule::covers) reads its ports:
/// `None` for unreadable ports or a range outside its protocol's (a TCP port above
/// 65535, an ICMP type above 255), which admit no packet that exists.
pub(crate) fn rule_span(ports: Option<PortRange>) -> Option<Span> {
    let ports = ports?;
    let within = |base: u32, max: i32, from: i32, to: i32| {
        let (lo, hi) = (from.max(0), to.min(max));
        (lo <= hi).then(|| (base + lo as u32, base + hi as u32))
    };
    let (from, to) = (ports.from_port(), ports.to_port());
    match ports.protocol() {
        Protocol::All => Some(ALL),
        p @ (Protocol::Tcp | Protocol::Udp) => {
            let base = if p == Protocol::Tcp { TCP } else { UDP };
            if (from, to) == (-1, -1) {
                within(base, 65535, 0, 65535)
            } else {
                within(base, 65535, from, to)
            }
        }
        p @ (Protocol::Icmp | Protocol::Icmpv6) => {
            let base = if p == Protocol::Icmp { ICMP } else { ICMPV6 };
            if from == -1 {
                within(base, 255, 0, 255)
            } else {
                within(base, 255, from, from)
            }
        }
        Protocol::Other(n) => other_index(n).map(|i| (OTHER + i, OTHER + i)),
    }
}

/// The point of a packet of `protocol` to `port` (ICMP: of type `port`), if it is one
/// that exists.
fn point(protocol: Protocol, port: i32) -> Option<u32> {
    let at = |base: u32, max: i32| (0..=max).contains(&port).then(|| base + port as u32);
    match protocol {
        Protocol::Tcp => at(TCP, 65535),
        Protocol::Udp => at(UDP, 65535),
        Protocol::Icmp => at(ICMP, 255),
        Protocol::Icmpv6 => at(ICMPV6, 255),
        Protocol::Other(n) => other_index(n).map(|i| OTHER + i),
        Protocol::All => None,
    }
}

/// The traffic of a flow: every protocol, or one protocol and a contiguous range of its
/// ports (TCP, UDP), of its types (ICMP, ICMPv6, every code) or of the other protocols'
/// numbers. Written as [`PortRange`] writes what it can say (`tcp/443`, `tcp/0-442`,
/// `udp/all`, `icmp/8`, `icmp/all`, `proto/50`, `all`), and `icmp/3-8` (types 3 to 8),
/// `proto/47-50` (protocols 47 to 50 but those named on their own), `proto/others` (every
/// protocol but TCP, UDP, ICMP and ICMPv6) for the rest.
///
/// ```
/// use ringfence_analyze::flows::Ports;
/// use ringfence_analyze::{PortRange, Protocol};
/// assert_eq!(Ports::Tcp(0, 442).to_string(), "tcp/0-442");
/// assert_eq!(Ports::Icmp(0, 255).port_range(), Some(PortRange::new(Protocol::Icmp, -1, -1)));
/// assert!(Ports::Other(0, 255).covers(Protocol::Other(50), 0));
/// assert!(!Ports::Other(0, 255).covers(Protocol::Tcp, 80));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ports {
    /// Every protocol, port and type.
    All,
    /// TCP ports `from` to `to`.
    Tcp(u16, u16),
    /// UDP ports `from` to `to`.
    Udp(u16, u16),
    /// ICMP types `from` to `to`, every code.
    Icmp(u8, u8),
    /// ICMPv6 types `from` to `to`, every code.
    Icmpv6(u8, u8),
    /// Every protocol numbered `from` to `to` but TCP, UDP, ICMP and ICMPv6, which have
    /// their own variants.
    Other(u8, u8),
}

impl Ports {
    /// The pieces of a span, cut where a protocol ends; all traffic is one piece.
    pub(crate) fn pieces(span: Span) -> Vec<Ports> {
        if span == ALL {
            return vec![Ports::All];
        }
        type Make = fn(u32, u32) -> Ports;
        let stretches: [(u32, u32, Make); 5] = [
            (TCP, UDP - 1, |a, b| Ports::Tcp(a as u16, b as u16)),
            (UDP, ICMP - 1, |a, b| Ports::Udp(a as u16, b as u16)),
            (ICMP, ICMPV6 - 1, |a, b| Ports::Icmp(a as u8, b as u8)),
            (ICMPV6, OTHER - 1, |a, b| Ports::Icmpv6(a as u8, b as u8)),
            (OTHER, ALL.1, |a, b| Ports::Other(other_number(a), other_number(b))),
        ];
        stretches
            .iter()
            .filter_map(|&(lo, hi, make)| {
                let (a, b) = (span.0.max(lo), span.1.min(hi));
                (a <= b).then(|| make(a - lo, b - lo))
            })
            .collect()
    }

    /// Its stretch of the traffic line.
    pub(crate) fn span(self) -> Span {
        match self {
            Ports::All => ALL,
            Ports::Tcp(a, b) => (TCP + u32::from(a), TCP + u32::from(b)),
            Ports::Udp(a, b) => (UDP + u32::from(a), UDP + u32::from(b)),
            Ports::Icmp(a, b) => (ICMP + u32::from(a), ICMP + u32::from(b)),
            Ports::Icmpv6(a, b) => (ICMPV6 + u32::from(a), ICMPV6 + u32::from(b)),
            Ports::Other(a, b) => {
                // The first and last protocols of the range that are not named.
                let lo = (a..=b).find_map(other_index).unwrap_or(OTHERS);
                let hi = (a..=b).rev().find_map(other_index).unwrap_or(0);
                (OTHER + lo, OTHER + hi)
            }
        }
    }

    /// Whether a packet of `protocol` to `port` (ICMP: of type `port`) is in it.
    pub fn covers(self, protocol: Protocol, port: i32) -> bool {
        let (lo, hi) = self.span();
        point(protocol, port).is_some_and(|p| lo <= p && p <= hi)
    }

    /// The [`PortRange`] that says exactly this, when one does: every TCP or UDP range,
    /// one ICMP type or all of them, one other protocol, all traffic.
    pub fn port_range(self) -> Option<PortRange> {
        match self {
            Ports::All => Some(PortRange::ALL_TRAFFIC),
            Ports::Tcp(a, b) => Some(PortRange::new(Protocol::Tcp, a.into(), b.into())),
            Ports::Udp(a, b) => Some(PortRange::new(Protocol::Udp, a.into(), b.into())),
            Ports::Icmp(0, 255) => Some(PortRange::new(Protocol::Icmp, -1, -1)),
            Ports::Icmpv6(0, 255) => Some(PortRange::new(Protocol::Icmpv6, -1, -1)),
            Ports::Icmp(a, b) if a == b => Some(PortRange::new(Protocol::Icmp, a.into(), -1)),
            Ports::Icmpv6(a, b) if a == b => Some(PortRange::new(Protocol::Icmpv6, a.into(), -1)),
            Ports::Other(a, b) if a == b => Some(PortRange::new(Protocol::from_number(a), -1, -1)),
            Ports::Icmp(..) | Ports::Icmpv6(..) | Ports::Other(..) => None,
        }
    }
}

impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let range = |f: &mut fmt::Formatter<'_>, name: &str, a: u32, b: u32, max: u32| match (a, b) {
            (0, b) if b == max => write!(f, "{name}/all"),
            (a, b) if a == b => write!(f, "{name}/{a}"),
            (a, b) => write!(f, "{name}/{a}-{b}"),
        };
        match *self {
            Ports::All => f.write_str("all"),
            Ports::Tcp(a, b) => range(f, "tcp", a.into(), b.into(), 65535),
            Ports::Udp(a, b) => range(f, "udp", a.into(), b.into(), 65535),
            Ports::Icmp(a, b) => range(f, "icmp", a.into(), b.into(), 255),
            Ports::Icmpv6(a, b) => range(f, "icmpv6", a.into(), b.into(), 255),
            Ports::Other(0, 255) => f.write_str("proto/others"),
            Ports::Other(a, b) if a == b => write!(f, "proto/{a}"),
            Ports::Other(a, b) => write!(f, "proto/{a}-{b}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocol_has_its_stretch() {
        for n in 0..=255u8 {
            match other_index(n) {
                Some(i) => assert_eq!(other_number(i), n),
                None => assert!(NAMED.contains(&n)),
            }
        }
        assert_eq!(other_index(255), Some(OTHERS - 1));
        let pieces = Ports::pieces((443, ALL.1));
        let text: Vec<String> = pieces.iter().map(|p| p.to_string()).collect();
        assert_eq!(text, ["tcp/443-65535", "udp/all", "icmp/all", "icmpv6/all", "proto/others"]);
        for p in pieces {
            assert_eq!(Ports::pieces(p.span()), [p]);
        }
        assert_eq!(Ports::pieces(ALL), [Ports::All]);
        assert_eq!(Ports::Other(5, 7).span(), (OTHER + 4, OTHER + 5), "5 and 7: 6 is TCP's");
    }

    #[test]
    fn rules_read_as_reachability_reads_them() {
        let span = |p, a, b| rule_span(Some(PortRange::new(p, a, b)));
        assert_eq!(span(Protocol::Tcp, -1, -1), Some((0, 65535)));
        assert_eq!(span(Protocol::Tcp, -1, 5), Some((0, 5)));
        assert_eq!(span(Protocol::Tcp, 5, -1), None);
        assert_eq!(span(Protocol::Udp, 53, 53), Some((UDP + 53, UDP + 53)));
        assert_eq!(span(Protocol::Icmp, 8, 0), Some((ICMP + 8, ICMP + 8)));
        assert_eq!(span(Protocol::Icmpv6, -1, 3), Some((ICMPV6, ICMPV6 + 255)));
        assert_eq!(span(Protocol::Icmp, 300, -1), None);
        assert_eq!(span(Protocol::Other(50), 3, 3), Some((OTHER + 47, OTHER + 47)));
        assert_eq!(rule_span(None), None);
    }
}
