//! The network model of a suite: groups, rules (inline and standalone), workloads and
//! the groups they join, subnets, network ACLs and their entries, route tables, routes
//! and associations — each with the template that declares it.

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use ringfence_cfn::schema::{network_targets, NetworkObject};
use ringfence_cfn::{LogicalId, Map, Value};

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

/// An IP protocol as a rule or NACL entry names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// ICMP.
    Icmp,
    /// ICMPv6.
    Icmpv6,
    /// Every protocol.
    All,
    /// Another protocol number.
    Other(i64),
}

impl Proto {
    /// Reads `IpProtocol`/`Protocol`: a name or a number.
    pub fn parse(v: &str) -> Proto {
        match v.to_ascii_lowercase().as_str() {
            "tcp" | "6" => Proto::Tcp,
            "udp" | "17" => Proto::Udp,
            "icmp" | "1" => Proto::Icmp,
            "icmpv6" | "58" => Proto::Icmpv6,
            "-1" | "all" => Proto::All,
            other => Proto::Other(other.parse().unwrap_or(-2)),
        }
    }

    /// Whether ports (not ICMP type/code) apply.
    pub fn has_ports(self) -> bool {
        matches!(self, Proto::Tcp | Proto::Udp)
    }
}

/// Ingress or egress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Into the group or subnet.
    Ingress,
    /// Out of it.
    Egress,
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
    /// Nothing (a standalone egress rule with no destination creates no rule).
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
    /// Its protocol.
    pub proto: Proto,
    /// First port (ICMP type), -1 for all.
    pub from: i64,
    /// Last port (ICMP code), -1 for all.
    pub to: i64,
    /// The other end.
    pub peer: RulePeer,
    /// Its description.
    pub description: Option<String>,
}

impl Rule {
    /// Whether the rule covers `port` (for protocols with ports).
    pub fn covers_port(&self, port: i64) -> bool {
        match self.proto {
            Proto::All => true,
            Proto::Tcp | Proto::Udp => {
                (self.from == -1 && self.to == -1) || (self.from <= port && port <= self.to)
            }
            _ => false,
        }
    }

    /// Whether the peer is the whole IPv4 or IPv6 Internet.
    pub fn peer_is_world(&self) -> bool {
        match &self.peer {
            RulePeer::V4(n) => n.prefix_len() == 0,
            RulePeer::V6(n) => n.prefix_len() == 0,
            _ => false,
        }
    }
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
    /// `public`, `private` or `isolated`, from the `ringfence:subnet-kind` or
    /// `aws-cdk:subnet-type` tag, or from its name.
    pub kind: Option<String>,
}

/// A network ACL entry.
#[derive(Debug, Clone, PartialEq)]
pub struct NaclEntry {
    /// Where it is declared.
    pub at: Location,
    /// The NACL it is an entry of.
    pub nacl: Obj,
    /// Rule number.
    pub number: i64,
    /// Egress or ingress.
    pub direction: Direction,
    /// Allow (or deny).
    pub allow: bool,
    /// Protocol.
    pub proto: Proto,
    /// First port (or ICMP type), -1 for all.
    pub from: i64,
    /// Last port (or ICMP code), -1 for all.
    pub to: i64,
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
        matches!(
            self.resource_type.as_str(),
            "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress"
        )
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

/// Where each common workload type keeps its group and subnet lists.
const WORKLOADS: &[(&str, &[&str], &[&str])] = &[
    (
        "AWS::ECS::Service",
        &["NetworkConfiguration.AwsvpcConfiguration.SecurityGroups"],
        &["NetworkConfiguration.AwsvpcConfiguration.Subnets"],
    ),
    (
        "AWS::EC2::Instance",
        &["SecurityGroupIds", "SecurityGroups", "NetworkInterfaces[].GroupSet"],
        &["SubnetId", "NetworkInterfaces[].SubnetId"],
    ),
    (
        "AWS::EC2::LaunchTemplate",
        &["LaunchTemplateData.SecurityGroupIds", "LaunchTemplateData.NetworkInterfaces[].Groups"],
        &["LaunchTemplateData.NetworkInterfaces[].SubnetId"],
    ),
    ("AWS::EC2::NetworkInterface", &["GroupSet"], &["SubnetId"]),
    ("AWS::Lambda::Function", &["VpcConfig.SecurityGroupIds"], &["VpcConfig.SubnetIds"]),
    (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        &["SecurityGroups"],
        &["Subnets", "SubnetMappings[].SubnetId"],
    ),
    ("AWS::RDS::DBInstance", &["VPCSecurityGroups"], &[]),
    ("AWS::RDS::DBCluster", &["VpcSecurityGroupIds"], &[]),
    ("AWS::ElastiCache::ReplicationGroup", &["SecurityGroupIds"], &[]),
    ("AWS::ElastiCache::CacheCluster", &["VpcSecurityGroupIds"], &[]),
    ("AWS::EC2::VPCEndpoint", &["SecurityGroupIds"], &["SubnetIds"]),
    ("AWS::EFS::MountTarget", &["SecurityGroups"], &["SubnetId"]),
    ("AWS::AutoScaling::AutoScalingGroup", &[], &["VPCZoneIdentifier"]),
    ("AWS::OpenSearchService::Domain", &["VPCOptions.SecurityGroupIds"], &["VPCOptions.SubnetIds"]),
    ("AWS::MSK::Cluster", &["BrokerNodeGroupInfo.SecurityGroups"], &["BrokerNodeGroupInfo.ClientSubnets"]),
    ("AWS::Batch::ComputeEnvironment", &["ComputeResources.SecurityGroupIds"], &["ComputeResources.Subnets"]),
    ("AWS::CodeBuild::Project", &["VpcConfig.SecurityGroupIds"], &["VpcConfig.Subnets"]),
];

/// The values at a dotted path; `[]` descends into every item of a list.
fn at_path<'v>(root: &'v Map, path: &str) -> Vec<&'v Value> {
    let (first, rest) = path.split_once('.').map_or((path, None), |(a, b)| (a, Some(b)));
    let (key, each) = match first.strip_suffix("[]") {
        Some(k) => (k, true),
        None => (first, false),
    };
    let mut current: Vec<&Value> = match (root.get(key), each) {
        (Some(Value::List(items)), true) => items.iter().collect(),
        (Some(_), true) | (None, _) => Vec::new(),
        (Some(v), false) => vec![v],
    };
    for part in rest.into_iter().flat_map(|r| r.split('.')) {
        let (key, each) = match part.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (part, false),
        };
        let mut next = Vec::new();
        for c in current {
            if let Value::Map(m) = c {
                if let Some(child) = m.get(key) {
                    match (each, child) {
                        (true, Value::List(items)) => next.extend(items.iter()),
                        (true, _) => {}
                        (false, c) => next.push(c),
                    }
                }
            }
        }
        current = next;
    }
    current
}

/// What a port, ICMP type or code, or rule number reads as when it is written but is no
/// integer (`FromPort: "abc"`, `[80]`): never "all" (-1), which would widen the rule.
/// A rule or NACL entry holding one matches no traffic (CloudFormation rejects it), and
/// check RF001 reports it.
pub(crate) const UNREADABLE: i64 = -2;

/// The integer a value holds: `None` when it is absent or known only at deployment (a
/// parameter without a default, `Fn::GetAtt`, …), [`UNREADABLE`] when it is written but
/// is no integer.
pub(crate) fn number(r: &Resolver<'_>, stack: usize, v: Option<&Value>) -> Option<i64> {
    let v = v?;
    match v {
        // The common cases, without formatting the number to parse it back.
        Value::Number(n) => return Some(n.as_i64().unwrap_or(UNREADABLE)),
        Value::String(s) => return Some(s.trim().parse().unwrap_or(UNREADABLE)),
        _ => {}
    }
    if let Some(text) = r.text_cow(stack, v) {
        return Some(text.trim().parse().unwrap_or(UNREADABLE));
    }
    match v {
        Value::List(_) => Some(UNREADABLE),
        // A one-key map `Fn::…` is a function the reader does not model: computed.
        Value::Map(m) if !(m.len() == 1 && m.keys().all(|k| k.starts_with("Fn::"))) => Some(UNREADABLE),
        _ => None,
    }
}

/// The protocol a rule or NACL entry names: all when absent or known only at deployment,
/// `Other(UNREADABLE)` (no traffic) when it is a list or a map.
pub(crate) fn protocol(r: &Resolver<'_>, stack: usize, v: Option<&Value>) -> Proto {
    let Some(v) = v else { return Proto::All };
    match r.text_cow(stack, v) {
        Some(p) => Proto::parse(&p),
        None if number(r, stack, Some(v)) == Some(UNREADABLE) => Proto::Other(UNREADABLE),
        None => Proto::All,
    }
}

impl<'a> Model<'a> {
    /// Builds the model of a suite (templates are read on every core for a large suite;
    /// the model is the same whatever the number of cores).
    pub fn build(suite: &'a Suite) -> Model<'a> {
        let resolver = Resolver::new(suite);
        let workloads: HashMap<&str, (&[&str], &[&str])> =
            WORKLOADS.iter().map(|&(t, g, s)| (t, (g, s))).collect();
        let templates = suite.templates();
        let parts = crate::parallel::chunks(templates.len(), |range| {
            let mut parts = Parts::default();
            parts.reserve(&workloads, &templates[range.clone()]);
            for stack in range {
                parts.add_template(&resolver, &workloads, stack, &templates[stack]);
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

type WorkloadPaths<'w> = HashMap<&'w str, (&'w [&'w str], &'w [&'w str])>;

impl Parts {
    /// Makes room for what `templates` add, counted first: a vector that grows by
    /// doubling holds up to twice its items and is copied at each step (a template of
    /// 285,000 inline rules would leave room for 524,288).
    fn reserve(&mut self, workloads: &WorkloadPaths<'_>, templates: &[SuiteTemplate]) {
        let mut n = Parts::default().lens();
        for res in templates.iter().flat_map(|t| t.template.resources.values()) {
            let props = &res.properties;
            let list = |key: &str| match props.get(key) {
                Some(Value::List(items)) => items.len(),
                _ => 0,
            };
            match res.resource_type.as_str() {
                "AWS::EC2::SecurityGroup" => {
                    n[0] += 1;
                    n[1] += list("SecurityGroupIngress") + list("SecurityGroupEgress");
                }
                "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => n[1] += 1,
                "AWS::EC2::Subnet" => n[3] += 1,
                "AWS::EC2::NetworkAcl" => n[4] += 1,
                "AWS::EC2::NetworkAclEntry" => n[5] += 1,
                "AWS::EC2::RouteTable" => n[6] += 1,
                "AWS::EC2::Route" => n[7] += 1,
                "AWS::EC2::SubnetNetworkAclAssociation" | "AWS::EC2::SubnetRouteTableAssociation" => {
                    n[8] += 1
                }
                _ => {}
            }
            if workloads.contains_key(res.resource_type.as_str()) {
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

    fn add_template(
        &mut self,
        r: &Resolver<'_>,
        workloads: &WorkloadPaths<'_>,
        stack: usize,
        t: &SuiteTemplate,
    ) {
        for (id, res) in &t.template.resources {
            let props = &res.properties;
            let loc = |path: &'static str| Location { stack, id: id.clone(), path: Cow::Borrowed(path) };
            match res.resource_type.as_str() {
                "AWS::EC2::SecurityGroup" => self.add_group(r, stack, id, props),
                "AWS::EC2::SecurityGroupIngress" | "AWS::EC2::SecurityGroupEgress" => {
                    let direction = if res.resource_type.ends_with("Ingress") {
                        Direction::Ingress
                    } else {
                        Direction::Egress
                    };
                    let group = match props_get(props, "GroupId").or_else(|| props_get(props, "GroupName")) {
                        Some(v) => r.resolve(stack, v),
                        None => Obj::Unknown("no GroupId".into()),
                    };
                    let rule = rule(r, stack, loc("Properties"), false, group, direction, props);
                    self.rules.push(rule);
                }
                "AWS::EC2::Subnet" => {
                    let kind = subnet_kind(r, stack, id, props);
                    let cidr = props_get(props, "CidrBlock")
                        .and_then(|v| r.text_cow(stack, v))
                        .and_then(|c| c.parse().ok());
                    let vpc = props_get(props, "VpcId")
                        .map_or(Obj::Unknown("no VpcId".into()), |v| r.resolve(stack, v));
                    let name = name_tag(r, stack, props);
                    self.subnets.push(Subnet { at: loc("Properties"), vpc, cidr, name, kind });
                }
                "AWS::EC2::NetworkAcl" => self.nacls.push(loc("Properties")),
                "AWS::EC2::RouteTable" => self.route_tables.push(loc("Properties")),
                "AWS::EC2::NetworkAclEntry" => {
                    let nacl = props_get(props, "NetworkAclId")
                        .map_or(Obj::Unknown("no NetworkAclId".into()), |v| r.resolve(stack, v));
                    let proto = protocol(r, stack, props_get(props, "Protocol"));
                    let (mut from, mut to) = match proto {
                        Proto::Icmp | Proto::Icmpv6 => {
                            let icmp = props_get(props, "Icmp");
                            (
                                number(r, stack, icmp.and_then(|i| props_get(i, "Type"))).unwrap_or(-1),
                                number(r, stack, icmp.and_then(|i| props_get(i, "Code"))).unwrap_or(-1),
                            )
                        }
                        _ => {
                            let range = props_get(props, "PortRange");
                            (
                                number(r, stack, range.and_then(|i| props_get(i, "From"))).unwrap_or(-1),
                                number(r, stack, range.and_then(|i| props_get(i, "To"))).unwrap_or(-1),
                            )
                        }
                    };
                    let mut cidr = ["CidrBlock", "Ipv6CidrBlock"]
                        .iter()
                        .find_map(|k| props_get(props, k))
                        .and_then(|v| r.text_cow(stack, v))
                        .and_then(|c| c.parse().ok());
                    let egress = props_get(props, "Egress")
                        .and_then(|v| r.text_cow(stack, v))
                        .is_some_and(|t| t == "true");
                    let mut allow = props_get(props, "RuleAction")
                        .and_then(|v| r.text_cow(stack, v))
                        .is_some_and(|t| t.eq_ignore_ascii_case("allow"));
                    let rule_number = number(r, stack, props_get(props, "RuleNumber")).unwrap_or(-1);
                    if [rule_number, from, to].contains(&UNREADABLE) {
                        // An entry CloudFormation rejects matches nothing: no range, no
                        // ports, no allow (RF001 says why).
                        (from, to, allow, cidr) = (UNREADABLE, UNREADABLE, false, None);
                    }
                    let entry = NaclEntry {
                        at: loc("Properties"),
                        nacl,
                        number: rule_number,
                        direction: if egress { Direction::Egress } else { Direction::Ingress },
                        allow,
                        proto,
                        from,
                        to,
                        cidr,
                    };
                    self.nacl_entries.push(entry);
                }
                "AWS::EC2::SubnetNetworkAclAssociation" | "AWS::EC2::SubnetRouteTableAssociation" => {
                    let (kind, key) = if res.resource_type.contains("NetworkAcl") {
                        (AssociationKind::Nacl, "NetworkAclId")
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
                let named = match props_get(props, target.property) {
                    None | Some(Value::Null) => continue,
                    Some(Value::List(items)) => items.iter().collect(),
                    Some(v) => vec![v],
                };
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
            if let Some(&(groups, subnets)) = workloads.get(res.resource_type.as_str()) {
                let collect = |paths: &[&str]| -> Vec<Obj> {
                    let mut out = Vec::new();
                    for p in paths {
                        for v in at_path(props, p) {
                            match v {
                                Value::List(items) => out.extend(items.iter().map(|i| r.resolve(stack, i))),
                                other => out.push(r.resolve(stack, other)),
                            }
                        }
                    }
                    out
                };
                let workload = Workload {
                    at: loc("Properties"),
                    resource_type: res.resource_type.clone(),
                    groups: collect(groups),
                    subnets: collect(subnets),
                };
                self.workloads.push(workload);
            }
        }
    }

    fn add_group(&mut self, r: &Resolver<'_>, stack: usize, id: &LogicalId, props: &Map) {
        let text = |k: &str| props_get(props, k).and_then(|v| r.text(stack, v));
        let tag_name = name_tag(r, stack, props);
        let vpc =
            props_get(props, "VpcId").map_or(Obj::Unknown("default VPC".into()), |v| r.resolve(stack, v));
        let egress = props_get(props, "SecurityGroupEgress");
        let group = Group {
            at: Location { stack, id: id.clone(), path: Cow::Borrowed("Properties") },
            name: text("GroupName"),
            tag_name,
            description: text("GroupDescription"),
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
        for (key, direction) in
            [("SecurityGroupIngress", Direction::Ingress), ("SecurityGroupEgress", Direction::Egress)]
        {
            if let Some(Value::List(items)) = props_get(props, key) {
                for (i, item) in items.iter().enumerate() {
                    let at = Location { stack, id: id.clone(), path: inline_path(key, i) };
                    let rule = rule(r, stack, at, true, me.clone(), direction, item);
                    self.rules.push(rule);
                }
            }
        }
    }
}

/// `Properties.SecurityGroupIngress[i]` (or `…Egress[i]`), the path of a group's inline
/// rule: for the first rules of a group, a text made once for every group.
pub(crate) fn inline_path(key: &str, i: usize) -> Cow<'static, str> {
    const SHARED: usize = 64;
    static PATHS: std::sync::LazyLock<[Vec<String>; 2]> = std::sync::LazyLock::new(|| {
        ["SecurityGroupIngress", "SecurityGroupEgress"]
            .map(|key| (0..SHARED).map(|i| format!("Properties.{key}[{i}]")).collect())
    });
    let shared = match key {
        "SecurityGroupIngress" => PATHS[0].get(i),
        "SecurityGroupEgress" => PATHS[1].get(i),
        _ => None,
    };
    match shared {
        Some(path) => Cow::Borrowed(path.as_str()),
        None => Cow::Owned(format!("Properties.{key}[{i}]")),
    }
}

fn rule(
    r: &Resolver<'_>,
    stack: usize,
    at: Location,
    inline: bool,
    group: Obj,
    direction: Direction,
    props: &(impl Props + ?Sized),
) -> Rule {
    let proto = protocol(r, stack, props_get(props, "IpProtocol"));
    let mut from = number(r, stack, props_get(props, "FromPort")).unwrap_or(-1);
    let mut to = number(r, stack, props_get(props, "ToPort")).unwrap_or(-1);
    if from == UNREADABLE || to == UNREADABLE {
        // Not "all ports": a range that holds no port (RF001 reports the value).
        (from, to) = (UNREADABLE, UNREADABLE);
    }
    let (group_key, prefix_key) = match direction {
        Direction::Ingress => ("SourceSecurityGroupId", "SourcePrefixListId"),
        Direction::Egress => ("DestinationSecurityGroupId", "DestinationPrefixListId"),
    };
    let peer = if let Some(c) = props_get(props, "CidrIp").and_then(|v| r.text_cow(stack, v)) {
        c.parse().map_or(RulePeer::None, RulePeer::V4)
    } else if let Some(c) = props_get(props, "CidrIpv6").and_then(|v| r.text_cow(stack, v)) {
        c.parse().map_or(RulePeer::None, RulePeer::V6)
    } else if let Some(v) =
        props_get(props, group_key).or_else(|| props_get(props, "SourceSecurityGroupName"))
    {
        RulePeer::Group(r.resolve(stack, v))
    } else if let Some(v) = props_get(props, prefix_key) {
        RulePeer::PrefixList(r.resolve(stack, v))
    } else {
        RulePeer::None
    };
    let description = props_get(props, "Description").and_then(|v| r.text(stack, v));
    Rule { at, inline, group, direction, proto, from, to, peer, description }
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

fn subnet_kind(
    r: &Resolver<'_>,
    stack: usize,
    id: &LogicalId,
    props: &(impl Props + ?Sized),
) -> Option<String> {
    if let Some(Value::List(tags)) = props_get(props, "Tags") {
        for t in tags {
            let key = props_get(t, "Key").and_then(|k| r.text_cow(stack, k));
            if matches!(key.as_deref(), Some("ringfence:subnet-kind" | "aws-cdk:subnet-type")) {
                return props_get(t, "Value")
                    .and_then(|v| r.text_cow(stack, v))
                    .map(|v| v.to_ascii_lowercase());
            }
        }
    }
    let name = id.as_str().to_ascii_lowercase();
    ["public", "private", "isolated"].iter().find(|k| name.contains(**k)).map(|k| (*k).to_owned())
}
