//! Nested stacks: an `AWS::CloudFormation::Stack` whose `TemplateURL` names a file among
//! the inputs makes that file's template its child in the suite ([`Suite::nest`]): the
//! child reads the parameters the parent passes, and the parent's
//! `!GetAtt Child.Outputs.X` is the child's output.
//!
//! The URL is matched to a file by its path:
//! - a relative path (`child.yaml`, `./nested/db.yaml`, what `aws cloudformation
//!   package` reads), from the parent's folder;
//! - an S3 or HTTPS URL (`https://bucket.s3.amazonaws.com/prefix/templates/db.yaml`,
//!   `!Sub https://${Bucket}.s3.${AWS::URLSuffix}/${Prefix}templates/db.yaml`): the input
//!   whose path ends with the most of the URL's last segments, the file name at least,
//!   when exactly one does.
//!
//! A URL that matches no input, or several equally, leaves the nested stack outside the
//! suite: its outputs are groups and values the parent does not create.

use std::path::{Component, Path};

use ringfence_analyze::{Resolver, Suite, NESTED_STACK};
use ringfence_cfn::Value;

use crate::stack_names::absolute;

/// Links every nested stack whose template is among `files` (each template's index in
/// the suite and its file's path).
pub fn link(suite: &mut Suite, files: &[(usize, &Path)]) {
    let paths: Vec<Option<(usize, Vec<String>)>> =
        files.iter().map(|(index, path)| Some((*index, components(&absolute(path)?)))).collect();
    let mut links = Vec::new();
    {
        let resolver = Resolver::new(suite);
        for (parent, parent_path) in paths.iter().flatten() {
            let template = &suite.templates()[*parent].template;
            for (id, res) in template.resources.iter().filter(|(_, r)| r.resource_type == NESTED_STACK) {
                let Some(url) =
                    res.properties.get("TemplateURL").and_then(|v| url_text(&resolver, *parent, v))
                else {
                    continue;
                };
                if let Some(child) = find(&url.0, url.1, parent_path, &paths) {
                    links.push((*parent, id.clone(), child));
                }
            }
        }
    }
    for (parent, id, child) in links {
        // A second parent for one file, or a cycle: the first link stands.
        let _ = suite.nest(parent, id, child);
    }
}

/// The URL's text, and whether it is only its end: its value when known, else an
/// `Fn::Sub` format's text after its last `${…}`, or an `Fn::Join`'s last part (the part
/// of the path that names the file, after a prefix known only at deployment).
fn url_text(r: &Resolver<'_>, stack: usize, v: &Value) -> Option<(String, bool)> {
    if let Some(text) = r.text(stack, v) {
        return Some((text, false));
    }
    let tail = match v {
        Value::Sub(format, _) => format.rsplit_once('}').map(|(_, tail)| tail.to_owned()),
        Value::Join(_, parts) => match parts.last()? {
            Value::String(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    tail.filter(|t| !t.is_empty()).map(|t| (t, true))
}

/// The normal components of a path, as text.
fn components(path: &Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str().map(str::to_owned),
            _ => None,
        })
        .collect()
}

/// The template a URL (or the end of one, `partial`) names among the inputs.
fn find(
    url: &str,
    partial: bool,
    parent: &[String],
    inputs: &[Option<(usize, Vec<String>)>],
) -> Option<usize> {
    let remote = partial || url.contains("://") || url.starts_with("s3:");
    if !remote {
        // A path from the parent's folder.
        let mut path: Vec<String> = parent[..parent.len().saturating_sub(1)].to_vec();
        for part in url.split(['/', '\\']) {
            match part {
                "" | "." => {}
                ".." => {
                    path.pop();
                }
                p => path.push(p.to_owned()),
            }
        }
        return inputs.iter().flatten().find(|(_, p)| *p == path).map(|(i, _)| *i);
    }
    // The input whose path ends with the most of the URL's last segments.
    let segments: Vec<&str> = url.split('?').next()?.split('/').filter(|s| !s.is_empty()).collect();
    let matching = |p: &[String]| {
        segments.iter().rev().zip(p.iter().rev()).take_while(|(a, b)| **a == b.as_str()).count()
    };
    let mut best: Vec<(usize, usize)> =
        inputs.iter().flatten().map(|(i, p)| (matching(p), *i)).filter(|(n, _)| *n > 0).collect();
    best.sort_unstable_by_key(|b| std::cmp::Reverse(b.0));
    match best.as_slice() {
        [(n, i), (m, _), ..] if n > m => Some(*i),
        [(_, i)] => Some(*i),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(paths: &[&str]) -> Vec<Option<(usize, Vec<String>)>> {
        paths
            .iter()
            .enumerate()
            .map(|(i, p)| Some((i, p.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect())))
            .collect()
    }

    fn parts(p: &str) -> Vec<String> {
        p.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }

    fn find_url(url: &str, parent: &[String], inputs: &[Option<(usize, Vec<String>)>]) -> Option<usize> {
        find(url, false, parent, inputs)
    }

    #[test]
    fn the_end_of_a_url_matches_like_a_remote_one() {
        let files = inputs(&["/r/templates/nat.json", "/r/other/main.yaml"]);
        let parent = parts("/r/other/main.yaml");
        assert_eq!(find("templates/nat.json", true, &parent, &files), Some(0));
        assert_eq!(find("templates/nat.json", false, &parent, &files), None);
    }

    #[test]
    fn relative_urls_are_paths_from_the_parents_folder() {
        let files = inputs(&["/r/app/main.yaml", "/r/app/db.yaml", "/r/app/nested/cache.yaml", "/r/db.yaml"]);
        let parent = parts("/r/app/main.yaml");
        assert_eq!(find_url("db.yaml", &parent, &files), Some(1));
        assert_eq!(find_url("./nested/cache.yaml", &parent, &files), Some(2));
        assert_eq!(find_url("../db.yaml", &parent, &files), Some(3));
        assert_eq!(find_url("missing.yaml", &parent, &files), None);
    }

    #[test]
    fn remote_urls_match_the_input_ending_with_most_of_their_path() {
        let files = inputs(&[
            "/r/templates/vpc.yaml",
            "/r/old/vpc.yaml",
            "/r/templates/db.yaml",
            "/r/a/x.yaml",
            "/r/b/x.yaml",
        ]);
        let parent = parts("/r/templates/main.yaml");
        assert_eq!(
            find_url("https://bucket.s3.amazonaws.com/prefix/templates/vpc.yaml", &parent, &files),
            Some(0)
        );
        assert_eq!(find_url("https://bucket.s3.amazonaws.com/db.yaml", &parent, &files), Some(2));
        // Two equally good matches, or none: outside the suite.
        assert_eq!(find_url("https://bucket.s3.amazonaws.com/c/x.yaml", &parent, &files), None);
        assert_eq!(find_url("s3://bucket/none.yaml", &parent, &files), None);
    }
}
