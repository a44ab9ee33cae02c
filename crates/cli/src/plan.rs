//! `ringfence audit --plan`: for every RF101 finding (a rule on a group the template does
//! not create), the ring-fenced layout that replaces it, in words and as ringfence code.
//!
//! Four shapes, decided by whose groups the rule is between and who the rule is for:
//!
//! - **client** and **server**: the rule is between groups of two owners (the foreign
//!   group and a group the template creates, most often; or the foreign group and a
//!   group of a third stack). It is split between the two so that neither reverses
//!   their dependency: the *lower* owner (the stack the other imports from, or the
//!   owner outside the suite; see [`Across`]) never names the higher's groups. The
//!   higher puts its half on a group it creates, and its workloads join a role group
//!   that the lower creates, shares and puts its half on.
//!   - *client*: the higher's group reaches the lower's (an ingress rule on the foreign
//!     group from the template's own group). The higher lets its group out to the
//!     lower's; the lower admits the role, `<group>-clients`.
//!   - *server*: the lower's group reaches the higher's (an egress rule on the foreign
//!     group to the template's own group). The higher admits the lower's group on its
//!     own; the lower lets its group out to the role, `<group>-targets`.
//!
//!   A template whose rule is between two groups it does not create drops it.
//! - **member**: the template's workloads join the foreign group (and the peer is not a
//!   group of its own). The template puts the rule on a group it creates (the one its
//!   workloads already join beside the foreign group, or a new one named after the
//!   stack), and the workloads join both.
//! - **owner**: neither. The rule concerns the foreign group only (its peer is an
//!   address range, a prefix list, a group of the same owner or a group outside the
//!   suite): its owner declares it.
//!
//! A role group is named after the group's role ([`text::role`]): its `GroupName`,
//! `Name` tag, logical id or parameter name in kebab case, without what says only that
//! it is a group (`DatabaseSecurityGroup` → `database-clients`).
//!
//! ## The code
//!
//! The snippet is code that compiles against the builder's API: `tests/plan_code.rs`
//! compiles every snippet of the repository's suites. What it names but does not declare
//! is in the plan too ([`Plan::assumes`]), as the declarations a program would have
//! before it: the `use` line, the `App`, each stack it names (by its stack name:
//! `bot_dice` is `app.stack("bot-dice")?`), the `vpc` its groups are in, and the groups
//! of other stacks it names, created (and shared, when another stack uses them) by the
//! stack that creates them in the suite. Both are derived from the model, never written
//! for a suite.
//!
//! The builder adds rules only to a `SecurityGroup` a stack creates; a group from outside
//! the app (`ExternalGroup`) can be a peer or a member of a group set, never the target
//! of a rule. So where the snippet has the owner of a group outside the suite declare a
//! rule (shapes client, server and owner), that group is, in the owner's program, a
//! group it creates: the snippet names that program's stack `owner` and assumes the
//! group created there. What the suite does not say (the id of a VPC given as a
//! parameter, a group behind an import no template exports, a rule's unreadable ports)
//! is a `todo!` that says what to fill in, never a guess.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use ringfence_analyze::{Direction, Finding, Model, Obj, Protocol, Rule, RulePeer};
use ringfence_cfn::ec2::rule_keys;
use ringfence_cfn::{RefTarget, Value};
use serde_json::json;

use crate::load::Loaded;
use crate::output::{one_line, pretty};
use crate::text::{self, ident, literal};

/// The plan of one RF101 finding.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The template's file, as the output shows it.
    pub template: String,
    /// The stack.
    pub stack: String,
    /// The rule's logical id.
    pub resource: String,
    /// The line that declares it, when found.
    pub line: Option<usize>,
    /// The reason the finding is suppressed, if it is.
    pub suppressed: Option<String>,
    /// The rule today, in words.
    pub today: String,
    /// Which shape.
    pub shape: Shape,
    /// The layout, one step a line.
    pub layout: Vec<String>,
    /// What [`snippet`](Plan::snippet) names without declaring, as Rust declarations,
    /// one a line: with them before it, the snippet compiles.
    pub assumes: String,
    /// ringfence code for it.
    pub snippet: String,
}

/// Who the rule is for, which decides the layout (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `client`: a group of one owner reaches a group of another that it imports (the
    /// template's own group reaching the foreign group, most often).
    Client,
    /// `server`: a group of one owner is reached by a group of another that it imports
    /// (the foreign group reaching the template's own group, most often).
    Server,
    /// `member`: the template's workloads join the foreign group.
    Member,
    /// `owner`: the rule concerns the foreign group only.
    Owner,
}

impl Shape {
    /// The shape's name, as the output prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Client => "client",
            Shape::Server => "server",
            Shape::Member => "member",
            Shape::Owner => "owner",
        }
    }
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The names the code gives that no group may take.
const RESERVED: [&str; 4] = ["app", "vpc", "own", "tasks"];

/// The types of the builder a snippet may name, for its `use` line.
const TYPES: [&str; 7] = ["App", "ExternalGroup", "GroupRef", "Peer", "Port", "Vpc", "VpcSpec"];

/// `todo!("…")` saying what to fill in (braces escaped: the text is a format string).
fn todo(what: &str) -> String {
    format!("todo!({})", literal(&what.replace('{', "{{").replace('}', "}}")))
}

/// How a group is named in words and in code.
struct Named {
    words: String,
    var: String,
    /// The ringfence expression that gives the variable in the template's own program,
    /// when the group is outside the suite (`ExternalGroup::from_id`,
    /// `group_parameter`) or cannot be resolved.
    external: Option<String>,
    /// Its role, as a group name ([`text::role`]): what its owner would create it as,
    /// and what role groups derived from it are named after (`database-clients`).
    role: String,
}

impl Named {
    /// `let VAR = …;` for a group outside the suite.
    fn decl(&self) -> Option<String> {
        self.external.as_ref().map(|e| format!("let {} = {e};", self.var))
    }
}

fn named(m: &Model<'_>, rule: &Rule, obj: &Obj, stack_var: &str) -> Named {
    let label = text::group(m, obj);
    // A parameter given a value is the value now; its name still says what it is.
    let t = &m.resolver.suite().templates()[rule.at.stack];
    let param = t.template.resources.get(&rule.at.id).and_then(|res| {
        let key = if obj == &rule.group { rule_keys::GROUP_ID } else { rule.direction.group_peer_key() };
        match res.properties.get(key) {
            Some(Value::Ref(RefTarget::Logical(p))) if t.template.parameters.contains_key(p) => {
                Some(p.to_string())
            }
            _ => None,
        }
    });
    match (obj, param) {
        (Obj::External(id), Some(p)) => Named {
            words: format!("{id} (parameter {p})"),
            var: ident(&p),
            external: Some(format!("ExternalGroup::from_id({})?", literal(id))),
            role: text::role(&p),
        },
        (Obj::External(id), None) => Named {
            words: id.clone(),
            var: ident(id),
            external: Some(format!("ExternalGroup::from_id({})?", literal(id))),
            role: text::role(id),
        },
        (Obj::Parameter { name, .. }, _) => Named {
            words: format!("the group passed as parameter {name}"),
            var: ident(name.as_str()),
            external: Some(format!(
                "{stack_var}.group_parameter({}, \"The shared group\")?",
                literal(name.as_str())
            )),
            role: text::role(name.as_str()),
        },
        (Obj::Local { stack, .. }, _) => Named {
            words: format!("{label} (created by {})", m.stack_name(*stack)),
            var: ident(&label),
            external: None,
            role: text::role(&short(m, obj)),
        },
        (Obj::Unknown(what), _) => Named {
            words: label.clone(),
            var: "shared".into(),
            external: Some(format!("ExternalGroup::from_id({})?", todo(&format!("the group's id: {what}")))),
            role: "shared".into(),
        },
    }
}

/// `Port::tcp(8080)`, `Port::tcp_range(8000, 8080)?`, `Port::ALL_TRAFFIC`…; for ports
/// CloudFormation or EC2 rejects, a `todo!` that says so rather than a guess (or a
/// literal that does not compile).
fn port_code(r: &Rule) -> String {
    let Some(ports) = r.ports else {
        return todo("the rule's protocol or ports are unreadable (RF001)");
    };
    if let Err(e) = ports.checked() {
        return todo(&format!("EC2 rejects the rule's ports: {e}"));
    }
    let (from, to) = (ports.from_port(), ports.to_port());
    let all = ports.protocol().has_ports() && ports.is_every_port();
    match ports.protocol() {
        Protocol::Tcp if all => "Port::ALL_TCP".into(),
        Protocol::Udp if all => "Port::ALL_UDP".into(),
        Protocol::Tcp if from == to => format!("Port::tcp({from})"),
        Protocol::Udp if from == to => format!("Port::udp({from})"),
        Protocol::Tcp => format!("Port::tcp_range({from}, {to})?"),
        Protocol::Udp => format!("Port::udp_range({from}, {to})?"),
        Protocol::Icmp => format!("Port::icmp({from}, {to})?"),
        Protocol::Icmpv6 => format!("Port::icmpv6({from}, {to})?"),
        Protocol::All => "Port::ALL_TRAFFIC".into(),
        Protocol::Other(n) => format!("Port::ALL_TRAFFIC /* protocol {n}: not a ringfence Port */"),
    }
}

/// A group's short name: `GroupName`, `Name` tag or logical id.
fn short(m: &Model<'_>, obj: &Obj) -> String {
    match (m.group(obj), obj) {
        (Some(g), _) => g.name.clone().or_else(|| g.tag_name.clone()).unwrap_or_else(|| g.at.id.to_string()),
        (None, _) => m.describe(obj),
    }
}

/// The group the template creates for its workloads: its role name and the ringfence
/// statement that creates it (`let own = …`). An existing group keeps its name unless
/// RF201 finds it names a rule; a new one is named after the stack.
fn own_group(
    m: &Model<'_>,
    findings: &[Finding],
    t: usize,
    sv: &str,
    existing: Option<&Obj>,
) -> (String, String) {
    let stack = m.stack_name(t);
    let flagged = |check: &str, g: &ringfence_analyze::Group| {
        findings.iter().any(|f| f.check == check && f.template == stack && f.logical_id == g.at.id.as_str())
    };
    let group = existing.and_then(|o| m.group(o));
    let name =
        group.filter(|g| !flagged("RF201", g)).and_then(|g| g.name.clone().or_else(|| g.tag_name.clone()));
    let role = name.unwrap_or_else(|| {
        let taken = m.groups.iter().any(|g| {
            Some(g) != group && (g.name.as_deref() == Some(stack) || g.tag_name.as_deref() == Some(stack))
        });
        if taken {
            format!("{stack}-workloads")
        } else {
            stack.to_owned()
        }
    });
    let description = group
        .filter(|g| !flagged("RF202", g))
        .and_then(|g| g.description.clone())
        .unwrap_or_else(|| format!("Workloads of {stack}"));
    let today = group.map(|g| format!(" // {} today", g.at.id)).unwrap_or_default();
    let line = format!(
        "let own = {sv}.security_group(&vpc, {}, {})?;{today}",
        literal(&role),
        literal(&description)
    );
    (role, line)
}

/// A variable name that no other variable of the snippet has.
fn distinct(var: String, taken: &[impl AsRef<str>]) -> String {
    if taken.iter().any(|t| t.as_ref() == var) {
        format!("{var}_group")
    } else {
        var
    }
}

/// Which stacks each stack imports from (`Fn::ImportValue` of another stack's export):
/// the direction every cross-stack reference of a plan keeps.
pub struct Imports {
    /// The stacks each stack imports from, directly.
    from: Vec<Vec<usize>>,
}

impl Imports {
    /// The imports of the suite's templates, in their resources and outputs.
    pub fn of(m: &Model<'_>) -> Imports {
        let suite = m.resolver.suite();
        let from = suite
            .templates()
            .iter()
            .enumerate()
            .map(|(t, st)| {
                let mut from: Vec<usize> = Vec::new();
                let mut visit = |v: &Value| {
                    v.walk(&mut |v| {
                        if let Value::ImportValue(name) = v {
                            let exporter = m.resolver.text(t, name).and_then(|e| m.resolver.exporter(&e));
                            if let Some(s) = exporter.filter(|s| *s != t && !from.contains(s)) {
                                from.push(s);
                            }
                        }
                    })
                };
                for res in st.template.resources.values() {
                    res.properties.values().for_each(&mut visit);
                }
                for o in st.template.outputs.values() {
                    visit(&o.value);
                }
                from
            })
            .collect();
        Imports { from }
    }

    /// Whether stack `a` imports from stack `b`, directly or through other stacks.
    pub fn reaches(&self, a: usize, b: usize) -> bool {
        let mut seen = vec![false; self.from.len()];
        let mut next = vec![a];
        while let Some(s) = next.pop() {
            for &d in self.from.get(s).into_iter().flatten() {
                if d == b {
                    return true;
                }
                if !std::mem::replace(&mut seen[d], true) {
                    next.push(d);
                }
            }
        }
        false
    }
}

/// The stack that creates a group: `None` for a group outside the suite.
fn owner_of(obj: &Obj) -> Option<usize> {
    match obj {
        Obj::Local { stack, .. } => Some(*stack),
        _ => None,
    }
}

/// A rule between groups of two owners, as the ring-fenced layout splits it:
///
/// ```text
///   higher owner                         lower owner
///   (imports from the lower)             (outside the suite, or imported from)
///   ┌──────────────────────┐  exports    ┌──────────────────────────────┐
///   │ its group, its rule ─┼──────────▶  │ its group, its rule on it,   │
///   │ workloads join role ─┼──────────▶  │ a role group it shares       │
///   └──────────────────────┘             └──────────────────────────────┘
/// ```
///
/// The higher owner's template names the lower's group and role group (imports them);
/// the lower's names nothing of the higher's, so no rule reverses the stacks'
/// dependency. Of two stacks of the suite, the lower is the one the other imports from
/// (when only one way), else the owner of the rule's group, the group a template treated
/// as shared; a group outside the suite is always the lower: its owner cannot name a
/// group of the suite. A peer outside the suite, or two groups of one owner, split
/// nothing: the group's owner names the peer.
struct Across<'r> {
    /// The lower owner, `None` outside the suite.
    lower: Option<usize>,
    /// Its group.
    lower_group: &'r Obj,
    /// The higher owner.
    higher: usize,
    /// Its group.
    higher_group: &'r Obj,
    /// Whether the traffic goes from the higher group to the lower (the higher is a
    /// client: shape client) or the other way (the higher serves: shape server).
    higher_calls: bool,
}

/// How `rule` splits between two owners, when its peer is a group of another owner.
fn across<'r>(rule: &'r Rule, imports: &Imports) -> Option<Across<'r>> {
    let RulePeer::Group(peer) = &rule.peer else { return None };
    let group_is_lower = match (owner_of(&rule.group), owner_of(peer)) {
        (Some(a), Some(b)) if a == b => return None,
        (_, None) => return None,
        (None, Some(_)) => true,
        // The peer's owner is the lower only when the group's owner imports from it and
        // not the other way.
        (Some(a), Some(b)) => !imports.reaches(a, b) || imports.reaches(b, a),
    };
    let (lower_group, higher_group) = if group_is_lower { (&rule.group, peer) } else { (peer, &rule.group) };
    let ingress = rule.direction == Direction::Ingress;
    Some(Across {
        lower: owner_of(lower_group),
        lower_group,
        higher: owner_of(higher_group)?,
        higher_group,
        // Ingress: the peer calls the group; egress: the group calls the peer.
        higher_calls: group_is_lower == ingress,
    })
}

/// The names of one plan's code and what it assumes declared: the stacks it names, the
/// stack outside the suite that owns a foreign group, and the groups of stacks it
/// names, each created by its stack (and shared when another stack uses it).
struct Code<'m, 'a> {
    m: &'m Model<'a>,
    /// The variable of each stack of the suite.
    stack_vars: Vec<String>,
    /// The stacks of the suite the code names.
    stacks: BTreeSet<usize>,
    /// The variable of the stack outside the suite that creates a foreign group, when
    /// the code names it.
    outside: Option<String>,
    /// The declarations of groups the code names, in order.
    groups: Vec<String>,
}

impl<'m, 'a> Code<'m, 'a> {
    fn new(m: &'m Model<'a>) -> Code<'m, 'a> {
        let stack_vars = (0..m.resolver.suite().templates().len())
            .map(|s| {
                let var = ident(m.stack_name(s));
                if RESERVED.contains(&var.as_str()) {
                    format!("{var}_stack")
                } else {
                    var
                }
            })
            .collect();
        Code { m, stack_vars, stacks: BTreeSet::new(), outside: None, groups: Vec::new() }
    }

    /// The variable of stack `s`, which the code names.
    fn stack(&mut self, s: usize) -> String {
        self.stacks.insert(s);
        self.stack_vars[s].clone()
    }

    /// The variable of the stack outside the suite that creates a foreign group:
    /// `owner`, unless a stack of the suite is called that.
    fn outside_name(&self) -> &'static str {
        if self.stack_vars.iter().any(|v| v == "owner") {
            "owner_stack"
        } else {
            "owner"
        }
    }

    /// [`outside_name`](Code::outside_name), owned.
    fn outside_var(&self) -> String {
        self.outside_name().to_owned()
    }

    /// The names a group variable must not take: the stacks' (the one outside the suite
    /// included) and the code's own.
    fn taken(&self) -> Vec<&str> {
        self.stack_vars.iter().map(String::as_str).chain(RESERVED).chain([self.outside_name()]).collect()
    }

    fn push(&mut self, line: String) {
        if !self.groups.contains(&line) {
            self.groups.push(line);
        }
    }

    /// Assumes `var` is group `obj` of the suite, created by its stack and shared when
    /// `user` (a stack variable) is another stack.
    fn assume_group(&mut self, obj: &Obj, var: &str, user: &str) {
        let Obj::Local { stack, .. } = obj else { return };
        let creator = self.stack(*stack);
        let description =
            self.m.group(obj).and_then(|g| g.description.clone()).unwrap_or_else(|| text::group(self.m, obj));
        let role = short(self.m, obj);
        self.push(format!(
            "let {var} = {creator}.security_group(&vpc, {}, {})?;",
            literal(&role),
            literal(&description)
        ));
        if creator != user {
            self.push(format!("{creator}.share(&{var})?;"));
        }
    }

    /// Assumes `g`, a group outside the suite, created by its owner's stack (`owner`)
    /// and shared when `user` is another stack.
    fn assume_outside(&mut self, g: &Named, user: &str) {
        let creator = self.outside_var();
        self.outside = Some(creator.clone());
        self.push(format!(
            "let {} = {creator}.security_group(&vpc, {}, {})?;",
            g.var,
            literal(&g.role),
            literal(&g.words)
        ));
        if creator != user {
            self.push(format!("{creator}.share(&{})?;", g.var));
        }
    }

    /// The code of a rule's peer, declaring (in `decls`) or assuming what it names.
    /// `g` is the rule's group as the code names it; `own`, the group of the template
    /// that the code calls `own`; `user`, the stack whose code names the peer.
    fn peer(
        &mut self,
        r: &Rule,
        g: &Named,
        own: Option<&Obj>,
        user: &str,
        decls: &mut Vec<String>,
    ) -> String {
        match &r.peer {
            RulePeer::V4(n) if n.prefix_len() == 0 => "Peer::any_ipv4()".into(),
            RulePeer::V6(n) if n.prefix_len() == 0 => "Peer::any_ipv6()".into(),
            RulePeer::V4(n) => format!("Peer::ipv4({})?", literal(&n.to_string())),
            RulePeer::V6(n) => format!("Peer::ipv6({})?", literal(&n.to_string())),
            RulePeer::Group(p) if *p == r.group => format!("Peer::group(&{})", g.var),
            RulePeer::Group(p) if Some(p) == own => "Peer::group(&own)".into(),
            RulePeer::Group(p) => {
                let mut n = named(self.m, r, p, user);
                let mut taken = self.taken();
                taken.push(&g.var);
                n.var = distinct(n.var, &taken);
                match n.decl() {
                    Some(d) => {
                        if !decls.contains(&d) {
                            decls.push(d);
                        }
                    }
                    None => self.assume_group(p, &n.var, user),
                }
                format!("Peer::group(&{})", n.var)
            }
            RulePeer::PrefixList(p) => {
                let id = match p {
                    Obj::External(id) => id.clone(),
                    other => self.m.describe(other),
                };
                format!("Peer::prefix_list({})?", literal(&id))
            }
            RulePeer::Undecided(o) => {
                todo(&format!("the rule's peer is {}, known only at deployment", self.m.describe(o)))
            }
            RulePeer::None => todo("the rule names no peer"),
        }
    }

    /// The declaration of `vpc`: the VPC the first of `groups` that the suite places
    /// says, created (and shared) by the stack that creates it, or outside the suite.
    fn vpc(&mut self, groups: &[&Obj]) -> Vec<String> {
        let m = self.m;
        let vpcs: Vec<&Obj> = groups.iter().filter_map(|o| m.group(o)).map(|g| &g.vpc).collect();
        let vpc = vpcs.iter().find(|v| matches!(v, Obj::Local { .. } | Obj::External(_))).or(vpcs.first());
        match vpc {
            Some(Obj::Local { stack, id }) => {
                let creator = self.stack(*stack);
                let t = &m.resolver.suite().templates()[*stack];
                let cidr = t
                    .template
                    .resources
                    .get(id)
                    .and_then(|res| res.properties.get(ringfence_cfn::ec2::CIDR_BLOCK_KEY))
                    .and_then(|v| m.resolver.text(*stack, v))
                    .map_or_else(
                        || todo(&format!("the CIDR of {}/{id}", m.stack_name(*stack))),
                        |c| literal(&c),
                    );
                let mut lines = vec![format!(
                    "let vpc = {creator}.vpc({}, VpcSpec::new({cidr})?)?;",
                    literal(id.as_str())
                )];
                if self.stacks.len() > 1 || self.outside.is_some() {
                    lines.push(format!("{creator}.share(&vpc)?;"));
                }
                lines
            }
            Some(Obj::External(id)) => vec![format!("let vpc = Vpc::from_id({})?;", literal(id))],
            Some(Obj::Unknown(what)) => {
                vec![format!("let vpc = Vpc::from_id({})?;", todo(&format!("the VPC's id: {what}")))]
            }
            Some(other) => {
                let what = m.describe(other);
                vec![format!("let vpc = Vpc::from_id({})?;", todo(&format!("the VPC's id: {what}")))]
            }
            None => vec![format!("let vpc = Vpc::from_id({})?;", todo("the VPC's id"))],
        }
    }

    /// The declarations the code assumes, `vpc` being `vpc` and `code` the snippet.
    fn assumes(self, vpc: Vec<String>, code: &str) -> String {
        let mut lines = vec!["let app = App::new(\"app\");".to_owned()];
        for &s in &self.stacks {
            lines.push(format!(
                "let mut {} = app.stack({})?;",
                self.stack_vars[s],
                literal(self.m.stack_name(s))
            ));
        }
        if let Some(owner) = &self.outside {
            lines.push(format!("let mut {owner} = app.stack(\"owner\")?;"));
        }
        lines.extend(vpc);
        lines.extend(self.groups);
        let all = format!("{}\n{code}", lines.join("\n"));
        let used: Vec<&str> = TYPES.iter().copied().filter(|t| all.contains(&format!("{t}::"))).collect();
        let mut out = format!("use ringfence::{{{}}};\n", used.join(", "));
        for line in lines {
            let _ = writeln!(out, "{line}");
        }
        out
    }
}

/// The layout and code of a rule split between two owners (shapes client and server),
/// as [`Across`] decides: the plan's `layout` and `code`, its shape and the declaration
/// of `vpc`. `t` is the template that declares the rule; `port`, `port_code` and `desc`
/// the rule's ports in words and in code, and its description as a literal.
#[allow(clippy::too_many_arguments)]
fn split_layout(
    m: &Model<'_>,
    findings: &[Finding],
    rule: &Rule,
    t: usize,
    a: &Across<'_>,
    (port, port_code, desc): (&str, &str, &str),
    c: &mut Code<'_, '_>,
    layout: &mut Vec<String>,
    code: &mut Vec<String>,
) -> (Shape, Vec<String>) {
    let stack = m.stack_name(t);
    let h = a.higher;
    let hv = c.stack(h);
    let h_name = m.stack_name(h);
    let mut gl = named(m, rule, a.lower_group, &hv);
    let mut taken: Vec<String> = c.taken().into_iter().map(str::to_owned).collect();
    taken.push("own".into());
    gl.var = distinct(gl.var, &taken);
    let (lv, lower_words) = match a.lower {
        Some(l) => (c.stack(l), format!("template {}", m.stack_name(l))),
        None => (c.outside_var(), format!("the template that creates {}", gl.words)),
    };
    match a.lower {
        Some(_) => c.assume_group(a.lower_group, &gl.var, &hv),
        None => c.assume_outside(&gl, &hv),
    }
    // How the lower group is called in a role's name and description.
    let label = match a.lower_group {
        Obj::Local { .. } => short(m, a.lower_group),
        _ => gl.role.clone(),
    };
    let gh = short(m, a.higher_group);
    // The lower group in the layout's words: by its name in the suite.
    let lower_short = match a.lower_group {
        Obj::Local { .. } => label.clone(),
        _ => "that group".to_owned(),
    };
    // The rule the higher template puts on its own group, when it declares it already.
    let wanted = if a.higher_calls { Direction::Egress } else { Direction::Ingress };
    let declared = m.rules.iter().find(|r| {
        r.at.stack == h
            && r.group == *a.higher_group
            && r.direction == wanted
            && r.ports == rule.ports
            && matches!(&r.peer, RulePeer::Group(p) if p == a.lower_group)
    });
    let on_own = match declared {
        Some(r) => format!("(a rule on a group it creates, which it declares already: {})", r.at.id),
        None => "(a rule on a group it creates)".to_owned(),
    };
    // A group of the lower owner that the higher's workloads already join serves as
    // the role; else the lower owner creates one, named after the group's role.
    let role = m.workloads.iter().filter(|w| w.at.stack == h).flat_map(|w| w.groups.iter()).find(|o| {
        *o != a.lower_group
            && a.lower.is_some()
            && matches!(o, Obj::Local { stack, .. } if Some(*stack) == a.lower)
    });
    let (role_name, new_role) = match role {
        Some(r) => (text::group(m, r), false),
        None => (format!("{}-{}", gl.role, if a.higher_calls { "clients" } else { "targets" }), true),
    };
    taken.push(gl.var.clone());
    let rv = distinct(ident(&role_name), &taken);
    let creates = if new_role { ", a group it creates and shares" } else { "" };
    if a.higher_calls {
        layout.push(format!(
            "template {h_name} is a client of {}: its group {gh} reaches it on {port}",
            gl.words
        ));
        layout.push(format!(
            "template {h_name}: egress {port} from its own group {gh} to {} {on_own}",
            gl.words
        ));
        layout.push(format!(
            "{lower_words}: admits the role group `{role_name}` on {port} (ingress on its own group){creates}"
        ));
    } else {
        layout.push(format!("template {h_name} serves {}, which reaches its group {gh} on {port}", gl.words));
        layout.push(format!(
            "template {h_name}: ingress {port} from {} on its own group {gh} {on_own}",
            gl.words
        ));
        layout.push(format!(
            "{lower_words}: lets {lower_short} out to the role group `{role_name}` on {port} (egress on its own group){creates}"
        ));
    }
    layout.push(format!("template {h_name}: its workloads join `{role_name}` beside {gh}"));
    if h != t && a.lower != Some(t) {
        layout.push(format!(
            "template {stack}: drops {}, a rule between groups it does not create",
            rule.at.id
        ));
    }
    if let Some(r) = role.filter(|_| !new_role) {
        c.assume_group(r, &rv, &hv);
    }
    let (owner_does, call, admits, own_call) = if a.higher_calls {
        (
            "admits a role, never one client",
            "allow_ingress",
            "its own group, egress only where it goes".to_owned(),
            "allow_egress",
        )
    } else {
        (
            "lets its group out to a role, never to one server",
            "allow_egress",
            format!("its own group admits {label}"),
            "allow_ingress",
        )
    };
    code.push(format!("// {lower_words}: the owner {owner_does}"));
    if new_role {
        let description = if a.higher_calls {
            format!("Every workload that uses {label}")
        } else {
            format!("Every workload that {label} reaches")
        };
        code.push(format!(
            "let {rv} = {lv}.security_group(&vpc, {}, {})?;",
            literal(&role_name),
            literal(&description)
        ));
        code.push(format!("{lv}.share(&{rv})?;"));
    }
    code.push(format!("{lv}.{call}(&{}, Peer::group(&{rv}), {port_code}, {desc})?;", gl.var));
    code.push(format!("// template {h_name}: {admits}"));
    code.push(own_group(m, findings, h, &hv, Some(a.higher_group)).1);
    code.push(format!("{hv}.{own_call}(&own, Peer::group(&{}), {port_code}, {desc})?;", gl.var));
    code.push(format!("let tasks = {hv}.group_set(\"tasks\", [&own, &{rv}])?;"));
    let vpc = c.vpc(&[a.higher_group, a.lower_group]);
    (if a.higher_calls { Shape::Client } else { Shape::Server }, vpc)
}

/// The plan of one RF101 finding, when its rule is in the model.
pub fn plan(
    loaded: &Loaded,
    m: &Model<'_>,
    imports: &Imports,
    findings: &[Finding],
    f: &Finding,
) -> Option<Plan> {
    let rule = m
        .rules
        .iter()
        .find(|r| !r.inline && m.stack_name(r.at.stack) == f.template && r.at.id.as_str() == f.logical_id)?;
    let t = rule.at.stack;
    let stack = m.stack_name(t).to_owned();
    let file = loaded.file(t);
    let mut c = Code::new(m);
    // The template's stack, named by the code of the client and member shapes.
    let sv = c.stack_vars[t].clone();
    let foreign_owner = match &rule.group {
        Obj::Local { stack, .. } if *stack != t => Some(*stack),
        _ => None,
    };
    let owner_var = match foreign_owner {
        Some(o) => c.stack_vars[o].clone(),
        None => c.outside_var(),
    };
    let mut g = named(m, rule, &rule.group, &sv);
    let mut taken = c.taken();
    taken.extend([owner_var.as_str(), "own"]);
    g.var = distinct(g.var, &taken);
    let external = g.external.is_some();
    let desc = literal(rule.description.as_deref().unwrap_or("TODO: why this rule exists"));
    let port = text::rule_ports(rule);
    let port_code = port_code(rule);
    let peer_words = text::peer(m, &rule.peer);
    let owner = match &rule.group {
        Obj::Local { stack, .. } => format!("template {}", m.stack_name(*stack)),
        _ => format!("the template that creates {}", g.words),
    };
    let workloads: Vec<_> = m.workloads.iter().filter(|w| w.at.stack == t).collect();
    let members: Vec<_> = workloads.iter().filter(|w| w.groups.contains(&rule.group)).collect();
    // The group of its own that the template's workloads join beside the foreign one.
    let own_joined = members.iter().flat_map(|w| w.groups.iter()).find(|o| o.created_by(t)).cloned();
    let own_peer = matches!(&rule.peer, RulePeer::Group(p) if p.created_by(t));
    let peer_group = match &rule.peer {
        RulePeer::Group(p) => Some(p),
        _ => None,
    };
    // The statements of the template's own program that name groups outside the suite.
    let mut decls: Vec<String> = Vec::new();
    let mut layout = Vec::new();
    let mut code = Vec::new();
    let ingress = rule.direction == Direction::Ingress;
    let (dir, prep) = (rule.direction.word(), rule.direction.preposition());
    // Where the rule's group is declared: in the template's program (outside the suite,
    // the template names it), or by the stack that creates it (assumed; outside the
    // suite, its owner's stack). `user` is the stack whose code names it.
    let place_group = |c: &mut Code<'_, '_>, decls: &mut Vec<String>, user: &str, in_owner: bool| match (
        g.decl(),
        in_owner,
    ) {
        (Some(_), true) => c.assume_outside(&g, user),
        (Some(d), false) => decls.push(d),
        (None, _) => c.assume_group(&rule.group, &g.var, user),
    };

    // A rule between groups of two owners, its own group's included, is split between
    // them (client or server); a rule the template's workloads are members of moves to a
    // group of its own (member); any other rule moves to the group's owner (owner).
    let split = across(rule, imports).filter(|_| own_peer || members.is_empty());
    let shape = if let Some(a) = split {
        split_layout(m, findings, rule, t, &a, (&port, &port_code, &desc), &mut c, &mut layout, &mut code)
    } else if !members.is_empty() {
        // Member: the rule belongs on a group of the template's own.
        let (role, own_line) = own_group(m, findings, t, &sv, own_joined.as_ref());
        let own_words = match &own_joined {
            Some(o) => format!("`{role}` ({} today, which its workloads already join)", short(m, o)),
            None => format!("`{role}`"),
        };
        let member_names: Vec<String> = members.iter().map(|w| w.at.id.to_string()).collect();
        layout.push(format!(
            "template {stack}'s workloads ({}) join {}: the rule changes that group for every workload in it, and goes with {stack}",
            member_names.join(", "),
            g.words
        ));
        layout.push(format!(
            "template {stack}: {dir} {port} {prep} {peer_words} on a group it creates, {own_words}"
        ));
        layout.push(format!(
            "template {stack}: its workloads join `{role}` beside {}, which stays their role group",
            g.words
        ));
        layout.push(format!("{owner}: unchanged; no other template adds rules to its group"));
        if ingress && matches!(&rule.peer, RulePeer::Group(p) if *p == rule.group) {
            layout.push(format!(
                "callers in {} whose egress is restricted add, each in its own template, egress {port} to `{role}` ({stack} shares it)",
                g.words
            ));
        }
        // The template names the foreign group: its workloads join it.
        c.stack(t);
        place_group(&mut c, &mut decls, &sv, false);
        code.push(format!("// template {stack}: the rule on a group it creates"));
        code.push(own_line);
        let peer = c.peer(rule, &g, own_joined.as_ref(), &sv, &mut decls);
        let call = if ingress { "allow_ingress" } else { "allow_egress" };
        code.push(format!("{sv}.{call}(&own, {peer}, {port_code}, {desc})?;"));
        if ingress && matches!(rule.peer, RulePeer::Group(_)) {
            code.push(format!("{sv}.share(&own)?; // for callers that restrict their egress"));
        }
        code.push(if external {
            format!("let tasks = {sv}.group_set(\"tasks\", ringfence::groups![&own, &{}])?;", g.var)
        } else {
            format!("let tasks = {sv}.group_set(\"tasks\", [&own, &{}])?;", g.var)
        });
        let groups: Vec<&Obj> = own_joined.iter().chain([&rule.group]).chain(peer_group).collect();
        let vpc = c.vpc(&groups);
        (Shape::Member, vpc)
    } else {
        // Owner: only the group's owner changes it.
        // A peer group here is the owner's too, or outside the suite: the owner names it.
        let which = if peer_group.is_some() { "those groups" } else { "that group" };
        layout.push(format!(
            "no workload of template {stack} joins {} or is the rule's peer: the rule concerns {which} only",
            g.words
        ));
        layout.push(format!("{owner}: declares {dir} {port} {prep} {peer_words} on its own group"));
        layout.push(format!("template {stack}: drops {}", rule.at.id));
        place_group(&mut c, &mut decls, &owner_var, true);
        if let Some(o) = foreign_owner {
            c.stack(o);
        }
        let peer = c.peer(rule, &g, None, &owner_var, &mut decls);
        let call = if ingress { "allow_ingress" } else { "allow_egress" };
        code.push(format!("// {owner}"));
        code.push(format!("{owner_var}.{call}(&{}, {peer}, {port_code}, {desc})?;", g.var));
        let groups: Vec<&Obj> = [&rule.group].into_iter().chain(peer_group).collect();
        let vpc = c.vpc(&groups);
        (Shape::Owner, vpc)
    };
    let (shape, vpc) = shape;

    // The identical rule elsewhere: EC2 keeps one copy.
    if let Some(k) = rule.identity() {
        for other in m.rules.iter().filter(|o| o.at != rule.at && o.identity() == Some(k)) {
            layout.push(format!(
                "today {}/{} declares the identical rule: EC2 keeps one copy, so deleting either stack removes it for both; in the layout above each template declares rules on its own groups only",
                m.stack_name(other.at.stack),
                other.at.id
            ));
        }
    }

    let mut snippet = String::new();
    for line in decls.iter().chain(code.iter()) {
        let _ = writeln!(snippet, "{line}");
    }
    Some(Plan {
        template: file.map_or_else(|| stack.clone(), |f| f.shown.clone()),
        stack: stack.clone(),
        resource: rule.at.id.to_string(),
        line: file.and_then(|f| f.resource_line(&loaded.suite, rule.at.id.as_str())),
        suppressed: f.suppressed.clone(),
        today: format!(
            "{stack}/{} declares {dir} {port} {prep} {peer_words} on {}, a group it does not create",
            rule.at.id, g.words
        ),
        shape,
        layout,
        assumes: c.assumes(vpc, &snippet),
        snippet,
    })
}

/// The plans of every RF101 finding, as text or JSON.
pub fn render(loaded: &Loaded, m: &Model<'_>, findings: &[Finding], as_json: bool) -> String {
    let imports = Imports::of(m);
    let plans: Vec<Plan> = findings
        .iter()
        .filter(|f| f.check == "RF101")
        .filter_map(|f| plan(loaded, m, &imports, findings, f))
        .collect();
    if as_json {
        let rows: Vec<serde_json::Value> = plans
            .iter()
            .map(|p| {
                json!({
                    "template": p.template,
                    "stack": p.stack,
                    "resource": p.resource,
                    "suppressed": p.suppressed,
                    "today": p.today,
                    "shape": p.shape.as_str(),
                    "layout": p.layout,
                    "assumes": p.assumes,
                    "snippet": p.snippet,
                })
            })
            .collect();
        return pretty(&json!({ "plans": rows }));
    }
    let mut out = String::new();
    if plans.is_empty() {
        let _ = writeln!(out, "No RF101 finding: every template adds rules only to groups it creates.");
        return out;
    }
    let _ = writeln!(out, "{} rule(s) on groups their template does not create (RF101):", plans.len());
    for p in &plans {
        let at = p.line.map(|l| format!(", line {l}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "\n{}/{} ({}{at}){}",
            p.stack,
            p.resource,
            p.template,
            p.suppressed.as_ref().map(|r| format!(" [suppressed: {}]", one_line(r))).unwrap_or_default()
        );
        let _ = writeln!(out, "  today: {}", one_line(&p.today));
        let _ = writeln!(out, "  ring-fenced ({}):", p.shape);
        for step in &p.layout {
            let _ = writeln!(out, "    - {}", one_line(step));
        }
        let _ = writeln!(out, "  assumes:");
        for line in p.assumes.lines() {
            let _ = writeln!(out, "    {line}");
        }
        let _ = writeln!(out, "  in ringfence:");
        for line in p.snippet.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_todo_says_its_text_whatever_braces_it_holds() {
        // `todo!("…")` formats its text: braces are escaped, quotes and backslashes too.
        assert_eq!(todo("the VPC's id: default VPC"), r#"todo!("the VPC's id: default VPC")"#);
        assert_eq!(
            todo(r#"the group's id: {"Fn::If": ["c", "a\b"]}"#),
            r#"todo!("the group's id: {{\"Fn::If\": [\"c\", \"a\\b\"]}}")"#
        );
    }

    #[test]
    fn shapes_print_as_before() {
        let names: Vec<String> = [Shape::Client, Shape::Server, Shape::Member, Shape::Owner]
            .iter()
            .map(Shape::to_string)
            .collect();
        assert_eq!(names, ["client", "server", "member", "owner"]);
    }
}
