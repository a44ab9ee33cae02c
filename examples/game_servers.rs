//! # game_servers
//!
//! Dedicated game servers on Fargate behind a network load balancer, scraped by a
//! monitoring service. Groups are named after what they enclose, never after what they
//! allow: `game-servers-<env>` (the game server tasks), `lb-game-<env>` (the load
//! balancer in front of them) and `monitoring` (the metrics scrapers: one role, one
//! name, in every environment). Game servers admit the load balancer on tcp 8443 and
//! monitoring on tcp 9999 (OpenMetrics); only the load balancer admits the Internet.
//!
//! Four stacks, each changing only what it creates:
//!
//! - `network`: the VPC (public subnets for the load balancer and the NAT gateways,
//!   private subnets for the tasks, IPv6 for players on IPv6-only mobile networks), the
//!   ECS cluster, the private DNS namespace the game servers register in, and the three
//!   role groups with every rule between them. Roles that admit each other are ruled in
//!   one template: two stacks would each import the other's group.
//! - `edge`: the load balancer, its target group and its listener. It changes rarely;
//!   game server releases never touch it, and the listener exists before any service
//!   registers targets, because `game` imports the target group.
//! - `game`: the game server task definition and service, registered in the target
//!   group and in service discovery.
//! - `monitoring`: the scraper task definition and service.
//!
//! The load balancer is a TCP network load balancer: players speak TLS on 8443 straight
//! to the game servers (long-lived WebSocket sessions), so no certificate sits in the
//! template and nothing decrypts in between. Client IP preservation is off, so the game
//! servers see the load balancer's addresses and their rule can name its group.
//!
//! ```text
//! cargo run --example game_servers -- --out cdk.out [--env production|staging] [--yaml]
//! ```

use std::process::ExitCode;

use ringfence::{
    App, Error, FlowLogs, Peer, Port, Props, ResourceHandle, Role, SecurityGroup, Stack, SubnetGroup,
    Subnets, Vpc, VpcSpec,
};
use ringfence_examples::run;
use serde_json::json;

/// Where players connect, and where game servers listen: TLS terminated by the server.
pub const GAME_PORT: u16 = 8443;

/// Where game servers expose OpenMetrics for the scrapers.
pub const METRICS_PORT: u16 = 9999;

/// What the network stack shares with the others.
struct Network {
    vpc: Vpc,
    public: Subnets,
    tasks: Subnets,
    cluster: ResourceHandle,
    namespace: ResourceHandle,
    game_servers: SecurityGroup,
    lb: SecurityGroup,
    monitoring: SecurityGroup,
}

/// Builds the app for one environment.
pub fn build(env: &str) -> Result<App, Error> {
    let app = App::new("arena").environment(env);

    let mut network = app.stack("network")?;
    network.describe(&format!(
        "Network of the arena game servers ({env}): VPC, ECS cluster, service discovery and role groups"
    ))?;
    let net = network_stack(&mut network, env)?;

    let mut edge = app.stack("edge")?;
    edge.describe(&format!("Network load balancer in front of the arena game servers ({env})"))?;
    let target_group = edge_stack(&mut edge, &net)?;

    let mut game = app.stack("game")?;
    game.describe(&format!("Dedicated game server tasks of arena ({env})"))?;
    game_stack(&mut game, &net, &target_group, env)?;

    let mut monitoring = app.stack("monitoring")?;
    monitoring.describe(&format!("Metrics scrapers of the arena game servers ({env})"))?;
    monitoring_stack(&mut monitoring, &net, env)?;
    Ok(app)
}

fn network_stack(stack: &mut Stack, env: &str) -> Result<Network, Error> {
    // The load balancer and the NAT gateways are the only things in public subnets;
    // every task runs in private subnets, unreachable from the Internet.
    let vpc = stack.vpc(
        "main",
        VpcSpec::new("10.30.0.0/16")?
            .azs(2)
            .subnets(SubnetGroup::public("public", 24))
            .subnets(SubnetGroup::private("tasks", 20))
            .nat_gateways(2)
            .ipv6()
            .flow_logs(FlowLogs::cloudwatch(90)),
    )?;
    let public = vpc.subnet_group("public")?;
    let tasks = vpc.subnet_group("tasks")?;

    let cluster = stack.resource(
        "cluster",
        "AWS::ECS::Cluster",
        Props::new().set("ClusterName", format!("arena-{env}")).set(
            "ClusterSettings",
            vec![Props::new().set("Name", "containerInsights").set("Value", "enabled")],
        ),
    )?;
    // Game servers register here; the scrapers find them by name, through the VPC
    // resolver, so they need no AWS API access to discover targets.
    let namespace = stack.resource(
        "discovery",
        "AWS::ServiceDiscovery::PrivateDnsNamespace",
        Props::new()
            .set("Name", format!("{env}.arena.internal"))
            .set("Description", format!("Service discovery of arena ({env})"))
            .set("Vpc", &vpc),
    )?;

    let game_servers = stack.security_group(
        &vpc,
        "game-servers",
        "Dedicated game server tasks: players reach them only through the load balancer",
    )?;
    let lb = stack.security_group(
        &vpc,
        "lb-game",
        "Internet-facing load balancer in front of the game servers",
    )?;
    let monitoring = stack.security_group(
        &vpc,
        Role::new("monitoring").without_environment(),
        "Metrics scraper tasks: the same role, and name, in every environment",
    )?;

    let game = Port::tcp(GAME_PORT);
    let metrics = Port::tcp(METRICS_PORT);
    stack.allow_ingress(&lb, Peer::any_ipv4(), game, "Players connect over IPv4")?;
    stack.allow_ingress(&lb, Peer::any_ipv6(), game, "Players connect over IPv6")?;
    stack.allow_egress(&lb, Peer::group(&game_servers), game, "Forward player sessions and health checks")?;

    stack.allow_ingress(
        &game_servers,
        Peer::group(&lb),
        game,
        "Player sessions through the load balancer",
    )?;
    stack.allow_ingress(
        &game_servers,
        Peer::group(&monitoring),
        metrics,
        "Monitoring scrapes OpenMetrics",
    )?;
    stack.allow_egress(
        &game_servers,
        Peer::any_ipv4(),
        Port::HTTPS,
        "Container registry and the matchmaking API, through NAT",
    )?;

    stack.allow_egress(
        &monitoring,
        Peer::group(&game_servers),
        metrics,
        "Scrape OpenMetrics of game servers",
    )?;
    stack.allow_egress(
        &monitoring,
        Peer::any_ipv4(),
        Port::HTTPS,
        "Container registry and remote write to the metrics store, through NAT",
    )?;

    stack.share(&vpc)?;
    for group in [&game_servers, &lb, &monitoring] {
        stack.share(group)?;
    }
    stack.share(&cluster)?;
    stack.share(&namespace)?;
    Ok(Network { vpc, public, tasks, cluster, namespace, game_servers, lb, monitoring })
}

/// The load balancer; returns the target group, which the edge stack shares.
fn edge_stack(stack: &mut Stack, net: &Network) -> Result<ResourceHandle, Error> {
    let lb_groups = stack.group_set("lb", [&net.lb])?;
    let lb = stack.resource(
        "load-balancer",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        Props::new()
            .set("Type", "network")
            .set("Scheme", "internet-facing")
            .set("IpAddressType", "dualstack")
            .set("Subnets", &net.public)
            .set("SecurityGroups", &lb_groups)
            .set(
                "LoadBalancerAttributes",
                vec![Props::new().set("Key", "load_balancing.cross_zone.enabled").set("Value", "true")],
            ),
    )?;
    let target_group = stack.resource(
        "game-servers",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        Props::new()
            .set("TargetType", "ip")
            .set("Protocol", "TCP")
            .set("Port", GAME_PORT)
            .set("VpcId", &net.vpc)
            .set("HealthCheckProtocol", "TCP")
            .set(
                "TargetGroupAttributes",
                vec![
                    // The game servers' rule names the load balancer's group: they must
                    // see its addresses, not the players'.
                    Props::new().set("Key", "preserve_client_ip.enabled").set("Value", "false"),
                    // A draining server gets five minutes to end its matches.
                    Props::new().set("Key", "deregistration_delay.timeout_seconds").set("Value", "300"),
                ],
            ),
    )?;
    stack.resource(
        "listener",
        "AWS::ElasticLoadBalancingV2::Listener",
        Props::new()
            .set("LoadBalancerArn", lb.reference())
            .set("Port", GAME_PORT)
            .set("Protocol", "TCP")
            .set(
                "DefaultActions",
                vec![Props::new().set("Type", "forward").set("TargetGroupArn", target_group.reference())],
            ),
    )?;
    stack.share(&target_group)?;
    Ok(target_group)
}

fn game_stack(
    stack: &mut Stack,
    net: &Network,
    target_group: &ResourceHandle,
    env: &str,
) -> Result<(), Error> {
    let tasks = stack.group_set("tasks", [&net.game_servers])?;
    let registry = stack.resource(
        "registry",
        "AWS::ServiceDiscovery::Service",
        Props::new()
            .set("Name", "game-servers")
            .set("Description", "Game server tasks, for the metrics scrapers")
            .set("NamespaceId", net.namespace.reference())
            .set(
                "DnsConfig",
                json!({"RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": "A", "TTL": 10}]}),
            ),
    )?;
    let task = stack.resource(
        "task",
        "AWS::ECS::TaskDefinition",
        Props::new()
            .set("Family", format!("game-servers-{env}"))
            .set("RequiresCompatibilities", vec!["FARGATE"])
            .set("NetworkMode", "awsvpc")
            .set("Cpu", "1024")
            .set("Memory", "2048")
            .set(
                "ContainerDefinitions",
                vec![Props::new()
                    .set("Name", "game-server")
                    .set("Image", format!("public.ecr.aws/arena/game-server:{env}"))
                    .set("Essential", true)
                    .set(
                        "PortMappings",
                        json!([
                            {"ContainerPort": GAME_PORT, "Protocol": "tcp"},
                            {"ContainerPort": METRICS_PORT, "Protocol": "tcp"}
                        ]),
                    )],
            ),
    )?;
    stack.resource(
        "service",
        "AWS::ECS::Service",
        Props::new()
            .set("Cluster", net.cluster.reference())
            .set("TaskDefinition", task.reference())
            .set("DesiredCount", 2)
            .set("LaunchType", "FARGATE")
            .set("HealthCheckGracePeriodSeconds", 60)
            .set(
                "LoadBalancers",
                vec![Props::new()
                    .set("ContainerName", "game-server")
                    .set("ContainerPort", GAME_PORT)
                    .set("TargetGroupArn", target_group.reference())],
            )
            .set("ServiceRegistries", vec![Props::new().set("RegistryArn", registry.attr("Arn"))])
            .set(
                "NetworkConfiguration",
                Props::new().set(
                    "AwsvpcConfiguration",
                    Props::new()
                        .set("AssignPublicIp", "DISABLED")
                        .set("SecurityGroups", &tasks)
                        .set("Subnets", &net.tasks),
                ),
            ),
    )?;
    Ok(())
}

fn monitoring_stack(stack: &mut Stack, net: &Network, env: &str) -> Result<(), Error> {
    let tasks = stack.group_set("tasks", [&net.monitoring])?;
    let task = stack.resource(
        "task",
        "AWS::ECS::TaskDefinition",
        Props::new()
            .set("Family", format!("monitoring-{env}"))
            .set("RequiresCompatibilities", vec!["FARGATE"])
            .set("NetworkMode", "awsvpc")
            .set("Cpu", "256")
            .set("Memory", "512")
            .set(
                "ContainerDefinitions",
                vec![Props::new()
                    .set("Name", "scraper")
                    .set("Image", "public.ecr.aws/arena/metrics-scraper:stable")
                    .set("Essential", true)
                    .set(
                        "Environment",
                        vec![Props::new()
                            .set("Name", "SCRAPE_TARGETS")
                            .set("Value", format!("game-servers.{env}.arena.internal:{METRICS_PORT}"))],
                    )],
            ),
    )?;
    stack.resource(
        "service",
        "AWS::ECS::Service",
        Props::new()
            .set("Cluster", net.cluster.reference())
            .set("TaskDefinition", task.reference())
            .set("DesiredCount", 1)
            .set("LaunchType", "FARGATE")
            .set(
                "NetworkConfiguration",
                Props::new().set(
                    "AwsvpcConfiguration",
                    Props::new()
                        .set("AssignPublicIp", "DISABLED")
                        .set("SecurityGroups", &tasks)
                        .set("Subnets", &net.tasks),
                ),
            ),
    )?;
    Ok(())
}

#[allow(dead_code)] // used when this file is compiled as the example binary
fn main() -> ExitCode {
    run(|args| build(&args.env))
}
