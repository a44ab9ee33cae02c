//! # web_server
//!
//! A single public web server, done right. One stack owns a dual-stack VPC with public
//! subnets only (no private subnets, so no NAT gateway to pay for), flow logs, and two
//! role groups:
//!
//! - `web-<env>` admits HTTPS, and HTTP (for redirects to HTTPS and the challenges of
//!   an ACME certificate authority such as Let's Encrypt), from the whole Internet over
//!   IPv4 and IPv6, and SSH only from the `bastion` group: nothing else comes in. Its
//!   egress is HTTP and HTTPS to the Internet (package updates, certificate renewal and
//!   revocation checks), and nothing else.
//! - `bastion-<env>` admits SSH only from the administration range (198.51.100.0/24, a
//!   documentation range standing in for the office) and may only open SSH to the web
//!   server (and HTTPS, for its own security updates).
//!
//! The web server is an EC2 instance on the latest Amazon Linux 2023 image (read from
//! SSM at each deployment), with IMDSv2 required, an encrypted root volume and an
//! Elastic IP so its address survives a stop and start. It runs in the public subnet of
//! the first AZ, the bastion in that of the second. SSH is never open to the world:
//! operators hop through the bastion, which is itself reachable only from the
//! administration range.
//!
//! ```text
//! cargo run --example web_server -- --out cdk.out [--env production|staging] [--yaml]
//! ```

use std::process::ExitCode;

use ringfence::{
    App, Attributes, Error, FlowLogs, GroupSet, ParameterHandle, Peer, Port, Props, ResourceHandle, Stack,
    Subnet, SubnetGroup, VpcSpec,
};
use ringfence_examples::run;
use serde_json::json;

/// Where administrators connect from (a documentation range: replace with the office's).
pub const ADMIN_CIDR: &str = "198.51.100.0/24";

/// Boot script of the web server. The instance may boot before the subnet's default
/// route exists (nothing orders it after the route), so the package steps retry.
const WEB_USER_DATA: &str = "#!/bin/bash
until dnf upgrade -y; do sleep 10; done
until dnf install -y nginx; do sleep 10; done
systemctl enable --now nginx
";

/// Builds the app for one environment.
pub fn build(env: &str) -> Result<App, Error> {
    let app = App::new("site").environment(env);
    let mut stack = app.stack("web")?;
    stack.describe(&format!(
        "Public web server of the site ({env}): dual-stack VPC, web server and bastion"
    ))?;

    // Public subnets only: the web server and the bastion take their traffic straight
    // from the internet gateway, over IPv4 and IPv6.
    let vpc = stack.vpc(
        "main",
        VpcSpec::new("10.50.0.0/16")?
            .azs(2)
            .subnets(SubnetGroup::public("public", 24).map_public_ip_on_launch())
            .ipv6()
            .flow_logs(FlowLogs::cloudwatch(90)),
    )?;

    let web = stack.security_group(&vpc, "web", "Public web server of the site")?;
    let bastion = stack.security_group(&vpc, "bastion", "SSH bastion of the site administrators")?;

    stack.allow_ingress(&web, Peer::any_ipv4(), Port::HTTPS, "Visitors over HTTPS and IPv4")?;
    stack.allow_ingress(&web, Peer::any_ipv6(), Port::HTTPS, "Visitors over HTTPS and IPv6")?;
    stack.allow_ingress(
        &web,
        Peer::any_ipv4(),
        Port::HTTP,
        "Plain HTTP over IPv4: redirects to HTTPS and ACME certificate challenges",
    )?;
    stack.allow_ingress(
        &web,
        Peer::any_ipv6(),
        Port::HTTP,
        "Plain HTTP over IPv6: redirects to HTTPS and ACME certificate challenges",
    )?;
    stack.allow_ingress(
        &web,
        Peer::group(&bastion),
        Port::SSH,
        "Administrators, only through the bastion",
    )?;
    stack.allow_egress(
        &web,
        Peer::any_ipv4(),
        Port::HTTPS,
        "Package repositories and ACME certificate renewal over IPv4",
    )?;
    stack.allow_egress(
        &web,
        Peer::any_ipv6(),
        Port::HTTPS,
        "Package repositories and ACME certificate renewal over IPv6",
    )?;
    stack.allow_egress(
        &web,
        Peer::any_ipv4(),
        Port::HTTP,
        "Certificate revocation checks (OCSP, CRL) and plain HTTP package mirrors over IPv4",
    )?;
    stack.allow_egress(
        &web,
        Peer::any_ipv6(),
        Port::HTTP,
        "Certificate revocation checks (OCSP, CRL) and plain HTTP package mirrors over IPv6",
    )?;

    stack.allow_ingress(
        &bastion,
        Peer::ipv4(ADMIN_CIDR)?,
        Port::SSH,
        "Administrators from the office range",
    )?;
    stack.allow_egress(&bastion, Peer::group(&web), Port::SSH, "Administrators hop on to the web server")?;
    stack.allow_egress(&bastion, Peer::any_ipv4(), Port::HTTPS, "Security updates of the bastion itself")?;

    let image = stack.ssm_parameter(
        "image",
        "AWS::EC2::Image::Id",
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        "Latest Amazon Linux 2023 image, resolved at each deployment",
    )?;
    // The private key is kept by EC2 in SSM Parameter Store (/ec2/keypair/<key id>).
    let key = stack.resource(
        "admin-key",
        "AWS::EC2::KeyPair",
        Props::new().set("KeyName", format!("site-admin-{env}")).set("KeyType", "ed25519"),
    )?;

    let web_groups = stack.group_set("web-members", [&web])?;
    let server = instance(
        &mut stack,
        "web-server",
        Machine {
            name: format!("site-web-{env}"),
            image: &image,
            key: &key,
            subnet: vpc.subnet("public", 0)?,
            groups: &web_groups,
            size: "t3.small",
        },
        Some(WEB_USER_DATA),
    )?;
    // AWS asks that an Elastic IP in a VPC of the same template wait for the internet
    // gateway's attachment.
    stack.resource_with(
        "web-address",
        "AWS::EC2::EIP",
        Props::new().set("Domain", "vpc").set("InstanceId", server.reference()),
        Attributes::new().after_internet_gateway(&vpc),
    )?;

    let bastion_groups = stack.group_set("bastion-members", [&bastion])?;
    instance(
        &mut stack,
        "bastion-host",
        Machine {
            name: format!("site-bastion-{env}"),
            image: &image,
            key: &key,
            subnet: vpc.subnet("public", 1)?,
            groups: &bastion_groups,
            size: "t3.nano",
        },
        None,
    )?;
    Ok(app)
}

/// What an instance is made of.
struct Machine<'a> {
    /// Its `Name` tag.
    name: String,
    image: &'a ParameterHandle,
    key: &'a ResourceHandle,
    /// The public subnet (of one AZ) it runs in.
    subnet: Subnet,
    groups: &'a GroupSet,
    size: &'a str,
}

/// An EC2 instance with IMDSv2 required and an encrypted root volume.
fn instance(
    stack: &mut Stack,
    id: &str,
    m: Machine<'_>,
    user_data: Option<&str>,
) -> Result<ResourceHandle, Error> {
    let mut props = Props::new()
        .set("ImageId", m.image)
        .set("InstanceType", m.size)
        .set("KeyName", m.key.reference())
        .set("SubnetId", &m.subnet)
        .set("SecurityGroupIds", m.groups)
        .set("MetadataOptions", Props::new().set("HttpTokens", "required").set("HttpEndpoint", "enabled"))
        .set(
            "BlockDeviceMappings",
            vec![Props::new().set("DeviceName", "/dev/xvda").set(
                "Ebs",
                Props::new().set("VolumeType", "gp3").set("VolumeSize", 16).set("Encrypted", true),
            )],
        );
    if let Some(script) = user_data {
        props = props.set("UserData", json!({ "Fn::Base64": script }));
    }
    props = props.set("Tags", vec![Props::new().set("Key", "Name").set("Value", m.name)]);
    stack.resource(id, "AWS::EC2::Instance", props)
}

#[allow(dead_code)] // used when this file is compiled as the example binary
fn main() -> ExitCode {
    run(|args| build(&args.env))
}
