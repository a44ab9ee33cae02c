//! Validated names: logical ids, export names and stack names.
//!
//! Each newtype can only be built through a constructor that checks the rules
//! CloudFormation enforces, so a template that holds one never fails on it. A name is
//! shared, not copied, when it is cloned: the model of a large template names the same
//! resource from every rule, finding and reference that concerns it.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::NameError;

fn check(
    kind: &'static str,
    value: &str,
    max: usize,
    ok: impl Fn(usize, char) -> bool,
    hint: &'static str,
) -> Result<(), NameError> {
    if value.is_empty() {
        return Err(NameError::Empty { kind });
    }
    let len = value.chars().count();
    if len > max {
        return Err(NameError::TooLong { kind, value: value.to_owned(), len, max });
    }
    if let Some((_, bad)) = value.chars().enumerate().find(|&(i, c)| !ok(i, c)) {
        return Err(NameError::BadCharacter { kind, value: value.to_owned(), bad, hint });
    }
    Ok(())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Arc<str>);

        impl $name {
            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// A name is its text: a map keyed by names can be searched with a `&str`.
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = NameError;
            fn from_str(s: &str) -> Result<Self, NameError> {
                Self::checked(s)
            }
        }
    };
}

name_type!(
    /// The logical id of a resource, parameter, condition or output:
    /// `[A-Za-z0-9]+`, at most 255 characters.
    ///
    /// ```
    /// use ringfence_cfn::LogicalId;
    /// assert!(LogicalId::new("BotsSecurityGroup1A2B3C4D").is_ok());
    /// assert!(LogicalId::new("bots-group").is_err());
    /// ```
    LogicalId
);

impl LogicalId {
    /// Longest logical id CloudFormation accepts.
    pub const MAX_LEN: usize = 255;

    /// Checks and wraps a logical id.
    pub fn new(value: impl Into<String>) -> Result<Self, NameError> {
        Self::checked(&value.into())
    }

    pub(crate) fn checked(value: &str) -> Result<Self, NameError> {
        check(
            "logical id",
            value,
            Self::MAX_LEN,
            |_, c| c.is_ascii_alphanumeric(),
            "logical ids hold only A-Z, a-z and 0-9",
        )?;
        Ok(Self(Arc::from(value)))
    }
}

name_type!(
    /// The name of a condition (`Conditions`, a resource's or output's `Condition`,
    /// `Fn::If`, `Condition`): 1 to 255 characters, none of them a space or a control
    /// character. CloudFormation deploys templates whose condition names hold `-`, `_`
    /// or `.`, which logical ids of resources may not.
    ///
    /// ```
    /// use ringfence_cfn::ConditionName;
    /// assert!(ConditionName::new("Is-Prod_Env").is_ok());
    /// assert!(ConditionName::new("is prod").is_err());
    /// ```
    ConditionName
);

impl ConditionName {
    /// Longest condition name this reader accepts (that of a logical id).
    pub const MAX_LEN: usize = LogicalId::MAX_LEN;

    /// Checks and wraps a condition name.
    pub fn new(value: impl Into<String>) -> Result<Self, NameError> {
        Self::checked(&value.into())
    }

    pub(crate) fn checked(value: &str) -> Result<Self, NameError> {
        check(
            "condition name",
            value,
            Self::MAX_LEN,
            |_, c| !c.is_whitespace() && !c.is_control(),
            "condition names hold no spaces or control characters",
        )?;
        Ok(Self(Arc::from(value)))
    }
}

impl From<LogicalId> for ConditionName {
    /// Every logical id is a condition name.
    fn from(id: LogicalId) -> ConditionName {
        ConditionName(id.0)
    }
}

name_type!(
    /// The name of an export: `[A-Za-z0-9:-]`, 1 to 255 characters, unique per account
    /// and Region.
    ///
    /// ```
    /// use ringfence_cfn::ExportName;
    /// assert!(ExportName::new("chat-network:bots:GroupId").is_ok());
    /// assert!(ExportName::new("chat network").is_err());
    /// ```
    ExportName
);

impl ExportName {
    /// Longest export name CloudFormation accepts.
    pub const MAX_LEN: usize = 255;

    /// Checks and wraps an export name.
    pub fn new(value: impl Into<String>) -> Result<Self, NameError> {
        Self::checked(&value.into())
    }

    pub(crate) fn checked(value: &str) -> Result<Self, NameError> {
        check(
            "export name",
            value,
            Self::MAX_LEN,
            |_, c| c.is_ascii_alphanumeric() || c == ':' || c == '-',
            "export names hold only A-Z, a-z, 0-9, `:` and `-`",
        )?;
        Ok(Self(Arc::from(value)))
    }
}

name_type!(
    /// The name of a stack: `[A-Za-z][-A-Za-z0-9]*`, at most 128 characters.
    ///
    /// ```
    /// use ringfence_cfn::StackName;
    /// assert!(StackName::new("chat-production-network").is_ok());
    /// assert!(StackName::new("1-network").is_err());
    /// ```
    StackName
);

impl StackName {
    /// Longest stack name CloudFormation accepts.
    pub const MAX_LEN: usize = 128;

    /// Checks and wraps a stack name.
    pub fn new(value: impl Into<String>) -> Result<Self, NameError> {
        Self::checked(&value.into())
    }

    pub(crate) fn checked(value: &str) -> Result<Self, NameError> {
        check(
            "stack name",
            value,
            Self::MAX_LEN,
            |i, c| {
                if i == 0 {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_alphanumeric() || c == '-'
                }
            },
            "stack names start with a letter and hold only A-Z, a-z, 0-9 and `-`",
        )?;
        Ok(Self(Arc::from(value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_id_rules() {
        assert_eq!(LogicalId::new(""), Err(NameError::Empty { kind: "logical id" }));
        assert!(matches!(LogicalId::new("A_b"), Err(NameError::BadCharacter { bad: '_', .. })));
        assert!(LogicalId::new("A".repeat(255)).is_ok());
        assert!(matches!(LogicalId::new("A".repeat(256)), Err(NameError::TooLong { len: 256, .. })));
    }

    #[test]
    fn export_name_rules() {
        assert!(ExportName::new("a:b-c:D9").is_ok());
        assert!(matches!(ExportName::new("a/b"), Err(NameError::BadCharacter { bad: '/', .. })));
        assert!(matches!(ExportName::new("x".repeat(256)), Err(NameError::TooLong { .. })));
    }

    #[test]
    fn stack_name_rules() {
        assert!(StackName::new("a").is_ok());
        assert!(matches!(StackName::new("-a"), Err(NameError::BadCharacter { bad: '-', .. })));
        assert!(matches!(StackName::new("a_b"), Err(NameError::BadCharacter { bad: '_', .. })));
        assert!(StackName::new("a".repeat(128)).is_ok());
        assert!(StackName::new("a".repeat(129)).is_err());
    }
}
