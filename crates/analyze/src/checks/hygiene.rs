//! What reviewers catch by eye: names, descriptions, the world-open mistakes, fake
//! egress restriction, unused groups.

use super::{RF201, RF202, RF301, RF302, RF303, RF603};
use ringfence_cfn::ec2::{no_egress, Direction, Protocol};
use ringfence_cfn::{Parameter, Value};
use rustc_hash::{FxHashMap, FxHashSet as HashSet};

use crate::finding::Reporter;
use crate::model::{Model, Rule, RulePeer};
use crate::suite::{Obj, NESTED_STACK};

/// Ports that must never be open to the world, with what usually listens there.
pub const SENSITIVE_PORTS: &[(i32, &str)] = &[
    (22, "SSH"),
    (23, "Telnet"),
    (445, "SMB"),
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (2375, "Docker"),
    (2379, "etcd"),
    (3306, "MySQL"),
    (3389, "RDP"),
    (5432, "PostgreSQL"),
    (5601, "Kibana"),
    (5900, "VNC"),
    (5984, "CouchDB"),
    (6379, "Redis"),
    (9092, "Kafka"),
    (9200, "Elasticsearch"),
    (11211, "Memcached"),
    (27017, "MongoDB"),
];

pub(super) fn run<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    names(m, r);
    descriptions(m, r);
    world_open(m, r);
    fake_egress(m, r);
    unused(m, r);
}

/// The words of a name, lower case: split at anything but letters and digits, between
/// a lower-case letter and an upper-case one (`AllowHttps`), before the last capital of
/// a run followed by lower case (`SGAllTraffic`: `sg`, `all`, `traffic`), and between
/// letters and digits (`web8443`).
fn words(name: &str) -> Vec<&str> {
    // Bytes: every boundary is between ASCII characters (a byte of a multi-byte
    // character is no letter or digit, so it separates).
    let b = name.as_bytes();
    let mut words = Vec::new();
    let mut start = None;
    for i in 0..b.len() {
        let c = b[i];
        if !c.is_ascii_alphanumeric() {
            if let Some(s) = start.take() {
                words.push(&name[s..i]);
            }
            continue;
        }
        if let Some(s) = start {
            let prev = b[i - 1];
            let next_lower = b.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            let boundary = (prev.is_ascii_lowercase() && c.is_ascii_uppercase())
                || (prev.is_ascii_uppercase() && c.is_ascii_uppercase() && next_lower)
                || prev.is_ascii_digit() != c.is_ascii_digit();
            if boundary {
                words.push(&name[s..i]);
                start = Some(i);
            }
        } else {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        words.push(&name[s..]);
    }
    words
}

/// Names of things that start with a rule word (`OpenSearch`, `OpenVPN`): the rule word
/// followed by one of these is no rule word.
const PRODUCTS: &[(&str, &[&str])] =
    &[("open", &["search", "vpn", "ldap", "shift", "telemetry", "stack", "zfs"])];

/// Words that say what a group allows rather than what it encloses.
const RULE_WORDS: &[&str] = &["allow", "allowed", "permit", "open", "all", "any", "anywhere", "world"];

fn names<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    // Ports each group's rules name: a number in a group name is a port name only if
    // the group's rules use that port (`web-8443` with a rule on 8443), not a
    // sequence number (`bot-00042`).
    let mut ports: FxHashMap<&Obj, HashSet<i64>> = FxHashMap::default();
    for (rule, p) in m.rules.iter().filter_map(|r| Some((r, r.ports.filter(|p| p.protocol().has_ports())?))) {
        let set = ports.entry(&rule.group).or_default();
        set.insert(p.from_port().into());
        set.insert(p.to_port().into());
    }
    for g in &m.groups {
        let me = Obj::Local { stack: g.at.stack, id: g.at.id.clone() };
        let used = ports.get(&me);
        // A group without a GroupName or Name tag is known by its logical id.
        let id = (g.name.is_none() && g.tag_name.is_none()).then(|| g.at.id.to_string());
        for name in [&g.name, &g.tag_name, &id].into_iter().flatten() {
            let tokens = words(name);
            let is = |t: &str, w: &str| t.eq_ignore_ascii_case(w);
            let word = tokens.iter().enumerate().find_map(|(i, t)| {
                let product = PRODUCTS.iter().any(|(first, rest)| {
                    is(t, first) && tokens.get(i + 1).is_some_and(|next| rest.iter().any(|r| is(next, r)))
                });
                (RULE_WORDS.iter().any(|w| is(t, w)) && !product).then(|| t.to_ascii_lowercase())
            });
            let port = tokens.iter().find(|t| {
                t.chars().all(|c| c.is_ascii_digit())
                    && !t.starts_with('0')
                    && t.parse::<i64>().is_ok_and(|p| used.is_some_and(|u| u.contains(&p)))
            });
            let why = match (word, port) {
                (Some(w), _) => format!("`{w}`"),
                (None, Some(p)) => format!("the port number `{p}`"),
                (None, None) => continue,
            };
            r.report(
                &RF201,
                &g.at,
                format!("group name `{name}` contains {why}: it says what the group allows, not what it encloses"),
                "name the group after the role of its members and the environment, e.g. `game-servers-production`; say what it allows in rule descriptions",
            );
            break;
        }
    }
}

fn descriptions<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    for g in &m.groups {
        let generic = g.description.as_deref().map(|d| d.trim().to_ascii_lowercase());
        if matches!(
            generic.as_deref(),
            None | Some("") | Some("managed by terraform") | Some("security group")
        ) {
            r.report(
                &RF202,
                &g.at,
                "group has no description of what it encloses".into(),
                "describe the role of its members and why they need the group",
            );
        }
    }
    for rule in &m.rules {
        if rule.description.as_deref().is_none_or(|d| d.trim().is_empty()) && rule.peer != RulePeer::None {
            r.report(
                &RF202,
                &rule.at,
                "rule has no description saying why it exists".into(),
                "add a Description; a rule nobody can explain is a rule nobody dares remove",
            );
        }
    }
}

fn world_open<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    for rule in m.rules.iter().filter(|r| r.direction == Direction::Ingress) {
        // The whole Internet, or a parameter that may be it (said after the message).
        let via = if rule.peer_is_world() {
            String::new()
        } else if let Some(param) = world_by_parameter(m, rule) {
            format!(": its peer is {param}")
        } else {
            continue;
        };
        let via = format!("{via}{}", rule.when_text());
        let may = if via.is_empty() { "" } else { "may " };
        let constrain = if via.is_empty() {
            ""
        } else {
            "; constrain the parameter (AllowedPattern, AllowedValues) to the ranges that need it"
        };
        let Some(p) = rule.ports else { continue };
        let (from, to) = (p.from_port(), p.to_port());
        let every_port = p.protocol() == Protocol::All
            || (p.protocol().has_ports() && ((from <= 0 && to >= 65535) || (from == -1 && to == -1)));
        if every_port {
            r.report(
                &RF302,
                &rule.at,
                format!(
                    "{may}admit{} all traffic from the whole Internet{via}",
                    if may.is_empty() { "s" } else { "" }
                ),
                &format!(
                    "admit only the ports the service listens on, from the peers that need them{constrain}"
                ),
            );
            continue;
        }
        if !p.protocol().has_ports() {
            continue;
        }
        let open: Vec<String> = SENSITIVE_PORTS
            .iter()
            .filter(|(p, _)| rule.covers_port(*p))
            .map(|(p, what)| format!("{p} ({what})"))
            .collect();
        if !open.is_empty() {
            r.report(
                &RF301,
                &rule.at,
                format!("{may}open{} {} to the whole Internet{via}", if may.is_empty() { "s" } else { "" }, open.join(", ")),
                &format!("admit administration only from a bastion's group or an administration range, and data ports only from the groups of their clients{constrain}"),
            );
        }
    }
}

/// `parameter NAME of STACK, which accepts 0.0.0.0/0`: the parameter a rule's peer
/// range comes from, when it has no value and its constraints accept the whole IPv4 or
/// IPv6 Internet.
fn world_by_parameter(m: &Model<'_>, rule: &Rule) -> Option<String> {
    let RulePeer::Undecided(obj @ Obj::Parameter { stack, name }) = &rule.peer else { return None };
    let p = m.resolver.suite().templates()[*stack].template.parameters.get(name)?;
    let world = ["0.0.0.0/0", "::/0"].into_iter().find(|w| accepts(p, w))?;
    Some(format!("{}, which accepts {world}", m.describe(obj)))
}

/// Whether a parameter's constraints accept `text`: its type, `AllowedValues`,
/// `MinLength`/`MaxLength` and `AllowedPattern` (matched whole, as CloudFormation
/// matches it; a pattern this engine cannot compile accepts).
pub(crate) fn accepts(p: &Parameter, text: &str) -> bool {
    if p.parameter_type != "String" {
        return false;
    }
    if !p.allowed_values.is_empty()
        && !p.allowed_values.iter().any(|v| matches!(v, Value::String(s) if s == text))
    {
        return false;
    }
    let len = text.chars().count() as u64;
    let bound = |key: &str| match p.other_keys.get(key) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    if bound("MinLength").is_some_and(|n| len < n) || bound("MaxLength").is_some_and(|n| len > n) {
        return false;
    }
    match &p.allowed_pattern {
        None => true,
        Some(pattern) => {
            regex_lite::Regex::new(&format!("^(?:{pattern})$")).map_or(true, |re| re.is_match(text))
        }
    }
}

fn fake_egress<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    // Standalone egress rules per group, counted in one pass (not once per group).
    let mut standalone_egress: FxHashMap<&Obj, usize> = Default::default();
    for rule in m.rules.iter().filter(|rule| !rule.inline && rule.direction == Direction::Egress) {
        *standalone_egress.entry(&rule.group).or_default() += 1;
    }
    if standalone_egress.is_empty() {
        return;
    }
    for g in m.groups.iter().filter(|g| !g.inline_egress) {
        let me = Obj::Local { stack: g.at.stack, id: g.at.id.clone() };
        let standalone = standalone_egress.get(&me).copied().unwrap_or(0);
        if standalone > 0 {
            r.report(
                &RF303,
                &g.at,
                format!("has {standalone} standalone egress rule(s) but no inline SecurityGroupEgress, so EC2 keeps its allow-all egress rule and they restrict nothing"),
                &format!("give the group inline egress: its real rules, or {}", no_egress::SUMMARY),
            );
        }
    }
}

fn unused<'m>(m: &'m Model<'m>, r: &mut Reporter<'m>) {
    let mut used: HashSet<&Obj> = HashSet::default();
    for w in &m.workloads {
        used.extend(w.groups.iter());
    }
    for rule in &m.rules {
        if let RulePeer::Group(o) = &rule.peer {
            used.insert(o);
        }
    }
    // What a template exports, and passes to nested stacks outside the suite (whose
    // templates use it: read through the link when the child is in the suite), by
    // (template, logical id): read once, not once per group.
    let suite = m.resolver.suite();
    let mut kept: HashSet<(usize, &ringfence_cfn::LogicalId)> = HashSet::default();
    for (stack, t) in suite.templates().iter().enumerate() {
        for o in t.template.outputs.values().filter(|o| o.export.is_some()) {
            kept.extend(o.value.references().into_iter().map(|id| (stack, id)));
        }
        let unlinked = t
            .template
            .resources
            .iter()
            .filter(|(id, r)| r.resource_type == NESTED_STACK && suite.child(stack, id).is_none());
        for (_, r) in unlinked {
            if let Some(p) = r.properties.get("Parameters") {
                kept.extend(p.references().into_iter().map(|id| (stack, id)));
            }
        }
    }
    for g in &m.groups {
        let me = Obj::Local { stack: g.at.stack, id: g.at.id.clone() };
        if used.contains(&me) || kept.contains(&(g.at.stack, &g.at.id)) {
            continue;
        }
        r.report(
            &RF603,
            &g.at,
            "no workload joins this group and no rule names it".into(),
            "delete it, or attach it to the workload it was made for",
        );
    }
}
