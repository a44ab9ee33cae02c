//! # The EC2 vocabulary
//!
//! The network facts that the builder (`ringfence`) writes and the analyzer
//! (`ringfence-analyze`) reads, each defined once: protocols and port ranges with one
//! text form ([`Protocol`], [`PortRange`]), directions ([`Direction`]), the property keys
//! of security groups, rules and network ACL entries with a writer and a reader for each
//! ([`rule_properties`] / [`RuleFields`], [`nacl_entry_properties`] /
//! [`NaclEntryFields`]), the no-egress placeholder and its recogniser ([`no_egress`],
//! [`is_no_egress`]), the ephemeral ports, subnet kinds and their tag ([`SubnetKind`]),
//! and the quotas ([`quota`]). A fact AWS could change lives here and nowhere else.
//!
//! ```
//! use ringfence_cfn::ec2::{rule_properties, Direction, PortRange, RuleFields, RulePeer};
//!
//! let https: PortRange = "tcp/443".parse()?;
//! let rule = rule_properties(Direction::Ingress, https, RulePeer::Ipv4("10.0.0.0/8".into()), "from the office".into());
//! let read = RuleFields::read_map(Direction::Ingress, &rule);
//! assert_eq!(read.from_port, Some(&ringfence_cfn::Value::from(443)));
//! assert_eq!(read.peer, RulePeer::Ipv4(&"10.0.0.0/8".into()));
//! # Ok::<(), ringfence_cfn::ec2::PortRangeError>(())
//! ```

mod nacl;
mod ports;
pub mod quota;
mod rules;
mod subnet;

pub use nacl::{
    entry_keys, nacl_entry_properties, NaclEntryFields, NaclEntryParts, EPHEMERAL_PORTS, NACL_RULE_NUMBERS,
    NETWORK_ACL, NETWORK_ACL_ENTRY,
};
pub use ports::{PortRange, PortRangeError, Protocol};
pub use rules::{
    group_keys, is_no_egress, no_egress, no_egress_rule, rule_keys, rule_properties, standalone_rule,
    Direction, RuleFields, RulePeer, SECURITY_GROUP, SECURITY_GROUP_EGRESS, SECURITY_GROUP_INGRESS,
};
pub use subnet::{SubnetKind, CDK_SUBNET_TYPE_TAG, CIDR_BLOCK_KEY, SUBNET, SUBNET_KIND_TAG, VPC};
