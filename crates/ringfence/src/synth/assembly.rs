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
    ///
    /// ```
    /// use ringfence::{App, Props};
    /// let app = App::new("shop");
    /// app.stack("web")?.resource("topic", "AWS::SNS::Topic", Props::new())?;
    /// let started = std::time::Instant::now();
    /// let t = app.synth()?.timings();
    /// assert!(t.render + t.order + t.sizes + t.model + t.checks <= started.elapsed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
        use serde::ser::{SerializeMap, Serializer};
        struct Artifacts<'a>(&'a [StackArtifact]);
        impl serde::Serialize for Artifacts<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for stack in self.0 {
                    m.serialize_entry(stack.name.as_str(), &Artifact(stack))?;
                }
                m.end()
            }
        }
        struct Artifact<'a>(&'a StackArtifact);
        impl serde::Serialize for Artifact<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let a = self.0;
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("type", "aws:cloudformation:stack")?;
                m.serialize_entry("environment", "aws://unknown-account/unknown-region")?;
                m.serialize_entry("properties", &json!({ "templateFile": a.template_file() }))?;
                if !a.dependencies.is_empty() {
                    let deps: Vec<&str> = a.dependencies.iter().map(StackName::as_str).collect();
                    m.serialize_entry("dependencies", &deps)?;
                }
                m.serialize_entry("displayName", a.name.as_str())?;
                m.end()
            }
        }
        let mut out = Vec::with_capacity(512 + 300 * self.stacks.len());
        let mut ser = serde_json::Serializer::pretty(&mut out);
        // Writing to a Vec cannot fail and every key is a string.
        let _ = (|| {
            let mut m = (&mut ser).serialize_map(Some(2))?;
            m.serialize_entry("version", MANIFEST_VERSION)?;
            m.serialize_entry("artifacts", &Artifacts(&self.stacks))?;
            m.end()
        })();
        out.push(b'\n');
        // serde_json writes only valid UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Writes `manifest.json` and `<stack>.template.json` for every stack into `dir`
    /// (created if missing), and `<stack>.template.yaml` too when `yaml` is true.
    /// Templates of stacks no longer in the app are removed, so the folder holds exactly
    /// this assembly. A file that already holds the bytes it would get is left alone
    /// (its modification time too), so re-synthesizing an app into the same folder
    /// writes only what changed.
    ///
    /// ```
    /// use ringfence::{App, SubnetGroup, VpcSpec};
    /// let app = App::new("shop");
    /// let mut web = app.stack("web")?;
    /// web.vpc("main", VpcSpec::new("10.0.0.0/16")?.subnets(SubnetGroup::isolated("data", 24)))?;
    /// let assembly = app.synth()?;
    /// let dir = std::env::temp_dir().join(format!("ringfence-doc-write-{}", std::process::id()));
    /// let first = assembly.write(&dir, false)?;
    /// assert_eq!((first.written, first.unchanged), (2, 0)); // the manifest and one template
    /// let again = assembly.write(&dir, false)?;
    /// assert_eq!((again.written, again.unchanged), (0, 2));
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write(&self, dir: &Path, yaml: bool) -> Result<WriteSummary, Error> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        let mut keep: std::collections::HashSet<String> =
            self.stacks.iter().map(StackArtifact::template_file).collect();
        if yaml {
            keep.extend(self.stacks.iter().map(|s| format!("{}.template.yaml", s.name)));
        }
        let mut summary = WriteSummary::default();
        // The files already there that this assembly writes again, with their sizes: only
        // those can be unchanged (a new folder costs no failed open per file).
        let mut existing = Existing::default();
        let entries = fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ours = name.ends_with(".template.json") || name.ends_with(".template.yaml");
            if ours && !keep.contains(name.as_ref()) {
                fs::remove_file(entry.path()).map_err(|e| Error::io(&entry.path(), &e))?;
                summary.removed += 1;
            } else if ours || name == "manifest.json" {
                if let Ok(meta) = entry.metadata() {
                    existing.insert(name.into_owned(), meta.len());
                }
            }
        }
        // Serializing and writing dominate at scale: split the stacks over the cores.
        let parts = super::parallel_chunks(&self.stacks, |stacks| write_stacks(dir, stacks, yaml, &existing));
        for part in parts {
            let part = part?;
            summary.written += part.written;
            summary.unchanged += part.unchanged;
        }
        let path = dir.join("manifest.json");
        let mut scratch = Vec::new();
        let old_len = existing.get("manifest.json").copied();
        match write_if_changed(&path, old_len, self.manifest().as_bytes(), &mut scratch) {
            Ok(true) => summary.written += 1,
            Ok(false) => summary.unchanged += 1,
            Err(e) => return Err(Error::io(&path, &e)),
        }
        Ok(summary)
    }
}

/// What [`Assembly::write`] did to the folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteSummary {
    /// Files written (new, or with new content).
    pub written: usize,
    /// Files that already held their content, left untouched.
    pub unchanged: usize,
    /// Templates of stacks no longer in the app, removed.
    pub removed: usize,
}

/// File name -> size of the files a write finds in its folder.
type Existing = rustc_hash::FxHashMap<String, u64>;

/// Writes the templates of `stacks` into `dir`.
fn write_stacks(
    dir: &Path,
    stacks: &[StackArtifact],
    yaml: bool,
    existing: &Existing,
) -> Result<WriteSummary, Error> {
    let mut summary = WriteSummary::default();
    let (mut buf, mut scratch) = (Vec::with_capacity(64 * 1024), Vec::with_capacity(64 * 1024));
    let mut write = |name: String, bytes: &[u8], scratch: &mut Vec<u8>| {
        let path = dir.join(&name);
        match write_if_changed(&path, existing.get(&name).copied(), bytes, scratch) {
            Ok(true) => summary.written += 1,
            Ok(false) => summary.unchanged += 1,
            Err(e) => return Err(Error::io(&path, &e)),
        }
        Ok(())
    };
    for s in stacks {
        buf.clear();
        s.template.write_json(&mut buf);
        write(s.template_file(), &buf, &mut scratch)?;
        if yaml {
            write(format!("{}.template.yaml", s.name), s.template.to_yaml().as_bytes(), &mut scratch)?;
        }
    }
    Ok(summary)
}

/// Writes `bytes` to `path` unless the file is there already (`old_len`: its size when
/// the folder was read) and holds exactly them; `scratch` is a reusable buffer for the
/// old content. Returns whether it wrote.
fn write_if_changed(
    path: &Path,
    old_len: Option<u64>,
    bytes: &[u8],
    scratch: &mut Vec<u8>,
) -> std::io::Result<bool> {
    use std::io::Read;
    if old_len == Some(bytes.len() as u64) {
        if let Ok(mut old) = fs::File::open(path) {
            scratch.clear();
            old.read_to_end(scratch)?;
            if scratch.as_slice() == bytes {
                return Ok(false);
            }
        }
    }
    fs::write(path, bytes)?;
    Ok(true)
}
