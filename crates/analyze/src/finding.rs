//! Findings: what a check reports, where, how bad, and what to do.

use std::fmt;
use std::sync::Arc;

use ringfence_cfn::suppress;
use serde::Serialize;

use crate::checks::CHECKS;
use crate::model::{Location, Model};
use crate::suite::SuiteTemplate;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Probably a mistake.
    Warning,
    /// Breaks ring-fencing, least privilege or deployment.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One check: a stable id, its default severity and what it looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable id, e.g. `RF101`.
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// What it looks for.
    pub summary: &'static str,
}

/// The check of an id (`"RF301"`), for ids given as text.
pub fn check(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id == id)
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The check's id.
    pub check: &'static str,
    /// How bad it is.
    pub severity: Severity,
    /// The template's stack name.
    pub template: String,
    /// Where the template came from.
    pub source: String,
    /// The resource.
    pub logical_id: String,
    /// The property path inside it.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
    /// The reason given for suppressing it, if it is suppressed. Suppressed findings
    /// are still listed, never dropped.
    pub suppressed: Option<String>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.severity, self.check, self.template)?;
        // A finding about the whole template has no resource (and, mostly, no path).
        if !self.logical_id.is_empty() {
            write!(f, "/{}", self.logical_id)?;
        }
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        write!(f, ": {}; {}", self.message, self.hint)?;
        if let Some(reason) = &self.suppressed {
            write!(f, " (suppressed: {reason})")?;
        }
        Ok(())
    }
}

/// Where a finding is, as the checks record it: most findings borrow their location
/// from the model, so a large suite's findings copy no logical id or path.
pub(crate) enum At<'m> {
    /// A location of the model (a group, a rule, an entry…).
    Model(&'m Location),
    /// A location made for the finding (a value inside a rule, a suppression).
    Owned(Box<Location>),
    /// A whole template (an index into the suite).
    Template(usize),
    /// A path of a template outside any resource (a reader's note).
    TemplatePath(Box<(usize, String)>),
}

impl<'m> From<&'m Location> for At<'m> {
    fn from(at: &'m Location) -> Self {
        At::Model(at)
    }
}

impl From<Location> for At<'_> {
    fn from(at: Location) -> Self {
        At::Owned(Box::new(at))
    }
}

impl At<'_> {
    pub(crate) fn stack(&self) -> usize {
        match self {
            At::Model(at) => at.stack,
            At::Owned(at) => at.stack,
            At::Template(stack) => *stack,
            At::TemplatePath(at) => at.0,
        }
    }

    pub(crate) fn logical_id(&self) -> &str {
        match self {
            At::Model(at) => at.id.as_str(),
            At::Owned(at) => at.id.as_str(),
            At::Template(_) | At::TemplatePath(_) => "",
        }
    }

    pub(crate) fn path(&self) -> &str {
        match self {
            At::Model(at) => &at.path,
            At::Owned(at) => &at.path,
            At::Template(_) => "",
            At::TemplatePath(at) => &at.1,
        }
    }
}

/// A finding as the checks record it, in 48 bytes: its location borrowed from the model,
/// its check, message and hint shared with the finding reported just before it when
/// they are the same (a check over many rules says the same thing many times), its
/// suppression borrowed from the template. [`Findings`](crate::Findings) shows them as
/// [`FindingRef`](crate::FindingRef)s.
pub(crate) struct Found<'m> {
    pub at: At<'m>,
    pub says: Arc<Says>,
    pub suppressed: Option<&'m str>,
    /// Its place in the order the checks reported it, so that sorting keeps that order
    /// among findings that compare equal.
    pub seq: u32,
    pub severity: Severity,
}

/// What a finding says: its check, message and hint.
pub(crate) struct Says {
    pub check: &'static str,
    pub message: Box<str>,
    pub hint: Box<str>,
}

/// Builds findings at a location, applying the suppressions of the resource's Metadata:
/// `Metadata: { ringfence: { suppress: [ { id: RF301, reason: "…" } ] } }`.
pub(crate) struct Reporter<'m> {
    pub model: &'m Model<'m>,
    pub found: Vec<Found<'m>>,
}

impl<'m> Reporter<'m> {
    pub fn new(model: &'m Model<'m>) -> Self {
        Reporter { model, found: Vec::new() }
    }

    /// Reports `check` at `at`, with its severity.
    pub fn report(&mut self, check: &'static Check, at: impl Into<At<'m>>, message: String, hint: &str) {
        self.report_as(check, check.severity, at, message, hint);
    }

    /// Reports about a whole template (no resource, no suppression).
    pub fn report_template(
        &mut self,
        check: &'static Check,
        severity: Severity,
        stack: usize,
        message: String,
        hint: &str,
    ) {
        self.push(check, severity, At::Template(stack), &message, hint, None);
    }

    /// Reports with a severity other than the check's default.
    pub fn report_as(
        &mut self,
        check: &'static Check,
        severity: Severity,
        at: impl Into<At<'m>>,
        message: String,
        hint: &str,
    ) {
        let at = at.into();
        let templates: &'m [SuiteTemplate] = self.model.resolver.suite().templates();
        let t = &templates[at.stack()];
        let suppressed = match &at {
            At::Model(Location { id, .. }) => t.template.resources.get(id),
            At::Owned(loc) => t.template.resources.get(&loc.id),
            At::Template(_) | At::TemplatePath(_) => None,
        }
        .and_then(|r| suppression(&r.metadata, check.id));
        self.push(check, severity, at, &message, hint, suppressed.flatten());
    }

    /// Records a finding as it is given.
    pub fn push(
        &mut self,
        check: &'static Check,
        severity: Severity,
        at: At<'m>,
        message: &str,
        hint: &str,
        suppressed: Option<&'m str>,
    ) {
        let says = match self.found.last() {
            Some(last)
                if last.says.check == check.id
                    && *last.says.message == *message
                    && *last.says.hint == *hint =>
            {
                // The same finding again at the same place (a rule read under several
                // undecided conditions, see `Rule::when`) is said once.
                if last.at.stack() == at.stack()
                    && last.at.logical_id() == at.logical_id()
                    && last.at.path() == at.path()
                {
                    return;
                }
                Arc::clone(&last.says)
            }
            _ => Arc::new(Says { check: check.id, message: message.into(), hint: hint.into() }),
        };
        self.found.push(Found { at, says, suppressed, seq: 0, severity });
    }
}

/// `Some(Some(reason))` when suppressed with a reason, `Some(None)` when suppressed
/// without one (which does not count), `None` when not suppressed.
fn suppression<'t>(metadata: &'t ringfence_cfn::Map, id: &str) -> Option<Option<&'t str>> {
    if !metadata.contains_key(suppress::METADATA_KEY) {
        return None;
    }
    let s = suppress::suppressions(metadata);
    s.into_iter().find(|(i, _)| *i == id).map(|(_, reason)| reason)
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_recorded_finding_takes_48_bytes() {
        assert_eq!(std::mem::size_of::<super::Found<'_>>(), 48);
        assert_eq!(std::mem::size_of::<super::At<'_>>(), 16);
    }
}
