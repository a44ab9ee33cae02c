//! Diagrams of a suite's security groups, in Graphviz DOT ([`dot`]) and Mermaid
//! ([`mermaid`]).
//!
//! - Groups are boxes, clustered by the template (stack) that creates them; groups and
//!   prefix lists outside the suite (literal ids, parameters with no known value,
//!   references that could not be resolved) share a cluster labelled "outside the
//!   suite". Every group of the model is drawn, with or without rules.
//! - Address ranges are nodes of their own, outside every cluster; `0.0.0.0/0` and `::/0`
//!   are "the Internet (IPv4)" and "the Internet (IPv6)". Prefix lists are nodes of
//!   their own, in the cluster of the template that creates them or outside the suite.
//! - Each rule is one edge in the direction traffic flows: an ingress rule of group B
//!   from peer A is `A -> B` (drawn solid), an egress rule of group A to peer B is
//!   `A -> B` (drawn dashed). Its label is the ports in
//!   [`PortRange`](ringfence_cfn::ec2::PortRange)'s one text form
//!   (`tcp/5432`, `tcp/8000-8080`, `tcp/all`, `udp/53`, `icmp/8/0`, `icmp/all`, `all`;
//!   `unreadable ports` for a rule CloudFormation rejects) and, on the next lines, the
//!   rule's description wrapped at 40 characters. Identical edges are drawn once. The placeholder egress rule that
//!   matches no traffic (ICMP 252/86 to `255.255.255.255/32`) and rules with no peer are
//!   not drawn.
//! - Node ids are derived from the template's index and the logical id (`s0_DbGroup`),
//!   or from the literal id (`ext_sg_2d0123abcd`) or range (`v4_10_0_0_0_16`), so they
//!   stay valid in both formats and stable across runs. Nodes and edges come in model
//!   order: the same model always gives the same bytes.

use std::fmt::Write as _;

use indexmap::{IndexMap, IndexSet};
use ipnet::{Ipv4Net, Ipv6Net};

use ringfence_cfn::ec2::{is_no_egress, Direction};

use crate::model::{ports_text, Model, Rule, RulePeer};
use crate::suite::Obj;

/// What a node stands for; decides its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Group,
    PrefixList,
    Range,
    Internet,
}

#[derive(Debug, Clone)]
struct Node {
    id: String,
    label: String,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Edge {
    from: String,
    to: String,
    ports: String,
    description: Option<String>,
    egress: bool,
}

/// Edge labels wrap their description at this many characters, so that long ones do
/// not stretch the diagram.
const WRAP: usize = 40;

impl Edge {
    /// The label's lines: the ports, then the description wrapped at word boundaries.
    fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.ports.clone()];
        for paragraph in self.description.iter().flat_map(|d| d.lines()) {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WRAP {
                    lines.push(std::mem::take(&mut line));
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
            }
            if !line.is_empty() {
                lines.push(line);
            }
        }
        lines
    }
}

/// Where a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Stack(usize),
    Outside,
    Loose,
}

/// The diagram, independent of the output format.
struct Graph {
    /// Stack index, stack name, nodes; stacks with no node are left out.
    stacks: Vec<(usize, String, Vec<Node>)>,
    outside: Vec<Node>,
    loose: Vec<Node>,
    edges: Vec<Edge>,
}

struct Builder<'m, 'a> {
    model: &'m Model<'a>,
    stacks: Vec<IndexMap<String, Node>>,
    outside: IndexMap<String, Node>,
    loose: IndexMap<String, Node>,
}

impl Builder<'_, '_> {
    fn add(&mut self, place: Place, node: Node) -> String {
        let id = node.id.clone();
        let map = match place {
            Place::Stack(s) if s < self.stacks.len() => &mut self.stacks[s],
            Place::Stack(_) | Place::Outside => &mut self.outside,
            Place::Loose => &mut self.loose,
        };
        map.entry(id.clone()).or_insert(node);
        id
    }

    fn group(&mut self, obj: &Obj) -> String {
        let (place, label) = match obj {
            Obj::Local { stack, id } => {
                let label = self
                    .model
                    .group(obj)
                    .and_then(|g| {
                        [&g.name, &g.tag_name].into_iter().flatten().find(|n| !n.trim().is_empty()).cloned()
                    })
                    .unwrap_or_else(|| id.to_string());
                (Place::Stack(*stack), label)
            }
            other => (Place::Outside, self.model.describe(other)),
        };
        self.add(place, Node { id: obj_key(obj), label, kind: Kind::Group })
    }

    fn prefix_list(&mut self, obj: &Obj) -> String {
        let place = match obj {
            Obj::Local { stack, .. } => Place::Stack(*stack),
            _ => Place::Outside,
        };
        let label = match obj {
            Obj::Local { id, .. } => format!("prefix list {id}"),
            other => format!("prefix list {}", self.model.describe(other)),
        };
        self.add(place, Node { id: format!("pl_{}", obj_key(obj)), label, kind: Kind::PrefixList })
    }

    /// A peer known only at deployment (a parameter without a value, an import): outside
    /// every stack, named by what it is.
    fn undecided(&mut self, obj: &Obj) -> String {
        let label = format!("{} (known at deployment)", self.model.describe(obj));
        self.add(Place::Outside, Node { id: format!("u_{}", obj_key(obj)), label, kind: Kind::Range })
    }

    fn v4(&mut self, net: &Ipv4Net) -> String {
        let net = net.trunc();
        let [a, b, c, d] = net.addr().octets();
        let id = format!("v4_{a}_{b}_{c}_{d}_{}", net.prefix_len());
        let node = if net.prefix_len() == 0 {
            Node { id, label: "the Internet (IPv4)".into(), kind: Kind::Internet }
        } else {
            Node { id, label: net.to_string(), kind: Kind::Range }
        };
        self.add(Place::Loose, node)
    }

    fn v6(&mut self, net: &Ipv6Net) -> String {
        let net = net.trunc();
        let mut id = String::from("v6");
        for s in net.addr().segments() {
            let _ = write!(id, "_{s:x}");
        }
        let _ = write!(id, "_{}", net.prefix_len());
        let node = if net.prefix_len() == 0 {
            Node { id, label: "the Internet (IPv6)".into(), kind: Kind::Internet }
        } else {
            Node { id, label: net.to_string(), kind: Kind::Range }
        };
        self.add(Place::Loose, node)
    }
}

impl Graph {
    fn of(model: &Model<'_>) -> Graph {
        let stack_count = model.resolver.suite().templates().len();
        let mut b = Builder {
            model,
            stacks: (0..stack_count).map(|_| IndexMap::new()).collect(),
            outside: IndexMap::new(),
            loose: IndexMap::new(),
        };
        for g in &model.groups {
            b.group(&Obj::Local { stack: g.at.stack, id: g.at.id.clone() });
        }
        let mut edges = IndexSet::new();
        for rule in model.rules.iter().filter(|r| !is_placeholder(r)) {
            let peer = match &rule.peer {
                RulePeer::V4(n) => b.v4(n),
                RulePeer::V6(n) => b.v6(n),
                RulePeer::Group(o) => b.group(o),
                RulePeer::PrefixList(o) => b.prefix_list(o),
                RulePeer::Undecided(o) => b.undecided(o),
                RulePeer::None => continue,
            };
            let me = b.group(&rule.group);
            let egress = rule.direction == Direction::Egress;
            let (from, to) = if egress { (me, peer) } else { (peer, me) };
            let description = rule.description.clone().filter(|d| !d.trim().is_empty());
            edges.insert(Edge { from, to, ports: ports_text(rule.ports), description, egress });
        }
        let stacks = b
            .stacks
            .into_iter()
            .enumerate()
            .filter(|(_, nodes)| !nodes.is_empty())
            .map(|(i, nodes)| (i, model.stack_name(i).to_owned(), nodes.into_values().collect()))
            .collect();
        Graph {
            stacks,
            outside: b.outside.into_values().collect(),
            loose: b.loose.into_values().collect(),
            edges: edges.into_iter().collect(),
        }
    }
}

/// The egress rule ringfence and the AWS CDK give a group with no egress, so that EC2
/// adds no allow-all rule ([`ringfence_cfn::ec2::no_egress`]). It matches no packet.
fn is_placeholder(rule: &Rule) -> bool {
    let v4 = match &rule.peer {
        RulePeer::V4(n) => Some((n.addr(), n.prefix_len())),
        _ => None,
    };
    rule.ports.is_some_and(|p| is_no_egress(rule.direction, p, v4))
}

/// A node id for an object, made of ASCII letters, digits and `_`; distinct objects get
/// distinct ids. Logical ids are alphanumeric, so `s{stack}_{id}` cannot clash with
/// `s{stack}_param_{name}`.
fn obj_key(obj: &Obj) -> String {
    match obj {
        Obj::Local { stack, id } => format!("s{stack}_{id}"),
        Obj::Parameter { stack, name } => format!("s{stack}_param_{name}"),
        Obj::External(id) => format!("ext_{}", sanitize(id)),
        Obj::Unknown(what) => format!("unknown_{}", sanitize(what)),
    }
}

/// ASCII letters and digits as they are; every other byte (`_` included) as `_` and two
/// hex digits, so that different texts never give the same id.
fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "_{b:02x}");
        }
    }
    out
}

/// Text inside a DOT double-quoted string.
fn dot_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text inside a Mermaid double-quoted label: quotes and the characters Mermaid or its
/// HTML labels read specially as entity codes, line breaks as `<br>`.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '`' => out.push_str("#96;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A Graphviz DOT diagram of the model's security groups and the flows their rules
/// allow. See the [module documentation](self) for what is drawn and how.
///
/// ```
/// use ringfence_analyze::{diagram, Model, Suite};
/// use ringfence_cfn::Template;
///
/// let web = Template::from_yaml(r#"
/// Resources:
///   Web:
///     Type: AWS::EC2::SecurityGroup
///     Properties:
///       GroupName: site-web
///       GroupDescription: web servers
///       SecurityGroupIngress:
///         - IpProtocol: tcp
///           FromPort: 443
///           ToPort: 443
///           CidrIp: 0.0.0.0/0
///           Description: HTTPS from "anywhere"
/// "#)?;
/// let mut suite = Suite::new();
/// suite.add("site", "site.yaml", web);
/// let dot = diagram::dot(&Model::build(&suite));
/// assert!(dot.starts_with("digraph security_groups {"));
/// assert!(dot.contains("subgraph cluster_s0 {\n    label=\"site\";"));
/// assert!(dot.contains("s0_Web [label=\"site-web\"];"));
/// assert!(dot.contains("v4_0_0_0_0_0 [label=\"the Internet (IPv4)\""));
/// assert!(dot.contains(r#"v4_0_0_0_0_0 -> s0_Web [label="tcp/443\nHTTPS from \"anywhere\""];"#));
/// # Ok::<(), ringfence_cfn::ReadError>(())
/// ```
pub fn dot(model: &Model<'_>) -> String {
    let g = Graph::of(model);
    let mut out = String::new();
    out.push_str("digraph security_groups {\n");
    out.push_str("  // Solid edges: ingress rules of the group they point to.\n");
    out.push_str("  // Dashed edges: egress rules of the group they leave.\n");
    out.push_str("  rankdir=LR;\n");
    out.push_str("  fontname=\"Helvetica\";\n");
    out.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    let node = |out: &mut String, indent: &str, n: &Node| {
        let shape = match n.kind {
            Kind::Group => "",
            Kind::PrefixList => ", shape=folder, style=solid",
            Kind::Range => ", shape=ellipse, style=solid",
            Kind::Internet => ", shape=ellipse, style=solid, peripheries=2",
        };
        let _ = writeln!(out, "{indent}{} [label=\"{}\"{shape}];", n.id, dot_text(&n.label));
    };
    let clusters = g
        .stacks
        .iter()
        .map(|(i, name, nodes)| (format!("cluster_s{i}"), name.as_str(), "rounded", nodes))
        .chain((!g.outside.is_empty()).then_some((
            "cluster_outside".to_owned(),
            "outside the suite",
            "dashed",
            &g.outside,
        )));
    for (id, label, style, nodes) in clusters {
        let _ = writeln!(out, "  subgraph {id} {{");
        let _ = writeln!(out, "    label=\"{}\";", dot_text(label));
        let _ = writeln!(out, "    style={style};");
        for n in nodes {
            node(&mut out, "    ", n);
        }
        out.push_str("  }\n");
    }
    for n in &g.loose {
        node(&mut out, "  ", n);
    }
    for e in &g.edges {
        let label = e.lines().iter().map(|l| dot_text(l)).collect::<Vec<_>>().join("\\n");
        let style = if e.egress { ", style=dashed" } else { "" };
        let _ = writeln!(out, "  {} -> {} [label=\"{label}\"{style}];", e.from, e.to);
    }
    out.push_str("}\n");
    out
}

/// A Mermaid flowchart of the model's security groups and the flows their rules allow.
/// See the [module documentation](self) for what is drawn and how.
///
/// ```
/// use ringfence_analyze::{diagram, Model, Suite};
/// use ringfence_cfn::Template;
///
/// let web = Template::from_yaml(r#"
/// Resources:
///   Web:
///     Type: AWS::EC2::SecurityGroup
///     Properties:
///       GroupName: site-web
///       GroupDescription: web servers
///       SecurityGroupIngress:
///         - IpProtocol: tcp
///           FromPort: 443
///           ToPort: 443
///           CidrIp: 0.0.0.0/0
///           Description: HTTPS from "anywhere"
/// "#)?;
/// let mut suite = Suite::new();
/// suite.add("site", "site.yaml", web);
/// let chart = diagram::mermaid(&Model::build(&suite));
/// assert!(chart.starts_with("flowchart LR\n"));
/// assert!(chart.contains("    subgraph stack0 [\"site\"]\n        s0_Web[\"site-web\"]\n    end\n"));
/// assert!(chart.contains(r#"v4_0_0_0_0_0 -->|"tcp/443<br>HTTPS from #quot;anywhere#quot;"| s0_Web"#));
/// # Ok::<(), ringfence_cfn::ReadError>(())
/// ```
pub fn mermaid(model: &Model<'_>) -> String {
    let g = Graph::of(model);
    let mut out = String::new();
    out.push_str("flowchart LR\n");
    out.push_str("    %% Solid links: ingress rules of the group they point to.\n");
    out.push_str("    %% Dotted links: egress rules of the group they leave.\n");
    let node = |out: &mut String, indent: &str, n: &Node| {
        let (open, close) = match n.kind {
            Kind::Group => ("[", "]"),
            Kind::PrefixList => ("{{", "}}"),
            Kind::Range | Kind::Internet => ("([", "])"),
        };
        let _ = writeln!(out, "{indent}{}{open}\"{}\"{close}", n.id, mermaid_text(&n.label));
    };
    let clusters =
        g.stacks.iter().map(|(i, name, nodes)| (format!("stack{i}"), name.as_str(), nodes)).chain(
            (!g.outside.is_empty()).then_some(("outside".to_owned(), "outside the suite", &g.outside)),
        );
    for (id, label, nodes) in clusters {
        let _ = writeln!(out, "    subgraph {id} [\"{}\"]", mermaid_text(label));
        for n in nodes {
            node(&mut out, "        ", n);
        }
        out.push_str("    end\n");
    }
    for n in &g.loose {
        node(&mut out, "    ", n);
    }
    for e in &g.edges {
        let label = e.lines().iter().map(|l| mermaid_text(l)).collect::<Vec<_>>().join("<br>");
        let arrow = if e.egress { "-.->" } else { "-->" };
        let _ = writeln!(out, "    {} {arrow}|\"{label}\"| {}", e.from, e.to);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::Suite;
    use ringfence_cfn::ec2::{PortRange, Protocol};
    use ringfence_cfn::Template;

    const NET: &str = r#"
Resources:
  Db:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupName: store-db
      GroupDescription: database
      SecurityGroupEgress:
        - IpProtocol: icmp
          FromPort: 252
          ToPort: 86
          CidrIp: 255.255.255.255/32
          Description: No egress, placeholder
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      Tags:
        - Key: Name
          Value: store-web
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: 0.0.0.0/0
          Description: HTTPS from "anywhere" \ everywhere
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIpv6: "::/0"
        - IpProtocol: icmp
          FromPort: 8
          ToPort: 0
          CidrIp: 10.0.0.0/16
          Description: ping
Outputs:
  Db:
    Value: !GetAtt Db.GroupId
    Export:
      Name: !Sub ${AWS::StackName}-Db
"#;

    const APP: &str = r#"
Parameters:
  Shared:
    Type: AWS::EC2::SecurityGroup::Id
Resources:
  App:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: app
      SecurityGroupEgress:
        - IpProtocol: udp
          FromPort: 53
          ToPort: 53
          CidrIp: 10.0.0.2/32
          Description: DNS
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          DestinationPrefixListId: pl-63a5400a
          Description: S3
  DbFromApp:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !ImportValue net-Db
      IpProtocol: tcp
      FromPort: 5432
      ToPort: 5432
      SourceSecurityGroupId: !GetAtt App.GroupId
      Description: app to database
  AppToDb:
    Type: AWS::EC2::SecurityGroupEgress
    Properties:
      GroupId: !GetAtt App.GroupId
      IpProtocol: tcp
      FromPort: 5432
      ToPort: 5432
      DestinationSecurityGroupId: !ImportValue net-Db
  AppFromLegacy:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref App
      IpProtocol: tcp
      FromPort: 8000
      ToPort: 8080
      SourceSecurityGroupId: sg-0123abcd
      Description: legacy callers
  SharedToApp:
    Type: AWS::EC2::SecurityGroupEgress
    Properties:
      GroupId: !Ref Shared
      IpProtocol: "-1"
      DestinationSecurityGroupId: !Ref App
"#;

    fn suite() -> Suite {
        let mut s = Suite::new();
        s.add("net", "net.yaml", Template::from_yaml(NET).unwrap());
        s.add("app", "app.yaml", Template::from_yaml(APP).unwrap());
        s
    }

    /// The lines of the block that starts with `head` and ends at the first line that
    /// is `tail` at the same indentation.
    fn block<'t>(text: &'t str, head: &str, tail: &str) -> Vec<&'t str> {
        let start = text.lines().position(|l| l.trim() == head).unwrap_or_else(|| panic!("no {head}"));
        text.lines().skip(start + 1).take_while(|l| l.trim() != tail).map(str::trim).collect()
    }

    #[test]
    fn groups_are_clustered_by_the_template_that_creates_them() {
        let s = suite();
        let m = Model::build(&s);
        let dot = dot(&m);
        assert_eq!(
            block(&dot, "subgraph cluster_s0 {", "}"),
            [
                "label=\"net\";",
                "style=rounded;",
                "s0_Db [label=\"store-db\"];",
                "s0_Web [label=\"store-web\"];",
            ]
        );
        assert_eq!(
            block(&dot, "subgraph cluster_s1 {", "}"),
            ["label=\"app\";", "style=rounded;", "s1_App [label=\"App\"];"]
        );
        assert_eq!(
            block(&dot, "subgraph cluster_outside {", "}"),
            [
                "label=\"outside the suite\";",
                "style=dashed;",
                "pl_ext_pl_2d63a5400a [label=\"prefix list pl-63a5400a\", shape=folder, style=solid];",
                "ext_sg_2d0123abcd [label=\"sg-0123abcd\"];",
                "s1_param_Shared [label=\"parameter Shared of app\"];",
            ]
        );

        let chart = mermaid(&m);
        assert_eq!(
            block(&chart, "subgraph stack0 [\"net\"]", "end"),
            ["s0_Db[\"store-db\"]", "s0_Web[\"store-web\"]"]
        );
        assert_eq!(block(&chart, "subgraph stack1 [\"app\"]", "end"), ["s1_App[\"App\"]"]);
        assert_eq!(
            block(&chart, "subgraph outside [\"outside the suite\"]", "end"),
            [
                "pl_ext_pl_2d63a5400a{{\"prefix list pl-63a5400a\"}}",
                "ext_sg_2d0123abcd[\"sg-0123abcd\"]",
                "s1_param_Shared[\"parameter Shared of app\"]",
            ]
        );
    }

    #[test]
    fn rules_are_edges_in_the_direction_of_the_flow() {
        let s = suite();
        let m = Model::build(&s);
        let dot = dot(&m);
        let edges: Vec<&str> = dot.lines().filter(|l| l.contains(" -> ")).map(str::trim).collect();
        assert_eq!(
            edges,
            [
                r#"v4_0_0_0_0_0 -> s0_Web [label="tcp/443\nHTTPS from \"anywhere\" \\ everywhere"];"#,
                r#"v6_0_0_0_0_0_0_0_0_0 -> s0_Web [label="tcp/443"];"#,
                r#"v4_10_0_0_0_16 -> s0_Web [label="icmp/8/0\nping"];"#,
                r#"s1_App -> v4_10_0_0_2_32 [label="udp/53\nDNS", style=dashed];"#,
                r#"s1_App -> pl_ext_pl_2d63a5400a [label="tcp/443\nS3", style=dashed];"#,
                // The ingress rule of the imported group, declared by the other template.
                r#"s1_App -> s0_Db [label="tcp/5432\napp to database"];"#,
                r#"s1_App -> s0_Db [label="tcp/5432", style=dashed];"#,
                r#"ext_sg_2d0123abcd -> s1_App [label="tcp/8000-8080\nlegacy callers"];"#,
                r#"s1_param_Shared -> s1_App [label="all", style=dashed];"#,
            ]
        );

        let chart = mermaid(&m);
        let links: Vec<&str> = chart.lines().filter(|l| l.contains("->|")).map(str::trim).collect();
        assert_eq!(
            links,
            [
                r#"v4_0_0_0_0_0 -->|"tcp/443<br>HTTPS from #quot;anywhere#quot; \ everywhere"| s0_Web"#,
                r#"v6_0_0_0_0_0_0_0_0_0 -->|"tcp/443"| s0_Web"#,
                r#"v4_10_0_0_0_16 -->|"icmp/8/0<br>ping"| s0_Web"#,
                r#"s1_App -.->|"udp/53<br>DNS"| v4_10_0_0_2_32"#,
                r#"s1_App -.->|"tcp/443<br>S3"| pl_ext_pl_2d63a5400a"#,
                r#"s1_App -->|"tcp/5432<br>app to database"| s0_Db"#,
                r#"s1_App -.->|"tcp/5432"| s0_Db"#,
                r#"ext_sg_2d0123abcd -->|"tcp/8000-8080<br>legacy callers"| s1_App"#,
                r#"s1_param_Shared -.->|"all"| s1_App"#,
            ]
        );
    }

    #[test]
    fn address_ranges_are_nodes_of_their_own() {
        let s = suite();
        let m = Model::build(&s);
        let dot = dot(&m);
        let loose: Vec<&str> =
            dot.lines().filter(|l| l.starts_with("  v") && !l.contains(" -> ")).map(str::trim).collect();
        assert_eq!(
            loose,
            [
                "v4_0_0_0_0_0 [label=\"the Internet (IPv4)\", shape=ellipse, style=solid, peripheries=2];",
                "v6_0_0_0_0_0_0_0_0_0 [label=\"the Internet (IPv6)\", shape=ellipse, style=solid, peripheries=2];",
                "v4_10_0_0_0_16 [label=\"10.0.0.0/16\", shape=ellipse, style=solid];",
                "v4_10_0_0_2_32 [label=\"10.0.0.2/32\", shape=ellipse, style=solid];",
            ]
        );
        let chart = mermaid(&m);
        assert!(chart.contains("\n    v4_0_0_0_0_0([\"the Internet (IPv4)\"])\n"));
        assert!(chart.contains("\n    v6_0_0_0_0_0_0_0_0_0([\"the Internet (IPv6)\"])\n"));
    }

    #[test]
    fn the_placeholder_egress_rule_is_not_drawn() {
        let s = suite();
        let m = Model::build(&s);
        assert!(m.rules.iter().any(is_placeholder), "the template has the placeholder");
        for text in [dot(&m), mermaid(&m)] {
            assert!(!text.contains("255"), "{text}");
            assert!(!text.contains("icmp/252"), "{text}");
            assert!(!text.contains("placeholder"), "{text}");
        }
    }

    #[test]
    fn labels_are_escaped_for_each_format() {
        assert_eq!(dot_text("say \"hi\" \\n\nnext\tline"), r#"say \"hi\" \\n\nnext line"#);
        assert_eq!(
            mermaid_text("a \"b\" #c; <d> & e | `f`\ng"),
            "a #quot;b#quot; #35;c; #lt;d#gt; #amp; e #124; #96;f#96;<br>g"
        );
        let mut s = Suite::new();
        s.add(
            "we\"ird",
            "x.yaml",
            Template::from_yaml(
                "Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      GroupName: 'a \"quoted\" <name>'\n",
            )
            .unwrap(),
        );
        let m = Model::build(&s);
        let dot = dot(&m);
        assert!(dot.contains("label=\"we\\\"ird\";"), "{dot}");
        assert!(dot.contains("s0_G [label=\"a \\\"quoted\\\" <name>\"];"), "{dot}");
        let chart = mermaid(&m);
        assert!(chart.contains("subgraph stack0 [\"we#quot;ird\"]"), "{chart}");
        assert!(chart.contains("s0_G[\"a #quot;quoted#quot; #lt;name#gt;\"]"), "{chart}");
    }

    #[test]
    fn mermaid_labels_hold_no_raw_quote_and_subgraphs_close() {
        let s = suite();
        let chart = mermaid(&Model::build(&s));
        let mut open = 0i32;
        for line in chart.lines().skip(1) {
            let t = line.trim();
            if t.starts_with("%%") || t == "end" {
                open -= i32::from(t == "end");
                assert!(open >= 0, "`end` with no open subgraph");
                continue;
            }
            // Every label is one double-quoted string: exactly two quotes per line.
            assert_eq!(t.matches('"').count(), 2, "{t}");
            open += i32::from(t.starts_with("subgraph "));
        }
        assert_eq!(open, 0);
    }

    #[test]
    fn long_descriptions_wrap_at_word_boundaries() {
        let e = Edge {
            from: "a".into(),
            to: "b".into(),
            ports: "tcp/443".into(),
            description: Some(
                "Through NAT or the S3 endpoint: package repositories, Secrets Manager\nand  Systems Manager"
                    .into(),
            ),
            egress: true,
        };
        assert_eq!(
            e.lines(),
            [
                "tcp/443",
                "Through NAT or the S3 endpoint: package",
                "repositories, Secrets Manager",
                "and Systems Manager"
            ]
        );
    }

    #[test]
    fn ports_read_like_the_console() {
        let s = suite();
        let m = Model::build(&s);
        let rule =
            |proto, from, to| Rule { ports: Some(PortRange::new(proto, from, to)), ..m.rules[0].clone() };
        let ports = |rule: &Rule| ports_text(rule.ports);
        assert_eq!(ports(&rule(Protocol::Tcp, 5432, 5432)), "tcp/5432");
        assert_eq!(ports(&rule(Protocol::Tcp, 8000, 8080)), "tcp/8000-8080");
        assert_eq!(ports(&rule(Protocol::Udp, 53, 53)), "udp/53");
        assert_eq!(ports(&rule(Protocol::Tcp, -1, -1)), "tcp/all");
        assert_eq!(ports(&rule(Protocol::Tcp, 0, 65535)), "tcp/all");
        assert_eq!(ports(&rule(Protocol::Icmp, 8, 0)), "icmp/8/0");
        assert_eq!(ports(&rule(Protocol::Icmp, 3, -1)), "icmp/3");
        assert_eq!(ports(&rule(Protocol::Icmp, -1, -1)), "icmp/all");
        assert_eq!(ports(&rule(Protocol::Icmpv6, 128, 0)), "icmpv6/128/0");
        assert_eq!(ports(&rule(Protocol::All, -1, -1)), "all");
        assert_eq!(ports(&rule(Protocol::Other(50), -1, -1)), "proto/50");
        assert_eq!(ports(&Rule { ports: None, ..m.rules[0].clone() }), "unreadable ports");
    }

    #[test]
    fn ids_are_valid_and_distinct() {
        assert_eq!(sanitize("sg-0123abcd"), "sg_2d0123abcd");
        assert_ne!(sanitize("a-b"), sanitize("a_b"));
        assert_ne!(sanitize("a_2db"), sanitize("a-b"));
        assert!(sanitize("é x/y").bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        let local = Obj::Local { stack: 1, id: "G".parse().unwrap() };
        let param = Obj::Parameter { stack: 1, name: "G".parse().unwrap() };
        assert_eq!(obj_key(&local), "s1_G");
        assert_eq!(obj_key(&param), "s1_param_G");
    }

    /// A small shop: a load balancer open to the Internet on 443, an app group it may
    /// reach on 8080 (declared twice, by two resources), the app's DNS egress and its
    /// placeholder egress.
    const SHOP: &str = r#"
Resources:
  Lb:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupName: shop-lb
      GroupDescription: load balancer
      SecurityGroupIngress:
        - { IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0, Description: customers }
  App:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: app
      SecurityGroupEgress:
        - { IpProtocol: icmp, FromPort: 252, ToPort: 86, CidrIp: 255.255.255.255/32 }
  AppFromLb:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !Ref App, IpProtocol: tcp, FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: !GetAtt Lb.GroupId, Description: traffic }
  AppToDns:
    Type: AWS::EC2::SecurityGroupEgress
    Properties: { GroupId: !Ref App, IpProtocol: udp, FromPort: 53, ToPort: 53, CidrIp: 10.0.0.2/32, Description: DNS }
  AppFromLbAgain:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: { GroupId: !Ref App, IpProtocol: tcp, FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: !GetAtt Lb.GroupId, Description: traffic }
"#;

    fn shop(yaml: &str) -> Suite {
        let mut s = Suite::new();
        s.add("shop", "shop.yaml", Template::from_yaml(yaml).unwrap());
        s
    }

    /// The whole diagram of a small template, written by hand from the module's rules:
    /// one cluster for the template, the Internet as a loose node, one solid edge per
    /// ingress flow (the rule declared twice drawn once), a dashed one for the egress
    /// rule, nothing for the placeholder.
    #[test]
    fn a_small_template_gives_exactly_this_diagram() {
        let s = shop(SHOP);
        let m = Model::build(&s);
        assert_eq!(
            dot(&m),
            r#"digraph security_groups {
  // Solid edges: ingress rules of the group they point to.
  // Dashed edges: egress rules of the group they leave.
  rankdir=LR;
  fontname="Helvetica";
  node [shape=box, style=rounded, fontname="Helvetica"];
  edge [fontname="Helvetica", fontsize=10];
  subgraph cluster_s0 {
    label="shop";
    style=rounded;
    s0_Lb [label="shop-lb"];
    s0_App [label="App"];
  }
  v4_0_0_0_0_0 [label="the Internet (IPv4)", shape=ellipse, style=solid, peripheries=2];
  v4_10_0_0_2_32 [label="10.0.0.2/32", shape=ellipse, style=solid];
  v4_0_0_0_0_0 -> s0_Lb [label="tcp/443\ncustomers"];
  s0_Lb -> s0_App [label="tcp/8080\ntraffic"];
  s0_App -> v4_10_0_0_2_32 [label="udp/53\nDNS", style=dashed];
}
"#
        );
        assert_eq!(
            mermaid(&m),
            r#"flowchart LR
    %% Solid links: ingress rules of the group they point to.
    %% Dotted links: egress rules of the group they leave.
    subgraph stack0 ["shop"]
        s0_Lb["shop-lb"]
        s0_App["App"]
    end
    v4_0_0_0_0_0(["the Internet (IPv4)"])
    v4_10_0_0_2_32(["10.0.0.2/32"])
    v4_0_0_0_0_0 -->|"tcp/443<br>customers"| s0_Lb
    s0_Lb -->|"tcp/8080<br>traffic"| s0_App
    s0_App -.->|"udp/53<br>DNS"| v4_10_0_0_2_32
"#
        );
    }

    /// Equal inputs give equal diagrams: the same template read twice, or written as
    /// JSON instead of YAML, gives the same bytes; with its resources in another order,
    /// the same nodes and edges (in another order, as the module says: model order).
    #[test]
    fn equal_inputs_give_equal_diagrams() {
        let (first, again) = (shop(SHOP), shop(SHOP));
        let (a, b) = (Model::build(&first), Model::build(&again));
        assert_eq!(dot(&a), dot(&b));
        assert_eq!(mermaid(&a), mermaid(&b));

        let json = Template::from_yaml(SHOP).unwrap().to_json();
        let mut from_json = Suite::new();
        from_json.add("shop", "shop.json", Template::from_json(&json).unwrap());
        let c = Model::build(&from_json);
        assert_eq!(dot(&a), dot(&c));
        assert_eq!(mermaid(&a), mermaid(&c));

        // The resources in reverse order.
        let body = SHOP.split_once("Resources:\n").unwrap().1;
        let mut resources: Vec<String> = Vec::new();
        for line in body.lines() {
            if line.starts_with("  ") && !line.starts_with("   ") {
                resources.push(String::new());
            }
            let last = resources.last_mut().unwrap();
            last.push_str(line);
            last.push('\n');
        }
        assert_eq!(resources.len(), 5);
        resources.reverse();
        let reversed = shop(&format!("Resources:\n{}", resources.concat()));
        let r = Model::build(&reversed);
        let sorted = |text: String| {
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            lines.sort_unstable();
            lines
        };
        assert_ne!(dot(&a), dot(&r), "the order follows the model");
        assert_eq!(sorted(dot(&a)), sorted(dot(&r)));
        assert_eq!(sorted(mermaid(&a)), sorted(mermaid(&r)));
    }

    #[test]
    fn an_empty_suite_gives_an_empty_graph() {
        let s = Suite::new();
        let m = Model::build(&s);
        assert!(dot(&m).ends_with("edge [fontname=\"Helvetica\", fontsize=10];\n}\n"));
        assert_eq!(mermaid(&m).lines().filter(|l| !l.trim_start().starts_with("%%")).count(), 1);
    }
}
