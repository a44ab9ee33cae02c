//! Two suites compared: their endpoints matched by name, the flows of each side's
//! classes compared where the endpoints are, and the differences written out as flows.
//!
//! Endpoints are grouped by the pair (class in the old suite, class in the new) —
//! *joint classes*. Every member of a joint class has the same flows on both sides, so
//! each difference is computed once per joint class (or pair of them) and only then
//! written for each member. When memberships do not change, joint classes are the
//! classes, and a suite whose thousand bots are unchanged costs a thousand comparisons of
//! short interval lists.

use rustc_hash::FxHashMap;

use super::intervals::subtract;
use super::plane::{self, cidrs, Addresses, Family, Plane};
use super::ports::{Ports, Span};
use super::side::{Side, Tokens, Way};
use super::{Endpoint, Flow, FlowDiff, RuleRef};

/// Endpoints that are in the same class in each suite (or absent from it).
struct JointClass<'e> {
    old: Option<usize>,
    new: Option<usize>,
    members: Vec<&'e Endpoint>,
}

/// The flows found so far.
#[derive(Default)]
struct Found {
    opened: Vec<Flow>,
    closed: Vec<Flow>,
}

/// Writes a flow for each piece of `spans` and each pair of `froms` and `tos`, with the
/// rules `rules` names for the piece.
fn write_spans(
    out: &mut Vec<Flow>,
    spans: &[Span],
    froms: &[&Endpoint],
    tos: &[&Endpoint],
    rules: impl Fn(Span) -> Vec<RuleRef>,
) {
    for &span in spans {
        for ports in Ports::pieces(span) {
            let mut rules = rules(ports.span());
            let mut left = froms.len() * tos.len();
            for &from in froms {
                for &to in tos {
                    left -= 1;
                    // The last flow takes the list, the others a copy.
                    let rules = if left == 0 { std::mem::take(&mut rules) } else { rules.clone() };
                    out.push(Flow { from: from.clone(), to: to.clone(), ports, rules });
                }
            }
        }
    }
}

/// Writes a flow for each block of addresses and piece of traffic of `plane`, between
/// each of `members` and the block, `way`.
fn write_plane(
    out: &mut Vec<Flow>,
    plane: &Plane,
    family: Family,
    way: Way,
    members: &[&Endpoint],
    rules: impl Fn(Span, Addresses) -> Vec<RuleRef>,
) {
    for (span, addresses) in plane {
        for &a in addresses {
            for net in cidrs(family, a) {
                let block = match net {
                    ipnet::IpNet::V4(n) => plane::v4(&n),
                    ipnet::IpNet::V6(n) => plane::v6(&n),
                };
                let range = Endpoint::Range(net);
                for ports in Ports::pieces(*span) {
                    let rules = rules(ports.span(), block);
                    for &m in members {
                        let (from, to) = match way {
                            Way::Out => (m.clone(), range.clone()),
                            Way::In => (range.clone(), m.clone()),
                        };
                        out.push(Flow { from, to, ports, rules: rules.clone() });
                    }
                }
            }
        }
    }
}

/// The flows opened and closed from `old` to `new`, whose outside endpoints are
/// numbered in `tokens`.
pub(crate) fn compare(old: &Side<'_, '_>, new: &Side<'_, '_>, tokens: &Tokens) -> FlowDiff {
    // Endpoints by name, then joint classes.
    let mut classes_of: FxHashMap<&Endpoint, (Option<usize>, Option<usize>)> = FxHashMap::default();
    for (name, c) in &old.members {
        classes_of.entry(name).or_default().0 = Some(*c);
    }
    for (name, c) in &new.members {
        classes_of.entry(name).or_default().1 = Some(*c);
    }
    let mut joint: Vec<JointClass<'_>> = Vec::new();
    let mut joint_of: FxHashMap<(Option<usize>, Option<usize>), usize> = FxHashMap::default();
    for (name, key) in classes_of {
        let j = *joint_of.entry(key).or_insert_with(|| {
            joint.push(JointClass { old: key.0, new: key.1, members: Vec::new() });
            joint.len() - 1
        });
        joint[j].members.push(name);
    }

    let mut found = Found::default();
    between_classes(old, new, &joint, &mut found);
    for j in &joint {
        with_outside(old, new, j, tokens, &mut found);
        with_ranges(old, new, j, &mut found);
    }
    between_outside(old, new, tokens, &mut found);

    let key = |f: &Flow| (f.from.clone(), f.to.clone(), f.ports);
    found.opened.sort_unstable_by(|a, b| (&a.from, &a.to, a.ports).cmp(&(&b.from, &b.to, b.ports)));
    found.closed.sort_unstable_by(|a, b| (&a.from, &a.to, a.ports).cmp(&(&b.from, &b.to, b.ports)));
    debug_assert!(found.opened.windows(2).all(|w| key(&w[0]) != key(&w[1])));
    FlowDiff { opened: found.opened, closed: found.closed }
}

/// A signature in the old suite and one in the new (`None`: absent from it).
type SignaturePair = (Option<usize>, Option<usize>);

/// Joint classes grouped by a pair of (old, new) signatures of one kind.
#[derive(Default)]
struct JointSignatures {
    index: FxHashMap<SignaturePair, usize>,
    /// Each pair, with the joint classes that have it.
    pairs: Vec<(SignaturePair, Vec<usize>)>,
    /// The pairs with each old signature, and each new one.
    by_side: [FxHashMap<usize, Vec<usize>>; 2],
}

impl JointSignatures {
    fn add(&mut self, key: SignaturePair, j: usize) {
        let i = *self.index.entry(key).or_insert_with(|| {
            self.pairs.push((key, Vec::new()));
            let i = self.pairs.len() - 1;
            for (side, sig) in [key.0, key.1].into_iter().enumerate() {
                if let Some(sig) = sig {
                    self.by_side[side].entry(sig).or_default().push(i);
                }
            }
            i
        });
        self.pairs[i].1.push(j);
    }

    fn with(&self, side: usize, sig: usize) -> &[usize] {
        self.by_side[side].get(&sig).map_or(&[], Vec::as_slice)
    }
}

/// Flows between workloads and memberless groups: compared per pair of joint
/// signatures (the old and new source signatures of the senders, the old and new
/// destination signatures of the receivers), written out per joint class where they
/// differ.
fn between_classes(old: &Side<'_, '_>, new: &Side<'_, '_>, joint: &[JointClass<'_>], found: &mut Found) {
    let (mut sources, mut destinations) = (JointSignatures::default(), JointSignatures::default());
    for (j, class) in joint.iter().enumerate() {
        let (old_sigs, new_sigs) =
            (class.old.map(|c| old.signatures(c)), class.new.map(|c| new.signatures(c)));
        sources.add((old_sigs.map(|s| s.0), new_sigs.map(|s| s.0)), j);
        destinations.add((old_sigs.map(|s| s.1), new_sigs.map(|s| s.1)), j);
    }
    let (was, is) = (old.signature_pairs(), new.signature_pairs());
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (side, table) in [&was, &is].into_iter().enumerate() {
        for &(s, d) in table.keys() {
            for &a in sources.with(side, s) {
                for &b in destinations.with(side, d) {
                    pairs.push((a, b));
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let none = Vec::new();
    for (a, b) in pairs {
        let ((from, senders), (to, receivers)) = (&sources.pairs[a], &destinations.pairs[b]);
        let before = from.0.zip(to.0).and_then(|k| was.get(&k)).unwrap_or(&none);
        let after = from.1.zip(to.1).and_then(|k| is.get(&k)).unwrap_or(&none);
        if before == after {
            continue;
        }
        let (opened, closed) = (subtract(after, before), subtract(before, after));
        for &j1 in senders {
            for &j2 in receivers {
                let (from, to) = (&joint[j1], &joint[j2]);
                if let Some((c, d)) = from.new.zip(to.new) {
                    write_spans(&mut found.opened, &opened, &from.members, &to.members, |s| {
                        new.between_rules(c, d, s)
                    });
                }
                if let Some((c, d)) = from.old.zip(to.old) {
                    write_spans(&mut found.closed, &closed, &from.members, &to.members, |s| {
                        old.between_rules(c, d, s)
                    });
                }
            }
        }
    }
}

/// Flows between the members of a joint class and outside groups, prefix lists and
/// peers known at deployment.
fn with_outside(
    old: &Side<'_, '_>,
    new: &Side<'_, '_>,
    j: &JointClass<'_>,
    tokens: &Tokens,
    found: &mut Found,
) {
    for way in [Way::Out, Way::In] {
        let anything = |side: &Side<'_, '_>, c: Option<usize>| {
            way == Way::Out && c.is_some_and(|c| side.sends_anything(c))
        };
        let (old_all, new_all) = (anything(old, j.old), anything(new, j.new));
        let mut outside: Vec<usize> = if old_all != new_all {
            (0..tokens.len()).collect()
        } else if old_all {
            continue; // all traffic to every outside endpoint, on both sides
        } else {
            let old_tokens = j.old.into_iter().flat_map(|c| old.tokens_of(c, way));
            let new_tokens = j.new.into_iter().flat_map(|c| new.tokens_of(c, way));
            old_tokens.chain(new_tokens).collect()
        };
        outside.sort_unstable();
        outside.dedup();
        for t in outside {
            let name = [tokens.name(t)];
            let (froms, tos) = match way {
                Way::Out => (&j.members[..], &name[..]),
                Way::In => (&name[..], &j.members[..]),
            };
            let before = j.old.map(|c| old.with_token(c, t, way)).unwrap_or_default();
            let after = j.new.map(|c| new.with_token(c, t, way)).unwrap_or_default();
            if before == after {
                continue;
            }
            if let Some(c) = j.new {
                let opened = subtract(&after, &before);
                write_spans(&mut found.opened, &opened, froms, tos, |s| new.with_token_rules(c, t, way, s));
            }
            if let Some(c) = j.old {
                let closed = subtract(&before, &after);
                write_spans(&mut found.closed, &closed, froms, tos, |s| old.with_token_rules(c, t, way, s));
            }
        }
    }
}

/// Flows between the members of a joint class and address ranges.
fn with_ranges(old: &Side<'_, '_>, new: &Side<'_, '_>, j: &JointClass<'_>, found: &mut Found) {
    for way in [Way::Out, Way::In] {
        for family in Family::BOTH {
            let before = j.old.map(|c| old.class_plane(c, way, family)).unwrap_or_default();
            let after = j.new.map(|c| new.class_plane(c, way, family)).unwrap_or_default();
            if before == after {
                continue;
            }
            if let Some(c) = j.new {
                let opened = plane::minus(&after, &before);
                write_plane(&mut found.opened, &opened, family, way, &j.members, |s, a| {
                    new.class_plane_rules(c, way, family, s, a)
                });
            }
            if let Some(c) = j.old {
                let closed = plane::minus(&before, &after);
                write_plane(&mut found.closed, &closed, family, way, &j.members, |s, a| {
                    old.class_plane_rules(c, way, family, s, a)
                });
            }
        }
    }
}

/// Flows between outside endpoints that rules on outside groups allow.
fn between_outside(old: &Side<'_, '_>, new: &Side<'_, '_>, tokens: &Tokens, found: &mut Found) {
    let mut pairs: Vec<(usize, usize)> = old.outside_pairs().chain(new.outside_pairs()).collect();
    pairs.sort_unstable();
    pairs.dedup();
    for (a, b) in pairs {
        let (before, after) = (old.outside_pair(a, b), new.outside_pair(a, b));
        let (from, to) = ([tokens.name(a)], [tokens.name(b)]);
        let opened = subtract(&after, &before);
        write_spans(&mut found.opened, &opened, &from, &to, |s| new.outside_pair_rules(a, b, s));
        let closed = subtract(&before, &after);
        write_spans(&mut found.closed, &closed, &from, &to, |s| old.outside_pair_rules(a, b, s));
    }
    let mut groups: Vec<usize> =
        old.outside_groups_with_ranges().chain(new.outside_groups_with_ranges()).collect();
    groups.sort_unstable();
    groups.dedup();
    for t in groups {
        let name = [tokens.name(t)];
        for way in [Way::Out, Way::In] {
            for family in Family::BOTH {
                let (before, after) = (old.outside_plane(t, way, family), new.outside_plane(t, way, family));
                let opened = plane::minus(&after, &before);
                write_plane(&mut found.opened, &opened, family, way, &name, |s, a| {
                    new.outside_plane_rules(t, way, family, s, a)
                });
                let closed = plane::minus(&before, &after);
                write_plane(&mut found.closed, &closed, family, way, &name, |s, a| {
                    old.outside_plane_rules(t, way, family, s, a)
                });
            }
        }
    }
}
