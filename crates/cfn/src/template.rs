//! The template document: parameters, conditions, resources and outputs.

use indexmap::IndexMap;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::{ConditionName, ExportName, LogicalId, Map, Value};

/// The only template format version CloudFormation knows.
pub const FORMAT_VERSION: &str = "2010-09-09";

/// CloudFormation's quotas on one template
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html>).
pub mod quota {
    /// Resources in one template.
    pub const RESOURCES: usize = 500;
    /// Outputs in one template.
    pub const OUTPUTS: usize = 200;
    /// Parameters in one template.
    pub const PARAMETERS: usize = 200;
    /// Bytes of a template deployed from S3.
    pub const BYTES: usize = 1_048_576;
    /// Bytes of a template passed inline (`aws cloudformation deploy` without a bucket).
    pub const INLINE_BYTES: usize = 51_200;
}

/// A CloudFormation template. Every section is an [`IndexMap`], so entries are written in
/// the order they were added and the same program always writes the same bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Template {
    /// `Description`, at most 1,024 bytes.
    pub description: Option<String>,
    /// `Parameters`, by logical id.
    pub parameters: IndexMap<LogicalId, Parameter>,
    /// `Mappings`, by name.
    pub mappings: IndexMap<LogicalId, Value>,
    /// `Conditions`, by name.
    pub conditions: IndexMap<ConditionName, Value>,
    /// `Resources`, by logical id.
    pub resources: IndexMap<LogicalId, Resource>,
    /// `Outputs`, by logical id.
    pub outputs: IndexMap<LogicalId, Output>,
    /// Every other top-level section (`Transform`, `Metadata`, `Rules`, …), kept verbatim
    /// in the order read and written after the others, so reading and writing a
    /// template loses nothing.
    pub other_sections: Map,
}

/// A resource of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// `Type`, e.g. `AWS::EC2::SecurityGroup`.
    pub resource_type: String,
    /// `Properties`, in the order given.
    pub properties: Map,
    /// `DependsOn`.
    pub depends_on: Vec<LogicalId>,
    /// `Condition`.
    pub condition: Option<ConditionName>,
    /// `Metadata`.
    pub metadata: Map,
    /// `DeletionPolicy`.
    pub deletion_policy: Option<Policy>,
    /// `UpdateReplacePolicy`.
    pub update_replace_policy: Option<Policy>,
    /// `UpdatePolicy` (auto scaling groups, Lambda aliases, …).
    pub update_policy: Option<Value>,
    /// `CreationPolicy` (auto scaling groups, instances, wait conditions).
    pub creation_policy: Option<Value>,
    /// Every other attribute of the resource, kept verbatim (a policy given by an
    /// intrinsic, an attribute CloudFormation adds later), written after the others.
    pub other_attributes: Map,
}

impl Resource {
    /// A resource of the given type with no properties yet.
    ///
    /// ```
    /// use ringfence_cfn::Resource;
    /// let vpc = Resource::new("AWS::EC2::VPC").property("CidrBlock", "10.0.0.0/16");
    /// assert_eq!(vpc.properties["CidrBlock"], "10.0.0.0/16".into());
    /// ```
    pub fn new(resource_type: impl Into<String>) -> Self {
        Resource {
            resource_type: resource_type.into(),
            properties: Map::new(),
            depends_on: Vec::new(),
            condition: None,
            metadata: Map::new(),
            deletion_policy: None,
            update_replace_policy: None,
            update_policy: None,
            creation_policy: None,
            other_attributes: Map::new(),
        }
    }

    /// Sets a property, keeping the position of an existing one.
    #[must_use]
    pub fn property(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.properties.insert(name.into(), value.into());
        self
    }
}

/// `DeletionPolicy` / `UpdateReplacePolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Delete the physical resource.
    Delete,
    /// Keep the physical resource.
    Retain,
    /// Keep it until the stack is deleted, then delete it.
    RetainExceptOnCreate,
    /// Take a snapshot, then delete.
    Snapshot,
}

impl Policy {
    /// The policy a `DeletionPolicy` / `UpdateReplacePolicy` text names.
    pub fn parse(text: &str) -> Option<Policy> {
        [Policy::Delete, Policy::Retain, Policy::RetainExceptOnCreate, Policy::Snapshot]
            .into_iter()
            .find(|p| p.as_str() == text)
    }

    fn as_str(self) -> &'static str {
        match self {
            Policy::Delete => "Delete",
            Policy::Retain => "Retain",
            Policy::RetainExceptOnCreate => "RetainExceptOnCreate",
            Policy::Snapshot => "Snapshot",
        }
    }
}

/// A template parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// `Type`, e.g. `AWS::EC2::SecurityGroup::Id` or
    /// `AWS::SSM::Parameter::Value<AWS::EC2::SecurityGroup::Id>`.
    pub parameter_type: String,
    /// `Description`.
    pub description: Option<String>,
    /// `Default`.
    pub default: Option<Value>,
    /// `AllowedValues`.
    pub allowed_values: Vec<Value>,
    /// `AllowedPattern`.
    pub allowed_pattern: Option<String>,
    /// Every other key (`NoEcho`, `MinLength`, `ConstraintDescription`, …), kept verbatim.
    pub other_keys: Map,
}

impl Parameter {
    /// A parameter of the given type.
    pub fn new(parameter_type: impl Into<String>) -> Self {
        Parameter {
            parameter_type: parameter_type.into(),
            description: None,
            default: None,
            allowed_values: Vec::new(),
            allowed_pattern: None,
            other_keys: Map::new(),
        }
    }
}

/// A template output, optionally exported for other stacks to import.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// `Value`.
    pub value: Value,
    /// `Description`.
    pub description: Option<String>,
    /// `Export.Name`: a literal (see [`Output::exported_as`]) or, in templates read
    /// from disk, an expression such as `!Sub "${AWS::StackName}-VpcId"`.
    pub export: Option<Value>,
    /// `Condition`.
    pub condition: Option<ConditionName>,
    /// Every other key, kept verbatim.
    pub other_keys: Map,
}

impl Output {
    /// An output of a value, not exported.
    pub fn new(value: Value) -> Self {
        Output { value, description: None, export: None, condition: None, other_keys: Map::new() }
    }

    /// Exports the output under a literal name.
    #[must_use]
    pub fn exported_as(mut self, name: &ExportName) -> Self {
        self.export = Some(Value::String(name.as_str().to_owned()));
        self
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("AWSTemplateFormatVersion", FORMAT_VERSION)?;
        if let Some(d) = &self.description {
            m.serialize_entry("Description", d)?;
        }
        if !self.parameters.is_empty() {
            m.serialize_entry("Parameters", &self.parameters)?;
        }
        if !self.mappings.is_empty() {
            m.serialize_entry("Mappings", &self.mappings)?;
        }
        if !self.conditions.is_empty() {
            m.serialize_entry("Conditions", &self.conditions)?;
        }
        m.serialize_entry("Resources", &self.resources)?;
        if !self.outputs.is_empty() {
            m.serialize_entry("Outputs", &self.outputs)?;
        }
        for (k, v) in self.other_sections.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Type", &self.resource_type)?;
        if let Some(c) = &self.condition {
            m.serialize_entry("Condition", c)?;
        }
        if !self.depends_on.is_empty() {
            m.serialize_entry("DependsOn", &self.depends_on)?;
        }
        if !self.properties.is_empty() {
            m.serialize_entry("Properties", &self.properties)?;
        }
        if !self.metadata.is_empty() {
            m.serialize_entry("Metadata", &self.metadata)?;
        }
        if let Some(p) = self.deletion_policy {
            m.serialize_entry("DeletionPolicy", p.as_str())?;
        }
        if let Some(p) = self.update_replace_policy {
            m.serialize_entry("UpdateReplacePolicy", p.as_str())?;
        }
        if let Some(p) = &self.update_policy {
            m.serialize_entry("UpdatePolicy", p)?;
        }
        if let Some(p) = &self.creation_policy {
            m.serialize_entry("CreationPolicy", p)?;
        }
        for (k, v) in self.other_attributes.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Parameter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Type", &self.parameter_type)?;
        if let Some(d) = &self.description {
            m.serialize_entry("Description", d)?;
        }
        if let Some(d) = &self.default {
            m.serialize_entry("Default", d)?;
        }
        if !self.allowed_values.is_empty() {
            m.serialize_entry("AllowedValues", &self.allowed_values)?;
        }
        if let Some(p) = &self.allowed_pattern {
            m.serialize_entry("AllowedPattern", p)?;
        }
        for (k, v) in self.other_keys.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Output {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Export<'a>(&'a Value);
        impl Serialize for Export<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("Name", self.0)?;
                m.end()
            }
        }
        let mut m = s.serialize_map(None)?;
        if let Some(d) = &self.description {
            m.serialize_entry("Description", d)?;
        }
        if let Some(c) = &self.condition {
            m.serialize_entry("Condition", c)?;
        }
        m.serialize_entry("Value", &self.value)?;
        if let Some(e) = &self.export {
            m.serialize_entry("Export", &Export(e))?;
        }
        for (k, v) in self.other_keys.iter() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Template {
    /// An empty template with a description.
    pub fn new(description: impl Into<String>) -> Self {
        Template { description: Some(description.into()), ..Template::default() }
    }

    /// The template as pretty-printed JSON (two-space indent, one trailing newline).
    ///
    /// ```
    /// use ringfence_cfn::{LogicalId, Resource, Template};
    /// let mut t = Template::new("demo");
    /// t.resources.insert(LogicalId::new("Vpc").unwrap(),
    ///     Resource::new("AWS::EC2::VPC").property("CidrBlock", "10.0.0.0/16"));
    /// assert!(t.to_json().starts_with("{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\""));
    /// ```
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(4096);
        self.write_json(&mut out);
        // serde_json writes only valid UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Appends the JSON form of the template to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        let mut ser = serde_json::Serializer::with_formatter(
            &mut *out,
            serde_json::ser::PrettyFormatter::with_indent(b"  "),
        );
        // Writing to a Vec cannot fail and every key is a string.
        let _ = self.serialize(&mut ser);
        out.push(b'\n');
    }

    /// The size in bytes of [`to_json`](Template::to_json)'s output, counted without
    /// building it (for CloudFormation's template size quotas).
    pub fn json_len(&self) -> usize {
        struct Count(usize);
        impl std::io::Write for Count {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0 += buf.len();
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut count = Count(0);
        let mut ser = serde_json::Serializer::with_formatter(
            &mut count,
            serde_json::ser::PrettyFormatter::with_indent(b"  "),
        );
        let _ = self.serialize(&mut ser);
        count.0 + 1
    }

    /// The template as YAML, intrinsics in long form (`Fn::GetAtt:`), which
    /// CloudFormation reads as it reads the JSON.
    ///
    /// The format version is quoted: unquoted, `2010-09-09` is a date to YAML 1.1
    /// readers such as PyYAML.
    ///
    /// ```
    /// let yaml = ringfence_cfn::Template::new("demo").to_yaml();
    /// assert!(yaml.starts_with("AWSTemplateFormatVersion: '2010-09-09'\n"), "{yaml}");
    /// ```
    pub fn to_yaml(&self) -> String {
        let yaml = serde_yaml::to_string(self).unwrap_or_default();
        let unquoted = concat!("AWSTemplateFormatVersion: ", "2010-09-09", "\n");
        match yaml.strip_prefix(unquoted) {
            Some(rest) => format!("AWSTemplateFormatVersion: '{FORMAT_VERSION}'\n{rest}"),
            None => yaml,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Template {
        let mut t = Template::new("A sample");
        let vpc = LogicalId::new("Vpc").unwrap();
        t.resources.insert(vpc.clone(), Resource::new("AWS::EC2::VPC").property("CidrBlock", "10.0.0.0/16"));
        let out = Output::new(Value::reference(&vpc)).exported_as(&ExportName::new("s:vpc:VpcId").unwrap());
        t.outputs.insert(LogicalId::new("VpcId").unwrap(), out);
        t
    }

    #[test]
    fn json_layout() {
        let expected = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "A sample",
  "Resources": {
    "Vpc": {
      "Type": "AWS::EC2::VPC",
      "Properties": {
        "CidrBlock": "10.0.0.0/16"
      }
    }
  },
  "Outputs": {
    "VpcId": {
      "Value": {
        "Ref": "Vpc"
      },
      "Export": {
        "Name": "s:vpc:VpcId"
      }
    }
  }
}
"#;
        assert_eq!(sample().to_json(), expected);
    }

    #[test]
    fn yaml_layout() {
        let expected = "AWSTemplateFormatVersion: '2010-09-09'
Description: A sample
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
Outputs:
  VpcId:
    Value:
      Ref: Vpc
    Export:
      Name: s:vpc:VpcId
";
        assert_eq!(sample().to_yaml(), expected);
    }

    #[test]
    fn json_len_counts_what_to_json_writes() {
        assert_eq!(sample().json_len(), sample().to_json().len());
    }

    #[test]
    fn yaml_and_json_carry_the_same_document() {
        let t = sample();
        let from_json: serde_json::Value = serde_json::from_str(&t.to_json()).unwrap();
        let from_yaml: serde_json::Value = serde_yaml::from_str(&t.to_yaml()).unwrap();
        assert_eq!(from_json, from_yaml);
    }
}
