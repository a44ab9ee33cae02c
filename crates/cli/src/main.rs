//! # ringfence
//!
//! The command around `ringfence-analyze`: audits a suite of CloudFormation templates
//! (text, JSON, SARIF), plans the ring-fenced layout that replaces each rule on a
//! foreign group, answers reachability questions, shows what removing one stack does to
//! the others, and draws the security groups.
//!
//! Exit codes: 0 clean, 1 findings at or above `--fail-on` (audit only), 2 usage or I/O
//! error. See `ringfence --help` and the crate's README.
//!
//! The modules form a graph without circles (`tests/modules.rs` checks it): the
//! commands (`audit`, `reach_cmd`, `impact`, `graph`) import no other command and
//! nothing of this root; `audit` writes through `plan` and `sarif`; what several of
//! them share lives in modules that import no command: `args`, `load`, `stack_names`
//! (the audited folder, the paths shown and the stack name of each file), `output`
//! (usage errors, outcomes, JSON layout), `rows` (the audit's findings as reported) and
//! `text` (words for the model's objects).
#![forbid(unsafe_code)]

mod args;
mod audit;
mod diff_cmd;
mod graph;
mod impact;
mod load;
mod nesting;
mod output;
mod plan;
mod reach_cmd;
mod rows;
mod sarif;
mod stack_names;
mod text;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser as _;

use output::{Outcome, Usage, EXIT_USAGE};

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let write =
        |out: &mut dyn Write, outcome: Outcome| (outcome.code, out.write_all(outcome.stdout.as_bytes()));
    // `audit` writes its report as it makes it (a large suite's is as large as the
    // suite); the other commands make their output first.
    let result = match &cli.command {
        args::Command::Audit(a) => audit::run(a, &mut out),
        args::Command::Reach(a) => reach_cmd::run(a).map(|o| write(&mut out, o)),
        args::Command::Impact(a) => impact::run(a).map(|o| write(&mut out, o)),
        args::Command::Diff(a) => diff_cmd::run(a).map(|o| write(&mut out, o)),
        args::Command::Graph(a) => graph::run(a).map(|o| write(&mut out, o)),
    };
    match result {
        Ok((code, written)) => match written.and_then(|()| out.flush()) {
            // A closed pipe (`ringfence graph … | head`) is not an error of ours.
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                eprintln!("error: cannot write the output: {e}");
                ExitCode::from(EXIT_USAGE)
            }
            _ => ExitCode::from(code),
        },
        Err(Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
