//! Security group rules as CloudFormation writes them: inline in a group's
//! `SecurityGroupIngress`/`SecurityGroupEgress`, or standalone
//! `AWS::EC2::SecurityGroupIngress`/`Egress` resources. [`RuleFields`] reads the
//! property keys of either, [`rule_properties`] writes them: the mapping is spelled here
//! only.

use std::net::Ipv4Addr;

use crate::{Map, Value};

use super::{PortRange, Protocol};

/// `AWS::EC2::SecurityGroup`.
pub const SECURITY_GROUP: &str = "AWS::EC2::SecurityGroup";
/// `AWS::EC2::SecurityGroupIngress`.
pub const SECURITY_GROUP_INGRESS: &str = "AWS::EC2::SecurityGroupIngress";
/// `AWS::EC2::SecurityGroupEgress`.
pub const SECURITY_GROUP_EGRESS: &str = "AWS::EC2::SecurityGroupEgress";

/// Property keys of `AWS::EC2::SecurityGroup`.
pub mod group_keys {
    /// `GroupName`.
    pub const NAME: &str = "GroupName";
    /// `GroupDescription`.
    pub const DESCRIPTION: &str = "GroupDescription";
    /// `VpcId`.
    pub const VPC_ID: &str = "VpcId";
    /// `Tags`.
    pub const TAGS: &str = "Tags";
    /// The attribute (`Fn::GetAtt`) that is the group's id.
    pub const ID_ATTRIBUTE: &str = "GroupId";
}

/// Property keys of a rule (inline or standalone).
pub mod rule_keys {
    /// `IpProtocol`.
    pub const PROTOCOL: &str = "IpProtocol";
    /// `FromPort` (ICMP: the type).
    pub const FROM_PORT: &str = "FromPort";
    /// `ToPort` (ICMP: the code).
    pub const TO_PORT: &str = "ToPort";
    /// `CidrIp`.
    pub const CIDR_IPV4: &str = "CidrIp";
    /// `CidrIpv6`.
    pub const CIDR_IPV6: &str = "CidrIpv6";
    /// `Description`.
    pub const DESCRIPTION: &str = "Description";
    /// A standalone rule's group: `GroupId`.
    pub const GROUP_ID: &str = "GroupId";
    /// A standalone rule's group by name (default VPC only): `GroupName`.
    pub const GROUP_NAME: &str = "GroupName";
    /// An ingress rule's source group by name (default VPC only).
    pub const SOURCE_GROUP_NAME: &str = "SourceSecurityGroupName";
    /// The numeric properties, which CloudFormation rejects when they hold no number.
    pub const NUMBERS: [&str; 3] = [PROTOCOL, FROM_PORT, TO_PORT];
}

/// Ingress or egress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Into the group or subnet.
    Ingress,
    /// Out of it.
    Egress,
}

impl Direction {
    /// `ingress` or `egress`.
    pub fn word(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// `from` (ingress) or `to` (egress): `ingress tcp/443 from 10.0.0.0/8`.
    pub fn preposition(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }

    /// The resource type of a standalone rule.
    pub fn rule_type(self) -> &'static str {
        match self {
            Direction::Ingress => SECURITY_GROUP_INGRESS,
            Direction::Egress => SECURITY_GROUP_EGRESS,
        }
    }

    /// The direction of a standalone rule's resource type.
    pub fn of_rule_type(resource_type: &str) -> Option<Direction> {
        match resource_type {
            SECURITY_GROUP_INGRESS => Some(Direction::Ingress),
            SECURITY_GROUP_EGRESS => Some(Direction::Egress),
            _ => None,
        }
    }

    /// The group's property holding its inline rules: `SecurityGroupIngress` or
    /// `SecurityGroupEgress`.
    pub fn inline_key(self) -> &'static str {
        match self {
            Direction::Ingress => "SecurityGroupIngress",
            Direction::Egress => "SecurityGroupEgress",
        }
    }

    /// The key naming a peer group: `SourceSecurityGroupId` or
    /// `DestinationSecurityGroupId`.
    pub fn group_peer_key(self) -> &'static str {
        match self {
            Direction::Ingress => "SourceSecurityGroupId",
            Direction::Egress => "DestinationSecurityGroupId",
        }
    }

    /// The key naming a peer prefix list: `SourcePrefixListId` or
    /// `DestinationPrefixListId`.
    pub fn prefix_list_key(self) -> &'static str {
        match self {
            Direction::Ingress => "SourcePrefixListId",
            Direction::Egress => "DestinationPrefixListId",
        }
    }
}

/// The other end of a rule, as values of its properties (`V` is [`Value`] when writing,
/// `&Value` when reading).
#[derive(Debug, Clone, PartialEq)]
pub enum RulePeer<V> {
    /// `CidrIp`.
    Ipv4(V),
    /// `CidrIpv6`.
    Ipv6(V),
    /// `SourceSecurityGroupId`/`DestinationSecurityGroupId` (or, reading an ingress
    /// rule, `SourceSecurityGroupName`).
    Group(V),
    /// `SourcePrefixListId`/`DestinationPrefixListId`.
    PrefixList(V),
    /// None of them (a rule CloudFormation rejects).
    None,
}

impl<V> RulePeer<V> {
    /// The peer's value, `None` for [`RulePeer::None`].
    pub fn value(&self) -> Option<V>
    where
        V: Copy,
    {
        match *self {
            RulePeer::Ipv4(v) | RulePeer::Ipv6(v) | RulePeer::Group(v) | RulePeer::PrefixList(v) => Some(v),
            RulePeer::None => None,
        }
    }

    /// The same kind of peer with its value mapped.
    ///
    /// ```
    /// use ringfence_cfn::ec2::RulePeer;
    /// assert_eq!(RulePeer::Ipv4("10.0.0.0/8").map(str::len), RulePeer::Ipv4(10));
    /// assert_eq!(RulePeer::<&str>::None.map(str::len), RulePeer::None);
    /// ```
    pub fn map<W>(self, f: impl FnOnce(V) -> W) -> RulePeer<W> {
        match self {
            RulePeer::Ipv4(v) => RulePeer::Ipv4(f(v)),
            RulePeer::Ipv6(v) => RulePeer::Ipv6(f(v)),
            RulePeer::Group(v) => RulePeer::Group(f(v)),
            RulePeer::PrefixList(v) => RulePeer::PrefixList(f(v)),
            RulePeer::None => RulePeer::None,
        }
    }
}

/// The properties of a rule, as written: each `None` when absent.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFields<'v> {
    /// `IpProtocol`.
    pub protocol: Option<&'v Value>,
    /// `FromPort`.
    pub from_port: Option<&'v Value>,
    /// `ToPort`.
    pub to_port: Option<&'v Value>,
    /// The peer; the first of `CidrIp`, `CidrIpv6`, the group, the prefix list.
    pub peer: RulePeer<&'v Value>,
    /// `Description`.
    pub description: Option<&'v Value>,
}

impl<'v> RuleFields<'v> {
    /// Reads a rule of `direction`: an inline rule (an item of the group's list) or a
    /// standalone rule's properties. Anything else than a map reads as a rule with no
    /// property.
    pub fn read(direction: Direction, rule: &'v Value) -> RuleFields<'v> {
        static EMPTY: std::sync::LazyLock<Map> = std::sync::LazyLock::new(Map::new);
        match rule {
            Value::Map(m) => RuleFields::read_map(direction, m),
            _ => RuleFields::read_map(direction, &EMPTY),
        }
    }

    /// Reads a rule's properties from a map.
    pub fn read_map(direction: Direction, m: &'v Map) -> RuleFields<'v> {
        let peer = if let Some(v) = m.get(rule_keys::CIDR_IPV4) {
            RulePeer::Ipv4(v)
        } else if let Some(v) = m.get(rule_keys::CIDR_IPV6) {
            RulePeer::Ipv6(v)
        } else if let Some(v) = m.get(direction.group_peer_key()).or_else(|| match direction {
            Direction::Ingress => m.get(rule_keys::SOURCE_GROUP_NAME),
            Direction::Egress => None,
        }) {
            RulePeer::Group(v)
        } else if let Some(v) = m.get(direction.prefix_list_key()) {
            RulePeer::PrefixList(v)
        } else {
            RulePeer::None
        };
        RuleFields {
            protocol: m.get(rule_keys::PROTOCOL),
            from_port: m.get(rule_keys::FROM_PORT),
            to_port: m.get(rule_keys::TO_PORT),
            peer,
            description: m.get(rule_keys::DESCRIPTION),
        }
    }

    /// The numeric properties with their keys, for a reader reporting what holds no
    /// number.
    pub fn numbers(&self) -> [(&'static str, Option<&'v Value>); 3] {
        [
            (rule_keys::PROTOCOL, self.protocol),
            (rule_keys::FROM_PORT, self.from_port),
            (rule_keys::TO_PORT, self.to_port),
        ]
    }
}

/// The properties of a rule, in CloudFormation's order: `IpProtocol`, `FromPort`,
/// `ToPort` (none for every protocol), the peer, `Description`. A standalone rule adds
/// its `GroupId` first ([`standalone_rule`]).
pub fn rule_properties(
    direction: Direction,
    ports: PortRange,
    peer: RulePeer<Value>,
    description: Value,
) -> Map {
    let mut m = Map::with_capacity(6);
    write_rule(&mut m, direction, ports, peer, description);
    m
}

/// A standalone rule resource's properties: `GroupId`, then [`rule_properties`].
pub fn standalone_rule(
    group_id: Value,
    direction: Direction,
    ports: PortRange,
    peer: RulePeer<Value>,
    description: Value,
) -> Map {
    let mut m = Map::with_capacity(7);
    m.insert(rule_keys::GROUP_ID, group_id);
    write_rule(&mut m, direction, ports, peer, description);
    m
}

fn write_rule(
    m: &mut Map,
    direction: Direction,
    ports: PortRange,
    peer: RulePeer<Value>,
    description: Value,
) {
    m.insert(rule_keys::PROTOCOL, ports.protocol().cfn_name().into_owned());
    if let Some((from, to)) = ports.cfn_ports() {
        m.insert(rule_keys::FROM_PORT, from);
        m.insert(rule_keys::TO_PORT, to);
    }
    match peer {
        RulePeer::Ipv4(v) => m.insert(rule_keys::CIDR_IPV4, v),
        RulePeer::Ipv6(v) => m.insert(rule_keys::CIDR_IPV6, v),
        RulePeer::Group(v) => m.insert(direction.group_peer_key(), v),
        RulePeer::PrefixList(v) => m.insert(direction.prefix_list_key(), v),
        RulePeer::None => None,
    };
    m.insert(rule_keys::DESCRIPTION, description);
}

/// The egress rule ringfence (like the AWS CDK) gives a group that has none, so that
/// EC2 adds no allow-all egress rule: ICMP type 252 code 86 to `255.255.255.255/32`,
/// which matches no packet.
pub mod no_egress {
    use std::net::Ipv4Addr;

    use super::super::{PortRange, Protocol};

    /// Its ports: ICMP type 252, code 86.
    pub const PORTS: PortRange = PortRange::new(Protocol::Icmp, 252, 86);
    /// Its peer, the limited broadcast address, which no rule ever needs to reach.
    pub const ADDRESS: Ipv4Addr = Ipv4Addr::BROADCAST;
    /// Its peer as `CidrIp`.
    pub const CIDR: &str = "255.255.255.255/32";
    /// Its description.
    pub const DESCRIPTION: &str =
        "No egress: placeholder that matches no traffic, so EC2 adds no allow-all rule";
    /// How a finding or a hint names it.
    pub const SUMMARY: &str = "a placeholder that matches no traffic (255.255.255.255/32, ICMP 252/86)";
}

/// The placeholder rule's properties ([`no_egress`]).
pub fn no_egress_rule() -> Map {
    rule_properties(
        Direction::Egress,
        no_egress::PORTS,
        RulePeer::Ipv4(no_egress::CIDR.into()),
        no_egress::DESCRIPTION.into(),
    )
}

/// Whether an egress rule with these ports to this IPv4 range (address and prefix
/// length) is the [`no_egress`] placeholder.
pub fn is_no_egress(direction: Direction, ports: PortRange, peer_v4: Option<(Ipv4Addr, u8)>) -> bool {
    direction == Direction::Egress
        && ports.protocol() == Protocol::Icmp
        && ports == no_egress::PORTS
        && peer_v4 == Some((no_egress::ADDRESS, 32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_rules_read_back() {
        let m = rule_properties(
            Direction::Egress,
            PortRange::new(Protocol::Tcp, 443, 443),
            RulePeer::PrefixList("pl-123".into()),
            "to S3".into(),
        );
        let keys: Vec<&str> = m.keys().collect();
        assert_eq!(keys, ["IpProtocol", "FromPort", "ToPort", "DestinationPrefixListId", "Description"]);
        let f = RuleFields::read_map(Direction::Egress, &m);
        assert_eq!(f.protocol, Some(&Value::from("tcp")));
        assert_eq!(f.from_port, Some(&Value::from(443)));
        assert_eq!(f.peer, RulePeer::PrefixList(&Value::from("pl-123")));
        // Read in the other direction, the key is not a peer.
        assert_eq!(RuleFields::read_map(Direction::Ingress, &m).peer, RulePeer::None);
    }

    #[test]
    fn every_protocol_has_no_ports() {
        let m = rule_properties(
            Direction::Ingress,
            PortRange::ALL_TRAFFIC,
            RulePeer::Ipv4("10.0.0.0/8".into()),
            "x".into(),
        );
        assert_eq!(m.keys().collect::<Vec<_>>(), ["IpProtocol", "CidrIp", "Description"]);
        assert_eq!(m.get("IpProtocol"), Some(&Value::from("-1")));
    }

    #[test]
    fn standalone_rules_name_their_group_first() {
        let m = standalone_rule(
            "sg-1".into(),
            Direction::Ingress,
            PortRange::new(Protocol::Udp, 53, 53),
            RulePeer::Group("sg-2".into()),
            "dns".into(),
        );
        assert_eq!(
            m.keys().collect::<Vec<_>>(),
            ["GroupId", "IpProtocol", "FromPort", "ToPort", "SourceSecurityGroupId", "Description"]
        );
    }

    #[test]
    fn the_placeholder_is_recognised_and_nothing_else() {
        let m = no_egress_rule();
        assert_eq!(m.get("CidrIp"), Some(&Value::from("255.255.255.255/32")));
        let b = Some((Ipv4Addr::BROADCAST, 32));
        assert!(is_no_egress(Direction::Egress, no_egress::PORTS, b));
        assert!(!is_no_egress(Direction::Ingress, no_egress::PORTS, b));
        assert!(!is_no_egress(Direction::Egress, PortRange::new(Protocol::Icmp, 252, 85), b));
        assert!(!is_no_egress(Direction::Egress, PortRange::new(Protocol::Icmpv6, 252, 86), b));
        assert!(!is_no_egress(Direction::Egress, no_egress::PORTS, Some((Ipv4Addr::BROADCAST, 31))));
        assert!(!is_no_egress(Direction::Egress, no_egress::PORTS, None));
    }
}
