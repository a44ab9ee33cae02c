//! The cloud assembly: one template per stack plus the `manifest.json` that the AWS CDK
//! CLI reads (`cdk ls --app DIR`, `cdk deploy --app DIR`).

use std::sync::Arc;

use ringfence_cfn::{ExportName, StackName, Template};
use serde_json::json;

use super::write::{ENVIRONMENT, STACK_ARTIFACT, YAML_TWIN};

/// The cloud-assembly schema version written in the manifest; the CDK CLI refuses
/// versions newer than it knows, and 36.0.0 is read by CLI 2.x and 3.x alike.
pub const MANIFEST_VERSION: &str = "36.0.0";

/// One synthesized stack.
#[derive(Clone)]
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
    // The size of `template` as JSON, counted once at synthesis (on every core) so the
    // size quota check need not serialize the template again, kept with the template it
    // was counted from: `template` is public and may be replaced, so the size counts
    // only while `Arc::ptr_eq` says it is still that template (`counted_json_len`). A
    // cache, not part of the value: private, and left out of the hand-written `Debug`
    // and `==` below.
    pub(crate) json_len: Option<(Arc<Template>, usize)>,
}

impl StackArtifact {
    /// `<stack>.template.json`.
    pub fn template_file(&self) -> String {
        format!("{}.template.json", self.name)
    }

    /// The JSON size counted at synthesis, if `template` is still the template counted.
    fn counted_json_len(&self) -> Option<usize> {
        self.json_len.as_ref().filter(|(t, _)| Arc::ptr_eq(t, &self.template)).map(|&(_, n)| n)
    }
}

impl std::fmt::Debug for StackArtifact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackArtifact")
            .field("name", &self.name)
            .field("template", &self.template)
            .field("dependencies", &self.dependencies)
            .field("exports", &self.exports)
            .field("imports", &self.imports)
            .finish_non_exhaustive()
    }
}

impl PartialEq for StackArtifact {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.template == other.template
            && self.dependencies == other.dependencies
            && self.exports == other.exports
            && self.imports == other.imports
    }
}

/// A synthesized app: its stacks in deployment order (every stack after the stacks it
/// imports from).
#[derive(Debug, Clone)]
pub struct Assembly {
    stacks: Vec<StackArtifact>,
    /// What the checks found that does not stop synthesis: warnings, notes, and
    /// suppressed findings (with their reasons).
    pub(crate) findings: Vec<ringfence_analyze::Finding>,
    /// A measurement, not part of the value: left out of `==`.
    #[cfg(feature = "timings")]
    pub(crate) timings: SynthTimings,
}

impl PartialEq for Assembly {
    fn eq(&self, other: &Self) -> bool {
        self.stacks == other.stacks && self.findings == other.findings
    }
}

/// How long each step of [`App::synth`](crate::App::synth) took, for profiling a large
/// app (the `scale` and `bench` examples print them).
///
/// Diagnostics, with the crate's `timings` feature only (off by default).
#[cfg(feature = "timings")]
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
        Assembly {
            stacks,
            findings: Vec::new(),
            #[cfg(feature = "timings")]
            timings: SynthTimings::default(),
        }
    }

    /// How long each step of synthesis took.
    ///
    /// Diagnostics, with the crate's `timings` feature only (off by default).
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
    #[cfg(feature = "timings")]
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
            if let Some(bytes) = s.counted_json_len() {
                t.set_size(bytes);
            }
        }
        suite
    }

    /// What changing from this assembly to `new` does (`ringfence diff` in a test of
    /// your own): stacks added, removed and changed, flows opened and closed between
    /// workloads and outside peers, resources replaced, deployments predicted to fail,
    /// an order to deploy in ([`ringfence_analyze::diff::SuiteDiff`]).
    ///
    /// ```
    /// use ringfence::{App, Peer, Port, VpcSpec};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app = |port: Port| -> Result<ringfence::Assembly, Box<dyn std::error::Error>> {
    ///     let app = App::new("shop");
    ///     let mut net = app.stack("network")?;
    ///     let vpc = net.vpc("main", VpcSpec::new("10.0.0.0/16")?)?;
    ///     let web = net.security_group(&vpc, "web", "Web servers")?;
    ///     net.allow_ingress(&web, Peer::any_ipv4(), port, "Public site")?;
    ///     Ok(app.synth()?)
    /// };
    /// let (before, after) = (app(Port::HTTPS)?, app(Port::HTTP)?);
    /// let d = before.diff(&after);
    /// assert_eq!(d.stacks.changed, ["shop-network"]);
    /// assert!(before.diff(&before).is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn diff(&self, new: &Assembly) -> ringfence_analyze::diff::SuiteDiff {
        ringfence_analyze::diff::diff(&self.suite(), &new.suite())
    }

    /// Stack names in deployment order.
    pub fn deployment_order(&self) -> Vec<&str> {
        self.stacks.iter().map(|s| s.name.as_str()).collect()
    }

    /// `manifest.json`: one `aws:cloudformation:stack` artifact per stack, with its
    /// template file and dependencies — what [`write`](Assembly::write) writes without
    /// YAML. With YAML, `write` also gives each artifact a `metadata` entry of type
    /// `ringfence:yaml-template` naming its `<stack>.template.yaml`, so that the next
    /// write knows which YAML files are its own (the CDK CLI ignores metadata types it
    /// does not know).
    pub fn manifest(&self) -> String {
        self.manifest_json(false)
    }

    /// The manifest, with the YAML twins recorded when `yaml` is true.
    pub(super) fn manifest_json(&self, yaml: bool) -> String {
        use serde::ser::{SerializeMap, Serializer};
        struct Artifacts<'a>(&'a [StackArtifact], bool);
        impl serde::Serialize for Artifacts<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for stack in self.0 {
                    m.serialize_entry(stack.name.as_str(), &Artifact(stack, self.1))?;
                }
                m.end()
            }
        }
        struct Artifact<'a>(&'a StackArtifact, bool);
        impl serde::Serialize for Artifact<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let a = self.0;
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("type", STACK_ARTIFACT)?;
                m.serialize_entry("environment", ENVIRONMENT)?;
                m.serialize_entry("properties", &json!({ "templateFile": a.template_file() }))?;
                if !a.dependencies.is_empty() {
                    let deps: Vec<&str> = a.dependencies.iter().map(StackName::as_str).collect();
                    m.serialize_entry("dependencies", &deps)?;
                }
                if self.1 {
                    let twin = json!([{ "type": YAML_TWIN, "data": a.yaml_file() }]);
                    m.serialize_entry("metadata", &json!({ format!("/{}", a.name): twin }))?;
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
            m.serialize_entry("artifacts", &Artifacts(&self.stacks, yaml))?;
            m.end()
        })();
        out.push(b'\n');
        // serde_json writes only valid UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_counted_size_is_a_private_cache_of_the_template_counted() {
        let template = Arc::new(Template::new("a stack"));
        let counted = StackArtifact {
            name: StackName::new("shop-web").unwrap(),
            template: Arc::clone(&template),
            dependencies: Vec::new(),
            exports: Vec::new(),
            imports: Vec::new(),
            json_len: Some((Arc::clone(&template), 7)),
        };
        let plain = StackArtifact { json_len: None, ..counted.clone() };
        assert_eq!(counted, plain, "the cache takes no part in ==");
        assert_eq!(format!("{counted:?}"), format!("{plain:?}"), "nor in Debug");
        assert_eq!(counted.counted_json_len(), Some(7));
        let mut replaced = counted.clone();
        replaced.template = Arc::new(Template::new("a stack"));
        assert_eq!(replaced, counted, "an equal template…");
        assert_eq!(replaced.counted_json_len(), None, "…but not the one counted");
    }
}
