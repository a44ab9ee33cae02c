//! The network model of a suite: groups, rules (inline and standalone), workloads and
//! the groups they join, subnets, network ACLs and their entries, route tables, routes
//! and associations — each with the template that declares it.
//!
//! Every EC2 fact is read through `ringfence_cfn::ec2`, the vocabulary the builder
//! writes with: property keys ([`RuleFields`](ringfence_cfn::ec2::RuleFields),
//! [`NaclEntryFields`](ringfence_cfn::ec2::NaclEntryFields), `group_keys`), protocols and
//! port ranges ([`Protocol`], [`PortRange`]), directions and subnet kinds. A rule or entry
//! whose protocol or ports CloudFormation rejects has no [`PortRange`] (`ports: None`):
//! it admits no traffic, never "all" (which would widen it), and RF001 says why.

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use ringfence_cfn::ec2::{
    self, group_keys, rule_keys, Direction, NaclEntryFields, PortRange, Protocol, RuleFields, SubnetKind,
};
use ringfence_cfn::schema::{group_members, network_targets, NetworkObject};
use ringfence_cfn::{ConditionName, LogicalId, Map, Pseudo, RefTarget, Value};

use crate::members;
use crate::suite::{Obj, Resolver, Suite, SuiteTemplate};

/// Where something is declared: a template, a resource, a property path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    /// The template (an index into the suite).
    pub stack: usize,
    /// The resource.
    pub id: LogicalId,
    /// The property path inside it, e.g. `Properties.SecurityGroupIngress[2]`.
    pub path: Cow<'static, str>,
}

/// The other end of a security group rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RulePeer {
    /// An IPv4 range.
    V4(Ipv4Net),
    /// An IPv6 range.
    V6(Ipv6Net),
    /// A security group.
    Group(Obj),
    /// A managed prefix list.
    PrefixList(Obj),
    /// A range, prefix list or group known only at deployment: a parameter without a
    /// value, an import, an `Fn::If` the parameters do not decide (the object says which).
    /// The rule is checked for all but where it admits (RF002 says so), and as "may be
    /// open to the world" when its parameter accepts 0.0.0.0/0 or ::/0.
    Undecided(Obj),
    /// Nothing: the rule names no peer, or one CloudFormation rejects (RF001 says
    /// which); such a rule admits no traffic.
    None,
}

/// A security group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Where it is declared.
    pub at: Location,
    /// `GroupName`, when known.
    pub name: Option<String>,
    /// The `Name` tag, when known.
    pub tag_name: Option<String>,
    /// `GroupDescription`, when known.
    pub description: Option<String>,
    /// Its VPC.
    pub vpc: Obj,
    /// Whether it declares inline `SecurityGroupEgress` (otherwise EC2 adds allow-all).
    pub inline_egress: bool,
}

/// A security group rule, inline or standalone.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Where it is declared (the group for inline rules).
    pub at: Location,
    /// Whether it is inline in its group.
    pub inline: bool,
    /// The group it is a rule of.
    pub group: Obj,
    /// Its direction.
    pub direction: Direction,
    /// Its protocol and ports (ICMP: type and code) as the template writes them: every
    /// protocol when `IpProtocol` is absent or known only at deployment, `-1` for a port
    /// that is. `None` when the template writes a protocol or port CloudFormation
    /// rejects: the rule admits no traffic (RF001 reports the value).
    pub ports: Option<PortRange>,
    /// The other end.
    pub peer: RulePeer,
    /// Its description.
    pub description: Option<String>,
    /// The conditions this reading of the rule assumes, when its properties choose with
    /// an `Fn::If` the parameters do not decide: the rule is read once for each
    /// combination (up to [`MAX_UNDECIDED`] conditions), all at the same place. Empty for
    /// most rules.
    pub when: Vec<(ConditionName, bool)>,
}

/// The most undecided conditions a rule is read under, every combination; a rule that
/// chooses with more reads the `Fn::If`s beyond as values known only at deployment.
pub const MAX_UNDECIDED: usize = 3;

impl Rule {
    /// Whether this reading belongs to the first combination of undecided conditions:
    /// every condition of [`when`](Rule::when) false (true of every rule read once).
    /// Counting rules, count these: one deployment's rules.
    pub fn is_first_reading(&self) -> bool {
        self.when.iter().all(|(_, holds)| !holds)
    }

    /// Whether two readings can never be deployed together: they assume opposite
    /// values of one condition.
    pub fn excludes(&self, other: &Rule) -> bool {
        self.when.iter().any(|(c, holds)| other.when.iter().any(|(d, h)| c == d && holds != h))
    }

    /// ` (when IsProd is true and IsWindows is false)`, or nothing for a rule read once.
    pub fn when_text(&self) -> String {
        if self.when.is_empty() {
            return String::new();
        }
        let parts: Vec<String> = self.when.iter().map(|(c, holds)| format!("{c} is {holds}")).collect();
        format!(" (when {})", parts.join(" and "))
    }

    /// Whether the rule admits `port` of its own protocol, for TCP and UDP rules and
    /// rules of every protocol; never for other protocols or unreadable ports.
    pub fn covers_port(&self, port: i32) -> bool {
        match self.ports {
            Some(p) if p.protocol() == Protocol::All || p.protocol().has_ports() => {
                p.covers(p.protocol(), port)
            }
            _ => false,
        }
    }

    /// Whether the rule admits a packet of `protocol` to `port` (ICMP: of type `port`).
    pub fn covers(&self, protocol: Protocol, port: i32) -> bool {
        self.ports.is_some_and(|p| p.covers(protocol, port))
    }

    /// Whether the peer is the whole IPv4 or IPv6 Internet.
    pub fn peer_is_world(&self) -> bool {
        match &self.peer {
            RulePeer::V4(n) => n.prefix_len() == 0,
            RulePeer::V6(n) => n.prefix_len() == 0,
            _ => false,
        }
    }

    /// What EC2 compares to tell two rules apart ([`RuleIdentity`]); `None` for a rule
    /// EC2 never holds or could not merge: on a group that cannot be resolved, with no
    /// peer, or with a protocol or ports CloudFormation rejects.
    pub fn identity(&self) -> Option<RuleIdentity<'_>> {
        if matches!(self.group, Obj::Unknown(_)) {
            return None;
        }
        let peer = match &self.peer {
            RulePeer::V4(n) => PeerIdentity::V4(n.trunc()),
            RulePeer::V6(n) => PeerIdentity::V6(n.trunc()),
            RulePeer::Group(o) => PeerIdentity::Group(o),
            RulePeer::PrefixList(o) => PeerIdentity::PrefixList(o),
            // Two rules whose peer is the same parameter or export are one rule in EC2.
            RulePeer::Undecided(o @ (Obj::Parameter { .. } | Obj::External(_))) => PeerIdentity::Undecided(o),
            RulePeer::Undecided(_) | RulePeer::None => return None,
        };
        let ports = self.ports?;
        // EC2's view of a rule: every protocol has no ports, and TCP or UDP -1 to -1 is
        // every port, 0 to 65535.
        let ports = match ports.protocol() {
            Protocol::All => PortRange::ALL_TRAFFIC,
            p @ (Protocol::Tcp | Protocol::Udp) if (ports.from_port(), ports.to_port()) == (-1, -1) => {
                PortRange::new(p, 0, 65535)
            }
            _ => ports,
        };
        Some(RuleIdentity { group: &self.group, direction: self.direction, ports, peer })
    }
}

/// The identity of a security group rule as EC2 sees it: its group, direction, protocol
/// and ports (every protocol has no ports; TCP or UDP -1 to -1 is 0 to 65535) and peer (a
/// range by its network address), not its description. EC2 keeps one copy of rules with
/// the same identity, however many declarations create them, so deleting any of them
/// removes the rule for all (RF103, `ringfence impact`). From [`Rule::identity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RuleIdentity<'r> {
    group: &'r Obj,
    direction: Direction,
    ports: PortRange,
    peer: PeerIdentity<'r>,
}

impl RuleIdentity<'_> {
    /// The group the rule is on.
    pub fn group(&self) -> &Obj {
        self.group
    }

    /// Its direction.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Its protocol and ports, as EC2 compares them.
    pub fn ports(&self) -> PortRange {
        self.ports
    }
}

/// The peer of a rule as EC2 compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PeerIdentity<'r> {
    V4(Ipv4Net),
    V6(Ipv6Net),
    Group(&'r Obj),
    PrefixList(&'r Obj),
    Undecided(&'r Obj),
}

/// How ports CloudFormation rejects are written ([`ports_text`]).
pub const UNREADABLE_PORTS: &str = "unreadable ports";

/// The ports of a rule or NACL entry as text, in [`PortRange`]'s one form (`tcp/443`,
/// `tcp/8000-8080`, `tcp/all`, `icmp/8/0`, `all`, …), or [`UNREADABLE_PORTS`].
pub fn ports_text(ports: Option<PortRange>) -> String {
    ports.map_or_else(|| UNREADABLE_PORTS.to_owned(), |p| p.to_string())
}

/// A resource whose network interfaces join security groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Where it is declared.
    pub at: Location,
    /// Its resource type.
    pub resource_type: String,
    /// The groups its interfaces join.
    pub groups: Vec<Obj>,
    /// The subnets it runs in, when known.
    pub subnets: Vec<Obj>,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq)]
pub struct Subnet {
    /// Where it is declared.
    pub at: Location,
    /// Its VPC.
    pub vpc: Obj,
    /// Its IPv4 range, when literal.
    pub cidr: Option<Ipv4Net>,
    /// The `Name` tag, when known.
    pub name: Option<String>,
    /// Public, private or isolated, from the `ringfence:subnet-kind` or
    /// `aws-cdk:subnet-type` tag, or, with neither, from its logical id; `None` when a
    /// tag names no kind or neither says.
    pub kind: Option<SubnetKind>,
}

/// A network ACL entry.
#[derive(Debug, Clone, PartialEq)]
pub struct NaclEntry {
    /// Where it is declared.
    pub at: Location,
    /// The NACL it is an entry of.
    pub nacl: Obj,
    /// Rule number; -1 when absent, known only at deployment, or no integer (an entry
    /// CloudFormation rejects, which matches no traffic).
    pub number: i64,
    /// Egress or ingress.
    pub direction: Direction,
    /// Allow (or deny).
    pub allow: bool,
    /// Protocol and ports (ICMP: type and code), as for [`Rule::ports`]: `None` when
    /// CloudFormation rejects them, and the entry matches no traffic.
    pub ports: Option<PortRange>,
    /// The range it matches.
    pub cidr: Option<IpNet>,
}

/// Which table a subnet association attaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssociationKind {
    /// A network ACL.
    Nacl,
    /// A route table.
    RouteTable,
}

/// A subnet association.
#[derive(Debug, Clone, PartialEq)]
pub struct Association {
    /// Where it is declared.
    pub at: Location,
    /// NACL or route table.
    pub kind: AssociationKind,
    /// The subnet.
    pub subnet: Obj,
    /// The NACL or route table.
    pub target: Obj,
}

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq)]
pub enum RouteTarget {
    /// An internet gateway.
    InternetGateway(Obj),
    /// A NAT gateway.
    Nat(Obj),
    /// An egress-only internet gateway.
    EgressOnly(Obj),
    /// Something else (peering, transit gateway, instance, endpoint…).
    Other,
}

/// A route.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    /// Where it is declared.
    pub at: Location,
    /// Its route table.
    pub table: Obj,
    /// Destination range.
    pub destination: Option<IpNet>,
    /// Target.
    pub target: RouteTarget,
}

/// A resource that changes or attaches to a network object through one property, as
/// CloudFormation's resource schemas say ([`ringfence_cfn::schema::network_targets`]):
/// a route on its table, a CIDR block on its VPC, a gateway attachment, a rule on its
/// group. One per object named.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkChange {
    /// Where it is declared (the resource's `Properties`).
    pub at: Location,
    /// Its resource type.
    pub resource_type: String,
    /// The property that names the object, e.g. `VpcId`.
    pub property: &'static str,
    /// What kind of object it names.
    pub object: NetworkObject,
    /// The object.
    pub target: Obj,
}

impl NetworkChange {
    /// Whether this is a security group rule (`SecurityGroupIngress`/`Egress`), which
    /// [`Model::rules`] holds with its EC2 identity and RF101 reports.
    pub fn is_group_rule(&self) -> bool {
        Direction::of_rule_type(&self.resource_type).is_some()
    }
}

/// Every object of a suite that the checks and reachability read.
pub struct Model<'a> {
    /// Reference resolution over the suite.
    pub resolver: Resolver<'a>,
    /// Security groups.
    pub groups: Vec<Group>,
    /// Security group rules.
    pub rules: Vec<Rule>,
    /// Workloads and their groups.
    pub workloads: Vec<Workload>,
    /// Subnets.
    pub subnets: Vec<Subnet>,
    /// Network ACLs (their locations).
    pub nacls: Vec<Location>,
    /// Network ACL entries.
    pub nacl_entries: Vec<NaclEntry>,
    /// Route tables (their locations).
    pub route_tables: Vec<Location>,
    /// Routes.
    pub routes: Vec<Route>,
    /// Subnet associations with NACLs and route tables.
    pub associations: Vec<Association>,
    /// Every change a resource makes to a network object (routes, entries, associations
    /// and rules included), by the generated schema table.
    pub network_changes: Vec<NetworkChange>,
    group_index: HashMap<(usize, LogicalId), usize>,
}

/// A number or protocol written as something CloudFormation rejects (`FromPort: "abc"`,
/// `[80]`, `IpProtocol: tcpp`): never read as "all" (-1), which would widen the rule. A
/// rule or NACL entry holding one matches no traffic, and check RF001 reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unreadable;

/// The integer a value holds: `Ok(None)` when it is absent or known only at deployment
/// (a parameter without a default, `Fn::GetAtt`, …), [`Unreadable`] when it is written
/// but is no integer.
pub(crate) fn number(r: &Resolver<'_>, stack: usize, v: Option<&Value>) -> Result<Option<i64>, Unreadable> {
    let Some(v) = v else { return Ok(None) };
    let parse = |text: &str| text.trim().parse::<i64>().map(Some).map_err(|_| Unreadable);
    match v {
        // The common cases, without formatting the number to parse it back.
        Value::Number(n) => return n.as_i64().map(Some).ok_or(Unreadable),
        Value::String(s) => return parse(s),
        _ => {}
    }
    if let Some(text) = r.text_cow(stack, v) {
        return parse(&text);
    }
    match v {
        Value::List(_) => Err(Unreadable),
        // A one-key map `Fn::…` is a function the reader does not model: computed.
        Value::Map(m) if !(m.len() == 1 && m.keys().all(|k| k.starts_with("Fn::"))) => Err(Unreadable),
        _ => Ok(None),
    }
}

/// A port, ICMP type or code: `-1` (all) when absent or computed. A number beyond
/// `i32` is held at `i32::MIN` or `i32::MAX`, which admit the same ports.
fn port(r: &Resolver<'_>, stack: usize, v: Option<&Value>) -> Result<i32, Unreadable> {
    Ok(number(r, stack, v)?
        .map_or(-1, |n| i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX })))
}

/// The protocol a text names ([`Protocol::parse`]); `None` for text around which
/// spaces are written, or that names no protocol (a name it does not know, a number
/// outside -1 to 255).
pub(crate) fn protocol_of_text(text: &str) -> Option<Protocol> {
    if text.trim().len() != text.len() {
        return None;
    }
    Protocol::parse(text)
}

/// The protocol a rule or NACL entry names: all when absent or known only at
/// deployment, [`Unreadable`] when it names none, or is a list or a map.
pub(crate) fn protocol(r: &Resolver<'_>, stack: usize, v: Option<&Value>) -> Result<Protocol, Unreadable> {
    let Some(v) = v else { return Ok(Protocol::All) };
    match r.text_cow(stack, v) {
        Some(p) => protocol_of_text(&p).ok_or(Unreadable),
        None => number(r, stack, Some(v)).map(|_| Protocol::All),
    }
}

impl<'a> Model<'a> {
    /// Builds the model of a suite (templates are read on every core for a large suite;
    /// the model is the same whatever the number of cores).
    pub fn build(suite: &'a Suite) -> Model<'a> {
        let resolver = Resolver::new(suite);
        let templates = suite.templates();
        let parts = ringfence_cfn::parallel::chunks(templates.len(), |range| {
            let mut parts = Parts::default();
            parts.reserve(&templates[range.clone()]);
            for stack in range {
                parts.add_template(&resolver, stack, &templates[stack]);
            }
            parts
        });
        // One share (a small suite, or one large template) becomes the model as it is;
        // several are moved into vectors made to measure, each share freed once moved.
        let mut shares = parts.into_iter();
        let mut first = shares.next().unwrap_or_default();
        let rest: Vec<Parts> = shares.collect();
        if !rest.is_empty() {
            first.reserve_more(&rest);
            for p in rest {
                first.append(p);
            }
        }
        let Parts {
            groups,
            rules,
            workloads,
            subnets,
            nacls,
            nacl_entries,
            route_tables,
            routes,
            associations,
            network_changes,
        } = first;
        let mut m = Model {
            resolver,
            groups,
            rules,
            workloads,
            subnets,
            nacls,
            nacl_entries,
            route_tables,
            routes,
            associations,
            network_changes,
            group_index: HashMap::default(),
        };
        m.group_index.reserve(m.groups.len());
        for (i, g) in m.groups.iter().enumerate() {
            m.group_index.entry((g.at.stack, g.at.id.clone())).or_insert(i);
        }
        m
    }

    /// The group an object names, if the suite creates it.
    pub fn group(&self, obj: &Obj) -> Option<&Group> {
        match obj {
            Obj::Local { stack, id } => self.group_index.get(&(*stack, id.clone())).map(|&i| &self.groups[i]),
            _ => None,
        }
    }

    /// Every group of the suite that `name` names: `STACK/LOGICALID`, a logical id, a
    /// `GroupName` or a `Name` tag (several templates may reuse one).
    pub fn groups_named(&self, name: &str) -> Vec<Obj> {
        let mut found: Vec<Obj> = Vec::new();
        for g in &self.groups {
            let named = self.qualified_is(&g.at, name)
                || g.at.id.as_str() == name
                || g.name.as_deref() == Some(name)
                || g.tag_name.as_deref() == Some(name);
            let o = Obj::Local { stack: g.at.stack, id: g.at.id.clone() };
            if named && !found.contains(&o) {
                found.push(o);
            }
        }
        found
    }

    /// The group `name` names, when it names exactly one (see
    /// [`groups_named`](Model::groups_named) for the ambiguous case).
    pub fn find_group(&self, name: &str) -> Option<Obj> {
        let mut found = self.groups_named(name);
        (found.len() == 1).then(|| found.remove(0))
    }

    /// Every subnet of the suite that `name` names: `STACK/LOGICALID`, a logical id or a
    /// `Name` tag.
    pub fn subnets_named(&self, name: &str) -> Vec<Obj> {
        let mut found: Vec<Obj> = Vec::new();
        for s in &self.subnets {
            let named =
                self.qualified_is(&s.at, name) || s.at.id.as_str() == name || s.name.as_deref() == Some(name);
            let o = Obj::Local { stack: s.at.stack, id: s.at.id.clone() };
            if named && !found.contains(&o) {
                found.push(o);
            }
        }
        found
    }

    /// The subnet `name` names, when it names exactly one.
    pub fn find_subnet(&self, name: &str) -> Option<Obj> {
        let mut found = self.subnets_named(name);
        (found.len() == 1).then(|| found.remove(0))
    }

    /// Whether `name` is `STACK/LOGICALID` of `at`.
    fn qualified_is(&self, at: &Location, name: &str) -> bool {
        name.split_once('/')
            .is_some_and(|(stack, id)| stack == self.stack_name(at.stack) && id == at.id.as_str())
    }

    /// The name to show for a template.
    pub fn stack_name(&self, stack: usize) -> &str {
        &self.resolver.suite().templates()[stack].stack
    }

    /// A readable name for an object.
    pub fn describe(&self, obj: &Obj) -> String {
        match obj {
            Obj::Local { stack, id } => format!("{}/{id}", self.stack_name(*stack)),
            Obj::External(id) if id.is_empty() => "(an empty value)".into(),
            Obj::External(id) => id.clone(),
            Obj::Parameter { stack, name } => format!("parameter {name} of {}", self.stack_name(*stack)),
            Obj::Unknown(what) => format!("({what})"),
        }
    }
}

/// What one share of the templates contributes to the model.
#[derive(Default)]
struct Parts {
    groups: Vec<Group>,
    rules: Vec<Rule>,
    workloads: Vec<Workload>,
    subnets: Vec<Subnet>,
    nacls: Vec<Location>,
    nacl_entries: Vec<NaclEntry>,
    route_tables: Vec<Location>,
    routes: Vec<Route>,
    associations: Vec<Association>,
    network_changes: Vec<NetworkChange>,
}

impl Parts {
    /// Makes room for what `templates` add, counted first: a vector that grows by
    /// doubling holds up to twice its items and is copied at each step (a template of
    /// 285,000 inline rules would leave room for 524,288).
    fn reserve(&mut self, templates: &[SuiteTemplate]) {
        let mut n = Parts::default().lens();
        for res in templates.iter().flat_map(|t| t.template.resources.values()) {
            let props = &res.properties;
            let list = |key: &str| match props.get(key) {
                Some(Value::List(items)) => items.len(),
                _ => 0,
            };
            match res.resource_type.as_str() {
                ec2::SECURITY_GROUP => {
                    n[0] += 1;
                    n[1] += list(Direction::Ingress.inline_key()) + list(Direction::Egress.inline_key());
                }
                ec2::SECURITY_GROUP_INGRESS | ec2::SECURITY_GROUP_EGRESS => n[1] += 1,
                ec2::SUBNET => n[3] += 1,
                ec2::NETWORK_ACL => n[4] += 1,
                ec2::NETWORK_ACL_ENTRY => n[5] += 1,
                "AWS::EC2::RouteTable" => n[6] += 1,
                "AWS::EC2::Route" => n[7] += 1,
                "AWS::EC2::SubnetNetworkAclAssociation" | "AWS::EC2::SubnetRouteTableAssociation" => {
                    n[8] += 1
                }
                _ => {}
            }
            if group_members(&res.resource_type).is_some() {
                n[2] += 1;
            }
            for target in network_targets(&res.resource_type) {
                n[9] += match props.get(target.property) {
                    None | Some(Value::Null) => 0,
                    Some(Value::List(items)) => items.len(),
                    Some(_) => 1,
                };
            }
        }
        self.reserve_lens(n);
    }

    /// Makes room for the items of `others` too.
    fn reserve_more(&mut self, others: &[Parts]) {
        let mut n = Parts::default().lens();
        for o in others {
            for (n, l) in n.iter_mut().zip(o.lens()) {
                *n += l;
            }
        }
        self.reserve_lens(n);
    }

    fn lens(&self) -> [usize; 10] {
        [
            self.groups.len(),
            self.rules.len(),
            self.workloads.len(),
            self.subnets.len(),
            self.nacls.len(),
            self.nacl_entries.len(),
            self.route_tables.len(),
            self.routes.len(),
            self.associations.len(),
            self.network_changes.len(),
        ]
    }

    fn reserve_lens(&mut self, n: [usize; 10]) {
        self.groups.reserve_exact(n[0]);
        self.rules.reserve_exact(n[1]);
        self.workloads.reserve_exact(n[2]);
        self.subnets.reserve_exact(n[3]);
        self.nacls.reserve_exact(n[4]);
        self.nacl_entries.reserve_exact(n[5]);
        self.route_tables.reserve_exact(n[6]);
        self.routes.reserve_exact(n[7]);
        self.associations.reserve_exact(n[8]);
        self.network_changes.reserve_exact(n[9]);
    }

    /// Moves the items of `other` after these.
    fn append(&mut self, other: Parts) {
        self.groups.extend(other.groups);
        self.rules.extend(other.rules);
        self.workloads.extend(other.workloads);
        self.subnets.extend(other.subnets);
        self.nacls.extend(other.nacls);
        self.nacl_entries.extend(other.nacl_entries);
        self.route_tables.extend(other.route_tables);
        self.routes.extend(other.routes);
        self.associations.extend(other.associations);
        self.network_changes.extend(other.network_changes);
    }

    fn add_template(&mut self, r: &Resolver<'_>, stack: usize, t: &SuiteTemplate) {
        for (id, res) in t.template.resources.iter().filter(|(_, res)| r.creates(stack, res)) {
            let props = &res.properties;
            let loc = |path: &'static str| Location { stack, id: id.clone(), path: Cow::Borrowed(path) };
            match res.resource_type.as_str() {
                ec2::SECURITY_GROUP => self.add_group(r, stack, id, props),
                ec2::SECURITY_GROUP_INGRESS | ec2::SECURITY_GROUP_EGRESS => {
                    let direction = Direction::of_rule_type(&res.resource_type).unwrap_or(Direction::Ingress);
                    let group = match props_get(props, rule_keys::GROUP_ID)
                        .or_else(|| props_get(props, rule_keys::GROUP_NAME))
                    {
                        Some(v) => r.resolve(stack, v),
                        None => Obj::Unknown("no GroupId".into()),
                    };
                    let fields = RuleFields::read_map(direction, props);
                    let site = Site { at: loc("Properties"), inline: false, group, direction };
                    self.rules.extend(rules(r, stack, site, &fields, Vec::new()));
                }
                ec2::SUBNET => {
                    let kind = subnet_kind(r, stack, id, props);
                    let cidr = props_get(props, ec2::CIDR_BLOCK_KEY)
                        .and_then(|v| r.text_cow(stack, v))
                        .and_then(|c| c.parse().ok());
                    let vpc = props_get(props, "VpcId")
                        .map_or(Obj::Unknown("no VpcId".into()), |v| r.resolve(stack, v));
                    let name = name_tag(r, stack, props);
                    self.subnets.push(Subnet { at: loc("Properties"), vpc, cidr, name, kind });
                }
                ec2::NETWORK_ACL => self.nacls.push(loc("Properties")),
                "AWS::EC2::RouteTable" => self.route_tables.push(loc("Properties")),
                ec2::NETWORK_ACL_ENTRY => {
                    let entry = nacl_entry(r, stack, loc("Properties"), &NaclEntryFields::read(props));
                    self.nacl_entries.push(entry);
                }
                "AWS::EC2::SubnetNetworkAclAssociation" | "AWS::EC2::SubnetRouteTableAssociation" => {
                    let (kind, key) = if res.resource_type.contains("NetworkAcl") {
                        (AssociationKind::Nacl, ec2::entry_keys::NETWORK_ACL_ID)
                    } else {
                        (AssociationKind::RouteTable, "RouteTableId")
                    };
                    let subnet = props_get(props, "SubnetId")
                        .map_or(Obj::Unknown("no SubnetId".into()), |v| r.resolve(stack, v));
                    let target = props_get(props, key)
                        .map_or(Obj::Unknown(format!("no {key}")), |v| r.resolve(stack, v));
                    self.associations.push(Association { at: loc("Properties"), kind, subnet, target });
                }
                "AWS::EC2::Route" => {
                    let table = props_get(props, "RouteTableId")
                        .map_or(Obj::Unknown("no RouteTableId".into()), |v| r.resolve(stack, v));
                    let destination = ["DestinationCidrBlock", "DestinationIpv6CidrBlock"]
                        .iter()
                        .find_map(|k| props_get(props, k))
                        .and_then(|v| r.text_cow(stack, v))
                        .and_then(|c| c.parse().ok());
                    let target = if let Some(v) = props_get(props, "GatewayId") {
                        RouteTarget::InternetGateway(r.resolve(stack, v))
                    } else if let Some(v) = props_get(props, "NatGatewayId") {
                        RouteTarget::Nat(r.resolve(stack, v))
                    } else if let Some(v) = props_get(props, "EgressOnlyInternetGatewayId") {
                        RouteTarget::EgressOnly(r.resolve(stack, v))
                    } else {
                        RouteTarget::Other
                    };
                    self.routes.push(Route { at: loc("Properties"), table, destination, target });
                }
                _ => {}
            }
            for target in network_targets(&res.resource_type) {
                let Some(value) = props_get(props, target.property) else { continue };
                // Through Fn::If (the decided branch, or both) and lists; AWS::NoValue
                // names nothing.
                let mut named = Vec::new();
                possible_values(r, stack, value, true, &mut named);
                for v in named {
                    self.network_changes.push(NetworkChange {
                        at: loc("Properties"),
                        resource_type: res.resource_type.clone(),
                        property: target.property,
                        object: target.object,
                        target: r.resolve(stack, v),
                    });
                }
            }
            // Every resource whose interfaces may join groups, by the schemas' table
            // (members.rs reads the values), whatever it writes there.
            if let Some(paths) = group_members(&res.resource_type) {
                let at = loc("Properties");
                let w = members::workload(r, stack, &t.template, at, &res.resource_type, props, paths);
                self.workloads.push(w);
            }
        }
    }

    fn add_group(&mut self, r: &Resolver<'_>, stack: usize, id: &LogicalId, props: &Map) {
        let text = |k: &str| props_get(props, k).and_then(|v| r.text(stack, v));
        let tag_name = name_tag(r, stack, props);
        let vpc = props_get(props, group_keys::VPC_ID)
            .map_or(Obj::Unknown("default VPC".into()), |v| r.resolve(stack, v));
        let egress = props_get(props, Direction::Egress.inline_key());
        let group = Group {
            at: Location { stack, id: id.clone(), path: Cow::Borrowed("Properties") },
            name: text(group_keys::NAME),
            tag_name,
            description: props_get(props, group_keys::DESCRIPTION).and_then(|v| written_text(r, stack, v)),
            vpc,
            // An egress list computed by an intrinsic (Fn::If, …) counts as present: the
            // model cannot tell, and assuming allow-all would be the worse mistake.
            inline_egress: match egress {
                None | Some(Value::Null) => false,
                Some(Value::List(l)) => !l.is_empty(),
                Some(_) => true,
            },
        };
        self.groups.push(group);
        let me = Obj::Local { stack, id: id.clone() };
        for direction in [Direction::Ingress, Direction::Egress] {
            for rule in inline_rules(r, stack, direction, props_get(props, direction.inline_key())).0 {
                let at = Location { stack, id: id.clone(), path: rule.path };
                let fields = RuleFields::read(direction, rule.item);
                let site = Site { at, inline: true, group: me.clone(), direction };
                self.rules.extend(rules(r, stack, site, &fields, rule.when));
            }
        }
    }
}

/// A rule of a group's inline list, as [`inline_rules`] finds it.
pub(crate) struct InlineRule<'v> {
    /// Its path (`Properties.SecurityGroupIngress[2]`, or through `Fn::If`s).
    pub path: Cow<'static, str>,
    /// The rule's map.
    pub item: &'v Value,
    /// The undecided conditions of the `Fn::If` branches it is in.
    pub when: Vec<(ConditionName, bool)>,
}

/// The rules a group's inline list (`SecurityGroupIngress` or `…Egress`) holds: the
/// items of a literal list; of the branch of an `Fn::If` the parameters decide, or of
/// both branches when they do not (each rule then assumes its branch's condition); none
/// for `AWS::NoValue`. An item may itself be an `Fn::If`. The second value is what
/// could not be read as rules at all (a list computed another way), with its path:
/// RF002 reports it.
pub(crate) fn inline_rules<'v>(
    r: &Resolver<'_>,
    stack: usize,
    direction: Direction,
    list: Option<&'v Value>,
) -> (Vec<InlineRule<'v>>, Vec<(String, &'v Value)>) {
    let mut found = Found { rules: Vec::new(), unread: Vec::new() };
    let Some(list) = list else { return (found.rules, found.unread) };
    if let Value::List(items) = list {
        // The common case: paths shared with every group.
        for (i, item) in items.iter().enumerate() {
            if is_rule_map(item) {
                found.rules.push(InlineRule { path: inline_path(direction, i), item, when: Vec::new() });
            } else {
                let path = format!("Properties.{}[{i}]", direction.inline_key());
                found.possible_items(r, stack, item, path, false, &mut Vec::new());
            }
        }
    } else {
        let path = format!("Properties.{}", direction.inline_key());
        found.possible_items(r, stack, list, path, true, &mut Vec::new());
    }
    (found.rules, found.unread)
}

/// Whether a value is a rule's map of properties, not a function the reader keeps as a
/// one-key `Fn::…` map (`Fn::ToJsonString`, a macro's function).
pub(crate) fn is_rule_map(v: &Value) -> bool {
    match v {
        Value::Map(m) => !(m.len() == 1 && m.keys().all(|k| k.starts_with("Fn::"))),
        _ => false,
    }
}

/// What [`inline_rules`] finds.
struct Found<'v> {
    rules: Vec<InlineRule<'v>>,
    unread: Vec<(String, &'v Value)>,
}

impl<'v> Found<'v> {
    /// The maps a value may stand for, through `Fn::If` (decided, or both branches
    /// under `when`) and, where a list may stand, through lists.
    fn possible_items(
        &mut self,
        r: &Resolver<'_>,
        stack: usize,
        v: &'v Value,
        path: String,
        list_allowed: bool,
        when: &mut Vec<(ConditionName, bool)>,
    ) {
        match v {
            Value::Map(_) if is_rule_map(v) => {
                self.rules.push(InlineRule { path: Cow::Owned(path), item: v, when: when.clone() })
            }
            Value::List(items) if list_allowed => {
                for (i, item) in items.iter().enumerate() {
                    self.possible_items(r, stack, item, format!("{path}[{i}]"), false, when);
                }
            }
            Value::If(c, then, otherwise) => {
                let holds =
                    r.condition(stack, c).or_else(|| when.iter().find(|(w, _)| w == c).map(|(_, b)| *b));
                match holds {
                    Some(true) => {
                        self.possible_items(r, stack, then, format!("{path}.Fn::If[1]"), list_allowed, when)
                    }
                    Some(false) => self.possible_items(
                        r,
                        stack,
                        otherwise,
                        format!("{path}.Fn::If[2]"),
                        list_allowed,
                        when,
                    ),
                    None => {
                        for (holds, branch, i) in [(true, then, 1), (false, otherwise, 2)] {
                            when.push((c.clone(), holds));
                            self.possible_items(
                                r,
                                stack,
                                branch,
                                format!("{path}.Fn::If[{i}]"),
                                list_allowed,
                                when,
                            );
                            when.pop();
                        }
                    }
                }
            }
            Value::Ref(RefTarget::Pseudo(Pseudo::NoValue)) | Value::Null => {}
            _ => self.unread.push((path, v)),
        }
    }
}

/// The values `v` may stand for: the branch of an `Fn::If` the parameters decide (both
/// when they do not), each item of a list (where `lists`), nothing for `AWS::NoValue`.
pub(crate) fn possible_values<'v>(
    r: &Resolver<'_>,
    stack: usize,
    v: &'v Value,
    lists: bool,
    out: &mut Vec<&'v Value>,
) {
    match v {
        Value::Null | Value::Ref(RefTarget::Pseudo(Pseudo::NoValue)) => {}
        Value::List(items) if lists => items.iter().for_each(|i| possible_values(r, stack, i, false, out)),
        Value::If(_, then, otherwise) => match r.decide(stack, v) {
            Some(branch) => possible_values(r, stack, branch, lists, out),
            None => {
                possible_values(r, stack, then, lists, out);
                possible_values(r, stack, otherwise, lists, out);
            }
        },
        other => out.push(other),
    }
}

/// The text a description or name is written as: its value when known before
/// deployment, else the text as written (`Fn::Sub`'s format, `Fn::Join`'s parts with
/// `${Name}` for what is known only at deployment), so a description built with
/// functions counts as written.
pub(crate) fn written_text(r: &Resolver<'_>, stack: usize, v: &Value) -> Option<String> {
    if let Some(text) = r.text(stack, v) {
        return Some(text);
    }
    match v {
        Value::Sub(format, _) => Some(format.clone()),
        Value::Join(d, parts) => Some(
            parts
                .iter()
                .map(|p| written_text(r, stack, p).unwrap_or_else(|| "${…}".into()))
                .collect::<Vec<_>>()
                .join(d),
        ),
        Value::Ref(RefTarget::Logical(id)) => Some(format!("${{{id}}}")),
        Value::Ref(RefTarget::Pseudo(Pseudo::NoValue)) | Value::Null => None,
        Value::Ref(RefTarget::Pseudo(p)) => Some(format!("${{{}}}", p.name())),
        Value::If(_, then, otherwise) => match r.decide(stack, v) {
            Some(branch) => written_text(r, stack, branch),
            None => match (written_text(r, stack, then), written_text(r, stack, otherwise)) {
                (Some(a), Some(b)) if a == b => Some(a),
                (Some(a), Some(b)) => Some(format!("{a} | {b}")),
                // One branch writes none: the other may be deployed, so the text is its.
                (a, b) => a.or(b),
            },
        },
        // Any other function (`Fn::FindInMap`, `Fn::ImportValue`, …) computes a text.
        Value::Map(_) | Value::List(_) | Value::Bool(_) | Value::Number(_) | Value::String(_) => None,
        _ => Some("${…}".into()),
    }
}

/// `Properties.SecurityGroupIngress[i]` (or `…Egress[i]`), the path of a group's inline
/// rule: for the first rules of a group, a text made once for every group.
pub(crate) fn inline_path(direction: Direction, i: usize) -> Cow<'static, str> {
    const SHARED: usize = 64;
    static PATHS: std::sync::LazyLock<[Vec<String>; 2]> = std::sync::LazyLock::new(|| {
        [Direction::Ingress, Direction::Egress].map(|direction| {
            (0..SHARED).map(|i| format!("Properties.{}[{i}]", direction.inline_key())).collect()
        })
    });
    let shared = match direction {
        Direction::Ingress => PATHS[0].get(i),
        Direction::Egress => PATHS[1].get(i),
    };
    match shared {
        Some(path) => Cow::Borrowed(path.as_str()),
        None => Cow::Owned(format!("Properties.{}[{i}]", direction.inline_key())),
    }
}

/// Where a rule is declared and what it is a rule of.
struct Site {
    at: Location,
    inline: bool,
    group: Obj,
    direction: Direction,
}

/// A rule as its properties say.
fn rule(r: &Resolver<'_>, stack: usize, site: Site, fields: &RuleFields<'_>) -> Rule {
    let Site { at, inline, group, direction } = site;
    let read = || -> Result<PortRange, Unreadable> {
        let protocol = protocol(r, stack, fields.protocol)?;
        Ok(PortRange::new(protocol, port(r, stack, fields.from_port)?, port(r, stack, fields.to_port)?))
    };
    let ports = read().ok();
    let no_value = matches!(fields.peer.value(), Some(Value::Ref(RefTarget::Pseudo(Pseudo::NoValue))));
    let peer = match &fields.peer {
        // `!If [C, 0.0.0.0/0, !Ref AWS::NoValue]` decided false: no peer of that kind.
        _ if no_value => RulePeer::None,
        ec2::RulePeer::Ipv4(v) => match r.text_cow(stack, v) {
            Some(c) => c.parse().map_or(RulePeer::None, RulePeer::V4),
            None => RulePeer::Undecided(r.resolve(stack, v)),
        },
        ec2::RulePeer::Ipv6(v) => match r.text_cow(stack, v) {
            Some(c) => c.parse().map_or(RulePeer::None, RulePeer::V6),
            None => RulePeer::Undecided(r.resolve(stack, v)),
        },
        ec2::RulePeer::Group(v) => RulePeer::Group(r.resolve(stack, v)),
        ec2::RulePeer::PrefixList(v) => RulePeer::PrefixList(r.resolve(stack, v)),
        ec2::RulePeer::None => RulePeer::None,
    };
    let description = fields.description.and_then(|v| written_text(r, stack, v));
    Rule { at, inline, group, direction, ports, peer, description, when: Vec::new() }
}

/// The readings of a rule: one, or one per combination of the conditions its
/// properties choose with and the parameters do not decide.
fn rules<'v>(
    r: &Resolver<'_>,
    stack: usize,
    site: Site,
    fields: &RuleFields<'v>,
    assumed: Vec<(ConditionName, bool)>,
) -> Vec<Rule> {
    let values = [fields.protocol, fields.from_port, fields.to_port, fields.peer.value(), fields.description];
    let mut undecided = Vec::new();
    for v in values.into_iter().flatten() {
        undecided_conditions(r, stack, v, &assumed, &mut undecided);
    }
    if undecided.is_empty() || undecided.len() > MAX_UNDECIDED {
        if assumed.is_empty() {
            return vec![rule(r, stack, site, fields)];
        }
        let pick = |v: Option<&'v Value>| v.map(|v| branch(r, stack, v, &assumed));
        let chosen = RuleFields {
            protocol: pick(fields.protocol),
            from_port: pick(fields.from_port),
            to_port: pick(fields.to_port),
            peer: fields.peer.clone().map(|v| branch(r, stack, v, &assumed)),
            description: pick(fields.description),
        };
        let mut rule = rule(r, stack, site, &chosen);
        rule.when = assumed;
        return vec![rule];
    }
    (0..1u32 << undecided.len())
        .map(|bits| {
            let mut when = assumed.clone();
            when.extend(undecided.iter().enumerate().map(|(i, c)| (c.clone(), bits & (1 << i) != 0)));
            let pick = |v: Option<&'v Value>| v.map(|v| branch(r, stack, v, &when));
            let chosen = RuleFields {
                protocol: pick(fields.protocol),
                from_port: pick(fields.from_port),
                to_port: pick(fields.to_port),
                peer: fields.peer.clone().map(|v| branch(r, stack, v, &when)),
                description: pick(fields.description),
            };
            let site = Site { at: site.at.clone(), group: site.group.clone(), ..site };
            let mut rule = rule(r, stack, site, &chosen);
            rule.when = when;
            rule
        })
        .collect()
}

/// The conditions of the `Fn::If`s around a value that the parameters do not decide.
fn undecided_conditions(
    r: &Resolver<'_>,
    stack: usize,
    v: &Value,
    assumed: &[(ConditionName, bool)],
    out: &mut Vec<ConditionName>,
) {
    if let Value::If(c, then, otherwise) = v {
        let holds = r.condition(stack, c).or_else(|| assumed.iter().find(|(a, _)| a == c).map(|(_, b)| *b));
        match holds {
            Some(true) => undecided_conditions(r, stack, then, assumed, out),
            Some(false) => undecided_conditions(r, stack, otherwise, assumed, out),
            None => {
                if !out.contains(c) {
                    out.push(c.clone());
                }
                undecided_conditions(r, stack, then, assumed, out);
                undecided_conditions(r, stack, otherwise, assumed, out);
            }
        }
    }
}

/// The value an `Fn::If` stands for when the undecided conditions are as `when` says.
fn branch<'v>(r: &Resolver<'_>, stack: usize, v: &'v Value, when: &[(ConditionName, bool)]) -> &'v Value {
    match v {
        Value::If(c, then, otherwise) => {
            let holds = r.condition(stack, c).or_else(|| when.iter().find(|(w, _)| w == c).map(|(_, b)| *b));
            match holds {
                Some(true) => branch(r, stack, then, when),
                Some(false) => branch(r, stack, otherwise, when),
                None => v,
            }
        }
        _ => v,
    }
}

/// A network ACL entry as its properties say. One with a number CloudFormation rejects
/// matches nothing: no range, no ports, no allow (RF001 says why).
fn nacl_entry(r: &Resolver<'_>, stack: usize, at: Location, f: &NaclEntryFields<'_>) -> NaclEntry {
    let nacl = f.network_acl.map_or(Obj::Unknown("no NetworkAclId".into()), |v| r.resolve(stack, v));
    let protocol = protocol(r, stack, f.protocol);
    // An unreadable protocol reads the port range, as TCP would.
    let (from, to) = f.ports(protocol.unwrap_or(Protocol::Tcp));
    let (from, to) = (port(r, stack, from), port(r, stack, to));
    let number = number(r, stack, f.rule_number);
    let mut cidr = f.cidr.and_then(|v| r.text_cow(stack, v)).and_then(|c| c.parse().ok());
    let egress = f.egress.and_then(|v| r.text_cow(stack, v)).is_some_and(|t| t == "true");
    let mut allow =
        f.rule_action.and_then(|v| r.text_cow(stack, v)).is_some_and(|t| t.eq_ignore_ascii_case("allow"));
    let ports = match (protocol, from, to) {
        (Ok(p), Ok(from), Ok(to)) => Some(PortRange::new(p, from, to)),
        _ => None,
    };
    if number.is_err() || from.is_err() || to.is_err() {
        (allow, cidr) = (false, None);
    }
    NaclEntry {
        at,
        nacl,
        number: number.ok().flatten().unwrap_or(-1),
        direction: if egress { Direction::Egress } else { Direction::Ingress },
        allow,
        ports,
        cidr,
    }
}

/// A key of a map value.
/// What property lookups read: a value (a map, or anything else that has no keys) or
/// a resource's properties.
pub(crate) trait Props {
    fn key(&self, key: &str) -> Option<&Value>;
}

impl Props for Value {
    fn key(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m.get(key),
            _ => None,
        }
    }
}

impl Props for Map {
    fn key(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

/// A key of a map value or of a resource's properties.
pub(crate) fn props_get<'v>(v: &'v (impl Props + ?Sized), key: &str) -> Option<&'v Value> {
    v.key(key)
}

fn name_tag(r: &Resolver<'_>, stack: usize, props: &(impl Props + ?Sized)) -> Option<String> {
    match props_get(props, "Tags") {
        Some(Value::List(tags)) => tags.iter().find_map(|t| {
            (props_get(t, "Key").and_then(|k| r.text_cow(stack, k)).as_deref() == Some("Name"))
                .then(|| props_get(t, "Value").and_then(|v| r.text(stack, v)))
                .flatten()
        }),
        _ => None,
    }
}

/// The kind its tag says (`ringfence:subnet-kind`, else `aws-cdk:subnet-type`, any
/// case); with no such tag, the kind its logical id mentions.
fn subnet_kind(
    r: &Resolver<'_>,
    stack: usize,
    id: &LogicalId,
    props: &(impl Props + ?Sized),
) -> Option<SubnetKind> {
    if let Some(Value::List(tags)) = props_get(props, "Tags") {
        for t in tags {
            let key = props_get(t, "Key").and_then(|k| r.text_cow(stack, k));
            if matches!(key.as_deref(), Some(ec2::SUBNET_KIND_TAG | ec2::CDK_SUBNET_TYPE_TAG)) {
                return props_get(t, "Value")
                    .and_then(|v| r.text_cow(stack, v))
                    .and_then(|v| kind_of_text(&v));
            }
        }
    }
    SubnetKind::guess_from_name(id.as_str())
}

/// The kind a tag value names ([`SubnetKind::parse`]), written without spaces around.
fn kind_of_text(text: &str) -> Option<SubnetKind> {
    (text.trim().len() == text.len()).then(|| SubnetKind::parse(text)).flatten()
}
