//! CIDR planning: where each subnet of a VPC goes.
//!
//! Explicit CIDRs are placed first and checked (inside the VPC, /16 to /28, no overlap).
//! Then each automatic group, in declaration order, takes for every AZ the lowest
//! aligned block of its size that overlaps nothing placed before it. Because a group
//! only ever looks at what was placed before it, appending a group — or turning a
//! reserved group into a real one of the same size — never moves an existing subnet.

use ipnet::Ipv4Net;

use crate::Error;

/// Smallest subnet AWS allows.
pub const MIN_SUBNET_PREFIX: u8 = 28;

/// One subnet group to place.
pub(crate) struct Request<'a> {
    pub name: &'a str,
    pub prefix: u8,
    /// Per-AZ CIDRs given by the user, if any.
    pub explicit: Option<&'a [Ipv4Net]>,
}

fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Places every group's subnets: one per AZ. `vpc_path` names the VPC in errors.
pub(crate) fn plan(
    vpc_path: &str,
    vpc: Ipv4Net,
    azs: usize,
    groups: &[Request<'_>],
) -> Result<Vec<Vec<Ipv4Net>>, Error> {
    let mut out: Vec<Vec<Ipv4Net>> = vec![Vec::new(); groups.len()];
    let mut taken: Vec<(Ipv4Net, &str)> = Vec::new();
    let construct = |g: &str| format!("{vpc_path}/{g}");

    for g in groups {
        if !(vpc.prefix_len()..=MIN_SUBNET_PREFIX).contains(&g.prefix) && g.explicit.is_none() {
            return Err(Error::InvalidSubnetPrefix {
                construct: construct(g.name),
                prefix: g.prefix,
                hint: format!("subnets of {vpc} are /{} to /{MIN_SUBNET_PREFIX}", vpc.prefix_len()),
            });
        }
    }
    // Explicit CIDRs first: they are what the user wrote, so they win.
    for (i, g) in groups.iter().enumerate() {
        let Some(cidrs) = g.explicit else { continue };
        if cidrs.len() != azs {
            return Err(Error::SubnetCount { construct: construct(g.name), given: cidrs.len(), azs });
        }
        for cidr in cidrs {
            if !(16..=MIN_SUBNET_PREFIX).contains(&cidr.prefix_len()) {
                return Err(Error::InvalidSubnetPrefix {
                    construct: construct(g.name),
                    prefix: cidr.prefix_len(),
                    hint: format!("AWS subnets are /16 to /{MIN_SUBNET_PREFIX}"),
                });
            }
            if !vpc.contains(cidr) {
                return Err(Error::SubnetOutsideVpc {
                    construct: construct(g.name),
                    cidr: cidr.to_string(),
                    vpc: vpc.to_string(),
                });
            }
            if let Some((other, owner)) = taken.iter().find(|(t, _)| overlaps(t, cidr)) {
                return Err(Error::SubnetOverlap {
                    construct: construct(g.name),
                    cidr: cidr.to_string(),
                    other: other.to_string(),
                    other_group: construct(owner),
                });
            }
            taken.push((*cidr, g.name));
        }
        out[i] = cidrs.to_vec();
    }
    // Then automatic groups, first fit, in declaration order.
    for (i, g) in groups.iter().enumerate() {
        if g.explicit.is_some() {
            continue;
        }
        for _ in 0..azs {
            let Some(block) = first_fit(vpc, g.prefix, taken.iter().map(|(t, _)| t)) else {
                // Free space as it was before this group took any.
                let used: u64 =
                    taken.iter().filter(|(_, owner)| *owner != g.name).map(|(t, _)| size(t)).sum();
                let placed = out[i].len();
                return Err(Error::SubnetSpaceExhausted {
                    construct: construct(g.name),
                    needed: format!(
                        "{azs} x /{} ({} addresses)",
                        g.prefix,
                        azs as u64 * (1u64 << (32 - g.prefix))
                    ),
                    free: size(&vpc) - used,
                    hint: if placed > 0 {
                        format!("only {placed} of the {azs} subnets fit; use a longer prefix, fewer AZs or a larger VPC")
                    } else {
                        "use a longer prefix, fewer AZs or a larger VPC".into()
                    },
                });
            };
            taken.push((block, g.name));
            out[i].push(block);
        }
    }
    Ok(out)
}

fn size(net: &Ipv4Net) -> u64 {
    1u64 << (32 - net.prefix_len())
}

/// The lowest block of `/prefix` inside `vpc`, aligned to its size, that overlaps none of
/// `taken`.
fn first_fit<'a>(
    vpc: Ipv4Net,
    prefix: u8,
    taken: impl Iterator<Item = &'a Ipv4Net> + Clone,
) -> Option<Ipv4Net> {
    let step = 1u64 << (32 - prefix);
    let start = u64::from(u32::from(vpc.network()));
    let end = start + size(&vpc);
    let mut at = start;
    while at < end {
        let addr = std::net::Ipv4Addr::from(at as u32);
        let block = Ipv4Net::new(addr, prefix).ok()?;
        match taken.clone().find(|t| overlaps(t, &block)) {
            None => return Some(block),
            // Skip past the obstacle, to the next aligned block.
            Some(t) => {
                let past = u64::from(u32::from(t.broadcast())) + 1;
                at = at.max(past).div_ceil(step) * step;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    fn req(name: &str, prefix: u8) -> Request<'_> {
        Request { name, prefix, explicit: None }
    }

    #[test]
    fn groups_are_placed_in_order_aligned() {
        let p = plan("s/v", net("10.0.0.0/16"), 2, &[req("public", 24), req("app", 20), req("data", 24)])
            .unwrap();
        assert_eq!(p[0], [net("10.0.0.0/24"), net("10.0.1.0/24")]);
        assert_eq!(p[1], [net("10.0.16.0/20"), net("10.0.32.0/20")]);
        assert_eq!(p[2], [net("10.0.2.0/24"), net("10.0.3.0/24")], "small groups fill the gap");
    }

    #[test]
    fn explicit_cidrs_are_placed_first_and_checked() {
        let explicit = [net("10.0.0.0/24"), net("10.0.1.0/24")];
        let p = plan(
            "s/v",
            net("10.0.0.0/16"),
            2,
            &[req("auto", 24), Request { name: "fixed", prefix: 24, explicit: Some(&explicit) }],
        )
        .unwrap();
        assert_eq!(p[0], [net("10.0.2.0/24"), net("10.0.3.0/24")]);
        let outside = [net("10.1.0.0/24"), net("10.0.1.0/24")];
        let e = plan(
            "s/v",
            net("10.0.0.0/16"),
            2,
            &[Request { name: "x", prefix: 24, explicit: Some(&outside) }],
        )
        .unwrap_err();
        assert!(matches!(e, Error::SubnetOutsideVpc { .. }), "{e}");
        let overlapping = [net("10.0.0.0/24"), net("10.0.0.128/25")];
        let e = plan(
            "s/v",
            net("10.0.0.0/16"),
            2,
            &[Request { name: "x", prefix: 24, explicit: Some(&overlapping) }],
        )
        .unwrap_err();
        assert!(matches!(e, Error::SubnetOverlap { .. }), "{e}");
        let tiny = [net("10.0.0.0/29"), net("10.0.0.8/29")];
        let e =
            plan("s/v", net("10.0.0.0/16"), 2, &[Request { name: "x", prefix: 29, explicit: Some(&tiny) }])
                .unwrap_err();
        assert!(matches!(e, Error::InvalidSubnetPrefix { prefix: 29, .. }), "{e}");
    }

    #[test]
    fn not_fitting_says_what_is_needed() {
        let e = plan("net/main", net("10.0.0.0/24"), 3, &[req("big", 25)]).unwrap_err();
        match e {
            Error::SubnetSpaceExhausted { construct, needed, free, .. } => {
                assert_eq!(construct, "net/main/big");
                assert_eq!(needed, "3 x /25 (384 addresses)");
                assert_eq!(free, 256);
            }
            other => panic!("{other}"),
        }
        assert!(matches!(
            plan("s/v", net("10.0.0.0/24"), 1, &[req("a", 20)]),
            Err(Error::InvalidSubnetPrefix { prefix: 20, .. })
        ));
    }
}
