//! The command line: subcommands, options, and the parsers of their values.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ringfence_analyze::{PortRange, Protocol};

const EXIT_CODES: &str = "\
Exit codes:
  0  clean (audit: no finding at or above --fail-on; diff: no --fail-on gate holds;
     other commands: answer computed)
  1  audit found findings at or above --fail-on (default: error); diff: a --fail-on gate
     holds (default: a deployment predicted to fail)
  2  usage or I/O error (unknown option, stack or group; unreadable path)";

const MAIN_HELP: &str = "\
Examples:
  ringfence audit cdk.out
  ringfence audit legacy/ --param '*.SharedBotsSecurityGroup=sg-0b7a1c2d3e4f50617' --format sarif > ringfence.sarif
  ringfence audit --plan legacy/
  ringfence reach --from bot-trivia-production,bots-production --to chat-db-production --port tcp/5432 cdk.out
  ringfence impact --remove chat-network-production cdk.out
  ringfence diff old/cdk.out cdk.out --format markdown
  ringfence graph cdk.out --format mermaid

Exit codes:
  0  clean (audit: no finding at or above --fail-on; diff: no --fail-on gate holds;
     other commands: answer computed)
  1  audit found findings at or above --fail-on (default: error); diff: a --fail-on gate
     holds (default: a deployment predicted to fail)
  2  usage or I/O error (unknown option, stack or group; unreadable path)";

const AUDIT_HELP: &str = "\
Examples:
  ringfence audit cdk.out
  ringfence audit legacy/chat-platform --param '*.SharedBotsSecurityGroup=sg-0b7a1c2d3e4f50617'
  ringfence audit templates/ --format json --fail-on warning
  ringfence audit templates/ --format sarif > ringfence.sarif
  ringfence audit --plan legacy/chat-platform
  ringfence audit web.yaml --stack-name web.yaml=shop-web-production

A file that cannot be parsed is reported as an error finding RF000 (unreadable
template) with its line and column, and the audit goes on with the other files.";

const REACH_HELP: &str = "\
Examples:
  ringfence reach --from bot-trivia-production,bots-production --to chat-db-production --port tcp/5432 cdk.out
  ringfence reach --from internet:203.0.113.7 --to web-production --port tcp/443 cdk.out
  ringfence reach --from app-production --from-subnet app-a --to internet:198.51.100.1 --port tcp/443 cdk.out
  ringfence reach --from workload:chat-bot-dice-production/ServiceF2ACD6CA --to cache-production --port tcp/6379 cdk.out --format json

Groups are named by logical id, STACK/LOGICALID, GroupName or Name tag, or sg-… for a
group outside the suite; subnets by Name tag, logical id or STACK/LOGICALID.
Exit code 0 whether the flow is allowed or not; 2 on an unknown group or subnet.";

const IMPACT_HELP: &str = "\
Examples:
  ringfence impact --remove chat-bot-trivia-production cdk.out
  ringfence impact --remove bot-dice legacy/chat-platform --param '*.SharedBotsSecurityGroup=sg-0b7a1c2d3e4f50617'
  ringfence impact --remove network legacy/chat-platform --format json

Lists, for every other stack, the rules it declares or relies on that change when STACK
is deleted or rolled back: identical rules (EC2 keeps one copy), rules on or naming
STACK's groups, workloads in STACK's groups, imports of STACK's exports.";

const DIFF_HELP: &str = "\
Examples:
  ringfence diff old/cdk.out cdk.out
  ringfence diff main-templates/ templates/ --format markdown > diff.md
  ringfence diff before.yaml after.yaml --format json --fail-on failure --fail-on internet

Each side is a cloud assembly, a folder of templates or one template file. Reports the
stacks added, removed and changed; the flows opened and closed between workloads, the
groups nothing joins and outside peers (by the reachability rules, not the rule text);
the resources replaced and what they take along; the deployments predicted to fail, each
with how to avoid it; an order to deploy in; and, for each removed stack, what removing
it does to the others. Exit code 1 when a --fail-on gate holds (default: failure).";

const GRAPH_HELP: &str = "\
Examples:
  ringfence graph cdk.out --format mermaid > groups.mmd
  ringfence graph cdk.out --format dot | dot -Tsvg > groups.svg";

/// ringfence: audits ring-fencing, least privilege and hygiene of CloudFormation
/// network templates, and answers questions about them.
#[derive(Debug, Parser)]
#[command(name = "ringfence", version, after_help = MAIN_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every check over a suite of templates: findings as text, JSON or SARIF.
    #[command(after_help = format!("{AUDIT_HELP}\n\n{EXIT_CODES}"))]
    Audit(AuditArgs),
    /// Can one endpoint reach another on a protocol and port? The verdict and its steps.
    #[command(after_help = format!("{REACH_HELP}\n\n{EXIT_CODES}"))]
    Reach(ReachArgs),
    /// What deleting or rolling back one stack does to every other stack.
    #[command(after_help = format!("{IMPACT_HELP}\n\n{EXIT_CODES}"))]
    Impact(ImpactArgs),
    /// What a change does to traffic and to the deployment, before it ships.
    #[command(after_help = format!("{DIFF_HELP}\n\n{EXIT_CODES}"))]
    Diff(DiffArgs),
    /// Diagram of the security groups and their rules (Graphviz DOT or Mermaid).
    #[command(after_help = format!("{GRAPH_HELP}\n\n{EXIT_CODES}"))]
    Graph(GraphArgs),
}

/// The templates to read, as one suite.
#[derive(Debug, Args)]
pub struct Inputs {
    /// Template files, or folders searched recursively for .json, .yaml, .yml and
    /// .template files (manifest.json of a cloud assembly and files that are not
    /// templates are skipped; X.template.yaml is skipped beside X.template.json). When
    /// every PATH is a folder, files are shown relative to the folder that holds them.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// A parameter value for one deployment: STACK.NAME=VALUE, or *.NAME=VALUE for every
    /// template that declares NAME. Repeatable.
    #[arg(long = "param", value_name = "STACK.NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<Param>,
    /// The stack name of a file (default: the file stem, NAME for NAME.template.json;
    /// for files that share a stem, their paths in the audited folder:
    /// ecs/cluster.yaml is ecs-cluster). Repeatable.
    #[arg(long = "stack-name", value_name = "FILE=NAME", value_parser = parse_stack_name)]
    pub stack_names: Vec<StackName>,
}

/// `--param STACK.NAME=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The stack, `*` for every stack that declares the parameter.
    pub stack: String,
    /// The parameter's logical id.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// `--stack-name FILE=NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackName {
    /// The file, as given or as its last path components.
    pub file: PathBuf,
    /// The stack name.
    pub name: String,
}

fn parse_param(s: &str) -> Result<Param, String> {
    let (key, value) = s.split_once('=').ok_or("expected STACK.NAME=VALUE")?;
    // Parameter names have no dots; stack names taken from file names may.
    let (stack, name) = key.rsplit_once('.').ok_or("expected STACK.NAME=VALUE (no `.` before `=`)")?;
    if stack.is_empty() || name.is_empty() {
        return Err("expected STACK.NAME=VALUE with a stack and a parameter name".into());
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("`{name}` is not a parameter name (letters and digits only)"));
    }
    Ok(Param { stack: stack.to_owned(), name: name.to_owned(), value: value.to_owned() })
}

fn parse_stack_name(s: &str) -> Result<StackName, String> {
    let (file, name) = s.rsplit_once('=').ok_or("expected FILE=NAME")?;
    if file.is_empty() || name.is_empty() {
        return Err("expected FILE=NAME with a file and a stack name".into());
    }
    Ok(StackName { file: PathBuf::from(file), name: name.to_owned() })
}

/// Output of `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum AuditFormat {
    /// Findings grouped by template, and a summary line.
    #[default]
    Text,
    /// `{"findings": […], "summary": {…}}`.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

/// The lowest severity that fails the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum FailOn {
    /// Exit 1 on any active error finding.
    #[default]
    Error,
    /// Exit 1 on any active error or warning finding.
    Warning,
    /// Always exit 0 once the audit ran.
    Never,
}

/// `ringfence audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The templates.
    #[command(flatten)]
    pub inputs: Inputs,
    /// Output format (--plan: text or json).
    #[arg(long, value_enum, default_value_t)]
    pub format: AuditFormat,
    /// Exit 1 when an active finding is at least this severe.
    #[arg(long, value_enum, default_value_t)]
    pub fail_on: FailOn,
    /// Instead of the findings, print for every RF101 finding the ring-fenced layout that
    /// replaces it, in words and as ringfence code.
    #[arg(long)]
    pub plan: bool,
}

/// Output of `reach` and `impact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TextOrJson {
    /// For people.
    #[default]
    Text,
    /// For programs.
    Json,
}

/// A protocol and port (or ICMP type) of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowPort {
    /// The protocol: TCP, UDP, ICMP or ICMPv6.
    pub protocol: Protocol,
    /// The port (ICMP: the type).
    pub port: i32,
}

impl FlowPort {
    /// The flow as a range of one port (ICMP: one type, any code): `tcp/5432`, `icmp/8`.
    pub fn ports(self) -> PortRange {
        if self.protocol.is_icmp() {
            PortRange::new(self.protocol, self.port, -1)
        } else {
            PortRange::new(self.protocol, self.port, self.port)
        }
    }
}

fn parse_port(s: &str) -> Result<FlowPort, String> {
    let usage = "expected tcp/PORT, udp/PORT, icmp/TYPE or icmpv6/TYPE";
    let (protocol, port) = s.split_once('/').ok_or(usage)?;
    let protocol = ["tcp", "udp", "icmp", "icmpv6"]
        .into_iter()
        .find(|name| protocol.eq_ignore_ascii_case(name))
        .and_then(Protocol::parse)
        .ok_or(usage)?;
    let max = if protocol.is_icmp() { 255 } else { 65535 };
    let port: i64 = port.parse().map_err(|_| format!("`{port}` is not a number; {usage}"))?;
    let port = i32::try_from(port)
        .ok()
        .filter(|p| (0..=max).contains(p))
        .ok_or_else(|| format!("{port} is out of range 0-{max}"))?;
    Ok(FlowPort { protocol, port })
}

/// `ringfence reach`.
#[derive(Debug, Args)]
pub struct ReachArgs {
    /// The templates.
    #[command(flatten)]
    pub inputs: Inputs,
    /// The source: security groups (comma separated), internet:ADDRESS, or
    /// workload:STACK/LOGICALID.
    #[arg(long, value_name = "GROUP[,GROUP...]")]
    pub from: Option<String>,
    /// The destination: security groups (comma separated), internet:ADDRESS, or
    /// workload:STACK/LOGICALID.
    #[arg(long, value_name = "GROUP[,GROUP...]")]
    pub to: Option<String>,
    /// The source's subnet (Name tag, logical id or STACK/LOGICALID): NACLs and routes
    /// apply.
    #[arg(long, value_name = "SUBNET")]
    pub from_subnet: Option<String>,
    /// The destination's subnet.
    #[arg(long, value_name = "SUBNET")]
    pub to_subnet: Option<String>,
    /// The source's address (default: the fifth address of its subnet), for CIDR rules
    /// and NACL entries.
    #[arg(long, value_name = "IP")]
    pub from_address: Option<IpAddr>,
    /// The destination's address.
    #[arg(long, value_name = "IP")]
    pub to_address: Option<IpAddr>,
    /// The flow: tcp/PORT, udp/PORT, icmp/TYPE or icmpv6/TYPE.
    #[arg(long, value_name = "PROTO/PORT", value_parser = parse_port)]
    pub port: FlowPort,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: TextOrJson,
}

/// `ringfence impact`.
#[derive(Debug, Args)]
pub struct ImpactArgs {
    /// The templates.
    #[command(flatten)]
    pub inputs: Inputs,
    /// The stack deleted or rolled back (its stack name, or its file).
    #[arg(long, value_name = "STACK")]
    pub remove: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: TextOrJson,
}

/// Output of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DiffFormat {
    /// For a terminal.
    #[default]
    Text,
    /// For a pull-request comment.
    Markdown,
    /// `{"stacks", "flows", "replacements", "failures", "order", "removed_stacks"}`.
    Json,
}

/// What fails `diff` (exit code 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffGate {
    /// A deployment predicted to fail (the default).
    Failure,
    /// A flow opened from the Internet (0.0.0.0/0 or ::/0).
    Internet,
    /// A resource replaced.
    Replacement,
    /// Any flow opened.
    Opened,
    /// Any change of stacks, flows, replacements or failures.
    Change,
    /// Nothing: exit 0 once the comparison ran.
    Never,
}

/// `ringfence diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The suite before the change: a cloud assembly, a folder of templates or a file.
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The suite after the change.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// A parameter value for one deployment, on both sides: STACK.NAME=VALUE, or
    /// *.NAME=VALUE for every template that declares NAME. Repeatable.
    #[arg(long = "param", value_name = "STACK.NAME=VALUE", value_parser = parse_param)]
    pub params: Vec<Param>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: DiffFormat,
    /// Exit 1 when this holds (repeatable; default: failure).
    #[arg(long, value_enum)]
    pub fail_on: Vec<DiffGate>,
}

/// Output of `graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum GraphFormat {
    /// Mermaid flowchart (renders in GitHub and GitLab Markdown).
    #[default]
    Mermaid,
    /// Graphviz DOT digraph.
    Dot,
}

/// `ringfence graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The templates.
    #[command(flatten)]
    pub inputs: Inputs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: GraphFormat,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }

    #[test]
    fn values_parse_or_say_what_is_expected() {
        assert_eq!(
            parse_param("bot-dice.Shared=sg-1"),
            Ok(Param { stack: "bot-dice".into(), name: "Shared".into(), value: "sg-1".into() })
        );
        assert_eq!(parse_param("a.b.P=x=y").map(|p| (p.stack, p.value)), Ok(("a.b".into(), "x=y".into())));
        assert!(parse_param("Shared=sg-1").is_err());
        assert!(parse_param("bot.=x").is_err());
        assert!(parse_param("nothing").is_err());
        assert_eq!(parse_port("tcp/5432"), Ok(FlowPort { protocol: Protocol::Tcp, port: 5432 }));
        assert_eq!(parse_port("ICMP/8"), Ok(FlowPort { protocol: Protocol::Icmp, port: 8 }));
        assert_eq!(parse_port("ICMP/8").map(|f| f.ports().to_string()), Ok("icmp/8".into()));
        assert_eq!(parse_port("udp/53").map(|f| f.ports().to_string()), Ok("udp/53".into()));
        assert!(parse_port("6/443").is_err(), "protocols by name only");
        assert!(parse_port("tcp/70000").is_err());
        assert!(parse_port("5432").is_err());
        assert!(parse_port("sctp/1").is_err());
        assert_eq!(parse_stack_name("a/b.yaml=web").map(|s| s.name), Ok("web".into()));
        assert!(parse_stack_name("a.yaml").is_err());
    }
}
