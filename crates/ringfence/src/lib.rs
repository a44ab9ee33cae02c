//! # ringfence
//!
//! Ring-fenced AWS networks as code. A typed builder describes an [`App`] of several
//! [`Stack`]s — VPCs, role-named [`SecurityGroup`]s, their rules — and synthesis writes
//! CloudFormation templates and a cloud assembly the AWS CDK CLI can deploy.
//!
//! **Every stack is ring-fenced**: its template only ever changes network objects the
//! stack itself creates. A bot stack cannot add a rule to the network stack's shared
//! group (that is a typed [`Error::ForeignObject`]; for groups outside the app there is
//! no call at all), so deploying, rolling back or deleting one stack never changes the
//! traffic another relies on.
//!
//! - [`App`], [`Stack`]: stacks are the unit of ownership; [`App::synth`] renders them.
//! - [`SecurityGroup`], [`Role`]: groups named after what they enclose, per environment.
//! - [`Peer`], [`Port`]: the other end of a rule and what it admits, checked when made.
//! - [`Stack::share`]: a stack's declared interface, exported whether or not anyone
//!   imports it yet; other stacks' references become `Fn::ImportValue` automatically.
//! - [`GroupSet`], [`Stack::resource`], [`Props`]: attach groups to real workloads.
//! - [`Assembly`]: templates in deployment order, `manifest.json`, JSON and YAML.
//! - [`assert_assembly_snapshots!`]: snapshot tests of every template and the manifest
//!   with [insta](https://insta.rs), one line in your test.
//!
//! Cargo features:
//!
//! - `timings` (off by default), a diagnostics feature: `Assembly::timings()` and
//!   `SynthTimings`, how long each step of synthesis took, for profiling a large app.
//!   Without it synthesis reads no clock and neither item exists; they are no part of
//!   the API that the rest of the crate promises.
//!
//! ```
//! use ringfence::{App, Error, Peer, Port, Props, VpcSpec};
//!
//! let app = App::new("chat").environment("staging");
//! let mut network = app.stack("network")?;
//! let vpc = network.vpc("main", VpcSpec::new("10.20.0.0/16")?)?;
//! let bots = network.security_group(&vpc, "bots", "Every bot task; services admit this role")?;
//! let db = network.security_group(&vpc, "chat-db", "Chat history PostgreSQL")?;
//! network.allow_ingress(&db, Peer::group(&bots), Port::POSTGRES, "bots keep chat history")?;
//! for shared in [&bots, &db] {
//!     network.share(shared)?;
//! }
//! network.share(&vpc)?;
//!
//! let mut dice = app.stack("bot-dice")?;
//! let own = dice.security_group(&vpc, "bot-dice", "Tasks of the dice bot")?;
//! dice.allow_egress(&own, Peer::group(&db), Port::POSTGRES, "chat history")?;
//! dice.allow_egress(&own, Peer::any_ipv4(), Port::HTTPS, "chat platform API")?;
//! let tasks = dice.group_set("tasks", [&own, &bots])?;
//! dice.resource("service", "AWS::ECS::Service", Props::new()
//!     .set("Cluster", "chat-staging")
//!     .set("TaskDefinition", "bot-dice")
//!     .set("NetworkConfiguration", Props::new().set("AwsvpcConfiguration", Props::new()
//!         .set("SecurityGroups", &tasks)
//!         .set("Subnets", vec!["subnet-0a1b2c3d"]))))?;
//!
//! // The bot stack may not change the network's group:
//! let refused = dice.allow_ingress(&db, Peer::group(&own), Port::POSTGRES, "dice history");
//! assert!(matches!(refused, Err(Error::ForeignObject { .. })));
//!
//! let assembly = app.synth()?;
//! assert_eq!(assembly.deployment_order(), ["chat-network-staging", "chat-bot-dice-staging"]);
//! let json = assembly.stacks()[1].template.to_json();
//! assert!(json.contains(r#""Fn::ImportValue": "chat-network-staging:chat-db:GroupId""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod app;
mod collections;
mod error;
mod escape_hatch;
mod handles;
mod logical;
mod model;
mod network;
mod peer;
mod port;
mod props;
mod role;
mod snapshot;
mod stack;
mod synth;
mod validate;

pub use app::App;
pub use error::{Error, Result, SynthError};
pub use handles::{
    ExternalGroup, GroupRef, GroupSet, ParameterHandle, ResourceHandle, RuleTarget, SecurityGroup,
};
pub use ipnet;
pub use network::handles::{NetworkAcl, Subnet, Subnets, Vpc};
pub use network::nacl::{GatewayService, NaclRule, EPHEMERAL_PORTS, NACL_RULE_NUMBERS};
pub use network::plan::MIN_SUBNET_PREFIX;
pub use network::spec::{
    FlowLogs, SubnetGroup, SubnetKind, TrafficType, VpcSpec, DEFAULT_AZS, MAX_AZS_IN_A_REGION,
};
pub use peer::Peer;
pub use port::{Port, Protocol};
pub use props::{Attributes, Prop, Props};
pub use ringfence_analyze as analyze;
pub use ringfence_cfn as cfn;
pub use role::Role;
#[doc(hidden)]
pub use snapshot::__snapshot;
pub use stack::{Shareable, Stack, Suppressible, MAX_GROUPS_PER_INTERFACE};
#[cfg(feature = "timings")]
pub use synth::SynthTimings;
pub use synth::{Assembly, Formats, StackArtifact, WriteSummary};
