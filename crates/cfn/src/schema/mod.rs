//! Facts AWS publishes about resource types, generated from CloudFormation's resource
//! schemas by `scripts/gen_network_targets.py` (never typed by hand).
//!
//! [`network_targets`] answers the ring-fence question for any resource type: which of
//! its properties name a network object as the thing the resource *changes or attaches
//! to*. A resource with such a property belongs in the template that creates the object
//! it names; naming the object as a *member* (an instance in a subnet, a service joining
//! a group) or as a *peer* (a rule's source, a route's target) changes nothing and is
//! not in the table. The script's header states the rule.
//!
//! ```
//! use ringfence_cfn::schema::{network_targets, NetworkObject};
//! let cidr = network_targets("AWS::EC2::VPCCidrBlock");
//! assert_eq!((cidr[0].property, cidr[0].object), ("VpcId", NetworkObject::Vpc));
//! // Rules change their group; their peer is only named.
//! let rule = network_targets("AWS::EC2::SecurityGroupIngress");
//! assert_eq!(rule.iter().map(|t| t.property).collect::<Vec<_>>(), ["GroupId"]);
//! // A workload placed in a subnet, in groups, changes neither.
//! assert!(network_targets("AWS::EC2::Instance").is_empty());
//! assert!(network_targets("AWS::Lambda::Function").is_empty());
//! ```

mod network_targets;

/// A kind of network object that a resource can change or attach to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum NetworkObject {
    /// A VPC (`AWS::EC2::VPC`).
    Vpc,
    /// A subnet.
    Subnet,
    /// A VPC route table.
    RouteTable,
    /// A network ACL.
    NetworkAcl,
    /// A security group.
    SecurityGroup,
    /// A gateway: internet, egress-only, VPN, NAT, transit, carrier or local.
    Gateway,
    /// A transit or local gateway's route (or policy) table.
    GatewayRouteTable,
    /// A VPC endpoint.
    VpcEndpoint,
}

impl NetworkObject {
    /// How messages name the kind, e.g. `route table`.
    pub fn noun(self) -> &'static str {
        match self {
            NetworkObject::Vpc => "VPC",
            NetworkObject::Subnet => "subnet",
            NetworkObject::RouteTable => "route table",
            NetworkObject::NetworkAcl => "network ACL",
            NetworkObject::SecurityGroup => "security group",
            NetworkObject::Gateway => "gateway",
            NetworkObject::GatewayRouteTable => "gateway route table",
            NetworkObject::VpcEndpoint => "VPC endpoint",
        }
    }
}

/// One property of a resource type that names the network object it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The top-level property, e.g. `VpcId`.
    pub property: &'static str,
    /// What it names.
    pub object: NetworkObject,
    /// Whether it takes a list of ids (e.g. `RouteTableIds`).
    pub list: bool,
}

/// The properties of `resource_type` that name a network object it changes or attaches
/// to; empty for a type that changes none (or that the schemas do not know).
pub fn network_targets(resource_type: &str) -> &'static [Target] {
    network_targets::TABLE
        .binary_search_by(|(t, _)| (*t).cmp(resource_type))
        .map_or(&[], |i| network_targets::TABLE[i].1)
}

/// Every resource type the table lists, with its target properties, sorted by type.
pub fn all_network_targets() -> impl Iterator<Item = (&'static str, &'static [Target])> {
    network_targets::TABLE.iter().copied()
}

/// The version of cfn-lint whose bundled schemas the table was generated from.
pub const SCHEMA_SOURCE: &str = network_targets::SOURCE;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_for_binary_search() {
        let types: Vec<&str> = network_targets::TABLE.iter().map(|(t, _)| *t).collect();
        let mut sorted = types.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(types, sorted);
    }

    /// The escapes issue 11 found, each decided by the generated table.
    #[test]
    fn the_issue_11_escapes_are_targets() {
        let expect = [
            ("AWS::EC2::VPCCidrBlock", "VpcId", NetworkObject::Vpc),
            ("AWS::EC2::SecurityGroupVpcAssociation", "GroupId", NetworkObject::SecurityGroup),
            ("AWS::EC2::SecurityGroupVpcAssociation", "VpcId", NetworkObject::Vpc),
            ("AWS::EC2::VPCGatewayAttachment", "VpcId", NetworkObject::Vpc),
            ("AWS::EC2::TransitGatewayRoute", "TransitGatewayRouteTableId", NetworkObject::GatewayRouteTable),
            ("AWS::EC2::VPCEndpoint", "RouteTableIds", NetworkObject::RouteTable),
            ("AWS::EC2::Route", "RouteTableId", NetworkObject::RouteTable),
            ("AWS::EC2::NetworkAclEntry", "NetworkAclId", NetworkObject::NetworkAcl),
            ("AWS::EC2::SubnetRouteTableAssociation", "SubnetId", NetworkObject::Subnet),
            ("AWS::EC2::SecurityGroupEgress", "GroupId", NetworkObject::SecurityGroup),
        ];
        for (t, p, o) in expect {
            assert!(
                network_targets(t).iter().any(|x| x.property == p && x.object == o),
                "{t}.{p} should target a {}",
                o.noun()
            );
        }
    }

    #[test]
    fn members_and_peers_are_not_targets() {
        for t in [
            "AWS::EC2::SecurityGroup",
            "AWS::ECS::Service",
            "AWS::RDS::DBSubnetGroup",
            "AWS::EFS::MountTarget",
        ] {
            assert!(network_targets(t).is_empty(), "{t}");
        }
        let route: Vec<&str> = network_targets("AWS::EC2::Route").iter().map(|t| t.property).collect();
        assert_eq!(route, ["RouteTableId"], "a route's gateway is its target, not what it changes");
    }
}
