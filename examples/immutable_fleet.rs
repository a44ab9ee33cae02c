//! # immutable_fleet
//!
//! Immutable infrastructure: a fleet of render workers that is rebuilt, never patched.
//! Instances come from a launch template whose image is the latest Amazon Linux 2023,
//! read from AWS's public SSM parameter at each deployment, in an auto scaling group in
//! private subnets. A deployment that brings a new image (or any other change to the
//! launch template) replaces every instance of the stage in a rolling update, a batch at
//! a time, never dropping below the stage's minimum in service; and no instance lives
//! longer than a week, so even a stage nobody deploys is rebuilt from the image of its
//! last deployment at least that often. Nobody logs in to fix an instance:
//! there is no administrative ingress at all (no SSH, no RDP, no inbound rule of any
//! kind). Operators who must look use SSM Session Manager, which the agent reaches over
//! outbound HTTPS.
//!
//! The fleet is promoted through three stages, `alpha`, `beta` and `production`, each
//! its own stack (`fleet-alpha`, …) made by one function, [`fleet_stage`]: the stages
//! differ only in names and sizes, never in structure, so what was tested in alpha is
//! what runs in production. The `network` stack owns the VPC (public subnets for the NAT
//! gateways, private subnets for the instances) and shares it; each stage's group,
//! `fleet-<stage>`, is named after its role and stage and belongs to that stage's stack,
//! so deploying, rolling back or deleting one stage never changes another's traffic.
//!
//! The stages are the environments here: `--env` is accepted like every example's, and
//! changes nothing.
//!
//! ```text
//! cargo run --example immutable_fleet -- --out cdk.out [--yaml]
//! ```

use std::process::ExitCode;

use ringfence::cfn::Value;
use ringfence::{
    App, Attributes, Error, FlowLogs, Peer, Port, Props, Role, SubnetGroup, Subnets, Vpc, VpcSpec,
};
use ringfence_examples::run;
use serde_json::json;

/// The public SSM parameter that names the latest Amazon Linux 2023 image.
pub const IMAGE_PARAMETER: &str = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/// No instance lives longer than this (seconds): a week.
pub const MAX_INSTANCE_LIFETIME: u32 = 7 * 24 * 3600;

/// One stage of the promotion: a name and sizes, nothing structural.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// `alpha`, `beta`, `production`: the stack is `fleet-<name>`, the group
    /// `fleet-<name>`.
    pub name: &'static str,
    /// Fewest instances.
    pub min: u32,
    /// Instances in normal operation.
    pub desired: u32,
    /// Most instances.
    pub max: u32,
    /// Most instances a rolling update replaces at once.
    pub batch: u32,
}

/// The stages, in promotion order.
pub const STAGES: [Stage; 3] = [
    Stage { name: "alpha", min: 1, desired: 1, max: 2, batch: 1 },
    Stage { name: "beta", min: 2, desired: 2, max: 4, batch: 1 },
    Stage { name: "production", min: 3, desired: 6, max: 12, batch: 2 },
];

/// What the network stack shares with the stages.
pub struct Network {
    vpc: Vpc,
    instances: Subnets,
}

/// Builds the app: the network and every stage. `_env` is ignored; the stages are the
/// environments.
pub fn build(_env: &str) -> Result<App, Error> {
    let app = App::new("render");
    let net = network(&app)?;
    for stage in &STAGES {
        fleet_stage(&app, &net, stage)?;
    }
    Ok(app)
}

fn network(app: &App) -> Result<Network, Error> {
    let mut stack = app.stack("network")?;
    stack.describe("Network of the render fleet, shared by its alpha, beta and production stages")?;
    // Public subnets hold only the NAT gateways; instances have no public address and no
    // route in from the Internet.
    let vpc = stack.vpc(
        "main",
        VpcSpec::new("10.40.0.0/16")?
            .azs(2)
            .subnets(SubnetGroup::public("public", 24))
            .subnets(SubnetGroup::private("instances", 20))
            .nat_gateways(2)
            .flow_logs(FlowLogs::cloudwatch(90)),
    )?;
    let instances = vpc.subnet_group("instances")?;
    stack.share(&vpc)?;
    Ok(Network { vpc, instances })
}

/// One stage of the fleet, in its own stack. Every stage is made here, so stages
/// cannot drift apart: only `stage`'s name and sizes vary.
pub fn fleet_stage(app: &App, net: &Network, stage: &Stage) -> Result<(), Error> {
    let name = stage.name;
    let mut stack = app.stack(&format!("fleet-{name}"))?;
    stack.describe(&format!(
        "Render fleet, stage {name}: immutable instances from the latest Amazon Linux image, no inbound access"
    ))?;

    let fleet = stack.security_group(
        &net.vpc,
        Role::new("fleet").environment(name),
        &format!(
            "Render workers of stage {name}: rebuilt from a fresh image, never patched; no inbound access"
        ),
    )?;
    // The only way out, and no way in: the SSM agent (Session Manager for operators)
    // and the job queue are HTTPS APIs, reached through the NAT gateways.
    stack.allow_egress(
        &fleet,
        Peer::any_ipv4(),
        Port::HTTPS,
        "SSM Session Manager for operators and the job queue, through NAT",
    )?;
    let members = stack.group_set("workers", [&fleet])?;

    let image = stack.ssm_parameter(
        "image",
        "AWS::EC2::Image::Id",
        IMAGE_PARAMETER,
        "Latest Amazon Linux 2023 image, resolved at each deployment, for every instance launched after it",
    )?;

    let queue = stack.resource(
        "jobs",
        "AWS::SQS::Queue",
        Props::new().set("SqsManagedSseEnabled", true).set("VisibilityTimeout", 900),
    )?;
    let role = stack.resource(
        "instance-role",
        "AWS::IAM::Role",
        Props::new()
            .set(
                "Description",
                format!("Render workers of stage {name}: Session Manager and their job queue"),
            )
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
                vec![Value::sub("arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore")],
            )
            .set(
                "Policies",
                vec![Props::new().set("PolicyName", "jobs").set(
                    "PolicyDocument",
                    Props::new().set("Version", "2012-10-17").set(
                        "Statement",
                        vec![Props::new()
                            .set("Effect", "Allow")
                            .set(
                                "Action",
                                vec![
                                    "sqs:ReceiveMessage",
                                    "sqs:DeleteMessage",
                                    "sqs:ChangeMessageVisibility",
                                ],
                            )
                            .set("Resource", queue.attr("Arn"))],
                    ),
                )],
            ),
    )?;
    let profile = stack.resource(
        "instance-profile",
        "AWS::IAM::InstanceProfile",
        Props::new().set("Roles", vec![role.reference()]),
    )?;

    let template = stack.resource(
        "launch-template",
        "AWS::EC2::LaunchTemplate",
        Props::new().set(
            "LaunchTemplateData",
            Props::new()
                .set("ImageId", &image)
                .set("InstanceType", "c7i.large")
                .set("IamInstanceProfile", Props::new().set("Arn", profile.attr("Arn")))
                .set("SecurityGroupIds", &members)
                // IMDSv2 only: no credentials for a request forged through the worker.
                .set(
                    "MetadataOptions",
                    json!({"HttpEndpoint": "enabled", "HttpTokens": "required", "HttpPutResponseHopLimit": 1}),
                )
                .set(
                    "BlockDeviceMappings",
                    json!([{"DeviceName": "/dev/xvda", "Ebs": {"VolumeType": "gp3", "VolumeSize": 30, "Encrypted": true}}]),
                )
                .set(
                    "TagSpecifications",
                    vec![Props::new().set("ResourceType", "instance").set(
                        "Tags",
                        vec![Props::new().set("Key", "Name").set("Value", format!("render-fleet-{name}"))],
                    )],
                ),
        ),
    )?;
    // A deployment that changes the launch template (a new image, most often) replaces
    // the instances `batch` at a time, launching replacements first when needed so that
    // at least `min` keep working; a worker stopped mid-job leaves the job to reappear
    // on the queue. The workers send no signal: each batch gets a minute to boot.
    let rolling = Value::map().with(
        "AutoScalingRollingUpdate",
        Value::map()
            .with("MinInstancesInService", stage.min)
            .with("MaxBatchSize", stage.batch)
            .with("PauseTime", "PT1M"),
    );
    stack.resource_with(
        "instances",
        "AWS::AutoScaling::AutoScalingGroup",
        Props::new()
            .set("MinSize", stage.min.to_string())
            .set("MaxSize", stage.max.to_string())
            .set("DesiredCapacity", stage.desired.to_string())
            .set("MaxInstanceLifetime", MAX_INSTANCE_LIFETIME)
            .set(
                "LaunchTemplate",
                Props::new()
                    .set("LaunchTemplateId", template.reference())
                    .set("Version", template.attr("LatestVersionNumber")),
            )
            .set("VPCZoneIdentifier", &net.instances),
        Attributes::new().update_policy(rolling),
    )?;
    Ok(())
}

#[allow(dead_code)] // used when this file is compiled as the example binary
fn main() -> ExitCode {
    run(|args| build(&args.env))
}
