//! Typed handles to the constructs of an app. A handle is cheap to clone and can only be
//! made by the stack that creates the construct, so no reference is ever a hand-typed
//! string.

use std::fmt;
use std::sync::Arc;

use crate::Error;

/// Where a construct lives: which app, which stack, which slot.
/// The construct id at the end of a construct path (`network/chat-db` -> `chat-db`).
/// Construct ids hold no `/` (`validate::construct_id`), so the last segment is the id;
/// this is the one place that reads it back from a path.
pub(crate) fn construct_id(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, id)| id)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Key {
    pub app: u64,
    pub stack: usize,
    pub index: usize,
}

/// A security group created by a stack of this app. Only that stack can add rules to
/// it; every stack can name it as a peer or put workloads in it (through a
/// [`GroupSet`]) once the owner [shares](crate::Stack::share) it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecurityGroup {
    pub(crate) key: Key,
    pub(crate) path: Arc<str>,
    pub(crate) name: Arc<str>,
}

impl SecurityGroup {
    /// The construct path, `stack/group`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The group's name in AWS, role and environment, e.g. `bots-production`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A security group that no stack of this app creates: read-only everywhere. It can be
/// a peer of rules and a member of group sets, but there is no call that adds a rule to
/// it — that is the point.
///
/// ```compile_fail
/// use ringfence::{App, ExternalGroup, Peer, Port, VpcSpec};
/// let app = App::new("chat");
/// let mut stack = app.stack("bot")?;
/// let legacy = ExternalGroup::from_id("sg-0123456789abcdef0")?;
/// // Does not compile: rules can only be added to a `SecurityGroup` the stack created.
/// stack.allow_ingress(&legacy, Peer::any_ipv4(), Port::HTTPS, "web")?;
/// # Ok::<(), ringfence::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalGroup {
    pub(crate) source: ExternalSource,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ExternalSource {
    /// A literal `sg-…` id.
    Id(Arc<str>),
    /// A parameter of one stack (typed or SSM), valid only in that stack.
    Parameter { key: Key, path: Arc<str> },
}

impl ExternalGroup {
    /// A group outside the app, by its id (`sg-` and 8 or 17 hex digits).
    ///
    /// ```
    /// use ringfence::ExternalGroup;
    /// assert!(ExternalGroup::from_id("sg-0123456789abcdef0").is_ok());
    /// assert!(ExternalGroup::from_id("bots").is_err());
    /// ```
    pub fn from_id(id: &str) -> Result<ExternalGroup, Error> {
        check_aws_id("ExternalGroup::from_id", "security group", "sg-", id)?;
        Ok(ExternalGroup { source: ExternalSource::Id(id.into()) })
    }

    /// How the group appears in messages: its id, or `stack/parameter`.
    pub fn path(&self) -> &str {
        match &self.source {
            ExternalSource::Id(id) => id,
            ExternalSource::Parameter { path, .. } => path,
        }
    }
}

/// Checks an AWS id of the form `prefix` + 8 or 17 lowercase hex digits.
pub(crate) fn check_aws_id(call: &str, kind: &'static str, prefix: &str, id: &str) -> Result<(), Error> {
    let ok = id.strip_prefix(prefix).is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    });
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidResourceId {
            construct: call.to_owned(),
            kind,
            value: id.to_owned(),
            hint: format!("expected `{prefix}` followed by 8 or 17 lowercase hex digits"),
        })
    }
}

/// Any security group: one of this app's, or an external one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GroupRef {
    /// Created by a stack of this app.
    Owned(SecurityGroup),
    /// Outside the app.
    External(ExternalGroup),
}

impl GroupRef {
    /// The path or id, for messages.
    pub fn path(&self) -> &str {
        match self {
            GroupRef::Owned(g) => g.path(),
            GroupRef::External(g) => g.path(),
        }
    }
}

impl fmt::Display for GroupRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "group {}", self.path())
    }
}

impl From<&SecurityGroup> for GroupRef {
    fn from(g: &SecurityGroup) -> Self {
        GroupRef::Owned(g.clone())
    }
}
impl From<SecurityGroup> for GroupRef {
    fn from(g: SecurityGroup) -> Self {
        GroupRef::Owned(g)
    }
}
impl From<&ExternalGroup> for GroupRef {
    fn from(g: &ExternalGroup) -> Self {
        GroupRef::External(g.clone())
    }
}
impl From<ExternalGroup> for GroupRef {
    fn from(g: ExternalGroup) -> Self {
        GroupRef::External(g)
    }
}
impl From<&GroupRef> for GroupRef {
    fn from(g: &GroupRef) -> Self {
        g.clone()
    }
}

/// A list of security groups of any kind for [`Stack::group_set`](crate::Stack::group_set):
/// this app's ([`SecurityGroup`]) and external ones ([`ExternalGroup`]) mixed. An array
/// holds one type, so `[&own, &external]` does not compile ("expected `&SecurityGroup`,
/// found `&ExternalGroup`"); `groups![&own, &external]` does: each item becomes a
/// [`GroupRef`].
///
/// ```
/// use ringfence::{groups, App, ExternalGroup, VpcSpec};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let app = App::new("shop");
/// let mut net = app.stack("network")?;
/// let vpc = net.vpc("main", VpcSpec::new("10.0.0.0/16")?)?;
/// let mut web = app.stack("web")?;
/// let own = web.security_group(&vpc, "web", "Web servers")?;
/// let legacy = ExternalGroup::from_id("sg-0123456789abcdef0")?;
/// let tasks = web.group_set("tasks", groups![&own, &legacy])?;
/// # let _ = tasks;
/// # Ok(())
/// # }
/// ```
#[macro_export]
macro_rules! groups {
    ($($group:expr),+ $(,)?) => {
        [$($crate::GroupRef::from($group)),+]
    };
}

/// The security groups that a stack's workloads join, for a `SecurityGroupIds` property
/// (given to [`Props::set`](crate::Props::set)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupSet {
    pub(crate) key: Key,
    pub(crate) path: Arc<str>,
}

impl GroupSet {
    /// The construct path, `stack/set`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// A template parameter of one stack (see [`Stack::ssm_parameter`](crate::Stack::ssm_parameter)),
/// usable in that stack's escape-hatch properties.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParameterHandle {
    pub(crate) key: Key,
    pub(crate) path: Arc<str>,
}

impl ParameterHandle {
    /// The construct path, `stack/parameter`.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// A resource added through the [escape hatch](crate::Stack::resource); usable in the
/// properties of other resources of the same stack.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceHandle {
    pub(crate) key: Key,
    pub(crate) path: Arc<str>,
}

impl ResourceHandle {
    /// The construct path, `stack/resource`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A property value holding `Fn::GetAtt` of this resource's attribute.
    pub fn attr(&self, attribute: &str) -> crate::Prop {
        crate::Prop::Attribute(self.clone(), attribute.to_owned())
    }

    /// A property value holding `Ref` of this resource.
    pub fn reference(&self) -> crate::Prop {
        crate::Prop::Reference(self.clone())
    }
}

/// What a stack can add rules to: a [`SecurityGroup`] (one a stack creates; the stack
/// must be its creator, checked at the call). Nothing else implements it, and nothing
/// can: an [`ExternalGroup`] (an id, a parameter, an SSM parameter) is read-only by
/// design — adding rules to a group from outside is the shared-group rollback hazard.
#[diagnostic::on_unimplemented(
    message = "ringfence adds rules only to a `SecurityGroup` a stack creates, not to `{Self}`",
    label = "read-only: a group from outside the app",
    note = "give this stack's workloads a group of their own (`Stack::security_group`) and put the rule there; `{Self}` can still be a rule's peer (`Peer::group`) or a member of a group set"
)]
pub trait RuleTarget: rule_target::Sealed {
    /// The group.
    fn group(&self) -> &SecurityGroup;
}

impl RuleTarget for SecurityGroup {
    fn group(&self) -> &SecurityGroup {
        self
    }
}

mod rule_target {
    pub trait Sealed {}
    impl Sealed for super::SecurityGroup {}
}

#[cfg(test)]
mod construct_id_tests {
    #[test]
    fn the_last_segment_is_the_id() {
        assert_eq!(super::construct_id("network/chat-db"), "chat-db");
        assert_eq!(super::construct_id("network/main/public"), "public");
        assert_eq!(super::construct_id("alone"), "alone");
    }
}
