//! `ringfence audit --plan`: for every RF101 finding (a rule on a group the template does
//! not create), the ring-fenced layout that replaces it, in words and as ringfence code.
//!
//! Three shapes, decided by who the rule is for:
//!
//! - **client**: an ingress rule on the foreign group whose peer is a group the template
//!   creates. The template lets its own group out to the foreign group; the group's owner
//!   admits a role group it creates and shares, which the template's workloads join.
//! - **member**: the template's workloads join the foreign group. The template puts the
//!   rule on a group it creates (the one its workloads already join beside the foreign
//!   group, or a new one named after the stack), and the workloads join both.
//! - **owner**: neither. The rule concerns the foreign group only: its owner declares it.

use std::fmt::Write as _;

use ringfence_analyze::{Direction, Finding, Model, Obj, Protocol, Rule, RulePeer};
use ringfence_cfn::ec2::rule_keys;
use ringfence_cfn::{RefTarget, Value};
use serde_json::json;

use crate::load::Loaded;
use crate::output::pretty;
use crate::text::{self, ident, literal};

/// The plan of one RF101 finding.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The template's file path.
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
    /// ringfence code for it.
    pub snippet: String,
}

/// Who the rule is for, which decides the layout (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `client`: the template's own group reaches the foreign group.
    Client,
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

/// How a group is named in words and in code.
struct Named {
    words: String,
    var: String,
    /// The ringfence statement that gives the variable, when the group is outside the
    /// suite (`ExternalGroup::from_id`, `group_parameter`).
    decl: Option<String>,
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
            decl: Some(format!("let {} = ExternalGroup::from_id({})?;", ident(&p), literal(id))),
        },
        (Obj::External(id), None) => Named {
            words: id.clone(),
            var: ident(id),
            decl: Some(format!("let {} = ExternalGroup::from_id({})?;", ident(id), literal(id))),
        },
        (Obj::Parameter { name, .. }, _) => Named {
            words: format!("the group passed as parameter {name}"),
            var: ident(name.as_str()),
            decl: Some(format!(
                "let {} = {stack_var}.group_parameter({}, \"The shared group\")?;",
                ident(name.as_str()),
                literal(name.as_str())
            )),
        },
        (Obj::Local { stack, .. }, _) => Named {
            words: format!("{label} (created by {})", m.stack_name(*stack)),
            var: ident(&label),
            decl: None,
        },
        (Obj::Unknown(_), _) => Named { words: label.clone(), var: "shared".into(), decl: None },
    }
}

/// `Port::tcp(8080)`, `Port::tcp_range(8000, 8080)?`, `Port::ALL_TRAFFIC`…; for ports
/// CloudFormation rejects, a `todo!` that says so rather than a guess.
fn port_code(r: &Rule) -> String {
    let Some(ports) = r.ports else {
        return "todo!(\"the rule's protocol or ports are unreadable (RF001)\")".into();
    };
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

fn peer_code(m: &Model<'_>, r: &Rule, stack_var: &str, decls: &mut Vec<String>) -> String {
    match &r.peer {
        RulePeer::V4(n) if n.prefix_len() == 0 => "Peer::any_ipv4()".into(),
        RulePeer::V6(n) if n.prefix_len() == 0 => "Peer::any_ipv6()".into(),
        RulePeer::V4(n) => format!("Peer::ipv4({})?", literal(&n.to_string())),
        RulePeer::V6(n) => format!("Peer::ipv6({})?", literal(&n.to_string())),
        RulePeer::Group(g) => {
            let n = named(m, r, g, stack_var);
            if let Some(d) = n.decl {
                if !decls.contains(&d) {
                    decls.push(d);
                }
            }
            format!("Peer::group(&{})", n.var)
        }
        RulePeer::PrefixList(p) => {
            let id = match p {
                Obj::External(id) => id.clone(),
                other => m.describe(other),
            };
            format!("Peer::prefix_list({})?", literal(&id))
        }
        RulePeer::None => "/* no peer */".into(),
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
fn distinct(var: String, taken: &[&str]) -> String {
    if taken.contains(&var.as_str()) {
        format!("{var}_group")
    } else {
        var
    }
}

/// The plan of one RF101 finding, when its rule is in the model.
pub fn plan(loaded: &Loaded, m: &Model<'_>, findings: &[Finding], f: &Finding) -> Option<Plan> {
    let rule = m
        .rules
        .iter()
        .find(|r| !r.inline && m.stack_name(r.at.stack) == f.template && r.at.id.as_str() == f.logical_id)?;
    let t = rule.at.stack;
    let stack = m.stack_name(t).to_owned();
    let file = loaded.file(t);
    let sv = ident(&stack);
    let owner_var = match &rule.group {
        Obj::Local { stack, .. } if *stack != t => ident(m.stack_name(*stack)),
        _ => "owner".to_owned(),
    };
    let mut g = named(m, rule, &rule.group, &sv);
    g.var = distinct(g.var, &[&sv, &owner_var, "own"]);
    let external = g.decl.is_some();
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
    let own_peer = match &rule.peer {
        RulePeer::Group(p) if p.created_by(t) => Some(p.clone()),
        _ => None,
    };
    let mut decls: Vec<String> = g.decl.iter().cloned().collect();
    let mut layout = Vec::new();
    let mut code = Vec::new();
    let ingress = rule.direction == Direction::Ingress;
    let (dir, prep) = (rule.direction.word(), rule.direction.preposition());
    let set = |other: &str| {
        if external {
            format!(
                "let tasks = {sv}.group_set(\"tasks\", [GroupRef::from(&own), GroupRef::from(&{other})])?;"
            )
        } else {
            format!("let tasks = {sv}.group_set(\"tasks\", [&own, &{other}])?;")
        }
    };

    let shape = if let (true, Some(own)) = (ingress, &own_peer) {
        // Client: the template's own group reaches the foreign group.
        let own_name = short(m, own);
        // A role group of the same owner that the workloads already join, if any.
        let role = workloads
            .iter()
            .flat_map(|w| w.groups.iter())
            .find(|o| {
                **o != rule.group
                    && matches!((o, &rule.group), (Obj::Local { stack: a, .. }, Obj::Local { stack: b, .. }) if a == b)
            })
            .map(|o| text::group(m, o));
        let (role_name, new_role) = match role {
            Some(r) => (r, false),
            None => (format!("{}-clients", short(m, &rule.group)), true),
        };
        let rv = distinct(ident(&role_name), &[&sv, &owner_var, "own", &g.var]);
        layout.push(format!(
            "template {stack} is a client of {}: its group {own_name} reaches it on {port}",
            g.words
        ));
        layout.push(format!(
            "template {stack}: egress {port} from its own group {own_name} to {} (a rule on a group it creates)",
            g.words
        ));
        layout.push(format!(
            "{owner}: admits the role group `{role_name}` on {port} (ingress on its own group){}",
            if new_role { ", a group it creates and shares" } else { "" }
        ));
        layout.push(format!("template {stack}: its workloads join `{role_name}` beside {own_name}"));
        code.push(format!("// {owner}: the owner admits a role, never one client"));
        if new_role {
            code.push(format!(
                "let {rv} = {owner_var}.security_group(&vpc, {}, {})?;",
                literal(&role_name),
                literal(&format!("Every workload that uses {}", short(m, &rule.group)))
            ));
            code.push(format!("{owner_var}.share(&{rv})?;"));
        }
        code.push(format!(
            "{owner_var}.allow_ingress(&{}, Peer::group(&{rv}), {port_code}, {desc})?;",
            g.var
        ));
        code.push(format!("// template {stack}: its own group, egress only where it goes"));
        code.push(own_group(m, findings, t, &sv, Some(own)).1);
        code.push(format!("{sv}.allow_egress(&own, Peer::group(&{}), {port_code}, {desc})?;", g.var));
        code.push(format!("let tasks = {sv}.group_set(\"tasks\", [&own, &{rv}])?;"));
        Shape::Client
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
        code.push(format!("// template {stack}: the rule on a group it creates"));
        code.push(own_line);
        let peer = peer_code(m, rule, &sv, &mut decls);
        let call = if ingress { "allow_ingress" } else { "allow_egress" };
        code.push(format!("{sv}.{call}(&own, {peer}, {port_code}, {desc})?;"));
        if ingress && matches!(rule.peer, RulePeer::Group(_)) {
            code.push(format!("{sv}.share(&own)?; // for callers that restrict their egress"));
        }
        code.push(set(&g.var));
        Shape::Member
    } else {
        // Owner: only the group's owner changes it.
        layout.push(format!(
            "no workload of template {stack} joins {} or is the rule's peer: the rule concerns that group only",
            g.words
        ));
        layout.push(format!("{owner}: declares {dir} {port} {prep} {peer_words} on its own group"));
        layout.push(format!("template {stack}: drops {}", rule.at.id));
        let peer = peer_code(m, rule, &owner_var, &mut decls);
        let call = if ingress { "allow_ingress" } else { "allow_egress" };
        code.push(format!("// {owner}"));
        code.push(format!("{owner_var}.{call}(&{}, {peer}, {port_code}, {desc})?;", g.var));
        Shape::Owner
    };

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
        template: file.map_or_else(|| stack.clone(), |f| f.path.clone()),
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
        snippet,
    })
}

/// The plans of every RF101 finding, as text or JSON.
pub fn render(loaded: &Loaded, m: &Model<'_>, findings: &[Finding], as_json: bool) -> String {
    let plans: Vec<Plan> =
        findings.iter().filter(|f| f.check == "RF101").filter_map(|f| plan(loaded, m, findings, f)).collect();
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
            p.suppressed.as_ref().map(|r| format!(" [suppressed: {r}]")).unwrap_or_default()
        );
        let _ = writeln!(out, "  today: {}", p.today);
        let _ = writeln!(out, "  ring-fenced ({}):", p.shape);
        for step in &p.layout {
            let _ = writeln!(out, "    - {step}");
        }
        let _ = writeln!(out, "  in ringfence:");
        for line in p.snippet.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}
