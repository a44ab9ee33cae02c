//! # chat_bots
//!
//! A chat platform runs many small bots, one stack each, on a shared network. The
//! `network` stack owns the VPC (public subnets for NAT, private subnets for the bot
//! tasks, isolated subnets behind a network ACL for the data tier, an S3 gateway
//! endpoint, flow logs), the ECS cluster and the role groups: `bots-<env>`,
//! which every bot task joins, and the service groups `chat-db-<env>` (PostgreSQL) and
//! `cache-<env>` (Redis), which admit `bots-<env>`. Each bot stack creates its own group,
//! with egress only where that bot needs to go, and runs its tasks in {own group, shared
//! bots group}. No bot stack ever adds a rule to a network group, so deploying, rolling
//! back or deleting a bot never changes what another bot can reach.
//!
//! ```text
//! cargo run --example chat_bots -- --out cdk.out [--env production|staging] [--yaml]
//! ```

use std::process::ExitCode;

use ringfence::{
    App, Error, FlowLogs, GatewayService, NaclRule, Peer, Port, Props, ResourceHandle, SecurityGroup, Stack,
    SubnetGroup, Subnets, Vpc, VpcSpec,
};
use ringfence_examples::run;

/// What one bot needs to reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bot {
    /// Its name: the stack is `bot-<name>`, its group `bot-<name>-<env>`.
    pub name: &'static str,
    /// What the bot does, for the group's description.
    pub purpose: &'static str,
    /// Keeps state in the chat history database.
    pub chat_db: bool,
    /// Keeps state in the Redis cache.
    pub cache: bool,
}

/// The bots the platform runs today.
pub const BOTS: [Bot; 3] = [
    Bot { name: "trivia", purpose: "asks trivia questions and keeps scores", chat_db: true, cache: false },
    Bot { name: "dice", purpose: "rolls dice for tabletop channels", chat_db: false, cache: true },
    Bot { name: "quiz", purpose: "runs timed quizzes", chat_db: true, cache: true },
];

/// A bot that may join later.
pub const POLL: Bot = Bot { name: "poll", purpose: "runs channel polls", chat_db: true, cache: false };

/// What the network stack shares with the bot stacks.
struct Network {
    vpc: Vpc,
    tasks: Subnets,
    bots: SecurityGroup,
    chat_db: SecurityGroup,
    cache: SecurityGroup,
    cluster: ResourceHandle,
}

/// Builds the app for one environment and a set of bots.
pub fn build(env: &str, bots: &[Bot]) -> Result<App, Error> {
    let app = App::new("chat").environment(env);
    let mut network = app.stack("network")?;
    network.describe(&format!(
        "Shared network of the chat platform ({env}): VPC, ECS cluster and role groups"
    ))?;
    let net = network_stack(&mut network, env)?;
    for bot in bots {
        let mut stack = app.stack(&format!("bot-{}", bot.name))?;
        bot_stack(&mut stack, &net, bot, env)?;
    }
    Ok(app)
}

fn network_stack(stack: &mut Stack, env: &str) -> Result<Network, Error> {
    // Public subnets hold only the NAT gateways; bots run in private subnets; the
    // database and the cache sit in isolated subnets with no route out at all.
    let vpc = stack.vpc(
        "main",
        VpcSpec::new("10.20.0.0/16")?
            .azs(2)
            .subnets(SubnetGroup::public("public", 24))
            .subnets(SubnetGroup::private("tasks", 20))
            .subnets(SubnetGroup::isolated("data", 24))
            .nat_gateways(2)
            .flow_logs(FlowLogs::cloudwatch(90)),
    )?;
    let tasks = vpc.subnet_group("tasks")?;
    let data = vpc.subnet_group("data")?;
    // Image layers come from S3: keep that traffic off the NAT gateways.
    stack.gateway_endpoint("s3", GatewayService::S3, &tasks)?;

    // The data tier's NACL admits only the task subnets, on the two service ports, and
    // lets the replies go back.
    let data_acl = stack.network_acl(&vpc, "data-acl")?;
    stack.associate_nacl(&data_acl, &data)?;
    let mut number = 100;
    for peer in tasks.peers() {
        for (port, why) in [
            (Port::POSTGRES, "Bot tasks to the chat history database"),
            (Port::REDIS, "Bot tasks to the cache"),
        ] {
            stack.nacl_allow_with_return(&data_acl, NaclRule::allow_in(number, peer.clone(), port, why))?;
            number += 10;
        }
    }

    let cluster = stack.resource(
        "cluster",
        "AWS::ECS::Cluster",
        Props::new().set("ClusterName", format!("chat-{env}")),
    )?;
    let bots =
        stack.security_group(&vpc, "bots", "Every bot task; services admit this role, never a single bot")?;
    let chat_db = stack.security_group(&vpc, "chat-db", "Chat history PostgreSQL cluster")?;
    let cache = stack.security_group(&vpc, "cache", "Redis cache of bot state and rate limits")?;
    stack.allow_ingress(&chat_db, Peer::group(&bots), Port::POSTGRES, "Bots read and write chat history")?;
    stack.allow_ingress(&cache, Peer::group(&bots), Port::REDIS, "Bots keep short-lived state")?;

    stack.share(&vpc)?;
    for group in [&bots, &chat_db, &cache] {
        stack.share(group)?;
    }
    stack.share(&cluster)?;
    Ok(Network { vpc, tasks, bots, chat_db, cache, cluster })
}

fn bot_stack(stack: &mut Stack, net: &Network, bot: &Bot, env: &str) -> Result<(), Error> {
    let role = format!("bot-{}", bot.name);
    let own = stack.security_group(
        &net.vpc,
        role.as_str(),
        &format!("Tasks of the {} bot, which {}", bot.name, bot.purpose),
    )?;
    if bot.chat_db {
        stack.allow_egress(&own, Peer::group(&net.chat_db), Port::POSTGRES, "Chat history")?;
    }
    if bot.cache {
        stack.allow_egress(&own, Peer::group(&net.cache), Port::REDIS, "Bot state and rate limits")?;
    }
    stack.allow_egress(&own, Peer::any_ipv4(), Port::HTTPS, "Chat platform API and container registry")?;
    let tasks = stack.group_set("tasks", [&own, &net.bots])?;

    let task = stack.resource(
        "task",
        "AWS::ECS::TaskDefinition",
        Props::new()
            .set("Family", format!("{role}-{env}"))
            .set("RequiresCompatibilities", vec!["FARGATE"])
            .set("NetworkMode", "awsvpc")
            .set("Cpu", "256")
            .set("Memory", "512")
            .set(
                "ContainerDefinitions",
                vec![Props::new()
                    .set("Name", "bot")
                    .set("Image", format!("public.ecr.aws/chat-platform/{role}:{env}"))
                    .set("Essential", true)],
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
    run(|args| build(&args.env, &BOTS))
}
