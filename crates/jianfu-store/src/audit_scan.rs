//! Reading the audit trail for full verification (issue 14). On SQLite a page of one chain comes
//! back as ONE value, a JSON array of records built by the database, instead of one row of 14
//! decoded columns per record: the SQLite driver's per-row cost (a copy of every value, a message
//! to the async side, a lookup by column name) was most of `jianfu audit verify`'s time. The page
//! is parsed where the records are hashed, borrowing the text where it has no escapes.
//! PostgreSQL keeps rows: its driver decodes them cheaply in-process, while building the JSON in
//! the server was slower than sending rows (1M records: 4.2 s against 2.9 s).

use crate::store::Result;
use crate::{AuditRecord, StoreError};
use async_trait::async_trait;
use jianfu_domain::audit_chain::AuditRecordRef;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use std::borrow::Cow;

/// The hashed columns in the order of each page element (the chain is the query's).
pub(crate) const PAGE_COLUMNS: &str = "seq, id, at, actor, actor_role, action, object, result, \
     client_addr, request_id, detail, prev_hash, hash";

/// [`PAGE_COLUMNS`] as a row, followed by the chain's next sequence number after the page.
pub(crate) type PageRow = (
    i64,
    String,
    i64,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<i64>,
);

#[async_trait]
pub trait AuditScan: Send + Sync + 'static {
    /// The records of `chain` with `from_seq <= seq <= upto_seq`, in sequence order, as one page
    /// that also says where the chain goes on after `upto_seq` (a range rather than a `LIMIT`:
    /// SQLite then aggregates straight off the primary key, without a subquery).
    async fn audit_page(&self, chain: &str, from_seq: i64, upto_seq: i64) -> Result<AuditPage>;
}

/// Records of one chain, in sequence order.
#[derive(Debug, Clone)]
pub struct AuditPage {
    body: Body,
    len: i64,
    next_seq: Option<i64>,
}

#[derive(Debug, Clone)]
enum Body {
    /// A JSON array of arrays, one per record, with the columns of [`PAGE_COLUMNS`] (text as
    /// stored, NULL as `null`, integers as numbers).
    Json(String),
    Rows(Vec<AuditRecord>),
}

impl AuditPage {
    pub(crate) fn json(json: Option<String>, len: i64, next_seq: Option<i64>) -> Self {
        Self {
            body: Body::Json(json.unwrap_or_else(|| "[]".into())),
            len,
            next_seq,
        }
    }

    /// Rows of [`PageRow`]; `next_seq` is asked for only when there are none.
    pub(crate) fn rows(rows: Vec<PageRow>, next_seq: Option<i64>) -> Self {
        let next_seq = rows.first().map_or(next_seq, |r| r.13);
        let records: Vec<AuditRecord> = rows
            .into_iter()
            .map(|r| AuditRecord {
                chain: String::new(),
                seq: r.0,
                id: r.1,
                at: r.2,
                actor: r.3,
                actor_role: r.4,
                action: r.5,
                object: r.6,
                result: r.7,
                client_addr: r.8,
                request_id: r.9,
                detail: r.10,
                prev_hash: r.11,
                hash: r.12,
            })
            .collect();
        Self {
            len: records.len() as i64,
            body: Body::Rows(records),
            next_seq,
        }
    }

    /// The number of records.
    pub fn len(&self) -> i64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The chain's first sequence number after the page's range, if it has one.
    pub fn next_seq(&self) -> Option<i64> {
        self.next_seq
    }

    /// Calls `f` with each record in sequence order until it returns `false`. A page that does
    /// not parse, or is not in ascending order, is an error, never a silently shorter page.
    pub fn for_each(&self, mut f: impl FnMut(&AuditRecordRef<'_>) -> bool) -> Result<()> {
        let seen = match &self.body {
            Body::Json(json) => {
                let mut d = serde_json::Deserializer::from_str(json);
                d.deserialize_seq(Each { f, seen: 0 })
                    .and_then(|n| d.end().map(|()| n))
                    .map_err(|e| StoreError::Database(sqlx::Error::Decode(Box::new(e))))?
            }
            Body::Rows(rows) => {
                // In order by the query's ORDER BY.
                for r in rows {
                    if !f(&r.borrowed()) {
                        break;
                    }
                }
                rows.len() as i64
            }
        };
        if seen != self.len {
            return Err(StoreError::Database(sqlx::Error::Decode(
                format!("审计记录页应有 {} 条，读出 {seen} 条", self.len).into(),
            )));
        }
        Ok(())
    }
}

/// A JSON string, borrowed from the page when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
                Ok(Cow::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(Cow::Owned(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Self::Value, E> {
                Ok(Cow::Owned(v))
            }
        }
        d.deserialize_str(V).map(Text)
    }
}

fn opt<'a>(t: &'a Option<Text<'_>>) -> Option<&'a str> {
    t.as_ref().map(|t| t.0.as_ref())
}

/// One page element, in [`PAGE_COLUMNS`] order.
#[derive(Deserialize)]
struct Row<'a>(
    i64,
    #[serde(borrow)] Text<'a>,
    i64,
    #[serde(borrow)] Option<Text<'a>>,
    #[serde(borrow)] Option<Text<'a>>,
    #[serde(borrow)] Text<'a>,
    #[serde(borrow)] Text<'a>,
    #[serde(borrow)] Text<'a>,
    #[serde(borrow)] Option<Text<'a>>,
    #[serde(borrow)] Option<Text<'a>>,
    #[serde(borrow)] Text<'a>,
    #[serde(borrow)] Text<'a>,
    #[serde(borrow)] Text<'a>,
);

struct Each<F> {
    f: F,
    seen: i64,
}

impl<'de, F: FnMut(&AuditRecordRef<'_>) -> bool> Visitor<'de> for Each<F> {
    type Value = i64;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of audit records")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> std::result::Result<i64, A::Error> {
        let mut last = i64::MIN;
        while let Some(r) = seq.next_element::<Row<'de>>()? {
            if r.0 <= last {
                return Err(de::Error::custom("审计记录页未按序号排列"));
            }
            last = r.0;
            self.seen += 1;
            let record = AuditRecordRef {
                seq: r.0,
                id: &r.1.0,
                at: r.2,
                actor: opt(&r.3),
                actor_role: opt(&r.4),
                action: &r.5.0,
                object: &r.6.0,
                result: &r.7.0,
                client_addr: opt(&r.8),
                request_id: opt(&r.9),
                detail: &r.10.0,
                prev_hash: &r.11.0,
                hash: &r.12.0,
            };
            if !(self.f)(&record) {
                // Stopped early: the rest still has to be read for the page to end cleanly.
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    self.seen += 1;
                }
                break;
            }
        }
        Ok(self.seen)
    }
}

/// `json`: the page as one value (SQLite). No `ORDER BY` inside the aggregate: SQLite aggregates
/// rows in the order its search of the (chain, seq) primary key yields them, and an `ORDER BY`
/// there adds a sort of every page (measured 1.9 s → 3.5 s for a million records); `for_each`
/// refuses a page out of order, so that could only fail loudly, never pass a wrong verdict.
/// `rows`: one row per record (PostgreSQL).
macro_rules! impl_audit_scan {
    ($store:ident, json) => {
        mod audit_scan_sql {
            use super::$store;
            use $crate::audit_scan::{AuditPage, PAGE_COLUMNS};
            use $crate::store::Result;

            #[async_trait::async_trait]
            impl $crate::AuditScan for $store {
                async fn audit_page(
                    &self,
                    chain: &str,
                    from_seq: i64,
                    upto_seq: i64,
                ) -> Result<AuditPage> {
                    // The CAST to plain text (no JSON subtype) measured 12.6 s against 15.5 s
                    // for 10M records, most of it system time.
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT CAST(json_group_array(json_array({PAGE_COLUMNS})) AS TEXT), \
                         COUNT(*), (SELECT MIN(seq) FROM audit_log WHERE chain = $1 AND seq > $3) \
                         FROM audit_log WHERE chain = $1 AND seq >= $2 AND seq <= $3"
                    ));
                    let (json, len, next): (Option<String>, i64, Option<i64>) =
                        sqlx::query_as(sql)
                            .bind(chain)
                            .bind(from_seq)
                            .bind(upto_seq)
                            .fetch_one(&self.pool)
                            .await?;
                    Ok(AuditPage::json(json, len, next))
                }
            }
        }
    };
    ($store:ident, rows) => {
        mod audit_scan_sql {
            use super::$store;
            use $crate::audit_scan::{AuditPage, PAGE_COLUMNS, PageRow};
            use $crate::store::Result;

            #[async_trait::async_trait]
            impl $crate::AuditScan for $store {
                async fn audit_page(
                    &self,
                    chain: &str,
                    from_seq: i64,
                    upto_seq: i64,
                ) -> Result<AuditPage> {
                    let sql = sqlx::AssertSqlSafe(format!(
                        "SELECT {PAGE_COLUMNS}, \
                         (SELECT MIN(seq) FROM audit_log WHERE chain = $1 AND seq > $3) \
                         FROM audit_log WHERE chain = $1 AND seq >= $2 AND seq <= $3 \
                         ORDER BY seq"
                    ));
                    let rows: Vec<PageRow> = sqlx::query_as(sql)
                        .bind(chain)
                        .bind(from_seq)
                        .bind(upto_seq)
                        .fetch_all(&self.pool)
                        .await?;
                    let next = if rows.is_empty() {
                        sqlx::query_scalar(
                            "SELECT MIN(seq) FROM audit_log WHERE chain = $1 AND seq > $2",
                        )
                        .bind(chain)
                        .bind(upto_seq)
                        .fetch_one(&self.pool)
                        .await?
                    } else {
                        None
                    };
                    Ok(AuditPage::rows(rows, next))
                }
            }
        }
    };
}
pub(crate) use impl_audit_scan;

#[cfg(test)]
mod tests {
    use super::*;

    fn page(json: &str, len: i64) -> AuditPage {
        AuditPage::json(Some(json.into()), len, None)
    }

    const ROW: &str = r#"[1,"i\"d",5,null,"r","a","o","ok",null,"q","{\"k\":1}","p","h"]"#;

    #[test]
    fn a_page_keeps_nulls_escapes_and_order() {
        let mut got = Vec::new();
        page(&format!("[{ROW}]"), 1)
            .for_each(|r| {
                got.push((
                    r.seq,
                    r.id.to_string(),
                    r.actor.is_none(),
                    r.detail.to_string(),
                ));
                true
            })
            .unwrap();
        assert_eq!(got, vec![(1, "i\"d".into(), true, "{\"k\":1}".into())]);
        assert!(
            page(&format!("[{ROW},{ROW}]"), 2)
                .for_each(|_| true)
                .is_err()
        );
        assert!(page(&format!("[{ROW}]"), 2).for_each(|_| true).is_err());
        assert!(page("[[1.5]]", 1).for_each(|_| true).is_err());
        let mut n = 0;
        page(&format!("[{ROW},{}]", ROW.replacen("[1,", "[2,", 1)), 2)
            .for_each(|_| {
                n += 1;
                false
            })
            .unwrap();
        assert_eq!(n, 1, "stops when asked");
    }
}
