//! Sets of integers as sorted lists of disjoint, non-adjacent, inclusive intervals: the
//! traffic a flow carries ([`super::ports`]) and the addresses of ranges
//! ([`super::plane`]). Every operation keeps that form, so two equal sets are equal
//! lists.

/// An integer of an interval set.
pub(crate) trait Point: Copy + Ord {
    /// The next integer, `None` at the top of the type.
    fn next(self) -> Option<Self>;
    /// The previous integer, `None` at zero.
    fn prev(self) -> Option<Self>;
}

impl Point for u32 {
    fn next(self) -> Option<u32> {
        self.checked_add(1)
    }
    fn prev(self) -> Option<u32> {
        self.checked_sub(1)
    }
}

impl Point for u128 {
    fn next(self) -> Option<u128> {
        self.checked_add(1)
    }
    fn prev(self) -> Option<u128> {
        self.checked_sub(1)
    }
}

/// Sorts `v` and merges the intervals that overlap or touch.
pub(crate) fn normalize<T: Point>(v: &mut Vec<(T, T)>) {
    v.sort_unstable();
    let mut kept = 0;
    for i in 0..v.len() {
        let (lo, hi) = v[i];
        if kept > 0 {
            let last = &mut v[kept - 1];
            // Touching or overlapping the interval before (which may end at the top).
            if last.1.next().is_none_or(|after| lo <= after) {
                last.1 = last.1.max(hi);
                continue;
            }
        }
        v[kept] = (lo, hi);
        kept += 1;
    }
    v.truncate(kept);
}

/// The union of intervals given in any order.
pub(crate) fn union<T: Point>(items: impl IntoIterator<Item = (T, T)>) -> Vec<(T, T)> {
    let mut v: Vec<(T, T)> = items.into_iter().collect();
    normalize(&mut v);
    v
}

/// Whether two intervals share a point.
pub(crate) fn overlaps<T: Point>(a: (T, T), b: (T, T)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// The points of both sets.
pub(crate) fn intersect<T: Point>(a: &[(T, T)], b: &[(T, T)]) -> Vec<(T, T)> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        let lo = a[i].0.max(b[j].0);
        let hi = a[i].1.min(b[j].1);
        if lo <= hi {
            out.push((lo, hi));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The points of `a` that are not in `b`.
pub(crate) fn subtract<T: Point>(a: &[(T, T)], b: &[(T, T)]) -> Vec<(T, T)> {
    let mut out = Vec::new();
    let mut j = 0;
    for &(lo, hi) in a {
        let mut lo = Some(lo);
        while j < b.len() && b[j].1 < lo.unwrap_or(hi) {
            j += 1;
        }
        let mut k = j;
        while let Some(start) = lo {
            if start > hi {
                break;
            }
            match b.get(k) {
                Some(&(blo, bhi)) if blo <= hi => {
                    if start < blo {
                        out.push((start, blo.prev().unwrap_or(blo)));
                    }
                    lo = bhi.next();
                    k += 1;
                }
                _ => {
                    out.push((start, hi));
                    lo = None;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_stay_sorted_and_merged() {
        assert_eq!(union([(5u32, 9), (1, 2), (3, 4), (20, 30)]), [(1, 9), (20, 30)]);
        assert_eq!(union([(0u128, u128::MAX), (5, 6)]), [(0, u128::MAX)]);
        let a = [(0u32, 10), (20, 30)];
        let b = [(5u32, 22), (29, 40)];
        assert_eq!(intersect(&a, &b), [(5, 10), (20, 22), (29, 30)]);
        assert_eq!(subtract(&a, &b), [(0, 4), (23, 28)]);
        assert_eq!(subtract(&b, &a), [(11, 19), (31, 40)]);
        assert_eq!(subtract(&[(0u32, 65535)], &[(443, 443)]), [(0, 442), (444, 65535)]);
        assert_eq!(subtract(&[(0u128, u128::MAX)], &[(0, u128::MAX)]), []);
        assert_eq!(subtract(&[(0u128, u128::MAX)], &[(7, u128::MAX)]), [(0, 6)]);
        assert_eq!(subtract(&[(1u32, 3), (5, 9)], &[(0, 1), (3, 6), (8, 8)]), [(2, 2), (7, 7), (9, 9)]);
    }
}
