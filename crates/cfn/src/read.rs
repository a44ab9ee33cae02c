//! Reading templates: JSON, and YAML with CloudFormation's short-form tags (`!Ref`,
//! `!GetAtt A.B`, `!Sub`, …) as well as the long form.
//!
//! The reader is lenient where CloudFormation is: a section it does not model is
//! skipped, an intrinsic it does not know (`Fn::Transform`, `Fn::Length`, …) stays a
//! plain map. It is strict where the document is unreadable: bad syntax is an error with
//! its line and column, a section of the wrong shape is an error naming it.
//!
//! It never drops what it cannot understand, and never quietly picks a meaning for it:
//! a YAML tag CloudFormation does not know (`!Frobnicate foo`) is kept as the one-key
//! map `{"!Frobnicate": "foo"}`, a key given twice in one map keeps its last value (as
//! JSON parsers do), a number JSON cannot hold (`.inf`) stays text — and each of these
//! is a [`ReadNote`] with its path and line, from [`Template::read`], which the analyzer
//! reports as a finding.
//!
//! The text is deserialized straight into [`Value`]s (no intermediate JSON or YAML tree),
//! intrinsics are recognised as each map closes, and sections are moved, not copied,
//! into the [`Template`].

use std::collections::HashMap;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

use crate::key::{key, key_owned, Key};
use crate::{
    for_each, locate, locate_all, ConditionName, KeyPath, LogicalId, Map, Output, Parameter, Policy, Pseudo,
    RefTarget, Resource, Step, Template, Value,
};

/// A template that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The text is not valid JSON or YAML.
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The document is not a template (a section or entry of the wrong shape).
    #[error("{path}: {message}")]
    Shape {
        /// Where, e.g. `Resources.Web.Type`.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// What the reader kept without understanding it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoteKind {
    /// A YAML tag that is no CloudFormation short form (`!Frobnicate`, with its `!`):
    /// the value is kept as the one-key map `{"!Frobnicate": value}`.
    UnknownTag(String),
    /// A key given more than once in one map: the last value is kept, the earlier ones
    /// are not read.
    DuplicateKey(String),
    /// A number JSON cannot hold (YAML's `.inf`, `-.inf`, `.nan`): kept as that text.
    NotFinite(String),
    /// An `Fn::ForEach` loop (its key, `Fn::ForEach::Name`) whose items are known only
    /// at deployment, or that is not of the loop's form: what it would create is left
    /// out of the template.
    NotExpanded(String),
    /// A resource (its logical id) whose `Properties` is a function such as `Fn::If`:
    /// kept verbatim, not read.
    ComputedProperties(String),
}

/// Something the reader kept but could not understand, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadNote {
    /// What it is.
    pub kind: NoteKind,
    /// Where, from the document's root (`Resources.Web.Properties.GroupName`): for a
    /// duplicate key, the key; for a tag, the tagged value.
    pub path: KeyPath,
    /// The 1-based line of that declaration (for a duplicate key, of the repeated one),
    /// when found.
    pub line: Option<usize>,
    /// What the reader did, in words.
    pub message: String,
}

impl fmt::Display for ReadNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}, {}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// A template as read, with the reader's notes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Parsed {
    /// The template.
    pub template: Template,
    /// What the reader kept without understanding it, in the order of the text.
    pub notes: Vec<ReadNote>,
}

impl Template {
    /// Reads a JSON template.
    ///
    /// ```
    /// use ringfence_cfn::{Template, Value};
    /// let t = Template::from_json(r#"{"Resources": {"G": {"Type": "AWS::EC2::SecurityGroup",
    ///     "Properties": {"VpcId": {"Ref": "Vpc"}}}}}"#)?;
    /// assert!(matches!(t.resources[0].properties["VpcId"], Value::Ref(_)));
    /// # Ok::<(), ringfence_cfn::ReadError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Template, ReadError> {
        Template::read_json(text).map(|p| p.template)
    }

    /// Reads a YAML template, short-form tags included.
    ///
    /// ```
    /// use ringfence_cfn::{Template, Value};
    /// let t = Template::from_yaml("Resources:\n  R:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties:\n      GroupId: !GetAtt G.GroupId\n      Description: !Sub '${AWS::StackName} web'\n")?;
    /// assert!(matches!(t.resources[0].properties["GroupId"], Value::GetAtt(_, _)));
    /// # Ok::<(), ringfence_cfn::ReadError>(())
    /// ```
    pub fn from_yaml(text: &str) -> Result<Template, ReadError> {
        Template::read_yaml(text).map(|p| p.template)
    }

    /// Reads JSON or YAML, whichever the text is (JSON is valid YAML, but JSON's own
    /// parser gives better positions). [`Template::read`] gives the reader's notes too.
    pub fn parse(text: &str) -> Result<Template, ReadError> {
        Template::read(text).map(|p| p.template)
    }

    /// Reads JSON or YAML, whichever the text is, with the reader's notes: what it kept
    /// but could not understand, each with its path and line.
    ///
    /// ```
    /// use ringfence_cfn::{NoteKind, Template};
    /// let yaml = "Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupName: !Frobnicate web\n      GroupDescription: a\n      GroupDescription: b\n";
    /// let read = Template::read(yaml)?;
    /// let kinds: Vec<_> = read.notes.iter().map(|n| (&n.kind, n.path.to_string(), n.line)).collect();
    /// assert_eq!(kinds, [
    ///     (&NoteKind::UnknownTag("!Frobnicate".into()), "Resources.Web.Properties.GroupName".into(), Some(5)),
    ///     (&NoteKind::DuplicateKey("GroupDescription".into()), "Resources.Web.Properties.GroupDescription".into(), Some(7)),
    /// ]);
    /// // Kept, not dropped: the value is still there, marked with its tag.
    /// let name = read.template.resources[0].properties["GroupName"].to_json();
    /// assert_eq!(name, serde_json::json!({"!Frobnicate": "web"}));
    /// # Ok::<(), ringfence_cfn::ReadError>(())
    /// ```
    pub fn read(text: &str) -> Result<Parsed, ReadError> {
        if text.trim_start().starts_with('{') {
            Template::read_json(text)
        } else {
            Template::read_yaml(text)
        }
    }

    /// Reads a JSON template, with the reader's notes.
    pub fn read_json(text: &str) -> Result<Parsed, ReadError> {
        let mut raw = Vec::new();
        let mut de = serde_json::Deserializer::from_str(text);
        let doc = ValueSeed { notes: &mut raw }
            .deserialize(&mut de)
            .and_then(|doc| de.end().map(|()| doc))
            .map_err(|e| ReadError::Syntax {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        finish(text, doc, raw)
    }

    /// Reads a YAML template, short-form tags included, with the reader's notes.
    pub fn read_yaml(text: &str) -> Result<Parsed, ReadError> {
        let mut raw = Vec::new();
        let doc = ValueSeed { notes: &mut raw }
            .deserialize(serde_yaml::Deserializer::from_str(text))
            .map_err(|e| {
                let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
                ReadError::Syntax { line, column, message: e.to_string() }
            })?;
        finish(text, doc, raw)
    }
}

impl Value {
    /// A JSON document as a value, long-form intrinsics recognised.
    pub fn from_json_doc(doc: serde_json::Value) -> Value {
        intrinsics(Value::from(doc))
    }
}

/// Turns one-key maps that are intrinsic functions into their variants, recursively.
fn intrinsics(v: Value) -> Value {
    match v {
        Value::List(items) => Value::List(items.into_iter().map(intrinsics).collect()),
        Value::Map(m) => map_value(m.into_iter().map(|(k, v)| (k, intrinsics(v))).collect()),
        other => other,
    }
}

/// A map as a value: an intrinsic function if it is one.
fn map_value(m: Map) -> Value {
    let function_like =
        m.len() == 1 && m.keys().all(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::"));
    if !function_like {
        return Value::Map(m);
    }
    let mut entries = m.into_iter();
    let Some((k, arg)) = entries.next() else { return Value::Map(Map::new()) };
    match function(&k, arg) {
        Ok(f) => f,
        Err(arg) => Value::Map([(k, arg)].into_iter().collect()),
    }
}

// ---------------------------------------------------------------------------------------
// Deserializing straight into `Value`, noting what is kept without being understood.

/// A note as found while deserializing: its path is built backwards, one step per level,
/// as the values that hold it are finished.
struct RawNote {
    kind: NoteKind,
    reversed: Vec<Step>,
    /// For a duplicate key: how many times the key came before.
    occurrence: usize,
}

/// The short forms CloudFormation's YAML parser knows, besides `!Ref` and `!Condition`;
/// each stands for `Fn::` and its name.
const SHORT_FORMS: &[&str] = &[
    "And",
    "Base64",
    "Cidr",
    "Contains",
    "EachMemberEquals",
    "EachMemberIn",
    "Equals",
    "FindInMap",
    "GetAtt",
    "GetAZs",
    "GetStackOutput",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "RefAll",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
    "ValueOf",
    "ValueOfAll",
];

struct ValueSeed<'n> {
    notes: &'n mut Vec<RawNote>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl ValueSeed<'_> {
    fn note(&mut self, kind: NoteKind, occurrence: usize) {
        self.notes.push(RawNote { kind, reversed: Vec::new(), occurrence });
    }

    /// Adds `step` to the path of every note found since `before`.
    fn under(&mut self, before: usize, step: impl Fn() -> Step) {
        for n in self.notes.iter_mut().skip(before) {
            n.reversed.push(step());
        }
    }

    fn number(mut self, f: f64) -> Value {
        match serde_json::Number::from_f64(f) {
            Some(n) => Value::Number(n),
            None => {
                let text = if f.is_nan() {
                    ".nan"
                } else if f > 0.0 {
                    ".inf"
                } else {
                    "-.inf"
                };
                self.note(NoteKind::NotFinite(text.to_owned()), 0);
                Value::String(text.to_owned())
            }
        }
    }

    /// The value of a YAML tag: an intrinsic for a short form, else the one-key map
    /// `{"!Tag": value}` and a note.
    fn tagged(mut self, tag: &str, arg: Value) -> Value {
        let long = match tag {
            // `!` alone is YAML's non-specific tag: the value as it is.
            "!" => return arg,
            "Ref" | "Condition" => tag.to_owned(),
            t if SHORT_FORMS.contains(&t) => format!("Fn::{t}"),
            _ => {
                let name = format!("!{tag}");
                self.note(NoteKind::UnknownTag(name.clone()), 0);
                return Value::Map([(name, arg)].into_iter().collect());
            }
        };
        match function(&long, arg) {
            Ok(f) => f,
            Err(arg) => Value::Map([(long, arg)].into_iter().collect()),
        }
    }
}

/// Notes every key of `entries` that an earlier entry already has.
fn duplicates(entries: &[(Key, Value)], notes: &mut Vec<RawNote>) {
    let mut found = |key: &str, before: usize| {
        notes.push(RawNote {
            kind: NoteKind::DuplicateKey(key.to_owned()),
            reversed: vec![Step::Key(key.to_owned())],
            occurrence: before,
        })
    };
    if entries.len() <= 16 {
        for (i, (k, _)) in entries.iter().enumerate().skip(1) {
            let before = entries[..i].iter().filter(|(o, _)| o == k).count();
            if before > 0 {
                found(k, before);
            }
        }
    } else {
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
        for (k, _) in entries {
            let n = seen.entry(&**k).or_insert(0);
            if *n > 0 {
                found(k, *n);
            }
            *n += 1;
        }
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CloudFormation value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(match i64::try_from(v) {
            Ok(v) => Value::Number(v.into()),
            #[allow(clippy::cast_precision_loss)]
            Err(_) => self.number(v as f64),
        })
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        Ok(match u64::try_from(v) {
            Ok(v) => Value::Number(v.into()),
            #[allow(clippy::cast_precision_loss)]
            Err(_) => self.number(v as f64),
        })
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(self.number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            let before = self.notes.len();
            let Some(item) = seq.next_element_seed(ValueSeed { notes: &mut *self.notes })? else { break };
            if self.notes.len() > before {
                let i = items.len();
                self.under(before, || Step::Index(i));
            }
            items.push(item);
        }
        // The list grew by doubling (a list of one item has room for four): give back
        // the room it does not use.
        items.shrink_to_fit();
        Ok(Value::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(Key, Value)> = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let before = self.notes.len();
            let value = map.next_value_seed(ValueSeed { notes: &mut *self.notes })?;
            if self.notes.len() > before {
                self.under(before, || Step::Key(key.to_string()));
            }
            entries.push((key, value));
        }
        let before = self.notes.len();
        duplicates(&entries, self.notes);
        let map = if self.notes.len() == before {
            // Every key once: the entries are the map, less the room they grew into.
            entries.shrink_to_fit();
            Map::from_distinct(entries)
        } else {
            let mut map = Map::new();
            map.extend_keys(entries.into_iter());
            map
        };
        Ok(map_value(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // serde_yaml hands a tagged node over as an enum whose variant is the tag.
        let (tag, content): (String, _) = data.variant()?;
        let mut notes = Vec::new();
        let arg = content.newtype_variant_seed(ValueSeed { notes: &mut notes })?;
        self.notes.append(&mut notes);
        Ok(self.tagged(&tag, arg))
    }
}

/// A map key: JSON's are strings; YAML's may be anything, written as YAML. A name that
/// templates use over and over is shared, not copied.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_any(self)
    }
}

fn yaml_text(v: &serde_yaml::Value) -> Key {
    key(serde_yaml::to_string(v).unwrap_or_default().trim())
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(key(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
        Ok(key_owned(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
        Ok(yaml_text(&serde_yaml::Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
        Ok(key_owned(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
        Ok(key_owned(v.to_string()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Key, E> {
        Ok(key_owned(v.to_string()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Key, E> {
        Ok(key_owned(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
        Ok(yaml_text(&serde_yaml::Value::Number(v.into())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
        Ok(key("null"))
    }

    fn visit_none<E: de::Error>(self) -> Result<Key, E> {
        Ok(key("null"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Key, A::Error> {
        let v = serde::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(yaml_text(&v))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Key, A::Error> {
        let v = serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(yaml_text(&v))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Key, A::Error> {
        let v = serde::Deserialize::deserialize(de::value::EnumAccessDeserializer::new(data))?;
        Ok(yaml_text(&v))
    }
}

/// Whether a value is a function CloudFormation computes (an `Fn::If`, or a function the
/// reader does not model), as opposed to a literal of the wrong shape.
fn is_computed(v: &Value) -> bool {
    match v {
        Value::Map(m) => m.len() == 1 && m.keys().all(|k| k.starts_with("Fn::")),
        Value::If(..) | Value::FindInMap(..) | Value::Select(..) | Value::ImportValue(_) => true,
        _ => false,
    }
}

/// Resources whose `Properties` is a function (`Fn::If` choosing between a map and
/// `AWS::NoValue`): the template reads, the properties are kept but not read, and a
/// note says so.
fn computed_properties(doc: &Value) -> Vec<for_each::Unexpanded> {
    let Value::Map(doc) = doc else { return Vec::new() };
    let Some(Value::Map(resources)) = doc.get("Resources") else { return Vec::new() };
    resources
        .iter()
        .filter_map(|(id, r)| match r {
            Value::Map(r) => r.get("Properties").filter(|p| is_computed(p)).map(|_| id),
            _ => None,
        })
        .map(|id| for_each::Unexpanded {
            kind: NoteKind::ComputedProperties(id.to_owned()),
            path: KeyPath::new().key("Resources").key(id).key("Properties"),
            message: format!(
                "the properties of {id} are a function (such as Fn::If), known only at deployment: they are kept but not read"
            ),
        })
        .collect()
}

/// The template of a document, and the notes with their paths and lines.
fn finish(text: &str, mut doc: Value, raw: Vec<RawNote>) -> Result<Parsed, ReadError> {
    let mut unexpanded = for_each::expand(&mut doc);
    unexpanded.extend(computed_properties(&doc));
    let template = template(doc)?;
    if raw.is_empty() && unexpanded.is_empty() {
        return Ok(Parsed { template, notes: Vec::new() });
    }
    let paths: Vec<KeyPath> =
        raw.iter().map(|n| KeyPath::from(n.reversed.iter().rev().cloned().collect::<Vec<Step>>())).collect();
    let lines = locate_all(text, &paths);
    // A key repeated in two declarations of the same map (a resource given twice) has
    // all its declarations under one path: each note takes the next one not taken.
    let mut taken: HashMap<&KeyPath, usize> = HashMap::new();
    let mut found = Vec::with_capacity(raw.len());
    for ((n, path), lines) in raw.iter().zip(&paths).zip(&lines) {
        found.push(match n.kind {
            NoteKind::DuplicateKey(_) => {
                let next = taken.entry(path).or_insert(0);
                let i = n.occurrence.max(*next);
                *next = i + 1;
                lines.get(i).or(lines.last()).copied()
            }
            _ => lines.last().copied(),
        });
    }
    let mut notes: Vec<ReadNote> = raw
        .into_iter()
        .zip(paths.iter().cloned())
        .zip(lines)
        .zip(found)
        .map(|(((n, path), lines), line)| {
            let message = match &n.kind {
                NoteKind::UnknownTag(tag) => format!(
                    "`{tag}` is not a tag CloudFormation knows; the value is kept as `{tag}: …` but not understood, and read as unknown"
                ),
                NoteKind::DuplicateKey(key) => {
                    let first = lines.first().filter(|&&l| Some(l) != line);
                    let first = first.map_or_else(String::new, |l| format!(" (first at line {l})"));
                    format!("`{key}` is given again in the same map{first}; the last value is read and the earlier ones are ignored")
                }
                NoteKind::NotFinite(text) => {
                    format!("`{text}` is not a number a template can hold; kept as the text `{text}`")
                }
                // Made with its note, above; never a raw note.
                NoteKind::NotExpanded(key) => format!("`{key}` is not expanded"),
                NoteKind::ComputedProperties(id) => format!("the properties of {id} are not read"),
            };
            ReadNote { kind: n.kind, path, line, message }
        })
        .collect();
    if !unexpanded.is_empty() {
        let paths: Vec<KeyPath> = unexpanded.iter().map(|u| u.path.clone()).collect();
        let lines = locate(text, &paths);
        for (u, line) in unexpanded.into_iter().zip(lines) {
            notes.push(ReadNote { kind: u.kind, path: u.path, line, message: u.message });
        }
    }
    notes.sort_by(|a, b| a.line.cmp(&b.line).then_with(|| a.path.cmp(&b.path)));
    Ok(Parsed { template, notes })
}

// ---------------------------------------------------------------------------------------
// Intrinsic functions.

fn logical(v: &Value) -> Option<LogicalId> {
    match v {
        Value::String(s) => LogicalId::checked(s).ok(),
        _ => None,
    }
}

fn condition(v: &Value) -> Option<ConditionName> {
    match v {
        Value::String(s) => ConditionName::checked(s).ok(),
        _ => None,
    }
}

fn pseudo(name: &str) -> Option<Pseudo> {
    Some(match name {
        "AWS::AccountId" => Pseudo::AccountId,
        "AWS::NotificationARNs" => Pseudo::NotificationArns,
        "AWS::NoValue" => Pseudo::NoValue,
        "AWS::Partition" => Pseudo::Partition,
        "AWS::Region" => Pseudo::Region,
        "AWS::StackId" => Pseudo::StackId,
        "AWS::StackName" => Pseudo::StackName,
        "AWS::URLSuffix" => Pseudo::UrlSuffix,
        _ => return None,
    })
}

fn index(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn is_string(v: &Value) -> bool {
    matches!(v, Value::String(_))
}

fn two(items: Vec<Value>) -> Result<[Value; 2], Value> {
    items.try_into().map_err(Value::List)
}

fn three(items: Vec<Value>) -> Result<[Value; 3], Value> {
    items.try_into().map_err(Value::List)
}

/// The intrinsic `name` applied to `arg`, if it is one and its argument has the right
/// shape; otherwise the argument back, untouched (the map stays a map). Nothing is
/// copied: the argument's parts move into the function.
fn function(name: &str, arg: Value) -> Result<Value, Value> {
    let b = Box::new;
    Ok(match (name, arg) {
        ("Ref", Value::String(s)) => match pseudo(&s) {
            Some(p) => Value::Ref(RefTarget::Pseudo(p)),
            None => match LogicalId::checked(&s) {
                Ok(id) => Value::Ref(RefTarget::Logical(id)),
                Err(_) => return Err(Value::String(s)),
            },
        },
        ("Fn::GetAtt", Value::String(s)) => {
            let parsed = s
                .split_once('.')
                .and_then(|(id, attr)| Some((LogicalId::checked(id).ok()?, attr.to_owned())));
            match parsed {
                Some((id, attr)) => Value::GetAtt(id, attr),
                None => return Err(Value::String(s)),
            }
        }
        ("Fn::GetAtt", Value::List(items))
            if items.len() == 2 && logical(&items[0]).is_some() && is_string(&items[1]) =>
        {
            let [id, attr] = two(items)?;
            match (logical(&id), attr) {
                (Some(logical_id), Value::String(attr)) => Value::GetAtt(logical_id, attr),
                (_, attr) => return Err(Value::List(vec![id, attr])),
            }
        }
        ("Fn::Sub", Value::String(s)) => Value::Sub(s, Map::new()),
        ("Fn::Sub", Value::List(items))
            if items.len() == 2 && is_string(&items[0]) && matches!(items[1], Value::Map(_)) =>
        {
            match two(items)? {
                [Value::String(s), Value::Map(vars)] => Value::Sub(s, vars),
                [a, c] => return Err(Value::List(vec![a, c])),
            }
        }
        ("Fn::Join", Value::List(items)) if items.len() == 2 && is_string(&items[0]) => match two(items)? {
            [Value::String(d), Value::List(parts)] => Value::Join(d, parts),
            // The list may itself be computed (e.g. !Split); keep it as one part.
            [Value::String(d), other] => Value::Join(d, vec![other]),
            [a, c] => return Err(Value::List(vec![a, c])),
        },
        ("Fn::Select", Value::List(items)) if items.len() == 2 && index(&items[0]).is_some() => {
            let [i, list] = two(items)?;
            match index(&i) {
                Some(n) => Value::Select(n, b(list)),
                None => return Err(Value::List(vec![i, list])),
            }
        }
        ("Fn::Split", Value::List(items)) if items.len() == 2 && is_string(&items[0]) => match two(items)? {
            [Value::String(d), v] => Value::Split(d, b(v)),
            [a, c] => return Err(Value::List(vec![a, c])),
        },
        ("Fn::GetAZs", arg) => Value::GetAzs(b(arg)),
        ("Fn::Cidr", Value::List(items)) if items.len() == 3 => {
            let [block, count, bits] = three(items)?;
            Value::Cidr(b(block), b(count), b(bits))
        }
        ("Fn::ImportValue", arg) => Value::ImportValue(b(arg)),
        ("Fn::If", Value::List(items)) if items.len() == 3 && condition(&items[0]).is_some() => {
            let [c, then, otherwise] = three(items)?;
            match condition(&c) {
                Some(id) => Value::If(id, b(then), b(otherwise)),
                None => return Err(Value::List(vec![c, then, otherwise])),
            }
        }
        ("Fn::Equals", Value::List(items)) if items.len() == 2 => {
            let [x, y] = two(items)?;
            Value::Equals(b(x), b(y))
        }
        ("Fn::Not", Value::List(mut items)) if items.len() == 1 => match items.pop() {
            Some(v) => Value::Not(b(v)),
            None => return Err(Value::List(items)),
        },
        ("Fn::And", Value::List(items)) => Value::And(items),
        ("Fn::Or", Value::List(items)) => Value::Or(items),
        ("Condition", arg) => match condition(&arg) {
            Some(id) => Value::Condition(id),
            None => return Err(arg),
        },
        ("Fn::FindInMap", Value::List(items)) if items.len() == 3 && logical(&items[0]).is_some() => {
            let [m, top, second] = three(items)?;
            match logical(&m) {
                Some(id) => Value::FindInMap(id, b(top), b(second)),
                None => return Err(Value::List(vec![m, top, second])),
            }
        }
        ("Fn::Base64", arg) => Value::Base64(b(arg)),
        (_, arg) => return Err(arg),
    })
}

// ---------------------------------------------------------------------------------------
// The document as a template: sections move into it.

fn shape(path: impl Into<String>, message: impl Into<String>) -> ReadError {
    ReadError::Shape { path: path.into(), message: message.into() }
}

fn section(v: Option<Value>, name: &str) -> Result<Map, ReadError> {
    match v {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Map(m)) => Ok(m),
        Some(_) => Err(shape(name, "must be a map")),
    }
}

fn id(path: &str, key: &str) -> Result<LogicalId, ReadError> {
    LogicalId::checked(key).map_err(|e| shape(format!("{path}.{key}"), e.to_string()))
}

fn condition_name(path: &str, key: &str) -> Result<ConditionName, ReadError> {
    ConditionName::checked(key).map_err(|e| shape(format!("{path}.{key}"), e.to_string()))
}

fn take_text(v: Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// Removes `key` from `map` when it holds text; anything else stays in the map (to be
/// kept verbatim with the keys the model has no field for).
fn take_string(map: &mut Map, key: &str) -> Option<String> {
    match map.remove(key) {
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            map.insert(key, other);
            None
        }
        None => None,
    }
}

fn template(doc: Value) -> Result<Template, ReadError> {
    let Value::Map(doc) = doc else { return Err(shape("(document)", "a template is a map of sections")) };
    let mut sections: [Option<Value>; 6] = Default::default();
    const NAMES: [&str; 6] = ["Description", "Parameters", "Mappings", "Conditions", "Resources", "Outputs"];
    // Every other section is kept verbatim; the format version is the one CloudFormation
    // knows, written again (a description that is not text is kept as another section).
    let mut other_sections = Map::new();
    for (k, v) in doc {
        match NAMES.iter().position(|n| *n == k) {
            Some(0) if !matches!(v, Value::String(_)) => {
                other_sections.insert(k, v);
            }
            Some(i) => sections[i] = Some(v),
            None if k == "AWSTemplateFormatVersion" && v == Value::String(crate::FORMAT_VERSION.into()) => {}
            None => {
                other_sections.insert(k, v);
            }
        }
    }
    let [description, parameters, mappings, conditions, resources, outputs] = sections;
    let mut t = Template { description: take_text(description), other_sections, ..Template::default() };
    for (k, v) in section(parameters, "Parameters")? {
        let Value::Map(mut p) = v else { return Err(shape(format!("Parameters.{k}"), "must be a map")) };
        let mut param = Parameter::new(take_text(p.remove("Type")).unwrap_or_else(|| "String".into()));
        param.description = take_string(&mut p, "Description");
        param.default = p.remove("Default");
        match p.remove("AllowedValues") {
            Some(Value::List(values)) => param.allowed_values = values,
            Some(other) => {
                p.insert("AllowedValues", other);
            }
            None => {}
        }
        param.allowed_pattern = take_string(&mut p, "AllowedPattern");
        param.other_keys = p;
        t.parameters.insert(id("Parameters", &k)?, param);
    }
    for (k, v) in section(mappings, "Mappings")? {
        t.mappings.insert(id("Mappings", &k)?, v);
    }
    for (k, v) in section(conditions, "Conditions")? {
        t.conditions.insert(condition_name("Conditions", &k)?, v);
    }
    let resources = section(resources, "Resources")?;
    t.resources.reserve(resources.len());
    for (k, v) in resources {
        let path = || format!("Resources.{k}");
        let Value::Map(mut r) = v else { return Err(shape(path(), "must be a map")) };
        let Some(ty) = take_text(r.remove("Type")) else {
            return Err(shape(format!("{}.Type", path()), "missing or not a string"));
        };
        let mut res = Resource::new(ty);
        match r.remove("Properties") {
            None | Some(Value::Null) => {}
            Some(Value::Map(props)) => res.properties = props,
            // A function (`Fn::If` choosing the properties): kept verbatim with the other
            // attributes, and noted ([`computed_properties`]).
            Some(f) if is_computed(&f) => {
                r.insert("Properties", f);
            }
            Some(_) => return Err(shape(format!("{}.Properties", path()), "must be a map")),
        }
        // What is not of the modelled form stays in `other_attributes`, verbatim.
        match r.remove("DependsOn") {
            Some(Value::String(d)) => res.depends_on.push(id(&path(), &d)?),
            Some(Value::List(ds)) if ds.iter().all(|d| matches!(d, Value::String(_))) => {
                for d in ds {
                    if let Value::String(d) = d {
                        res.depends_on.push(id(&path(), &d)?);
                    }
                }
            }
            Some(other) => {
                r.insert("DependsOn", other);
            }
            None => {}
        }
        match r.remove("Metadata") {
            Some(Value::Map(m)) => res.metadata = m,
            Some(other) => {
                r.insert("Metadata", other);
            }
            None => {}
        }
        match r.remove("Condition") {
            Some(Value::String(c)) => res.condition = Some(condition_name(&path(), &c)?),
            Some(other) => {
                r.insert("Condition", other);
            }
            None => {}
        }
        for (key, slot) in [
            ("DeletionPolicy", &mut res.deletion_policy),
            ("UpdateReplacePolicy", &mut res.update_replace_policy),
        ] {
            match r.remove(key) {
                Some(Value::String(p)) if Policy::parse(&p).is_some() => *slot = Policy::parse(&p),
                Some(other) => {
                    r.insert(key, other);
                }
                None => {}
            }
        }
        res.update_policy = r.remove("UpdatePolicy");
        res.creation_policy = r.remove("CreationPolicy");
        res.other_attributes = r;
        t.resources.insert(id("Resources", &k)?, res);
    }
    // The map reserved room for as many entries as its hash table could take.
    t.resources.shrink_to_fit();
    for (k, v) in section(outputs, "Outputs")? {
        let path = || format!("Outputs.{k}");
        let Value::Map(mut o) = v else { return Err(shape(path(), "must be a map")) };
        let Some(value) = o.remove("Value") else {
            return Err(shape(format!("{}.Value", path()), "missing"));
        };
        let mut out = Output::new(value);
        out.description = take_string(&mut o, "Description");
        match o.remove("Export") {
            Some(Value::Map(mut e)) if e.len() == 1 && e.get("Name").is_some() => {
                out.export = e.remove("Name")
            }
            Some(other) => {
                o.insert("Export", other);
            }
            None => {}
        }
        match o.remove("Condition") {
            Some(Value::String(c)) => out.condition = Some(condition_name(&path(), &c)?),
            Some(other) => {
                o.insert("Condition", other);
            }
            None => {}
        }
        out.other_keys = o;
        t.outputs.insert(id("Outputs", &k)?, out);
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_forms_read_the_same() {
        let yaml = r#"
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Shared:
    Type: AWS::EC2::SecurityGroup::Id
Resources:
  Rule:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Shared
      SourceSecurityGroupId: !GetAtt Web.GroupId
      Description: !Sub "${AWS::StackName} web"
      Other: !Join [",", [a, !Ref AWS::Region]]
      Pick: !Select [1, !GetAZs ""]
      Imported: !ImportValue network-VpcId
      Maybe: !If [IsProd, 1, !Ref AWS::NoValue]
      Cidrs: !Cidr [!GetAtt Vpc.CidrBlock, 4, 8]
Outputs:
  Id:
    Value: !Ref Rule
    Export:
      Name: !Sub "${AWS::StackName}-RuleId"
"#;
        let json = r#"{
"AWSTemplateFormatVersion": "2010-09-09",
"Parameters": {"Shared": {"Type": "AWS::EC2::SecurityGroup::Id"}},
"Resources": {"Rule": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
  "GroupId": {"Ref": "Shared"},
  "SourceSecurityGroupId": {"Fn::GetAtt": ["Web", "GroupId"]},
  "Description": {"Fn::Sub": "${AWS::StackName} web"},
  "Other": {"Fn::Join": [",", ["a", {"Ref": "AWS::Region"}]]},
  "Pick": {"Fn::Select": ["1", {"Fn::GetAZs": ""}]},
  "Imported": {"Fn::ImportValue": "network-VpcId"},
  "Maybe": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]},
  "Cidrs": {"Fn::Cidr": [{"Fn::GetAtt": "Vpc.CidrBlock"}, 4, 8]}
}}},
"Outputs": {"Id": {"Value": {"Ref": "Rule"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-RuleId"}}}}
}"#;
        let a = Template::from_yaml(yaml).unwrap();
        let b = Template::from_json(json).unwrap();
        assert_eq!(a, b);
        let props = &a.resources[0].properties;
        assert!(matches!(&props["GroupId"], Value::Ref(RefTarget::Logical(id)) if id.as_str() == "Shared"));
        assert!(matches!(&props["Pick"], Value::Select(1, _)));
        assert!(matches!(&props["Maybe"], Value::If(..)));
        assert!(matches!(a.outputs[0].export, Some(Value::Sub(..))));
    }

    #[test]
    fn written_templates_read_back_identical() {
        let mut t = Template::new("round trip");
        let g = LogicalId::new("G").unwrap();
        t.resources.insert(
            g.clone(),
            Resource::new("AWS::EC2::SecurityGroup")
                .property("VpcId", Value::import(&crate::ExportName::new("n:main:VpcId").unwrap()))
                .property(
                    "Tags",
                    vec![Value::map().with("Key", "Name").with("Value", Value::sub("${AWS::StackName}"))],
                ),
        );
        t.outputs.insert(LogicalId::new("Out").unwrap(), Output::new(Value::get_att(&g, "GroupId")));
        assert_eq!(Template::from_json(&t.to_json()).unwrap(), t);
        assert_eq!(Template::from_yaml(&t.to_yaml()).unwrap(), t);
    }

    #[test]
    fn errors_have_positions_or_paths() {
        match Template::from_json("{\n  \"Resources\": [1,\n}") {
            Err(ReadError::Syntax { line: 3, .. }) => {}
            other => panic!("{other:?}"),
        }
        match Template::from_yaml("Resources:\n  A: [\n") {
            Err(ReadError::Syntax { line, .. }) => assert!(line >= 2),
            other => panic!("{other:?}"),
        }
        assert!(matches!(Template::from_yaml("Resources: 3"), Err(ReadError::Shape { .. })));
        assert!(matches!(
            Template::from_yaml("Resources:\n  A:\n    Properties: {}"),
            Err(ReadError::Shape { .. })
        ));
        assert!(matches!(Template::from_yaml("- a"), Err(ReadError::Shape { .. })));
    }

    #[test]
    fn unknown_functions_stay_maps() {
        let t = Template::from_yaml(
            "Resources:\n  A:\n    Type: X::Y::Z\n    Properties:\n      L: !Length [1, 2]\n",
        )
        .unwrap();
        assert!(matches!(&t.resources[0].properties["L"], Value::Map(m) if m.contains_key("Fn::Length")));
    }

    fn notes(read: &Parsed) -> Vec<(NoteKind, String, Option<usize>)> {
        read.notes.iter().map(|n| (n.kind.clone(), n.path.to_string(), n.line)).collect()
    }

    #[test]
    fn unknown_tags_are_kept_and_noted_with_their_line() {
        let yaml = "\
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupName: !Frobnicate web-production
      GroupDescription: !Sub '${AWS::StackName} web'
      Tags:
        - Key: Name
          Value: !Frobnicate
            nested: !Ref AWS::Region
      Size: !Length [1, 2]
";
        let read = Template::read(yaml).unwrap();
        assert_eq!(
            notes(&read),
            [
                (
                    NoteKind::UnknownTag("!Frobnicate".into()),
                    "Resources.Web.Properties.GroupName".into(),
                    Some(5)
                ),
                (
                    NoteKind::UnknownTag("!Frobnicate".into()),
                    "Resources.Web.Properties.Tags[0].Value".into(),
                    Some(9)
                ),
            ]
        );
        assert!(read.notes[0].message.contains("`!Frobnicate`"), "{}", read.notes[0].message);
        let props = &read.template.resources[0].properties;
        assert_eq!(props["GroupName"].to_json(), serde_json::json!({"!Frobnicate": "web-production"}));
        // What is inside an unknown tag is still read (intrinsics included).
        let Value::List(tags) = &props["Tags"] else { panic!("{props:?}") };
        let Value::Map(tag) = &tags[0] else { panic!("{tags:?}") };
        assert_eq!(
            tag["Value"].to_json(),
            serde_json::json!({"!Frobnicate": {"nested": {"Ref": "AWS::Region"}}})
        );
        // Short forms CloudFormation knows but the model does not are no news.
        assert!(matches!(&props["Size"], Value::Map(m) if m.contains_key("Fn::Length")));
        assert!(matches!(&props["GroupDescription"], Value::Sub(..)));
        // The template writes back what it read.
        let again = Template::read(&read.template.to_yaml()).unwrap();
        assert_eq!(again.template, read.template);
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_and_are_noted_in_json_and_yaml() {
        let json = r#"{
  "Resources": {
    "Web": {
      "Type": "AWS::EC2::SecurityGroup",
      "Properties": {
        "GroupName": "first",
        "GroupDescription": "web",
        "GroupName": "second"
      }
    },
    "Db": {"Type": "AWS::EC2::SecurityGroup"},
    "Web": {
      "Type": "AWS::EC2::SecurityGroup",
      "Properties": {"GroupName": "third", "GroupName": "fourth"}
    }
  }
}"#;
        let read = Template::read(json).unwrap();
        assert_eq!(
            notes(&read),
            [
                (
                    NoteKind::DuplicateKey("GroupName".into()),
                    "Resources.Web.Properties.GroupName".into(),
                    Some(8)
                ),
                (NoteKind::DuplicateKey("Web".into()), "Resources.Web".into(), Some(12)),
                (
                    NoteKind::DuplicateKey("GroupName".into()),
                    "Resources.Web.Properties.GroupName".into(),
                    Some(14)
                ),
            ]
        );
        assert!(read.notes[0].message.contains("first at line 6"), "{}", read.notes[0].message);
        // The last declaration wins, in the first one's place (as serde_json and
        // CloudFormation's JSON parser do).
        let ids: Vec<&str> = read.template.resources.keys().map(LogicalId::as_str).collect();
        assert_eq!(ids, ["Web", "Db"]);
        assert_eq!(read.template.resources[0].properties["GroupName"], Value::from("fourth"));

        let yaml = "Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupName: first\n      GroupName: second\n";
        let read = Template::read(yaml).unwrap();
        assert_eq!(
            notes(&read),
            [(
                NoteKind::DuplicateKey("GroupName".into()),
                "Resources.Web.Properties.GroupName".into(),
                Some(6)
            )]
        );
        assert_eq!(read.template.resources[0].properties["GroupName"], Value::from("second"));
        assert!(Template::parse(yaml).is_ok(), "a duplicate key is a note, not an unreadable template");
    }

    #[test]
    fn duplicates_in_large_maps_are_found_too() {
        let mut yaml = String::from("Mappings:\n  Big:\n");
        for i in 0..100 {
            yaml.push_str(&format!("    k{i}: {{v: {i}}}\n"));
        }
        yaml.push_str("    k42: {v: again}\n");
        let read = Template::read(&yaml).unwrap();
        assert_eq!(
            notes(&read),
            [(NoteKind::DuplicateKey("k42".into()), "Mappings.Big.k42".into(), Some(103))]
        );
        assert!(read.notes[0].message.contains("first at line 45"), "{}", read.notes[0].message);
    }

    #[test]
    fn numbers_json_cannot_hold_stay_text() {
        let read =
            Template::read("Resources:\n  A:\n    Type: X\n    Properties:\n      N: .inf\n      M: -.inf\n")
                .unwrap();
        assert_eq!(read.template.resources[0].properties["N"], Value::from(".inf"));
        assert_eq!(read.template.resources[0].properties["M"], Value::from("-.inf"));
        assert_eq!(
            notes(&read),
            [
                (NoteKind::NotFinite(".inf".into()), "Resources.A.Properties.N".into(), Some(5)),
                (NoteKind::NotFinite("-.inf".into()), "Resources.A.Properties.M".into(), Some(6)),
            ]
        );
    }

    #[test]
    fn clean_templates_have_no_notes() {
        let yaml = "Resources:\n  A:\n    Type: X\n    Properties:\n      L: !Join [',', [a, !Ref AWS::Region]]\n      Q: !!str 80\n      1: numeric key\n";
        let read = Template::read(yaml).unwrap();
        assert!(read.notes.is_empty(), "{:?}", read.notes);
        assert_eq!(read.template.resources[0].properties["Q"], Value::from("80"));
        assert_eq!(read.template.resources[0].properties["1"], Value::from("numeric key"));
    }
}
