//! Suppressions: where a template records that a finding was accepted, and why.
//!
//! A resource's `Metadata` holds `{"ringfence": {"suppress": [{"id": "RF201", "reason":
//! "…"}]}}`. The builder writes it ([`add_suppression`]); the analyzer reads it
//! ([`suppressions`]) and lists every suppressed finding with its reason. A suppression
//! without a reason does not count.

use crate::{Map, Value};

/// The `Metadata` key ringfence owns.
pub const METADATA_KEY: &str = "ringfence";
/// The list of suppressions under it.
pub const SUPPRESS_KEY: &str = "suppress";

/// Adds a suppression of check `id` with its reason to a resource's `Metadata`, after
/// the ones already there.
///
/// ```
/// use ringfence_cfn::{suppress, Map};
/// let mut metadata = Map::new();
/// suppress::add_suppression(&mut metadata, "RF201", "the vendor's appliance needs it");
/// assert_eq!(suppress::suppressions(&metadata), [("RF201", Some("the vendor's appliance needs it"))]);
/// ```
pub fn add_suppression(metadata: &mut Map, id: &str, reason: &str) {
    let entry = Value::map().with("id", id).with("reason", reason);
    let rf = metadata
        .get_or_insert_with(METADATA_KEY, || Value::map().with(SUPPRESS_KEY, Value::List(Vec::new())));
    if let Value::Map(m) = rf {
        match m.get_mut(SUPPRESS_KEY) {
            Some(Value::List(list)) => list.push(entry),
            _ => {
                m.insert(SUPPRESS_KEY, Value::List(vec![entry]));
            }
        }
    }
}

/// The suppressions of one resource's `Metadata`: `(id, reason)`, the reason `None`
/// when missing or blank. Items that are not maps with a text `id` are skipped.
pub fn suppressions(metadata: &Map) -> Vec<(&str, Option<&str>)> {
    let Some(Value::Map(rf)) = metadata.get(METADATA_KEY) else { return Vec::new() };
    let Some(Value::List(items)) = rf.get(SUPPRESS_KEY) else { return Vec::new() };
    items
        .iter()
        .filter_map(|item| {
            let Value::Map(item) = item else { return None };
            let id = match item.get("id") {
                Some(Value::String(s)) => s.as_str(),
                _ => return None,
            };
            let reason = match item.get("reason") {
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.as_str()),
                _ => None,
            };
            Some((id, reason))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_suppressions_read_back_in_order() {
        let mut m = Map::new();
        add_suppression(&mut m, "RF201", "one");
        add_suppression(&mut m, "RF603", " ");
        assert_eq!(suppressions(&m), [("RF201", Some("one")), ("RF603", None)]);
        let text = serde_json::to_string(&Value::Map(m)).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"ringfence":{"suppress":[{"id":"RF201","reason":"one"},{"id":"RF603","reason":" "}]}}"#
        );
    }

    #[test]
    fn other_shapes_read_as_none() {
        let mut m = Map::new();
        m.insert("ringfence", Value::List(Vec::new()));
        assert!(suppressions(&m).is_empty());
        let mut m = Map::new();
        m.insert(
            "ringfence",
            Value::map()
                .with("suppress", Value::List(vec![Value::from(3), Value::map().with("reason", "x")])),
        );
        assert!(suppressions(&m).is_empty());
    }
}
