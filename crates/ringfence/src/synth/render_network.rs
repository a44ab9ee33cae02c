//! Renders a stack's VPCs, network ACLs and endpoints.
//!
//! Routing decisions, and why:
//! - an internet gateway (and its attachment) only when there are public subnets;
//! - public and isolated groups get one route table each (their routes are the same in
//!   every AZ); private groups get one per AZ, so each AZ goes out through its own NAT
//!   gateway where there is one (AZ n uses NAT n mod count);
//! - NAT gateways sit in the first public group, one per AZ up to the count asked for;
//! - with IPv6, each subnet takes the /64 numbered by its position among all subnets,
//!   public subnets route `::/0` to the internet gateway and private ones to an
//!   egress-only internet gateway; isolated subnets have no route out in either family.
//!
//! Network ACL entries, the subnet kind tag and the EC2 resource types are written with
//! the EC2 vocabulary (`ringfence_cfn::ec2`) the analyzer reads them with.

use ringfence_cfn::ec2::{self, NaclEntryParts};
use ringfence_cfn::{LogicalId, Output, Policy, Resource, Template, Value};

use super::ids;
use super::render::{name_tag, Ids};
use super::resolve::Resolver;
use crate::model::{EndpointKind, EndpointState, NaclState, StackState, VpcState};
use crate::network::spec::{FlowLogDestination, SubnetKind};
use crate::peer::PeerKind;
use ringfence_cfn::{ExportName, Pseudo};

/// The `Name` tag prefix of a VPC's objects: `{app}-{vpc}[-{env}]`.
pub(crate) fn vpc_tag(app: &str, env: Option<&str>, vpc: &str) -> String {
    match env {
        Some(env) => format!("{app}-{vpc}-{env}"),
        None => format!("{app}-{vpc}"),
    }
}

fn tags(name: &str, extra: &[(String, String)]) -> Value {
    let mut list = match name_tag(name) {
        Value::List(l) => l,
        other => vec![other],
    };
    for (k, v) in extra {
        list.push(Value::map().with("Key", k.as_str()).with("Value", v.as_str()));
    }
    Value::List(list)
}

pub(crate) fn render_vpc(vpc: &VpcState, tag: &str, path: &str, ids: &mut Ids<'_>, t: &mut Template) {
    let l = &vpc.layout;
    let v = &vpc.id;
    let vpc_id = ids.claim(ids::vpc(v), path.to_owned());
    let vpc_ref = Value::reference(&vpc_id);
    let part = |ids: &mut Ids<'_>, name: &str| ids.claim(ids::vpc_part(v, name), format!("{path}/{name}"));
    t.resources.insert(
        vpc_id.clone(),
        Resource::new(ec2::VPC)
            .property(ec2::CIDR_BLOCK_KEY, l.cidr.to_string())
            .property("EnableDnsHostnames", l.dns)
            .property("EnableDnsSupport", l.dns)
            .property("Tags", tags(tag, &l.tags)),
    );

    let ipv6_block = l.ipv6.then(|| {
        let id = part(ids, "Ipv6Block");
        t.resources.insert(
            id.clone(),
            Resource::new("AWS::EC2::VPCCidrBlock")
                .property("VpcId", vpc_ref.clone())
                .property("AmazonProvidedIpv6CidrBlock", true),
        );
        id
    });

    let igw = l.has(SubnetKind::Public).then(|| {
        let igw = part(ids, "InternetGateway");
        t.resources
            .insert(igw.clone(), Resource::new("AWS::EC2::InternetGateway").property("Tags", name_tag(tag)));
        let attach = part(ids, "GatewayAttachment");
        t.resources.insert(
            attach.clone(),
            Resource::new("AWS::EC2::VPCGatewayAttachment")
                .property("VpcId", vpc_ref.clone())
                .property("InternetGatewayId", Value::reference(&igw)),
        );
        (igw, attach)
    });

    let eigw = (l.ipv6 && l.has(SubnetKind::Private)).then(|| {
        let id = part(ids, "EgressOnlyGateway");
        t.resources.insert(
            id.clone(),
            Resource::new("AWS::EC2::EgressOnlyInternetGateway").property("VpcId", vpc_ref.clone()),
        );
        id
    });

    let subnet_count = l.groups.iter().filter(|g| g.kind.is_some()).count() * l.az_count;
    let az_value = |az: usize| match l.az_names.get(az) {
        Some(name) => Value::String(name.clone()),
        None => Value::select(az as u32, Value::azs()),
    };
    let nat_group = l.nat_group();

    for (gi, g) in l.groups.iter().enumerate() {
        let Some(kind) = g.kind else { continue };
        let gpath = format!("{path}/{}", g.name);
        // Subnets.
        for (az, cidr) in g.cidrs.iter().enumerate() {
            let mut res = Resource::new(ec2::SUBNET)
                .property("VpcId", vpc_ref.clone())
                .property(ec2::CIDR_BLOCK_KEY, cidr.to_string())
                .property("AvailabilityZone", az_value(az));
            if kind == SubnetKind::Public {
                res = res.property("MapPublicIpOnLaunch", g.map_public_ip);
            }
            if let Some(block) = &ipv6_block {
                let vpc_block = Value::select(0, Value::get_att(&vpc_id, "Ipv6CidrBlocks"));
                let ordinal = l.subnet_ordinal(gi, az) as u32;
                res = res
                    .property(
                        "Ipv6CidrBlock",
                        Value::select(ordinal, Value::cidr(vpc_block, subnet_count as u32, 64)),
                    )
                    .property("AssignIpv6AddressOnCreation", true);
                res.depends_on.push(block.clone());
            }
            let kind_tag = [(ec2::SUBNET_KIND_TAG.to_owned(), kind.name().to_owned())];
            res = res.property("Tags", tags(&format!("{tag}/{}-{}", g.name, az + 1), &kind_tag));
            let id = ids.claim(ids::subnet(v, &g.name, az), format!("{gpath}/{}", az + 1));
            t.resources.insert(id, res);
        }
        // Route tables, routes and associations.
        let per_az = kind == SubnetKind::Private;
        let tables: Vec<Option<usize>> =
            if per_az { (0..l.az_count).map(Some).collect() } else { vec![None] };
        for az in tables {
            let rt = ids.claim(ids::route_table(v, &g.name, az), format!("{gpath}/route-table"));
            let rt_tag = match az {
                Some(az) => format!("{tag}/{}-{}", g.name, az + 1),
                None => format!("{tag}/{}", g.name),
            };
            t.resources.insert(
                rt.clone(),
                Resource::new("AWS::EC2::RouteTable")
                    .property("VpcId", vpc_ref.clone())
                    .property("Tags", name_tag(&rt_tag)),
            );
            let mut route = |ids: &mut Ids<'_>,
                             kind: &str,
                             dest_key: &str,
                             dest: &str,
                             target_key: &str,
                             target: Value,
                             after: Option<&LogicalId>| {
                let id = ids.claim(ids::route(v, &g.name, az, kind), format!("{gpath}/{kind}"));
                let mut res = Resource::new("AWS::EC2::Route")
                    .property("RouteTableId", Value::reference(&rt))
                    .property(dest_key, dest)
                    .property(target_key, target);
                if let Some(after) = after {
                    res.depends_on.push(after.clone());
                }
                t.resources.insert(id, res);
            };
            match kind {
                SubnetKind::Public => {
                    if let Some((igw, attach)) = &igw {
                        route(
                            ids,
                            "DefaultRoute",
                            "DestinationCidrBlock",
                            "0.0.0.0/0",
                            "GatewayId",
                            Value::reference(igw),
                            Some(attach),
                        );
                        if l.ipv6 {
                            route(
                                ids,
                                "DefaultRouteIpv6",
                                "DestinationIpv6CidrBlock",
                                "::/0",
                                "GatewayId",
                                Value::reference(igw),
                                Some(attach),
                            );
                        }
                    }
                }
                SubnetKind::Private => {
                    let az = az.unwrap_or(0);
                    if l.nat_gateways > 0 {
                        let nat = ids::nat(v, "NatGateway", az % l.nat_gateways);
                        route(
                            ids,
                            "DefaultRoute",
                            "DestinationCidrBlock",
                            "0.0.0.0/0",
                            "NatGatewayId",
                            Value::reference(&nat),
                            None,
                        );
                    }
                    if let Some(eigw) = &eigw {
                        route(
                            ids,
                            "DefaultRouteIpv6",
                            "DestinationIpv6CidrBlock",
                            "::/0",
                            "EgressOnlyInternetGatewayId",
                            Value::reference(eigw),
                            None,
                        );
                    }
                }
                SubnetKind::Isolated => {}
            }
            let azs: Vec<usize> = match az {
                Some(az) => vec![az],
                None => (0..l.az_count).collect(),
            };
            for az in azs {
                let id = ids.claim(
                    ids::route_table_association(v, &g.name, az),
                    format!("{gpath}/{}/association", az + 1),
                );
                t.resources.insert(
                    id,
                    Resource::new("AWS::EC2::SubnetRouteTableAssociation")
                        .property("RouteTableId", Value::reference(&rt))
                        .property("SubnetId", Value::reference(&ids::subnet(v, &g.name, az))),
                );
            }
        }
        // NAT gateways, in the first public group.
        if Some(gi) == nat_group {
            for az in 0..l.nat_gateways {
                let eip = ids.claim(ids::nat(v, "NatEip", az), format!("{path}/nat-{}/eip", az + 1));
                let mut res = Resource::new("AWS::EC2::EIP")
                    .property("Domain", "vpc")
                    .property("Tags", name_tag(&format!("{tag}/nat-{}", az + 1)));
                if let Some((_, attach)) = &igw {
                    res.depends_on.push(attach.clone());
                }
                t.resources.insert(eip.clone(), res);
                let nat = ids.claim(ids::nat(v, "NatGateway", az), format!("{path}/nat-{}", az + 1));
                t.resources.insert(
                    nat,
                    Resource::new("AWS::EC2::NatGateway")
                        .property("AllocationId", Value::get_att(&eip, "AllocationId"))
                        .property("SubnetId", Value::reference(&ids::subnet(v, &g.name, az)))
                        .property("Tags", name_tag(&format!("{tag}/nat-{}", az + 1))),
                );
            }
        }
    }

    // Flow logs.
    if let Some(flow) = &l.flow_logs {
        let log = part(ids, "FlowLog");
        let mut res = Resource::new("AWS::EC2::FlowLog")
            .property("ResourceId", vpc_ref.clone())
            .property("ResourceType", "VPC")
            .property("TrafficType", flow.traffic.cfn());
        match flow.destination {
            FlowLogDestination::CloudWatch { retention_days } => {
                let group = part(ids, "FlowLogGroup");
                t.resources.insert(
                    group.clone(),
                    Resource::new("AWS::Logs::LogGroup").property("RetentionInDays", retention_days),
                );
                let role = part(ids, "FlowLogRole");
                let trust = Value::map().with("Version", "2012-10-17").with(
                    "Statement",
                    vec![Value::map()
                        .with("Effect", "Allow")
                        .with("Principal", Value::map().with("Service", "vpc-flow-logs.amazonaws.com"))
                        .with("Action", "sts:AssumeRole")],
                );
                let policy = Value::map().with("Version", "2012-10-17").with(
                    "Statement",
                    vec![Value::map()
                        .with("Effect", "Allow")
                        .with(
                            "Action",
                            vec![
                                "logs:CreateLogStream",
                                "logs:PutLogEvents",
                                "logs:DescribeLogGroups",
                                "logs:DescribeLogStreams",
                            ],
                        )
                        .with("Resource", Value::get_att(&group, "Arn"))],
                );
                t.resources.insert(
                    role.clone(),
                    Resource::new("AWS::IAM::Role").property("AssumeRolePolicyDocument", trust).property(
                        "Policies",
                        vec![Value::map()
                            .with("PolicyName", "write-flow-logs")
                            .with("PolicyDocument", policy)],
                    ),
                );
                res = res
                    .property("LogDestinationType", "cloud-watch-logs")
                    .property("LogGroupName", Value::reference(&group))
                    .property("DeliverLogsPermissionArn", Value::get_att(&role, "Arn"));
            }
            FlowLogDestination::S3 => {
                let bucket = part(ids, "FlowLogBucket");
                let sse = Value::map().with(
                    "ServerSideEncryptionConfiguration",
                    vec![Value::map()
                        .with("ServerSideEncryptionByDefault", Value::map().with("SSEAlgorithm", "AES256"))],
                );
                let block = Value::map()
                    .with("BlockPublicAcls", true)
                    .with("BlockPublicPolicy", true)
                    .with("IgnorePublicAcls", true)
                    .with("RestrictPublicBuckets", true);
                let mut b = Resource::new("AWS::S3::Bucket")
                    .property("BucketEncryption", sse)
                    .property("PublicAccessBlockConfiguration", block)
                    .property(
                        "OwnershipControls",
                        Value::map()
                            .with("Rules", vec![Value::map().with("ObjectOwnership", "BucketOwnerEnforced")]),
                    );
                b.deletion_policy = Some(Policy::Retain);
                b.update_replace_policy = Some(Policy::Retain);
                t.resources.insert(bucket.clone(), b);
                res = res
                    .property("LogDestinationType", "s3")
                    .property("LogDestination", Value::get_att(&bucket, "Arn"));
            }
        }
        res = res.property("Tags", name_tag(tag));
        t.resources.insert(log, res);
    }
}

/// Outputs of a shared VPC: its id, then every subnet's id.
pub(crate) fn vpc_outputs(
    stack: &StackState,
    index: usize,
    ids: &mut Ids<'_>,
) -> Vec<(LogicalId, Output, ExportName)> {
    let vpc = &stack.vpcs[index];
    let l = &vpc.layout;
    let mut out = Vec::new();
    for (gi, g) in l.groups.iter().enumerate() {
        let Some(kind) = g.kind else { continue };
        for az in 0..l.az_count {
            let name: ExportName = ids::subnet_export_name(stack, index, gi, az);
            let mut o = Output::new(Value::reference(&ids::subnet(&vpc.id, &g.name, az)));
            o.description = Some(format!(
                "Id of {} subnet {}-{} of VPC {}, shared with the other stacks of the app",
                kind.name(),
                g.name,
                az + 1,
                vpc.id
            ));
            o = o.exported_as(&name);
            let id = ids
                .claim(ids::subnet_output(&vpc.id, &g.name, az), format!("{}/{} (export)", stack.id, name));
            out.push((id, o, name));
        }
    }
    out
}

pub(crate) fn render_nacl(
    stack: &StackState,
    nacl: &NaclState,
    tag: &str,
    path: &str,
    ids: &mut Ids<'_>,
    t: &mut Template,
) {
    let vpc = &stack.vpcs[nacl.vpc];
    let acl = ids.claim(ids::nacl(&nacl.id), path.to_owned());
    t.resources.insert(
        acl.clone(),
        Resource::new(ec2::NETWORK_ACL)
            .property("VpcId", Value::reference(&ids::vpc(&vpc.id)))
            .property("Tags", name_tag(&format!("{tag}/{}", nacl.id))),
    );
    for e in &nacl.entries {
        let cidr = match &e.peer.kind {
            PeerKind::Ipv4(n) => n.to_string(),
            PeerKind::Ipv6(n) => n.to_string(),
            _ => continue, // refused when the entry was added
        };
        let mut res = Resource::new(ec2::NETWORK_ACL_ENTRY);
        res.properties = ec2::nacl_entry_properties(NaclEntryParts {
            network_acl: Value::reference(&acl),
            number: e.number,
            direction: e.direction(),
            allow: e.allow,
            ports: e.port.range(),
            cidr,
        });
        res.metadata.insert("Description", e.description.as_str());
        let label = format!("{path} {} rule {}", e.direction().word(), e.number);
        t.resources.insert(ids.claim(ids::nacl_entry(&nacl.id, e.egress, e.number), label), res);
    }
    for &g in &nacl.associations {
        let group = &vpc.layout.groups[g].name;
        for az in 0..vpc.layout.az_count {
            let id = ids.claim(
                ids::nacl_association(&nacl.id, &vpc.id, group, az),
                format!("{path}/{group}-{}", az + 1),
            );
            t.resources.insert(
                id,
                Resource::new("AWS::EC2::SubnetNetworkAclAssociation")
                    .property("SubnetId", Value::reference(&ids::subnet(&vpc.id, group, az)))
                    .property(ec2::entry_keys::NETWORK_ACL_ID, Value::reference(&acl)),
            );
        }
    }
}

pub(crate) fn render_endpoint(
    stack: &StackState,
    ep: &EndpointState,
    path: &str,
    r: &mut Resolver<'_>,
    ids: &mut Ids<'_>,
    t: &mut Template,
) {
    let id = ids.claim(ids::endpoint(&ep.id), path.to_owned());
    let region_service =
        |service: &str| Value::sub(format!("com.amazonaws.${{{}}}.{service}", Pseudo::Region.name()));
    let res = match &ep.kind {
        EndpointKind::Gateway { service, groups } => {
            let Some(layout) = ep.vpc.layout() else { return };
            let vpc_id = r.vpc_id(&ep.vpc);
            let vpc_name = crate::handles::construct_id(ep.vpc.path());
            let mut tables = Vec::new();
            for &g in groups {
                let group = &layout.groups[g];
                match group.kind {
                    Some(SubnetKind::Private) => tables.extend(
                        (0..layout.az_count)
                            .map(|az| Value::reference(&ids::route_table(vpc_name, &group.name, Some(az)))),
                    ),
                    Some(_) => tables.push(Value::reference(&ids::route_table(vpc_name, &group.name, None))),
                    None => {}
                }
            }
            Resource::new("AWS::EC2::VPCEndpoint")
                .property("VpcId", vpc_id)
                .property("ServiceName", region_service(service.name()))
                .property("VpcEndpointType", "Gateway")
                .property("RouteTableIds", Value::List(tables))
        }
        EndpointKind::Interface { service, subnets, group } => {
            let sg = ids::group(&stack.groups[*group].id);
            Resource::new("AWS::EC2::VPCEndpoint")
                .property("VpcId", r.vpc_id(&ep.vpc))
                .property("ServiceName", region_service(service))
                .property("VpcEndpointType", "Interface")
                .property("PrivateDnsEnabled", true)
                .property("SubnetIds", r.subnet_ids(subnets))
                .property("SecurityGroupIds", vec![Value::get_att(&sg, ec2::group_keys::ID_ATTRIBUTE)])
        }
    };
    t.resources.insert(id, res);
}
