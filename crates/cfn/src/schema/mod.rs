//! Facts AWS publishes about resource types, generated from CloudFormation's resource
//! schemas by `scripts/gen_network_targets.py` and `scripts/gen_group_members.py` (never
//! typed by hand).
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
//!
//! [`group_members`] answers the membership question: where a resource type's properties
//! name the security groups its network interfaces join (and the subnets they are in),
//! for every type that has such a property, SAM's `AWS::Serverless::*` included.
//!
//! ```
//! use ringfence_cfn::schema::group_members;
//! let dms = group_members("AWS::DMS::ReplicationInstance").unwrap();
//! assert_eq!(dms.groups, ["VpcSecurityGroupIds"]);
//! let function = group_members("AWS::Serverless::Function").unwrap();
//! assert_eq!((function.groups, function.subnets), (&["VpcConfig.SecurityGroupIds"][..], &["VpcConfig.SubnetIds"][..]));
//! // A group's own properties and its rules' peers are no membership.
//! assert!(group_members("AWS::EC2::SecurityGroup").is_none());
//! assert!(group_members("AWS::EC2::SecurityGroupIngress").is_none());
//! ```

mod create_only;
mod group_members;
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

/// The version of cfn-lint whose bundled schemas the tables were generated from.
pub const SCHEMA_SOURCE: &str = network_targets::SOURCE;

// Both tables come from one release of cfn-lint: regenerate them together.
const _: () = assert!(
    same_text(network_targets::SOURCE, group_members::SOURCE),
    "network_targets.rs and group_members.rs come from different cfn-lint releases: run both scripts"
);

const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Where a resource type's properties name the security groups its network interfaces
/// join, and the subnets they are in ([`group_members`]).
///
/// A path is written `A.B[].C`: the property `C` of every item of the list `B` of the
/// object `A`. The property at its end holds one id or a list of ids (group *names*
/// where EC2 takes them, as an instance's `SecurityGroups`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupMembers {
    /// The paths that take security groups, shallowest first.
    pub groups: &'static [&'static str],
    /// The paths that take subnets, shallowest first.
    pub subnets: &'static [&'static str],
}

/// Where `resource_type`'s network interfaces join security groups; `None` for a type
/// with no such property (or that the schemas do not know).
pub fn group_members(resource_type: &str) -> Option<&'static GroupMembers> {
    group_members::TABLE
        .binary_search_by(|(t, _)| (*t).cmp(resource_type))
        .ok()
        .map(|i| &group_members::TABLE[i].1)
}

/// Every resource type whose interfaces join security groups, sorted by type.
pub fn all_group_members() -> impl Iterator<Item = (&'static str, &'static GroupMembers)> {
    group_members::TABLE.iter().map(|(t, m)| (*t, m))
}

/// The create-only properties of `resource_type` (changing one replaces the resource),
/// as paths below `/properties/` (`Key/Sub`; `*` for every item of a list), for every
/// `AWS::EC2::*` type and every type of the network tables; `None` for another type.
/// Generated from CloudFormation's resource schemas by `scripts/gen_create_only.py`
/// ([`CREATE_ONLY_SOURCE`]).
///
/// ```
/// use ringfence_cfn::schema::create_only_properties;
/// assert_eq!(
///     create_only_properties("AWS::EC2::SecurityGroup"),
///     Some(&["GroupDescription", "GroupName", "VpcId"][..])
/// );
/// ```
pub fn create_only_properties(resource_type: &str) -> Option<&'static [&'static str]> {
    create_only::TABLE
        .binary_search_by(|(t, _)| (*t).cmp(resource_type))
        .ok()
        .map(|i| create_only::TABLE[i].1)
}

/// The release of cfn-lint whose bundled schemas (us-east-1) [`create_only_properties`]
/// was generated from.
pub const CREATE_ONLY_SOURCE: &str = create_only::SOURCE;

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

    #[test]
    fn group_members_are_sorted_for_binary_search() {
        let types: Vec<&str> = group_members::TABLE.iter().map(|(t, _)| *t).collect();
        let mut sorted = types.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(types, sorted);
        assert!(!same_text("cfn-lint 1.58.0", "cfn-lint 1.58.1"));
    }

    /// The escapes issue 13 found (RF603 false 10 times of 11), and the hand list's
    /// types, each in the generated table.
    #[test]
    fn the_issue_13_members_are_in_the_table() {
        let expect = [
            ("AWS::AutoScaling::LaunchConfiguration", "SecurityGroups"),
            ("AWS::DMS::ReplicationInstance", "VpcSecurityGroupIds"),
            ("AWS::Neptune::DBCluster", "VpcSecurityGroupIds"),
            ("AWS::Serverless::Function", "VpcConfig.SecurityGroupIds"),
            ("AWS::EC2::Instance", "SecurityGroupIds"),
            ("AWS::EC2::Instance", "SecurityGroups"),
            ("AWS::EC2::Instance", "NetworkInterfaces[].GroupSet"),
            ("AWS::EC2::LaunchTemplate", "LaunchTemplateData.SecurityGroupIds"),
            ("AWS::EC2::LaunchTemplate", "LaunchTemplateData.NetworkInterfaces[].Groups"),
            ("AWS::EC2::NetworkInterface", "GroupSet"),
            ("AWS::ECS::Service", "NetworkConfiguration.AwsvpcConfiguration.SecurityGroups"),
            ("AWS::Lambda::Function", "VpcConfig.SecurityGroupIds"),
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "SecurityGroups"),
            ("AWS::RDS::DBInstance", "VPCSecurityGroups"),
            ("AWS::RDS::DBCluster", "VpcSecurityGroupIds"),
            ("AWS::ElastiCache::ReplicationGroup", "SecurityGroupIds"),
            ("AWS::ElastiCache::CacheCluster", "VpcSecurityGroupIds"),
            ("AWS::EC2::VPCEndpoint", "SecurityGroupIds"),
            ("AWS::EFS::MountTarget", "SecurityGroups"),
            ("AWS::OpenSearchService::Domain", "VPCOptions.SecurityGroupIds"),
            ("AWS::MSK::Cluster", "BrokerNodeGroupInfo.SecurityGroups"),
            ("AWS::Batch::ComputeEnvironment", "ComputeResources.SecurityGroupIds"),
            ("AWS::CodeBuild::Project", "VpcConfig.SecurityGroupIds"),
        ];
        for (t, p) in expect {
            let m = group_members(t).unwrap_or_else(|| panic!("{t} is not in the table"));
            assert!(m.groups.contains(&p), "{t}.{p} should take groups: {:?}", m.groups);
        }
        let subnets = [
            ("AWS::ECS::Service", "NetworkConfiguration.AwsvpcConfiguration.Subnets"),
            ("AWS::EC2::Instance", "SubnetId"),
            ("AWS::Lambda::Function", "VpcConfig.SubnetIds"),
            ("AWS::Serverless::Function", "VpcConfig.SubnetIds"),
            ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Subnets"),
        ];
        for (t, p) in subnets {
            assert!(group_members(t).is_some_and(|m| m.subnets.contains(&p)), "{t}.{p} should take subnets");
        }
    }

    #[test]
    fn groups_rules_peers_and_outputs_are_not_members() {
        for t in [
            "AWS::EC2::SecurityGroup",
            "AWS::EC2::SecurityGroupIngress",
            "AWS::EC2::SecurityGroupEgress",
            "AWS::RDS::DBSecurityGroupIngress",
            "AWS::EC2::VPC",
            "AWS::AutoScaling::AutoScalingGroup",
        ] {
            assert_eq!(group_members(t), None, "{t}");
        }
        let nodes = group_members("AWS::EKS::Nodegroup");
        assert!(nodes.is_none_or(|m| m.groups.iter().all(|p| !p.contains("SourceSecurityGroups"))));
        let eks = group_members("AWS::EKS::Cluster").map(|m| m.groups);
        assert_eq!(
            eks,
            Some(&["ResourcesVpcConfig.SecurityGroupIds"][..]),
            "ClusterSecurityGroupId is read-only"
        );
        let medialive = group_members("AWS::MediaLive::Input").map(|m| m.groups);
        assert_eq!(medialive, Some(&["Vpc.SecurityGroupIds"][..]), "input security groups are MediaLive's");
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
