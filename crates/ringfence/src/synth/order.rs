//! Deployment order of the stacks, and the cycles that make one impossible.

use std::borrow::Borrow;

use super::FxIndexMap as IndexMap;
use crate::Error;

/// What one stack imports: owner stack -> the object imported from it.
pub(crate) type Deps = IndexMap<usize, String>;

/// Orders stacks so that every stack comes after the stacks it imports from (depth-first
/// post-order, visiting stacks in declaration order, so the order is deterministic).
/// Each cycle met is reported with its whole path and the object behind every edge.
///
/// `deps[s]` maps each owner stack that `s` imports from to the object it imports.
pub(crate) fn deployment_order<D: Borrow<Deps>>(
    names: &[impl AsRef<str>],
    deps: &[D],
) -> Result<Vec<usize>, Vec<Error>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let n = names.len();
    let mut mark = vec![Mark::New; n];
    let mut order = Vec::with_capacity(n);
    let mut errors = Vec::new();
    let mut seen_cycles: Vec<Vec<usize>> = Vec::new();
    for root in 0..n {
        if mark[root] != Mark::New {
            continue;
        }
        // Iterative DFS: (stack, next edge to look at).
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        mark[root] = Mark::Open;
        while let Some(&mut (node, ref mut edge)) = path.last_mut() {
            if let Some((&next, _)) = deps[node].borrow().get_index(*edge) {
                *edge += 1;
                match mark[next] {
                    Mark::New => {
                        mark[next] = Mark::Open;
                        path.push((next, 0));
                    }
                    Mark::Open => {
                        let start = path.iter().position(|&(s, _)| s == next).unwrap_or(0);
                        let cycle: Vec<usize> = path[start..].iter().map(|&(s, _)| s).collect();
                        let mut canonical = cycle.clone();
                        canonical.sort_unstable();
                        if !seen_cycles.contains(&canonical) {
                            seen_cycles.push(canonical);
                            errors.push(cycle_error(names, deps, &cycle));
                        }
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                order.push(node);
                path.pop();
            }
        }
    }
    if errors.is_empty() {
        Ok(order)
    } else {
        Err(errors)
    }
}

fn cycle_error<D: Borrow<Deps>>(names: &[impl AsRef<str>], deps: &[D], cycle: &[usize]) -> Error {
    let name = |s: usize| names[s].as_ref();
    let mut path: Vec<String> = cycle.iter().map(|&s| name(s).to_owned()).collect();
    path.push(name(cycle[0]).to_owned());
    let edges: Vec<String> = cycle
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let next = cycle[(i + 1) % cycle.len()];
            let object = deps[s].borrow().get(&next).map(String::as_str).unwrap_or("?");
            format!("{} imports {object}", name(s))
        })
        .collect();
    Error::StackCycle {
        path,
        hint: format!(
            "{}. Break it where a stack names a group of a stack that depends on it: have the owner admit a shared role group of its own instead",
            edges.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("s{i}")).collect()
    }

    fn deps(edges: &[(usize, usize)], n: usize) -> Vec<IndexMap<usize, String>> {
        let mut d = vec![IndexMap::default(); n];
        for &(a, b) in edges {
            d[a].insert(b, format!("s{b}/x"));
        }
        d
    }

    #[test]
    fn owners_come_first() {
        let order = deployment_order(&names(4), &deps(&[(1, 0), (2, 0), (3, 2)], 4)).unwrap();
        assert_eq!(order, [0, 1, 2, 3]);
        let order = deployment_order(&names(3), &deps(&[(0, 2), (1, 2)], 3)).unwrap();
        assert_eq!(order, [2, 0, 1]);
    }

    #[test]
    fn a_cycle_is_reported_whole() {
        let errors = deployment_order(&names(4), &deps(&[(0, 1), (1, 2), (2, 0), (3, 0)], 4)).unwrap_err();
        assert_eq!(errors.len(), 1);
        match &errors[0] {
            Error::StackCycle { path, hint } => {
                assert_eq!(path, &["s0", "s1", "s2", "s0"]);
                assert!(hint.contains("s0 imports s1/x, s1 imports s2/x, s2 imports s0/x"), "{hint}");
            }
            e => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn separate_cycles_are_each_reported() {
        let errors = deployment_order(&names(4), &deps(&[(0, 1), (1, 0), (2, 3), (3, 2)], 4)).unwrap_err();
        assert_eq!(errors.len(), 2);
    }
}
