//! The map and set types the app state and synthesis keep: insertion-ordered, so that
//! templates come out in the order things were declared, with a fast hasher, since
//! their keys come from the program, not from outside input. A module of their own, so
//! that the model and synthesis share them without importing each other for it.

/// An insertion-ordered map with a fast hasher.
pub(crate) type FxIndexMap<K, V> = indexmap::IndexMap<K, V, rustc_hash::FxBuildHasher>;
/// The set counterpart of [`FxIndexMap`].
pub(crate) type FxIndexSet<T> = indexmap::IndexSet<T, rustc_hash::FxBuildHasher>;
