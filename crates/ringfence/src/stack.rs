//! A stack: one CloudFormation template, and the only place its network objects change.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use crate::handles::{ExternalSource, Key};
use crate::model::{
    AppState, Construct, Direction, GroupSetState, GroupState, ParamKind, ParamState, RawResource, RuleState,
    StackState, Suppression, VpcKey, VpcState,
};
use crate::network::handles::VpcTarget;
use crate::peer::PeerKind;
use crate::{
    validate, Attributes, Error, ExternalGroup, GroupRef, GroupSet, ParameterHandle, Peer, Port, Props,
    ResourceHandle, Role, RuleTarget, SecurityGroup, Vpc, VpcSpec,
};

// Most security groups one network interface can be in (5 by default, 16 after a quota
// increase): an EC2 quota, defined once in `ringfence_cfn::ec2::quota`.
#[doc(inline)]
pub use ringfence_cfn::ec2::quota::MAX_GROUPS_PER_INTERFACE;

/// A stack of an [`App`](crate::App): the unit of deployment, rollback and deletion.
///
/// Everything a stack creates belongs to it alone. It adds rules only to its own groups;
/// it can *name* any group of the app as a peer, or put its workloads in it, once the
/// owner shares it.
pub struct Stack {
    pub(crate) app: Rc<RefCell<AppState>>,
    pub(crate) index: usize,
}

impl Stack {
    pub(crate) fn new(app: Rc<RefCell<AppState>>, index: usize) -> Stack {
        Stack { app, index }
    }

    /// The CloudFormation stack name, e.g. `chat-bot-trivia-production`.
    pub fn name(&self) -> String {
        self.app.borrow().stacks[self.index].name.to_string()
    }

    /// Sets the template's `Description`.
    pub fn describe(&mut self, description: &str) -> Result<(), Error> {
        let name = self.name();
        if description.trim().is_empty() || description.len() > 1024 {
            return Err(Error::InvalidDescription {
                construct: name,
                what: "stack description",
                problem: format!("is {} bytes long", description.len()),
                hint: "CloudFormation allows 1 to 1,024 bytes".into(),
            });
        }
        self.with_state(|s| s.description = Some(description.to_owned()));
        Ok(())
    }

    /// Creates a VPC in this stack: its subnets (planned as [`VpcSpec`] describes), route
    /// tables, gateways and flow logs all belong to this stack.
    pub fn vpc(&mut self, id: &str, spec: VpcSpec) -> Result<Vpc, Error> {
        let path = self.path(id);
        validate::construct_id(self.name(), id)?;
        let layout = Arc::new(crate::network::layout::layout(&path, spec)?);
        let index = self.add_construct(id, |s| Construct::Vpc(s.vpcs.len()))?;
        let state = VpcState { id: id.to_owned(), layout: Arc::clone(&layout) };
        self.with_state(|s| s.vpcs.push(state));
        Ok(Vpc { target: VpcTarget::Owned { key: self.key(index), path: path.into(), layout } })
    }

    /// Creates a security group named after its `role`, in `vpc`, with a description of
    /// what it encloses. Its egress is restricted: nothing goes out until
    /// [`allow_egress`](Stack::allow_egress) or
    /// [`allow_all_outbound`](Stack::allow_all_outbound) says so.
    pub fn security_group(
        &mut self,
        vpc: &Vpc,
        role: impl Into<Role>,
        description: &str,
    ) -> Result<SecurityGroup, Error> {
        let role = role.into();
        let path = self.path(&role.name);
        if let Some(&existing) = self.app.borrow().stacks[self.index].constructs.get(&role.name) {
            return Err(Error::DuplicateConstruct {
                stack: self.name(),
                id: role.name,
                existing: existing.kind(),
            });
        }
        let name = role.group_name(self.app.borrow().environment.as_deref());
        validate::group_name(&path, &name)?;
        validate::group_description(&path, description)?;
        self.check_app_vpc(vpc)?;
        {
            let app = self.app.borrow();
            // EC2 compares group names ignoring case: the index is keyed by the lowercase name.
            let key = name.to_lowercase();
            if let Some(existing) = app.group_names.get(&vpc_key(vpc)).and_then(|names| names.get(&key)) {
                return Err(Error::DuplicateGroupName { construct: path, name, existing: existing.clone() });
            }
        }
        let index = self.add_construct(&role.name, |s| Construct::Group(s.groups.len()))?;
        self.app
            .borrow_mut()
            .group_names
            .entry(vpc_key(vpc))
            .or_default()
            .insert(name.to_lowercase(), path.clone());
        self.with_state(|s| {
            s.groups.push(GroupState {
                id: role.name.clone(),
                name: name.clone(),
                description: description.to_owned(),
                vpc: vpc.clone(),
                rules: Vec::new(),
            })
        });
        Ok(SecurityGroup { key: self.key(index), path: path.into(), name: name.into() })
    }

    /// Lets `peer` reach the members of `group` on `port`. `group` must be created by
    /// this stack; `description` says why, for the next reviewer.
    pub fn allow_ingress(
        &mut self,
        group: &impl RuleTarget,
        peer: Peer,
        port: Port,
        description: &str,
    ) -> Result<(), Error> {
        self.add_rule(group.group(), Direction::Ingress, peer, port, description)
    }

    /// Lets the members of `group` reach `peer` on `port`. `group` must be created by
    /// this stack.
    pub fn allow_egress(
        &mut self,
        group: &impl RuleTarget,
        peer: Peer,
        port: Port,
        description: &str,
    ) -> Result<(), Error> {
        self.add_rule(group.group(), Direction::Egress, peer, port, description)
    }

    /// Lets the members of `group` send any IPv4 traffic anywhere. Least privilege says
    /// not to; the `reason` is the rule's description, so the exception is reviewed.
    pub fn allow_all_outbound(&mut self, group: &impl RuleTarget, reason: &str) -> Result<(), Error> {
        self.add_rule(group.group(), Direction::Egress, Peer::any_ipv4(), Port::ALL_TRAFFIC, reason)
    }

    pub(crate) fn add_rule(
        &mut self,
        group: &SecurityGroup,
        direction: Direction,
        peer: Peer,
        port: Port,
        description: &str,
    ) -> Result<(), Error> {
        let action = match direction {
            Direction::Ingress => "add an ingress rule to",
            Direction::Egress => "add an egress rule to",
        };
        self.check_own(group.key, group.path(), action, || own_group_hint(direction))?;
        validate::rule_description(group.path(), description)?;
        if let (Some(need), Some(have)) = (port.family(), peer.family()) {
            if need != have {
                return Err(Error::ProtocolFamilyMismatch {
                    construct: group.path().to_owned(),
                    port: port.to_string(),
                    peer: peer.to_string(),
                    hint: "ICMP goes with IPv4 peers, ICMPv6 with IPv6 peers".into(),
                });
            }
        }
        if let PeerKind::Group(g) = &peer.kind {
            self.check_group_usable(g)?;
            if let GroupRef::Owned(other) = g {
                let (mine, theirs) = (self.group_vpc(group), self.group_vpc(other));
                if vpc_key(&mine) != vpc_key(&theirs) {
                    return Err(Error::CrossVpc {
                        construct: group.path().to_owned(),
                        problem: format!(
                            "is in VPC {}, its rule's peer {} in VPC {}",
                            mine.path(),
                            other.path(),
                            theirs.path()
                        ),
                        hint: "a rule names a group of another VPC only across a peering connection, which ringfence does not model: name the other VPC's subnets or CIDR as the peer".into(),
                    });
                }
            }
        }
        let mut app = self.app.borrow_mut();
        let state = &mut app.stacks[self.index].groups[group.key.index];
        if let Some(existing) =
            state.rules.iter().find(|r| r.direction == direction && r.peer == peer && r.port == port)
        {
            return Err(Error::DuplicateRule {
                construct: group.path().to_owned(),
                rule: format!("{} {port} {} {peer}", direction.word(), direction.preposition()),
                existing: existing.description.clone(),
            });
        }
        state.rules.push(RuleState { direction, peer, port, description: description.to_owned() });
        Ok(())
    }

    /// Declares that other stacks may use `object` (a [`SecurityGroup`], a [`Vpc`] or an
    /// escape-hatch resource's `Ref` this stack creates): it is exported, whether or not any stack imports it yet, so
    /// consumers come and go without changing this stack's template.
    pub fn share(&mut self, object: &impl Shareable) -> Result<(), Error> {
        let (key, path, shared) = object.share_key().ok_or_else(|| Error::ForeignObject {
            stack: self.name(),
            action: "share",
            object: object.describe(),
            owner: "(outside this app)".into(),
            hint: "only objects a stack of this app creates can be shared".into(),
        })?;
        self.check_own(key, &path, "share", || "only the stack that creates an object can share it".into())?;
        self.with_state(|s| {
            s.shared.insert(shared);
        });
        Ok(())
    }

    /// A set of security groups for this stack's workloads (this stack's own group plus
    /// shared role groups, typically), to put in a `SecurityGroupIds`-like property
    /// through [`Props::set`]. At most [`MAX_GROUPS_PER_INTERFACE`] groups, no repeats.
    /// To mix this app's groups with external ones, write
    /// [`groups![&own, &external]`](crate::groups!) (an array holds one type).
    pub fn group_set<I>(&mut self, id: &str, groups: I) -> Result<GroupSet, Error>
    where
        I: IntoIterator,
        I::Item: Into<GroupRef>,
    {
        let path = self.path(id);
        let groups: Vec<GroupRef> = groups.into_iter().map(Into::into).collect();
        let err = |problem: String, hint: &str| Error::InvalidGroupSet {
            construct: path.clone(),
            problem,
            hint: hint.to_owned(),
        };
        if groups.is_empty() {
            return Err(err("has no groups".into(), "a workload needs at least its own group"));
        }
        if groups.len() > MAX_GROUPS_PER_INTERFACE {
            return Err(err(
                format!(
                    "has {} groups; a network interface takes at most {MAX_GROUPS_PER_INTERFACE}",
                    groups.len()
                ),
                "merge roles, or split the workload",
            ));
        }
        let mut first_owned: Option<(&SecurityGroup, Vpc)> = None;
        for (i, g) in groups.iter().enumerate() {
            if groups[..i].contains(g) {
                return Err(err(format!("lists {g} twice"), "list each group once"));
            }
            self.check_group_usable(g)?;
            if let GroupRef::Owned(g) = g {
                let vpc = self.group_vpc(g);
                match &first_owned {
                    None => first_owned = Some((g, vpc)),
                    Some((first, first_vpc)) if vpc_key(first_vpc) != vpc_key(&vpc) => {
                        return Err(Error::CrossVpc {
                            construct: path.clone(),
                            problem: format!(
                                "joins {} of VPC {} and {} of VPC {}",
                                first.path(),
                                first_vpc.path(),
                                g.path(),
                                vpc.path()
                            ),
                            hint:
                                "a network interface joins groups of its own VPC only: make one set per VPC"
                                    .into(),
                        });
                    }
                    Some(_) => {}
                }
            }
        }
        let index = self.add_construct(id, |s| Construct::GroupSet(s.sets.len()))?;
        self.with_state(|s| s.sets.push(GroupSetState { groups }));
        Ok(GroupSet { key: self.key(index), path: path.into() })
    }

    /// A group from outside the app, given at deploy time as a parameter of type
    /// `AWS::EC2::SecurityGroup::Id`. Read-only, and usable only in this stack.
    pub fn group_parameter(&mut self, id: &str, description: &str) -> Result<ExternalGroup, Error> {
        let (key, path) = self.add_parameter(id, description, ParamKind::GroupId)?;
        Ok(ExternalGroup { source: ExternalSource::Parameter { key, path: path.into() } })
    }

    /// A group from outside the app whose id is read from an SSM parameter at deploy
    /// time (`AWS::SSM::Parameter::Value<AWS::EC2::SecurityGroup::Id>`). Read-only, and
    /// usable only in this stack.
    pub fn group_from_ssm(
        &mut self,
        id: &str,
        ssm_name: &str,
        description: &str,
    ) -> Result<ExternalGroup, Error> {
        check_ssm_name(&self.path(id), ssm_name)?;
        let (key, path) = self.add_parameter(id, description, ParamKind::SsmGroupId(ssm_name.to_owned()))?;
        Ok(ExternalGroup { source: ExternalSource::Parameter { key, path: path.into() } })
    }

    /// A value read from SSM Parameter Store at deploy time, as a template parameter of
    /// type `AWS::SSM::Parameter::Value<value_type>` whose default is `ssm_name` — for
    /// example the latest Amazon Linux image (`AWS::EC2::Image::Id`,
    /// `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`), so each
    /// deployment rebuilds from a fresh image. Usable in this stack's escape-hatch
    /// properties.
    pub fn ssm_parameter(
        &mut self,
        id: &str,
        value_type: &str,
        ssm_name: &str,
        description: &str,
    ) -> Result<ParameterHandle, Error> {
        check_ssm_name(&self.path(id), ssm_name)?;
        let type_ok = matches!(value_type, "String" | "List<String>")
            || (value_type.starts_with("AWS::")
                && value_type.split("::").count() >= 3
                && value_type.chars().all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '<' || c == '>'));
        if !type_ok {
            return Err(Error::InvalidValue {
                construct: self.path(id),
                what: "an SSM parameter value type".into(),
                value: value_type.to_owned(),
                hint: "use String, List<String> or an AWS-specific type such as AWS::EC2::Image::Id".into(),
            });
        }
        let kind = ParamKind::SsmValue { value_type: value_type.to_owned(), name: ssm_name.to_owned() };
        let (key, path) = self.add_parameter(id, description, kind)?;
        Ok(ParameterHandle { key, path: path.into() })
    }

    /// A `String` parameter given at deploy time (a certificate ARN, a domain name), with
    /// an optional default. Usable in this stack's escape-hatch properties.
    pub fn string_parameter(
        &mut self,
        id: &str,
        description: &str,
        default: Option<&str>,
    ) -> Result<ParameterHandle, Error> {
        let kind = ParamKind::Text { default: default.map(str::to_owned) };
        let (key, path) = self.add_parameter(id, description, kind)?;
        Ok(ParameterHandle { key, path: path.into() })
    }

    fn add_parameter(
        &mut self,
        id: &str,
        description: &str,
        kind: ParamKind,
    ) -> Result<(Key, String), Error> {
        let path = self.path(id);
        validate::parameter_description(&path, description)?;
        validate::construct_id(self.name(), id)?;
        // Parameter ids carry no hash (people type them at deploy time), so two ids that
        // differ only in punctuation (`db-url`, `dbUrl`) would collide: refuse it here.
        let logical = crate::synth::ids::parameter(id);
        let clash = self.app.borrow().stacks[self.index]
            .params
            .iter()
            .find(|p| crate::synth::ids::parameter(&p.id) == logical)
            .map(|p| self.path(&p.id));
        if let Some(first) = clash {
            return Err(Error::LogicalIdCollision {
                stack: self.name(),
                logical_id: logical.to_string(),
                first,
                second: path,
            });
        }
        let index = self.add_construct(id, |s| Construct::Parameter(s.params.len()))?;
        self.with_state(|s| {
            s.params.push(ParamState { id: id.to_owned(), description: description.to_owned(), kind })
        });
        Ok((self.key(index), path))
    }

    /// The escape hatch: adds any other CloudFormation resource (an ECS service, a
    /// launch template, a Lambda function) with properties that can hold typed
    /// references — a [`GroupSet`], a group, a VPC, another escape-hatch resource.
    ///
    /// Types the typed API expresses (security groups and their rules, VPCs, subnets,
    /// routes, NACLs and their entries, associations, endpoints) are refused with the call
    /// to use instead. Any other type that changes or attaches to a network object (a
    /// `VPCCidrBlock`, a `VPCGatewayAttachment`, a `TransitGatewayRoute`…) must name,
    /// by a typed handle, an object this stack creates: which properties do that comes
    /// from CloudFormation's resource schemas
    /// ([`network_targets`](ringfence_cfn::schema::network_targets)).
    ///
    /// ```
    /// use ringfence::{App, Error, Props, VpcSpec};
    /// let app = App::new("shop");
    /// let mut network = app.stack("network")?;
    /// let vpc = network.vpc("main", VpcSpec::new("10.0.0.0/16")?)?;
    /// // The owner may add a CIDR block to its VPC…
    /// network.resource("more", "AWS::EC2::VPCCidrBlock",
    ///     Props::new().set("VpcId", &vpc).set("CidrBlock", "10.1.0.0/16"))?;
    /// // …another stack may not.
    /// let mut web = app.stack("web")?;
    /// let err = web.resource("more", "AWS::EC2::VPCCidrBlock",
    ///     Props::new().set("VpcId", &vpc).set("CidrBlock", "10.2.0.0/16")).unwrap_err();
    /// assert!(matches!(err, Error::ForeignNetworkTarget { .. }));
    /// # Ok::<(), ringfence::Error>(())
    /// ```
    pub fn resource(&mut self, id: &str, resource_type: &str, props: Props) -> Result<ResourceHandle, Error> {
        self.resource_with(id, resource_type, props, Attributes::new())
    }

    /// [`resource`](Stack::resource) with resource attributes: `DependsOn` (other
    /// escape-hatch resources of this stack), `UpdatePolicy`, `CreationPolicy`,
    /// `DeletionPolicy`, `UpdateReplacePolicy`.
    pub fn resource_with(
        &mut self,
        id: &str,
        resource_type: &str,
        props: Props,
        attributes: Attributes,
    ) -> Result<ResourceHandle, Error> {
        for vpc in &attributes.after_internet_gateway {
            let crate::network::handles::VpcTarget::Owned { key, path: vpc_path, layout } = &vpc.target
            else {
                return Err(Error::InvalidVpc {
                    construct: self.path(id),
                    problem: format!(
                        "waits for the internet gateway of {}, which is outside the app",
                        vpc.path()
                    ),
                    hint: "DependsOn names resources of the same template".into(),
                });
            };
            self.check_own(*key, vpc_path, "wait for the internet gateway of", || {
                "DependsOn names resources of the same template".into()
            })?;
            if !layout.has(crate::SubnetKind::Public) {
                return Err(Error::InvalidVpc {
                    construct: self.path(id),
                    problem: format!("waits for the internet gateway of {vpc_path}, which has none"),
                    hint: "a VPC gets an internet gateway when it has public subnets".into(),
                });
            }
        }
        for other in &attributes.depends_on {
            self.check_own(other.key, other.path(), "wait for", || {
                "DependsOn names resources of the same stack; a stack that imports from another is already deployed after it".into()
            })?;
        }
        let path = self.path(id);
        let segments: Vec<&str> = resource_type.split("::").collect();
        let well_formed = match segments.as_slice() {
            ["Custom", name] => !name.is_empty(),
            [a, b, c] | [a, b, c, _] => [a, b, c].iter().all(|s| !s.is_empty()),
            _ => false,
        } && segments.iter().all(|s| s.chars().all(|c| c.is_ascii_alphanumeric()));
        if !well_formed {
            return Err(Error::InvalidResourceType {
                construct: path,
                resource_type: resource_type.to_owned(),
                hint: "write Service::Vendor::Type, e.g. `AWS::ECS::Service`, or `Custom::Name`".into(),
            });
        }
        if let Some(hint) = crate::escape_hatch::guarded(resource_type) {
            return Err(Error::NetworkResourceInEscapeHatch {
                construct: path,
                resource_type: resource_type.to_owned(),
                hint: hint.to_owned(),
            });
        }
        crate::escape_hatch::check_targets(&self.app.borrow(), self.index, &path, resource_type, &props)?;
        let index = self.add_construct(id, |s| Construct::Resource(s.resources.len()))?;
        self.with_state(|s| {
            s.resources.push(RawResource {
                id: id.to_owned(),
                resource_type: resource_type.to_owned(),
                props,
                attributes,
            })
        });
        Ok(ResourceHandle { key: self.key(index), path: path.into() })
    }

    /// Accepts a finding of the checks on purpose: check `check` (e.g. `RF503`, see
    /// `ringfence::analyze::CHECKS`) is suppressed on `target` (a group and its rules, an
    /// escape-hatch resource, a network ACL and its entries, or subnets of a VPC this
    /// stack creates) for `reason`. The template carries the suppression in `Metadata`,
    /// so any audit of it sees the same; a suppressed finding is still listed, with its
    /// reason.
    pub fn suppress(&mut self, target: &impl Suppressible, check: &str, reason: &str) -> Result<(), Error> {
        let (key, path, what) = target.suppress_target();
        self.check_own(key, &path, "suppress a finding on", || {
            "a stack can only accept findings on what it creates".into()
        })?;
        if ringfence_analyze::check(check).is_none() {
            let known: Vec<&str> = ringfence_analyze::CHECKS.iter().map(|c| c.id).collect();
            return Err(Error::InvalidValue {
                construct: path,
                what: "a check id".into(),
                value: check.to_owned(),
                hint: format!("checks are {}", known.join(", ")),
            });
        }
        if reason.trim().is_empty() {
            return Err(Error::InvalidDescription {
                construct: path,
                what: "suppression reason",
                problem: "is empty".into(),
                hint: "say why the finding is acceptable here".into(),
            });
        }
        let suppression = Suppression { target: what, check: check.to_owned(), reason: reason.to_owned() };
        self.with_state(|s| s.suppressions.push(suppression));
        Ok(())
    }

    // ---- helpers ----

    pub(crate) fn with_state<R>(&mut self, f: impl FnOnce(&mut StackState) -> R) -> R {
        f(&mut self.app.borrow_mut().stacks[self.index])
    }

    pub(crate) fn key(&self, index: usize) -> Key {
        Key { app: self.app.borrow().serial, stack: self.index, index }
    }

    pub(crate) fn path(&self, id: &str) -> String {
        format!("{}/{id}", self.app.borrow().stacks[self.index].id)
    }

    /// Validates `id`, refuses duplicates, records the construct; returns its slot.
    pub(crate) fn add_construct(
        &mut self,
        id: &str,
        make: impl FnOnce(&StackState) -> Construct,
    ) -> Result<usize, Error> {
        let mut app = self.app.borrow_mut();
        let stack = &mut app.stacks[self.index];
        validate::construct_id(stack.name.as_str(), id)?;
        if let Some(existing) = stack.constructs.get(id) {
            return Err(Error::DuplicateConstruct {
                stack: stack.name.to_string(),
                id: id.to_owned(),
                existing: existing.kind(),
            });
        }
        let construct = make(stack);
        stack.constructs.insert(id.to_owned(), construct);
        Ok(match construct {
            Construct::Vpc(i)
            | Construct::Group(i)
            | Construct::GroupSet(i)
            | Construct::Parameter(i)
            | Construct::Resource(i)
            | Construct::Nacl(i)
            | Construct::Endpoint(i) => i,
        })
    }

    /// Refuses a handle of another app, or an object of another stack.
    pub(crate) fn check_own(
        &self,
        key: Key,
        object: &str,
        action: &'static str,
        hint: impl FnOnce() -> String,
    ) -> Result<(), Error> {
        let app = self.app.borrow();
        if key.app != app.serial {
            return Err(Error::ForeignApp { stack: self.name(), object: object.to_owned() });
        }
        if key.stack != self.index {
            return Err(Error::ForeignObject {
                stack: app.stacks[self.index].name.to_string(),
                action,
                object: object.to_owned(),
                owner: app.stacks[key.stack].name.to_string(),
                hint: hint(),
            });
        }
        Ok(())
    }

    /// A group used as a peer or set member: any group of this app, a literal external
    /// group, or a parameter of this very stack.
    pub(crate) fn check_group_usable(&self, group: &GroupRef) -> Result<(), Error> {
        let app = self.app.borrow();
        match group {
            GroupRef::Owned(g) if g.key.app != app.serial => {
                Err(Error::ForeignApp { stack: self.name(), object: g.path().to_owned() })
            }
            GroupRef::External(ExternalGroup { source: ExternalSource::Parameter { key, path } }) => {
                if key.app != app.serial {
                    return Err(Error::ForeignApp { stack: self.name(), object: path.to_string() });
                }
                if key.stack != self.index {
                    return Err(Error::ParameterOfOtherStack {
                        stack: app.stacks[self.index].name.to_string(),
                        object: path.to_string(),
                        owner: app.stacks[key.stack].name.to_string(),
                        hint:
                            "declare the parameter in this stack too, with group_parameter or group_from_ssm"
                                .into(),
                    });
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The VPC of a group of this app (checked by `check_group_usable` or `check_own`).
    fn group_vpc(&self, group: &SecurityGroup) -> Vpc {
        self.app.borrow().stacks[group.key.stack].groups[group.key.index].vpc.clone()
    }

    pub(crate) fn check_app_vpc(&self, vpc: &Vpc) -> Result<(), Error> {
        match &vpc.target {
            VpcTarget::Owned { key, path, .. } if key.app != self.app.borrow().serial => {
                Err(Error::ForeignApp { stack: self.name(), object: path.to_string() })
            }
            _ => Ok(()),
        }
    }
}

/// A VPC's identity for the group-name index.
fn vpc_key(vpc: &Vpc) -> VpcKey {
    match &vpc.target {
        VpcTarget::Owned { key, .. } => VpcKey::Owned(*key),
        VpcTarget::External(id) => VpcKey::External(Arc::clone(id)),
    }
}

fn check_ssm_name(construct: &str, ssm_name: &str) -> Result<(), Error> {
    let ok = ssm_name.len() <= 2048
        && !ssm_name.is_empty()
        && ssm_name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidValue {
            construct: construct.to_owned(),
            what: "an SSM parameter name".into(),
            value: ssm_name.to_owned(),
            hint: "use letters, digits and _.-/, e.g. `/platform/bots/security-group-id`".into(),
        })
    }
}

fn own_group_hint(direction: Direction) -> String {
    match direction {
        Direction::Ingress => "to reach it, give this stack's workloads a group of their own with an egress rule to it, and have the owner admit a shared role group (e.g. `bots`) that they join through a group set".into(),
        Direction::Egress => "create a group in this stack for its workloads and add the egress rule there".into(),
    }
}

/// What a finding can be [suppressed](Stack::suppress) on: a [`SecurityGroup`], a
/// [`ResourceHandle`], a [`NetworkAcl`](crate::NetworkAcl) or [`Subnets`](crate::Subnets).
pub trait Suppressible: sealed::SealedSuppress {}

impl Suppressible for SecurityGroup {}
impl Suppressible for ResourceHandle {}
impl Suppressible for crate::NetworkAcl {}
impl Suppressible for crate::Subnets {}

/// What a stack can [share](Stack::share): a [`SecurityGroup`], a [`Vpc`] or an
/// escape-hatch resource ([`ResourceHandle`], shared by its `Ref`) it creates.
pub trait Shareable: sealed::Sealed {}

impl Shareable for SecurityGroup {}
impl Shareable for Vpc {}
impl Shareable for ResourceHandle {}

#[allow(private_interfaces)] // sealed: the methods are crate-private in practice
mod sealed {
    use crate::handles::Key;
    use crate::model::SuppressTarget;

    pub trait SealedSuppress {
        fn suppress_target(&self) -> (Key, String, SuppressTarget);
    }

    impl SealedSuppress for crate::SecurityGroup {
        fn suppress_target(&self) -> (Key, String, SuppressTarget) {
            (self.key, self.path.to_string(), SuppressTarget::Group(self.key.index))
        }
    }

    impl SealedSuppress for crate::ResourceHandle {
        fn suppress_target(&self) -> (Key, String, SuppressTarget) {
            (self.key, self.path.to_string(), SuppressTarget::Resource(self.key.index))
        }
    }

    impl SealedSuppress for crate::NetworkAcl {
        fn suppress_target(&self) -> (Key, String, SuppressTarget) {
            (self.key, self.path.to_string(), SuppressTarget::Nacl(self.key.index))
        }
    }

    impl SealedSuppress for crate::Subnets {
        fn suppress_target(&self) -> (Key, String, SuppressTarget) {
            match &self.vpc.target {
                VpcTarget::Owned { key, .. } => {
                    (*key, self.describe(), SuppressTarget::Subnets(key.index, self.groups.clone()))
                }
                // No stack owns subnets of an external VPC: check_own refuses this key.
                VpcTarget::External(_) => (
                    Key { app: 0, stack: usize::MAX, index: 0 },
                    self.describe(),
                    SuppressTarget::Subnets(0, Vec::new()),
                ),
            }
        }
    }
    use crate::model::Shared;
    use crate::network::handles::VpcTarget;

    pub trait Sealed {
        /// Where the object lives, its path, and what sharing it exports; `None` for
        /// objects outside the app.
        fn share_key(&self) -> Option<(Key, String, Shared)>;
        fn describe(&self) -> String;
    }

    impl Sealed for crate::SecurityGroup {
        fn share_key(&self) -> Option<(Key, String, Shared)> {
            Some((self.key, self.path.to_string(), Shared::Group(self.key.index)))
        }
        fn describe(&self) -> String {
            self.path.to_string()
        }
    }

    impl Sealed for crate::Vpc {
        fn share_key(&self) -> Option<(Key, String, Shared)> {
            match &self.target {
                VpcTarget::Owned { key, path, .. } => Some((*key, path.to_string(), Shared::Vpc(key.index))),
                VpcTarget::External(_) => None,
            }
        }
        fn describe(&self) -> String {
            self.path().to_owned()
        }
    }

    impl Sealed for crate::ResourceHandle {
        fn share_key(&self) -> Option<(Key, String, Shared)> {
            Some((self.key, self.path.to_string(), Shared::Resource(self.key.index)))
        }
        fn describe(&self) -> String {
            self.path.to_string()
        }
    }
}
