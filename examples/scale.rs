//! # scale
//!
//! The chat_bots layout with N bot stacks — a network stack (VPC with public, private
//! and isolated subnets, NAT, a data NACL, the shared role groups) plus N bots, each
//! with its own group, two egress rules, its tasks in {own group, shared bots group}
//! and one ECS service — built, synthesized (with the checks) and written, each phase
//! timed.
//!
//! ```text
//! cargo run --release --example scale -- --bots 1000 --out target/scale
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use ringfence::{App, Error, FlowLogs, Formats, NaclRule, Peer, Port, Props, SubnetGroup, VpcSpec};

/// Command line of the scale example.
#[derive(Debug, Parser)]
struct Args {
    /// Number of bot stacks.
    #[arg(long, default_value_t = 1000)]
    bots: usize,
    /// Folder to write the assembly to.
    #[arg(long, default_value = "target/scale")]
    out: PathBuf,
}

/// Builds the network stack and `bots` bot stacks.
pub fn build(bots: usize) -> Result<App, Error> {
    let app = App::new("chat").environment("production");
    let mut network = app.stack("network")?;
    let vpc = network.vpc(
        "main",
        VpcSpec::new("10.20.0.0/16")?
            .azs(2)
            .subnets(SubnetGroup::public("public", 24))
            .subnets(SubnetGroup::private("tasks", 20))
            .subnets(SubnetGroup::isolated("data", 24))
            .flow_logs(FlowLogs::cloudwatch(90)),
    )?;
    let tasks = vpc.subnet_group("tasks")?;
    let acl = network.network_acl(&vpc, "data-acl")?;
    network.associate_nacl(&acl, &vpc.subnet_group("data")?)?;
    for (i, peer) in tasks.peers().into_iter().enumerate() {
        let rule = NaclRule::allow_in(100 + 10 * i as u32, peer, Port::POSTGRES, "Bot tasks to the database");
        network.nacl_allow_with_return(&acl, rule)?;
    }
    let cluster =
        network.resource("cluster", "AWS::ECS::Cluster", Props::new().set("ClusterName", "chat"))?;
    let shared = network.security_group(&vpc, "bots", "Every bot task; services admit this role")?;
    let db = network.security_group(&vpc, "chat-db", "Chat history PostgreSQL")?;
    network.allow_ingress(&db, Peer::group(&shared), Port::POSTGRES, "Bots keep chat history")?;
    network.share(&vpc)?;
    network.share(&shared)?;
    network.share(&db)?;
    network.share(&cluster)?;

    for i in 0..bots {
        let name = format!("bot-{i:05}");
        let mut stack = app.stack(&name)?;
        let own = stack.security_group(&vpc, name.as_str(), "Tasks of one bot")?;
        stack.allow_egress(&own, Peer::group(&db), Port::POSTGRES, "Chat history")?;
        stack.allow_egress(&own, Peer::any_ipv4(), Port::HTTPS, "Chat platform API")?;
        let set = stack.group_set("tasks", [&own, &shared])?;
        stack.resource(
            "service",
            "AWS::ECS::Service",
            Props::new()
                .set("Cluster", cluster.reference())
                .set("TaskDefinition", name.as_str())
                .set("DesiredCount", 1)
                .set("LaunchType", "FARGATE")
                .set(
                    "NetworkConfiguration",
                    Props::new().set(
                        "AwsvpcConfiguration",
                        Props::new()
                            .set("AssignPublicIp", "DISABLED")
                            .set("SecurityGroups", &set)
                            .set("Subnets", &tasks),
                    ),
                ),
        )?;
    }
    Ok(app)
}

/// Peak resident memory of this process, in kB (Linux), if known.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |d| d.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
}

#[allow(dead_code)] // used when this file is compiled as the example binary
fn main() -> ExitCode {
    let args = Args::parse();
    let t0 = Instant::now();
    let app = match build(args.bots) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let t1 = Instant::now();
    let assembly = match app.synth() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let t2 = Instant::now();
    let written = match assembly.write(&args.out, Formats::Json) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let t3 = Instant::now();
    let resources: usize = assembly.stacks().iter().map(|s| s.template.resources.len()).sum();
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
    println!("stacks      {}", assembly.stacks().len());
    println!("resources   {resources}");
    println!("bytes       {}", dir_bytes(&args.out));
    println!("build ms    {:.1}", ms(t0, t1));
    let t = assembly.timings();
    let d = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "synth ms    {:.1}  (render {:.1}, order {:.1}, sizes {:.1}, model {:.1}, checks {:.1})",
        ms(t1, t2),
        d(t.render),
        d(t.order),
        d(t.sizes),
        d(t.model),
        d(t.checks)
    );
    println!(
        "write ms    {:.1}  ({} files written, {} unchanged, {} removed)",
        ms(t2, t3),
        written.written,
        written.unchanged,
        written.removed
    );
    println!("total ms    {:.1}", ms(t0, t3));
    println!("peak RSS kB {}", peak_rss_kb().map_or("unknown".into(), |k| k.to_string()));
    for w in assembly.warnings() {
        println!("warning     {} {}/{}: {}", w.check, w.template, w.logical_id, w.message);
    }
    let t4 = Instant::now();
    drop(assembly);
    drop(app);
    println!("drop ms     {:.1}", ms(t4, Instant::now()));
    ExitCode::SUCCESS
}
