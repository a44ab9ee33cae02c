//! `ringfence reach`: can one endpoint reach another on a protocol and port? Prints the
//! verdict of `ringfence_analyze::reach::reach` and the steps that decided it.

use std::fmt::Write as _;
use std::net::IpAddr;

use ringfence_analyze::reach::{reach, Endpoint, Step};
use ringfence_analyze::{Model, Obj};
use serde_json::json;

use crate::args::{ReachArgs, TextOrJson};
use crate::load::{self, Loaded};
use crate::output::{one_line, pretty, Outcome, Usage};
use crate::text;

/// Candidates that match a name, listed for an error message.
fn listing(items: &[String]) -> String {
    const MAX: usize = 12;
    let mut s = items.iter().take(MAX).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > MAX {
        let _ = write!(s, ", … ({} in all)", items.len());
    }
    if s.is_empty() {
        s = "none".into();
    }
    s
}

/// A group by logical id, `STACK/LOGICALID`, `GroupName` or `Name` tag; `sg-…` for a
/// group outside the suite.
pub fn find_group(m: &Model<'_>, name: &str) -> Result<Obj, Usage> {
    let local = |g: &ringfence_analyze::Group| Obj::Local { stack: g.at.stack, id: g.at.id.clone() };
    let mut found = m.groups_named(name);
    match found.len() {
        1 => Ok(found.remove(0)),
        0 if name.starts_with("sg-") => Ok(Obj::External(name.to_owned())),
        0 => {
            let known: Vec<String> = m.groups.iter().map(|g| text::group(m, &local(g))).collect();
            Err(Usage(format!("no security group `{name}` in the suite; groups: {}", listing(&known))))
        }
        _ => {
            let names: Vec<String> = found.iter().map(|o| m.describe(o)).collect();
            Err(Usage(format!("`{name}` names several groups ({}); use STACK/LOGICALID", names.join(", "))))
        }
    }
}

/// A subnet by `Name` tag, logical id or `STACK/LOGICALID`.
pub fn find_subnet(m: &Model<'_>, name: &str) -> Result<Obj, Usage> {
    let mut found = m.subnets_named(name);
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => {
            let known: Vec<String> = m
                .subnets
                .iter()
                .map(|s| {
                    s.name.clone().unwrap_or_else(|| format!("{}/{}", m.stack_name(s.at.stack), s.at.id))
                })
                .collect();
            Err(Usage(format!("no subnet `{name}` in the suite; subnets: {}", listing(&known))))
        }
        _ => {
            let names: Vec<String> = found.iter().map(|o| m.describe(o)).collect();
            Err(Usage(format!("`{name}` names several subnets ({}); use STACK/LOGICALID", names.join(", "))))
        }
    }
}

/// One end of the flow from its options.
fn endpoint(
    m: &Model<'_>,
    side: &str,
    spec: Option<&str>,
    subnet: Option<&str>,
    address: Option<IpAddr>,
) -> Result<Endpoint, Usage> {
    let subnet = subnet.map(|s| find_subnet(m, s)).transpose()?;
    let mut e = match spec {
        Some(s) if s.starts_with("internet:") => {
            let addr = &s["internet:".len()..];
            let addr: IpAddr =
                addr.parse().map_err(|_| Usage(format!("--{side} {s}: `{addr}` is not an IP address")))?;
            if subnet.is_some() {
                return Err(Usage(format!("--{side} internet:… is outside the VPC: drop --{side}-subnet")));
            }
            Endpoint::internet(addr)
        }
        Some(s) if s.starts_with("workload:") => {
            let w = &s["workload:".len()..];
            let (stack, id) = w
                .split_once('/')
                .ok_or_else(|| Usage(format!("--{side} {s}: expected workload:STACK/LOGICALID")))?;
            let mut e = Endpoint::workload(m, stack, id).ok_or_else(|| {
                let known: Vec<String> =
                    m.workloads.iter().map(|w| format!("{}/{}", m.stack_name(w.at.stack), w.at.id)).collect();
                Usage(format!("--{side} {s}: no workload {stack}/{id}; workloads: {}", listing(&known)))
            })?;
            if let Some(sub) = subnet {
                e = Endpoint::in_subnet(m, e.groups, sub);
            }
            e
        }
        Some(list) => {
            let groups = list
                .split(',')
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(|g| find_group(m, g))
                .collect::<Result<Vec<_>, _>>()?;
            if groups.is_empty() {
                return Err(Usage(format!("--{side}: no group given")));
            }
            match subnet {
                Some(sub) => Endpoint::in_subnet(m, groups, sub),
                None => Endpoint { groups, ..Endpoint::default() },
            }
        }
        None => match subnet {
            Some(sub) => Endpoint::in_subnet(m, Vec::new(), sub),
            None => {
                return Err(Usage(format!(
                "give --{side} GROUP[,GROUP...] | internet:ADDRESS | workload:STACK/ID, or --{side}-subnet"
            )))
            }
        },
    };
    if address.is_some() {
        e.address = address;
    }
    Ok(e)
}

fn describe_endpoint(m: &Model<'_>, e: &Endpoint) -> String {
    let mut parts = Vec::new();
    if !e.groups.is_empty() {
        parts.push(format!(
            "groups {}",
            e.groups.iter().map(|g| text::group(m, g)).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(s) = &e.subnet {
        let name = m
            .subnets
            .iter()
            .find(|x| Obj::Local { stack: x.at.stack, id: x.at.id.clone() } == *s)
            .and_then(|x| x.name.clone())
            .unwrap_or_else(|| m.describe(s));
        parts.push(format!("subnet {name}"));
    }
    if let Some(a) = e.address {
        parts.push(format!("address {a}"));
    }
    if e.groups.is_empty() && e.subnet.is_none() && e.address.is_some() {
        parts.insert(0, "the Internet".into());
    }
    parts.join(", ")
}

fn step_at(loaded: &Loaded, m: &Model<'_>, s: &Step) -> (Option<String>, Option<String>, Option<String>) {
    match &s.at {
        Some(at) => {
            let template = loaded.path_of(m.stack_name(at.stack));
            (Some(template), Some(at.id.to_string()), Some(at.path.to_string()))
        }
        None => (None, None, None),
    }
}

/// Runs the command.
pub fn run(args: &ReachArgs) -> Result<Outcome, Usage> {
    let loaded = load::load(&args.inputs)?;
    loaded.warn_unreadable();
    let m = Model::build(&loaded.suite);
    let from = endpoint(&m, "from", args.from.as_deref(), args.from_subnet.as_deref(), args.from_address)?;
    let to = endpoint(&m, "to", args.to.as_deref(), args.to_subnet.as_deref(), args.to_address)?;
    let answer = reach(&m, &from, &to, args.port.protocol, args.port.port);
    let flow = args.port.ports();
    let stdout = match args.format {
        TextOrJson::Json => {
            let because: Vec<serde_json::Value> = answer
                .steps
                .iter()
                .map(|s| {
                    let (template, resource, path) = step_at(&loaded, &m, s);
                    json!({
                        "layer": s.layer.name(),
                        "allowed": s.allowed,
                        "template": template,
                        "resource": resource,
                        "path": path,
                        "detail": s.detail,
                    })
                })
                .collect();
            pretty(&json!({ "allowed": answer.allowed, "because": because }))
        }
        TextOrJson::Text => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{}: {flow} from {} to {}",
                if answer.allowed { "allowed" } else { "denied" },
                describe_endpoint(&m, &from),
                describe_endpoint(&m, &to)
            );
            for (i, s) in answer.steps.iter().enumerate() {
                let verdict = if s.allowed { "allows" } else { "denies" };
                let _ =
                    writeln!(out, "  {}. {:<23} {verdict}: {}", i + 1, s.layer.name(), one_line(&s.detail));
                if let (Some(t), Some(r), Some(p)) = step_at(&loaded, &m, s) {
                    let _ = writeln!(out, "     {:<23} at {t} {r} {p}", "");
                }
            }
            out
        }
    };
    Ok(Outcome::ok(stdout))
}
