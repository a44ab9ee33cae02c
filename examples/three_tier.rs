//! # three_tier
//!
//! A classic three-tier web shop: an internet-facing load balancer, an app tier of EC2
//! instances in an Auto Scaling group, and a PostgreSQL database, each tier reachable
//! only from the one in front of it. It is split into three stacks so that each tier can
//! be deployed, rolled back or deleted without touching the traffic of another:
//!
//! - `network` owns the VPC (2 AZs: public /24 subnets for the load balancer and the NAT
//!   gateways, private /20 `app` subnets that go out through NAT, isolated /24 `data`
//!   subnets with no route out), an S3 gateway endpoint on the app subnets, flow logs,
//!   a network ACL on the data subnets that admits only the app subnets on the database
//!   port, and the three role groups with every rule between them: `lb-web-<env>`
//!   (admits the Internet on HTTPS and HTTP), `app-<env>` (admits `lb-web` on 8080) and
//!   `db-<env>` (admits `app` on 5432). It shares the VPC and the groups.
//! - `data` holds the database (a subnet group in the data subnets, an RDS instance in
//!   the `db` group, its master password managed by RDS in Secrets Manager). Deleting
//!   the stack, or a change that replaces the instance, snapshots the database first
//!   (`DeletionPolicy` and `UpdateReplacePolicy` are `Snapshot`).
//! - `web` holds the load balancer (in the public subnets, in the `lb-web` group), its
//!   listeners and target group, and the app tier (a launch template in the `app` group
//!   and an Auto Scaling group in the app subnets, reachable through Session Manager,
//!   so no SSH anywhere). The HTTPS certificate's ARN is a parameter of the stack, given
//!   by the operator at deploy time. The app tier's image is the latest Amazon Linux
//!   2023, read at each deployment; a deployment that brings a new image replaces the
//!   instances in a rolling update, one at a time, with never fewer than the group's
//!   minimum in service.
//!
//! The two service stacks only import what the network stack shares: neither adds a
//! rule to a group or changes a route, so redeploying the app tier cannot change who
//! reaches the database. Egress is as narrow as the ingress: the load balancer may only
//! reach the app tier, the app tier only the database and HTTPS, the database nothing.
//!
//! ```text
//! cargo run --example three_tier -- --out cdk.out [--env production|staging] [--yaml]
//! cdk deploy --app cdk.out --all --parameters store-web-production:CertificateArn=arn:aws:acm:...
//! ```

use std::process::ExitCode;

use ringfence::cfn::{Policy, Value};
use ringfence::{
    App, Attributes, Error, FlowLogs, GatewayService, NaclRule, Peer, Port, Props, SecurityGroup, Stack,
    SubnetGroup, SubnetKind, Subnets, Vpc, VpcSpec,
};
use ringfence_examples::run;
use serde_json::json;

/// The port the app tier listens on, behind the load balancer.
pub const APP_PORT: Port = Port::tcp(8080);

/// Fewest app tier instances, also the fewest in service during a rolling update.
pub const APP_MIN: u32 = 2;

/// Most app tier instances.
pub const APP_MAX: u32 = 6;

/// What the network stack shares with the service stacks.
struct Network {
    vpc: Vpc,
    public: Subnets,
    app_subnets: Subnets,
    data_subnets: Subnets,
    lb: SecurityGroup,
    app: SecurityGroup,
    db: SecurityGroup,
}

/// Builds the app for one environment.
pub fn build(env: &str) -> Result<App, Error> {
    let app = App::new("store").environment(env);
    let mut network = app.stack("network")?;
    network.describe(&format!(
        "Network of the three-tier store ({env}): VPC, data-tier network ACL and the role groups of every tier"
    ))?;
    let net = network_stack(&mut network)?;

    let mut data = app.stack("data")?;
    data.describe(&format!("Database tier of the three-tier store ({env}): PostgreSQL on RDS"))?;
    data_stack(&mut data, &net, env)?;

    let mut web = app.stack("web")?;
    web.describe(&format!(
        "Web and app tiers of the three-tier store ({env}): load balancer and app instances"
    ))?;
    web_stack(&mut web, &net, env)?;
    Ok(app)
}

fn network_stack(stack: &mut Stack) -> Result<Network, Error> {
    // The load balancer and the NAT gateways (one per AZ, the default) are the only
    // things in public subnets; the app tier goes out through NAT; the database has no
    // route out of the VPC at all.
    let vpc = stack.vpc(
        "main",
        VpcSpec::new("10.40.0.0/16")?
            .azs(2)
            .subnets(SubnetGroup::public("public", 24))
            .subnets(SubnetGroup::private("app", 20))
            .subnets(SubnetGroup::isolated("data", 24))
            .flow_logs(FlowLogs::cloudwatch(90)),
    )?;
    let public = vpc.subnets(SubnetKind::Public)?;
    let app_subnets = vpc.subnet_group("app")?;
    let data_subnets = vpc.subnet_group("data")?;
    // Packages and artifacts the app tier fetches from S3 stay off the NAT gateways.
    stack.gateway_endpoint("s3", GatewayService::S3, &app_subnets)?;

    // Defence in depth below the groups: the data subnets take only PostgreSQL from the
    // app subnets (and send only the replies back), whatever a group may say.
    let data_acl = stack.network_acl(&vpc, "data-acl")?;
    stack.associate_nacl(&data_acl, &data_subnets)?;
    let mut number = 100;
    for peer in app_subnets.peers() {
        stack.nacl_allow_with_return(
            &data_acl,
            NaclRule::allow_in(number, peer, Port::POSTGRES, "App tier subnets to PostgreSQL"),
        )?;
        number += 10;
    }

    let lb = stack.security_group(&vpc, "lb-web", "Internet-facing load balancer of the store web site")?;
    let app =
        stack.security_group(&vpc, "app", "App tier instances of the store, behind the load balancer")?;
    let db =
        stack.security_group(&vpc, "db", "PostgreSQL database of the store, reached only by the app tier")?;

    stack.allow_ingress(&lb, Peer::any_ipv4(), Port::HTTPS, "Shoppers over HTTPS")?;
    stack.allow_ingress(&lb, Peer::any_ipv4(), Port::HTTP, "Plain HTTP, only redirected to HTTPS")?;
    stack.allow_egress(
        &lb,
        Peer::group(&app),
        APP_PORT,
        "Forward requests and health checks to the app tier",
    )?;

    stack.allow_ingress(
        &app,
        Peer::group(&lb),
        APP_PORT,
        "Requests and health checks from the load balancer",
    )?;
    stack.allow_egress(&app, Peer::group(&db), Port::POSTGRES, "Orders and catalogue in PostgreSQL")?;
    stack.allow_egress(
        &app,
        Peer::any_ipv4(),
        Port::HTTPS,
        "Through NAT or the S3 endpoint: package repositories, Secrets Manager for the database password, Systems Manager",
    )?;

    // The database answers the app tier and starts no connection of its own: no egress.
    stack.allow_ingress(
        &db,
        Peer::group(&app),
        Port::POSTGRES,
        "App tier reads and writes the store data",
    )?;

    stack.share(&vpc)?;
    for group in [&lb, &app, &db] {
        stack.share(group)?;
    }
    Ok(Network { vpc, public, app_subnets, data_subnets, lb, app, db })
}

fn data_stack(stack: &mut Stack, net: &Network, env: &str) -> Result<(), Error> {
    let production = env == "production";
    let members = stack.group_set("db-members", [&net.db])?;
    let subnet_group = stack.resource(
        "db-subnets",
        "AWS::RDS::DBSubnetGroup",
        Props::new()
            .set("DBSubnetGroupDescription", format!("Isolated data subnets of the store ({env})"))
            .set("SubnetIds", &net.data_subnets),
    )?;
    // Whatever happens to the stack, the data survives: deleting the stack, or a change
    // that replaces the instance, takes a final snapshot first. (Deletion protection,
    // in production, refuses the deletion outright.)
    stack.resource_with(
        "database",
        "AWS::RDS::DBInstance",
        Props::new()
            .set("DBInstanceIdentifier", format!("store-{env}"))
            .set("Engine", "postgres")
            // A current minor version: cfn-lint (rightly) flags versions RDS no longer
            // creates, and RDS applies later minor versions in the maintenance window.
            .set("EngineVersion", "17.6")
            .set("AutoMinorVersionUpgrade", true)
            .set("DBInstanceClass", "db.t4g.medium")
            .set("AllocatedStorage", "20")
            .set("StorageType", "gp3")
            .set("StorageEncrypted", true)
            .set("MasterUsername", "store_admin")
            .set("ManageMasterUserPassword", true)
            .set("DBSubnetGroupName", subnet_group.reference())
            .set("VPCSecurityGroups", &members)
            .set("PubliclyAccessible", false)
            .set("MultiAZ", production)
            .set("BackupRetentionPeriod", if production { 14 } else { 1 })
            .set("DeletionProtection", production)
            .set("CopyTagsToSnapshot", true),
        Attributes::new().deletion_policy(Policy::Snapshot).update_replace_policy(Policy::Snapshot),
    )?;
    Ok(())
}

fn web_stack(stack: &mut Stack, net: &Network, env: &str) -> Result<(), Error> {
    // The load balancer: HTTPS with a certificate whose ARN the operator gives at deploy
    // time (no default: a forgotten certificate fails the deployment, not the shoppers),
    // and plain HTTP that only redirects to HTTPS.
    let certificate = stack.string_parameter(
        "certificate-arn",
        "ARN of the ACM certificate of the store web site",
        None,
    )?;
    let lb_groups = stack.group_set("lb-members", [&net.lb])?;
    let lb = stack.resource(
        "load-balancer",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        Props::new()
            .set("Type", "application")
            .set("Scheme", "internet-facing")
            .set("IpAddressType", "ipv4")
            .set("Subnets", &net.public)
            .set("SecurityGroups", &lb_groups)
            .set(
                "LoadBalancerAttributes",
                vec![Props::new()
                    .set("Key", "routing.http.drop_invalid_header_fields.enabled")
                    .set("Value", "true")],
            ),
    )?;
    let targets = stack.resource(
        "app-targets",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        Props::new()
            .set("VpcId", &net.vpc)
            .set("TargetType", "instance")
            .set("Protocol", "HTTP")
            .set("Port", 8080)
            .set("HealthCheckPath", "/health")
            .set("HealthCheckPort", "traffic-port"),
    )?;
    let https = stack.resource(
        "https-listener",
        "AWS::ElasticLoadBalancingV2::Listener",
        Props::new()
            .set("LoadBalancerArn", lb.reference())
            .set("Protocol", "HTTPS")
            .set("Port", 443)
            .set("SslPolicy", "ELBSecurityPolicy-TLS13-1-2-2021-06")
            .set("Certificates", vec![Props::new().set("CertificateArn", &certificate)])
            .set(
                "DefaultActions",
                vec![Props::new().set("Type", "forward").set("TargetGroupArn", targets.reference())],
            ),
    )?;
    stack.resource(
        "http-listener",
        "AWS::ElasticLoadBalancingV2::Listener",
        Props::new().set("LoadBalancerArn", lb.reference()).set("Protocol", "HTTP").set("Port", 80).set(
            "DefaultActions",
            vec![Props::new().set("Type", "redirect").set(
                "RedirectConfig",
                Props::new().set("Protocol", "HTTPS").set("Port", "443").set("StatusCode", "HTTP_301"),
            )],
        ),
    )?;

    // The app tier: operators reach instances through Session Manager, never SSH.
    let image = stack.ssm_parameter(
        "image",
        "AWS::EC2::Image::Id",
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        "Latest Amazon Linux 2023 image, resolved at each deployment for the instances launched after it",
    )?;
    let role = stack.resource(
        "app-role",
        "AWS::IAM::Role",
        Props::new()
            .set(
                "AssumeRolePolicyDocument",
                json!({
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole"
                    }]
                }),
            )
            .set(
                "ManagedPolicyArns",
                vec![
                    json!({"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"}),
                ],
            ),
    )?;
    let profile = stack.resource(
        "app-instance-profile",
        "AWS::IAM::InstanceProfile",
        Props::new().set("Roles", vec![role.reference()]),
    )?;
    let app_groups = stack.group_set("app-members", [&net.app])?;
    let template = stack.resource(
        "app-launch-template",
        "AWS::EC2::LaunchTemplate",
        Props::new().set("LaunchTemplateName", format!("store-app-{env}")).set(
            "LaunchTemplateData",
            Props::new()
                .set("ImageId", &image)
                .set("InstanceType", "t3.small")
                .set("IamInstanceProfile", Props::new().set("Arn", profile.attr("Arn")))
                .set("SecurityGroupIds", &app_groups)
                .set(
                    "MetadataOptions",
                    Props::new().set("HttpTokens", "required").set("HttpEndpoint", "enabled"),
                ),
        ),
    )?;
    // A deployment that changes the launch template (a new image, most often) replaces
    // the instances one at a time, launching the new one before an old one goes, so
    // never fewer than APP_MIN serve. The instances send no signal, so CloudFormation
    // cannot tell a healthy instance from a broken one: each batch pauses five minutes,
    // time to boot and pass the load balancer's health checks (5 checks, 30 s apart),
    // before the next old instance goes. The group is created after the HTTPS listener,
    // so its instances register in a target group the load balancer already forwards to.
    let rolling = Value::map().with(
        "AutoScalingRollingUpdate",
        Value::map().with("MinInstancesInService", APP_MIN).with("MaxBatchSize", 1).with("PauseTime", "PT5M"),
    );
    stack.resource_with(
        "app-instances",
        "AWS::AutoScaling::AutoScalingGroup",
        Props::new()
            .set(
                "LaunchTemplate",
                Props::new()
                    .set("LaunchTemplateId", template.reference())
                    .set("Version", template.attr("LatestVersionNumber")),
            )
            .set("MinSize", APP_MIN.to_string())
            .set("MaxSize", APP_MAX.to_string())
            .set("VPCZoneIdentifier", &net.app_subnets)
            .set("TargetGroupARNs", vec![targets.reference()])
            .set("HealthCheckType", "ELB")
            .set("HealthCheckGracePeriod", 120),
        Attributes::new().depends_on(&https).update_policy(rolling),
    )?;
    Ok(())
}

#[allow(dead_code)] // used when this file is compiled as the example binary
fn main() -> ExitCode {
    run(|args| build(&args.env))
}
