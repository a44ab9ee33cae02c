//! [`Map`]: the JSON object of a template value, in insertion order.
//!
//! Property maps hold a handful of keys, so a vector searched front to back is both
//! smaller and faster than a hash map: one allocation per map, no hashing. Keys that
//! templates use over and over (`Type`, `IpProtocol`, …) are shared, not copied.

use std::fmt;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::key::{key, key_owned, Key};
use crate::Value;

/// Above this many entries, building a map from an iterator finds duplicate keys with a
/// hash set instead of scanning (so reading a huge hand-written map stays linear).
const SCAN_UP_TO: usize = 32;

/// An ordered map from property names to values: a resource's `Properties` and
/// `Metadata`, a map value, the variables of `Fn::Sub`.
///
/// Keys keep the order they were first inserted in; inserting an existing key replaces
/// its value in place. Two maps are equal when they hold the same keys with equal
/// values, whatever the order.
///
/// ```
/// use ringfence_cfn::{Map, Value};
/// let mut m = Map::new();
/// m.insert("b", 1);
/// m.insert("a", "x");
/// m.insert("b", 2);
/// assert_eq!(m.keys().collect::<Vec<_>>(), ["b", "a"]);
/// assert_eq!(m["b"], Value::from(2));
/// ```
#[derive(Clone, Default)]
pub struct Map {
    entries: Vec<(Key, Value)>,
}

impl Map {
    /// An empty map (allocates nothing).
    pub fn new() -> Map {
        Map { entries: Vec::new() }
    }

    /// An empty map with room for `n` entries.
    pub fn with_capacity(n: usize) -> Map {
        Map { entries: Vec::with_capacity(n) }
    }

    /// Makes room for `n` more entries.
    pub fn reserve(&mut self, n: usize) {
        self.entries.reserve(n);
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| **k == *key)
    }

    /// A map of entries whose keys are all different (the caller knows), as they are.
    pub(crate) fn from_distinct(entries: Vec<(Key, Value)>) -> Map {
        debug_assert!(
            entries.len() > 64
                || entries.iter().enumerate().all(|(i, (k, _))| entries[..i].iter().all(|(o, _)| o != k)),
            "keys given twice"
        );
        Map { entries }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| **k == *key).map(|(_, v)| v)
    }

    /// The value of `key`, to change it.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.iter_mut().find(|(k, _)| **k == *key).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`, keeping the position of an existing key; returns the value
    /// it replaced.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        let (key, value) = (key_owned(key.into()), value.into());
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// The value of `key`, inserting the one `make` returns first if it is absent.
    pub fn get_or_insert_with(&mut self, key: &str, make: impl FnOnce() -> Value) -> &mut Value {
        let i = match self.position(key) {
            Some(i) => i,
            None => {
                self.entries.push((self::key(key), make()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    /// Removes `key`, keeping the order of the others; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key)?;
        Some(self.entries.remove(i).1)
    }

    /// The entries, in order.
    pub fn iter(&self) -> Entries<'_> {
        Entries(self.entries.iter())
    }

    /// The entries in order, values changeable.
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = (&str, &mut Value)> + DoubleEndedIterator {
        self.entries.iter_mut().map(|(k, v)| (&**k, v))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> + DoubleEndedIterator {
        self.entries.iter().map(|(k, _)| &**k)
    }

    /// The values, in key order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> + DoubleEndedIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in key order, changeable.
    pub fn values_mut(&mut self) -> impl ExactSizeIterator<Item = &mut Value> + DoubleEndedIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// The first entry.
    pub fn first(&self) -> Option<(&str, &Value)> {
        self.entries.first().map(|(k, v)| (&**k, v))
    }
}

impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;

    /// The value of `key`; panics when it is absent, like indexing a slice out of range.
    fn index(&self, key: &str) -> &Value {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no key `{key}` in the map"),
        }
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Map {
        let mut m = Map::new();
        m.extend(iter);
        m
    }
}

impl<K: Into<String>, V: Into<Value>> Extend<(K, V)> for Map {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        self.extend_keys(iter.into_iter().map(|(k, v)| (key_owned(k.into()), v.into())));
    }
}

impl Map {
    /// Adds the entries in order, a key given again keeping its first position and its
    /// last value.
    pub(crate) fn extend_keys(&mut self, iter: impl Iterator<Item = (Key, Value)>) {
        self.entries.reserve(iter.size_hint().0);
        let mut seen: Option<std::collections::HashMap<Key, usize>> = None;
        for (k, v) in iter {
            if seen.is_none() && self.entries.len() < SCAN_UP_TO {
                match self.position(&k) {
                    Some(i) => self.entries[i].1 = v,
                    None => self.entries.push((k, v)),
                }
                continue;
            }
            let index = seen.get_or_insert_with(|| {
                self.entries.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect()
            });
            match index.get(&k) {
                Some(&i) => self.entries[i].1 = v,
                None => {
                    index.insert(k.clone(), self.entries.len());
                    self.entries.push((k, v));
                }
            }
        }
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = IntoEntries;

    fn into_iter(self) -> IntoEntries {
        IntoEntries(self.entries.into_iter())
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a str, &'a Value);
    type IntoIter = Entries<'a>;

    fn into_iter(self) -> Entries<'a> {
        Entries(self.entries.iter())
    }
}

/// The entries of a [`Map`], in order, borrowed: `for (key, value) in &map`.
#[derive(Clone)]
pub struct Entries<'a>(std::slice::Iter<'a, (Key, Value)>);

impl<'a> Iterator for Entries<'a> {
    type Item = (&'a str, &'a Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (&**k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Entries<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (&**k, v))
    }
}

impl ExactSizeIterator for Entries<'_> {}

/// The entries of a [`Map`], in order, moved out: `for (key, value) in map`.
pub struct IntoEntries(std::vec::IntoIter<(Key, Value)>);

impl Iterator for IntoEntries {
    type Item = (String, Value);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k.into_string(), v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for IntoEntries {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k.into_string(), v))
    }
}

impl ExactSizeIterator for IntoEntries {}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in &self.entries {
            m.serialize_entry(&**k, v)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_keeps_first_position_and_last_value() {
        let m: Map = [("a", 1), ("b", 2), ("a", 3)].into_iter().collect();
        assert_eq!(
            m.iter().map(|(k, v)| (k, v.clone())).collect::<Vec<_>>(),
            [("a", Value::from(3)), ("b", Value::from(2))]
        );
    }

    #[test]
    fn large_maps_deduplicate_like_small_ones() {
        // Past the scan threshold the hashed path must give the same answer as inserting
        // one key at a time.
        let keys: Vec<String> = (0..200).map(|i| format!("k{}", i % 150)).collect();
        let collected: Map = keys.iter().enumerate().map(|(i, k)| (k.clone(), i as u32)).collect();
        let mut inserted = Map::new();
        for (i, k) in keys.iter().enumerate() {
            inserted.insert(k.clone(), i as u32);
        }
        assert_eq!(collected.len(), 150);
        assert_eq!(collected.keys().collect::<Vec<_>>(), inserted.keys().collect::<Vec<_>>());
        assert_eq!(collected.values().collect::<Vec<_>>(), inserted.values().collect::<Vec<_>>());
    }

    #[test]
    fn equality_ignores_order_but_not_content() {
        let a: Map = [("x", 1), ("y", 2)].into_iter().collect();
        let b: Map = [("y", 2), ("x", 1)].into_iter().collect();
        let c: Map = [("y", 2), ("x", 9)].into_iter().collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"x":1,"y":2}"#);
        assert_eq!(serde_json::to_string(&b).unwrap(), r#"{"y":2,"x":1}"#);
    }

    #[test]
    fn get_or_insert_and_remove() {
        let mut m = Map::new();
        *m.get_or_insert_with("k", || Value::from(1)) = Value::from(2);
        assert_eq!(m.get_or_insert_with("k", || Value::from(7)), &Value::from(2));
        m.insert("z", true);
        assert_eq!(m.remove("k"), Some(Value::from(2)));
        assert_eq!(m.keys().collect::<Vec<_>>(), ["z"]);
        assert_eq!(m.remove("k"), None);
    }
}
