//! The errors of ringfence. Every one names the construct it is about and carries a hint.

use std::fmt;

use ringfence_cfn::NameError;

/// Something in the app description that AWS or the ring-fence would reject.
///
/// Errors are values: each variant names the construct (its path `stack/construct`, or
/// the call that made a value) and says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A CIDR that does not parse.
    #[error("{construct}: `{value}` is not a valid {family} CIDR ({reason}); {hint}")]
    InvalidCidr {
        /// The call or construct that was given the CIDR.
        construct: String,
        /// The text given.
        value: String,
        /// `IPv4` or `IPv6`.
        family: &'static str,
        /// What is wrong with it.
        reason: String,
        /// What to write instead.
        hint: String,
    },
    /// A CIDR with bits set after the prefix; AWS stores the canonical form, so the
    /// template would not say what the rule really is.
    #[error("{construct}: `{value}` has host bits set; did you mean `{corrected}`?")]
    HostBitsSet {
        /// The call or construct that was given the CIDR.
        construct: String,
        /// The text given.
        value: String,
        /// The network address with the host bits cleared.
        corrected: String,
    },
    /// A VPC CIDR whose prefix length AWS does not allow.
    #[error("{construct}: a VPC CIDR must be between /16 and /28, `{value}` is /{prefix}; {hint}")]
    VpcPrefixOutOfRange {
        /// The VPC.
        construct: String,
        /// The CIDR given.
        value: String,
        /// Its prefix length.
        prefix: u8,
        /// What to write instead.
        hint: String,
    },
    /// A subnet prefix length AWS or the VPC does not allow.
    #[error("{construct}: a /{prefix} subnet is not possible here; {hint}")]
    InvalidSubnetPrefix {
        /// The subnet group.
        construct: String,
        /// The prefix length given.
        prefix: u8,
        /// What is allowed.
        hint: String,
    },
    /// Explicit subnet CIDRs that are not one per AZ.
    #[error("{construct}: {given} explicit CIDRs given for {azs} AZs; give one per AZ")]
    SubnetCount {
        /// The subnet group.
        construct: String,
        /// How many CIDRs were given.
        given: usize,
        /// How many AZs the VPC spans.
        azs: usize,
    },
    /// An explicit subnet CIDR outside its VPC.
    #[error("{construct}: subnet {cidr} is outside the VPC's {vpc}")]
    SubnetOutsideVpc {
        /// The subnet group.
        construct: String,
        /// The CIDR given.
        cidr: String,
        /// The VPC's CIDR.
        vpc: String,
    },
    /// Two subnets that overlap.
    #[error("{construct}: subnet {cidr} overlaps {other} of {other_group}")]
    SubnetOverlap {
        /// The subnet group.
        construct: String,
        /// The CIDR given.
        cidr: String,
        /// The CIDR it overlaps.
        other: String,
        /// The group that CIDR belongs to.
        other_group: String,
    },
    /// Subnets that do not fit in what is left of the VPC.
    #[error("{construct}: needs {needed} but only {free} addresses of the VPC are free; {hint}")]
    SubnetSpaceExhausted {
        /// The subnet group.
        construct: String,
        /// What it needs, e.g. `2 x /20 (8192 addresses)`.
        needed: String,
        /// Free addresses left (in blocks of any size).
        free: u64,
        /// What to change.
        hint: String,
    },
    /// A VPC description that cannot be built (AZs, subnet groups, NAT gateways).
    #[error("{construct}: {problem}; {hint}")]
    InvalidVpc {
        /// The VPC (or its subnet group).
        construct: String,
        /// What is wrong.
        problem: String,
        /// What to do.
        hint: String,
    },
    /// A subnet group name or kind that the VPC does not have.
    #[error("{construct}: has no subnet group {wanted}; it has {available}")]
    UnknownSubnetGroup {
        /// The VPC.
        construct: String,
        /// What was asked for.
        wanted: String,
        /// The groups it has.
        available: String,
    },
    /// A network ACL entry rule number outside 1..=32766 or used twice in a direction.
    #[error("{construct}: {problem}; {hint}")]
    InvalidNaclEntry {
        /// The network ACL.
        construct: String,
        /// What is wrong.
        problem: String,
        /// What to do.
        hint: String,
    },
    /// A port number outside 0..=65535.
    #[error("{construct}: port {value} is out of range; ports are 0 to 65535")]
    PortOutOfRange {
        /// The call that was given the port.
        construct: String,
        /// The number given.
        value: i64,
    },
    /// A port range whose start is after its end.
    #[error("{construct}: port range {from}-{to} is reversed; did you mean {to}-{from}?")]
    ReversedPortRange {
        /// The call that was given the range.
        construct: String,
        /// Start given.
        from: u16,
        /// End given.
        to: u16,
    },
    /// An ICMP or ICMPv6 type/code pair that does not exist.
    #[error("{construct}: {protocol} type {icmp_type} code {code} is not valid; {hint}")]
    InvalidIcmp {
        /// The call that was given it.
        construct: String,
        /// `ICMP` or `ICMPv6`.
        protocol: &'static str,
        /// Type given (-1 = all).
        icmp_type: i32,
        /// Code given (-1 = all).
        code: i32,
        /// What is valid.
        hint: String,
    },
    /// A port specification that cannot be read.
    #[error("{construct}: cannot read port `{value}`; {hint}")]
    InvalidPort {
        /// The call that was given it.
        construct: String,
        /// The text given.
        value: String,
        /// The forms that are understood.
        hint: String,
    },
    /// A rule whose protocol belongs to the other IP family than its peer.
    #[error("{construct}: {port} cannot be used with peer {peer}; {hint}")]
    ProtocolFamilyMismatch {
        /// The group the rule was for.
        construct: String,
        /// The port given.
        port: String,
        /// The peer given.
        peer: String,
        /// What to use instead.
        hint: String,
    },
    /// A managed prefix list or security group id that is not of AWS's form.
    #[error("{construct}: `{value}` is not a valid {kind} id; {hint}")]
    InvalidResourceId {
        /// The call that was given it.
        construct: String,
        /// What kind of id was expected.
        kind: &'static str,
        /// The text given.
        value: String,
        /// The expected form.
        hint: String,
    },
    /// A value that is not of the kind the call takes: an unknown check id, an SSM
    /// parameter name or value type AWS would reject, an endpoint service name, an
    /// object of the wrong kind in an escape-hatch property.
    #[error("{construct}: `{value}` is not {what}; {hint}")]
    InvalidValue {
        /// The call or construct that was given it.
        construct: String,
        /// What was expected, with its article: `a check id`, `an SSM parameter name`.
        what: String,
        /// The text (or object) given.
        value: String,
        /// What to give instead.
        hint: String,
    },
    /// A security group name AWS would reject.
    #[error("{construct}: group name `{name}` {problem}; {hint}")]
    InvalidGroupName {
        /// The group.
        construct: String,
        /// The full name (role and environment).
        name: String,
        /// What is wrong.
        problem: String,
        /// What to do.
        hint: String,
    },
    /// Two groups with the same name in one VPC, which EC2 refuses.
    #[error("{construct}: group name `{name}` is already used in this VPC by `{existing}`; group names are unique per VPC, ignoring case, so give this role another name or environment")]
    DuplicateGroupName {
        /// The new group.
        construct: String,
        /// The name.
        name: String,
        /// The group that has it.
        existing: String,
    },
    /// An environment name that would make broken stack and group names
    /// (`shop-network-` for an empty one).
    #[error("app `{app}`: environment `{environment}` {problem}; use letters, digits and inner hyphens, e.g. `production`")]
    InvalidEnvironment {
        /// The app.
        app: String,
        /// The environment given.
        environment: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// A stack with no resources: CloudFormation refuses a template without one.
    #[error("stack `{stack}` creates no resource, and CloudFormation refuses a template without one; add what the stack is for, or remove the stack")]
    EmptyStack {
        /// The stack.
        stack: String,
    },
    /// A rule or a group set that mixes security groups of different VPCs, which EC2
    /// refuses.
    #[error("{construct}: {problem}; {hint}")]
    CrossVpc {
        /// The group or group set.
        construct: String,
        /// Which groups are in which VPCs.
        problem: String,
        /// What to do instead.
        hint: String,
    },
    /// A description (of a group, a rule or a stack) AWS would reject, or a missing one.
    #[error("{construct}: {what} {problem}; {hint}")]
    InvalidDescription {
        /// The construct the description is for.
        construct: String,
        /// Which description ("group description", "rule description", …).
        what: &'static str,
        /// What is wrong.
        problem: String,
        /// What to do.
        hint: String,
    },
    /// A construct id that cannot be used.
    #[error("{construct}: construct id `{id}` {problem}; {hint}")]
    InvalidConstructId {
        /// The stack (or app) the construct was to be added to.
        construct: String,
        /// The id given.
        id: String,
        /// What is wrong.
        problem: String,
        /// What to do.
        hint: String,
    },
    /// Two constructs with the same id in one stack.
    #[error("{stack}: there is already a construct `{id}` ({existing}) in this stack; give each construct its own id")]
    DuplicateConstruct {
        /// The stack.
        stack: String,
        /// The id used twice.
        id: String,
        /// What the existing construct is.
        existing: &'static str,
    },
    /// A stack name CloudFormation would reject.
    #[error("app `{app}`: stack name `{name}` is invalid: {source}")]
    InvalidStackName {
        /// The app.
        app: String,
        /// The full stack name.
        name: String,
        /// Why.
        source: NameError,
    },
    /// Two stacks with the same name in one app.
    #[error("app `{app}`: there is already a stack `{name}`; give each stack its own id")]
    DuplicateStack {
        /// The app.
        app: String,
        /// The stack name used twice.
        name: String,
    },
    /// A stack tried to change a network object that another stack (or nobody in this
    /// app) owns. This is the shared-group rollback hazard ringfence exists to prevent.
    #[error("{stack}: cannot {action} `{object}`, which belongs to stack `{owner}`; a stack changes only what it creates. {hint}")]
    ForeignObject {
        /// The stack that tried.
        stack: String,
        /// What it tried to do.
        action: &'static str,
        /// The object (its path).
        object: String,
        /// The stack that owns the object.
        owner: String,
        /// What to do instead.
        hint: String,
    },
    /// A handle from another `App` was passed in.
    #[error("{stack}: `{object}` was made by another App; handles cannot cross apps")]
    ForeignApp {
        /// The stack that was given the handle.
        stack: String,
        /// The object.
        object: String,
    },
    /// The same rule twice on one group. EC2 keeps one copy, so the second declaration
    /// would silently share the first one's fate.
    #[error("{construct}: {rule} is already declared on this group ({existing}); EC2 keeps a single copy, so remove one declaration")]
    DuplicateRule {
        /// The group.
        construct: String,
        /// The rule, e.g. `ingress tcp/5432 from group network/bots`.
        rule: String,
        /// The description of the existing declaration.
        existing: String,
    },
    /// A stack used something of another stack that the owner does not share.
    #[error("{consumer}: uses `{object}` of stack `{owner}`, which `{owner}` does not share; {hint}")]
    NotShared {
        /// The stack that uses the object.
        consumer: String,
        /// The object (its path).
        object: String,
        /// The owner stack.
        owner: String,
        /// The call to add.
        hint: String,
    },
    /// Stacks that import from each other in a loop; CloudFormation cannot deploy them.
    #[error("stacks depend on each other in a cycle: {}; {hint}", path.join(" -> "))]
    StackCycle {
        /// The stacks of the cycle, the first repeated at the end.
        path: Vec<String>,
        /// Why each edge is there, in order, and how to break the cycle.
        hint: String,
    },
    /// A value made for one stack (a parameter) used in another.
    #[error("{stack}: `{object}` is a parameter of stack `{owner}` and exists only there; {hint}")]
    ParameterOfOtherStack {
        /// The stack that used it.
        stack: String,
        /// The parameter.
        object: String,
        /// The stack that declares it.
        owner: String,
        /// What to do.
        hint: String,
    },
    /// A group set that is empty, repeats a group or is larger than AWS allows.
    #[error("{construct}: {problem}; {hint}")]
    InvalidGroupSet {
        /// The group set.
        construct: String,
        /// What is wrong.
        problem: String,
        /// What to do.
        hint: String,
    },
    /// A network resource type given to the escape hatch, where ownership could not be
    /// checked.
    #[error("{construct}: `{resource_type}` cannot be added through the escape hatch; {hint}")]
    NetworkResourceInEscapeHatch {
        /// The resource.
        construct: String,
        /// Its type.
        resource_type: String,
        /// The typed call to use instead.
        hint: String,
    },
    /// An escape-hatch resource that changes or attaches to a network object its stack
    /// does not create (a CIDR block on another stack's VPC, a gateway attachment, a
    /// route on another stack's table…). Which properties do that is decided by the
    /// table generated from CloudFormation's resource schemas
    /// ([`ringfence_cfn::schema::network_targets`]).
    #[error("{construct}: `{resource_type}` changes `{object}` (its `{property}`), which this stack does not create; a stack changes only what it creates: {hint}")]
    ForeignNetworkTarget {
        /// The escape-hatch resource.
        construct: String,
        /// Its type.
        resource_type: String,
        /// The property naming the object.
        property: &'static str,
        /// The object (its path, or what was given).
        object: String,
        /// Who owns it (or why no stack of the app does) and what to do instead.
        hint: String,
    },
    /// A resource type that is not of the form `Service::Vendor::Type`.
    #[error("{construct}: `{resource_type}` is not a CloudFormation resource type; {hint}")]
    InvalidResourceType {
        /// The resource.
        construct: String,
        /// The type given.
        resource_type: String,
        /// The expected form.
        hint: String,
    },
    /// Two derived logical ids in one template collide (hash collision or a
    /// user-supplied id that matches a derived one).
    #[error(
        "{stack}: logical id `{logical_id}` is derived for both `{first}` and `{second}`; rename one of them"
    )]
    LogicalIdCollision {
        /// The stack.
        stack: String,
        /// The id.
        logical_id: String,
        /// First construct.
        first: String,
        /// Second construct.
        second: String,
    },
    /// A template over one of CloudFormation's per-template quotas on resources, outputs
    /// and parameters. Reported once: synthesis drops the analysis engine's RF403 for
    /// the same count (its RF403 for the template's size in bytes is an [`Error::Check`]).
    #[error("{stack}: the template has {count} {what}; CloudFormation allows {max} per template; {hint}")]
    TemplateQuota {
        /// The stack.
        stack: String,
        /// What was counted.
        what: &'static str,
        /// How many there are.
        count: usize,
        /// The quota.
        max: usize,
        /// What to do.
        hint: &'static str,
    },
    /// A check of the synthesized templates failed (see `ringfence_analyze::CHECKS`): the
    /// construct whose resource the finding is about, then the finding (its check,
    /// stack, logical id and property path, what is wrong, and the hint).
    ///
    /// ```
    /// use ringfence::{App, Error, Peer, Port, VpcSpec};
    /// let app = App::new("ops");
    /// let mut jump = app.stack("jump")?;
    /// let vpc = jump.vpc("main", VpcSpec::new("10.0.0.0/16")?)?;
    /// let host = jump.security_group(&vpc, "host", "Jump host")?;
    /// jump.allow_ingress(&host, Peer::any_ipv4(), Port::SSH, "Operators from anywhere")?;
    /// let err = app.synth().unwrap_err();
    /// let Error::Check { construct, finding } = &err.errors[0] else { panic!("{err}") };
    /// assert_eq!((construct.as_str(), finding.check), ("jump/host", "RF301"));
    /// assert!(err.errors[0].to_string().starts_with("jump/host: error RF301 ops-jump/"));
    /// # Ok::<(), Error>(())
    /// ```
    #[error("{construct}: {finding}")]
    Check {
        /// The path of the construct the finding's resource was derived for
        /// (`stack/construct`, `stack/vpc/subnet-group/1` for a part of a VPC). A rule
        /// is named by its group's path: the finding names the rule (its logical id
        /// or property path, and its port and peer). A finding about the whole template
        /// (its size) is named by the stack's name.
        construct: String,
        /// The finding, as the analysis engine reports it.
        finding: Box<ringfence_analyze::Finding>,
    },
    /// The assembly could not be written.
    #[error("cannot write `{path}`: {message}")]
    Io {
        /// The file or folder.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// Synthesis failed (the [`SynthError`] holds every error it found), carried as an
    /// [`Error`] so that `?` on [`App::synth`](crate::App::synth) works in a function
    /// that returns `ringfence::Error`.
    ///
    /// ```
    /// fn build() -> Result<ringfence::Assembly, ringfence::Error> {
    ///     let app = ringfence::App::new("shop");
    ///     app.stack("empty")?;
    ///     Ok(app.synth()?) // SynthError converts into Error
    /// }
    /// assert!(matches!(build(), Err(ringfence::Error::Synthesis(e)) if e.errors.len() == 1));
    /// ```
    #[error("{0}")]
    Synthesis(SynthError),
    /// Writing the assembly would replace files that ringfence did not write (a
    /// hand-written template, another tool's `manifest.json`). Nothing was written.
    #[error("refusing to write the assembly into `{dir}`: {} not written by ringfence and would be overwritten; {hint}", file_list(.files))]
    WouldOverwrite {
        /// The assembly's folder.
        dir: String,
        /// The files in the way, by name.
        files: Vec<String>,
        /// What to do.
        hint: String,
    },
}

/// `` `a` is``, `` `a` and `b` are``, `` `a`, `b`, `c` and 4 more are``.
fn file_list(files: &[String]) -> String {
    const SHOWN: usize = 5;
    let verb = if files.len() == 1 { "is" } else { "are" };
    let quoted: Vec<String> = files.iter().take(SHOWN).map(|f| format!("`{f}`")).collect();
    match quoted.split_last() {
        None => format!("no file {verb}"),
        Some((last, [])) => format!("{last} {verb}"),
        Some((last, rest)) if files.len() <= SHOWN => format!("{} and {last} {verb}", rest.join(", ")),
        Some(_) => format!("{} and {} more {verb}", quoted.join(", "), files.len() - SHOWN),
    }
}

impl Error {
    pub(crate) fn io(path: &std::path::Path, e: &std::io::Error) -> Error {
        Error::Io { path: path.display().to_string(), message: e.to_string() }
    }
}

/// The findings of a synthesis that failed: every error found, not only the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthError {
    /// The errors, in the order the stacks were declared.
    pub errors: Vec<Error>,
}

impl fmt::Display for SynthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A synthesis that succeeded but could not be written (`App::synth_to`) found
        // nothing: say only what stopped the write.
        if let [e @ (Error::Io { .. } | Error::WouldOverwrite { .. })] = self.errors.as_slice() {
            return write!(f, "{e}");
        }
        let n = self.errors.len();
        write!(f, "synthesis found {n} error{}:", if n == 1 { "" } else { "s" })?;
        for e in &self.errors {
            write!(f, "\n  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SynthError {}

impl From<Error> for SynthError {
    fn from(e: Error) -> Self {
        match e {
            Error::Synthesis(s) => s,
            e => SynthError { errors: vec![e] },
        }
    }
}

impl From<SynthError> for Error {
    fn from(e: SynthError) -> Self {
        Error::Synthesis(e)
    }
}

/// `Result` with ringfence's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
