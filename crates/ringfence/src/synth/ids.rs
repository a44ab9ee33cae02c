//! Every name synthesis derives — logical ids and export names — in one place.

use ringfence_cfn::{ExportName, LogicalId};

use crate::handles::ExternalSource;
use crate::logical::{hashed, plain};
use crate::model::{Direction, Shared, StackState};
use crate::peer::PeerKind;
use crate::{GroupRef, Peer, Port, Protocol};

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
    let key = format!("rule:{group_id}:{}:{key}:{}", direction.word(), port_key(port));
    hashed(&[group_id, dir, &port.id_part(), prep, &readable], &key)
}

/// A port as a rule's hash key holds it: `tcp/22`, `tcp/1000-2000`, `tcp/0-65535`,
/// `icmp/8/0`, `icmp/3`, `icmp/all`, `all`.
///
/// This is the text `Port`'s `Display` wrote before ports took the EC2 vocabulary's text
/// form (which writes every TCP port `tcp/all`), frozen: it is hashed into every
/// standalone rule's logical id, and a different text renames the rule, which
/// CloudFormation deploys as a delete and a create — a moment without the rule. It must
/// never change, whatever `Display` becomes.
fn port_key(port: Port) -> String {
    let p = port.protocol();
    match (p, port.cfn_ports()) {
        (Protocol::All, _) | (_, None) => "all".to_owned(),
        (Protocol::Tcp | Protocol::Udp, Some((from, to))) if from == to => format!("{}/{from}", p.cfn_name()),
        (Protocol::Tcp | Protocol::Udp, Some((from, to))) => format!("{}/{from}-{to}", p.cfn_name()),
        (Protocol::Icmp | Protocol::Icmpv6, Some((t, code))) => match (t, code) {
            (-1, _) => format!("{}/all", p.cfn_name()),
            (t, -1) => format!("{}/{t}", p.cfn_name()),
            (t, c) => format!("{}/{t}/{c}", p.cfn_name()),
        },
        // No `Port` holds another protocol; were one made, its key is its number.
        (Protocol::Other(n), Some(_)) => format!("proto/{n}"),
    }
}

/// The readable part and the canonical key of a peer. Keys use construct paths (stack
/// id / construct id), which hold no environment, so environments share logical ids.
fn peer_parts(peer: &Peer) -> (String, String) {
    match &peer.kind {
        PeerKind::Ipv4(n) => (format!("Cidr{}", n).replace(['.', '/'], "x"), n.to_string()),
        PeerKind::Ipv6(n) => (format!("Cidr{}", n).replace([':', '/'], "x"), n.to_string()),
        PeerKind::PrefixList(id) => (id.clone(), id.clone()),
        PeerKind::Group(GroupRef::Owned(g)) => {
            let id = crate::handles::construct_id(g.path()).to_owned();
            (id, format!("group:{}", g.path()))
        }
        PeerKind::Group(GroupRef::External(e)) => match &e.source {
            ExternalSource::Id(id) => (id.to_string(), id.to_string()),
            ExternalSource::Parameter { path, .. } => {
                (crate::handles::construct_id(path).to_owned(), format!("param:{path}"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{App, VpcSpec};

    /// The hash keys of ports are the old `Display`'s text, whatever `Display` writes now.
    #[test]
    fn port_keys_are_frozen() {
        let cases = [
            (Port::ALL_TCP, "tcp/0-65535"),
            (Port::ALL_UDP, "udp/0-65535"),
            (Port::SSH, "tcp/22"),
            (Port::tcp_range(1024, 65535).unwrap(), "tcp/1024-65535"),
            (Port::udp_range(1000, 2000).unwrap(), "udp/1000-2000"),
            (Port::PING, "icmp/8/0"),
            (Port::icmp(3, -1).unwrap(), "icmp/3"),
            (Port::ALL_ICMP, "icmp/all"),
            (Port::icmpv6(128, 0).unwrap(), "icmpv6/128/0"),
            (Port::ALL_ICMPV6, "icmpv6/all"),
            (Port::ALL_TRAFFIC, "all"),
        ];
        for (port, key) in cases {
            assert_eq!(port_key(port), key, "{port}");
        }
    }

    /// Logical ids of rules on every TCP or UDP port, as synthesized before `Port`'s text
    /// became `tcp/all`: a change here renames deployed rules.
    #[test]
    fn rules_on_every_port_keep_their_logical_ids() {
        let office = Peer::ipv4("10.0.0.0/8").unwrap();
        let v6 = Peer::ipv6("2001:db8::/32").unwrap();
        let cases = [
            (Direction::Ingress, &office, Port::ALL_TCP, "WebIngressTcp0To65535FromCidr10x0x0x0x853274858"),
            (Direction::Egress, &office, Port::ALL_TCP, "WebEgressTcp0To65535ToCidr10x0x0x0x896EBC988"),
            (Direction::Ingress, &office, Port::ALL_UDP, "WebIngressUdp0To65535FromCidr10x0x0x0x800613172"),
            (Direction::Egress, &v6, Port::ALL_TCP, "WebEgressTcp0To65535ToCidr2001xdb8xxx3279B849DD"),
            (Direction::Ingress, &office, Port::SSH, "WebIngressTcp22FromCidr10x0x0x0x86E1037D9"),
            (Direction::Egress, &office, Port::ALL_TRAFFIC, "WebEgressAllTrafficToCidr10x0x0x0x80D2EC29F"),
            (Direction::Ingress, &office, Port::PING, "WebIngressIcmpType8Code0FromCidr10x0x0x0x8329134BF"),
        ];
        for (direction, peer, port, id) in cases {
            assert_eq!(rule("web", direction, peer, port).to_string(), id, "{direction:?} {port} {peer}");
        }
        // A standalone rule: a group peer.
        let app = App::new("chat");
        let mut network = app.stack("network").unwrap();
        let vpc = network.vpc("main", VpcSpec::new("10.20.0.0/16").unwrap()).unwrap();
        let db = Peer::group(network.security_group(&vpc, "db", "The database").unwrap());
        assert_eq!(
            rule("web", Direction::Ingress, &db, Port::ALL_TCP).to_string(),
            "WebIngressTcp0To65535FromDb2599B5AA"
        );
        assert_eq!(
            rule("web", Direction::Ingress, &db, Port::ALL_UDP).to_string(),
            "WebIngressUdp0To65535FromDb0C0599C7"
        );
    }
}
