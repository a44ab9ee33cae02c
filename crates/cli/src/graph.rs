//! `ringfence graph`: the groups and their rules as a Mermaid flowchart or a Graphviz
//! DOT digraph, on standard output.

use ringfence_analyze::{diagram, Model};

use crate::args::{GraphArgs, GraphFormat};
use crate::load;
use crate::output::{Outcome, Usage};

/// Runs the command.
pub fn run(args: &GraphArgs) -> Result<Outcome, Usage> {
    let loaded = load::load(&args.inputs)?;
    loaded.warn_unreadable();
    let model = Model::build(&loaded.suite);
    Ok(Outcome::ok(match args.format {
        GraphFormat::Mermaid => diagram::mermaid(&model),
        GraphFormat::Dot => diagram::dot(&model),
    }))
}
