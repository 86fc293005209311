//! One shape for the lists that grow (准入事项, 违规下派举报, 证明申请): which states, which order,
//! which page. Filtering, sorting, counting and paging all happen in SQL, the same SQL on both
//! backends. The order is one of a fixed whitelist (never text from a request) and every value is
//! a bound parameter; the helpers here only write `$n` placeholders.

/// The orders a list offers. Each store method maps them to its own columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListSort {
    /// Newest first (the default).
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
    /// The nearest deadline first; rows without a deadline last. A list without deadlines
    /// treats it as [`ListSort::Newest`].
    Deadline,
}

/// Which rows of a list, in which order, which page. `C` is the type of the list's deadline
/// (epoch ms for cases, a `YYYY-MM-DD` day for certificate applications; `()` for a list
/// without one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery<C = ()> {
    /// Only rows in one of these states; empty: every state.
    pub statuses: Vec<String>,
    /// Only rows whose deadline is before this cut (rows without a deadline never match).
    pub overdue: Option<C>,
    pub sort: ListSort,
    /// Rows per page; 0 counts only (no rows are read).
    pub limit: i64,
    pub offset: i64,
}

impl<C> Default for ListQuery<C> {
    fn default() -> Self {
        ListQuery {
            statuses: Vec::new(),
            overdue: None,
            sort: ListSort::Newest,
            limit: 500,
            offset: 0,
        }
    }
}

impl<C> ListQuery<C> {
    /// The limit as bound: at most 2,000 rows a page.
    pub fn bound_limit(&self) -> i64 {
        self.limit.clamp(0, 2000)
    }
    pub fn bound_offset(&self) -> i64 {
        self.offset.max(0)
    }
}

/// One page of a list and how many rows the whole filtered list has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: i64,
}

/// ` AND column IN ($first, …)` for `n` statuses (empty when `n` is 0).
pub(crate) fn status_in(column: &str, first: usize, n: usize) -> String {
    if n == 0 {
        return String::new();
    }
    let marks: Vec<String> = (first..first + n).map(|i| format!("${i}")).collect();
    format!(" AND {column} IN ({})", marks.join(", "))
}

/// `$first, $first+1, …` for an `IN` list of `n` values.
pub(crate) fn marks(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_from_first() {
        assert_eq!(status_in("a.status", 2, 0), "");
        assert_eq!(status_in("a.status", 2, 3), " AND a.status IN ($2, $3, $4)");
        assert_eq!(marks(1, 2), "$1, $2");
    }
}
