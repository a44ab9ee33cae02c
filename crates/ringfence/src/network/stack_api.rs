//! The network part of [`Stack`]'s API: network ACLs and VPC endpoints. Like rules on
//! groups, every call checks that the stack owns what it changes.

use super::handles::{NetworkAcl, Subnets, VpcTarget};
use super::nacl::{GatewayService, NaclRule, EPHEMERAL_PORTS, NACL_RULE_NUMBERS};
use super::spec::SubnetKind;
use crate::model::{Construct, EndpointKind, EndpointState, NaclState};
use crate::peer::PeerKind;
use crate::port::Protocol;
use crate::{validate, Error, GroupRef, Peer, Port, Role, SecurityGroup, Stack, Vpc};

impl Stack {
    /// The index of `vpc` among this stack's VPCs, or a [`Error::ForeignObject`] saying
    /// which stack owns it.
    fn own_vpc(&self, vpc: &Vpc, action: &'static str, hint: &str) -> Result<usize, Error> {
        match &vpc.target {
            VpcTarget::Owned { key, path, .. } => {
                self.check_own(*key, path, action, || hint.to_owned())?;
                Ok(key.index)
            }
            VpcTarget::External(id) => Err(Error::ForeignObject {
                stack: self.name(),
                action,
                object: id.to_string(),
                owner: "(outside this app)".into(),
                hint: hint.to_owned(),
            }),
        }
    }

    /// Creates a network ACL in a VPC this stack creates. Until it is associated with
    /// subnets it filters nothing; once associated it denies everything its entries do
    /// not allow, in both directions.
    pub fn network_acl(&mut self, vpc: &Vpc, id: &str) -> Result<NetworkAcl, Error> {
        let vpc_index = self.own_vpc(
            vpc,
            "create a network ACL in",
            "network ACLs filter the subnets of the stack that creates the VPC; create the NACL there",
        )?;
        let index = self.add_construct(id, |s| Construct::Nacl(s.nacls.len()))?;
        let state =
            NaclState { id: id.to_owned(), vpc: vpc_index, entries: Vec::new(), associations: Vec::new() };
        self.with_state(|s| s.nacls.push(state));
        Ok(NetworkAcl { key: self.key(index), path: self.path(id).into() })
    }

    /// Associates `nacl` with `subnets`, which must be subnets of the NACL's VPC (and so
    /// of this stack). A subnet group has at most one network ACL.
    pub fn associate_nacl(&mut self, nacl: &NetworkAcl, subnets: &Subnets) -> Result<(), Error> {
        self.check_own(nacl.key, nacl.path(), "associate", || {
            "only the stack that creates a network ACL associates it".into()
        })?;
        let vpc_index = self.own_vpc(
            subnets.vpc(),
            "associate a network ACL with subnets of",
            "a stack changes only its own subnets: the VPC's stack must create and associate the NACL",
        )?;
        let mut app = self.app.borrow_mut();
        let stack = &mut app.stacks[self.index];
        if stack.nacls[nacl.key.index].vpc != vpc_index {
            return Err(Error::InvalidNaclEntry {
                construct: nacl.path().to_owned(),
                problem: format!(
                    "cannot be associated with {}, which are in another VPC",
                    subnets.describe()
                ),
                hint: "create a network ACL in that VPC".into(),
            });
        }
        for &g in &subnets.groups {
            if let Some(other) =
                stack.nacls.iter().find(|n| n.vpc == vpc_index && n.associations.contains(&g))
            {
                return Err(Error::InvalidNaclEntry {
                    construct: nacl.path().to_owned(),
                    problem: format!(
                        "cannot take subnet group `{}`, already associated with network ACL `{}`",
                        stack.vpcs[vpc_index].layout.groups[g].name, other.id
                    ),
                    hint: "a subnet has exactly one network ACL; merge the entries into one".into(),
                });
            }
        }
        stack.nacls[nacl.key.index].associations.extend(subnets.groups.iter().copied());
        Ok(())
    }

    /// Adds an entry to a network ACL this stack creates. Rule numbers are 1 to 32766 and
    /// unique per direction; peers are IPv4 or IPv6 ranges.
    pub fn nacl_entry(&mut self, nacl: &NetworkAcl, rule: NaclRule) -> Result<(), Error> {
        self.check_own(nacl.key, nacl.path(), "add an entry to", || {
            "only the stack that creates a network ACL changes it".into()
        })?;
        check_entry(nacl.path(), &rule)?;
        let mut app = self.app.borrow_mut();
        let entries = &mut app.stacks[self.index].nacls[nacl.key.index].entries;
        if let Some(existing) = entries.iter().find(|e| e.egress == rule.egress && e.number == rule.number) {
            return Err(Error::InvalidNaclEntry {
                construct: nacl.path().to_owned(),
                problem: format!(
                    "{} rule number {} is already used ({})",
                    rule.direction().word(),
                    rule.number,
                    existing.description
                ),
                hint: "rule numbers are unique per direction; leave gaps (100, 110, …) to insert later"
                    .into(),
            });
        }
        entries.push(rule);
        Ok(())
    }

    /// Adds an allow entry and the entry for its return traffic, with the same rule
    /// number, in the other direction: NACLs are stateless, and forgetting the return
    /// path is the classic NACL mistake. TCP and UDP flows return on the ephemeral ports
    /// 1024-65535; ICMP echo requests return as echo replies; all traffic returns as all
    /// traffic. When an earlier entry already allows exactly that return traffic (another
    /// port to the same peer), no second one is added: it could never match.
    pub fn nacl_allow_with_return(&mut self, nacl: &NetworkAcl, rule: NaclRule) -> Result<(), Error> {
        if !rule.allow {
            return Err(Error::InvalidNaclEntry {
                construct: nacl.path().to_owned(),
                problem: format!("rule {} denies traffic, which has no return", rule.number),
                hint: "use nacl_entry for deny entries".into(),
            });
        }
        let back = return_port(rule.port).ok_or_else(|| Error::InvalidNaclEntry {
            construct: nacl.path().to_owned(),
            problem: format!("{} has no return traffic to allow", rule.port),
            hint: "use nacl_entry for one-way ICMP messages".into(),
        })?;
        let reply = NaclRule {
            number: rule.number,
            egress: !rule.egress,
            allow: true,
            peer: rule.peer.clone(),
            port: back,
            description: format!("Return traffic: {}", rule.description),
        };
        check_entry(nacl.path(), &reply)?;
        // Check both before adding either, so a failure leaves the NACL unchanged.
        self.check_own(nacl.key, nacl.path(), "add an entry to", || {
            "only the stack that creates a network ACL changes it".into()
        })?;
        let (covered, taken) = {
            let app = self.app.borrow();
            let entries = &app.stacks[self.index].nacls[nacl.key.index].entries;
            let covered = entries
                .iter()
                .any(|e| e.egress == reply.egress && e.allow && e.peer == reply.peer && e.port == reply.port);
            (covered, entries.iter().any(|e| e.egress == reply.egress && e.number == reply.number))
        };
        if covered {
            // An earlier flow with the same peer already lets the replies through; a second,
            // identical return entry could never match.
            return self.nacl_entry(nacl, rule);
        }
        if taken {
            return Err(Error::InvalidNaclEntry {
                construct: nacl.path().to_owned(),
                problem: format!(
                    "{} rule number {} for the return traffic is already used",
                    reply.direction().word(),
                    reply.number
                ),
                hint: "pick a rule number free in both directions".into(),
            });
        }
        self.nacl_entry(nacl, rule)?;
        self.nacl_entry(nacl, reply)
    }

    /// A gateway endpoint (S3 or DynamoDB) on the route tables of `subnets`, which must
    /// be subnets of a VPC this stack creates (the endpoint adds routes to its tables).
    pub fn gateway_endpoint(
        &mut self,
        id: &str,
        service: GatewayService,
        subnets: &Subnets,
    ) -> Result<(), Error> {
        self.own_vpc(
            subnets.vpc(),
            "add gateway endpoint routes to",
            "a gateway endpoint changes route tables, which belong to the VPC's stack: add it there",
        )?;
        self.add_construct(id, |s| Construct::Endpoint(s.endpoints.len()))?;
        let state = EndpointState {
            id: id.to_owned(),
            vpc: subnets.vpc.clone(),
            kind: EndpointKind::Gateway { service, groups: subnets.groups.clone() },
        };
        self.with_state(|s| s.endpoints.push(state));
        Ok(())
    }

    /// An interface endpoint for `service` (`ecr.api`, `logs`, `secretsmanager`, …:
    /// the part after `com.amazonaws.<region>.`) in one subnet group, with private DNS on
    /// and a group of its own, role-named `<id>-endpoint`, that admits the `admit` groups
    /// on HTTPS. Returns that group.
    pub fn interface_endpoint<I>(
        &mut self,
        id: &str,
        service: &str,
        subnets: &Subnets,
        admit: I,
    ) -> Result<SecurityGroup, Error>
    where
        I: IntoIterator,
        I::Item: Into<GroupRef>,
    {
        let path = self.path(id);
        let ok = !service.is_empty()
            && service.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
        if !ok {
            return Err(Error::InvalidValue {
                construct: path,
                what: "an endpoint service name".into(),
                value: service.to_owned(),
                hint: "give the service part of the name, e.g. `ecr.api` for com.amazonaws.<region>.ecr.api"
                    .into(),
            });
        }
        if subnets.groups.len() != 1 {
            return Err(Error::InvalidVpc {
                construct: path,
                problem: format!("{} spans several subnet groups", subnets.describe()),
                hint: "an interface endpoint takes one subnet per AZ: select one subnet group".into(),
            });
        }
        if let Some(l) = subnets.vpc.layout() {
            if l.groups[subnets.groups[0]].kind == Some(SubnetKind::Public) {
                return Err(Error::InvalidVpc {
                    construct: path,
                    problem: "would put a private endpoint in public subnets".into(),
                    hint: "select private or isolated subnets".into(),
                });
            }
        }
        let admit: Vec<GroupRef> = admit.into_iter().map(Into::into).collect();
        if admit.is_empty() {
            return Err(Error::InvalidGroupSet {
                construct: path,
                problem: "admits no group".into(),
                hint: "name the groups whose workloads use the endpoint".into(),
            });
        }
        if let Some(&existing) = self.app.borrow().stacks[self.index].constructs.get(id) {
            return Err(Error::DuplicateConstruct {
                stack: self.name(),
                id: id.to_owned(),
                existing: existing.kind(),
            });
        }
        let role = format!("{id}-endpoint");
        let group = self.security_group(
            subnets.vpc(),
            Role::new(role.as_str()),
            &format!("Interface endpoint for {service}; admits its users on HTTPS"),
        )?;
        for g in admit {
            let why = format!("{} uses {service}", g.path());
            let why: String = why
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || " ._-:/()#,@[]+=;{}!$*".contains(*c))
                .collect();
            self.add_rule(&group, crate::model::Direction::Ingress, Peer::group(g), Port::HTTPS, &why)?;
        }
        self.add_construct(id, |s| Construct::Endpoint(s.endpoints.len()))?;
        let state = EndpointState {
            id: id.to_owned(),
            vpc: subnets.vpc.clone(),
            kind: EndpointKind::Interface {
                service: service.to_owned(),
                subnets: subnets.clone(),
                group: group.key.index,
            },
        };
        self.with_state(|s| s.endpoints.push(state));
        Ok(group)
    }
}

fn check_entry(construct: &str, rule: &NaclRule) -> Result<(), Error> {
    let err = |problem: String, hint: &str| Error::InvalidNaclEntry {
        construct: construct.to_owned(),
        problem,
        hint: hint.to_owned(),
    };
    if !NACL_RULE_NUMBERS.contains(&rule.number) {
        return Err(err(
            format!("rule number {} is out of range", rule.number),
            "rule numbers are 1 to 32766 (32767 is AWS's default deny)",
        ));
    }
    if !matches!(rule.peer.kind, PeerKind::Ipv4(_) | PeerKind::Ipv6(_)) {
        return Err(err(
            format!("{} is not an address range", rule.peer),
            "network ACL entries name IPv4 or IPv6 ranges only",
        ));
    }
    if let (Some(need), Some(have)) = (rule.port.family(), rule.peer.family()) {
        if need != have {
            return Err(err(
                format!("{} cannot be used with {}", rule.port, rule.peer),
                "ICMP goes with IPv4 ranges, ICMPv6 with IPv6",
            ));
        }
    }
    validate::rule_description(construct, &rule.description)
}

/// The port that return traffic of a flow on `port` uses, if it has any.
fn return_port(port: Port) -> Option<Port> {
    let (lo, hi) = EPHEMERAL_PORTS;
    match port.protocol() {
        Protocol::Tcp => Port::tcp_range(lo, hi).ok(),
        Protocol::Udp => Port::udp_range(lo, hi).ok(),
        Protocol::All => Some(Port::ALL_TRAFFIC),
        Protocol::Icmp => match port.cfn_ports() {
            Some((8, _)) => Port::icmp(0, 0).ok(),
            Some((-1, _)) => Some(Port::ALL_ICMP),
            _ => None,
        },
        Protocol::Icmpv6 => match port.cfn_ports() {
            Some((128, _)) => Port::icmpv6(129, 0).ok(),
            Some((-1, _)) => Some(Port::ALL_ICMPV6),
            _ => None,
        },
        Protocol::Other(_) => None, // no `Port` holds one
    }
}
