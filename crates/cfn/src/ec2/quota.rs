//! The EC2 quotas a template can run into, with AWS's defaults
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html>).

/// Inbound (and, separately, outbound) rules per security group, per address family,
/// by default; rules x groups per interface stays at most 1,000.
pub const RULES_PER_GROUP: usize = 60;
/// Security groups per network interface by default.
pub const GROUPS_PER_INTERFACE: usize = 5;
/// Security groups per network interface at most, after a quota increase.
pub const MAX_GROUPS_PER_INTERFACE: usize = 16;
/// Security groups per Region by default (adjustable).
pub const GROUPS_PER_REGION: usize = 2_500;
/// Availability Zones in the largest Region (us-east-1).
pub const MAX_AZS_IN_A_REGION: usize = 6;
