//! What the CLI's end-to-end tests share: a `cargo` command for builds they run
//! themselves (the example apps, the `--plan` snippets), in one target folder of their
//! own under `CARGO_TARGET_TMPDIR` — the one running the tests is locked by cargo — so
//! each test binary reuses what the others built.

use std::path::Path;
use std::process::Command;

/// `cargo` (the one running the tests), building into the tests' shared target folder.
pub fn nested_cargo() -> Command {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ringfence-cli").join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
    let mut command = Command::new(cargo);
    command
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_BUILD_BUILD_DIR", &target)
        .env("CARGO_TERM_COLOR", "never");
    command
}
