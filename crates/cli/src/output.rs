//! What every command shares about its result: the usage error ([`Usage`], exit code
//! [`EXIT_USAGE`]), the output and exit code of a command ([`Outcome`]), and the JSON
//! layout ([`pretty`], and [`PrettyArray`] / [`write_nested`] for JSON written as it is
//! made).
//!
//! These live here, not in `main.rs` or in one command, so that the commands import
//! no command and nothing of the crate root: the modules form a graph without circles
//! (`tests/modules.rs` checks it). This module imports nothing of the crate.

use std::io::{self, Write};

/// A usage or I/O error: reported as `error: …` on standard error, exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Exit code of a usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

/// What a command prints and the exit code it ends with.
pub struct Outcome {
    /// Standard output.
    pub stdout: String,
    /// Exit code.
    pub code: u8,
}

impl Outcome {
    /// Output with exit code 0.
    pub fn ok(stdout: String) -> Outcome {
        Outcome { stdout, code: 0 }
    }
}

/// Pretty JSON with a final newline.
pub fn pretty(doc: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// A JSON array written item by item, laid out as [`pretty`] lays it out when it is
/// nested `level` deep.
pub struct PrettyArray<'w> {
    out: &'w mut dyn Write,
    level: usize,
    empty: bool,
    buf: Vec<u8>,
}

impl<'w> PrettyArray<'w> {
    /// Opens the array (its `[` goes where the writer is).
    pub fn open(out: &'w mut dyn Write, level: usize) -> io::Result<PrettyArray<'w>> {
        out.write_all(b"[")?;
        Ok(PrettyArray { out, level, empty: true, buf: Vec::new() })
    }

    /// Writes the next item.
    pub fn item(&mut self, value: &serde_json::Value) -> io::Result<()> {
        self.out.write_all(if self.empty { b"\n" } else { b",\n" })?;
        self.empty = false;
        indent(self.out, self.level + 1)?;
        write_nested(self.out, value, self.level + 1, &mut self.buf)
    }

    /// Closes the array.
    pub fn close(self) -> io::Result<()> {
        if !self.empty {
            self.out.write_all(b"\n")?;
            indent(self.out, self.level)?;
        }
        self.out.write_all(b"]")
    }
}

fn indent(out: &mut dyn Write, level: usize) -> io::Result<()> {
    (0..level).try_for_each(|_| out.write_all(b"  "))
}

/// Writes `value` as [`pretty`] writes it when it is nested `level` deep (its first
/// line goes where the writer is). JSON text holds no line break but between its
/// tokens, so the value's own pretty form is indented line by line.
pub fn write_nested(
    out: &mut dyn Write,
    value: &serde_json::Value,
    level: usize,
    buf: &mut Vec<u8>,
) -> io::Result<()> {
    buf.clear();
    serde_json::to_writer_pretty(&mut *buf, value)?;
    let mut lines = buf.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.write_all(first)?;
    }
    for line in lines {
        out.write_all(b"\n")?;
        indent(out, level)?;
        out.write_all(line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_as_made_is_laid_out_as_pretty() {
        let items = [serde_json::json!({"a": [1, 2], "b": {"c": null}}), serde_json::json!("x")];
        let mut out = Vec::new();
        out.extend_from_slice(b"{\n  \"items\": ");
        let mut array = PrettyArray::open(&mut out, 1).unwrap();
        for item in &items {
            array.item(item).unwrap();
        }
        array.close().unwrap();
        out.extend_from_slice(b"\n}\n");
        assert_eq!(String::from_utf8(out).unwrap(), pretty(&serde_json::json!({ "items": items })));
    }
}
