//! The cloud assembly: one template per stack plus the `manifest.json` that the AWS CDK
//! CLI reads (`cdk ls --app DIR`, `cdk deploy --app DIR`).

use std::fs;
use std::path::Path;
use std::sync::Arc;

use ringfence_cfn::{ExportName, StackName, Template};
use serde_json::json;

use crate::Error;

/// The cloud-assembly schema version written in the manifest; the CDK CLI refuses
/// versions newer than it knows, and 36.0.0 is read by CLI 2.x and 3.x alike.
pub const MANIFEST_VERSION: &str = "36.0.0";

/// One synthesized stack.
#[derive(Debug, Clone, PartialEq)]
pub struct StackArtifact {
    /// The CloudFormation stack name, also the artifact id in the manifest.
    pub name: StackName,
    /// The template (shared with the suites made from the assembly).
    pub template: Arc<Template>,
    /// The stacks this one imports from, deployed before it.
    pub dependencies: Vec<StackName>,
    /// The names this stack exports (what it shares).
    pub exports: Vec<ExportName>,
    /// The export names this stack imports.
    pub imports: Vec<ExportName>,
    /// The size of `template` as JSON, counted at synthesis for the size quotas (valid
    /// while the template is the one synthesized).
    pub(crate) json_len: Option<(Arc<Template>, usize)>,
}

impl StackArtifact {
    /// `<stack>.template.json`.
    pub fn template_file(&self) -> String {
        format!("{}.template.json", self.name)
    }
}

/// A synthesized app: its stacks in deployment order (every stack after the stacks it
/// imports from).
#[derive(Debug, Clone, PartialEq)]
pub struct Assembly {
    stacks: Vec<StackArtifact>,
    /// What the checks found that does not stop synthesis: warnings, notes, and
    /// suppressed findings (with their reasons).
    pub(crate) findings: Vec<ringfence_analyze::Finding>,
    pub(crate) timings: SynthTimings,
}

/// How long each step of [`App::synth`](crate::App::synth) took, for profiling a large
/// app (the `scale` example prints them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SynthTimings {
    /// Rendering every stack's template, references resolved.
    pub render: std::time::Duration,
    /// Ordering the stacks by their imports (finding cycles) and assembling them.
    pub order: std::time::Duration,
    /// Counting each template's size for the size quotas.
    pub sizes: std::time::Duration,
    /// Building the network model of the whole app for the checks.
    pub model: std::time::Duration,
    /// Running the checks over it.
    pub checks: std::time::Duration,
}

impl Assembly {
    pub(crate) fn new(stacks: Vec<StackArtifact>) -> Self {
        Assembly { stacks, findings: Vec::new(), timings: SynthTimings::default() }
    }

    /// How long each step of synthesis took.
    pub fn timings(&self) -> SynthTimings {
        self.timings
    }

    /// What the checks found that does not stop synthesis (warnings, notes, and
    /// suppressed findings with their reasons), by stack, most severe first.
    pub fn findings(&self) -> &[ringfence_analyze::Finding] {
        &self.findings
    }

    /// The active (unsuppressed) warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &ringfence_analyze::Finding> {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity == ringfence_analyze::Severity::Warning)
    }

    /// The stacks, in deployment order.
    pub fn stacks(&self) -> &[StackArtifact] {
        &self.stacks
    }

    /// One stack by name.
    pub fn stack(&self, name: &str) -> Option<&StackArtifact> {
        self.stacks.iter().find(|s| s.name.as_str() == name)
    }

    /// The assembly as a suite for [`ringfence_analyze`]: every template, deployed under
    /// its stack name.
    pub fn suite(&self) -> ringfence_analyze::Suite {
        let mut suite = ringfence_analyze::Suite::new();
        for s in &self.stacks {
            let t = suite.add_shared(s.name.as_str(), &s.template_file(), Arc::clone(&s.template));
            t.json_len = s.json_len.as_ref().filter(|(t, _)| Arc::ptr_eq(t, &s.template)).map(|&(_, n)| n);
        }
        suite
    }

    /// Stack names in deployment order.
    pub fn deployment_order(&self) -> Vec<&str> {
        self.stacks.iter().map(|s| s.name.as_str()).collect()
    }

    /// `manifest.json`: one `aws:cloudformation:stack` artifact per stack, with its
    /// template file and dependencies.
    pub fn manifest(&self) -> String {
        let mut artifacts = serde_json::Map::new();
        for s in &self.stacks {
            let mut a = serde_json::Map::new();
            a.insert("type".into(), json!("aws:cloudformation:stack"));
            a.insert("environment".into(), json!("aws://unknown-account/unknown-region"));
            a.insert("properties".into(), json!({ "templateFile": s.template_file() }));
            if !s.dependencies.is_empty() {
                a.insert("dependencies".into(), json!(s.dependencies));
            }
            a.insert("displayName".into(), json!(s.name));
            artifacts.insert(s.name.to_string(), a.into());
        }
        let doc = json!({ "version": MANIFEST_VERSION, "artifacts": artifacts });
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Writes `manifest.json` and `<stack>.template.json` for every stack into `dir`
    /// (created if missing), and `<stack>.template.yaml` too when `yaml` is true.
    /// Templates of stacks no longer in the app are removed, so the folder holds exactly
    /// this assembly.
    pub fn write(&self, dir: &Path, yaml: bool) -> Result<(), Error> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        let mut keep: std::collections::HashSet<String> =
            self.stacks.iter().map(StackArtifact::template_file).collect();
        if yaml {
            keep.extend(self.stacks.iter().map(|s| format!("{}.template.yaml", s.name)));
        }
        let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ours = name.ends_with(".template.json") || name.ends_with(".template.yaml");
            // Files this assembly writes again are overwritten, not removed first.
            if ours && !keep.contains(name.as_ref()) {
                fs::remove_file(entry.path()).map_err(|e| Error::io(&entry.path(), &e))?;
            }
        }
        // Serializing and writing dominate at scale: split the stacks over the cores.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        let chunk = self.stacks.len().div_ceil(workers).max(1);
        let results: Vec<Result<(), Error>> = std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .stacks
                .chunks(chunk)
                .map(|stacks| scope.spawn(move || write_stacks(dir, stacks, yaml)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::Io {
                            path: dir.display().to_string(),
                            message: "a writer thread failed".into(),
                        })
                    })
                })
                .collect()
        });
        results.into_iter().collect::<Result<(), Error>>()?;
        let path = dir.join("manifest.json");
        fs::write(&path, self.manifest()).map_err(|e| Error::io(&path, &e))?;
        Ok(())
    }
}

/// Writes the templates of `stacks` into `dir`.
fn write_stacks(dir: &Path, stacks: &[StackArtifact], yaml: bool) -> Result<(), Error> {
    let mut buf = Vec::with_capacity(64 * 1024);
    for s in stacks {
        buf.clear();
        s.template.write_json(&mut buf);
        let path = dir.join(s.template_file());
        fs::write(&path, &buf).map_err(|e| Error::io(&path, &e))?;
        if yaml {
            let path = dir.join(format!("{}.template.yaml", s.name));
            fs::write(&path, s.template.to_yaml()).map_err(|e| Error::io(&path, &e))?;
        }
    }
    Ok(())
}
