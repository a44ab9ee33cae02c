//! Logical ids: readable, stable, derived from what a construct is — never from where
//! it sits in the list of constructs.
//!
//! An id is the PascalCase of its parts (the construct id, a kind; for rules, their
//! content) followed by eight hex digits of a SHA-256 of a canonical key. SHA-256 is a
//! fixed algorithm, so ids do not change between Rust releases (unlike std's
//! `DefaultHasher`); the key holds no position, so adding, removing or reordering one
//! construct renames no other.

use ringfence_cfn::LogicalId;
use sha2::{Digest, Sha256};

/// Longest readable part kept before the hash; keeps ids well under 255 characters.
const READABLE_MAX: usize = 200;

/// `chat-db` -> `ChatDb`, `bot.trivia_2` -> `BotTrivia2`.
pub(crate) fn pascal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for part in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// Eight uppercase hex digits of SHA-256 of `key`.
pub(crate) fn short_hash(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02X}")).collect()
}

/// A hashed logical id: `pascal(parts…)` + `short_hash(key)`.
pub(crate) fn hashed(parts: &[&str], key: &str) -> LogicalId {
    let mut readable: String = parts.iter().map(|p| pascal(p)).collect();
    readable.truncate(READABLE_MAX);
    readable.push_str(&short_hash(key));
    LogicalId::new(readable).expect("ASCII letters and digits, 8 to 208 characters")
}

/// A logical id without hash, for parameters a person types at deploy time.
pub(crate) fn plain(parts: &[&str]) -> LogicalId {
    let mut readable: String = parts.iter().map(|p| pascal(p)).collect();
    readable.truncate(READABLE_MAX);
    // Construct ids start with a letter or digit, so this is never empty.
    LogicalId::new(readable).expect("ASCII letters and digits, 1 to 200 characters")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case() {
        assert_eq!(pascal("chat-db"), "ChatDb");
        assert_eq!(pascal("bot.trivia_2"), "BotTrivia2");
        assert_eq!(pascal("lbGame"), "LbGame");
    }

    #[test]
    fn hash_is_fixed_sha256() {
        // SHA-256("abc") = ba7816bf 8f01cfea ...
        assert_eq!(short_hash("abc"), "BA7816BF");
        assert_eq!(hashed(&["chat-db", "SecurityGroup"], "abc").as_str(), "ChatDbSecurityGroupBA7816BF");
    }

    #[test]
    fn ids_stay_short() {
        let long = "a".repeat(64);
        let id = hashed(&[&long, &long, &long, &long, "Egress"], "k");
        assert_eq!(id.as_str().len(), 208);
    }
}
