//! # ringfence
//!
//! The command around `ringfence-analyze`: audits a suite of CloudFormation templates
//! (text, JSON, SARIF), plans the ring-fenced layout that replaces each rule on a
//! foreign group, answers reachability questions, shows what removing one stack does to
//! the others, and draws the security groups.
//!
//! Exit codes: 0 clean, 1 findings at or above `--fail-on` (audit only), 2 usage or I/O
//! error. See `ringfence --help` and the crate's README.
#![forbid(unsafe_code)]

mod args;
mod audit;
mod graph;
mod impact;
mod load;
mod plan;
mod reach_cmd;
mod sarif;
mod text;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser as _;

/// A usage or I/O error: reported as `error: …` on standard error, exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Exit code of a usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

/// What a command prints and the exit code it ends with.
pub struct Outcome {
    /// Standard output.
    pub stdout: String,
    /// Exit code.
    pub code: u8,
}

impl Outcome {
    /// Output with exit code 0.
    pub fn ok(stdout: String) -> Outcome {
        Outcome { stdout, code: 0 }
    }
}

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
