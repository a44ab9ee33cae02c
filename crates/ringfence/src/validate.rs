//! Small named validators for the text AWS limits: group names, descriptions and
//! construct ids. Each returns a typed [`Error`] naming the construct.

use crate::Error;

/// Longest group name and group description AWS accepts.
pub const GROUP_TEXT_MAX: usize = 255;
/// Longest rule description AWS accepts.
pub const RULE_DESCRIPTION_MAX: usize = 255;
/// Longest construct id ringfence accepts.
pub const CONSTRUCT_ID_MAX: usize = 64;

/// Characters AWS allows in group names and group descriptions, besides letters and
/// digits: ` ._-:/()#,@[]+=&;{}!$*`.
const GROUP_EXTRA: &str = " ._-:/()#,@[]+=&;{}!$*";
/// Characters allowed in rule descriptions besides letters and digits. Some AWS
/// references omit `&` for rules, so it is refused to be safe.
const RULE_EXTRA: &str = " ._-:/()#,@[]+=;{}!$*";

fn first_bad(text: &str, extra: &str) -> Option<char> {
    text.chars().find(|&c| !(c.is_ascii_alphanumeric() || extra.contains(c)))
}

/// A group name: 1-255 characters of AWS's set, not starting with `sg-`, not `default`
/// (every VPC has a group of that name, and EC2 compares names ignoring case).
pub fn group_name(construct: &str, name: &str) -> Result<(), Error> {
    let err = |problem: String, hint: &str| Error::InvalidGroupName {
        construct: construct.to_owned(),
        name: name.to_owned(),
        problem,
        hint: hint.to_owned(),
    };
    if name.is_empty() {
        return Err(err("is empty".into(), "name the group after the role it encloses"));
    }
    let len = name.chars().count();
    if len > GROUP_TEXT_MAX {
        return Err(err(
            format!("is {len} characters long, AWS allows {GROUP_TEXT_MAX}"),
            "use a shorter role name",
        ));
    }
    if name.get(..3).is_some_and(|prefix| prefix.eq_ignore_ascii_case("sg-")) {
        return Err(err(
            "starts with `sg-`, which AWS reserves for group ids".into(),
            "name the group after its role, e.g. `bots` or `chat-db`",
        ));
    }
    if name.eq_ignore_ascii_case("default") {
        return Err(err(
            "is the name of the group EC2 creates in every VPC (names are unique per VPC, ignoring case)"
                .into(),
            "name the group after the role it encloses, or keep the environment suffix",
        ));
    }
    if let Some(c) = first_bad(name, GROUP_EXTRA) {
        return Err(err(
            format!("contains `{c}`, which AWS rejects"),
            "use letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*",
        ));
    }
    Ok(())
}

/// A group description: required, 1-255 characters of AWS's set.
pub fn group_description(construct: &str, text: &str) -> Result<(), Error> {
    description(construct, "group description", text, GROUP_TEXT_MAX, GROUP_EXTRA)
}

/// A template parameter's description: required here (people read it at deploy time),
/// up to 4,000 characters of any text (CloudFormation's limit for `Description`).
pub fn parameter_description(construct: &str, text: &str) -> Result<(), Error> {
    let err = |problem: String, hint: &str| Error::InvalidDescription {
        construct: construct.to_owned(),
        what: "parameter description",
        problem,
        hint: hint.to_owned(),
    };
    if text.trim().is_empty() {
        return Err(err("is empty".into(), "say what to pass, for whoever deploys the stack"));
    }
    let len = text.chars().count();
    if len > PARAMETER_DESCRIPTION_MAX {
        return Err(err(
            format!("is {len} characters long, CloudFormation allows {PARAMETER_DESCRIPTION_MAX}"),
            "shorten it; link to longer documentation instead",
        ));
    }
    Ok(())
}

/// Most characters in a parameter's `Description`.
const PARAMETER_DESCRIPTION_MAX: usize = 4000;

/// A rule description (also used for the reason of allow-all egress): required,
/// 1-255 characters of AWS's set for rules.
pub fn rule_description(construct: &str, text: &str) -> Result<(), Error> {
    description(construct, "rule description", text, RULE_DESCRIPTION_MAX, RULE_EXTRA)
}

fn description(
    construct: &str,
    what: &'static str,
    text: &str,
    max: usize,
    extra: &str,
) -> Result<(), Error> {
    let err = |problem: String, hint: String| Error::InvalidDescription {
        construct: construct.to_owned(),
        what,
        problem,
        hint,
    };
    if text.trim().is_empty() {
        return Err(err(
            "is empty".into(),
            "say why this exists, so a reviewer can tell whether it may go".into(),
        ));
    }
    let len = text.chars().count();
    if len > max {
        return Err(err(
            format!("is {len} characters long, AWS allows {max}"),
            "shorten it; link to longer documentation instead".into(),
        ));
    }
    if let Some(c) = first_bad(text, extra) {
        return Err(err(
            format!("contains `{c}`, which AWS rejects"),
            format!("use letters, digits, spaces and {}", extra.trim_start()),
        ));
    }
    Ok(())
}

/// A construct id: 1-64 letters, digits or `-`, starting with a letter or digit. The id
/// is the construct's path segment, the readable part of its logical id and part of
/// export names, which allow no other characters.
pub fn construct_id(parent: impl std::fmt::Display, id: &str) -> Result<(), Error> {
    let err = |problem: String| Error::InvalidConstructId {
        construct: parent.to_string(),
        id: id.to_owned(),
        problem,
        hint: "use 1 to 64 letters, digits or `-`, starting with a letter or digit".into(),
    };
    let Some(first) = id.chars().next() else {
        return Err(err("is empty".into()));
    };
    if !first.is_ascii_alphanumeric() {
        return Err(err(format!("starts with `{first}`")));
    }
    let len = id.chars().count();
    if len > CONSTRUCT_ID_MAX {
        return Err(err(format!("is {len} characters long")));
    }
    if let Some(c) = id.chars().find(|&c| !(c.is_ascii_alphanumeric() || c == '-')) {
        return Err(err(format!("contains `{c}`")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names() {
        assert!(group_name("s/g", "game-servers-production").is_ok());
        assert!(group_name("s/g", &"a".repeat(255)).is_ok());
        for bad in ["", "sg-bots", "SG-bots", "bots%", "bötS", "default", "Default"] {
            assert!(matches!(group_name("s/g", bad), Err(Error::InvalidGroupName { .. })), "{bad}");
        }
        assert!(group_name("s/g", &"a".repeat(256)).is_err());
    }

    #[test]
    fn descriptions() {
        assert!(group_description("s/g", "Chat history PostgreSQL (primary) & replicas").is_ok());
        assert!(rule_description("s/g", "bots keep chat history").is_ok());
        assert!(rule_description("s/g", "a & b").is_err(), "& is refused in rule descriptions");
        assert!(rule_description("s/g", "  ").is_err());
        assert!(rule_description("s/g", "quote's").is_err());
        assert!(group_description("s/g", &"x".repeat(256)).is_err());
        // Parameters are read by people at deploy time: any text up to 4,000 characters.
        assert!(parameter_description("s/p", "The shop's domain (e.g. shop.example.com)").is_ok());
        assert!(parameter_description("s/p", &"x".repeat(4000)).is_ok());
        let e = parameter_description("s/p", &"x".repeat(4001)).unwrap_err();
        assert!(e.to_string().starts_with("s/p: parameter description is 4001 characters long"), "{e}");
        assert!(parameter_description("s/p", " ").is_err());
    }

    #[test]
    fn construct_ids() {
        assert!(construct_id("s", "chat-db").is_ok());
        assert!(construct_id("s", "Db-1a").is_ok());
        for bad in ["", "-a", "a/b", "a b", "a_b", "a.b", &"a".repeat(65)] {
            assert!(construct_id("s", bad).is_err(), "{bad}");
        }
    }
}
