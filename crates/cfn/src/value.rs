//! Property values and typed intrinsic functions.
//!
//! A [`Value`] is the tree a resource property, an output or a parameter default is
//! made of. Intrinsic functions are variants, not magic strings, so a reference can only
//! be built from a [`LogicalId`] or a [`Pseudo`] parameter, and every value renders to
//! CloudFormation's long form (`{"Ref": ..}`, `{"Fn::GetAtt": [..]}`), which both the
//! JSON and the YAML writer emit identically.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::{ConditionName, ExportName, LogicalId, Map};

/// A pseudo parameter that CloudFormation defines in every template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Pseudo {
    /// `AWS::AccountId`
    AccountId,
    /// `AWS::NotificationARNs`
    NotificationArns,
    /// `AWS::NoValue`: removes the property it is the value of.
    NoValue,
    /// `AWS::Partition`
    Partition,
    /// `AWS::Region`
    Region,
    /// `AWS::StackId`
    StackId,
    /// `AWS::StackName`
    StackName,
    /// `AWS::URLSuffix`
    UrlSuffix,
}

impl Pseudo {
    /// The name CloudFormation gives it, e.g. `AWS::Region`.
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::NotificationArns => "AWS::NotificationARNs",
            Pseudo::NoValue => "AWS::NoValue",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::Region => "AWS::Region",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
        }
    }
}

/// The target of a `Ref`: a logical id of the same template, or a pseudo parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RefTarget {
    /// A resource or parameter of the same template.
    Logical(LogicalId),
    /// A pseudo parameter.
    Pseudo(Pseudo),
}

impl RefTarget {
    /// The text CloudFormation sees.
    pub fn as_str(&self) -> &str {
        match self {
            RefTarget::Logical(id) => id.as_str(),
            RefTarget::Pseudo(p) => p.name(),
        }
    }
}

/// A CloudFormation value: plain data or an intrinsic function.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number.
    Number(serde_json::Number),
    /// A string.
    String(String),
    /// A list.
    List(Vec<Value>),
    /// A map; keys keep the order they were inserted in.
    Map(Map),
    /// `Ref`
    Ref(RefTarget),
    /// `Fn::GetAtt` of a resource's attribute.
    GetAtt(LogicalId, String),
    /// `Fn::Sub` with a format string and optional variables.
    Sub(String, Map),
    /// `Fn::Join` with a delimiter.
    Join(String, Vec<Value>),
    /// `Fn::Select` by index.
    Select(u32, Box<Value>),
    /// `Fn::Split` by a delimiter.
    Split(String, Box<Value>),
    /// `Fn::GetAZs` of a Region (`""` for the stack's Region).
    GetAzs(Box<Value>),
    /// `Fn::Cidr`: ip block, count, bits of each subnet's host part.
    Cidr(Box<Value>, Box<Value>, Box<Value>),
    /// `Fn::ImportValue` of an export.
    ImportValue(Box<Value>),
    /// `Fn::If`: condition name, value when true, value when false.
    If(ConditionName, Box<Value>, Box<Value>),
    /// `Fn::Equals` (in conditions).
    Equals(Box<Value>, Box<Value>),
    /// `Fn::Not` (in conditions).
    Not(Box<Value>),
    /// `Fn::And` (in conditions).
    And(Vec<Value>),
    /// `Fn::Or` (in conditions).
    Or(Vec<Value>),
    /// `Condition`: a reference to a named condition inside another condition.
    Condition(ConditionName),
    /// `Fn::FindInMap`: map, top-level key, second-level key.
    FindInMap(LogicalId, Box<Value>, Box<Value>),
    /// `Fn::Base64`
    Base64(Box<Value>),
}

impl Value {
    /// `{"Ref": id}`: a resource or parameter of the same template.
    ///
    /// ```
    /// use ringfence_cfn::{LogicalId, Value};
    /// let id = LogicalId::new("Vpc").unwrap();
    /// assert_eq!(Value::reference(&id).to_json(), serde_json::json!({"Ref": "Vpc"}));
    /// ```
    pub fn reference(id: &LogicalId) -> Value {
        Value::Ref(RefTarget::Logical(id.clone()))
    }

    /// `{"Ref": "AWS::Region"}` and the like.
    pub fn pseudo(p: Pseudo) -> Value {
        Value::Ref(RefTarget::Pseudo(p))
    }

    /// `{"Fn::GetAtt": [id, attribute]}`.
    pub fn get_att(id: &LogicalId, attribute: impl Into<String>) -> Value {
        Value::GetAtt(id.clone(), attribute.into())
    }

    /// `{"Fn::ImportValue": name}` of a literal export name.
    pub fn import(name: &ExportName) -> Value {
        Value::ImportValue(Box::new(Value::String(name.as_str().to_owned())))
    }

    /// `{"Fn::Sub": text}` without variables.
    pub fn sub(text: impl Into<String>) -> Value {
        Value::Sub(text.into(), Map::new())
    }

    /// `{"Fn::Join": [delimiter, parts]}`.
    pub fn join(delimiter: impl Into<String>, parts: Vec<Value>) -> Value {
        Value::Join(delimiter.into(), parts)
    }

    /// `{"Fn::Select": [index, list]}`.
    pub fn select(index: u32, list: Value) -> Value {
        Value::Select(index, Box::new(list))
    }

    /// `{"Fn::GetAZs": ""}`: the Availability Zones of the stack's Region.
    pub fn azs() -> Value {
        Value::GetAzs(Box::new(Value::String(String::new())))
    }

    /// `{"Fn::Cidr": [block, count, bits]}`.
    pub fn cidr(block: Value, count: u32, host_bits: u32) -> Value {
        Value::Cidr(Box::new(block), Box::new(count.into()), Box::new(host_bits.into()))
    }

    /// `{"Fn::If": [condition, then, else]}`.
    pub fn if_(condition: &ConditionName, then: Value, otherwise: Value) -> Value {
        Value::If(condition.clone(), Box::new(then), Box::new(otherwise))
    }

    /// An empty map, to be filled with [`Value::with`].
    pub fn map() -> Value {
        Value::Map(Map::new())
    }

    /// Adds (or replaces) a key of a map value; other values are returned unchanged.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Value {
        if let Value::Map(m) = &mut self {
            m.insert(key.into(), value.into());
        }
        self
    }

    /// The value as `serde_json::Value` (long-form intrinsics).
    pub fn to_json(&self) -> serde_json::Value {
        // Serializing a Value into serde_json::Value cannot fail: every map key is a
        // string and every number is a serde_json::Number.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Every logical id this value refers to through `Ref` or `Fn::GetAtt`, in order.
    pub fn references(&self) -> Vec<&LogicalId> {
        let mut out = Vec::new();
        self.walk(&mut |v| match v {
            Value::Ref(RefTarget::Logical(id)) | Value::GetAtt(id, _) => out.push(id),
            _ => {}
        });
        out
    }

    /// Calls `f` on this value and every value nested inside it, depth first.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Value)) {
        f(self);
        match self {
            Value::List(items) | Value::Join(_, items) | Value::And(items) | Value::Or(items) => {
                items.iter().for_each(|v| v.walk(f))
            }
            Value::Map(m) | Value::Sub(_, m) => m.values().for_each(|v| v.walk(f)),
            Value::Select(_, v)
            | Value::Split(_, v)
            | Value::GetAzs(v)
            | Value::ImportValue(v)
            | Value::Not(v)
            | Value::Base64(v) => v.walk(f),
            Value::Cidr(a, b, c) => {
                a.walk(f);
                b.walk(f);
                c.walk(f);
            }
            Value::If(_, a, b) | Value::Equals(a, b) | Value::FindInMap(_, a, b) => {
                a.walk(f);
                b.walk(f);
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
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::String(s.clone())
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Value::Number(n.into())
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32, u64);
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Map(m)
    }
}
impl From<indexmap::IndexMap<String, Value>> for Value {
    fn from(m: indexmap::IndexMap<String, Value>) -> Self {
        Value::Map(m.into_iter().collect())
    }
}
impl From<serde_json::Value> for Value {
    /// Plain JSON data; objects keep their key order. Intrinsics written as JSON
    /// (`{"Ref": ..}`) stay plain maps: build them with the typed constructors instead.
    fn from(v: serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(a) => Value::List(a.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(o) => {
                Value::Map(o.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

/// A one-key map `{name: body}`, the shape of every intrinsic function.
struct Fn1<'a, T: Serialize + ?Sized>(&'static str, &'a T);

impl<T: Serialize + ?Sized> Serialize for Fn1<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.0, self.1)?;
        m.end()
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::String(v) => s.serialize_str(v),
            Value::List(items) => items.serialize(s),
            Value::Map(m) => m.serialize(s),
            Value::Ref(t) => Fn1("Ref", t.as_str()).serialize(s),
            Value::GetAtt(id, attr) => Fn1("Fn::GetAtt", &[id.as_str(), attr.as_str()]).serialize(s),
            Value::Sub(text, vars) if vars.is_empty() => Fn1("Fn::Sub", text).serialize(s),
            Value::Sub(text, vars) => Fn1("Fn::Sub", &(text, vars)).serialize(s),
            Value::Join(d, parts) => Fn1("Fn::Join", &(d, parts)).serialize(s),
            Value::Select(i, list) => Fn1("Fn::Select", &(i, list)).serialize(s),
            Value::Split(d, v) => Fn1("Fn::Split", &(d, v)).serialize(s),
            Value::GetAzs(region) => Fn1("Fn::GetAZs", region.as_ref()).serialize(s),
            Value::Cidr(a, b, c) => Fn1("Fn::Cidr", &(a, b, c)).serialize(s),
            Value::ImportValue(v) => Fn1("Fn::ImportValue", v.as_ref()).serialize(s),
            Value::If(c, a, b) => Fn1("Fn::If", &(c, a, b)).serialize(s),
            Value::Equals(a, b) => Fn1("Fn::Equals", &(a, b)).serialize(s),
            Value::Not(v) => Fn1("Fn::Not", &[v.as_ref()]).serialize(s),
            Value::And(items) => Fn1("Fn::And", items).serialize(s),
            Value::Or(items) => Fn1("Fn::Or", items).serialize(s),
            Value::Condition(c) => Fn1("Condition", c.as_str()).serialize(s),
            Value::FindInMap(m, a, b) => Fn1("Fn::FindInMap", &(m, a, b)).serialize(s),
            Value::Base64(v) => Fn1("Fn::Base64", v.as_ref()).serialize(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn id(s: &str) -> LogicalId {
        LogicalId::new(s).unwrap()
    }

    #[test]
    fn intrinsics_render_in_long_form() {
        let cases = [
            (Value::reference(&id("A")), json!({"Ref": "A"})),
            (Value::pseudo(Pseudo::Region), json!({"Ref": "AWS::Region"})),
            (Value::get_att(&id("G"), "GroupId"), json!({"Fn::GetAtt": ["G", "GroupId"]})),
            (Value::sub("${AWS::StackName}-x"), json!({"Fn::Sub": "${AWS::StackName}-x"})),
            (
                Value::Sub("${A}".into(), [("A".to_owned(), Value::from("b"))].into_iter().collect()),
                json!({"Fn::Sub": ["${A}", {"A": "b"}]}),
            ),
            (Value::join(",", vec!["a".into(), "b".into()]), json!({"Fn::Join": [",", ["a", "b"]]})),
            (Value::select(1, Value::azs()), json!({"Fn::Select": [1, {"Fn::GetAZs": ""}]})),
            (Value::cidr("10.0.0.0/16".into(), 4, 8), json!({"Fn::Cidr": ["10.0.0.0/16", 4, 8]})),
            (Value::import(&ExportName::new("n:x").unwrap()), json!({"Fn::ImportValue": "n:x"})),
            (
                Value::if_(&id("C").into(), "a".into(), Value::pseudo(Pseudo::NoValue)),
                json!({"Fn::If": ["C", "a", {"Ref": "AWS::NoValue"}]}),
            ),
            (
                Value::Not(Box::new(Value::Equals(Box::new("a".into()), Box::new("b".into())))),
                json!({"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}),
            ),
            (Value::Condition(id("C").into()), json!({"Condition": "C"})),
            (Value::Split(",".into(), Box::new("a,b".into())), json!({"Fn::Split": [",", "a,b"]})),
            (Value::Base64(Box::new("x".into())), json!({"Fn::Base64": "x"})),
            (
                Value::FindInMap(id("M"), Box::new("a".into()), Box::new("b".into())),
                json!({"Fn::FindInMap": ["M", "a", "b"]}),
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(value.to_json(), expected, "{value:?}");
        }
    }

    #[test]
    fn references_finds_nested_refs_and_getatts() {
        let v = Value::map()
            .with("A", Value::reference(&id("X")))
            .with("B", vec![Value::get_att(&id("Y"), "Arn"), Value::pseudo(Pseudo::Region)]);
        let refs: Vec<&str> = v.references().into_iter().map(LogicalId::as_str).collect();
        assert_eq!(refs, ["X", "Y"]);
    }

    #[test]
    fn json_maps_keep_their_order() {
        let v = Value::from(json!({"z": 1, "a": [true, null]}));
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"{"z":1,"a":[true,null]}"#);
    }
}
