//! A suite: the templates that are deployed together, read as one. Exports are matched
//! to imports across it, parameters resolve to given values or defaults, and every
//! reference resolves to the object it names: created by one of the templates, or
//! outside the suite.

use std::borrow::Cow;
use std::sync::Arc;

use indexmap::IndexMap;
use ringfence_cfn::{
    ConditionName, LogicalId, Map, Parsed, Pseudo, ReadError, ReadNote, RefTarget, Template, Value,
};
use rustc_hash::FxHashMap as HashMap;

/// One template of a suite.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteTemplate {
    /// The stack name it is deployed as (export names may depend on it).
    pub stack: String,
    /// Where it came from (a file path, or the stack name), for findings.
    pub source: String,
    /// The template (shared, so a suite over an assembly copies nothing).
    pub template: Arc<Template>,
    /// Parameter values given for the deployment; others take their defaults.
    pub parameters: IndexMap<String, String>,
    /// Its size in bytes as CloudFormation receives it ([`SuiteTemplate::size`]).
    size: Option<usize>,
    /// What the reader kept without understanding it (unknown tags, duplicate keys…),
    /// each reported as check RF001.
    pub notes: Vec<ReadNote>,
}

impl SuiteTemplate {
    /// The template's size in bytes as CloudFormation receives it, for the size quotas
    /// (RF403): the file's size when it was read from a file (JSON or YAML, minified or
    /// not), the synthesized JSON's for an assembly. `None` when unknown: the checks
    /// count it as pretty-printed JSON.
    pub fn size(&self) -> Option<usize> {
        self.size
    }

    /// Records the template's size in bytes ([`SuiteTemplate::size`]).
    pub fn set_size(&mut self, bytes: usize) {
        self.size = Some(bytes);
    }
}

/// The templates of one deployment, read as one.
///
/// ```
/// use ringfence_analyze::Suite;
/// use ringfence_cfn::Template;
/// let mut suite = Suite::new();
/// suite.add("network", "network.yaml", Template::from_yaml("Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: shared\nOutputs:\n  G:\n    Value: !Ref G\n    Export:\n      Name: !Sub ${AWS::StackName}-G\n")?);
/// assert_eq!(suite.templates().len(), 1);
/// # Ok::<(), ringfence_cfn::ReadError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Suite {
    templates: Vec<SuiteTemplate>,
    /// Nested stacks: each child template's parent and the parent's
    /// `AWS::CloudFormation::Stack` resource ([`Suite::nest`]).
    parents: HashMap<usize, (usize, LogicalId)>,
    /// The same links from the parent's side.
    children: HashMap<(usize, LogicalId), usize>,
}

/// The type of a nested stack's resource.
pub const NESTED_STACK: &str = "AWS::CloudFormation::Stack";

/// What a reference names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Obj {
    /// A resource that template `stack` (an index into the suite) creates.
    Local {
        /// The template.
        stack: usize,
        /// Its logical id there.
        id: LogicalId,
    },
    /// An object outside the suite, by literal id (`sg-…`, `vpc-…`).
    External(String),
    /// A parameter of template `stack` with no known value.
    Parameter {
        /// The template.
        stack: usize,
        /// The parameter.
        name: LogicalId,
    },
    /// Something that could not be resolved (a condition, an unknown import, …).
    Unknown(String),
}

impl Obj {
    /// Whether `stack` creates this object.
    pub fn created_by(&self, stack: usize) -> bool {
        matches!(self, Obj::Local { stack: s, .. } if *s == stack)
    }
}

impl Suite {
    /// An empty suite.
    pub fn new() -> Suite {
        Suite::default()
    }

    /// Adds a template deployed as `stack`.
    pub fn add(&mut self, stack: &str, source: &str, template: Template) -> &mut SuiteTemplate {
        self.add_shared(stack, source, Arc::new(template))
    }

    /// Adds a template shared with its owner (no copy).
    pub fn add_shared(&mut self, stack: &str, source: &str, template: Arc<Template>) -> &mut SuiteTemplate {
        self.templates.push(SuiteTemplate {
            stack: stack.to_owned(),
            source: source.to_owned(),
            template,
            parameters: IndexMap::new(),
            size: None,
            notes: Vec::new(),
        });
        let last = self.templates.len() - 1;
        &mut self.templates[last]
    }

    /// Reads a template file's text (JSON or YAML) and adds it: its size is the text's,
    /// and what the reader could not understand is reported (RF001).
    ///
    /// ```
    /// use ringfence_analyze::{analyze, Suite};
    /// let text = "Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: !Frobnicate web\n";
    /// let mut suite = Suite::new();
    /// suite.read("web", "web.yaml", text)?;
    /// assert_eq!(suite.templates()[0].size(), Some(text.len()));
    /// assert_eq!(analyze(&suite).of("RF001").len(), 1);
    /// # Ok::<(), ringfence_cfn::ReadError>(())
    /// ```
    pub fn read(&mut self, stack: &str, source: &str, text: &str) -> Result<&mut SuiteTemplate, ReadError> {
        let parsed = Template::read(text)?;
        Ok(self.add_parsed(stack, source, parsed, text.len()))
    }

    /// Adds a template as read from a file of `len` bytes, with the reader's notes.
    pub fn add_parsed(
        &mut self,
        stack: &str,
        source: &str,
        parsed: Parsed,
        len: usize,
    ) -> &mut SuiteTemplate {
        let Parsed { template, notes, .. } = parsed;
        let t = self.add(stack, source, template);
        t.set_size(len);
        t.notes = notes;
        t
    }

    /// Records that template `child` is deployed as the nested stack `resource` of
    /// template `parent` (an `AWS::CloudFormation::Stack` whose `TemplateURL` is the
    /// child's file): the child's parameters take the values the parent passes in the
    /// resource's `Parameters`, and the parent's `!GetAtt resource.Outputs.X` is the
    /// child's output `X`. Refused (with why) when `resource` is no nested stack of
    /// `parent`, the child is nested already, or the link would make a cycle.
    ///
    /// ```
    /// use ringfence_analyze::{analyze, Suite};
    /// use ringfence_cfn::LogicalId;
    /// let mut suite = Suite::new();
    /// suite.read("app", "app.yaml", "Resources:\n  Db: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: db.yaml}}\n  FromApp:\n    Type: AWS::EC2::SecurityGroupIngress\n    Properties: {GroupId: !GetAtt Db.Outputs.GroupId, IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: 10.0.0.0/8, Description: app}\n")?;
    /// suite.read("db", "db.yaml", "Resources:\n  G: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: database}}\nOutputs:\n  GroupId: {Value: !Ref G}\n")?;
    /// suite.nest(0, LogicalId::new("Db")?, 1)?;
    /// // The rule is on a group the nested stack creates, not the parent: RF101.
    /// assert_eq!(analyze(&suite).of("RF101").len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn nest(&mut self, parent: usize, resource: LogicalId, child: usize) -> Result<(), String> {
        let nested = self.templates.get(parent).and_then(|t| t.template.resources.get(&resource));
        if nested.is_none_or(|r| r.resource_type != NESTED_STACK) {
            return Err(format!("{resource} is no {NESTED_STACK} of template {parent}"));
        }
        if child >= self.templates.len() {
            return Err(format!("no template {child}"));
        }
        if let Some((p, r)) = self.parents.get(&child) {
            return Err(format!(
                "{} is nested already, as {r} of {}",
                self.templates[child].stack, self.templates[*p].stack
            ));
        }
        // A cycle: the parent is the child, or nested (at any depth) under it.
        let mut up = Some(parent);
        while let Some(t) = up {
            if t == child {
                return Err(format!(
                    "nesting {} under {} makes a cycle",
                    self.templates[child].stack, self.templates[parent].stack
                ));
            }
            up = self.parents.get(&t).map(|(p, _)| *p);
        }
        self.parents.insert(child, (parent, resource.clone()));
        self.children.insert((parent, resource), child);
        Ok(())
    }

    /// The parent template and nested-stack resource of template `child`, if it is nested.
    pub fn parent(&self, child: usize) -> Option<(usize, &LogicalId)> {
        self.parents.get(&child).map(|(p, r)| (*p, r))
    }

    /// The template deployed as nested stack `resource` of template `parent`, if linked.
    pub fn child(&self, parent: usize, resource: &LogicalId) -> Option<usize> {
        self.children.get(&(parent, resource.clone())).copied()
    }

    /// The templates, in the order added.
    pub fn templates(&self) -> &[SuiteTemplate] {
        &self.templates
    }

    /// Mutable access, e.g. to give parameter values.
    pub fn templates_mut(&mut self) -> &mut [SuiteTemplate] {
        &mut self.templates
    }
}

/// An `Fn::GetStackOutput` of a template ([`Resolver::weak_references`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeakReference {
    /// The stack it names, when known before deployment.
    pub stack_name: Option<String>,
    /// The output it reads, when known.
    pub output: Option<String>,
    /// The template of the suite that produces it, when the stack is in the suite.
    pub producer: Option<usize>,
}

/// The arguments of `{"Fn::GetStackOutput": {...}}`.
fn weak_reference(m: &Map) -> Option<&Map> {
    match m.get("Fn::GetStackOutput") {
        Some(Value::Map(args)) if m.len() == 1 => Some(args),
        _ => None,
    }
}

/// Calls `f` on `v` and every value inside it (maps' values, lists' items, functions'
/// arguments).
fn walk_all(v: &Value, f: &mut impl FnMut(&Value)) {
    f(v);
    match v {
        Value::Map(m) => m.values().for_each(|c| walk_all(c, f)),
        Value::List(items) => items.iter().for_each(|c| walk_all(c, f)),
        _ => {}
    }
}

/// Resolves references across a suite; built once per analysis.
pub struct Resolver<'a> {
    suite: &'a Suite,
    /// Export name -> (template, output value).
    exports: HashMap<String, (usize, &'a Value)>,
}

impl<'a> Resolver<'a> {
    /// Indexes the suite's exports.
    pub fn new(suite: &'a Suite) -> Resolver<'a> {
        let mut r = Resolver { suite, exports: HashMap::default() };
        for (i, t) in suite.templates.iter().enumerate() {
            for out in t.template.outputs.values() {
                if let Some(name) = out.export.as_ref().and_then(|e| r.text(i, e)) {
                    r.exports.entry(name).or_insert((i, &out.value));
                }
            }
        }
        r
    }

    /// Every export name with the template that declares it.
    pub fn exports(&self) -> impl Iterator<Item = (&str, usize)> {
        self.exports.iter().map(|(k, (s, _))| (k.as_str(), *s))
    }

    /// The template that exports `name`, if any.
    pub fn exporter(&self, name: &str) -> Option<usize> {
        self.exports.get(name).map(|(s, _)| *s)
    }

    fn parameter_value(&self, stack: usize, name: &LogicalId) -> Option<String> {
        let t = &self.suite.templates[stack];
        if let Some(v) = t.parameters.get(name.as_str()) {
            return Some(v.clone());
        }
        let p = t.template.parameters.get(name)?;
        // A nested stack's parameter takes the value its parent passes.
        if let Some(v) = self.passed_value(stack, name) {
            return self.text(self.suite.parents[&stack].0, v);
        }
        // SSM-typed parameters hold a parameter *name* as default, not the value.
        if p.parameter_type.starts_with("AWS::SSM::Parameter::Value") {
            return None;
        }
        match &p.default {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            // YAML's `Default: true` is the text CloudFormation passes, `true`.
            Some(Value::Bool(b)) => Some(b.to_string()),
            // A list default of a list parameter is its items joined by commas.
            Some(Value::List(items)) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(|items| items.join(",")),
            _ => None,
        }
    }

    /// The value the parent of nested template `stack` passes for its parameter `name`.
    fn passed_value(&self, stack: usize, name: &LogicalId) -> Option<&'a Value> {
        let (parent, resource) = self.suite.parents.get(&stack)?;
        let res = self.suite.templates[*parent].template.resources.get(resource)?;
        match res.properties.get("Parameters")? {
            Value::Map(m) => m.get(name.as_str()),
            _ => None,
        }
    }

    /// Whether condition `name` of template `stack` holds, when the parameters' given
    /// values and defaults decide it (`Fn::Equals` of values known before deployment,
    /// `Fn::Not`, `Fn::And`, `Fn::Or`, `Condition`); `None` when they do not (a parameter
    /// without a value, a pseudo parameter such as `AWS::Region`, a missing condition).
    ///
    /// ```
    /// use ringfence_analyze::{Resolver, Suite};
    /// use ringfence_cfn::ConditionName;
    /// let mut suite = Suite::new();
    /// suite.read("web", "web.yaml", "Parameters:\n  Env: {Type: String, Default: dev}\n  Region: {Type: String}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n  InUs: !Equals [!Ref Region, us-east-1]\nResources: {}\n")?;
    /// let r = Resolver::new(&suite);
    /// assert_eq!(r.condition(0, &ConditionName::new("IsProd")?), Some(false));
    /// assert_eq!(r.condition(0, &ConditionName::new("InUs")?), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn condition(&self, stack: usize, name: &ConditionName) -> Option<bool> {
        self.condition_depth(stack, name, 0)
    }

    fn condition_depth(&self, stack: usize, name: &ConditionName, depth: usize) -> Option<bool> {
        // A cycle of conditions (which CloudFormation refuses) is undecided.
        if depth > 32 {
            return None;
        }
        let v = self.suite.templates[stack].template.conditions.get(name.as_str())?;
        self.holds(stack, v, depth + 1)
    }

    /// Whether a condition function holds, as [`condition`](Resolver::condition) decides.
    fn holds(&self, stack: usize, v: &Value, depth: usize) -> Option<bool> {
        match v {
            Value::Equals(a, b) => Some(self.text_cow(stack, a)? == self.text_cow(stack, b)?),
            Value::Not(c) => self.holds(stack, c, depth).map(|b| !b),
            // Decided when one operand decides it, even if another is undecided.
            Value::And(cs) => {
                let all: Vec<Option<bool>> = cs.iter().map(|c| self.holds(stack, c, depth)).collect();
                if all.contains(&Some(false)) {
                    Some(false)
                } else {
                    all.iter().all(|b| *b == Some(true)).then_some(true)
                }
            }
            Value::Or(cs) => {
                let any: Vec<Option<bool>> = cs.iter().map(|c| self.holds(stack, c, depth)).collect();
                if any.contains(&Some(true)) {
                    Some(true)
                } else {
                    any.iter().all(|b| *b == Some(false)).then_some(false)
                }
            }
            Value::Condition(name) => self.condition_depth(stack, name, depth),
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
            _ => None,
        }
    }

    /// Whether template `stack` creates `resource`: unless its `Condition` is decided
    /// false (by the parameters' given values or defaults), a resource is created.
    pub fn creates(&self, stack: usize, resource: &ringfence_cfn::Resource) -> bool {
        resource.condition.as_ref().is_none_or(|c| self.condition(stack, c) != Some(false))
    }

    /// The branch of an `Fn::If` the conditions decide, `None` when undecided.
    pub fn decide<'v>(&self, stack: usize, v: &'v Value) -> Option<&'v Value> {
        match v {
            Value::If(c, then, otherwise) => {
                Some(if self.condition(stack, c)? { then.as_ref() } else { otherwise.as_ref() })
            }
            _ => None,
        }
    }

    /// The text a value evaluates to in template `stack`, when it can be known before
    /// deployment (literals, `Ref` of parameters and `AWS::StackName`, `Fn::Sub` and
    /// `Fn::Join` of those).
    pub fn text(&self, stack: usize, v: &Value) -> Option<String> {
        self.text_cow(stack, v).map(Cow::into_owned)
    }

    /// [`text`](Resolver::text), borrowing when the value is a literal (no copy).
    pub fn text_cow<'v>(&self, stack: usize, v: &'v Value) -> Option<Cow<'v, str>>
    where
        'a: 'v,
    {
        match v {
            Value::String(s) => Some(Cow::Borrowed(s)),
            Value::Number(n) => Some(Cow::Owned(n.to_string())),
            Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Value::Ref(RefTarget::Pseudo(Pseudo::StackName)) => {
                Some(Cow::Borrowed(self.suite.templates[stack].stack.as_str()))
            }
            Value::Ref(RefTarget::Logical(id)) => self.parameter_value(stack, id).map(Cow::Owned),
            Value::Join(d, parts) => {
                let parts: Option<Vec<Cow<'v, str>>> =
                    parts.iter().map(|p| self.text_cow(stack, p)).collect();
                Some(Cow::Owned(parts?.join(d.as_str())))
            }
            Value::Sub(text, vars) => {
                let mut out = String::new();
                let mut rest = text.as_str();
                while let Some(start) = rest.find("${") {
                    out.push_str(&rest[..start]);
                    let after = &rest[start + 2..];
                    let end = after.find('}')?;
                    let name = &after[..end];
                    if let Some(v) = vars.get(name) {
                        out.push_str(&self.text_cow(stack, v)?);
                    } else if name == "AWS::StackName" {
                        out.push_str(&self.suite.templates[stack].stack);
                    } else if let Some(literal) = name.strip_prefix('!') {
                        out.push_str("${");
                        out.push_str(literal);
                        out.push('}');
                    } else {
                        out.push_str(&self.parameter_value(stack, &LogicalId::new(name).ok()?)?);
                    }
                    rest = &after[end + 1..];
                }
                out.push_str(rest);
                Some(Cow::Owned(out))
            }
            Value::If(..) => self.text_cow(stack, self.decide(stack, v)?),
            Value::GetAtt(id, attr) if attr.starts_with("Outputs.") => {
                let child = self.suite.child(stack, id)?;
                let output = self.suite.templates[child].template.outputs.get(&attr["Outputs.".len()..])?;
                self.text_cow(child, &output.value)
            }
            Value::Map(m) => match weak_reference(m).map(|args| self.stack_output(stack, args)) {
                Some(Ok((owner, value))) => self.text_cow(owner, value),
                _ => None,
            },
            _ => None,
        }
    }

    /// The template and output value an `Fn::GetStackOutput` (its arguments) reads, when
    /// the stack it names is in the suite, in the same Region and account; otherwise why
    /// not.
    ///
    /// ```
    /// use ringfence_analyze::{Obj, Resolver, Suite};
    /// let mut suite = Suite::new();
    /// suite.read("network", "network.yaml", "Resources:\n  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}\nOutputs:\n  VpcId: {Value: !Ref Vpc}\n")?;
    /// suite.read("app", "app.yaml", "Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupDescription: app\n      VpcId: !GetStackOutput {StackName: network, OutputName: VpcId}\n")?;
    /// let r = Resolver::new(&suite);
    /// let vpc = &suite.templates()[1].template.resources[0].properties["VpcId"];
    /// assert!(matches!(r.resolve(1, vpc), Obj::Local { stack: 0, .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stack_output(&self, stack: usize, args: &Map) -> Result<(usize, &'a Value), String> {
        let text = |key: &str| args.get(key).and_then(|v| self.text_cow(stack, v));
        let (Some(name), Some(output)) = (text("StackName"), text("OutputName")) else {
            return Err("output of a stack named by a value known only at deployment".into());
        };
        let same_region = match args.get("Region") {
            None | Some(Value::Ref(RefTarget::Pseudo(Pseudo::Region))) => true,
            Some(_) => false,
        };
        if !same_region || args.get("RoleArn").is_some() {
            return Err(format!("output {output} of stack {name} in another Region or account"));
        }
        let Some(owner) = self.suite.templates.iter().position(|t| t.stack == *name) else {
            return Err(format!("output {output} of stack {name}, which is not in the suite"));
        };
        match self.suite.templates[owner].template.outputs.get(output.as_ref()) {
            Some(o) => Ok((owner, &o.value)),
            None => Err(format!("output {output} of stack {name}, which declares no such output")),
        }
    }

    /// The stack of the suite and the output an `Fn::GetStackOutput` reads, when `v` is
    /// one that names a stack of the suite.
    pub fn reads_stack_output(&self, stack: usize, v: &Value) -> Option<(usize, String)> {
        let Value::Map(m) = v else { return None };
        let args = weak_reference(m)?;
        let (owner, _) = self.stack_output(stack, args).ok()?;
        Some((owner, args.get("OutputName").and_then(|o| self.text(stack, o))?))
    }

    /// Every `Fn::GetStackOutput` of template `stack` (a weak reference: CloudFormation
    /// lets the producer be deleted or changed under it), with the stack and output it
    /// names, as written.
    pub fn weak_references(&self, stack: usize) -> Vec<WeakReference> {
        let mut out = Vec::new();
        let t = &self.suite.templates[stack].template;
        let mut visit = |v: &Value| {
            if let Value::Map(m) = v {
                if let Some(args) = weak_reference(m) {
                    let text = |key: &str| args.get(key).and_then(|v| self.text(stack, v));
                    out.push(WeakReference {
                        stack_name: text("StackName"),
                        output: text("OutputName"),
                        producer: self.stack_output(stack, args).ok().map(|(owner, _)| owner),
                    });
                }
            }
        };
        for res in t.resources.values() {
            for v in res.properties.values() {
                walk_all(v, &mut visit);
            }
        }
        for o in t.outputs.values() {
            walk_all(&o.value, &mut visit);
        }
        out
    }

    /// What a reference in template `stack` names.
    pub fn resolve(&self, stack: usize, v: &Value) -> Obj {
        self.resolve_depth(stack, v, 0)
    }

    fn resolve_depth(&self, stack: usize, v: &Value, depth: usize) -> Obj {
        if depth > 16 {
            return Obj::Unknown("import chain too long".into());
        }
        let t = &self.suite.templates[stack].template;
        match v {
            // An output of a nested stack: the child's, when linked; else of a stack
            // this template does not create.
            Value::GetAtt(id, attr)
                if attr.starts_with("Outputs.")
                    && t.resources.get(id).is_some_and(|r| r.resource_type == NESTED_STACK) =>
            {
                let output = &attr["Outputs.".len()..];
                match self
                    .suite
                    .child(stack, id)
                    .map(|c| (c, self.suite.templates[c].template.outputs.get(output)))
                {
                    Some((child, Some(o))) => self.resolve_depth(child, &o.value, depth + 1),
                    Some((child, None)) => Obj::Unknown(format!(
                        "output {output} of nested stack {id}, which {} does not declare",
                        self.suite.templates[child].stack
                    )),
                    None => Obj::Unknown(format!("output {output} of nested stack {id}")),
                }
            }
            Value::Ref(RefTarget::Logical(id))
                if t.parameters.contains_key(id)
                    && !self.suite.templates[stack].parameters.contains_key(id.as_str())
                    && self.passed_value(stack, id).is_some() =>
            {
                let parent = self.suite.parents[&stack].0;
                match self.passed_value(stack, id) {
                    Some(v) => self.resolve_depth(parent, v, depth + 1),
                    None => Obj::Parameter { stack, name: id.clone() },
                }
            }
            Value::Ref(RefTarget::Logical(id)) | Value::GetAtt(id, _) if t.resources.contains_key(id) => {
                Obj::Local { stack, id: id.clone() }
            }
            Value::Ref(RefTarget::Logical(id)) if t.parameters.contains_key(id) => {
                match self.parameter_value(stack, id) {
                    Some(value) => Obj::External(value),
                    None => Obj::Parameter { stack, name: id.clone() },
                }
            }
            Value::ImportValue(name) => match self.text_cow(stack, name) {
                Some(name) => match self.exports.get(name.as_ref()) {
                    Some((owner, value)) => self.resolve_depth(*owner, value, depth + 1),
                    None => {
                        Obj::Unknown(format!("import of `{name}`, which no template of the suite exports"))
                    }
                },
                None => Obj::Unknown("import of a computed name".into()),
            },
            Value::String(s) => Obj::External(s.clone()),
            // An item of a list: of a list parameter (`List<AWS::EC2::SecurityGroup::Id>`,
            // a CommaDelimitedList) with no value, the parameter; of a known list, the item.
            Value::Select(i, list) => match list.as_ref() {
                Value::List(items) => match items.get(*i as usize) {
                    Some(item) => self.resolve_depth(stack, item, depth + 1),
                    None => Obj::Unknown(format!("item {i} of a shorter list")),
                },
                Value::Split(d, text) if !d.is_empty() => match self.text_cow(stack, text) {
                    Some(t) => match t.split(d.as_str()).nth(*i as usize) {
                        Some(item) => Obj::External(item.trim().to_owned()),
                        None => Obj::Unknown(format!("item {i} of a shorter list")),
                    },
                    None => self.resolve_depth(stack, text, depth + 1),
                },
                other => match self.resolve_depth(stack, other, depth + 1) {
                    Obj::External(list) => match list.split(',').nth(*i as usize) {
                        Some(item) => Obj::External(item.trim().to_owned()),
                        None => Obj::Unknown(format!("item {i} of a shorter list")),
                    },
                    o => o,
                },
            },
            Value::Map(m) if weak_reference(m).is_some() => {
                match weak_reference(m).map(|args| self.stack_output(stack, args)) {
                    Some(Ok((owner, value))) => self.resolve_depth(owner, value, depth + 1),
                    Some(Err(why)) => Obj::Unknown(why),
                    None => Obj::Unknown("Fn::GetStackOutput".into()),
                }
            }
            Value::If(c, ..) => match self.decide(stack, v) {
                Some(branch) => self.resolve_depth(stack, branch, depth + 1),
                None => Obj::Unknown(format!("Fn::If on condition {c}, which the parameters do not decide")),
            },
            other => Obj::Unknown(serde_json::to_string(&other.to_json()).unwrap_or_default()),
        }
    }

    /// The suite.
    pub fn suite(&self) -> &'a Suite {
        self.suite
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite() -> Suite {
        let mut s = Suite::new();
        s.add(
            "net",
            "net.yaml",
            Template::from_yaml(
                "Parameters:\n  Env:\n    Type: String\n    Default: prod\nResources:\n  G:\n    Type: AWS::EC2::SecurityGroup\nOutputs:\n  G:\n    Value: !GetAtt G.GroupId\n    Export:\n      Name: !Sub ${AWS::StackName}-${Env}-G\n",
            )
            .unwrap(),
        );
        s.add(
            "bot",
            "bot.yaml",
            Template::from_yaml(
                "Parameters:\n  Shared:\n    Type: AWS::EC2::SecurityGroup::Id\n  Legacy:\n    Type: String\n    Default: sg-0123abcd\nResources:\n  R:\n    Type: AWS::EC2::SecurityGroupIngress\n",
            )
            .unwrap(),
        );
        s
    }

    #[test]
    fn references_resolve_across_the_suite() {
        let s = suite();
        let r = Resolver::new(&s);
        assert_eq!(r.exporter("net-prod-G"), Some(0));
        let import = Template::from_yaml(
            "Resources:\n  X:\n    Type: A::B::C\n    Properties:\n      P: !ImportValue net-prod-G\n",
        )
        .unwrap();
        let p = &import.resources[0].properties["P"];
        assert_eq!(r.resolve(1, p), Obj::Local { stack: 0, id: LogicalId::new("G").unwrap() });
        let shared = Value::reference(&LogicalId::new("Shared").unwrap());
        assert_eq!(
            r.resolve(1, &shared),
            Obj::Parameter { stack: 1, name: LogicalId::new("Shared").unwrap() }
        );
        let legacy = Value::reference(&LogicalId::new("Legacy").unwrap());
        assert_eq!(r.resolve(1, &legacy), Obj::External("sg-0123abcd".into()));
        assert_eq!(r.resolve(1, &Value::from("sg-9")), Obj::External("sg-9".into()));
        assert!(matches!(
            r.resolve(1, &Value::import(&ringfence_cfn::ExportName::new("nope").unwrap())),
            Obj::Unknown(_)
        ));
    }

    #[test]
    fn given_parameters_win_over_defaults() {
        let mut s = suite();
        s.templates_mut()[0].parameters.insert("Env".into(), "dev".into());
        let r = Resolver::new(&s);
        assert_eq!(r.exporter("net-dev-G"), Some(0));
        assert_eq!(r.exporter("net-prod-G"), None);
    }
}
