//! # bench
//!
//! Figures for synthesis and analysis at scale, with the machine's floor beside them:
//! for N = 100, 1,000 and 10,000 bot stacks (the `scale` layout), the best of `--runs`
//! runs of build + synth (with the checks) + write into an empty folder ("fresh") and
//! into the folder of the previous run ("again", nothing changed), microseconds per
//! stack, and two floors: the time serde_json alone takes to write the same documents
//! already in memory, and the same plus writing each to its file on one thread; then
//! an audit of the written N=1,000 folder (read every file, build the model, run the
//! checks) and one reachability query over it; last, the audit of one template of 1,000,
//! 8,000 and 100,000 security groups (read, model and checks, and the line of every
//! finding, as `ringfence audit` finds them), with milliseconds per 1,000 groups: a flat
//! figure is a linear audit.
//!
//! ```text
//! cargo run --release --example bench -- --runs 5
//! cargo run --release --example bench -- --bots 100 --groups 1000,8000,100000
//! cargo run --release --example bench -- --runs 7 --markdown BENCHMARKS.md
//! ```
//!
//! `--markdown FILE` also writes the figures, with the date, the machine and the
//! command, into FILE between the markers `<!-- bench:begin -->` and
//! `<!-- bench:end -->` (the rest of the file is kept; a new file gets a header).

use std::path::Path;
use std::time::{Duration, Instant};

use std::fmt::Write as _;

use clap::Parser;
use ringfence::analyze::reach::{reach, Endpoint};
use ringfence::analyze::{analyze, Model, Protocol, Suite};
use ringfence::cfn::{locate, KeyPath, Template};
use ringfence::Formats;

#[path = "scale.rs"]
#[allow(dead_code)]
mod scale;

/// Command line of the benchmark.
#[derive(Debug, Parser)]
struct Args {
    /// Runs per figure; the best is reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Sizes to measure.
    #[arg(long, value_delimiter = ',', default_value = "100,1000,10000")]
    bots: Vec<usize>,
    /// Security groups in the one template whose audit is timed.
    #[arg(long, value_delimiter = ',', default_value = "1000,8000,100000")]
    groups: Vec<usize>,
    /// Runs per figure of that audit (each 100,000-group run takes seconds).
    #[arg(long, default_value_t = 3)]
    audit_runs: usize,
    /// Also write the figures into this Markdown file (BENCHMARKS.md), between its
    /// `<!-- bench:begin -->` and `<!-- bench:end -->` markers.
    #[arg(long)]
    markdown: Option<std::path::PathBuf>,
}

/// What the run prints, kept for `--markdown`.
static PRINTED: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// Prints a line and keeps it for `--markdown`.
macro_rules! say {
    ($($arg:tt)*) => {{
        let line = format!($($arg)*);
        println!("{line}");
        if let Ok(mut p) = PRINTED.lock() {
            p.push_str(&line);
            p.push('\n');
        }
    }};
}

const BEGIN: &str = "<!-- bench:begin -->";
const END: &str = "<!-- bench:end -->";

/// Today's date (UTC), `YYYY-MM-DD`, from the system clock.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The operating system and compiler, as far as the machine tells.
fn system() -> String {
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(
        |_| std::env::consts::OS.to_owned(),
        |r| format!("{} {}", std::env::consts::OS, r.trim()),
    );
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "rustc unknown".to_owned(), |v| v.trim().to_owned());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            let kb: u64 =
                t.lines().find(|l| l.starts_with("MemTotal:"))?.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!(", {:.0} GiB", kb as f64 / 1_048_576.0))
        })
        .unwrap_or_default();
    format!("{kernel}{memory}, {rustc}")
}

/// Writes the figures into `path` between the markers, keeping the rest of the file.
fn write_markdown(path: &Path, printed: &str) -> std::io::Result<()> {
    let command: Vec<String> = std::env::args().skip(1).collect();
    let generated = format!(
        "{BEGIN}\n_Generated on {} by `cargo run --release --example bench -- {}` on {} ({}). \
         Run it again to replace this part; the notes outside the markers are kept._\n\n```text\n{printed}```\n{END}",
        today(),
        command.join(" "),
        machine(),
        system(),
    );
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if b < e => format!("{}{generated}{}", &old[..b], &old[e + END.len()..]),
        _ if old.is_empty() => format!("# Benchmarks\n\n{generated}\n"),
        _ => format!("{old}\n{generated}\n"),
    };
    std::fs::write(path, new)
}

fn best(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn audit(dir: &Path) -> (usize, Duration, Suite) {
    let t = Instant::now();
    let mut suite = Suite::new();
    let mut files: Vec<_> =
        std::fs::read_dir(dir).expect("assembly folder").flatten().map(|e| e.path()).collect();
    files.sort();
    for path in files.iter().filter(|p| p.to_string_lossy().ends_with(".template.json")) {
        let text = std::fs::read_to_string(path).expect("readable template");
        let stack = path
            .file_name()
            .map(|n| n.to_string_lossy().trim_end_matches(".template.json").to_owned())
            .unwrap_or_default();
        suite.add(&stack, &path.display().to_string(), Template::parse(&text).expect("valid template"));
    }
    let findings = analyze(&suite).findings.len();
    (findings, t.elapsed(), suite)
}

/// One template of `n` security groups, as pretty JSON: each admits SSH from the whole
/// Internet (RF301) and HTTPS from 10.0.0.0/8 without a description (RF202), so every
/// group has findings whose lines are looked up; each restricts its egress inline.
fn groups_template(n: usize) -> String {
    let mut t = String::with_capacity(n * 900 + 100);
    t.push_str("{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n  \"Resources\": {");
    for i in 0..n {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(
            t,
            r#"{sep}
    "Group{i:06}": {{
      "Type": "AWS::EC2::SecurityGroup",
      "Properties": {{
        "GroupName": "web-{i:06}",
        "GroupDescription": "Web servers of shard {i}",
        "VpcId": "vpc-0123456789abcdef0",
        "SecurityGroupIngress": [
          {{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0", "Description": "administration"}},
          {{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.0.0.0/8"}}
        ],
        "SecurityGroupEgress": [
          {{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "CidrIp": "10.1.0.0/16", "Description": "database"}}
        ]
      }}
    }}"#
        );
    }
    t.push_str("\n  }\n}\n");
    t
}

/// The audit of one template's text, as `ringfence audit` runs it: read, model and
/// checks, then the line of every finding's resource (one pass over the text). The time
/// of each step and the number of findings.
fn audit_text(text: &str) -> ([Duration; 3], usize) {
    let t = Instant::now();
    let mut suite = Suite::new();
    suite.read("groups", "groups.json", text).expect("a valid template");
    let read = t.elapsed();
    let t = Instant::now();
    let findings = analyze(&suite).findings;
    let checks = t.elapsed();
    let t = Instant::now();
    let mut ids: Vec<&str> =
        findings.iter().map(|f| f.logical_id.as_str()).filter(|id| !id.is_empty()).collect();
    ids.dedup();
    let paths: Vec<KeyPath> = ids.iter().map(|id| KeyPath::new().key("Resources").key(*id)).collect();
    let lines = locate(text, &paths);
    assert!(lines.iter().all(Option::is_some), "every resource with a finding has a line");
    let lines = t.elapsed();
    ([read, checks, lines], findings.len())
}

/// The CPU model and core count, for the figures' context (Linux; else "unknown").
fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{model}, {cores} cores")
}

/// Serializes every template of `assembly` the way synthesis writes it (pretty JSON),
/// handing each document to `sink`.
fn serialize_all(assembly: &ringfence::Assembly, mut sink: impl FnMut(&ringfence::StackArtifact, &[u8])) {
    let mut buf = Vec::with_capacity(64 * 1024);
    for s in assembly.stacks() {
        buf.clear();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut buf,
            serde_json::ser::PrettyFormatter::with_indent(b"  "),
        );
        serde::Serialize::serialize(&*s.template, &mut ser).expect("serializable");
        sink(s, &buf);
    }
}

fn main() {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("ringfence-bench-{}", std::process::id()));
    say!("machine: {}; output under {}", machine(), std::env::temp_dir().display());
    say!(
        "{:>7} {:>9} {:>9} {:>9} {:>9} {:>7} {:>13} {:>7} {:>7}",
        "stacks",
        "fresh ms",
        "us/stack",
        "again ms",
        "floor ms",
        "ratio",
        "+files floor",
        "ratio",
        "MB out"
    );
    for &n in &args.bots {
        let mut bytes = 0u64;
        let run = |bytes: &mut u64| {
            let t = Instant::now();
            let app = scale::build(n).expect("the layout builds");
            let assembly = app.synth().expect("the layout synthesizes");
            assembly.write(&dir, Formats::Json).expect("writable temp dir");
            let d = t.elapsed();
            *bytes = assembly.stacks().iter().map(|s| s.template.json_len() as u64).sum();
            d
        };
        // Into an empty folder: every file is created.
        let fresh = best(args.runs, || {
            let _ = std::fs::remove_dir_all(&dir);
            run(&mut bytes)
        });
        // Into the folder of the previous run: nothing changed, nothing is rewritten.
        let again = best(args.runs, || run(&mut bytes));
        let assembly = scale::build(n).expect("builds").synth().expect("synthesizes");
        // The floor: serde_json writing the same documents, already in memory, to memory.
        let floor = best(args.runs, || {
            let t = Instant::now();
            let mut out = 0usize;
            serialize_all(&assembly, |_, doc| out += doc.len());
            std::hint::black_box(out);
            t.elapsed()
        });
        // The same, each document written to its file in an empty folder, one thread —
        // what any tool that writes these templates must pay.
        let floor_dir = dir.with_extension("floor");
        let floor_files = best(args.runs, || {
            let _ = std::fs::remove_dir_all(&floor_dir);
            let _ = std::fs::create_dir_all(&floor_dir);
            let t = Instant::now();
            serialize_all(&assembly, |s, doc| {
                std::fs::write(floor_dir.join(s.template_file()), doc).expect("writable temp dir")
            });
            t.elapsed()
        });
        let _ = std::fs::remove_dir_all(&floor_dir);
        let stacks = n + 1;
        say!(
            "{stacks:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>7.1} {:>13.1} {:>7.1} {:>7.1}",
            ms(fresh),
            fresh.as_secs_f64() * 1e6 / stacks as f64,
            ms(again),
            ms(floor),
            fresh.as_secs_f64() / floor.as_secs_f64(),
            ms(floor_files),
            fresh.as_secs_f64() / floor_files.as_secs_f64(),
            bytes as f64 / 1e6
        );
    }

    // Synthesis alone, warm: where its time goes once the process has its memory.
    let app = scale::build(1000).expect("builds");
    let mut steps = None;
    let synth = best(args.runs, || {
        let t = Instant::now();
        let assembly = app.synth().expect("synthesizes");
        let d = t.elapsed();
        let s = assembly.timings();
        if steps.is_none_or(|(best, _)| d < best) {
            steps = Some((d, s));
        }
        d
    });
    if let Some((_, s)) = steps {
        say!(
            "synth of 1001 stacks, warm: {:.1} ms (render {:.1}, order {:.1}, sizes {:.1}, model {:.1}, checks {:.1})",
            ms(synth),
            ms(s.render),
            ms(s.order),
            ms(s.sizes),
            ms(s.model),
            ms(s.checks)
        );
    }
    drop(app);

    // Audit and reachability over the N=1,000 folder, as a team would run them.
    let _ = std::fs::remove_dir_all(&dir);
    scale::build(1000).expect("builds").synth_to(&dir, Formats::Json).expect("writes");
    let mut last = None;
    let audit_time = best(args.runs, || {
        let (findings, d, suite) = audit(&dir);
        last = Some((findings, suite));
        d
    });
    let (findings, suite) = last.expect("at least one run");
    let templates = suite.templates().len();
    say!(
        "audit of {templates} templates: {:.1} ms ({:.0} templates/s, {findings} findings)",
        ms(audit_time),
        templates as f64 / audit_time.as_secs_f64()
    );
    let model = Model::build(&suite);
    let from =
        model.workloads.iter().find(|w| w.resource_type == "AWS::ECS::Service").expect("a bot service");
    let from =
        Endpoint::workload(&model, model.stack_name(from.at.stack), from.at.id.as_str()).expect("endpoint");
    let db = model.find_group("chat-db-production").expect("the database group");
    let subnet = model.find_subnet("chat-main-production/data-1").expect("a data subnet");
    let to = Endpoint::in_subnet(&model, vec![db], subnet);
    let mut allowed = false;
    let query = best(args.runs * 20, || {
        let t = Instant::now();
        allowed = reach(&model, &from, &to, Protocol::Tcp, 5432).allowed;
        t.elapsed()
    });
    say!(
        "reach bot -> chat-db tcp/5432 over {templates} templates: {:.3} ms (allowed: {allowed})",
        ms(query)
    );
    let _ = std::fs::remove_dir_all(&dir);
    drop(model);
    drop(suite);

    // `ringfence diff` of two assemblies, 1,001 and 1,002 stacks (one bot added): both
    // suites modelled, flows, replacements, failures and the order.
    let before = scale::build(1000).expect("builds").synth().expect("synthesizes");
    let after = scale::build(1001).expect("builds").synth().expect("synthesizes");
    let mut opened = 0;
    let diff_time = best(args.runs, || {
        let t = Instant::now();
        let d = before.diff(&after);
        let took = t.elapsed();
        opened = d.flows.opened.len();
        took
    });
    say!("diff of 1001 and 1002 stacks (one bot added): {:.1} ms ({opened} flows opened)", ms(diff_time));
    drop(before);
    drop(after);

    // The audit of one large template: linear when ms per 1,000 groups stays flat.
    say!(
        "{:>8} {:>7} {:>8} {:>9} {:>8} {:>9} {:>14} {:>9}",
        "groups",
        "MB",
        "read ms",
        "checks ms",
        "lines ms",
        "total ms",
        "ms/1000 groups",
        "findings"
    );
    for &n in &args.groups {
        let text = groups_template(n);
        let mut steps = [Duration::ZERO; 3];
        let mut findings = 0;
        let total = best(args.audit_runs.max(1), || {
            let (s, f) = audit_text(&text);
            let d: Duration = s.iter().sum();
            if steps.iter().sum::<Duration>() == Duration::ZERO || d < steps.iter().sum() {
                steps = s;
            }
            findings = f;
            d
        });
        say!(
            "{n:>8} {:>7.1} {:>8.1} {:>9.1} {:>8.1} {:>9.1} {:>14.1} {findings:>9}",
            text.len() as f64 / 1e6,
            ms(steps[0]),
            ms(steps[1]),
            ms(steps[2]),
            ms(total),
            ms(total) * 1000.0 / n as f64,
        );
    }
    if let Some(path) = &args.markdown {
        let printed = PRINTED.lock().map(|p| p.clone()).unwrap_or_default();
        write_markdown(path, &printed).expect("the Markdown file is writable");
        println!("figures written into {}", path.display());
    }
}
