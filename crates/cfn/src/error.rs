//! Errors raised when a CloudFormation name is invalid.

/// A name that CloudFormation would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    #[error("{kind} must not be empty")]
    Empty {
        /// What kind of name it was ("logical id", "export name", "stack name").
        kind: &'static str,
    },
    /// The name is longer than CloudFormation allows.
    #[error("{kind} `{value}` is {len} characters long; CloudFormation allows at most {max}")]
    TooLong {
        /// What kind of name it was.
        kind: &'static str,
        /// The name given.
        value: String,
        /// Its length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The name holds a character CloudFormation rejects.
    #[error("{kind} `{value}` contains `{bad}`; {hint}")]
    BadCharacter {
        /// What kind of name it was.
        kind: &'static str,
        /// The name given.
        value: String,
        /// The first rejected character.
        bad: char,
        /// What is allowed.
        hint: &'static str,
    },
}
