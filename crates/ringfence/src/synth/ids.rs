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
            ExternalSource::Parameter { path, .. } => (
                path.rsplit('/').next().unwrap_or_default().to_owned(),
                format!("param:{path}"),
            ),
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
