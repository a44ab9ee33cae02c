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
#[cfg(test)]
fn pascal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_pascal(&mut out, text);
    out
}

/// Appends the PascalCase of `text` to `out`.
fn push_pascal(out: &mut String, text: &str) {
    for part in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
}

/// Eight uppercase hex digits of SHA-256 of `key`.
#[cfg(test)]
fn short_hash(key: &str) -> String {
    let mut out = String::with_capacity(8);
    push_short_hash(&mut out, key);
    out
}

/// Appends eight uppercase hex digits of SHA-256 of `key` to `out`.
fn push_short_hash(out: &mut String, key: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let digest = Sha256::digest(key.as_bytes());
    for b in &digest[..4] {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xF)]));
    }
}

/// The readable part of an id: the PascalCase of every part, at most
/// [`READABLE_MAX`] characters.
fn readable(parts: &[&str], extra: usize) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + extra);
    for p in parts {
        push_pascal(&mut out, p);
    }
    // Only ASCII letters and digits were pushed, so any length is a char boundary.
    out.truncate(READABLE_MAX);
    out
}

/// A hashed logical id: `pascal(parts…)` + `short_hash(key)`.
pub(crate) fn hashed(parts: &[&str], key: &str) -> LogicalId {
    let mut id = readable(parts, 8);
    push_short_hash(&mut id, key);
    LogicalId::new(id).expect("ASCII letters and digits, 8 to 208 characters")
}

/// A logical id without hash, for parameters a person types at deploy time.
pub(crate) fn plain(parts: &[&str]) -> LogicalId {
    // Construct ids start with a letter or digit, so this is never empty.
    LogicalId::new(readable(parts, 0)).expect("ASCII letters and digits, 1 to 200 characters")
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
