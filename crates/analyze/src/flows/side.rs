//! One suite's facts, arranged for flows: its groups numbered, each rule's traffic and
//! peer, and the sets of groups that endpoints join — *classes*. Workloads that join the
//! same groups share every flow, so flows are computed once per class (and per pair of
//! classes) and spread over the class's members only when written out.
//!
//! ```text
//! rules ──► groups (numbered) ──► classes (sets of groups) ──► signatures ──► traffic per pair
//!                                   ▲ workloads, memberless groups                │
//!                                   └─────────────── members ◄────────────────────┘ spread at the end
//! ```
//!
//! Classes are compressed once more for traffic between them: as a source, a class is
//! known by its *source signature* — the groups it joins that ingress rules name, its
//! egress traffic by destination group (or EC2's allow-all) — and as a destination by
//! its *destination signature* — the groups it joins that egress rules name, its ingress
//! traffic by peer group. The traffic from one class to another depends on nothing else,
//! so it is computed per pair of signatures: a thousand bots, each with its own group and
//! rules but the same traffic, are one signature, and a thousand bots that may all call
//! each other are one pair, not a million.

use rustc_hash::FxHashMap;

use ringfence_cfn::ec2::{is_no_egress, Direction};

use super::intervals::{intersect, overlaps, union};
use super::plane::{self, Addresses, Family, Plane};
use super::ports::{rule_span, Span, ALL};
use super::{Endpoint, RuleRef};
use crate::model::{Model, RulePeer};
use crate::suite::Obj;

/// The endpoints that are no class — outside groups, prefix lists, peers known at
/// deployment — numbered once for both suites of a comparison, so that "every outside
/// endpoint" (where EC2's allow-all egress goes) is the same set on both sides.
#[derive(Default)]
pub(crate) struct Tokens {
    index: FxHashMap<Endpoint, usize>,
    names: Vec<Endpoint>,
}

impl Tokens {
    fn intern(&mut self, name: Endpoint) -> usize {
        if let Some(&t) = self.index.get(&name) {
            return t;
        }
        self.names.push(name.clone());
        self.index.insert(name, self.names.len() - 1);
        self.names.len() - 1
    }

    /// The endpoint numbered `t`.
    pub(crate) fn name(&self, t: usize) -> &Endpoint {
        &self.names[t]
    }

    /// How many there are.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

/// The other end of a rule.
#[derive(Debug, Clone, Copy)]
enum Peer {
    /// A security group (numbered).
    Group(usize),
    /// A prefix list or a peer known at deployment.
    Token(usize),
    /// Addresses.
    Range(Family, Addresses),
    /// Nothing: the rule allows no traffic.
    Nothing,
}

/// Which way traffic crosses between a class and a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Way {
    /// From the class to the range.
    Out,
    /// From the range to the class.
    In,
}

/// A security group, as rules and memberships name it.
struct GroupFacts {
    obj: Obj,
    /// Created by the suite with no inline egress: EC2's allow-all egress applies.
    default_egress: bool,
    /// For a group the suite does not create: its endpoint.
    token: Option<usize>,
    /// Its ingress rules that may allow traffic (readable ports, a peer).
    ingress: Vec<usize>,
    /// Its egress rules that may allow traffic.
    egress: Vec<usize>,
}

/// What allows traffic: a rule, or EC2's allow-all egress of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Cause {
    Rule(usize),
    DefaultEgress(usize),
}

/// A set of groups that endpoints join, and the rules of those groups by peer.
struct Class {
    groups: Vec<usize>,
    /// Its groups with EC2's allow-all egress.
    default_egress: Vec<usize>,
    out_group: FxHashMap<usize, Vec<usize>>,
    in_group: FxHashMap<usize, Vec<usize>>,
    out_token: FxHashMap<usize, Vec<usize>>,
    in_token: FxHashMap<usize, Vec<usize>>,
    out_range: Vec<usize>,
    in_range: Vec<usize>,
    /// Its source signature.
    source: usize,
    /// Its destination signature.
    destination: usize,
}

/// What the traffic from a class depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SourceSignature {
    /// EC2's allow-all egress applies.
    anything: bool,
    /// The groups it joins that some ingress rule names, sorted.
    admitted_as: Vec<usize>,
    /// Its egress traffic by destination group, sorted (empty when `anything`).
    sends: Vec<(usize, Vec<Span>)>,
}

/// What the traffic to a class depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DestinationSignature {
    /// The groups it joins that some egress rule names, sorted.
    sent_as: Vec<usize>,
    /// Its ingress traffic by peer group, sorted.
    admits: Vec<(usize, Vec<Span>)>,
}

impl SourceSignature {
    /// The traffic from a class of this signature to one of `to`'s.
    fn to(&self, to: &DestinationSignature) -> Vec<Span> {
        let admitted = union(
            to.admits
                .iter()
                .filter(|(g, _)| self.admitted_as.binary_search(g).is_ok())
                .flat_map(|(_, spans)| spans.iter().copied()),
        );
        if admitted.is_empty() || self.anything {
            return admitted;
        }
        let sent = union(
            self.sends
                .iter()
                .filter(|(h, _)| to.sent_as.binary_search(h).is_ok())
                .flat_map(|(_, spans)| spans.iter().copied()),
        );
        intersect(&sent, &admitted)
    }
}

/// Numbers values as they are met.
struct Interner<T> {
    index: FxHashMap<T, usize>,
    values: Vec<T>,
}

impl<T: Clone + Eq + std::hash::Hash> Interner<T> {
    fn new() -> Interner<T> {
        Interner { index: FxHashMap::default(), values: Vec::new() }
    }

    fn intern(&mut self, value: T) -> usize {
        if let Some(&i) = self.index.get(&value) {
            return i;
        }
        self.values.push(value.clone());
        self.index.insert(value, self.values.len() - 1);
        self.values.len() - 1
    }
}

impl Class {
    fn new(groups: Vec<usize>, facts: &[GroupFacts], peers: &[Peer]) -> Class {
        let mut c = Class {
            groups,
            default_egress: Vec::new(),
            out_group: FxHashMap::default(),
            in_group: FxHashMap::default(),
            out_token: FxHashMap::default(),
            in_token: FxHashMap::default(),
            out_range: Vec::new(),
            in_range: Vec::new(),
            source: 0,
            destination: 0,
        };
        for &g in &c.groups {
            let f = &facts[g];
            if f.default_egress {
                c.default_egress.push(g);
            }
            for (rules, by_group, by_token, ranges) in [
                (&f.egress, &mut c.out_group, &mut c.out_token, &mut c.out_range),
                (&f.ingress, &mut c.in_group, &mut c.in_token, &mut c.in_range),
            ] {
                for &r in rules {
                    match peers[r] {
                        Peer::Group(h) => {
                            by_group.entry(h).or_default().push(r);
                            if let Some(t) = facts[h].token {
                                by_token.entry(t).or_default().push(r);
                            }
                        }
                        Peer::Token(t) => by_token.entry(t).or_default().push(r),
                        Peer::Range(..) => ranges.push(r),
                        Peer::Nothing => {}
                    }
                }
            }
        }
        c
    }
}

/// One suite, arranged for flows.
pub(crate) struct Side<'s, 'm> {
    m: &'s Model<'m>,
    groups: Vec<GroupFacts>,
    /// The traffic of each rule of the model (`None`: none).
    spans: Vec<Option<Span>>,
    /// The peer of each rule of the model.
    peers: Vec<Peer>,
    classes: Vec<Class>,
    /// Every workload and memberless group, with its class.
    pub(crate) members: Vec<(Endpoint, usize)>,
    sources: Vec<SourceSignature>,
    destinations: Vec<DestinationSignature>,
    /// Rules on outside groups whose peer is outside too, by (from, to) token.
    outside_pairs: FxHashMap<(usize, usize), Vec<usize>>,
    /// Rules on outside groups whose peer is a range, by group token: [egress, ingress].
    outside_ranges: FxHashMap<usize, [Vec<usize>; 2]>,
}

/// Whether a rule is the placeholder that keeps EC2 from adding its allow-all egress
/// ([`ringfence_cfn::ec2::no_egress`]): it matches no packet, so it is no flow.
fn placeholder(r: &crate::Rule) -> bool {
    match (r.ports, &r.peer) {
        (Some(ports), RulePeer::V4(net)) => {
            is_no_egress(r.direction, ports, Some((net.addr(), net.prefix_len())))
        }
        _ => false,
    }
}

/// Numbers groups as they are met.
struct Numbering<'s, 'm> {
    m: &'s Model<'m>,
    index: FxHashMap<Obj, usize>,
    groups: Vec<GroupFacts>,
}

impl Numbering<'_, '_> {
    fn group(&mut self, obj: &Obj, tokens: &mut Tokens) -> usize {
        if let Some(&g) = self.index.get(obj) {
            return g;
        }
        let created = self.m.group(obj);
        let token = match created {
            Some(_) => None,
            None => Some(tokens.intern(Endpoint::OutsideGroup(self.m.describe(obj)))),
        };
        self.groups.push(GroupFacts {
            obj: obj.clone(),
            default_egress: created.is_some_and(|g| !g.inline_egress),
            token,
            ingress: Vec::new(),
            egress: Vec::new(),
        });
        self.index.insert(obj.clone(), self.groups.len() - 1);
        self.groups.len() - 1
    }
}

impl<'s, 'm> Side<'s, 'm> {
    /// Arranges `m`, numbering its outside endpoints in `tokens`.
    pub(crate) fn new(m: &'s Model<'m>, tokens: &mut Tokens) -> Side<'s, 'm> {
        let mut n = Numbering { m, index: FxHashMap::default(), groups: Vec::new() };
        let created: Vec<usize> = m
            .groups
            .iter()
            .map(|g| n.group(&Obj::Local { stack: g.at.stack, id: g.at.id.clone() }, tokens))
            .collect();
        let mut spans = Vec::with_capacity(m.rules.len());
        let mut peers = Vec::with_capacity(m.rules.len());
        for (i, r) in m.rules.iter().enumerate() {
            let g = n.group(&r.group, tokens);
            let span = if placeholder(r) { None } else { rule_span(r.ports) };
            let peer = match &r.peer {
                RulePeer::V4(net) => Peer::Range(Family::V4, plane::v4(net)),
                RulePeer::V6(net) => Peer::Range(Family::V6, plane::v6(net)),
                RulePeer::Group(o) => Peer::Group(n.group(o, tokens)),
                RulePeer::PrefixList(o) => Peer::Token(tokens.intern(Endpoint::PrefixList(m.describe(o)))),
                RulePeer::Undecided(o) => Peer::Token(tokens.intern(Endpoint::Undecided(m.describe(o)))),
                RulePeer::None => Peer::Nothing,
            };
            if span.is_some() && !matches!(peer, Peer::Nothing) {
                match r.direction {
                    Direction::Ingress => n.groups[g].ingress.push(i),
                    Direction::Egress => n.groups[g].egress.push(i),
                }
            }
            spans.push(span);
            peers.push(peer);
        }

        // Endpoints and the groups they join; a name declared twice joins both's groups.
        let mut sets: FxHashMap<Endpoint, Vec<usize>> = FxHashMap::default();
        for w in &m.workloads {
            let set: Vec<usize> = w.groups.iter().map(|o| n.group(o, tokens)).collect();
            if !set.is_empty() {
                let name = Endpoint::Workload {
                    stack: m.stack_name(w.at.stack).to_owned(),
                    logical_id: w.at.id.as_str().to_owned(),
                };
                sets.entry(name).or_default().extend(set);
            }
        }
        let mut joined = vec![false; n.groups.len()];
        for &g in sets.values().flatten() {
            joined[g] = true;
        }
        for (g, &id) in m.groups.iter().zip(&created) {
            if !joined[id] {
                let name = Endpoint::Group {
                    stack: m.stack_name(g.at.stack).to_owned(),
                    logical_id: g.at.id.as_str().to_owned(),
                };
                sets.entry(name).or_default().push(id);
            }
        }

        let Numbering { groups, .. } = n;
        let mut class_of: FxHashMap<Vec<usize>, usize> = FxHashMap::default();
        let mut classes = Vec::new();
        let mut members = Vec::with_capacity(sets.len());
        for (name, mut set) in sets {
            set.sort_unstable();
            set.dedup();
            let c = match class_of.get(&set) {
                Some(&c) => c,
                None => {
                    classes.push(Class::new(set.clone(), &groups, &peers));
                    class_of.insert(set, classes.len() - 1);
                    classes.len() - 1
                }
            };
            members.push((name, c));
        }

        // Signatures: which groups rules name as peers, each way, then each class's.
        let (mut ingress_peer, mut egress_peer) = (vec![false; groups.len()], vec![false; groups.len()]);
        for f in &groups {
            for (rules, named) in [(&f.ingress, &mut ingress_peer), (&f.egress, &mut egress_peer)] {
                for &r in rules {
                    if let Peer::Group(h) = peers[r] {
                        named[h] = true;
                    }
                }
            }
        }
        let (mut sources, mut destinations) = (Interner::new(), Interner::new());
        let traffic = |rules: &Vec<usize>| union(rules.iter().filter_map(|&r| spans[r]));
        let by_group = |map: &FxHashMap<usize, Vec<usize>>| {
            let mut v: Vec<(usize, Vec<Span>)> = map.iter().map(|(&g, rules)| (g, traffic(rules))).collect();
            v.sort_unstable();
            v
        };
        for class in &mut classes {
            let anything = !class.default_egress.is_empty();
            class.source = sources.intern(SourceSignature {
                anything,
                admitted_as: class.groups.iter().copied().filter(|&g| ingress_peer[g]).collect(),
                sends: if anything { Vec::new() } else { by_group(&class.out_group) },
            });
            class.destination = destinations.intern(DestinationSignature {
                sent_as: class.groups.iter().copied().filter(|&g| egress_peer[g]).collect(),
                admits: by_group(&class.in_group),
            });
        }
        let (sources, destinations) = (sources.values, destinations.values);

        // Rules the suite puts on outside groups, between outside endpoints.
        let mut outside_pairs: FxHashMap<(usize, usize), Vec<usize>> = FxHashMap::default();
        let mut outside_ranges: FxHashMap<usize, [Vec<usize>; 2]> = FxHashMap::default();
        for f in &groups {
            let Some(me) = f.token else { continue };
            for (way, rules) in [(Way::Out, &f.egress), (Way::In, &f.ingress)] {
                for &r in rules {
                    let other = match peers[r] {
                        Peer::Group(h) => groups[h].token,
                        Peer::Token(t) => Some(t),
                        Peer::Range(..) => {
                            outside_ranges.entry(me).or_default()[way as usize].push(r);
                            None
                        }
                        Peer::Nothing => None,
                    };
                    if let Some(other) = other {
                        let key = if way == Way::Out { (me, other) } else { (other, me) };
                        outside_pairs.entry(key).or_default().push(r);
                    }
                }
            }
        }
        Side {
            m,
            groups,
            spans,
            peers,
            classes,
            members,
            sources,
            destinations,
            outside_pairs,
            outside_ranges,
        }
    }

    /// The traffic of some rules, as one set.
    fn traffic<'r>(&self, rules: impl IntoIterator<Item = &'r usize>) -> Vec<Span> {
        union(rules.into_iter().filter_map(|&r| self.spans[r]))
    }

    /// The rules of `rules` that allow some of `span`, as causes.
    fn allowing<'r>(
        &'r self,
        rules: impl IntoIterator<Item = &'r usize> + 'r,
        span: Span,
    ) -> impl Iterator<Item = Cause> + 'r {
        rules
            .into_iter()
            .filter(move |&&r| self.spans[r].is_some_and(|s| overlaps(s, span)))
            .map(|&r| Cause::Rule(r))
    }

    /// What a reviewer is shown for some causes: sorted, each once (readings of one
    /// rule are one place).
    fn refs(&self, causes: impl Iterator<Item = Cause>) -> Vec<RuleRef> {
        let mut causes: Vec<Cause> = causes.collect();
        causes.sort_unstable();
        causes.dedup();
        let mut refs: Vec<RuleRef> = causes.into_iter().map(|c| self.rule_ref(c)).collect();
        refs.sort_unstable();
        refs.dedup();
        refs
    }

    fn rule_ref(&self, cause: Cause) -> RuleRef {
        match cause {
            Cause::Rule(r) => {
                let at = &self.m.rules[r].at;
                RuleRef::Rule {
                    stack: self.m.stack_name(at.stack).to_owned(),
                    logical_id: at.id.as_str().to_owned(),
                    path: at.path.to_string(),
                }
            }
            Cause::DefaultEgress(g) => match &self.groups[g].obj {
                Obj::Local { stack, id } => RuleRef::DefaultEgress {
                    stack: self.m.stack_name(*stack).to_owned(),
                    logical_id: id.as_str().to_owned(),
                },
                // Only groups of the suite have a known default egress.
                other => RuleRef::DefaultEgress { stack: String::new(), logical_id: self.m.describe(other) },
            },
        }
    }

    /// Whether class `c` keeps EC2's allow-all egress (through one of its groups).
    pub(crate) fn sends_anything(&self, c: usize) -> bool {
        !self.classes[c].default_egress.is_empty()
    }

    /// The source and destination signatures of class `c`.
    pub(crate) fn signatures(&self, c: usize) -> (usize, usize) {
        (self.classes[c].source, self.classes[c].destination)
    }

    /// Every pair of (source, destination) signatures with traffic between them, and
    /// that traffic. Pairs are found from the destination's side: only sources that join
    /// a group the destination's ingress rules name can reach it.
    pub(crate) fn signature_pairs(&self) -> FxHashMap<(usize, usize), Vec<Span>> {
        let mut admitted_as: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
        for (s, source) in self.sources.iter().enumerate() {
            for &g in &source.admitted_as {
                admitted_as.entry(g).or_default().push(s);
            }
        }
        let mut pairs = FxHashMap::default();
        let mut candidates = Vec::new();
        for (d, destination) in self.destinations.iter().enumerate() {
            candidates.clear();
            for (g, _) in &destination.admits {
                candidates.extend(admitted_as.get(g).into_iter().flatten().copied());
            }
            candidates.sort_unstable();
            candidates.dedup();
            for &s in &candidates {
                let traffic = self.sources[s].to(destination);
                if !traffic.is_empty() {
                    pairs.insert((s, d), traffic);
                }
            }
        }
        pairs
    }

    /// The rules that allow some of `span` from class `c` to class `d`.
    pub(crate) fn between_rules(&self, c: usize, d: usize, span: Span) -> Vec<RuleRef> {
        let (from, to) = (&self.classes[c], &self.classes[d]);
        let admits = from.groups.iter().filter_map(|g| to.in_group.get(g)).flatten();
        let sends = to.groups.iter().filter_map(|h| from.out_group.get(h)).flatten();
        let defaults = from.default_egress.iter().map(|&g| Cause::DefaultEgress(g));
        self.refs(self.allowing(admits, span).chain(self.allowing(sends, span)).chain(defaults))
    }

    /// The outside endpoints class `c` has rules to (`Way::Out`) or from (`Way::In`).
    pub(crate) fn tokens_of(&self, c: usize, way: Way) -> impl Iterator<Item = usize> + '_ {
        let class = &self.classes[c];
        match way {
            Way::Out => class.out_token.keys().copied(),
            Way::In => class.in_token.keys().copied(),
        }
    }

    /// The traffic class `c` sends to outside endpoint `t` (`Way::Out`; the outside end
    /// admits what it is sent) or admits from it (`Way::In`).
    pub(crate) fn with_token(&self, c: usize, t: usize, way: Way) -> Vec<Span> {
        let class = &self.classes[c];
        match way {
            Way::Out if self.sends_anything(c) => vec![ALL],
            Way::Out => self.traffic(class.out_token.get(&t).into_iter().flatten()),
            Way::In => self.traffic(class.in_token.get(&t).into_iter().flatten()),
        }
    }

    /// The rules that allow some of `span` between class `c` and outside endpoint `t`.
    pub(crate) fn with_token_rules(&self, c: usize, t: usize, way: Way, span: Span) -> Vec<RuleRef> {
        let class = &self.classes[c];
        match way {
            Way::Out => {
                let rules = class.out_token.get(&t).into_iter().flatten();
                let defaults = class.default_egress.iter().map(|&g| Cause::DefaultEgress(g));
                self.refs(self.allowing(rules, span).chain(defaults))
            }
            Way::In => self.refs(self.allowing(class.in_token.get(&t).into_iter().flatten(), span)),
        }
    }

    /// The range rules of class `c` one way, with EC2's allow-all egress as the rule to
    /// every address.
    fn range_causes(&self, c: usize, way: Way) -> impl Iterator<Item = Cause> + '_ {
        let class = &self.classes[c];
        let (rules, defaults) = match way {
            Way::Out => (&class.out_range, &class.default_egress[..]),
            Way::In => (&class.in_range, &[][..]),
        };
        rules.iter().map(|&r| Cause::Rule(r)).chain(defaults.iter().map(|&g| Cause::DefaultEgress(g)))
    }

    /// The traffic and addresses a cause covers in one family.
    fn rect(&self, cause: Cause, family: Family) -> Option<(Span, Addresses)> {
        match cause {
            Cause::DefaultEgress(_) => Some((ALL, family.everything())),
            Cause::Rule(r) => match self.peers[r] {
                Peer::Range(f, addresses) if f == family => Some((self.spans[r]?, addresses)),
                _ => None,
            },
        }
    }

    /// The traffic between class `c` and the addresses of one family, one way.
    pub(crate) fn class_plane(&self, c: usize, way: Way, family: Family) -> Plane {
        let rects: Vec<_> = self.range_causes(c, way).filter_map(|x| self.rect(x, family)).collect();
        plane::plane(&rects)
    }

    /// The rules that allow some of `span` between class `c` and `addresses`.
    pub(crate) fn class_plane_rules(
        &self,
        c: usize,
        way: Way,
        family: Family,
        span: Span,
        addresses: Addresses,
    ) -> Vec<RuleRef> {
        self.refs(self.range_causes(c, way).filter(|&x| {
            self.rect(x, family).is_some_and(|(s, a)| overlaps(s, span) && overlaps(a, addresses))
        }))
    }

    /// The pairs of outside endpoints that rules on outside groups allow traffic between.
    pub(crate) fn outside_pairs(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.outside_pairs.keys().copied()
    }

    /// The traffic rules on outside groups allow from `a` to `b`.
    pub(crate) fn outside_pair(&self, a: usize, b: usize) -> Vec<Span> {
        self.traffic(self.outside_pairs.get(&(a, b)).into_iter().flatten())
    }

    /// The rules that allow some of `span` from outside endpoint `a` to `b`.
    pub(crate) fn outside_pair_rules(&self, a: usize, b: usize, span: Span) -> Vec<RuleRef> {
        self.refs(self.allowing(self.outside_pairs.get(&(a, b)).into_iter().flatten(), span))
    }

    /// The outside groups with rules to or from ranges.
    pub(crate) fn outside_groups_with_ranges(&self) -> impl Iterator<Item = usize> + '_ {
        self.outside_ranges.keys().copied()
    }

    fn outside_range_rules(&self, t: usize, way: Way) -> impl Iterator<Item = Cause> + '_ {
        self.outside_ranges
            .get(&t)
            .into_iter()
            .flat_map(move |r| r[way as usize].iter().map(|&r| Cause::Rule(r)))
    }

    /// The traffic between outside group `t` and the addresses of one family, one way.
    pub(crate) fn outside_plane(&self, t: usize, way: Way, family: Family) -> Plane {
        let rects: Vec<_> = self.outside_range_rules(t, way).filter_map(|x| self.rect(x, family)).collect();
        plane::plane(&rects)
    }

    /// The rules that allow some of `span` between outside group `t` and `addresses`.
    pub(crate) fn outside_plane_rules(
        &self,
        t: usize,
        way: Way,
        family: Family,
        span: Span,
        addresses: Addresses,
    ) -> Vec<RuleRef> {
        self.refs(self.outside_range_rules(t, way).filter(|&x| {
            self.rect(x, family).is_some_and(|(s, a)| overlaps(s, span) && overlaps(a, addresses))
        }))
    }
}
