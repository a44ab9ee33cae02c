//! A VPC description checked and planned: what synthesis renders and what handles can
//! tell (subnet CIDRs for NACL entries, groups by name or kind).

use ipnet::Ipv4Net;

use super::plan::{plan, Request};
use super::spec::{
    FlowLogDestination, FlowLogs, SubnetKind, VpcSpec, DEFAULT_AZS, LOG_RETENTION_DAYS, MAX_AZS_IN_A_REGION,
};
use crate::peer::parse_ipv4;
use crate::{validate, Error};

/// Most subnets a VPC with IPv6 can have: its /56 holds 256 /64s.
const MAX_IPV6_SUBNETS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct VpcLayout {
    pub cidr: Ipv4Net,
    pub dns: bool,
    pub az_count: usize,
    /// Explicit AZ names (the first `az_count`), or empty for `Fn::GetAZs`.
    pub az_names: Vec<String>,
    pub groups: Vec<PlannedGroup>,
    pub nat_gateways: usize,
    pub ipv6: bool,
    pub flow_logs: Option<FlowLogs>,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PlannedGroup {
    pub name: String,
    /// `None`: reserved room, nothing is created.
    pub kind: Option<SubnetKind>,
    pub map_public_ip: bool,
    /// One per AZ.
    pub cidrs: Vec<Ipv4Net>,
}

impl VpcLayout {
    /// The first public group, where NAT gateways go.
    pub fn nat_group(&self) -> Option<usize> {
        self.groups.iter().position(|g| g.kind == Some(SubnetKind::Public))
    }

    pub fn has(&self, kind: SubnetKind) -> bool {
        self.groups.iter().any(|g| g.kind == Some(kind))
    }

    /// Index of the subnet's position among all created subnets (for IPv6 /64s).
    pub fn subnet_ordinal(&self, group: usize, az: usize) -> usize {
        let before: usize = self.groups[..group].iter().filter(|g| g.kind.is_some()).count();
        before * self.az_count + az
    }
}

fn invalid(construct: &str, problem: impl Into<String>, hint: impl Into<String>) -> Error {
    Error::InvalidVpc { construct: construct.to_owned(), problem: problem.into(), hint: hint.into() }
}

/// Checks `spec` and plans its subnets. `path` is the VPC's construct path.
pub(crate) fn layout(path: &str, spec: VpcSpec) -> Result<VpcLayout, Error> {
    // AZs.
    let names_given = spec.az_names.as_ref().map(Vec::len);
    if names_given == Some(0) {
        return Err(invalid(path, "names no AZs (`az_names([])`)", "name at least one AZ, or drop the call"));
    }
    let az_count = match (spec.az_count, names_given.unwrap_or(0)) {
        (Some(0), _) => {
            return Err(invalid(
                path,
                "spans 0 AZs",
                "a VPC needs at least one AZ; two or more for availability",
            ))
        }
        (Some(n), names) if names > 0 && n > names => {
            return Err(invalid(
                path,
                format!("asks for {n} AZs but names only {names}"),
                "name as many AZs as the count, or drop the count",
            ))
        }
        (Some(n), _) => n,
        (None, 0) => DEFAULT_AZS,
        (None, names) => names,
    };
    if az_count > MAX_AZS_IN_A_REGION {
        return Err(invalid(
            path,
            format!("spans {az_count} AZs; no Region has more than {MAX_AZS_IN_A_REGION}"),
            format!("use at most {MAX_AZS_IN_A_REGION} (us-east-1 has 6, most Regions 3)"),
        ));
    }
    let mut az_names: Vec<String> = spec.az_names.iter().flatten().take(az_count).cloned().collect();
    for (i, name) in az_names.iter().enumerate() {
        let ok = name.len() >= 4
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && name.chars().last().is_some_and(|c| c.is_ascii_lowercase());
        if !ok {
            return Err(invalid(
                path,
                format!("`{name}` is not an AZ name"),
                "write AZ names such as `eu-west-1a`",
            ));
        }
        if az_names[..i].contains(name) {
            return Err(invalid(path, format!("names AZ `{name}` twice"), "name each AZ once"));
        }
    }
    az_names.shrink_to_fit();

    // Subnet groups.
    let mut explicit: Vec<Option<Vec<Ipv4Net>>> = Vec::with_capacity(spec.groups.len());
    for (i, g) in spec.groups.iter().enumerate() {
        validate::construct_id(path, &g.name)?;
        if spec.groups[..i].iter().any(|o| o.name == g.name) {
            return Err(invalid(
                path,
                format!("has two subnet groups named `{}`", g.name),
                "name each group once",
            ));
        }
        if g.map_public_ip && g.kind != Some(SubnetKind::Public) {
            return Err(invalid(
                &format!("{path}/{}", g.name),
                "maps public IPs on launch but is not public",
                "only public subnets can give instances public addresses",
            ));
        }
        if g.explicit.is_empty() {
            explicit.push(None);
        } else {
            let construct = format!("{path}/{}", g.name);
            let cidrs =
                g.explicit.iter().map(|c| parse_ipv4(&construct, c)).collect::<Result<Vec<_>, _>>()?;
            if let Some(c) = cidrs.iter().find(|c| c.prefix_len() != g.prefix) {
                return Err(invalid(
                    &construct,
                    format!("is declared /{} but its CIDR {c} is /{}", g.prefix, c.prefix_len()),
                    format!("declare the group /{} or give /{} CIDRs", c.prefix_len(), g.prefix),
                ));
            }
            explicit.push(Some(cidrs));
        }
    }
    let requests: Vec<Request<'_>> = spec
        .groups
        .iter()
        .zip(&explicit)
        .map(|(g, e)| Request { name: &g.name, prefix: g.prefix, explicit: e.as_deref() })
        .collect();
    let cidrs = plan(path, spec.cidr, az_count, &requests)?;
    let groups: Vec<PlannedGroup> = spec
        .groups
        .into_iter()
        .zip(cidrs)
        .map(|(g, cidrs)| PlannedGroup { name: g.name, kind: g.kind, map_public_ip: g.map_public_ip, cidrs })
        .collect();

    // NAT gateways.
    let has_public = groups.iter().any(|g| g.kind == Some(SubnetKind::Public));
    let has_private = groups.iter().any(|g| g.kind == Some(SubnetKind::Private));
    let nat_gateways = match spec.nat_gateways {
        Some(n) if n > 0 && !has_public => {
            return Err(invalid(
                path,
                format!("asks for {n} NAT gateways but has no public subnets"),
                "NAT gateways live in public subnets: add a public subnet group",
            ))
        }
        Some(n) if n > az_count => {
            return Err(invalid(
                path,
                format!("asks for {n} NAT gateways in {az_count} AZs"),
                "at most one NAT gateway per AZ",
            ))
        }
        Some(0) if has_private => {
            return Err(invalid(
                path,
                "has private subnets but no NAT gateway",
                "give it NAT gateways, or make the subnets isolated",
            ))
        }
        Some(n) => n,
        None if has_private && !has_public => {
            return Err(invalid(
                path,
                "has private subnets but no public subnets for their NAT gateways",
                "add a public subnet group, or make the subnets isolated",
            ))
        }
        None if has_private => az_count,
        None => 0,
    };
    if nat_gateways > 0 && !has_private {
        return Err(invalid(
            path,
            format!("asks for {nat_gateways} NAT gateways but has no private subnets"),
            "NAT gateways serve private subnets; drop them or add a private group",
        ));
    }

    // IPv6 and flow logs.
    let subnets = groups.iter().filter(|g| g.kind.is_some()).count() * az_count;
    if spec.ipv6 && subnets > MAX_IPV6_SUBNETS {
        return Err(invalid(
            path,
            format!("has {subnets} subnets"),
            "an Amazon-provided /56 holds 256 /64 subnets",
        ));
    }
    if let Some(FlowLogs { destination: FlowLogDestination::CloudWatch { retention_days }, .. }) =
        &spec.flow_logs
    {
        if !LOG_RETENTION_DAYS.contains(retention_days) {
            return Err(invalid(
                path,
                format!("keeps flow logs {retention_days} days"),
                format!("CloudWatch Logs keeps logs one of {LOG_RETENTION_DAYS:?} days"),
            ));
        }
    }
    for (k, v) in &spec.tags {
        if k.is_empty() || k.len() > 128 || v.len() > 256 || k.starts_with("aws:") {
            return Err(invalid(
                path,
                format!("tag `{k}` is not allowed"),
                "tag keys are 1-128 characters, not starting with `aws:`; values up to 256",
            ));
        }
    }

    Ok(VpcLayout {
        cidr: spec.cidr,
        dns: spec.dns,
        az_count,
        az_names,
        groups,
        nat_gateways,
        ipv6: spec.ipv6,
        flow_logs: spec.flow_logs,
        tags: spec.tags,
    })
}
