//! What every command shares about its result: the usage error ([`Usage`], exit code
//! [`EXIT_USAGE`]), the output and exit code of a command ([`Outcome`]), and the JSON
//! layout ([`pretty`], and [`PrettyArray`] / [`write_nested`] for JSON written as it is
//! made), and text from templates made safe for a line of text output ([`one_line`]).
//!
//! These live here, not in `main.rs` or in one command, so that the commands import
//! no command and nothing of the crate root: the modules form a graph without circles
//! (`tests/modules.rs` checks it). This module imports nothing of the crate.

use std::borrow::Cow;
use std::io::{self, Write};

/// Text from a template (a description, a name, a message quoting them) as it can stand
/// on one line of text output: a line break, tab or other control character is written
/// as its escape (`\n`, `\t`, `\u{7}`), so a description written over two lines cannot
/// break the layout or pass for a line of the report. JSON and SARIF output need no
/// such care: their strings are escaped by JSON itself.
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

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

#[cfg(test)]
mod one_line_tests {
    use super::one_line;

    #[test]
    fn control_characters_are_escaped_and_nothing_else() {
        assert_eq!(one_line("Bots read chat history"), "Bots read chat history");
        assert!(matches!(one_line("plain"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(one_line("line one\nline two"), "line one\\nline two");
        assert_eq!(one_line("a\r\tb\u{7}"), "a\\r\\tb\\u{7}");
        assert_eq!(one_line("ünïcode … stays"), "ünïcode … stays");
    }
}
