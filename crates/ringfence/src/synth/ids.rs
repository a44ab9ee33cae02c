//! Every name synthesis derives — logical ids and export names — in one place.

use ringfence_cfn::{ExportName, LogicalId};

use crate::handles::ExternalSource;
use crate::logical::{hashed, plain};
use crate::model::{Direction, Shared, StackState};
use crate::peer::PeerKind;
use crate::{GroupRef, Peer, Port};

pub(crate) fn vpc(id: &str) -> LogicalId {
    hashed(&[id, "Vpc"], &format!("vpc:{id}"))
}

pub(crate) fn group(id: &str) -> LogicalId {
    hashed(&[id, "SecurityGroup"], &format!("group:{id}"))
}

/// Parameters are typed by people at deploy time: no hash.
pub(crate) fn parameter(id: &str) -> LogicalId {
    plain(&[id])
}

pub(crate) fn resource(id: &str) -> LogicalId {
    hashed(&[id], &format!("resource:{id}"))
}

/// A standalone rule's id comes from its content (group, direction, peer, port), never
/// its position: `BotTriviaEgressTcp5432ToChatDb` + hash.
pub(crate) fn rule(group_id: &str, direction: Direction, peer: &Peer, port: Port) -> LogicalId {
    let (dir, prep) = match direction {
        Direction::Ingress => ("Ingress", "From"),
        Direction::Egress => ("Egress", "To"),
    };
    let (readable, key) = peer_parts(peer);
    let key = format!("rule:{group_id}:{}:{key}:{port}", direction.word());
    hashed(&[group_id, dir, &port.id_part(), prep, &readable], &key)
}

/// The readable part and the canonical key of a peer. Keys use construct paths (stack
/// id / construct id), which hold no environment, so environments share logical ids.
fn peer_parts(peer: &Peer) -> (String, String) {
    match &peer.kind {
        PeerKind::Ipv4(n) => (format!("Cidr{}", n).replace(['.', '/'], "x"), n.to_string()),
        PeerKind::Ipv6(n) => (format!("Cidr{}", n).replace([':', '/'], "x"), n.to_string()),
        PeerKind::PrefixList(id) => (id.clone(), id.clone()),
        PeerKind::Group(GroupRef::Owned(g)) => {
            let id = g.path().rsplit('/').next().unwrap_or_default().to_owned();
            (id, format!("group:{}", g.path()))
        }
        PeerKind::Group(GroupRef::External(e)) => match &e.source {
            ExternalSource::Id(id) => (id.to_string(), id.to_string()),
            ExternalSource::Parameter { path, .. } => {
                (path.rsplit('/').next().unwrap_or_default().to_owned(), format!("param:{path}"))
            }
        },
    }
}

/// `{stack name}:{construct id}:{attribute}`. Stack names are unique per account and
/// Region, so export names are too.
pub(crate) fn export_name(owner: &StackState, shared: Shared) -> ExportName {
    let (id, attr) = match shared {
        Shared::Group(i) => (&owner.groups[i].id, "GroupId"),
        Shared::Vpc(i) => (&owner.vpcs[i].id, "VpcId"),
        Shared::Resource(i) => (&owner.resources[i].id, "Ref"),
    };
    // Stack names and construct ids hold only letters, digits and `-`; the result is at
    // most 128 + 64 + 10 characters.
    ExportName::new(format!("{}:{id}:{attr}", owner.name))
        .expect("stack name, construct id and attribute are export-safe")
}

pub(crate) fn output(shared: Shared, owner: &StackState) -> LogicalId {
    match shared {
        Shared::Group(i) => {
            let id = &owner.groups[i].id;
            hashed(&[id, "GroupId"], &format!("export:group:{id}"))
        }
        Shared::Vpc(i) => {
            let id = &owner.vpcs[i].id;
            hashed(&[id, "VpcId"], &format!("export:vpc:{id}"))
        }
        Shared::Resource(i) => {
            let id = &owner.resources[i].id;
            hashed(&[id, "Ref"], &format!("export:resource:{id}"))
        }
    }
}

// ---- network objects of a VPC: every id is the VPC's construct id, the subnet group
// and the AZ number (1-based), never a position in a list.

fn az_n(az: usize) -> String {
    (az + 1).to_string()
}

pub(crate) fn subnet(vpc: &str, group: &str, az: usize) -> LogicalId {
    let n = az_n(az);
    hashed(&[vpc, group, "Subnet", &n], &format!("subnet:{vpc}/{group}/{n}"))
}

/// Route tables: one per AZ for private groups (routes to the AZ's NAT), one per group
/// otherwise. `az` is `None` for the per-group table.
pub(crate) fn route_table(vpc: &str, group: &str, az: Option<usize>) -> LogicalId {
    match az {
        Some(az) => {
            let n = az_n(az);
            hashed(&[vpc, group, "RouteTable", &n], &format!("rt:{vpc}/{group}/{n}"))
        }
        None => hashed(&[vpc, group, "RouteTable"], &format!("rt:{vpc}/{group}")),
    }
}

pub(crate) fn route_table_association(vpc: &str, group: &str, az: usize) -> LogicalId {
    let n = az_n(az);
    hashed(&[vpc, group, "RouteTableAssociation", &n], &format!("rta:{vpc}/{group}/{n}"))
}

/// `kind`: `DefaultRoute` or `DefaultRouteIpv6`.
pub(crate) fn route(vpc: &str, group: &str, az: Option<usize>, kind: &str) -> LogicalId {
    match az {
        Some(az) => {
            let n = az_n(az);
            hashed(&[vpc, group, kind, &n], &format!("route:{vpc}/{group}/{n}/{kind}"))
        }
        None => hashed(&[vpc, group, kind], &format!("route:{vpc}/{group}/{kind}")),
    }
}

/// A VPC-wide object: `InternetGateway`, `GatewayAttachment`, `EgressOnlyGateway`,
/// `Ipv6Block`, `FlowLog`, `FlowLogGroup`, `FlowLogRole`, `FlowLogBucket`.
pub(crate) fn vpc_part(vpc: &str, part: &str) -> LogicalId {
    hashed(&[vpc, part], &format!("vpc:{vpc}/{part}"))
}

/// NAT gateway `n` (in AZ `n`) and its Elastic IP (`part`: `NatGateway` or `NatEip`).
pub(crate) fn nat(vpc: &str, part: &str, az: usize) -> LogicalId {
    let n = az_n(az);
    hashed(&[vpc, part, &n], &format!("nat:{vpc}/{part}/{n}"))
}

pub(crate) fn nacl(id: &str) -> LogicalId {
    hashed(&[id, "NetworkAcl"], &format!("nacl:{id}"))
}

/// An entry's id: its direction and rule number, unique per direction in one NACL.
pub(crate) fn nacl_entry(id: &str, egress: bool, number: u32) -> LogicalId {
    let dir = if egress { "Egress" } else { "Ingress" };
    hashed(&[id, dir, &number.to_string()], &format!("nacl-entry:{id}/{dir}/{number}"))
}

pub(crate) fn nacl_association(id: &str, vpc: &str, group: &str, az: usize) -> LogicalId {
    let n = az_n(az);
    hashed(&[id, group, &n, "Association"], &format!("nacl-assoc:{id}/{vpc}/{group}/{n}"))
}

pub(crate) fn endpoint(id: &str) -> LogicalId {
    hashed(&[id, "Endpoint"], &format!("endpoint:{id}"))
}

/// `{stack}:{vpc}-{group}-{n}:SubnetId`.
pub(crate) fn subnet_export_name(owner: &StackState, vpc: usize, group: usize, az: usize) -> ExportName {
    let v = &owner.vpcs[vpc];
    let g = &v.layout.groups[group].name;
    ExportName::new(format!("{}:{}-{g}-{}:SubnetId", owner.name, v.id, az_n(az)))
        .expect("stack name, construct ids and a number are export-safe")
}

pub(crate) fn subnet_output(vpc: &str, group: &str, az: usize) -> LogicalId {
    let n = az_n(az);
    hashed(&[vpc, group, &n, "SubnetId"], &format!("export:subnet:{vpc}/{group}/{n}"))
}
