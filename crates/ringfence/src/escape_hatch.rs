//! The escape hatch's ring fence: which resources it refuses, and which network objects
//! an accepted resource may change.
//!
//! Two rules, one per question:
//!
//! - **Types the typed API expresses** ([`GUARDED_TYPES`]): security groups and their
//!   rules, VPCs, subnets, route tables, routes, NACLs and their entries, associations,
//!   endpoints. The typed call checks ownership and more, so the escape hatch refuses
//!   them and names the call.
//! - **Every other type**: a property that names a network object as the thing the
//!   resource changes or attaches to (a `VPCCidrBlock`'s `VpcId`, a
//!   `VPCGatewayAttachment`'s `VpcId`, a `TransitGatewayRoute`'s route table, a
//!   `SecurityGroupVpcAssociation`'s `GroupId`) must hold a typed handle of an object
//!   this stack creates. Which properties those are is the table generated from
//!   CloudFormation's resource schemas ([`ringfence_cfn::schema::network_targets`]),
//!   so a new AWS resource type is covered by regenerating it, not by editing a list.
//!   A literal id, a parameter or an import names an object no stack of the app owns
//!   here, so it is refused too: the stack could not own what it changes.

use ringfence_cfn::ec2;
use ringfence_cfn::schema::{network_targets, NetworkObject, Target};

use crate::handles::{ExternalSource, Key};
use crate::model::AppState;
use crate::network::handles::VpcTarget;
use crate::{Error, GroupRef, Prop, Props};

/// Resource types the escape hatch refuses, with the typed call to use instead.
pub(crate) const GUARDED_TYPES: &[(&str, &str)] = &[
    (ec2::SECURITY_GROUP, "use Stack::security_group"),
    (ec2::SECURITY_GROUP_INGRESS, "use Stack::allow_ingress on a group this stack creates"),
    (ec2::SECURITY_GROUP_EGRESS, "use Stack::allow_egress on a group this stack creates"),
    (ec2::VPC, "use Stack::vpc"),
    (ec2::SUBNET, "describe subnets with VpcSpec::subnets"),
    ("AWS::EC2::RouteTable", "VpcSpec's subnet kinds decide the route tables"),
    ("AWS::EC2::Route", "VpcSpec's subnet kinds decide the routes"),
    ("AWS::EC2::SubnetRouteTableAssociation", "VpcSpec's subnet kinds decide the route tables"),
    (ec2::NETWORK_ACL, "use Stack::network_acl"),
    (ec2::NETWORK_ACL_ENTRY, "use Stack::nacl_entry on a network ACL this stack creates"),
    (
        "AWS::EC2::SubnetNetworkAclAssociation",
        "use Stack::associate_nacl with subnets of a VPC this stack creates",
    ),
    ("AWS::EC2::VPCEndpoint", "use Stack::gateway_endpoint or Stack::interface_endpoint"),
];

/// The typed call that replaces `resource_type`, if the escape hatch refuses it.
pub(crate) fn guarded(resource_type: &str) -> Option<&'static str> {
    GUARDED_TYPES.iter().find(|(t, _)| *t == resource_type).map(|&(_, hint)| hint)
}

/// Who owns an object named in a property.
enum Owner {
    /// A construct of this app, in stack `key.stack`: its path, and the kind of network
    /// object a typed handle names (`None` for an escape-hatch resource).
    Construct(Key, String, Option<NetworkObject>),
    /// Nothing the app can own: a literal, a parameter, an import, an external handle.
    Outside { what: String, why: &'static str },
}

/// Refuses a resource of `stack` (index `me` of `app`) whose target properties name an
/// object `me` does not create.
pub(crate) fn check_targets(
    app: &AppState,
    me: usize,
    construct: &str,
    resource_type: &str,
    props: &Props,
) -> Result<(), Error> {
    let mut wrong_kind = None;
    for target in network_targets(resource_type) {
        let Some(value) = props.iter().find_map(|(k, v)| (k == target.property).then_some(v)) else {
            continue;
        };
        let mut owners = Vec::new();
        owners_of(app, value, &mut owners);
        for owner in owners {
            let (object, hint) = match owner {
                Owner::Construct(key, path, kind) if key.app == app.serial && key.stack == me => {
                    // Ownership first: a wrong kind is reported only when nothing is foreign.
                    if let (None, Err(e)) = (&wrong_kind, check_kind(construct, target, &path, kind)) {
                        wrong_kind = Some(e);
                    }
                    continue;
                }
                Owner::Construct(key, path, _) if key.app == app.serial => {
                    let owner = app.stacks[key.stack].name.to_string();
                    let hint = format!(
                        "it belongs to stack `{owner}`; declare this resource in that stack (and share what it creates if this stack needs it)"
                    );
                    (path, hint)
                }
                Owner::Construct(_, path, _) => {
                    return Err(Error::ForeignApp { stack: stack_name(app, me), object: path })
                }
                Owner::Outside { what, why } => (
                    what,
                    format!("it {why}; pass a handle of a {} this stack creates", target.object.noun()),
                ),
            };
            return Err(foreign(construct, resource_type, target, object, hint));
        }
    }
    wrong_kind.map_or(Ok(()), Err)
}

/// An object of the stack's own in a target property must be of the kind it takes. An
/// escape-hatch resource can stand for a gateway or a gateway route table, never for an
/// object the typed API makes (VPC, subnet, route table, NACL, group, endpoint).
fn check_kind(
    construct: &str,
    target: &Target,
    path: &str,
    kind: Option<NetworkObject>,
) -> Result<(), Error> {
    let typed = matches!(
        target.object,
        NetworkObject::Vpc
            | NetworkObject::Subnet
            | NetworkObject::RouteTable
            | NetworkObject::NetworkAcl
            | NetworkObject::SecurityGroup
            | NetworkObject::VpcEndpoint
    );
    let ok = match kind {
        Some(k) => k == target.object,
        None => !typed,
    };
    if ok {
        return Ok(());
    }
    let given = kind.map_or("an escape-hatch resource", NetworkObject::noun);
    Err(Error::InvalidValue {
        construct: construct.to_owned(),
        what: format!("a {}", target.object.noun()), // every noun starts with a consonant sound
        value: path.to_owned(),
        hint: format!(
            "`{}` takes a {}, and `{path}` is {}{given}; the escape hatch cannot target a {} the typed API does not hand out",
            target.property,
            target.object.noun(),
            if kind.is_some() { "a " } else { "" },
            target.object.noun()
        ),
    })
}

fn stack_name(app: &AppState, me: usize) -> String {
    app.stacks[me].name.to_string()
}

fn foreign(construct: &str, resource_type: &str, target: &Target, object: String, hint: String) -> Error {
    Error::ForeignNetworkTarget {
        construct: construct.to_owned(),
        resource_type: resource_type.to_owned(),
        property: target.property,
        object,
        hint,
    }
}

/// Every object `value` names, with its owner.
fn owners_of(app: &AppState, value: &Prop, out: &mut Vec<Owner>) {
    let vpc_owner = |vpc: &crate::Vpc, path: String, kind: NetworkObject| match &vpc.target {
        VpcTarget::Owned { key, .. } => Owner::Construct(*key, path, Some(kind)),
        VpcTarget::External(id) => {
            Owner::Outside { what: id.to_string(), why: "is outside the app (Vpc::from_id)" }
        }
    };
    let group_owner = |g: &GroupRef| match g {
        GroupRef::Owned(g) => {
            Owner::Construct(g.key, g.path().to_owned(), Some(NetworkObject::SecurityGroup))
        }
        GroupRef::External(e) => Owner::Outside {
            what: e.path().to_owned(),
            why: match e.source {
                ExternalSource::Id(_) => "is outside the app (ExternalGroup::from_id)",
                ExternalSource::Parameter { .. } => "is given at deploy time, so no stack of the app owns it",
            },
        },
    };
    match value {
        Prop::List(items) => items.iter().for_each(|i| owners_of(app, i, out)),
        Prop::VpcId(vpc) => out.push(vpc_owner(vpc, vpc.path().to_owned(), NetworkObject::Vpc)),
        Prop::SubnetIds(s) => out.push(vpc_owner(&s.vpc, s.describe(), NetworkObject::Subnet)),
        Prop::SubnetId(s) => {
            out.push(vpc_owner(&s.vpc, format!("a subnet of {}", s.vpc.path()), NetworkObject::Subnet))
        }
        Prop::GroupId(g) => out.push(group_owner(g)),
        Prop::GroupIds(set) => {
            let members = app
                .stacks
                .get(set.key.stack)
                .and_then(|s| s.sets.get(set.key.index))
                .filter(|_| set.key.app == app.serial);
            match members {
                Some(m) => out.extend(m.groups.iter().map(group_owner)),
                None => out.push(Owner::Construct(
                    set.key,
                    set.path().to_owned(),
                    Some(NetworkObject::SecurityGroup),
                )),
            }
        }
        Prop::Reference(h) | Prop::Attribute(h, _) => {
            out.push(Owner::Construct(h.key, h.path().to_owned(), None))
        }
        Prop::Parameter(p) => out.push(Owner::Outside {
            what: p.path().to_owned(),
            why: "is a parameter given at deploy time, so no stack of the app owns it",
        }),
        Prop::Value(v) => out.push(Owner::Outside {
            what: serde_json::to_string(&v.to_json()).unwrap_or_default(),
            why: "is a literal or an intrinsic the app cannot trace to a stack that creates it",
        }),
        Prop::Map(_) => out.push(Owner::Outside {
            what: "a map".into(),
            why: "is not the id of an object this stack creates",
        }),
    }
}
