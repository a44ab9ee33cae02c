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

use super::{FxIndexMap as IndexMap, FxIndexSet as IndexSet};
use ringfence_cfn::{ExportName, LogicalId, Value};

use super::ids;
use crate::handles::{ExternalSource, Key};
use crate::model::{AppState, Shared};
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
            GroupRef::Owned(g) => {
                if g.key.app == self.app.serial && g.key.stack == self.stack {
                    return Value::GetAtt(self.local_group_id(g.key.index), "GroupId".to_owned());
                }
                let local = |app: &AppState| {
                    let id = ids::group(&app.stacks[g.key.stack].groups[g.key.index].id);
                    Value::get_att(&id, "GroupId")
                };
                self.owned(g.key, g.path(), Shared::Group(g.key.index), local)
            }
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
                let local =
                    |app: &AppState| Value::reference(&ids::vpc(&app.stacks[key.stack].vpcs[key.index].id));
                self.owned(*key, path, Shared::Vpc(key.index), local)
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
        let group = &layout.groups[g].name;
        let local = |app: &AppState| {
            Value::reference(&ids::subnet(&app.stacks[key.stack].vpcs[key.index].id, group, az))
        };
        self.owned_with(*key, path, Shared::Vpc(key.index), local, Some((g, az)))
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
                let local = |app: &AppState| {
                    Value::reference(&ids::resource(&app.stacks[r.key.stack].resources[r.key.index].id))
                };
                self.owned(r.key, r.path(), Shared::Resource(r.key.index), local)
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

    fn owned(
        &mut self,
        key: Key,
        path: &str,
        shared: Shared,
        local: impl FnOnce(&AppState) -> Value,
    ) -> Value {
        self.owned_with(key, path, shared, local, None)
    }

    /// `subnet`: which subnet of a shared VPC (group, AZ) is imported, if not the VPC id.
    fn owned_with(
        &mut self,
        key: Key,
        path: &str,
        shared: Shared,
        local: impl FnOnce(&AppState) -> Value,
        subnet: Option<(usize, usize)>,
    ) -> Value {
        if key.app != self.app.serial {
            self.errors.push(Error::ForeignApp { stack: self.stack_name(), object: path.to_owned() });
            return Value::Null;
        }
        if key.stack == self.stack {
            return local(self.app);
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
            return Value::Null;
        }
        let known = match subnet {
            Some((g, az)) => self.exports.subnets.get(&(key.stack, key.index, g, az)),
            None => self.exports.objects.get(&(key.stack, shared)),
        };
        let name = match (known, subnet) {
            (Some(name), _) => name.clone(),
            // Not in the table only if the app changed since it was made; derive it.
            (None, Some((g, az))) => ids::subnet_export_name(owner, key.index, g, az),
            (None, None) => ids::export_name(owner, shared),
        };
        self.deps.entry(key.stack).or_insert_with(|| path.to_owned());
        let value = Value::import(&name);
        self.imports.insert(name);
        value
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
