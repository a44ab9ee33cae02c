//! Properties of escape-hatch resources, able to hold typed references.

use ringfence_cfn::{Policy, Value};

use crate::{
    ExternalGroup, GroupRef, GroupSet, ParameterHandle, ResourceHandle, SecurityGroup, Subnet, Subnets, Vpc,
};

/// One property value of an escape-hatch resource: plain CloudFormation data, or a typed
/// reference that synthesis turns into `Ref`, `Fn::GetAtt` or `Fn::ImportValue` depending
/// on which stack it is used in.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Prop {
    /// Plain data or an intrinsic built with [`ringfence_cfn::Value`].
    Value(Value),
    /// A list.
    List(Vec<Prop>),
    /// A nested map.
    Map(Props),
    /// The id of one security group.
    GroupId(GroupRef),
    /// The ids of a group set, as a list.
    GroupIds(GroupSet),
    /// The id of a VPC.
    VpcId(Vpc),
    /// The ids of selected subnets, as a list.
    SubnetIds(Subnets),
    /// The id of one subnet.
    SubnetId(Subnet),
    /// `Ref` of a parameter of the same stack.
    Parameter(ParameterHandle),
    /// `Ref` of another escape-hatch resource of the same stack.
    Reference(ResourceHandle),
    /// `Fn::GetAtt` of another escape-hatch resource of the same stack.
    Attribute(ResourceHandle, String),
}

/// The properties of an escape-hatch resource, in the order they are set.
///
/// ```
/// use ringfence::{App, Props, VpcSpec};
/// let app = App::new("shop");
/// let mut web = app.stack("web")?;
/// let vpc = web.vpc("main", VpcSpec::new("10.0.0.0/16")?)?;
/// let group = web.security_group(&vpc, "web", "Web servers behind the load balancer")?;
/// let tasks = web.group_set("tasks", [&group])?;
/// web.resource("service", "AWS::ECS::Service", Props::new()
///     .set("Cluster", "shop")
///     .set("NetworkConfiguration", Props::new()
///         .set("AwsvpcConfiguration", Props::new()
///             .set("SecurityGroups", &tasks)
///             .set("Subnets", vec!["subnet-0a1b2c3d"]))))?;
/// # Ok::<(), ringfence::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Props(pub(crate) Vec<(String, Prop)>);

impl Props {
    /// No properties yet.
    pub fn new() -> Props {
        Props::default()
    }

    /// Sets a property (replacing an earlier value of the same name in place).
    #[must_use]
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Prop>) -> Props {
        // A handful of keys per level: a vector is smaller than a hash map and as fast.
        let (name, value) = (name.into(), value.into());
        match self.0.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
        self
    }

    /// The properties set so far.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Prop)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

impl From<Value> for Prop {
    fn from(v: Value) -> Self {
        Prop::Value(v)
    }
}
impl From<serde_json::Value> for Prop {
    fn from(v: serde_json::Value) -> Self {
        Prop::Value(v.into())
    }
}
impl From<Props> for Prop {
    fn from(p: Props) -> Self {
        Prop::Map(p)
    }
}
impl<T: Into<Prop>> From<Vec<T>> for Prop {
    fn from(items: Vec<T>) -> Self {
        Prop::List(items.into_iter().map(Into::into).collect())
    }
}
impl From<&SecurityGroup> for Prop {
    fn from(g: &SecurityGroup) -> Self {
        Prop::GroupId(g.into())
    }
}
impl From<&ExternalGroup> for Prop {
    fn from(g: &ExternalGroup) -> Self {
        Prop::GroupId(g.into())
    }
}
impl From<&GroupRef> for Prop {
    fn from(g: &GroupRef) -> Self {
        Prop::GroupId(g.clone())
    }
}
impl From<&GroupSet> for Prop {
    fn from(s: &GroupSet) -> Self {
        Prop::GroupIds(s.clone())
    }
}
impl From<&ParameterHandle> for Prop {
    fn from(p: &ParameterHandle) -> Self {
        Prop::Parameter(p.clone())
    }
}
impl From<&Subnet> for Prop {
    fn from(s: &Subnet) -> Self {
        Prop::SubnetId(s.clone())
    }
}
impl From<&Subnets> for Prop {
    fn from(s: &Subnets) -> Self {
        Prop::SubnetIds(s.clone())
    }
}
impl From<&Vpc> for Prop {
    fn from(v: &Vpc) -> Self {
        Prop::VpcId(v.clone())
    }
}
macro_rules! plain {
    ($($t:ty),*) => {$(
        impl From<$t> for Prop {
            fn from(v: $t) -> Self {
                Prop::Value(v.into())
            }
        }
    )*};
}
plain!(&str, String, &String, bool, i32, i64, u16, u32, u64);

/// Resource attributes of an escape-hatch resource besides its properties: what it
/// waits for, and how CloudFormation updates, creates and deletes it.
///
/// ```
/// use ringfence::{App, Attributes, Props};
/// use ringfence::cfn::{Policy, Value};
/// let app = App::new("fleet");
/// let mut s = app.stack("workers")?;
/// let queue = s.resource("jobs", "AWS::SQS::Queue", Props::new())?;
/// let rolling = Value::map().with("AutoScalingRollingUpdate",
///     Value::map().with("MinInstancesInService", 1).with("MaxBatchSize", 1));
/// s.resource_with("group", "AWS::AutoScaling::AutoScalingGroup",
///     Props::new().set("MinSize", "1").set("MaxSize", "2"),
///     Attributes::new().depends_on(&queue).update_policy(rolling))?;
/// # Ok::<(), ringfence::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attributes {
    pub(crate) depends_on: Vec<crate::ResourceHandle>,
    pub(crate) after_internet_gateway: Vec<crate::Vpc>,
    pub(crate) update_policy: Option<Value>,
    pub(crate) creation_policy: Option<Value>,
    pub(crate) deletion_policy: Option<Policy>,
    pub(crate) update_replace_policy: Option<Policy>,
}

impl Attributes {
    /// No attributes.
    pub fn new() -> Attributes {
        Attributes::default()
    }

    /// Waits for another escape-hatch resource of the same stack (`DependsOn`).
    #[must_use]
    pub fn depends_on(mut self, other: &crate::ResourceHandle) -> Attributes {
        self.depends_on.push(other.clone());
        self
    }

    /// Waits for the internet gateway of a VPC this stack creates to be attached — what
    /// AWS asks of an Elastic IP or a public instance in a VPC of the same template.
    #[must_use]
    pub fn after_internet_gateway(mut self, vpc: &crate::Vpc) -> Attributes {
        self.after_internet_gateway.push(vpc.clone());
        self
    }

    /// `UpdatePolicy`, e.g. a rolling update of an auto scaling group.
    #[must_use]
    pub fn update_policy(mut self, policy: Value) -> Attributes {
        self.update_policy = Some(policy);
        self
    }

    /// `CreationPolicy`, e.g. waiting for instance signals.
    #[must_use]
    pub fn creation_policy(mut self, policy: Value) -> Attributes {
        self.creation_policy = Some(policy);
        self
    }

    /// `DeletionPolicy`.
    #[must_use]
    pub fn deletion_policy(mut self, policy: Policy) -> Attributes {
        self.deletion_policy = Some(policy);
        self
    }

    /// `UpdateReplacePolicy`.
    #[must_use]
    pub fn update_replace_policy(mut self, policy: Policy) -> Attributes {
        self.update_replace_policy = Some(policy);
        self
    }
}
