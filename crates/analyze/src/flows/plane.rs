//! Traffic to and from address ranges: a set of (traffic, address) pairs of one address
//! family, kept as a [`Plane`] — for each stretch of the traffic line, in order, the
//! addresses it reaches. Stretches that touch hold different addresses, so one set has
//! one plane, and its flows are read off it: each stretch's addresses as the fewest CIDR
//! blocks, each block with the stretch cut where a protocol ends.
//!
//! ```text
//! tcp/443 from 0.0.0.0/0, tcp/22 from 10.0.0.0/8   ->  tcp/22:  10.0.0.0/8
//!                                                      tcp/443: 0.0.0.0/0
//! ```

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::intervals::{normalize, subtract};
use super::ports::Span;

/// An inclusive interval of addresses of one family.
pub(crate) type Addresses = (u128, u128);

/// An address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl Family {
    /// Both families.
    pub(crate) const BOTH: [Family; 2] = [Family::V4, Family::V6];

    /// Every address of the family (the Internet, `/0`).
    pub(crate) fn everything(self) -> Addresses {
        match self {
            Family::V4 => (0, u128::from(u32::MAX)),
            Family::V6 => (0, u128::MAX),
        }
    }

    fn bits(self) -> u32 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }
}

/// The addresses of an IPv4 range.
pub(crate) fn v4(net: &Ipv4Net) -> Addresses {
    (u32::from(net.network()).into(), u32::from(net.broadcast()).into())
}

/// The addresses of an IPv6 range.
pub(crate) fn v6(net: &Ipv6Net) -> Addresses {
    (u128::from(net.network()), u128::from(net.broadcast()))
}

/// The fewest CIDR blocks that hold exactly `lo..=hi`.
pub(crate) fn cidrs(family: Family, (mut lo, hi): Addresses) -> Vec<IpNet> {
    let bits = family.bits();
    let ones = |k: u32| if k >= 128 { u128::MAX } else { (1u128 << k) - 1 };
    let mut out = Vec::new();
    loop {
        // The largest block that starts at `lo` and ends by `hi`.
        let mut k = if lo == 0 { bits } else { lo.trailing_zeros().min(bits) };
        while k > 0 && hi - lo < ones(k) {
            k -= 1;
        }
        let prefix = (bits - k) as u8;
        let net = match family {
            Family::V4 => Ipv4Net::new(Ipv4Addr::from(lo as u32), prefix).map(IpNet::V4),
            Family::V6 => Ipv6Net::new(Ipv6Addr::from(lo), prefix).map(IpNet::V6),
        };
        out.extend(net.ok());
        let end = lo + ones(k);
        if end >= hi {
            return out;
        }
        lo = end + 1;
    }
}

/// A set of (traffic, address) pairs: stretches of traffic in order, each with its
/// addresses (sorted, merged, never empty).
pub(crate) type Plane = Vec<(Span, Vec<Addresses>)>;

/// The stretch boundaries of a list of spans: each start, and each end's next point.
fn cuts(spans: impl Iterator<Item = Span>) -> Vec<u32> {
    let mut cuts: Vec<u32> = spans.flat_map(|(a, b)| [a, b + 1]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// Adds a stretch after the last, merged with it when they touch and reach the same
/// addresses.
fn push(plane: &mut Plane, span: Span, addresses: Vec<Addresses>) {
    if let Some((last, addrs)) = plane.last_mut() {
        if last.1 + 1 == span.0 && *addrs == addresses {
            last.1 = span.1;
            return;
        }
    }
    plane.push((span, addresses));
}

/// The plane of a union of rectangles (traffic × addresses).
pub(crate) fn plane(rects: &[(Span, Addresses)]) -> Plane {
    let mut out = Plane::new();
    let cuts = cuts(rects.iter().map(|r| r.0));
    for w in cuts.windows(2) {
        let span = (w[0], w[1] - 1);
        let mut addresses: Vec<Addresses> =
            rects.iter().filter(|(t, _)| t.0 <= span.0 && span.1 <= t.1).map(|r| r.1).collect();
        if !addresses.is_empty() {
            normalize(&mut addresses);
            push(&mut out, span, addresses);
        }
    }
    out
}

/// The pairs of `a` that are not in `b`.
pub(crate) fn minus(a: &Plane, b: &Plane) -> Plane {
    let mut out = Plane::new();
    if a.is_empty() {
        return out;
    }
    let cuts = cuts(a.iter().chain(b).map(|s| s.0));
    let (mut i, mut j) = (0, 0);
    for w in cuts.windows(2) {
        let span = (w[0], w[1] - 1);
        while i < a.len() && a[i].0 .1 < span.0 {
            i += 1;
        }
        while j < b.len() && b[j].0 .1 < span.0 {
            j += 1;
        }
        let Some((at, addrs)) = a.get(i).filter(|(t, _)| t.0 <= span.0) else { continue };
        debug_assert!(span.1 <= at.1);
        let left = match b.get(j).filter(|(t, _)| t.0 <= span.0) {
            Some((_, taken)) => subtract(addrs, taken),
            None => addrs.clone(),
        };
        if !left.is_empty() {
            push(&mut out, span, left);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> Addresses {
        v4(&text.parse().unwrap_or_else(|e| panic!("{text}: {e}")))
    }

    #[test]
    fn ranges_are_the_fewest_blocks() {
        let text = |f, a| cidrs(f, a).iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(text(Family::V4, Family::V4.everything()), ["0.0.0.0/0"]);
        assert_eq!(text(Family::V6, Family::V6.everything()), ["::/0"]);
        assert_eq!(text(Family::V4, net("10.0.0.0/8")), ["10.0.0.0/8"]);
        let (lo, _) = net("10.0.0.0/24");
        assert_eq!(text(Family::V4, (lo, lo + 255 + 128)), ["10.0.0.0/24", "10.0.1.0/25"]);
        assert_eq!(text(Family::V4, (lo + 1, lo + 2)), ["10.0.0.1/32", "10.0.0.2/32"]);
        assert_eq!(
            text(Family::V4, (0, net("10.0.0.0/8").0 - 1)),
            ["0.0.0.0/5", "8.0.0.0/7"],
            "everything below 10.0.0.0"
        );
    }

    #[test]
    fn planes_group_addresses_by_traffic() {
        let world = Family::V4.everything();
        let ten = net("10.0.0.0/8");
        let p = plane(&[((443, 443), world), ((22, 22), ten), ((0, 100), world), ((50, 200), ten)]);
        assert_eq!(p, [((0, 100), vec![world]), ((101, 200), vec![ten]), ((443, 443), vec![world])]);
        let q = plane(&[((0, 65535), ten)]);
        assert_eq!(
            minus(&p, &q),
            [
                ((0, 100), vec![(0, ten.0 - 1), (ten.1 + 1, world.1)]),
                ((443, 443), vec![(0, ten.0 - 1), (ten.1 + 1, world.1)])
            ]
        );
        assert_eq!(minus(&q, &p), [((201, 442), vec![ten]), ((444, 65535), vec![ten])]);
        assert_eq!(minus(&p, &p), []);
    }
}
