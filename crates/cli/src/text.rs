//! Words for the model's objects, shared by the commands.

use ringfence_analyze::{ports_text, Model, Obj, PortRange, Rule, RulePeer};

/// Ports in [`PortRange`]'s one text form: `tcp/5432`, `tcp/8000-8080`, `tcp/all`,
/// `udp/53`, `icmp/8/0`, `icmp/3`, `icmp/all`, `all`, `proto/50`; `unreadable ports`
/// for a rule whose protocol or ports CloudFormation rejects.
pub fn ports(ports: Option<PortRange>) -> String {
    ports_text(ports)
}

/// The ports of a rule.
pub fn rule_ports(rule: &Rule) -> String {
    ports(rule.ports)
}

/// A group by the name people know it by: `GroupName`, else its `Name` tag, else
/// `stack/LogicalId` (or the literal id, or the parameter).
pub fn group(m: &Model<'_>, obj: &Obj) -> String {
    match m.group(obj) {
        Some(g) => g.name.clone().or_else(|| g.tag_name.clone()).unwrap_or_else(|| m.describe(obj)),
        None => m.describe(obj),
    }
}

/// The other end of a rule, in words.
pub fn peer(m: &Model<'_>, peer: &RulePeer) -> String {
    match peer {
        RulePeer::V4(n) if n.prefix_len() == 0 => "0.0.0.0/0 (the Internet)".into(),
        RulePeer::V6(n) if n.prefix_len() == 0 => "::/0 (the Internet)".into(),
        RulePeer::V4(n) => n.to_string(),
        RulePeer::V6(n) => n.to_string(),
        RulePeer::Group(g) => format!("group {}", group(m, g)),
        RulePeer::PrefixList(p) => format!("prefix list {}", m.describe(p)),
        RulePeer::Undecided(o) => format!("{} (known at deployment)", m.describe(o)),
        RulePeer::None => "nothing".into(),
    }
}

/// `ingress tcp/5432 from group bots-production` / `egress tcp/443 to 0.0.0.0/0 (the Internet)`.
pub fn rule(m: &Model<'_>, r: &Rule) -> String {
    let (dir, prep) = (r.direction.word(), r.direction.preposition());
    format!("{dir} {} {prep} {}", rule_ports(r), peer(m, &r.peer))
}

/// The rule with its group: `ingress tcp/5432 from group bots on chat-db`.
pub fn rule_on_group(m: &Model<'_>, r: &Rule) -> String {
    format!("{} on {}", rule(m, r), group(m, &r.group))
}

/// A Rust identifier (snake case) for a name: `bot-trivia` → `bot_trivia`,
/// `SharedBotsSG` → `shared_bots_sg`.
pub fn ident(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = c.is_ascii_uppercase()
                && prev.is_some_and(|p| {
                    p.is_ascii_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_ascii_uppercase() && next.is_some_and(char::is_ascii_lowercase))
                });
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_owned();
    match out.chars().next() {
        None => "group".into(),
        Some(c) if c.is_ascii_digit() => format!("g_{out}"),
        Some(_) => out,
    }
}

/// The role of a group known as `name` (its `GroupName`, `Name` tag, logical id or
/// parameter name), as a group name: the words of the name in kebab case, without what
/// says only that it is a group (`SecurityGroup`, `SG`, `Group`, `Id`) or a CDK hash:
/// `DatabaseSecurityGroup` → `database`, `ChatDbSecurityGroup7FF5D55A` → `chat-db`,
/// `orders-db` → `orders-db`. A group known only by its id is `group-` and the id's
/// digits (AWS refuses group names that start with `sg-`).
pub fn role(name: &str) -> String {
    if let Some(id) = name.strip_prefix("sg-") {
        let id: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
        return format!("group-{}", id.to_ascii_lowercase());
    }
    // A CDK hash: 8 upper-case hexadecimal digits at the end of a longer logical id.
    let hash = name.len() > 8
        && name.is_char_boundary(name.len() - 8)
        && name[name.len() - 8..].bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
        && name[name.len() - 8..].bytes().any(|b| b.is_ascii_digit());
    let name = if hash { &name[..name.len() - 8] } else { name };
    let snake = ident(name);
    let mut words: Vec<&str> = snake.split('_').collect();
    while words.len() > 1 && matches!(words.last(), Some(&("sg" | "group" | "groups" | "id" | "ids"))) {
        words.pop();
        if words.len() > 1 && words.last() == Some(&"security") {
            words.pop();
        }
    }
    words.join("-")
}

/// A Rust string literal.
pub fn literal(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_read_like_the_console() {
        use ringfence_analyze::Protocol;
        let ports = |p, from, to| ports(Some(PortRange::new(p, from, to)));
        assert_eq!(ports(Protocol::Tcp, 5432, 5432), "tcp/5432");
        assert_eq!(ports(Protocol::Tcp, 8000, 8080), "tcp/8000-8080");
        assert_eq!(ports(Protocol::Tcp, -1, -1), "tcp/all");
        assert_eq!(ports(Protocol::Udp, 0, 65535), "udp/all");
        assert_eq!(ports(Protocol::Icmp, 8, 0), "icmp/8/0");
        assert_eq!(ports(Protocol::Icmp, 3, -1), "icmp/3");
        assert_eq!(ports(Protocol::Icmpv6, -1, -1), "icmpv6/all");
        assert_eq!(ports(Protocol::All, -1, -1), "all");
        assert_eq!(ports(Protocol::Other(50), -1, -1), "proto/50");
        assert_eq!(super::ports(None), "unreadable ports");
    }

    #[test]
    fn identifiers_are_snake_case() {
        assert_eq!(ident("bot-trivia"), "bot_trivia");
        assert_eq!(ident("SharedBotsSG"), "shared_bots_sg");
        assert_eq!(ident("DatabaseSG"), "database_sg");
        assert_eq!(ident("chat-db-production"), "chat_db_production");
        assert_eq!(ident("sg-0b7a"), "sg_0b7a");
        assert_eq!(ident("8443"), "g_8443");
        assert_eq!(ident("--"), "group");
    }

    #[test]
    fn roles_are_the_words_of_a_name_that_say_more_than_group() {
        assert_eq!(role("DatabaseSecurityGroup"), "database");
        assert_eq!(role("SharedBotsSG"), "shared-bots");
        assert_eq!(role("DbSG"), "db");
        assert_eq!(role("ChatDbSecurityGroup7FF5D55A"), "chat-db");
        assert_eq!(role("WebGroupId"), "web");
        assert_eq!(role("orders-db"), "orders-db");
        assert_eq!(role("Orders DB"), "orders-db");
        assert_eq!(role("allow-https-8443"), "allow-https-8443");
        assert_eq!(role("SecurityGroup"), "security");
        assert_eq!(role("SG"), "sg");
        assert_eq!(role("sg-0b7a1c2d3e4f50617"), "group-0b7a1c2d3e4f50617");
    }
}
