//! The lists that grow (准入事项, 违规下派举报, 证明申请, 通知): the status filters each offers (a key,
//! its Chinese label from the domain, the states it stands for), the orders, and the page asked
//! for. Pages read a request leniently (a bad value falls back to the default, `web/list_query.rs`);
//! the API strictly (an unknown status is `invalid_status`, an unknown order `invalid_sort`, a page
//! out of range `invalid_page`). Either way the store filters, sorts, counts and pages in SQL.

use super::ServiceError;
use jianfu_domain::assignment::CaseState;
use jianfu_domain::certificate::lifecycle::CertState;
use jianfu_domain::evaluation::Outcome as EvalOutcome;
use jianfu_domain::inventory::Status as InventoryStatus;
use jianfu_domain::violation::Status as ViolationStatus;
use jianfu_store::{ListQuery, ListSort, Page, StoreError};

/// Rows per page on the web pages.
pub const PAGE_SIZE: i64 = 20;
/// Rows per page in the API when `per_page` is not given: the old fixed cap of these lists, so a
/// client that never asked for pages still gets the same array.
pub const API_PAGE_SIZE: i64 = 500;
/// The most rows one page may ask for.
pub const MAX_PAGE_SIZE: i64 = 500;

/// One status filter: `key` in the query string, the Chinese label, the states it stands for,
/// and whether it keeps only rows whose deadline has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusFilter {
    pub key: &'static str,
    pub label: &'static str,
    pub statuses: Vec<&'static str>,
    pub overdue: bool,
}

fn state(key: &'static str, label: &'static str) -> StatusFilter {
    StatusFilter {
        key,
        label,
        statuses: vec![key],
        overdue: false,
    }
}

/// One order a list offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortOption {
    pub key: &'static str,
    pub label: &'static str,
    pub sort: ListSort,
}

/// Which list: each has its own filters and orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// Cases; a community sees only work in force, so it is offered only those states.
    Assignments {
        community: bool,
    },
    Violations,
    Certificates,
    /// Burden inventory entries (台账清理).
    Inventory,
    /// The evaluation register; the "state" is the register's outcome.
    Evaluations,
    /// A reader's notices: the state is his own read state.
    Notices,
}

impl ListKind {
    /// The status filters offered, in the order work moves through them ("全部" is no filter).
    pub fn filters(self) -> Vec<StatusFilter> {
        match self {
            ListKind::Assignments { community } => {
                let in_force = StatusFilter {
                    key: "in_force",
                    label: "生效中（已准入、已批准准入）",
                    statuses: vec![CaseState::Admitted.as_str(), CaseState::Approved.as_str()],
                    overdue: false,
                };
                let one = |s: CaseState| state(s.as_str(), s.label_zh());
                if community {
                    return vec![in_force, one(CaseState::Admitted), one(CaseState::Approved)];
                }
                vec![
                    in_force,
                    one(CaseState::PendingApproval),
                    StatusFilter {
                        key: "overdue",
                        label: "已超过审批期限",
                        statuses: vec![CaseState::PendingApproval.as_str()],
                        overdue: true,
                    },
                    one(CaseState::Admitted),
                    one(CaseState::Approved),
                    one(CaseState::Refused),
                    one(CaseState::Withdrawn),
                    one(CaseState::Revoked),
                    one(CaseState::Expired),
                ]
            }
            ListKind::Notices => vec![
                state(jianfu_store::NOTICE_UNREAD, "未读"),
                state(jianfu_store::NOTICE_READ, "已读"),
            ],
            ListKind::Violations => ViolationStatus::ALL
                .iter()
                .map(|s| state(s.as_str(), s.label_zh()))
                .collect(),
            ListKind::Evaluations => EvalOutcome::ALL
                .iter()
                .map(|o| state(o.as_str(), o.label_zh()))
                .collect(),
            ListKind::Inventory => {
                let carried: Vec<&'static str> = InventoryStatus::ALL
                    .iter()
                    .filter(|s| s.is_carried())
                    .map(|s| s.as_str())
                    .collect();
                let mut v = vec![StatusFilter {
                    key: "carried",
                    label: "仍在社区（已登记、保留、待清理）",
                    statuses: carried,
                    overdue: false,
                }];
                v.extend(
                    InventoryStatus::ALL
                        .iter()
                        .map(|s| state(s.as_str(), s.label_zh())),
                );
                v
            }
            ListKind::Certificates => {
                let open: Vec<&'static str> = CertState::ALL
                    .iter()
                    .filter(|s| s.is_open())
                    .map(|s| s.as_str())
                    .collect();
                let mut v = vec![
                    StatusFilter {
                        key: "open",
                        label: "办理中",
                        statuses: open.clone(),
                        overdue: false,
                    },
                    StatusFilter {
                        key: "overdue",
                        label: "已超过办结期限",
                        statuses: open,
                        overdue: true,
                    },
                ];
                v.extend(
                    CertState::ALL
                        .iter()
                        .map(|s| state(s.as_str(), s.label_zh())),
                );
                v
            }
        }
    }

    /// The orders offered; the first is the default.
    pub fn sorts(self) -> Vec<SortOption> {
        let newest = SortOption {
            key: "newest",
            label: "最新在前",
            sort: ListSort::Newest,
        };
        let oldest = SortOption {
            key: "oldest",
            label: "最早在前",
            sort: ListSort::Oldest,
        };
        match self {
            ListKind::Assignments { .. } => vec![
                newest,
                oldest,
                SortOption {
                    key: "deadline",
                    label: "审批期限最近在前",
                    sort: ListSort::Deadline,
                },
            ],
            ListKind::Violations
            | ListKind::Notices
            | ListKind::Inventory
            | ListKind::Evaluations => {
                vec![newest, oldest]
            }
            ListKind::Certificates => vec![
                newest,
                oldest,
                SortOption {
                    key: "deadline",
                    label: "办结期限最近在前",
                    sort: ListSort::Deadline,
                },
            ],
        }
    }

    pub fn filter(self, key: &str) -> Option<StatusFilter> {
        self.filters().into_iter().find(|f| f.key == key)
    }

    pub fn sort(self, key: &str) -> Option<SortOption> {
        self.sorts().into_iter().find(|s| s.key == key)
    }

    /// The keys a request may name, for error messages and the API documentation.
    fn keys(self) -> String {
        self.filters()
            .iter()
            .map(|f| format!("{}（{}）", f.key, f.label))
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// What a reader asked of a list. Built by the page (leniently) or the API (strictly, through
/// [`Listing::strict`]); the service checks it again against the list's filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// A status filter key; `None`: every state.
    pub status: Option<String>,
    pub sort: ListSort,
    /// 1-based.
    pub page: i64,
    /// Rows per page; 0 counts only.
    pub per_page: i64,
    /// A page past the end shows the last page (pages: a link kept while the list shrank still
    /// shows rows). The API answers such a page with an empty array, so a client reading page
    /// after page stops.
    pub past_end_shows_last: bool,
}

impl Default for Listing {
    fn default() -> Self {
        Listing {
            status: None,
            sort: ListSort::Newest,
            page: 1,
            per_page: PAGE_SIZE,
            past_end_shows_last: true,
        }
    }
}

impl Listing {
    /// Only the total of one filter (the home page's figures use exactly the list's query).
    pub fn count_of(status: &str) -> Self {
        Listing {
            status: Some(status.to_string()),
            per_page: 0,
            ..Listing::default()
        }
    }

    /// The API's reading: every value must be one the list offers.
    pub fn strict(
        kind: ListKind,
        status: Option<&str>,
        sort: Option<&str>,
        page: Option<i64>,
        per_page: Option<i64>,
    ) -> Result<Self, ServiceError> {
        let status = status.map(str::trim).filter(|s| !s.is_empty());
        if let Some(s) = status {
            resolve(kind, s)?;
        }
        let sort = match sort.map(str::trim).filter(|s| !s.is_empty()) {
            None => ListSort::Newest,
            Some(s) => {
                kind.sort(s)
                    .ok_or_else(|| ServiceError::Rejected {
                        code: "invalid_sort",
                        message: format!(
                            "排序方式只能是：{}",
                            kind.sorts()
                                .iter()
                                .map(|o| format!("{}（{}）", o.key, o.label))
                                .collect::<Vec<_>>()
                                .join("、")
                        ),
                    })?
                    .sort
            }
        };
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(API_PAGE_SIZE);
        if page < 1 || !(1..=MAX_PAGE_SIZE).contains(&per_page) {
            return Err(ServiceError::Rejected {
                code: "invalid_page",
                message: format!(
                    "页码 page 须为 1 以上的整数，每页条数 per_page 须在 1 到 {MAX_PAGE_SIZE} 之间"
                ),
            });
        }
        Ok(Listing {
            status: status.map(str::to_string),
            sort,
            page,
            per_page,
            past_end_shows_last: false,
        })
    }

    /// The store's query for one page, with the deadline cut when the filter asks for overdue
    /// rows. Unknown status: `invalid_status`.
    pub(crate) fn query<C>(
        &self,
        kind: ListKind,
        cut: impl FnOnce() -> C,
    ) -> Result<ListQuery<C>, ServiceError> {
        let filter = match self.status.as_deref() {
            Some(s) => Some(resolve(kind, s)?),
            None => None,
        };
        let per_page = self.per_page.clamp(0, MAX_PAGE_SIZE);
        Ok(ListQuery {
            statuses: filter
                .as_ref()
                .map(|f| f.statuses.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default(),
            overdue: filter.filter(|f| f.overdue).map(|_| cut()),
            sort: self.sort,
            limit: per_page,
            offset: (self.page.max(1) - 1).saturating_mul(per_page),
        })
    }
}

fn resolve(kind: ListKind, key: &str) -> Result<StatusFilter, ServiceError> {
    kind.filter(key.trim())
        .ok_or_else(|| ServiceError::Rejected {
            code: "invalid_status",
            message: format!("状态只能是：{}", kind.keys()),
        })
}

/// One page of a list as readers get it.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Rows in the whole filtered list.
    pub total: i64,
    /// The page shown (a page past the end shows the last one).
    pub page: i64,
    pub per_page: i64,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> i64 {
        if self.per_page <= 0 {
            return 1;
        }
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

/// Reads one page; a page past the end reads the last page instead when the listing asks so.
pub(crate) async fn read_page<C, T, F, Fut>(
    mut query: ListQuery<C>,
    listing: &Listing,
    read: F,
) -> Result<Paged<T>, ServiceError>
where
    C: Clone,
    F: Fn(ListQuery<C>) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let per_page = query.limit;
    let first = read(query.clone()).await?;
    let mut page = listing.page.max(1);
    if listing.past_end_shows_last
        && first.rows.is_empty()
        && first.total > 0
        && per_page > 0
        && query.offset > 0
    {
        page = (first.total + per_page - 1) / per_page;
        query.offset = (page - 1) * per_page;
        let last = read(query).await?;
        return Ok(Paged {
            items: last.rows,
            total: last.total,
            page,
            per_page,
        });
    }
    Ok(Paged {
        items: first.rows,
        total: first.total,
        page,
        per_page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_reading_refuses_what_the_list_does_not_offer() {
        let kind = ListKind::Violations;
        let code = |r: Result<Listing, ServiceError>| r.unwrap_err().code();
        assert_eq!(
            code(Listing::strict(kind, Some("nope"), None, None, None)),
            "invalid_status"
        );
        assert_eq!(
            code(Listing::strict(kind, None, Some("deadline"), None, None)),
            "invalid_sort"
        );
        assert_eq!(
            code(Listing::strict(kind, None, None, Some(0), None)),
            "invalid_page"
        );
        assert_eq!(
            code(Listing::strict(kind, None, None, None, Some(501))),
            "invalid_page"
        );
        let ok = Listing::strict(kind, Some("reported"), Some("oldest"), Some(2), Some(5)).unwrap();
        let q = ok.query(kind, || ()).unwrap();
        assert_eq!(q.statuses, vec!["reported".to_string()]);
        assert_eq!((q.sort, q.limit, q.offset), (ListSort::Oldest, 5, 5));
    }

    #[test]
    fn overdue_filters_carry_the_cut() {
        let l = Listing::count_of("overdue");
        let q = l
            .query(ListKind::Assignments { community: false }, || 42i64)
            .unwrap();
        assert_eq!(q.statuses, vec!["pending_approval".to_string()]);
        assert_eq!((q.overdue, q.limit), (Some(42), 0));
        let q = l.query(ListKind::Certificates, || "2026-11-28".to_string());
        assert_eq!(q.unwrap().statuses.len(), 3);
        assert!(l.query(ListKind::Violations, || ()).is_err());
    }

    #[test]
    fn pages_round_up() {
        let p = |total| Paged::<()> {
            items: vec![],
            total,
            page: 1,
            per_page: 20,
        };
        assert_eq!((p(0).pages(), p(20).pages(), p(21).pages()), (1, 1, 2));
    }
}
