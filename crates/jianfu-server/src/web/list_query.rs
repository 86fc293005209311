//! The filter, sort and page controls of the lists that grow (准入事项, 违规下派, 证明申请), one
//! way for all three: read the query string leniently (an unknown status, `page=abc` or `page=0`
//! fall back to the default and the page says so in a short hint, never an error), ask the
//! service for one page, and build the GET form and the 上一页/下一页 links that keep the filter
//! and the order. Templates include `list_filter.html` and `list_pager.html`.

use crate::service::listing::{ListKind, Listing, PAGE_SIZE, Paged};

/// The query string as sent; only the first value of each name counts.
#[derive(Debug, Clone, Default)]
pub struct ListArgs {
    pairs: Vec<(String, String)>,
}

impl ListArgs {
    /// Reads `?status=…&sort=…&page=…`; a query string that cannot be read at all reads as empty.
    pub fn from_query(raw: Option<&str>) -> Self {
        ListArgs {
            pairs: raw
                .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
                .unwrap_or_default(),
        }
    }

    pub fn get(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// What the page will show: the request where it names something the list offers, the
    /// default elsewhere, and whether anything was replaced.
    pub fn listing(&self, kind: ListKind) -> (Listing, bool) {
        let mut fell_back = false;
        let status = match self.get("status") {
            "" | "all" => None,
            s if kind.filter(s).is_some() => Some(s.to_string()),
            _ => {
                fell_back = true;
                None
            }
        };
        let sort = match self.get("sort") {
            "" => kind.sorts()[0],
            s => kind.sort(s).unwrap_or_else(|| {
                fell_back = true;
                kind.sorts()[0]
            }),
        };
        let page = match self.get("page") {
            "" => 1,
            p => match p.parse::<i64>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    fell_back = true;
                    1
                }
            },
        };
        (
            Listing {
                status,
                sort: sort.sort,
                page,
                per_page: PAGE_SIZE,
                past_end_shows_last: true,
            },
            fell_back,
        )
    }
}

/// One option of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One labelled select of the filter form.
pub struct Select {
    pub name: &'static str,
    pub label: &'static str,
    pub choices: Vec<Choice>,
}

/// A further filter a page has beyond the status (the supervisor's 下派部门): kept in every link.
pub struct ExtraFilter {
    pub name: &'static str,
    pub label: &'static str,
    /// (value, label); "全部" (the empty value) is added in front.
    pub choices: Vec<(String, String)>,
    /// The chosen value; empty: 全部.
    pub chosen: String,
}

/// Everything the filter form and the pager show.
pub struct ListView {
    /// The list's address, e.g. `/assignments`.
    pub action: &'static str,
    pub selects: Vec<Select>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// Something other than "全部" is chosen: the page offers 清除筛选.
    pub filtered: bool,
    /// What is chosen, in words (e.g. "待区级审批 · 最新在前").
    pub summary: String,
    /// Shown when a value in the address could not be used.
    pub hint: Option<&'static str>,
    /// Said when the filtered list is empty.
    pub empty: &'static str,
}

impl ListView {
    /// `kind`'s controls for `listing` and one `page` of results, with the page's `extra`
    /// filters.
    pub fn new<T>(
        action: &'static str,
        kind: ListKind,
        listing: &Listing,
        page: &Paged<T>,
        extra: Vec<ExtraFilter>,
        fell_back: bool,
        empty: &'static str,
    ) -> Self {
        let status = listing.status.clone().unwrap_or_default();
        let sorts = kind.sorts();
        let sort_key = sorts
            .iter()
            .find(|s| s.sort == listing.sort)
            .map_or(sorts[0].key, |s| s.key);
        let mut status_choices = vec![Choice {
            value: String::new(),
            label: "全部".into(),
            selected: status.is_empty(),
        }];
        status_choices.extend(kind.filters().into_iter().map(|f| Choice {
            value: f.key.into(),
            label: f.label.into(),
            selected: f.key == status,
        }));
        let mut selects = vec![Select {
            name: "status",
            label: "状态",
            choices: status_choices,
        }];
        let mut kept: Vec<(&'static str, String)> = Vec::new();
        if !status.is_empty() {
            kept.push(("status", status.clone()));
        }
        let mut words: Vec<String> = vec![
            kind.filter(&status)
                .map_or_else(|| "全部状态".to_string(), |f| f.label.to_string()),
        ];
        for ExtraFilter {
            name,
            label,
            choices,
            chosen,
        } in extra
        {
            if !chosen.is_empty() {
                kept.push((name, chosen.clone()));
                if let Some((_, l)) = choices.iter().find(|(v, _)| *v == chosen) {
                    words.push(l.clone());
                }
            }
            let mut all = vec![Choice {
                value: String::new(),
                label: "全部".into(),
                selected: chosen.is_empty(),
            }];
            all.extend(choices.into_iter().map(|(value, label)| Choice {
                selected: value == chosen,
                value,
                label,
            }));
            selects.push(Select {
                name,
                label,
                choices: all,
            });
        }
        let filtered = !kept.is_empty();
        selects.push(Select {
            name: "sort",
            label: "排序",
            choices: sorts
                .iter()
                .map(|s| Choice {
                    value: s.key.into(),
                    label: s.label.into(),
                    selected: s.key == sort_key,
                })
                .collect(),
        });
        if sort_key != sorts[0].key {
            kept.push(("sort", sort_key.to_string()));
        }
        words.extend(
            sorts
                .iter()
                .find(|s| s.key == sort_key)
                .map(|s| s.label.to_string()),
        );
        let pages = page.pages();
        let link = |n: i64| {
            let mut pairs = kept.clone();
            if n > 1 {
                pairs.push(("page", n.to_string()));
            }
            if pairs.is_empty() {
                action.to_string()
            } else {
                let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
                format!("{action}?{q}")
            }
        };
        ListView {
            action,
            selects,
            total: page.total,
            page: page.page,
            pages,
            prev: (page.page > 1).then(|| link(page.page - 1)),
            next: (page.page < pages).then(|| link(page.page + 1)),
            filtered,
            summary: words.join(" · "),
            hint: fell_back.then_some("地址中的筛选条件或页码无法识别，已按默认条件显示。"),
            empty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paged(total: i64, page: i64) -> Paged<()> {
        Paged {
            items: vec![],
            total,
            page,
            per_page: 20,
        }
    }

    #[test]
    fn bad_values_fall_back_and_say_so() {
        let kind = ListKind::Violations;
        let (l, fell) = ListArgs::from_query(Some("status=nope&page=abc")).listing(kind);
        assert_eq!((l.status, l.page, fell), (None, 1, true));
        let (l, fell) = ListArgs::from_query(Some("page=0")).listing(kind);
        assert_eq!((l.page, fell), (1, true));
        let (l, fell) =
            ListArgs::from_query(Some("status=reported&sort=oldest&page=2")).listing(kind);
        assert_eq!(
            (l.status.as_deref(), l.page, fell),
            (Some("reported"), 2, false)
        );
        let (_, fell) = ListArgs::from_query(Some("%zz=&&=")).listing(kind);
        assert!(!fell);
    }

    #[test]
    fn links_keep_filter_and_order() {
        let kind = ListKind::Violations;
        let (l, _) = ListArgs::from_query(Some("status=reported&sort=oldest&page=2")).listing(kind);
        let v = ListView::new("/violations", kind, &l, &paged(45, 2), vec![], false, "");
        assert_eq!(v.pages, 3);
        assert_eq!(
            v.prev.as_deref(),
            Some("/violations?status=reported&sort=oldest")
        );
        assert_eq!(
            v.next.as_deref(),
            Some("/violations?status=reported&sort=oldest&page=3")
        );
        assert!(v.filtered);
        let v = ListView::new(
            "/violations",
            kind,
            &Listing::default(),
            &paged(5, 1),
            vec![],
            false,
            "",
        );
        assert_eq!((v.prev, v.next, v.filtered), (None, None, false));
    }
}
