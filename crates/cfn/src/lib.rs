//! # ringfence-cfn
//!
//! The CloudFormation document model under [ringfence](https://docs.rs/ringfence):
//!
//! - [`Template`] with its sections ([`Parameter`], [`Resource`], [`Output`] with an
//!   export), kept in insertion order so output is deterministic;
//! - [`Value`], property values with typed intrinsic functions (`Ref`, `Fn::GetAtt`,
//!   `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::GetAZs`, `Fn::Cidr`, `Fn::ImportValue`,
//!   `Fn::If`, …) and [`Pseudo`] parameters;
//! - validated names: [`LogicalId`], [`ExportName`], [`StackName`];
//! - JSON and YAML writers ([`Template::to_json`], [`Template::to_yaml`]), and a reader
//!   ([`Template::read`]) that keeps what it cannot understand and says so, with the
//!   path and line ([`ReadNote`]);
//! - [`ec2`]: the EC2 vocabulary (protocols, port ranges, rule and NACL entry properties,
//!   subnet kinds, quotas) that the builder writes and the analyzer reads; [`suppress`]:
//!   the suppression `Metadata`;
//! - [`parallel`]: work split over the cores with results in a fixed order;
//! - [`locate`]: the lines where a text declares any number of [`KeyPath`]s, in one pass
//!   ([`locate_steps`] for paths given as borrowed steps).
//!
//! ```
//! use ringfence_cfn::{ExportName, LogicalId, Output, Resource, Template, Value};
//!
//! let mut t = Template::new("Network of the chat platform");
//! let vpc = LogicalId::new("MainVpc")?;
//! t.resources.insert(vpc.clone(),
//!     Resource::new("AWS::EC2::VPC").property("CidrBlock", "10.20.0.0/16"));
//! let out = Output::new(Value::reference(&vpc)).exported_as(&ExportName::new("chat-network:main:VpcId")?);
//! t.outputs.insert(LogicalId::new("MainVpcId")?, out);
//!
//! let json = t.to_json();
//! assert!(json.contains("\"Ref\": \"MainVpc\""));
//! assert_eq!(json, t.to_json()); // deterministic
//! # Ok::<(), ringfence_cfn::NameError>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod ec2;
mod error;
mod for_each;
mod key;
mod locate;
mod map;
mod names;
pub mod parallel;
mod read;
pub mod schema;
pub mod suppress;
mod template;
mod value;

pub use error::NameError;
pub use locate::{locate, locate_all, locate_steps, KeyPath, Step, StepRef};
pub use map::{Entries, IntoEntries, Map};
pub use names::{ConditionName, ExportName, LogicalId, StackName};
pub use read::{NoteKind, Parsed, ReadError, ReadNote};
pub use template::{quota, Output, Parameter, Policy, Resource, Template, FORMAT_VERSION};
pub use value::{Pseudo, RefTarget, Value};
