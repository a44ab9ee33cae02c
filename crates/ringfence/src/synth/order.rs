//! Deployment order of the stacks, and the cycles that make one impossible.

use std::borrow::Borrow;

use crate::collections::FxIndexMap as IndexMap;
use crate::Error;

/// What one stack imports: owner stack -> the object imported from it.
pub(crate) type Deps = IndexMap<usize, String>;

/// Orders stacks so that every stack comes after the stacks it imports from: at each
/// step, the first stack in declaration order whose owners are all placed. So the order
/// is deterministic, and a stack that comes or goes moves no other stack (a depth-first
/// order would pull an owner forward for its first consumer, and put it back when that
/// consumer leaves). Each cycle is reported with its whole path and the object behind
/// every edge.
///
/// `deps[s]` maps each owner stack that `s` imports from to the object it imports.
pub(crate) fn deployment_order<D: Borrow<Deps>>(
    names: &[impl AsRef<str>],
    deps: &[D],
) -> Result<Vec<usize>, Vec<Error>> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let n = names.len();
    let mut waiting: Vec<usize> = deps.iter().map(|d| d.borrow().len()).collect();
    let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (s, d) in deps.iter().enumerate() {
        for &owner in d.borrow().keys() {
            consumers[owner].push(s);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..n).filter(|&s| waiting[s] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(s)) = ready.pop() {
        order.push(s);
        for &c in &consumers[s] {
            waiting[c] -= 1;
            if waiting[c] == 0 {
                ready.push(Reverse(c));
            }
        }
    }
    if order.len() == n {
        Ok(order)
    } else {
        Err(cycles(names, deps))
    }
}

/// Every cycle among the stacks (depth-first, in declaration order), each once.
fn cycles<D: Borrow<Deps>>(names: &[impl AsRef<str>], deps: &[D]) -> Vec<Error> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let n = names.len();
    let mut mark = vec![Mark::New; n];
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
                path.pop();
            }
        }
    }
    errors
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

    /// A consumer that imports from a stack declared after another does not pull that
    /// stack forward: removing the consumer leaves the others' order as it was.
    #[test]
    fn a_consumer_coming_or_going_moves_no_other_stack() {
        let with = deployment_order(&names(4), &deps(&[(1, 3)], 4)).unwrap();
        assert_eq!(with, [0, 2, 3, 1]);
        let without = deployment_order(&names(4), &deps(&[], 4)).unwrap();
        assert_eq!(without, [0, 1, 2, 3]);
        let others: Vec<usize> = with.into_iter().filter(|&s| s != 1).collect();
        assert_eq!(others, [0, 2, 3]);
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
