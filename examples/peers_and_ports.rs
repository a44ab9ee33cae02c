//! # peers_and_ports
//!
//! A web front end and an operations stack that between them use every kind of peer
//! and port ringfence knows: IPv4 and IPv6 ranges, the whole Internet, a managed prefix
//! list, groups of the app, a group outside the app by id, a group given as a template
//! parameter and one read from SSM; TCP and UDP ports and ranges, ICMP and ICMPv6 types,
//! and all traffic. It exists so that every way a rule can be rendered is checked by
//! cfn-lint and pinned by a snapshot.
//!
//! ```text
//! cargo run --example peers_and_ports -- --out cdk.out [--env production|staging] [--yaml]
//! ```

use std::process::ExitCode;

use ringfence::{App, Error, ExternalGroup, Peer, Port, Role, VpcSpec};
use ringfence_examples::run;

/// Builds the app for one environment.
pub fn build(env: &str) -> Result<App, Error> {
    let app = App::new("shop").environment(env);

    let mut edge = app.stack("edge")?;
    let vpc = edge.vpc("main", VpcSpec::new("10.30.0.0/16")?)?;
    let web = edge.security_group(&vpc, "web", "Public web servers of the shop")?;
    let admins = edge.security_group(&vpc, "admin-hosts", "Bastion hosts of the operations team")?;
    // The Internet, over both address families.
    edge.allow_ingress(&web, Peer::any_ipv4(), Port::HTTPS, "Shoppers over IPv4")?;
    edge.allow_ingress(&web, Peer::any_ipv6(), Port::HTTPS, "Shoppers over IPv6")?;
    edge.allow_ingress(
        &web,
        Peer::any_ipv6(),
        Port::icmpv6(2, 0)?,
        "Packet too big, for path MTU discovery",
    )?;
    // A managed prefix list (CloudFront origin-facing, us-east-1) on plain HTTP.
    edge.allow_ingress(&web, Peer::prefix_list("pl-3b927c52")?, Port::HTTP, "CloudFront origin fetches")?;
    // Administration only from the bastion group and the office, never the world.
    edge.allow_ingress(&web, Peer::group(&admins), Port::SSH, "Operators through the bastion")?;
    edge.allow_ingress(&web, Peer::ipv4("198.51.100.0/24")?, Port::PING, "Office monitoring pings")?;
    edge.allow_ingress(&admins, Peer::ipv4("198.51.100.0/24")?, Port::SSH, "Operators from the office")?;
    edge.allow_ingress(
        &admins,
        Peer::ipv6("2001:db8:1234::/48")?,
        Port::SSH,
        "Operators from the office over IPv6",
    )?;
    edge.allow_egress(&admins, Peer::group(&web), Port::SSH, "Bastion to web servers")?;
    // Web servers: the payment API, NTP and a UDP range for media relays.
    edge.allow_egress(&web, Peer::ipv4("203.0.113.0/24")?, Port::HTTPS, "Payment provider API")?;
    edge.allow_egress(&web, Peer::any_ipv4(), Port::NTP, "Time synchronisation")?;
    edge.allow_egress(&web, Peer::ipv4("192.0.2.0/24")?, Port::udp_range(10000, 20000)?, "Media relay")?;
    edge.share(&vpc)?;
    edge.share(&web)?;

    let mut ops = app.stack("ops")?;
    let scrapers = ops.security_group(
        &vpc,
        Role::new("monitoring").without_environment(),
        "Metrics scrapers of every environment",
    )?;
    let legacy = ExternalGroup::from_id("sg-0123456789abcdef0")?;
    let siem = ops.group_parameter("siem", "Security group of the SIEM collectors")?;
    let proxy =
        ops.group_from_ssm("proxy", "/platform/proxy/security-group-id", "Outbound proxy of the platform")?;
    ops.allow_egress(&scrapers, Peer::group(&web), "tcp/9100".parse()?, "Node exporter on web servers")?;
    ops.allow_egress(
        &scrapers,
        Peer::group(&legacy),
        Port::tcp_range(9100, 9110)?,
        "Exporters on the legacy fleet",
    )?;
    ops.allow_egress(&scrapers, Peer::group(&siem), Port::ALL_TRAFFIC, "Forward everything to the SIEM")?;
    ops.allow_egress(&scrapers, Peer::group(&proxy), Port::HTTPS, "Alerting webhooks via the proxy")?;
    ops.allow_egress(&scrapers, Peer::ipv4("10.30.0.0/16")?, Port::icmp(8, -1)?, "Reachability probes")?;
    let updaters = ops.security_group(&vpc, "updaters", "Package mirror updaters")?;
    ops.allow_all_outbound(&updaters, "Mirrors pull from many changing upstream hosts")?;
    ops.group_set("scraper-tasks", [&scrapers])?;
    Ok(app)
}

#[allow(dead_code)] // used when this file is compiled as the example binary
fn main() -> ExitCode {
    run(|args| build(&args.env))
}
