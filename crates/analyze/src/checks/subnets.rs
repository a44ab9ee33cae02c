//! Subnets: overlapping ranges, and private subnets routed to the Internet.

use super::{RF601, RF602};
use crate::finding::Reporter;
use crate::model::{AssociationKind, Model, RouteTarget};
use crate::suite::Obj;

pub(super) fn run<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    for (i, s) in m.subnets.iter().enumerate() {
        let Some(cidr) = s.cidr else { continue };
        if let Some(other) = m.subnets[..i]
            .iter()
            .find(|o| o.vpc == s.vpc && o.cidr.is_some_and(|c| c.contains(&cidr) || cidr.contains(&c)))
        {
            r.report(
                &RF601,
                &s.at,
                format!(
                    "{cidr} overlaps {} of {}/{}",
                    other.cidr.map(|c| c.to_string()).unwrap_or_default(),
                    m.stack_name(other.at.stack),
                    other.at.id
                ),
                "give each subnet its own range (ringfence plans them for you)",
            );
        }
    }
    for (s, kind) in m.subnets.iter().filter_map(|s| Some((s, s.kind.filter(|k| k.is_internal())?))) {
        let me = Obj::Local { stack: s.at.stack, id: s.at.id.clone() };
        let tables: Vec<&Obj> = m
            .associations
            .iter()
            .filter(|a| a.kind == AssociationKind::RouteTable && a.subnet == me)
            .map(|a| &a.target)
            .collect();
        for route in m.routes.iter().filter(|rt| tables.contains(&&rt.table)) {
            if let RouteTarget::InternetGateway(gw) = &route.target {
                // A gateway endpoint's route also uses GatewayId; only internet gateways count.
                let is_igw = match gw {
                    Obj::Local { stack, id } => m.resolver.suite().templates()[*stack]
                        .template
                        .resources
                        .get(id)
                        .is_some_and(|res| res.resource_type == "AWS::EC2::InternetGateway"),
                    Obj::External(id) => id.starts_with("igw-"),
                    _ => false,
                };
                if is_igw {
                    r.report(
                        &RF602,
                        &route.at,
                        format!("routes {kind} subnet {} to an internet gateway", s.at.id),
                        "route private subnets through a NAT gateway, and isolated ones nowhere",
                    );
                }
            }
        }
    }
}
