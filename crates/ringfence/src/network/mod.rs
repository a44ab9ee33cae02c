//! The layers under the security groups: VPCs, subnets, routes, NAT, NACLs, endpoints
//! and flow logs.

pub(crate) mod handles;
pub(crate) mod layout;
pub(crate) mod nacl;
pub(crate) mod plan;
pub(crate) mod spec;
mod stack_api;
