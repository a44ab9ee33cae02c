//! Network ACL entries as CloudFormation writes them (`AWS::EC2::NetworkAclEntry`):
//! [`NaclEntryFields`] reads the keys, [`nacl_entry_properties`] writes them.

use crate::{Map, Value};

use super::{Direction, PortRange, Protocol};

/// `AWS::EC2::NetworkAcl`.
pub const NETWORK_ACL: &str = "AWS::EC2::NetworkAcl";
/// `AWS::EC2::NetworkAclEntry`.
pub const NETWORK_ACL_ENTRY: &str = "AWS::EC2::NetworkAclEntry";

/// Lowest and highest rule numbers of an entry (32767 is AWS's default deny).
pub const NACL_RULE_NUMBERS: std::ops::RangeInclusive<u32> = 1..=32766;

/// Ephemeral ports that return traffic uses: 1024-65535 covers Linux, Windows, ELB and
/// NAT gateway clients.
pub const EPHEMERAL_PORTS: (u16, u16) = (1024, 65535);

/// Property keys of `AWS::EC2::NetworkAclEntry`.
pub mod entry_keys {
    /// `NetworkAclId`.
    pub const NETWORK_ACL_ID: &str = "NetworkAclId";
    /// `RuleNumber`.
    pub const RULE_NUMBER: &str = "RuleNumber";
    /// `Egress`.
    pub const EGRESS: &str = "Egress";
    /// `RuleAction`.
    pub const RULE_ACTION: &str = "RuleAction";
    /// `Protocol`.
    pub const PROTOCOL: &str = "Protocol";
    /// `CidrBlock`.
    pub const CIDR_IPV4: &str = "CidrBlock";
    /// `Ipv6CidrBlock`.
    pub const CIDR_IPV6: &str = "Ipv6CidrBlock";
    /// `PortRange` (`From`, `To`).
    pub const PORT_RANGE: &str = "PortRange";
    /// `Icmp` (`Type`, `Code`).
    pub const ICMP: &str = "Icmp";
    /// The numeric properties, as paths, which CloudFormation rejects when they hold no
    /// number.
    pub const NUMBERS: [&str; 6] =
        ["Protocol", "RuleNumber", "PortRange.From", "PortRange.To", "Icmp.Type", "Icmp.Code"];
}

/// The properties of an entry, as written: each `None` when absent.
#[derive(Debug, Clone, PartialEq)]
pub struct NaclEntryFields<'v> {
    /// `NetworkAclId`.
    pub network_acl: Option<&'v Value>,
    /// `RuleNumber`.
    pub rule_number: Option<&'v Value>,
    /// `Egress`.
    pub egress: Option<&'v Value>,
    /// `RuleAction`.
    pub rule_action: Option<&'v Value>,
    /// `Protocol`.
    pub protocol: Option<&'v Value>,
    /// `CidrBlock`, else `Ipv6CidrBlock`.
    pub cidr: Option<&'v Value>,
    /// `PortRange.From`.
    pub port_from: Option<&'v Value>,
    /// `PortRange.To`.
    pub port_to: Option<&'v Value>,
    /// `Icmp.Type`.
    pub icmp_type: Option<&'v Value>,
    /// `Icmp.Code`.
    pub icmp_code: Option<&'v Value>,
}

impl<'v> NaclEntryFields<'v> {
    /// Reads an entry's properties.
    pub fn read(m: &'v Map) -> NaclEntryFields<'v> {
        let inner = |outer: &str, key: &str| match m.get(outer) {
            Some(Value::Map(inner)) => inner.get(key),
            _ => None,
        };
        NaclEntryFields {
            network_acl: m.get(entry_keys::NETWORK_ACL_ID),
            rule_number: m.get(entry_keys::RULE_NUMBER),
            egress: m.get(entry_keys::EGRESS),
            rule_action: m.get(entry_keys::RULE_ACTION),
            protocol: m.get(entry_keys::PROTOCOL),
            cidr: m.get(entry_keys::CIDR_IPV4).or_else(|| m.get(entry_keys::CIDR_IPV6)),
            port_from: inner(entry_keys::PORT_RANGE, "From"),
            port_to: inner(entry_keys::PORT_RANGE, "To"),
            icmp_type: inner(entry_keys::ICMP, "Type"),
            icmp_code: inner(entry_keys::ICMP, "Code"),
        }
    }

    /// The `From`/`To` (or ICMP `Type`/`Code`) values that apply to `protocol`.
    pub fn ports(&self, protocol: Protocol) -> (Option<&'v Value>, Option<&'v Value>) {
        if protocol.is_icmp() {
            (self.icmp_type, self.icmp_code)
        } else {
            (self.port_from, self.port_to)
        }
    }

    /// The numeric properties with their paths ([`entry_keys::NUMBERS`]).
    pub fn numbers(&self) -> [(&'static str, Option<&'v Value>); 6] {
        let n = entry_keys::NUMBERS;
        [
            (n[0], self.protocol),
            (n[1], self.rule_number),
            (n[2], self.port_from),
            (n[3], self.port_to),
            (n[4], self.icmp_type),
            (n[5], self.icmp_code),
        ]
    }
}

/// What an entry says, for [`nacl_entry_properties`].
#[derive(Debug, Clone, PartialEq)]
pub struct NaclEntryParts {
    /// The ACL (`NetworkAclId`).
    pub network_acl: Value,
    /// `RuleNumber`.
    pub number: u32,
    /// Ingress or egress.
    pub direction: Direction,
    /// Allow or deny.
    pub allow: bool,
    /// Protocol and ports (ICMP: type and code).
    pub ports: PortRange,
    /// The range, IPv4 or IPv6 (`Ipv6CidrBlock` when it holds a `:`).
    pub cidr: String,
}

/// The properties of an entry, in this order: `NetworkAclId`, `RuleNumber`, `Egress`,
/// `RuleAction`, `Protocol` (a number), the range, then `PortRange` or `Icmp` (none for
/// every protocol).
pub fn nacl_entry_properties(e: NaclEntryParts) -> Map {
    let mut m = Map::with_capacity(8);
    m.insert(entry_keys::NETWORK_ACL_ID, e.network_acl);
    m.insert(entry_keys::RULE_NUMBER, e.number);
    m.insert(entry_keys::EGRESS, e.direction == Direction::Egress);
    m.insert(entry_keys::RULE_ACTION, if e.allow { "allow" } else { "deny" });
    m.insert(entry_keys::PROTOCOL, i64::from(e.ports.protocol().number()));
    let key = if e.cidr.contains(':') { entry_keys::CIDR_IPV6 } else { entry_keys::CIDR_IPV4 };
    m.insert(key, e.cidr);
    if let Some((from, to)) = e.ports.cfn_ports() {
        if e.ports.protocol().is_icmp() {
            m.insert(entry_keys::ICMP, Value::map().with("Type", from).with("Code", to));
        } else {
            m.insert(entry_keys::PORT_RANGE, Value::map().with("From", from).with("To", to));
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_entries_read_back() {
        let m = nacl_entry_properties(NaclEntryParts {
            network_acl: "acl-1".into(),
            number: 100,
            direction: Direction::Egress,
            allow: false,
            ports: PortRange::new(Protocol::Icmpv6, 128, 0),
            cidr: "2001:db8::/32".into(),
        });
        let keys: Vec<&str> = m.keys().collect();
        assert_eq!(
            keys,
            ["NetworkAclId", "RuleNumber", "Egress", "RuleAction", "Protocol", "Ipv6CidrBlock", "Icmp"]
        );
        let f = NaclEntryFields::read(&m);
        assert_eq!(f.protocol, Some(&Value::from(58)));
        assert_eq!(f.egress, Some(&Value::from(true)));
        assert_eq!(f.rule_action, Some(&Value::from("deny")));
        assert_eq!(f.ports(Protocol::Icmpv6), (Some(&Value::from(128)), Some(&Value::from(0))));
        assert_eq!(f.ports(Protocol::Tcp), (None, None));
        assert_eq!(f.cidr, Some(&Value::from("2001:db8::/32")));
    }

    #[test]
    fn tcp_entries_write_a_port_range() {
        let m = nacl_entry_properties(NaclEntryParts {
            network_acl: "acl-1".into(),
            number: 7,
            direction: Direction::Ingress,
            allow: true,
            ports: PortRange::new(Protocol::Tcp, EPHEMERAL_PORTS.0.into(), EPHEMERAL_PORTS.1.into()),
            cidr: "10.0.0.0/8".into(),
        });
        let f = NaclEntryFields::read(&m);
        assert_eq!(f.ports(Protocol::Tcp), (Some(&Value::from(1024)), Some(&Value::from(65535))));
        assert_eq!(f.protocol, Some(&Value::from(6)));
        assert_eq!(m.get("CidrBlock"), Some(&Value::from("10.0.0.0/8")));
        let all = nacl_entry_properties(NaclEntryParts {
            ports: PortRange::ALL_TRAFFIC,
            ..NaclEntryParts {
                network_acl: "a".into(),
                number: 1,
                direction: Direction::Ingress,
                allow: true,
                ports: PortRange::ALL_TRAFFIC,
                cidr: "0.0.0.0/0".into(),
            }
        });
        assert_eq!(all.get("Protocol"), Some(&Value::from(-1)));
        assert!(!all.contains_key("PortRange") && !all.contains_key("Icmp"));
    }
}
