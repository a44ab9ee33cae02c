//! Splitting work over the cores, with results in a fixed order: what synthesis
//! (rendering many stacks) and the analyzer (reading many templates, running the
//! checks) use, so that their output never depends on the number of cores.
//!
//! ```
//! use ringfence_cfn::parallel::chunks;
//! let sums = chunks(1000, |range| range.sum::<usize>());
//! assert_eq!(sums.iter().sum::<usize>(), (0..1000).sum::<usize>());
//! ```

/// Below this many items one thread does the work: spawning costs more than it saves.
pub const PARALLEL_FROM: usize = 64;

/// Runs `f` on `0..n` split into one contiguous range per core (at most 8), the calling
/// thread taking the first; the results come back in range order, so what is built from
/// them never depends on the number of cores.
pub fn chunks<T: Send>(n: usize, f: impl Fn(std::ops::Range<usize>) -> T + Sync) -> Vec<T> {
    let workers = cores();
    if workers == 1 || n < PARALLEL_FROM {
        return vec![f(0..n)];
    }
    let chunk = n.div_ceil(workers);
    let f = &f;
    std::thread::scope(|scope| {
        let others: Vec<_> =
            (chunk..n).step_by(chunk).map(|s| scope.spawn(move || f(s..(s + chunk).min(n)))).collect();
        let mut out = vec![f(0..chunk)];
        out.extend(others.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))));
        out
    })
}

/// Runs `a` on the calling thread and `b` beside it when `large` and there is a second
/// core; one after the other otherwise. The results are the same either way.
pub fn join<A, B: Send>(large: bool, a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B) {
    if !large || cores() == 1 {
        let a = a();
        return (a, b());
    }
    std::thread::scope(|scope| {
        let b = scope.spawn(b);
        let a = a();
        (a, b.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
}

/// Cores to use, at most 8.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |c| c.get()).min(8)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges_cover_every_item_once_in_order() {
        for n in [0, 1, super::PARALLEL_FROM - 1, super::PARALLEL_FROM, 1001] {
            let ranges = super::chunks(n, |r| r.collect::<Vec<_>>());
            assert_eq!(ranges.concat(), (0..n).collect::<Vec<_>>(), "n = {n}");
        }
    }

    #[test]
    fn join_returns_both_results_either_way() {
        for large in [false, true] {
            assert_eq!(super::join(large, || 1, || "two"), (1, "two"), "large = {large}");
        }
    }
}
