//! Reading templates: JSON, and YAML with CloudFormation's short-form tags (`!Ref`,
//! `!GetAtt A.B`, `!Sub`, …) as well as the long form.
//!
//! The reader is lenient where CloudFormation is: a section it does not model is
//! skipped, an intrinsic it does not know (`Fn::Transform`, `Fn::Length`, …) stays a
//! plain map. It is strict where the document is unreadable: bad syntax is an error with
//! its line and column, a section of the wrong shape is an error naming it.

use crate::{LogicalId, Map, Output, Parameter, Pseudo, RefTarget, Resource, Template, Value};

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
        let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| ReadError::Syntax {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        template(Value::from_json_doc(doc))
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
        let doc: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            ReadError::Syntax { line, column, message: e.to_string() }
        })?;
        template(from_yaml(doc))
    }

    /// Reads JSON or YAML, whichever the text is (JSON is valid YAML, but JSON's own
    /// parser gives better positions).
    pub fn parse(text: &str) -> Result<Template, ReadError> {
        if text.trim_start().starts_with('{') {
            Template::from_json(text)
        } else {
            Template::from_yaml(text)
        }
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
        Value::Map(m) => {
            let m: Map = m.into_iter().map(|(k, v)| (k, intrinsics(v))).collect();
            if let (1, Some((k, arg))) = (m.len(), m.first()) {
                if let Some(f) = function(k, arg.clone()) {
                    return f;
                }
            }
            Value::Map(m)
        }
        other => other,
    }
}

fn logical(v: &Value) -> Option<LogicalId> {
    match v {
        Value::String(s) => LogicalId::new(s.as_str()).ok(),
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

fn list(v: Value) -> Option<Vec<Value>> {
    match v {
        Value::List(items) => Some(items),
        _ => None,
    }
}

fn index(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The intrinsic `name` applied to `arg`, if it is one and its argument has the right
/// shape; `None` keeps the map as it is.
fn function(name: &str, arg: Value) -> Option<Value> {
    let b = Box::new;
    Some(match name {
        "Ref" => match &arg {
            Value::String(s) => match pseudo(s) {
                Some(p) => Value::Ref(RefTarget::Pseudo(p)),
                None => Value::Ref(RefTarget::Logical(LogicalId::new(s.as_str()).ok()?)),
            },
            _ => return None,
        },
        "Fn::GetAtt" => match arg {
            Value::String(s) => {
                let (id, attr) = s.split_once('.')?;
                Value::GetAtt(LogicalId::new(id).ok()?, attr.to_owned())
            }
            Value::List(items) if items.len() == 2 => match (&items[0], &items[1]) {
                (id, Value::String(attr)) => Value::GetAtt(logical(id)?, attr.clone()),
                _ => return None,
            },
            _ => return None,
        },
        "Fn::Sub" => match arg {
            Value::String(s) => Value::Sub(s, Map::new()),
            Value::List(items) if items.len() == 2 => match (&items[0], &items[1]) {
                (Value::String(s), Value::Map(vars)) => Value::Sub(s.clone(), vars.clone()),
                _ => return None,
            },
            _ => return None,
        },
        "Fn::Join" => {
            let items = list(arg)?;
            match (items.first()?, items.get(1)?) {
                (Value::String(d), Value::List(parts)) if items.len() == 2 => {
                    Value::Join(d.clone(), parts.clone())
                }
                // The list may itself be computed (e.g. !Split); keep it as one part.
                (Value::String(d), other) if items.len() == 2 => Value::Join(d.clone(), vec![other.clone()]),
                _ => return None,
            }
        }
        "Fn::Select" => {
            let items = list(arg)?;
            if items.len() != 2 {
                return None;
            }
            Value::Select(index(&items[0])?, b(items[1].clone()))
        }
        "Fn::Split" => {
            let items = list(arg)?;
            match (items.first()?, items.get(1)?) {
                (Value::String(d), v) if items.len() == 2 => Value::Split(d.clone(), b(v.clone())),
                _ => return None,
            }
        }
        "Fn::GetAZs" => Value::GetAzs(b(arg)),
        "Fn::Cidr" => {
            let items = list(arg)?;
            if items.len() != 3 {
                return None;
            }
            let mut it = items.into_iter();
            Value::Cidr(b(it.next()?), b(it.next()?), b(it.next()?))
        }
        "Fn::ImportValue" => Value::ImportValue(b(arg)),
        "Fn::If" => {
            let items = list(arg)?;
            if items.len() != 3 {
                return None;
            }
            Value::If(logical(&items[0])?, b(items[1].clone()), b(items[2].clone()))
        }
        "Fn::Equals" => {
            let items = list(arg)?;
            if items.len() != 2 {
                return None;
            }
            Value::Equals(b(items[0].clone()), b(items[1].clone()))
        }
        "Fn::Not" => {
            let mut items = list(arg)?;
            if items.len() != 1 {
                return None;
            }
            Value::Not(b(items.pop()?))
        }
        "Fn::And" => Value::And(list(arg)?),
        "Fn::Or" => Value::Or(list(arg)?),
        "Condition" => Value::Condition(logical(&arg)?),
        "Fn::FindInMap" => {
            let items = list(arg)?;
            if items.len() != 3 {
                return None;
            }
            Value::FindInMap(logical(&items[0])?, b(items[1].clone()), b(items[2].clone()))
        }
        "Fn::Base64" => Value::Base64(b(arg)),
        _ => return None,
    })
}

/// A YAML value as a CloudFormation value: short-form tags become intrinsics, long-form
/// maps too.
fn from_yaml(v: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            let n = if let Some(i) = n.as_i64() {
                serde_json::Number::from(i)
            } else if let Some(u) = n.as_u64() {
                serde_json::Number::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .unwrap_or_else(|| serde_json::Number::from(0))
            };
            Value::Number(n)
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::List(items.into_iter().map(from_yaml).collect()),
        Y::Mapping(m) => {
            let map: Map = m
                .into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        other => serde_yaml::to_string(&other).unwrap_or_default().trim().to_owned(),
                    };
                    (key, from_yaml(v))
                })
                .collect();
            intrinsics(Value::Map(map))
        }
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!');
            let arg = from_yaml(t.value);
            let long = match name {
                "Ref" | "Condition" => name.to_owned(),
                "GetAtt" => "Fn::GetAtt".to_owned(),
                other => format!("Fn::{other}"),
            };
            function(&long, arg.clone()).unwrap_or_else(|| {
                let mut m = Map::new();
                m.insert(long, arg);
                Value::Map(m)
            })
        }
    }
}

fn shape(path: impl Into<String>, message: impl Into<String>) -> ReadError {
    ReadError::Shape { path: path.into(), message: message.into() }
}

fn section(doc: &Map, name: &str) -> Result<Map, ReadError> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Map(m)) => Ok(m.clone()),
        Some(_) => Err(shape(name, "must be a map")),
    }
}

fn id(path: &str, key: &str) -> Result<LogicalId, ReadError> {
    LogicalId::new(key).map_err(|e| shape(format!("{path}.{key}"), e.to_string()))
}

fn text(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn template(doc: Value) -> Result<Template, ReadError> {
    let Value::Map(doc) = doc else { return Err(shape("(document)", "a template is a map of sections")) };
    let mut t = Template { description: text(doc.get("Description")), ..Template::default() };
    for (k, v) in section(&doc, "Parameters")? {
        let Value::Map(p) = v else { return Err(shape(format!("Parameters.{k}"), "must be a map")) };
        let mut param = Parameter::new(text(p.get("Type")).unwrap_or_else(|| "String".into()));
        param.description = text(p.get("Description"));
        param.default = p.get("Default").cloned();
        if let Some(Value::List(values)) = p.get("AllowedValues") {
            param.allowed_values = values.clone();
        }
        param.allowed_pattern = text(p.get("AllowedPattern"));
        t.parameters.insert(id("Parameters", &k)?, param);
    }
    for (k, v) in section(&doc, "Mappings")? {
        t.mappings.insert(id("Mappings", &k)?, v);
    }
    for (k, v) in section(&doc, "Conditions")? {
        t.conditions.insert(id("Conditions", &k)?, v);
    }
    for (k, v) in section(&doc, "Resources")? {
        let path = format!("Resources.{k}");
        let Value::Map(r) = v else { return Err(shape(path, "must be a map")) };
        let Some(ty) = text(r.get("Type")) else {
            return Err(shape(format!("{path}.Type"), "missing or not a string"));
        };
        let mut res = Resource::new(ty);
        match r.get("Properties") {
            None | Some(Value::Null) => {}
            Some(Value::Map(props)) => res.properties = props.clone(),
            Some(_) => return Err(shape(format!("{path}.Properties"), "must be a map")),
        }
        match r.get("DependsOn") {
            Some(Value::String(d)) => res.depends_on.push(id(&path, d)?),
            Some(Value::List(ds)) => {
                for d in ds {
                    if let Value::String(d) = d {
                        res.depends_on.push(id(&path, d)?);
                    }
                }
            }
            _ => {}
        }
        if let Some(Value::Map(m)) = r.get("Metadata") {
            res.metadata = m.clone();
        }
        if let Some(c) = text(r.get("Condition")) {
            res.condition = Some(id(&path, &c)?);
        }
        res.update_policy = r.get("UpdatePolicy").cloned();
        res.creation_policy = r.get("CreationPolicy").cloned();
        t.resources.insert(id("Resources", &k)?, res);
    }
    for (k, v) in section(&doc, "Outputs")? {
        let path = format!("Outputs.{k}");
        let Value::Map(o) = v else { return Err(shape(path, "must be a map")) };
        let Some(value) = o.get("Value").cloned() else {
            return Err(shape(format!("{path}.Value"), "missing"));
        };
        let mut out = Output::new(value);
        out.description = text(o.get("Description"));
        out.export = match o.get("Export") {
            Some(Value::Map(e)) => e.get("Name").cloned(),
            _ => None,
        };
        if let Some(c) = text(o.get("Condition")) {
            out.condition = Some(id(&path, &c)?);
        }
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
}
