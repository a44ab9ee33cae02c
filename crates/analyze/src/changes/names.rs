//! One side of a change (the old suite or the new one) read by stack *name* and logical
//! id, so that objects of two suites compare: a template's index differs between the
//! two, its name does not. Exports, imports and `Fn::GetStackOutput` reads are listed
//! here, and two property values are compared as CloudFormation compares them.

use std::collections::{BTreeMap, BTreeSet};

use ipnet::{Ipv4Net, Ipv6Net};
use ringfence_cfn::{Map, Pseudo, RefTarget, Resource, Template, Value};
use rustc_hash::FxHashMap as HashMap;

use crate::model::{written_text, Model, Rule, RulePeer};
use crate::suite::{Obj, Resolver};
use crate::{Direction, PortRange};

/// A resource of either suite: its stack's name and its logical id.
pub(super) type ResourceKey = (String, String);

/// An object as [`Obj`] names it, with the stack's name in place of its index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Key {
    Local(String, String),
    External(String),
    Parameter(String, String),
    Unknown(String),
}

/// The peer of a rule as EC2 compares it (ranges by their network address), by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum PeerKey {
    V4(Ipv4Net),
    V6(Ipv6Net),
    Group(Key),
    PrefixList(Key),
    Undecided(Key),
}

/// [`crate::RuleIdentity`] by name: the group, direction, protocol and ports, and peer
/// EC2 compares to tell two rules apart (never the description).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct RuleKey {
    pub group: Key,
    pub direction: Direction,
    pub ports: PortRange,
    pub peer: PeerKey,
}

/// An export of one side: its name, the stack and output that declare it, its value.
#[derive(Clone)]
pub(super) struct Export<'a> {
    pub stack: usize,
    pub output: String,
    pub value: &'a Value,
}

/// An `Fn::ImportValue` of a known export name, in a resource or an output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Import {
    pub stack: String,
    pub resource: String,
    pub export: String,
}

/// An `Fn::GetStackOutput` of a stack and output both known before deployment, in the
/// same account and Region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct WeakRead {
    pub stack: String,
    pub resource: String,
    pub producer: String,
    pub output: String,
}

/// One side of the change.
pub(super) struct Side<'a, 'm> {
    pub m: &'a Model<'m>,
    by_name: HashMap<&'a str, usize>,
    // Read once per side, however many questions ask for them.
    exports: std::cell::OnceCell<BTreeMap<String, Export<'a>>>,
    imports: std::cell::OnceCell<Vec<Import>>,
    weak_reads: std::cell::OnceCell<Vec<WeakRead>>,
}

impl<'a, 'm> Side<'a, 'm> {
    pub fn new(m: &'a Model<'m>) -> Side<'a, 'm> {
        let mut by_name = HashMap::default();
        for (i, t) in m.resolver.suite().templates().iter().enumerate() {
            by_name.entry(t.stack.as_str()).or_insert(i);
        }
        Side {
            m,
            by_name,
            exports: std::cell::OnceCell::new(),
            imports: std::cell::OnceCell::new(),
            weak_reads: std::cell::OnceCell::new(),
        }
    }

    pub fn r(&self) -> &'a Resolver<'m> {
        &self.m.resolver
    }

    /// The template deployed as `name` (the first, should a suite name two alike).
    pub fn index(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub fn name(&self, stack: usize) -> &'a str {
        &self.m.resolver.suite().templates()[stack].stack
    }

    pub fn template(&self, stack: usize) -> &'a Template {
        &self.m.resolver.suite().templates()[stack].template
    }

    /// Every stack, by index, each name once (the first template of a name).
    pub fn stacks(&self) -> impl Iterator<Item = usize> + use<'_, 'a, 'm> {
        let n = self.m.resolver.suite().templates().len();
        (0..n).filter(move |&i| self.index(self.name(i)) == Some(i))
    }

    /// The resource `id` of template `stack`, when the template creates it.
    pub fn resource(&self, stack: usize, id: &str) -> Option<&'a Resource> {
        self.template(stack).resources.get(id).filter(|res| self.r().creates(stack, res))
    }

    pub fn key(&self, o: &Obj) -> Key {
        match o {
            Obj::Local { stack, id } => Key::Local(self.name(*stack).to_owned(), id.to_string()),
            Obj::External(s) => Key::External(s.clone()),
            Obj::Parameter { stack, name } => Key::Parameter(self.name(*stack).to_owned(), name.to_string()),
            Obj::Unknown(s) => Key::Unknown(s.clone()),
        }
    }

    /// The rule's EC2 identity by name; `None` when EC2 holds no such rule (see
    /// [`Rule::identity`]).
    pub fn rule_key(&self, rule: &Rule) -> Option<RuleKey> {
        let identity = rule.identity()?;
        let peer = match &rule.peer {
            RulePeer::V4(n) => PeerKey::V4(n.trunc()),
            RulePeer::V6(n) => PeerKey::V6(n.trunc()),
            RulePeer::Group(o) => PeerKey::Group(self.key(o)),
            RulePeer::PrefixList(o) => PeerKey::PrefixList(self.key(o)),
            RulePeer::Undecided(o) => PeerKey::Undecided(self.key(o)),
            RulePeer::None => return None,
        };
        Some(RuleKey {
            group: self.key(identity.group()),
            direction: identity.direction(),
            ports: identity.ports(),
            peer,
        })
    }

    /// Every export, by name (the first declaration of a name, as the resolver does),
    /// unless its output's condition is decided false.
    pub fn exports(&self) -> BTreeMap<String, Export<'a>> {
        self.exports.get_or_init(|| self.read_exports()).clone()
    }

    fn read_exports(&self) -> BTreeMap<String, Export<'a>> {
        let mut out = BTreeMap::new();
        for stack in self.stacks() {
            for (id, o) in &self.template(stack).outputs {
                if o.condition.as_ref().is_some_and(|c| self.r().condition(stack, c) == Some(false)) {
                    continue;
                }
                let Some(name) = o.export.as_ref().and_then(|e| self.r().text(stack, e)) else { continue };
                out.entry(name).or_insert(Export { stack, output: id.to_string(), value: &o.value });
            }
        }
        out
    }

    /// The values of what template `stack` deploys, with the resource or output that
    /// holds each: created resources' properties, and outputs whose condition is not
    /// decided false.
    fn deployed_values(&self, stack: usize) -> Vec<(&'a str, &'a Value)> {
        let t = self.template(stack);
        let mut out = Vec::new();
        for (id, res) in t.resources.iter().filter(|(_, res)| self.r().creates(stack, res)) {
            out.extend(res.properties.values().map(|v| (id.as_str(), v)));
        }
        for (id, o) in &t.outputs {
            if o.condition.as_ref().is_none_or(|c| self.r().condition(stack, c) != Some(false)) {
                out.push((id.as_str(), &o.value));
            }
        }
        out
    }

    /// Every `Fn::ImportValue` of a name known before deployment, once per resource or
    /// output and export, sorted.
    pub fn imports(&self) -> Vec<Import> {
        self.imports.get_or_init(|| self.read_imports()).clone()
    }

    fn read_imports(&self) -> Vec<Import> {
        let mut out = BTreeSet::new();
        for stack in self.stacks() {
            for (holder, v) in self.deployed_values(stack) {
                v.walk(&mut |v| {
                    if let Value::ImportValue(name) = v {
                        if let Some(export) = self.r().text(stack, name) {
                            out.insert(Import {
                                stack: self.name(stack).to_owned(),
                                resource: holder.to_owned(),
                                export,
                            });
                        }
                    }
                });
            }
        }
        out.into_iter().collect()
    }

    /// Every `Fn::GetStackOutput` of this account and Region whose stack and output are
    /// known before deployment, once per resource or output, sorted.
    pub fn weak_reads(&self) -> Vec<WeakRead> {
        self.weak_reads.get_or_init(|| self.read_weak_reads()).clone()
    }

    fn read_weak_reads(&self) -> Vec<WeakRead> {
        let mut out = BTreeSet::new();
        for stack in self.stacks() {
            for (holder, v) in self.deployed_values(stack) {
                v.walk(&mut |v| {
                    let Some(args) = stack_output_args(v) else { return };
                    let same_place = matches!(
                        args.get("Region"),
                        None | Some(Value::Ref(RefTarget::Pseudo(Pseudo::Region)))
                    ) && args.get("RoleArn").is_none();
                    let text = |key: &str| args.get(key).and_then(|v| self.r().text(stack, v));
                    if let (true, Some(producer), Some(output)) =
                        (same_place, text("StackName"), text("OutputName"))
                    {
                        out.insert(WeakRead {
                            stack: self.name(stack).to_owned(),
                            resource: holder.to_owned(),
                            producer,
                            output,
                        });
                    }
                });
            }
        }
        out.into_iter().collect()
    }

    /// A value in words: its text when known before deployment, the object it names
    /// (`network/Vpc`), else as written.
    pub fn show(&self, stack: usize, v: &Value) -> String {
        if let Some(text) = self.r().text(stack, v) {
            return format!("`{text}`");
        }
        match self.r().resolve(stack, v) {
            o @ (Obj::Local { .. } | Obj::Parameter { .. }) => self.m.describe(&o),
            _ => match written_text(self.r(), stack, v) {
                Some(text) => format!("`{text}`"),
                None => serde_json::to_string(&v.to_json()).unwrap_or_default(),
            },
        }
    }
}

/// The arguments of `{"Fn::GetStackOutput": {...}}`.
fn stack_output_args(v: &Value) -> Option<&Map> {
    match v {
        Value::Map(m) if m.len() == 1 => match m.get("Fn::GetStackOutput") {
            Some(Value::Map(args)) => Some(args),
            _ => None,
        },
        _ => None,
    }
}

/// No value: absent, null or `AWS::NoValue`.
fn some(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !matches!(v, Value::Null | Value::Ref(RefTarget::Pseudo(Pseudo::NoValue))))
}

/// The value at `path` (`Key`, `Key/Sub/…`, as a schema's `createOnlyProperties` names
/// it below `/properties/`) of a resource's properties, up to the first `*` (a list,
/// shown whole).
pub(super) fn property<'v>(props: &'v Map, path: &str) -> Option<&'v Value> {
    let mut parts = path.split('/').take_while(|p| *p != "*");
    let mut v = some(props.get(parts.next()?))?;
    for part in parts {
        v = match v {
            Value::Map(m) => some(m.get(part))?,
            _ => return None,
        };
    }
    Some(v)
}

/// Whether the values at `path` of two resources' properties may differ (see
/// [`differs`]): `Key/Sub` walks into maps, `*` pairs the items of two lists (lists of
/// other lengths differ); where a value on the way is computed (an `Fn::If`, …), the
/// two are compared whole from there.
#[allow(clippy::too_many_arguments)]
pub(super) fn path_differs(
    old: &Side<'_, '_>,
    os: usize,
    ov: &Map,
    new: &Side<'_, '_>,
    ns: usize,
    nv: &Map,
    path: &str,
    replaced: &BTreeSet<ResourceKey>,
) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let Some((first, rest)) = parts.split_first() else { return false };
    walk(old, os, ov.get(first), new, ns, nv.get(first), rest, replaced)
}

#[allow(clippy::too_many_arguments)]
fn walk(
    old: &Side<'_, '_>,
    os: usize,
    ov: Option<&Value>,
    new: &Side<'_, '_>,
    ns: usize,
    nv: Option<&Value>,
    rest: &[&str],
    replaced: &BTreeSet<ResourceKey>,
) -> bool {
    let (ov, nv) = (some(ov), some(nv));
    if let Some((part, rest)) = rest.split_first() {
        // A key of a map (of no map: no value); `Err` for a value computed otherwise.
        fn child<'v>(v: Option<&'v Value>, part: &str) -> Result<Option<&'v Value>, ()> {
            match v {
                None => Ok(None),
                Some(m @ Value::Map(map)) if stack_output_args(m).is_none() => Ok(map.get(part)),
                Some(_) => Err(()),
            }
        }
        match (ov, nv) {
            (Some(Value::List(a)), Some(Value::List(b))) if *part == "*" => {
                return a.len() != b.len()
                    || a.iter()
                        .zip(b)
                        .any(|(a, b)| walk(old, os, Some(a), new, ns, Some(b), rest, replaced));
            }
            _ if *part != "*" => {
                if let (Ok(a), Ok(b)) = (child(ov, part), child(nv, part)) {
                    return walk(old, os, a, new, ns, b, rest, replaced);
                }
            }
            _ => {}
        }
    }
    match (ov, nv) {
        (None, None) => false,
        (Some(a), Some(b)) => differs(old, os, a, new, ns, b, replaced),
        _ => true,
    }
}

/// Whether a value's deployed value may differ between the two sides, as CloudFormation
/// decides whether a property changed: values known before deployment by their text
/// (`"443"` is `443`), references by the object they name (`!Ref Vpc` and an import of
/// the export of that VPC name one VPC), a reference to a resource of the same template
/// that the change replaces as changed, lists and maps item by item, anything else as written.
pub(super) fn differs(
    old: &Side<'_, '_>,
    os: usize,
    ov: &Value,
    new: &Side<'_, '_>,
    ns: usize,
    nv: &Value,
    replaced: &BTreeSet<ResourceKey>,
) -> bool {
    if let (Some(a), Some(b)) = (old.r().text_cow(os, ov), new.r().text_cow(ns, nv)) {
        return a != b;
    }
    match (ov, nv) {
        (Value::List(a), Value::List(b)) => {
            return a.len() != b.len()
                || a.iter().zip(b).any(|(a, b)| differs(old, os, a, new, ns, b, replaced))
        }
        (Value::Map(a), Value::Map(b))
            if stack_output_args(ov).is_none() && stack_output_args(nv).is_none() =>
        {
            return a.len() != b.len()
                || a.iter().any(|(k, a)| b.get(k).is_none_or(|b| differs(old, os, a, new, ns, b, replaced)))
        }
        _ => {}
    }
    let (a, b) = (old.r().resolve(os, ov), new.r().resolve(ns, nv));
    match (&a, &b) {
        (Obj::Local { .. }, Obj::Local { .. }) | (Obj::External(_), Obj::External(_)) => {
            let (ka, kb) = (old.key(&a), new.key(&b));
            ka != kb || refers_to(new, ns, nv, replaced).is_some()
        }
        _ => ov != nv || refers_to(new, ns, nv, replaced).is_some(),
    }
}

/// The resource of the same template, among `replaced`, that a value refers to by `Ref`
/// or `Fn::GetAtt`, if any.
pub(super) fn refers_to(
    side: &Side<'_, '_>,
    stack: usize,
    v: &Value,
    replaced: &BTreeSet<ResourceKey>,
) -> Option<String> {
    let name = side.name(stack);
    v.references()
        .into_iter()
        .find(|id| replaced.contains(&(name.to_owned(), id.to_string())))
        .map(|id| id.to_string())
}
