//! The one place where a reference becomes a value: `Ref`/`Fn::GetAtt` inside the owner
//! stack, `Fn::ImportValue` of the owner's export everywhere else.
//!
//! ```text
//!   consumer stack                    owner stack
//!   ┌───────────────────────┐         ┌─────────────────────────────┐
//!   │ egress rule on OWN    │ import  │ group chat-db               │
//!   │ group -> chat-db  ────┼────────>│ Output + Export (shared)    │
//!   └───────────────────────┘         └─────────────────────────────┘
//! ```
//!
//! The owner exports what it *shares* (its declared interface), not what consumers
//! happen to use today, so its template never depends on who imports from it. A
//! reference to something the owner does not share is an error that names the call to
//! add. Every import records a dependency edge consumer -> owner, with the object that
//! caused it, for the deployment order and for cycle reports.

use rustc_hash::FxHashMap as HashMap;

use crate::collections::{FxIndexMap as IndexMap, FxIndexSet as IndexSet};
use ringfence_cfn::{ExportName, LogicalId, Value};

use super::ids;
use crate::handles::{ExternalSource, Key};
use crate::model::{AppState, Shared, StackState};
use crate::network::handles::VpcTarget;
use crate::{Error, GroupRef, Prop, Subnets, Vpc};

/// The export name of every object the app's stacks share, computed once for the whole
/// app (a thousand consumers of one group would otherwise each derive its name).
pub(crate) struct ExportTable {
    /// (owner stack, object) -> export name.
    objects: HashMap<(usize, Shared), ExportName>,
    /// (owner stack, VPC, subnet group, AZ) -> export name of that subnet.
    subnets: HashMap<(usize, usize, usize, usize), ExportName>,
}

impl ExportTable {
    pub fn new(app: &AppState) -> ExportTable {
        let mut t = ExportTable { objects: HashMap::default(), subnets: HashMap::default() };
        for (s, stack) in app.stacks.iter().enumerate() {
            for &shared in &stack.shared {
                t.objects.insert((s, shared), ids::export_name(stack, shared));
                if let Shared::Vpc(v) = shared {
                    let layout = &stack.vpcs[v].layout;
                    for g in 0..layout.groups.len() {
                        for az in 0..layout.az_count {
                            t.subnets.insert((s, v, g, az), ids::subnet_export_name(stack, v, g, az));
                        }
                    }
                }
            }
        }
        t
    }

    /// The export name of `shared` (or of one of its subnets) of stack `index`, `owner`;
    /// the table is a cache: a name it lacks is derived.
    fn name(
        &self,
        index: usize,
        owner: &StackState,
        shared: Shared,
        subnet: Option<(usize, usize)>,
    ) -> ExportName {
        match (subnet, shared) {
            (Some((g, az)), Shared::Vpc(v)) => self
                .subnets
                .get(&(index, v, g, az))
                .cloned()
                .unwrap_or_else(|| ids::subnet_export_name(owner, v, g, az)),
            _ => {
                self.objects.get(&(index, shared)).cloned().unwrap_or_else(|| ids::export_name(owner, shared))
            }
        }
    }
}

pub(crate) struct Resolver<'a> {
    app: &'a AppState,
    exports: &'a ExportTable,
    stack: usize,
    /// Logical ids of this stack's groups, derived on first use.
    group_ids: Vec<Option<LogicalId>>,
    /// Owner stack -> the first object imported from it.
    pub deps: IndexMap<usize, String>,
    pub imports: IndexSet<ExportName>,
    pub errors: Vec<Error>,
}

impl<'a> Resolver<'a> {
    pub fn new(app: &'a AppState, exports: &'a ExportTable, stack: usize) -> Self {
        Resolver {
            app,
            exports,
            stack,
            group_ids: vec![None; app.stacks[stack].groups.len()],
            deps: IndexMap::default(),
            imports: IndexSet::default(),
            errors: Vec::new(),
        }
    }

    /// The logical id of group `index` of this stack.
    pub fn local_group_id(&mut self, index: usize) -> LogicalId {
        let app = self.app;
        let stack = self.stack;
        self.group_ids[index].get_or_insert_with(|| ids::group(&app.stacks[stack].groups[index].id)).clone()
    }

    /// The id of a security group, as seen from this stack.
    pub fn group_id(&mut self, group: &GroupRef) -> Value {
        match group {
            GroupRef::Owned(g) => match self.import(g.key, g.path(), Shared::Group(g.key.index), None) {
                Some(imported) => imported,
                None => Value::GetAtt(
                    self.local_group_id(g.key.index),
                    ringfence_cfn::ec2::group_keys::ID_ATTRIBUTE.to_owned(),
                ),
            },
            GroupRef::External(e) => match &e.source {
                ExternalSource::Id(id) => Value::String(id.to_string()),
                ExternalSource::Parameter { key, .. } => {
                    Value::reference(&ids::parameter(&self.app.stacks[key.stack].params[key.index].id))
                }
            },
        }
    }

    /// The id of a VPC, as seen from this stack.
    pub fn vpc_id(&mut self, vpc: &Vpc) -> Value {
        match &vpc.target {
            VpcTarget::External(id) => Value::String(id.to_string()),
            VpcTarget::Owned { key, path, .. } => {
                self.import(*key, path, Shared::Vpc(key.index), None).unwrap_or_else(|| {
                    Value::reference(&ids::vpc(&self.app.stacks[key.stack].vpcs[key.index].id))
                })
            }
        }
    }

    /// The ids of selected subnets, as seen from this stack (imports need the VPC
    /// shared, which exports its subnets too).
    pub fn subnet_ids(&mut self, subnets: &Subnets) -> Value {
        let azs = subnets.vpc.layout().map_or(0, |l| l.az_count);
        let mut ids = Vec::new();
        for &g in &subnets.groups {
            for az in 0..azs {
                ids.push(self.subnet_id(&subnets.vpc, g, az));
            }
        }
        Value::List(ids)
    }

    /// The id of one subnet (group `g`, AZ `az`) of `vpc`, as seen from this stack.
    pub fn subnet_id(&mut self, vpc: &Vpc, g: usize, az: usize) -> Value {
        let VpcTarget::Owned { key, path, layout } = &vpc.target else {
            self.errors.push(Error::UnknownSubnetGroup {
                construct: vpc.path().to_owned(),
                wanted: "any".into(),
                available: "no subnets known to ringfence (it is outside the app)".into(),
            });
            return Value::Null;
        };
        self.import(*key, path, Shared::Vpc(key.index), Some((g, az))).unwrap_or_else(|| {
            let vpc_id = &self.app.stacks[key.stack].vpcs[key.index].id;
            Value::reference(&ids::subnet(vpc_id, &layout.groups[g].name, az))
        })
    }

    /// An escape-hatch property, references resolved.
    pub fn prop(&mut self, prop: &Prop) -> Value {
        match prop {
            Prop::Value(v) => v.clone(),
            Prop::List(items) => Value::List(items.iter().map(|p| self.prop(p)).collect()),
            Prop::Map(props) => Value::Map(props.0.iter().map(|(k, v)| (k.clone(), self.prop(v))).collect()),
            Prop::GroupId(g) => self.group_id(g),
            Prop::GroupIds(set) => {
                let groups = &self.app.stacks[set.key.stack].sets[set.key.index].groups;
                Value::List(groups.iter().map(|g| self.group_id(g)).collect())
            }
            Prop::VpcId(v) => self.vpc_id(v),
            Prop::SubnetIds(s) => self.subnet_ids(s),
            Prop::SubnetId(s) => self.subnet_id(&s.vpc, s.group, s.az),
            Prop::Parameter(p) => {
                if p.key.app != self.app.serial || p.key.stack != self.stack {
                    self.errors.push(Error::ParameterOfOtherStack {
                        stack: self.stack_name(),
                        object: p.path().to_owned(),
                        owner: self.owner_name(p.key),
                        hint: "declare the parameter in this stack too".into(),
                    });
                    return Value::Null;
                }
                Value::reference(&ids::parameter(&self.app.stacks[p.key.stack].params[p.key.index].id))
            }
            Prop::Reference(r) => {
                self.import(r.key, r.path(), Shared::Resource(r.key.index), None).unwrap_or_else(|| {
                    Value::reference(&ids::resource(&self.app.stacks[r.key.stack].resources[r.key.index].id))
                })
            }
            Prop::Attribute(r, attr) => match self.local_resource(r.key, r.path()) {
                Some(id) => Value::get_att(&id, attr.as_str()),
                None => Value::Null,
            },
        }
    }

    fn local_resource(&mut self, key: Key, path: &str) -> Option<LogicalId> {
        if key.app != self.app.serial || key.stack != self.stack {
            self.errors.push(Error::NotShared {
                consumer: self.stack_name(),
                object: path.to_owned(),
                owner: self.owner_name(key),
                hint: "only the `Ref` of another stack's resource can be shared (ResourceHandle::reference); expose attributes through a resource of this stack".into(),
            });
            return None;
        }
        Some(ids::resource(&self.app.stacks[key.stack].resources[key.index].id))
    }

    /// How this stack reaches an object of the app: `None` when the stack owns it (the
    /// caller refers to it locally), else `Fn::ImportValue` of the owner's export, or
    /// `null` with an error recorded when it is not shared or not of this app.
    /// `subnet`: which subnet of a shared VPC (group, AZ) is imported, if not the VPC id.
    fn import(
        &mut self,
        key: Key,
        path: &str,
        shared: Shared,
        subnet: Option<(usize, usize)>,
    ) -> Option<Value> {
        if key.app != self.app.serial {
            self.errors.push(Error::ForeignApp { stack: self.stack_name(), object: path.to_owned() });
            return Some(Value::Null);
        }
        if key.stack == self.stack {
            return None;
        }
        let owner = &self.app.stacks[key.stack];
        if !owner.shared.contains(&shared) {
            let handle = match shared {
                Shared::Group(_) => "group",
                Shared::Vpc(_) => "vpc",
                Shared::Resource(_) => "resource",
            };
            self.errors.push(Error::NotShared {
                consumer: self.stack_name(),
                object: path.to_owned(),
                owner: owner.name.to_string(),
                hint: format!("add `{}.share(&{handle})` in the stack that creates it", owner.id),
            });
            return Some(Value::Null);
        }
        let name = self.exports.name(key.stack, owner, shared, subnet);
        self.deps.entry(key.stack).or_insert_with(|| path.to_owned());
        let value = Value::import(&name);
        self.imports.insert(name);
        Some(value)
    }

    fn stack_name(&self) -> String {
        self.app.stacks[self.stack].name.to_string()
    }

    fn owner_name(&self, key: Key) -> String {
        if key.app != self.app.serial {
            return "(another app)".into();
        }
        self.app.stacks[key.stack].name.to_string()
    }
}
