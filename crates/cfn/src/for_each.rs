//! `Fn::ForEach` of the `AWS::LanguageExtensions` transform, expanded as CloudFormation
//! expands it before deploying: a template that declares the transform may write
//!
//! ```yaml
//! Fn::ForEach::Queues:
//!   - Name                      # the identifier
//!   - [Orders, Invoices]        # the collection
//!   - Queue${Name}:             # the fragment, once per item
//!       Type: AWS::SQS::Queue
//!       Properties: {QueueName: !Ref Name}
//! ```
//!
//! wherever a map may hold entries (`Resources`, `Outputs`, `Conditions`, a resource's
//! properties…). Each item gives one copy of the fragment in which the identifier is
//! replaced: in keys (`${Name}` as the item, `&{Name}` as the item without the
//! characters that are not letters or digits), in `!Ref Name`, and in `!Sub` texts.
//! Loops nest.
//!
//! The collection is a list of texts, a `!Ref` to a parameter whose default is a list or
//! a comma-separated text (a `CommaDelimitedList`), or an `Fn::FindInMap` whose keys are
//! texts or parameters with a default. Anything else is known only
//! at deployment: the loop is left out of the template and the reader says so (a
//! note), so the analysis never silently misses what the loop would have created.

use crate::{KeyPath, Map, RefTarget, Value};

/// The key prefix of a loop.
const LOOP: &str = "Fn::ForEach::";

/// The transform that gives templates `Fn::ForEach`.
pub(crate) const LANGUAGE_EXTENSIONS: &str = "AWS::LanguageExtensions";

/// What the reader leaves unread (a loop it could not expand, computed properties),
/// where it was, and why.
#[derive(Debug)]
pub(crate) struct Unexpanded {
    /// What it is: the loop's note, or the resource's.
    pub kind: crate::NoteKind,
    /// The loop's path from the document's root.
    pub path: KeyPath,
    /// What was left out, and why.
    pub message: String,
}

/// Whether the document declares the `AWS::LanguageExtensions` transform.
fn declares_language_extensions(doc: &Map) -> bool {
    match doc.get("Transform") {
        Some(Value::String(t)) => t == LANGUAGE_EXTENSIONS,
        Some(Value::List(ts)) => ts.iter().any(|t| matches!(t, Value::String(t) if t == LANGUAGE_EXTENSIONS)),
        _ => false,
    }
}

/// Expands every loop of a document that declares the transform (a document that does
/// not is left as it is: CloudFormation rejects its loops, and so does the reader).
pub(crate) fn expand(doc: &mut Value) -> Vec<Unexpanded> {
    let mut notes = Vec::new();
    let Value::Map(root) = doc else { return notes };
    if !declares_language_extensions(root) {
        return notes;
    }
    let mappings = match root.get("Mappings") {
        Some(Value::Map(m)) => m.clone(),
        _ => Map::new(),
    };
    let known = Known { defaults: parameter_defaults(root), mappings };
    walk(doc, &KeyPath::new(), &known, &mut notes);
    notes
}

/// What a loop's collection can be read from before deployment.
struct Known {
    /// Each parameter's default, as a collection.
    defaults: Vec<(String, Vec<String>)>,
    /// The template's `Mappings`.
    mappings: Map,
}

impl Known {
    /// The items of a collection: a list of texts, a parameter's default, or an
    /// `Fn::FindInMap` whose keys are texts or parameters with a default.
    fn items(&self, v: &Value) -> Option<Vec<String>> {
        match v {
            Value::List(items) => items.iter().map(text).collect(),
            Value::Ref(RefTarget::Logical(p)) => {
                self.defaults.iter().find(|(name, _)| name == p.as_str()).map(|(_, items)| items.clone())
            }
            Value::FindInMap(map, top, second) => {
                let key = |k: &Value| match k {
                    Value::String(s) => Some(s.clone()),
                    other => match self.items(other)?.as_slice() {
                        [one] => Some(one.clone()),
                        _ => None,
                    },
                };
                let Some(Value::Map(m)) = self.mappings.get(map.as_str()) else { return None };
                let Some(Value::Map(m)) = m.get(&key(top)?) else { return None };
                match m.get(&key(second)?)? {
                    Value::List(items) => items.iter().map(text).collect(),
                    Value::String(s) => Some(s.split(',').map(|i| i.trim().to_owned()).collect()),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// Each parameter's default, as a collection: a list's texts, or a text split at
/// commas.
fn parameter_defaults(root: &Map) -> Vec<(String, Vec<String>)> {
    let Some(Value::Map(params)) = root.get("Parameters") else { return Vec::new() };
    params
        .iter()
        .filter_map(|(name, p)| {
            let Value::Map(p) = p else { return None };
            let items = match p.get("Default")? {
                Value::String(s) => s.split(',').map(|i| i.trim().to_owned()).collect(),
                Value::List(items) => items.iter().map(text).collect::<Option<Vec<_>>>()?,
                _ => return None,
            };
            Some((name.to_owned(), items))
        })
        .collect()
}

/// The text of a literal item (a text or a number).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn walk(v: &mut Value, path: &KeyPath, known: &Known, notes: &mut Vec<Unexpanded>) {
    match v {
        Value::Map(m) => {
            if m.keys().any(|k| k.starts_with(LOOP)) {
                let old = std::mem::take(m);
                let mut new = Map::with_capacity(old.len());
                for (k, v) in old {
                    if k.starts_with(LOOP) {
                        for (k, v) in expand_loop(&k, v, path, known, notes) {
                            new.insert(k, v);
                        }
                    } else {
                        new.insert(k, v);
                    }
                }
                *m = new;
            }
            for (k, child) in m.iter_mut() {
                walk(child, &path.clone().key(k), known, notes);
            }
        }
        Value::List(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                walk(item, &path.clone().index(i), known, notes);
            }
        }
        _ => {}
    }
}

/// The entries one loop stands for (loops in its fragment expanded too), or none, with
/// a note, when the reader cannot tell its items.
fn expand_loop(
    key: &str,
    v: Value,
    path: &KeyPath,
    known: &Known,
    notes: &mut Vec<Unexpanded>,
) -> Vec<(String, Value)> {
    let at = path.clone().key(key);
    let mut note = |message: String| {
        notes.push(Unexpanded {
            kind: crate::NoteKind::NotExpanded(key.to_owned()),
            path: at.clone(),
            message,
        })
    };
    let Value::List(parts) = v else {
        note(format!(
            "`{key}` is not a list [identifier, collection, fragment]; what it would create is not read"
        ));
        return Vec::new();
    };
    let Ok::<[Value; 3], _>([identifier, collection, fragment]) = parts.try_into() else {
        note(format!("`{key}` does not hold three items [identifier, collection, fragment]; what it would create is not read"));
        return Vec::new();
    };
    let (Value::String(identifier), Value::Map(fragment)) = (identifier, fragment) else {
        note(format!("`{key}` needs a text identifier and a map fragment; what it would create is not read"));
        return Vec::new();
    };
    let items = known.items(&collection);
    let Some(items) = items else {
        let what = match &collection {
            Value::Ref(RefTarget::Logical(p)) => format!("parameter {p}, which has no default list"),
            Value::List(_) => "a list with an item that is not a literal text".to_owned(),
            _ => "a value known only at deployment".to_owned(),
        };
        let (entries, are) = if fragment.len() == 1 { ("entry", "is") } else { ("entries", "are") };
        note(format!(
            "`{key}` loops over {what}: what the {entries} of its fragment ({}) would create {are} not read",
            fragment.keys().collect::<Vec<_>>().join(", ")
        ));
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len() * fragment.len());
    for item in &items {
        for (k, v) in fragment.iter() {
            let mut v = v.clone();
            substitute(&mut v, &identifier, item);
            let k = substitute_key(k, &identifier, item);
            if k.starts_with(LOOP) {
                out.extend(expand_loop(&k, v, path, known, notes));
            } else {
                out.push((k, v));
            }
        }
    }
    out
}

/// `${identifier}` as the item, `&{identifier}` as its letters and digits.
fn substitute_key(key: &str, identifier: &str, item: &str) -> String {
    let alnum: String = item.chars().filter(char::is_ascii_alphanumeric).collect();
    key.replace(&format!("${{{identifier}}}"), item).replace(&format!("&{{{identifier}}}"), &alnum)
}

/// The identifier replaced in a value: `!Ref identifier`, `!Sub` texts, and map keys.
fn substitute(v: &mut Value, identifier: &str, item: &str) {
    let go = |v: &mut Value| substitute(v, identifier, item);
    match v {
        Value::Ref(RefTarget::Logical(id)) if id.as_str() == identifier => {
            *v = Value::String(item.to_owned())
        }
        Value::Sub(text, vars) => {
            if vars.get(identifier).is_none() {
                *text = substitute_key(text, identifier, item);
            }
            vars.iter_mut().for_each(|(_, v)| go(v));
        }
        Value::Map(m) => {
            if m.keys().any(|k| k.contains(identifier)) {
                let old = std::mem::take(m);
                *m = old.into_iter().map(|(k, v)| (substitute_key(&k, identifier, item), v)).collect();
            }
            m.iter_mut().for_each(|(_, v)| go(v));
        }
        Value::List(items) | Value::Join(_, items) | Value::And(items) | Value::Or(items) => {
            items.iter_mut().for_each(go)
        }
        Value::Select(_, a)
        | Value::Split(_, a)
        | Value::GetAzs(a)
        | Value::ImportValue(a)
        | Value::Not(a)
        | Value::Base64(a) => go(a),
        Value::Cidr(a, b, c) => {
            go(a);
            go(b);
            go(c);
        }
        Value::If(_, a, b) | Value::Equals(a, b) | Value::FindInMap(_, a, b) => {
            go(a);
            go(b);
        }
        Value::Null
        | Value::Bool(_)
        | Value::Number(_)
        | Value::String(_)
        | Value::Ref(_)
        | Value::GetAtt(..)
        | Value::Condition(_) => {}
    }
}
