//! Helpers shared by the example apps: their command line and the summary they print.
//!
//! Each example builds an [`App`] in a `build` function (which the
//! tests call too) and, in `main`, synthesizes it into `--out` and prints a summary.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ringfence::{App, Assembly, Error};

/// The command line every example accepts.
#[derive(Debug, Clone, Parser)]
pub struct ExampleArgs {
    /// Folder to write the cloud assembly to (manifest.json and templates).
    #[arg(long, default_value = "cdk.out")]
    pub out: PathBuf,
    /// Environment: changes names, never structure.
    #[arg(long, default_value = "production", value_parser = ["production", "staging"])]
    pub env: String,
    /// Also write every template as YAML.
    #[arg(long)]
    pub yaml: bool,
}

/// The `main` of every example: parses [`ExampleArgs`], builds the app, synthesizes it
/// into `--out` and prints the [`summary`]; on error prints every finding and fails.
pub fn run(build: impl FnOnce(&ExampleArgs) -> Result<App, Error>) -> ExitCode {
    let args = ExampleArgs::parse();
    let app = match build(&args) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let formats = if args.yaml { ringfence::Formats::JsonAndYaml } else { ringfence::Formats::Json };
    match app.synth_to(&args.out, formats) {
        Ok(assembly) => {
            print!("{}", summary(&format!("{} ({})", app.name(), args.env), &assembly));
            let warnings: Vec<_> = assembly.warnings().collect();
            let notes: Vec<_> = assembly
                .findings()
                .iter()
                .filter(|f| f.suppressed.is_none() && f.severity == ringfence::analyze::Severity::Info)
                .collect();
            println!("checks: {} warnings, {} notes", warnings.len(), notes.len());
            for f in warnings.into_iter().chain(notes) {
                println!("  {f}");
            }
            println!("wrote {}", args.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A short summary of an assembly: stacks in deployment order with their resources,
/// exports and imports, and the totals.
pub fn summary(app_name: &str, assembly: &Assembly) -> String {
    let stacks = assembly.stacks();
    let resources: usize = stacks.iter().map(|s| s.template.resources.len()).sum();
    let exports: usize = stacks.iter().map(|s| s.exports.len()).sum();
    let imports: usize = stacks.iter().map(|s| s.imports.len()).sum();
    let mut out = format!(
        "{app_name}: {} stacks, {resources} resources, {exports} exports, {imports} imports\ndeployment order:\n",
        stacks.len()
    );
    let width = stacks.iter().map(|s| s.name.as_str().len()).max().unwrap_or(0);
    for (i, s) in stacks.iter().enumerate() {
        let _ = write!(
            out,
            "  {}. {:width$}  {:>3} resources, {} exports",
            i + 1,
            s.name.as_str(),
            s.template.resources.len(),
            s.exports.len(),
        );
        if !s.dependencies.is_empty() {
            let deps: Vec<&str> = s.dependencies.iter().map(|d| d.as_str()).collect();
            let _ = write!(out, ", {} imports from {}", s.imports.len(), deps.join(", "));
        }
        out.push('\n');
    }
    out
}

/// The README's code, compiled and run as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
