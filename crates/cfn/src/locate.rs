//! Where a template's text declares each key and list item: [`locate`] finds the lines
//! of any number of [`KeyPath`]s in one pass over the text (JSON, or YAML in block and
//! flow style), so reporting a line per finding stays linear in the size of the file.
//!
//! The scanner follows the structure of the text — indentation, `- ` items, flow
//! collections, quoted and block scalars, comments — without building any value, and
//! only looks keys up inside the parts of the document that some path enters.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// A map key.
    Key(String),
    /// A list item, counted from 0.
    Index(usize),
}

/// A step of a path, borrowed: what [`locate_steps`] takes, so that the lines of many
/// paths can be asked for without building a [`KeyPath`] for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepRef<'a> {
    /// A map key.
    Key(&'a str),
    /// A list item, counted from 0.
    Index(usize),
}

impl<'a> From<&'a Step> for StepRef<'a> {
    fn from(step: &'a Step) -> StepRef<'a> {
        match step {
            Step::Key(k) => StepRef::Key(k),
            Step::Index(i) => StepRef::Index(*i),
        }
    }
}

/// A path from a document's root through map keys and list items, written
/// `Resources.Web.Properties.SecurityGroupIngress[0].FromPort`.
///
/// ```
/// use ringfence_cfn::{KeyPath, Step};
/// let p = KeyPath::new().key("Resources").key("Web").join("Properties.SecurityGroupIngress[0]");
/// assert_eq!(p.to_string(), "Resources.Web.Properties.SecurityGroupIngress[0]");
/// assert_eq!(p.steps().last(), Some(&Step::Index(0)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyPath(Vec<Step>);

impl KeyPath {
    /// The root.
    pub fn new() -> KeyPath {
        KeyPath(Vec::new())
    }

    /// Reads a dotted path as findings write it: `Properties.Tags[0].Key`, `[2]`, `` (the
    /// root). Keys holding `.` or `[` cannot be written this way; build those with
    /// [`key`](KeyPath::key).
    pub fn parse(dotted: &str) -> KeyPath {
        KeyPath::new().join(dotted)
    }

    /// This path followed by a dotted one.
    #[must_use]
    pub fn join(mut self, dotted: &str) -> KeyPath {
        for part in dotted.split('.').filter(|p| !p.is_empty()) {
            let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
            if !name.is_empty() {
                self.0.push(Step::Key(name.to_owned()));
            }
            while let Some((i, after)) = rest.split_once(']') {
                match i.parse() {
                    Ok(i) => self.0.push(Step::Index(i)),
                    Err(_) => self.0.push(Step::Key(format!("[{i}]"))),
                }
                rest = after.strip_prefix('[').unwrap_or(after);
            }
        }
        self
    }

    /// This path followed by a key.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> KeyPath {
        self.0.push(Step::Key(key.into()));
        self
    }

    /// This path followed by a list index.
    #[must_use]
    pub fn index(mut self, index: usize) -> KeyPath {
        self.0.push(Step::Index(index));
        self
    }

    /// The steps, from the root.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    /// Whether this is the root.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The steps after the first `n`, as a path.
    pub fn tail(&self, n: usize) -> KeyPath {
        KeyPath(self.0.get(n..).unwrap_or_default().to_vec())
    }
}

impl From<Vec<Step>> for KeyPath {
    fn from(steps: Vec<Step>) -> KeyPath {
        KeyPath(steps)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if i == 0 => f.write_str(k)?,
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The 1-based line where `text` declares each path — a map entry's key, a list item's
/// first character (`-` in block YAML) — or `None` where the text holds no such path (or
/// for the root). A key declared more than once gives its last declaration, the one a
/// reader keeps. One pass over the text, whatever the number of paths.
///
/// ```
/// use ringfence_cfn::{locate, KeyPath};
/// let yaml = "Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      SecurityGroupIngress:\n        - IpProtocol: tcp\n          FromPort: 443\n";
/// let json = r#"{"Resources": {"Web": {"Properties": {"SecurityGroupIngress": [
///   {"IpProtocol": "tcp",
///    "FromPort": 443}]}}}}"#;
/// let paths = [KeyPath::parse("Resources.Web"), KeyPath::parse("Resources.Web.Properties.SecurityGroupIngress[0].FromPort"), KeyPath::parse("Resources.Db")];
/// assert_eq!(locate(yaml, &paths), [Some(2), Some(7), None]);
/// assert_eq!(locate(json, &paths), [Some(1), Some(3), None]);
/// ```
pub fn locate(text: &str, paths: &[KeyPath]) -> Vec<Option<usize>> {
    locate_steps(text, paths.iter().map(|p| p.steps().iter().map(StepRef::from)))
}

/// [`locate`] for paths given as borrowed steps, one iterator of steps per path:
///
/// ```
/// use ringfence_cfn::{locate_steps, StepRef};
/// let yaml = "Resources:\n  Web:\n    Type: AWS::EC2::SecurityGroup\n  Db:\n    Type: AWS::RDS::DBInstance\n";
/// let ids = ["Db", "Web", "Cache"];
/// let lines = locate_steps(yaml, ids.iter().map(|id| [StepRef::Key("Resources"), StepRef::Key(id)]));
/// assert_eq!(lines, [Some(4), Some(2), None]);
/// ```
pub fn locate_steps<'p, S: IntoIterator<Item = StepRef<'p>>>(
    text: &str,
    paths: impl IntoIterator<Item = S>,
) -> Vec<Option<usize>> {
    let mut last: Vec<Option<usize>> = Vec::new();
    let ends = scan(text, paths, |nodes, node, line| {
        if last.is_empty() {
            last = vec![None; nodes];
        }
        last[node] = Some(line);
    });
    ends.into_iter().map(|n| n.and_then(|n| last.get(n as usize).copied().flatten())).collect()
}

/// Every line where `text` declares each path, in order: two for a key declared twice.
pub fn locate_all(text: &str, paths: &[KeyPath]) -> Vec<Vec<usize>> {
    let mut by_node: Vec<Vec<usize>> = Vec::new();
    let steps = paths.iter().map(|p| p.steps().iter().map(StepRef::from));
    let ends = scan(text, steps, |nodes, node, line| {
        if by_node.is_empty() {
            by_node = vec![Vec::new(); nodes];
        }
        by_node[node].push(line);
    });
    ends.into_iter().map(|n| n.and_then(|n| by_node.get(n as usize).cloned()).unwrap_or_default()).collect()
}

/// Scans `text` once for `paths`, calling `found(nodes, node, line)` for each
/// declaration of a path's end in the order of the text; returns each path's node.
fn scan<'p, S: IntoIterator<Item = StepRef<'p>>>(
    text: &str,
    paths: impl IntoIterator<Item = S>,
    mut found: impl FnMut(usize, usize, usize),
) -> Vec<Option<u32>> {
    let (trie, ends) = Trie::new(paths);
    if trie.terminal.iter().all(|t| !t) {
        return ends;
    }
    let mut scan = Scanner { text, s: text.as_bytes(), trie: &trie, hits: Vec::new() };
    scan.document();
    let mut hits = scan.hits;
    hits.sort_by_key(|&(offset, _)| offset);
    let (mut line, mut at) = (1, 0);
    for (offset, node) in hits {
        line += newlines(&text.as_bytes()[at..offset]);
        at = offset;
        found(trie.terminal.len(), node as usize, line);
    }
    ends
}

fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// The paths asked for, as a tree: node 0 is the root.
struct Trie<'p> {
    keys: HashMap<(u32, &'p str), u32>,
    items: HashMap<(u32, usize), u32>,
    /// Whether a path ends at the node.
    terminal: Vec<bool>,
    /// Whether a path goes on below the node.
    inner: Vec<bool>,
}

impl<'p> Trie<'p> {
    /// The tree and, for each path, its node (`None` for the root, which has no line).
    fn new<S: IntoIterator<Item = StepRef<'p>>>(
        paths: impl IntoIterator<Item = S>,
    ) -> (Trie<'p>, Vec<Option<u32>>) {
        let mut t =
            Trie { keys: HashMap::new(), items: HashMap::new(), terminal: vec![false], inner: vec![false] };
        let paths = paths.into_iter();
        let mut ends = Vec::with_capacity(paths.size_hint().0);
        for p in paths {
            let mut node = 0u32;
            for step in p {
                let next = u32::try_from(t.terminal.len()).unwrap_or(u32::MAX);
                let child = match step {
                    StepRef::Key(k) => *t.keys.entry((node, k)).or_insert(next),
                    StepRef::Index(i) => *t.items.entry((node, i)).or_insert(next),
                };
                if child == next {
                    t.terminal.push(false);
                    t.inner.push(false);
                }
                t.inner[node as usize] = true;
                node = child;
            }
            if node == 0 {
                ends.push(None);
            } else {
                t.terminal[node as usize] = true;
                ends.push(Some(node));
            }
        }
        (t, ends)
    }

    fn enters(&self, node: Option<u32>) -> Option<u32> {
        node.filter(|&n| self.inner[n as usize])
    }

    fn key(&self, node: Option<u32>, key: &str) -> Option<u32> {
        self.keys.get(&(self.enters(node)?, key)).copied()
    }

    fn item(&self, node: Option<u32>, index: usize) -> Option<u32> {
        self.items.get(&(self.enters(node)?, index)).copied()
    }
}

/// A collection being scanned in flow style (`{…}`, `[…]`, JSON).
enum Flow {
    Map { node: Option<u32>, key: Option<u32>, has_key: bool, after_colon: bool },
    Seq { node: Option<u32>, index: usize, started: bool },
}

/// A collection being scanned in block style (indentation).
struct Block {
    /// Column of its keys or dashes.
    indent: usize,
    seq: bool,
    node: Option<u32>,
    /// Items so far (sequences).
    index: usize,
    /// The node of the last key or item when its value is still to come on later lines.
    pending: Option<Option<u32>>,
}

struct Scanner<'t, 'q> {
    text: &'t str,
    s: &'t [u8],
    trie: &'q Trie<'q>,
    /// (byte offset, node) of every declaration of a path's end.
    hits: Vec<(usize, u32)>,
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

impl<'t> Scanner<'t, '_> {
    fn hit(&mut self, offset: usize, node: Option<u32>) {
        if let Some(n) = node {
            if self.trie.terminal[n as usize] {
                self.hits.push((offset, n));
            }
        }
    }

    fn byte(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(b'\n')
    }

    fn line_end(&self, from: usize) -> usize {
        self.s.get(from..).and_then(|r| r.iter().position(|&b| b == b'\n')).map_or(self.s.len(), |i| from + i)
    }

    /// The offset just past the quoted scalar opening at `at` (the text's end if it
    /// never closes).
    fn quoted_end(&self, at: usize) -> usize {
        let q = self.s[at];
        let mut i = at + 1;
        while i < self.s.len() {
            match self.s[i] {
                b'\\' if q == b'"' => i += 2,
                b'\'' if q == b'\'' && self.s.get(i + 1) == Some(&b'\'') => i += 2,
                b if b == q => return i + 1,
                _ => i += 1,
            }
        }
        self.s.len()
    }

    /// The key text of a quoted scalar `at..end`, unescaped.
    fn quoted_text(&self, at: usize, end: usize) -> Cow<'t, str> {
        let inner = self.text.get(at + 1..end.saturating_sub(1).max(at + 1)).unwrap_or("");
        match self.s[at] {
            b'"' if inner.contains('\\') => self
                .text
                .get(at..end)
                .and_then(|q| serde_json::from_str::<String>(q).ok())
                .map_or(Cow::Borrowed(inner), Cow::Owned),
            b'\'' if inner.contains("''") => Cow::Owned(inner.replace("''", "'")),
            _ => Cow::Borrowed(inner),
        }
    }

    /// The whole document: block YAML, whose values may be flow collections; a JSON
    /// document is one flow collection.
    fn document(&mut self) {
        let s = self.s;
        let mut stack: Vec<Block> = Vec::new();
        let mut root = Some(0u32);
        // Lines indented more than this belong to a block scalar (`|`, `>`).
        let mut block_scalar: Option<usize> = None;
        let mut pos = 0;
        while pos < s.len() {
            let end = self.line_end(pos);
            let next = end + 1;
            let content_end = if end > pos && s[end - 1] == b'\r' { end - 1 } else { end };
            let indent = s[pos..content_end].iter().take_while(|&&b| b == b' ').count();
            let start = pos + indent;
            if let Some(parent) = block_scalar {
                if indent > parent || s[start..content_end].iter().all(|&b| is_space(b)) {
                    pos = next;
                    continue;
                }
                block_scalar = None;
            }
            if start >= content_end || s[start] == b'#' || s[start] == b'\t' {
                pos = next;
                continue;
            }
            if indent == 0
                && (s[start..].starts_with(b"---") || s[start..].starts_with(b"..."))
                && (start + 3 >= content_end || is_space(s[start + 3]))
            {
                stack.clear();
                pos = next;
                continue;
            }
            if indent == 0 && s[start] == b'%' {
                pos = next;
                continue;
            }
            let is_dash = |i: usize| s.get(i) == Some(&b'-') && (i + 1 >= content_end || is_space(s[i + 1]));
            while let Some(top) = stack.last() {
                if top.indent > indent || (top.seq && top.indent == indent && !is_dash(start)) {
                    stack.pop();
                } else {
                    break;
                }
            }
            // The node whose value a new collection at this line starts: the item opened
            // earlier on the line, the pending key or item above, or the root.
            let mut item: Option<Option<u32>> = None;
            let mut dash_column = 0;
            let parent = |stack: &mut Vec<Block>, item: Option<Option<u32>>, root: &mut Option<u32>| {
                if let Some(i) = item {
                    return i;
                }
                match stack.last_mut() {
                    Some(top) => top.pending.take().flatten(),
                    None => root.take(),
                }
            };
            let mut col = start;
            while is_dash(col) {
                let c = col - pos;
                let seq_here = stack.last().is_some_and(|t| t.seq && t.indent == c) && item.is_none();
                if !seq_here {
                    let node = parent(&mut stack, item, &mut root);
                    stack.push(Block { indent: c, seq: true, node, index: 0, pending: None });
                }
                let Some(top) = stack.last_mut() else { break };
                let node = self.trie.item(top.node, top.index);
                top.index += 1;
                top.pending = Some(node);
                self.hit(col, node);
                item = Some(node);
                dash_column = c;
                col += 1;
                while col < content_end && is_space(s[col]) {
                    col += 1;
                }
            }
            if col >= content_end || s[col] == b'#' {
                // `-` alone: the item's value is on the lines below.
                pos = next;
                continue;
            }
            if let Some(top) = stack.last_mut().filter(|_| item.is_some()) {
                // Something follows the dash: the item's value is on this line.
                top.pending = None;
            }
            let c = col - pos;
            let key = self.block_key(col, content_end);
            let has_key = key.is_some();
            let (value_at, node, scalar_parent) = match key {
                Some((key_text, after)) => {
                    let same = stack.last().is_some_and(|t| !t.seq && t.indent == c) && item.is_none();
                    if !same {
                        let node = parent(&mut stack, item, &mut root);
                        stack.push(Block { indent: c, seq: false, node, index: 0, pending: None });
                    }
                    let Some(map) = stack.last_mut() else { break };
                    let node = self.trie.key(map.node, &key_text);
                    map.pending = None;
                    self.hit(col, node);
                    (after, node, c)
                }
                None => {
                    let node = match item {
                        Some(i) => i,
                        None => parent(&mut stack, None, &mut root),
                    };
                    (col, node, if item.is_some() { dash_column } else { c })
                }
            };
            // The value: tags and anchors first, then what it is.
            let mut v = value_at;
            loop {
                while v < content_end && is_space(s[v]) {
                    v += 1;
                }
                if v < content_end && (s[v] == b'!' || s[v] == b'&') {
                    while v < content_end && !is_space(s[v]) {
                        v += 1;
                    }
                } else {
                    break;
                }
            }
            if v >= content_end || s[v] == b'#' {
                if has_key || item.is_some() {
                    if let Some(top) = stack.last_mut() {
                        top.pending = Some(node);
                    }
                }
                pos = next;
                continue;
            }
            match s[v] {
                b'{' | b'[' => {
                    let after = self.flow(v, node);
                    pos = self.line_end(after.saturating_sub(1).max(v)) + 1;
                    continue;
                }
                b'|' | b'>' => block_scalar = Some(scalar_parent),
                b'"' | b'\'' => {
                    let after = self.quoted_end(v);
                    if after > content_end {
                        pos = self.line_end(after - 1) + 1;
                        continue;
                    }
                }
                _ => {}
            }
            pos = next;
        }
    }

    /// A block mapping key starting at `at`: its text and the offset after its `:`.
    fn block_key(&self, at: usize, end: usize) -> Option<(Cow<'t, str>, usize)> {
        let s = self.s;
        match s[at] {
            b'"' | b'\'' => {
                let q_end = self.quoted_end(at);
                if q_end > end {
                    return None;
                }
                let mut i = q_end;
                while i < end && is_space(s[i]) {
                    i += 1;
                }
                (i < end && s[i] == b':').then(|| (self.quoted_text(at, q_end), i + 1))
            }
            b'[' | b'{' | b'#' | b'|' | b'>' | b'!' | b'&' | b'*' | b'%' | b'@' | b'`' | b'?' | b',' => None,
            _ => {
                let mut i = at;
                while i < end {
                    match s[i] {
                        b':' if i + 1 >= end || is_space(s[i + 1]) => {
                            let key = self.text.get(at..i).unwrap_or("").trim_end();
                            return Some((Cow::Borrowed(key), i + 1));
                        }
                        b'#' if i > at && is_space(s[i - 1]) => return None,
                        _ => i += 1,
                    }
                }
                None
            }
        }
    }

    /// Scans the flow collection opening at `at` (`{` or `[`), the value of `node`;
    /// returns the offset just past its end (or the text's end).
    fn flow(&mut self, at: usize, node: Option<u32>) -> usize {
        let s = self.s;
        let mut stack: Vec<Flow> = Vec::new();
        let mut pos = at;
        let mut first = Some(node);
        while pos < s.len() {
            let b = s[pos];
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
                b'{' | b'[' => {
                    let node = match first.take() {
                        Some(n) => n,
                        None => self.flow_value(&mut stack, pos, None),
                    };
                    stack.push(if b == b'{' {
                        Flow::Map { node, key: None, has_key: false, after_colon: false }
                    } else {
                        Flow::Seq { node, index: 0, started: false }
                    });
                    pos += 1;
                }
                b'}' | b']' => {
                    stack.pop();
                    pos += 1;
                    if stack.is_empty() {
                        return pos;
                    }
                }
                b',' => {
                    match stack.last_mut() {
                        Some(Flow::Seq { index, started, .. }) => {
                            if *started {
                                *index += 1;
                            }
                            *started = false;
                        }
                        Some(Flow::Map { key, has_key, after_colon, .. }) => {
                            (*key, *has_key, *after_colon) = (None, false, false);
                        }
                        None => {}
                    }
                    pos += 1;
                }
                b':' => {
                    if let Some(Flow::Map { has_key: true, after_colon, .. }) = stack.last_mut() {
                        *after_colon = true;
                    }
                    pos += 1;
                }
                b'#' if pos == 0 || matches!(s[pos - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                    pos = self.line_end(pos);
                }
                b'!' | b'&' => {
                    while pos < s.len()
                        && !matches!(s[pos], b' ' | b'\t' | b'\r' | b'\n')
                        && !is_flow_indicator(s[pos])
                    {
                        pos += 1;
                    }
                }
                b'"' | b'\'' => {
                    let end = self.quoted_end(pos);
                    self.flow_value(&mut stack, pos, Some(end));
                    pos = end;
                }
                _ => {
                    let start = pos;
                    while pos < s.len() {
                        let c = s[pos];
                        if is_flow_indicator(c) || c == b'\n' || c == b'\r' {
                            break;
                        }
                        if c == b':'
                            && (pos + 1 >= s.len()
                                || matches!(s[pos + 1], b' ' | b'\t' | b'\r' | b'\n')
                                || is_flow_indicator(s[pos + 1]))
                        {
                            break;
                        }
                        if c == b'#' && pos > start && is_space(s[pos - 1]) {
                            break;
                        }
                        pos += 1;
                    }
                    if pos == start {
                        // A lone `:` with nothing before it: move on.
                        pos += 1;
                    } else {
                        self.flow_value(&mut stack, start, Some(pos));
                    }
                }
            }
        }
        s.len()
    }

    /// A value (scalar `at..end`, or a collection when `end` is `None`) starting at `at`
    /// inside the flow collection on top of `stack`: records it and returns its node.
    fn flow_value(&mut self, stack: &mut [Flow], at: usize, end: Option<usize>) -> Option<u32> {
        let trie = self.trie;
        match stack.last_mut() {
            Some(Flow::Seq { node, index, started }) => {
                if *started {
                    return None;
                }
                *started = true;
                let n = trie.item(*node, *index);
                self.hit(at, n);
                n
            }
            Some(Flow::Map { node, key, has_key, after_colon }) => {
                if *after_colon {
                    *after_colon = false;
                    return key.take();
                }
                if *has_key {
                    return None;
                }
                *has_key = true;
                let (Some(end), Some(_)) = (end, trie.enters(*node)) else { return None };
                let text = if matches!(self.byte(at), b'"' | b'\'') {
                    self.quoted_text(at, end)
                } else {
                    Cow::Borrowed(self.text.get(at..end).unwrap_or("").trim_end())
                };
                let n = trie.key(*node, &text);
                *key = n;
                self.hit(at, n);
                None
            }
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, path: &str) -> Option<usize> {
        locate(text, &[KeyPath::parse(path)])[0]
    }

    #[test]
    fn dotted_paths_read_and_print_back() {
        for p in ["Resources.A.Properties.SecurityGroupIngress[0].FromPort", "A[1][2].B", "[3]", "A"] {
            assert_eq!(KeyPath::parse(p).to_string(), p);
        }
        assert!(KeyPath::parse("").is_empty());
        assert_eq!(
            KeyPath::parse("A.B[2]").steps(),
            [Step::Key("A".into()), Step::Key("B".into()), Step::Index(2)]
        );
        assert_eq!(KeyPath::parse("A.B.C").tail(1).to_string(), "B.C");
    }

    #[test]
    fn block_yaml() {
        let yaml = "\
# comment: not a key
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: |
        Web servers
        Resources: not a key
      SecurityGroupIngress:
      - IpProtocol: tcp
        FromPort: 443
      -   IpProtocol: udp   # comment
          FromPort: !Ref Port
      Tags:
        - Key: Name
          Value: !Sub >-
            web-${Env}
        -
          Key: Role
          Value: web
  'Db':
    Type: X
    Properties: {A: [1, {B: 2}], \"C\": 3}
    List:
      - - a
        - b
      - [c,
         d]
";
        assert_eq!(at(yaml, "Resources"), Some(3));
        assert_eq!(at(yaml, "Resources.Web"), Some(4));
        assert_eq!(at(yaml, "Resources.Web.Properties.GroupDescription"), Some(7));
        assert_eq!(at(yaml, "Resources.Web.Properties.SecurityGroupIngress[0]"), Some(11));
        assert_eq!(at(yaml, "Resources.Web.Properties.SecurityGroupIngress[0].FromPort"), Some(12));
        assert_eq!(at(yaml, "Resources.Web.Properties.SecurityGroupIngress[1].IpProtocol"), Some(13));
        assert_eq!(at(yaml, "Resources.Web.Properties.SecurityGroupIngress[1].FromPort"), Some(14));
        assert_eq!(at(yaml, "Resources.Web.Properties.SecurityGroupIngress[2]"), None);
        assert_eq!(at(yaml, "Resources.Web.Properties.Tags[0].Value"), Some(17));
        assert_eq!(at(yaml, "Resources.Web.Properties.Tags[1]"), Some(19));
        assert_eq!(at(yaml, "Resources.Web.Properties.Tags[1].Value"), Some(21));
        assert_eq!(at(yaml, "Resources.Db"), Some(22));
        assert_eq!(at(yaml, "Resources.Db.Properties.A[1].B"), Some(24));
        assert_eq!(at(yaml, "Resources.Db.Properties.C"), Some(24));
        assert_eq!(at(yaml, "Resources.Db.List[0][1]"), Some(27));
        assert_eq!(at(yaml, "Resources.Db.List[1][1]"), Some(29));
        assert_eq!(at(yaml, "Resources.Resources"), None);
        assert_eq!(at(yaml, ""), None);
    }

    #[test]
    fn json_and_compact_sequences() {
        let json = "{\n  \"Resources\": {\n    \"A\": {\"Type\": \"X\", \"Properties\": {\"Ref\": \"B\"}},\n    \"B\" : {\"L\": [1,\n [2, 3], {\"K\\\"q\": 4}]}\n  }\n}\n";
        assert_eq!(at(json, "Resources.A"), Some(3));
        assert_eq!(at(json, "Resources.A.Properties.Ref"), Some(3));
        assert_eq!(at(json, "Resources.B"), Some(4));
        assert_eq!(at(json, "Resources.B.L[1][1]"), Some(5));
        assert_eq!(
            locate(json, &[KeyPath::new().key("Resources").key("B").key("L").index(2).key("K\"q")]),
            [Some(5)]
        );
        let yaml = "A:\n- x\n- y: 1\n  z: 2\nB: 3\n";
        assert_eq!(at(yaml, "A[1].z"), Some(4));
        assert_eq!(at(yaml, "B"), Some(5));
    }

    #[test]
    fn the_last_of_a_duplicate_key_counts_and_all_are_listed() {
        let yaml = "A:\n  k: 1\n  j: 2\n  k: 3\n";
        assert_eq!(at(yaml, "A.k"), Some(4));
        assert_eq!(locate_all(yaml, &[KeyPath::parse("A.k")]), [vec![2, 4]]);
        let json = "{\"A\": {\"k\": 1,\n\"k\": 2}}";
        assert_eq!(locate_all(json, &[KeyPath::parse("A.k")]), [vec![1, 2]]);
    }

    #[test]
    fn broken_text_gives_no_panic() {
        for text in [
            "{",
            "[",
            "\"",
            "'",
            "- - -",
            "a: [",
            "a: {b: 'c",
            "? x\n: y",
            ":",
            "- |\n  x\n- >",
            "\t\r\n\u{feff}",
            "\"\\",
        ] {
            let _ = locate_all(text, &[KeyPath::parse("a.b[0]"), KeyPath::parse("a")]);
        }
    }
}
