//! Handles to a VPC, its subnets and network ACLs.

use std::sync::Arc;

use ipnet::Ipv4Net;

use super::layout::VpcLayout;
use super::spec::SubnetKind;
use crate::handles::{check_aws_id, Key};
use crate::{Error, Peer};

/// A VPC: created by a stack of this app, or an existing one given by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vpc {
    pub(crate) target: VpcTarget,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum VpcTarget {
    Owned { key: Key, path: Arc<str>, layout: Arc<VpcLayout> },
    External(Arc<str>),
}

impl Vpc {
    /// An existing VPC outside the app, by id (`vpc-` and 8 or 17 hex digits). Groups
    /// can be created in it; its subnets are not known to ringfence.
    ///
    /// ```
    /// use ringfence::Vpc;
    /// assert!(Vpc::from_id("vpc-0a1b2c3d").is_ok());
    /// assert!(Vpc::from_id("vpc-main").is_err());
    /// ```
    pub fn from_id(id: &str) -> Result<Vpc, Error> {
        check_aws_id("Vpc::from_id", "VPC", "vpc-", id)?;
        Ok(Vpc { target: VpcTarget::External(id.into()) })
    }

    /// The construct path (`stack/vpc`) or the id.
    pub fn path(&self) -> &str {
        match &self.target {
            VpcTarget::Owned { path, .. } => path,
            VpcTarget::External(id) => id,
        }
    }

    /// The VPC's IPv4 range, when this app creates it.
    pub fn cidr(&self) -> Option<Ipv4Net> {
        match &self.target {
            VpcTarget::Owned { layout, .. } => Some(layout.cidr),
            VpcTarget::External(_) => None,
        }
    }

    pub(crate) fn layout(&self) -> Option<&VpcLayout> {
        match &self.target {
            VpcTarget::Owned { layout, .. } => Some(layout),
            VpcTarget::External(_) => None,
        }
    }

    fn unknown(&self, wanted: String) -> Error {
        let available = match self.layout() {
            None => "no subnets known to ringfence (it is outside the app)".to_owned(),
            Some(l) => {
                let names: Vec<String> = l
                    .groups
                    .iter()
                    .filter_map(|g| g.kind.map(|k| format!("`{}` ({})", g.name, k.name())))
                    .collect();
                if names.is_empty() {
                    "no subnet groups".to_owned()
                } else {
                    names.join(", ")
                }
            }
        };
        Error::UnknownSubnetGroup { construct: self.path().to_owned(), wanted, available }
    }

    /// The subnets of one group, by name: one per AZ.
    pub fn subnet_group(&self, name: &str) -> Result<Subnets, Error> {
        let found =
            self.layout().and_then(|l| l.groups.iter().position(|g| g.name == name && g.kind.is_some()));
        match found {
            Some(i) => Ok(Subnets { vpc: self.clone(), groups: vec![i] }),
            None => Err(self.unknown(format!("`{name}`"))),
        }
    }

    /// One subnet: the one of group `name` in AZ number `az` (0-based, in the VPC's AZ
    /// order), for properties that take a single `SubnetId`.
    pub fn subnet(&self, name: &str, az: usize) -> Result<Subnet, Error> {
        let group = self.subnet_group(name)?.groups[0];
        let azs = self.layout().map_or(0, |l| l.az_count);
        if az >= azs {
            return Err(Error::InvalidVpc {
                construct: format!("{}/{name}", self.path()),
                problem: format!("has no subnet in AZ number {az}"),
                hint: format!("the VPC spans {azs} AZs, numbered 0 to {}", azs.saturating_sub(1)),
            });
        }
        Ok(Subnet { vpc: self.clone(), group, az })
    }

    /// Every subnet of one kind, across groups.
    pub fn subnets(&self, kind: SubnetKind) -> Result<Subnets, Error> {
        let groups: Vec<usize> = self
            .layout()
            .map(|l| {
                l.groups.iter().enumerate().filter(|(_, g)| g.kind == Some(kind)).map(|(i, _)| i).collect()
            })
            .unwrap_or_default();
        if groups.is_empty() {
            return Err(self.unknown(format!("of kind {}", kind.name())));
        }
        Ok(Subnets { vpc: self.clone(), groups })
    }
}

/// A selection of a VPC's subnets (one or more groups, every AZ), for a `Subnets`-like
/// property ([`Props::set`](crate::Props::set)), an endpoint or a NACL association. In
/// other stacks than the VPC's, the ids are imported (the VPC must be shared).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subnets {
    pub(crate) vpc: Vpc,
    /// Indices of the selected groups in the VPC's layout.
    pub(crate) groups: Vec<usize>,
}

impl Subnets {
    /// The VPC they belong to.
    pub fn vpc(&self) -> &Vpc {
        &self.vpc
    }

    /// Their IPv4 ranges, group by group, in AZ order.
    pub fn cidrs(&self) -> Vec<Ipv4Net> {
        let Some(layout) = self.vpc.layout() else { return Vec::new() };
        self.groups.iter().flat_map(|&g| layout.groups[g].cidrs.iter().copied()).collect()
    }

    /// Their IPv4 ranges as peers, e.g. for network ACL entries.
    pub fn peers(&self) -> Vec<Peer> {
        self.cidrs().into_iter().map(Peer::from_planned).collect()
    }

    /// The selected group names, for messages.
    pub fn describe(&self) -> String {
        let Some(layout) = self.vpc.layout() else { return self.vpc.path().to_owned() };
        let names: Vec<&str> = self.groups.iter().map(|&g| layout.groups[g].name.as_str()).collect();
        format!("{}/{}", self.vpc.path(), names.join("+"))
    }
}

/// One subnet of a VPC ([`Vpc::subnet`]), for a `SubnetId`-like property.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subnet {
    pub(crate) vpc: Vpc,
    pub(crate) group: usize,
    pub(crate) az: usize,
}

impl Subnet {
    /// Its IPv4 range.
    pub fn cidr(&self) -> Option<Ipv4Net> {
        self.vpc.layout().map(|l| l.groups[self.group].cidrs[self.az])
    }
}

/// A network ACL created by a stack: only that stack adds entries to it and associates
/// it, and only with subnets of a VPC it creates.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NetworkAcl {
    pub(crate) key: Key,
    pub(crate) path: Arc<str>,
}

impl NetworkAcl {
    /// The construct path, `stack/acl`.
    pub fn path(&self) -> &str {
        &self.path
    }
}
