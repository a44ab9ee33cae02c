//! Every repository of the corpus of public templates (`corpus/`, see its README)
//! audits as it is, the way a new user runs the command on their repository: no usage
//! error (two files with one stem, …), no crash, JSON out. Without the corpus extracted
//! (`python3 corpus/build.py extract`), the test says so and checks nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

#[test]
fn every_corpus_repository_audits_as_it_is() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().unwrap().to_str().unwrap().contains("__"))
        .collect();
    folders.sort();
    if folders.is_empty() {
        eprintln!("corpus not extracted (python3 corpus/build.py extract): nothing checked");
        return;
    }
    let mut failures = Vec::new();
    for folder in &folders {
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_ringfence"))
            .args(["audit", folder.to_str().unwrap(), "--format", "json", "--fail-on", "never"])
            .output()
            .expect("the binary runs");
        let took = start.elapsed();
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => {
                let json: serde_json::Value =
                    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{name}: not JSON ({e})"));
                let findings = json["findings"].as_array().map_or(0, Vec::len);
                eprintln!("  {name}: {findings} findings in {took:.2?}");
            }
            code => failures.push(format!("{name}: exit {code:?}: {stderr}")),
        }
    }
    assert!(failures.is_empty(), "folders that do not audit as they are:\n{}", failures.join("\n"));
}
