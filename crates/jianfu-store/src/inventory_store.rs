//! Storage for the burden inventory (台账清理): entries, their steps and the evidence of removals.
//! A step changes the entry only if nobody added another step meanwhile (`steps` is compared and
//! set), so two workers never overwrite each other.

use crate::AuditDraft;
use crate::store::Result;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct InventoryRow {
    pub community_code: String,
    pub id: String,
    pub kind: String,
    pub title: String,
    pub owner_code: String,
    pub law_basis: String,
    pub mandate_document: Option<String>,
    /// JSON of `jianfu_domain::inventory::Details`.
    pub details: String,
    pub status: String,
    pub found_on: String,
    pub cleared_on: Option<String>,
    pub steps: i64,
    pub confirmed_steps: i64,
    pub recorded_by: String,
    pub recorded_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct InventoryStepRow {
    pub community_code: String,
    pub entry_id: String,
    pub seq: i64,
    pub action: String,
    pub status: String,
    pub note: String,
    pub on_date: Option<String>,
    pub by_user: String,
    pub by_org: String,
    pub at: i64,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<i64>,
}

/// The evidence of one step, with its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct InventoryEvidence {
    pub community_code: String,
    pub entry_id: String,
    pub seq: i64,
    pub kind: String,
    pub size: i64,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// Which entries. Empty fields do not filter; the service always sets the one that scopes the
/// reader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryFilter {
    /// Only these communities (a street's); `None`: every community.
    pub communities: Option<Vec<String>>,
    pub owner: Option<String>,
    pub kind: Option<String>,
    /// Only entries with steps the street has not confirmed.
    pub unconfirmed: bool,
    pub list: crate::ListQuery,
}

/// A step to add: the entry's new state and the step's row. Applied only while the entry still
/// has `expected_steps` steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryChange {
    pub expected_steps: i64,
    pub step: InventoryStepRow,
    pub status: String,
    pub cleared_on: Option<String>,
    /// A new basis supplied with the step (a department's answer); `None` keeps the old one.
    pub basis: Option<(String, Option<String>)>,
}

/// How many entries of one community (or owner) are in one status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct InventoryCount {
    pub code: String,
    pub status: String,
    pub n: i64,
}

/// Per month (`YYYY-MM`): entries found, entries cleared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryMonths {
    pub found: Vec<(String, i64)>,
    pub cleared: Vec<(String, i64)>,
}

/// Which column counts group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InventoryGroup {
    Community,
    Owner,
}

#[async_trait]
pub trait InventoryStore: Send + Sync + 'static {
    /// Stores entries with their first steps (one entry or a whole imported workbook) in one
    /// audited transaction.
    async fn insert_inventory(
        &self,
        entries: &[InventoryRow],
        steps: &[InventoryStepRow],
        told: &crate::Told,
        audit: AuditDraft,
    ) -> Result<()>;
    async fn inventory_entry(&self, community: &str, id: &str) -> Result<Option<InventoryRow>>;
    async fn inventory_steps(&self, community: &str, id: &str) -> Result<Vec<InventoryStepRow>>;
    async fn list_inventory(&self, filter: &InventoryFilter) -> Result<crate::Page<InventoryRow>>;
    /// Adds a step (and its evidence). False, with nothing written, when another step came first.
    async fn add_inventory_step(
        &self,
        change: &InventoryChange,
        evidence: Option<&InventoryEvidence>,
        told: &crate::Told,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// The street confirms every step up to `upto`. False when the entry has moved on since.
    async fn confirm_inventory(
        &self,
        community: &str,
        id: &str,
        upto: i64,
        by: &str,
        at: i64,
        audit: AuditDraft,
    ) -> Result<bool>;
    /// The evidence files of an entry's steps, without contents.
    async fn inventory_evidence_list(
        &self,
        community: &str,
        id: &str,
    ) -> Result<Vec<crate::EvidenceMeta>>;
    async fn inventory_evidence(
        &self,
        community: &str,
        id: &str,
        seq: i64,
    ) -> Result<Option<InventoryEvidence>>;
    /// Counts per community or per owner and status, over the whole district.
    async fn inventory_counts(&self, by: InventoryGroup) -> Result<Vec<InventoryCount>>;
    /// Entries found and cleared per month, within the filter's communities and owner.
    async fn inventory_months(&self, filter: &InventoryFilter) -> Result<InventoryMonths>;
}

macro_rules! impl_inventory_store {
    ($store:ident, $db:ty) => {
        mod inventory_sql {
            use super::$store;
            use super::shared_sql::{Batch, begin_audited, commit_audited_batch, write_audited};
            use $crate::retry::retrying;
            use $crate::store::Result;
            use $crate::{
                AuditDraft, EvidenceMeta, InventoryChange, InventoryCount, InventoryEvidence,
                InventoryFilter, InventoryGroup, InventoryMonths, InventoryRow, InventoryStepRow,
            };

            const COLUMNS: &str = "community_code, id, kind, title, owner_code, law_basis, \
                mandate_document, details, status, found_on, cleared_on, steps, confirmed_steps, \
                recorded_by, recorded_at, updated_at";
            const STEP_COLUMNS: &str = "community_code, entry_id, seq, action, status, note, \
                on_date, by_user, by_org, at, confirmed_by, confirmed_at";

            fn add_steps(batch: &mut Batch, steps: &[InventoryStepRow]) {
                batch.insert(
                    &format!("INSERT INTO inventory_steps ({STEP_COLUMNS}) "),
                    12,
                    steps,
                    |mut b, s| {
                        b.push_bind(&s.community_code)
                            .push_bind(&s.entry_id)
                            .push_bind(s.seq)
                            .push_bind(&s.action)
                            .push_bind(&s.status)
                            .push_bind(&s.note)
                            .push_bind(&s.on_date)
                            .push_bind(&s.by_user)
                            .push_bind(&s.by_org)
                            .push_bind(s.at)
                            .push_bind(&s.confirmed_by)
                            .push_bind(s.confirmed_at);
                    },
                );
            }

            /// The filter as SQL from `$1` on the entries' columns (`p`: their table alias with its
            /// dot, or ""), and the number of the next free parameter.
            fn filter_sql(f: &InventoryFilter, p: &str) -> (String, usize) {
                use $crate::list_query::{marks, status_in};
                let mut sql = format!("($1 IS NULL OR {p}owner_code = $1) AND ($2 IS NULL OR {p}kind = $2)");
                let mut next = 3;
                if let Some(c) = &f.communities {
                    if c.is_empty() {
                        sql.push_str(" AND 1 = 0");
                    } else {
                        sql.push_str(&format!(" AND {p}community_code IN ({})", marks(next, c.len())));
                        next += c.len();
                    }
                }
                if f.unconfirmed {
                    sql.push_str(&format!(" AND {p}confirmed_steps < {p}steps"));
                }
                sql.push_str(&status_in(&format!("{p}status"), next, f.list.statuses.len()));
                next += f.list.statuses.len();
                (sql, next)
            }

            macro_rules! bind_filter {
                ($q:expr, $f:expr) => {{
                    let mut q = $q.bind(&$f.owner).bind(&$f.kind);
                    for c in $f.communities.iter().flatten() {
                        q = q.bind(c);
                    }
                    for s in &$f.list.statuses {
                        q = q.bind(s);
                    }
                    q
                }};
            }

            #[async_trait::async_trait]
            impl $crate::InventoryStore for $store {
                async fn insert_inventory(
                    &self,
                    entries: &[InventoryRow],
                    steps: &[InventoryStepRow],
                    told: &$crate::Told,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut batch = Batch::new("台账清理登记");
                        batch.insert(
                            &format!("INSERT INTO inventory_entries ({COLUMNS}) "),
                            16,
                            entries,
                            |mut b, r| {
                                b.push_bind(&r.community_code)
                                    .push_bind(&r.id)
                                    .push_bind(&r.kind)
                                    .push_bind(&r.title)
                                    .push_bind(&r.owner_code)
                                    .push_bind(&r.law_basis)
                                    .push_bind(&r.mandate_document)
                                    .push_bind(&r.details)
                                    .push_bind(&r.status)
                                    .push_bind(&r.found_on)
                                    .push_bind(&r.cleared_on)
                                    .push_bind(r.steps)
                                    .push_bind(r.confirmed_steps)
                                    .push_bind(&r.recorded_by)
                                    .push_bind(r.recorded_at)
                                    .push_bind(r.updated_at);
                            },
                        );
                        add_steps(&mut batch, steps);
                        super::notice_sql::add_rows(&mut batch, &told.notices);
                        write_audited(self.writer(), batch, told.with_change(audit.clone())).await
                    })
                    .await
                }

                async fn inventory_entry(
                    &self,
                    community: &str,
                    id: &str,
                ) -> Result<Option<InventoryRow>> {
                    let sql = format!(
                        "SELECT {COLUMNS} FROM inventory_entries WHERE community_code = $1 AND id = $2"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?)
                }

                async fn inventory_steps(
                    &self,
                    community: &str,
                    id: &str,
                ) -> Result<Vec<InventoryStepRow>> {
                    let sql = format!(
                        "SELECT {STEP_COLUMNS} FROM inventory_steps \
                         WHERE community_code = $1 AND entry_id = $2 ORDER BY seq"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .bind(community)
                        .bind(id)
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn list_inventory(
                    &self,
                    f: &InventoryFilter,
                ) -> Result<$crate::Page<InventoryRow>> {
                    let (filter, next) = filter_sql(f, "");
                    let count_sql = format!("SELECT COUNT(*) FROM inventory_entries WHERE {filter}");
                    let (total,): (i64,) =
                        bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(count_sql)), f)
                            .fetch_one(&self.pool)
                            .await?;
                    let limit = f.list.bound_limit();
                    if limit == 0 || total == 0 {
                        return Ok($crate::Page { rows: Vec::new(), total });
                    }
                    let order = match f.list.sort {
                        $crate::ListSort::Oldest => "recorded_at ASC, id ASC",
                        $crate::ListSort::Newest | $crate::ListSort::Deadline => {
                            "updated_at DESC, id DESC"
                        }
                    };
                    let sql = format!(
                        "SELECT {COLUMNS} FROM inventory_entries WHERE {filter} \
                         ORDER BY {order} LIMIT ${next} OFFSET ${}",
                        next + 1
                    );
                    let rows = bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f)
                        .bind(limit)
                        .bind(f.list.bound_offset())
                        .fetch_all(&self.pool)
                        .await?;
                    Ok($crate::Page { rows, total })
                }

                async fn add_inventory_step(
                    &self,
                    c: &InventoryChange,
                    evidence: Option<&InventoryEvidence>,
                    told: &$crate::Told,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let (set_basis, law, mandate) = match &c.basis {
                            Some((l, m)) => (true, Some(l.clone()), m.clone()),
                            None => (false, None, None),
                        };
                        let done = sqlx::query(
                            "UPDATE inventory_entries SET status = $1, cleared_on = $2, \
                             law_basis = CASE WHEN $3 THEN $4 ELSE law_basis END, \
                             mandate_document = CASE WHEN $3 THEN $5 ELSE mandate_document END, \
                             steps = steps + 1, updated_at = $6 \
                             WHERE community_code = $7 AND id = $8 AND steps = $9",
                        )
                        .bind(&c.status)
                        .bind(&c.cleared_on)
                        .bind(set_basis)
                        .bind(law)
                        .bind(mandate)
                        .bind(c.step.at)
                        .bind(&c.step.community_code)
                        .bind(&c.step.entry_id)
                        .bind(c.expected_steps)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if done == 0 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        let mut batch = Batch::new("台账清理步骤");
                        add_steps(&mut batch, std::slice::from_ref(&c.step));
                        batch.insert(
                            "INSERT INTO inventory_evidence (community_code, entry_id, seq, kind, \
                             size, sha256, bytes) ",
                            7,
                            evidence,
                            |mut b, e| {
                                b.push_bind(&e.community_code)
                                    .push_bind(&e.entry_id)
                                    .push_bind(e.seq)
                                    .push_bind(&e.kind)
                                    .push_bind(e.size)
                                    .push_bind(&e.sha256)
                                    .push_bind(&e.bytes);
                            },
                        );
                        super::notice_sql::add_rows(&mut batch, &told.notices);
                        commit_audited_batch(tx, batch, told.with_change(audit.clone())).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn confirm_inventory(
                    &self,
                    community: &str,
                    id: &str,
                    upto: i64,
                    by: &str,
                    at: i64,
                    audit: AuditDraft,
                ) -> Result<bool> {
                    let audit = &audit;
                    retrying(move || async move {
                        let mut tx = begin_audited(self.writer()).await?;
                        let done = sqlx::query(
                            "UPDATE inventory_entries SET confirmed_steps = $1 \
                             WHERE community_code = $2 AND id = $3 AND steps = $1 \
                             AND confirmed_steps < $1",
                        )
                        .bind(upto)
                        .bind(community)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if done == 0 {
                            tx.rollback().await?;
                            return Ok(false);
                        }
                        let mut batch = Batch::new("台账清理确认");
                        let q = batch.write(5);
                        q.push("UPDATE inventory_steps SET confirmed_by = ")
                            .push_bind(by.to_string())
                            .push(", confirmed_at = ")
                            .push_bind(at)
                            .push(" WHERE community_code = ")
                            .push_bind(community.to_string())
                            .push(" AND entry_id = ")
                            .push_bind(id.to_string())
                            .push(" AND seq <= ")
                            .push_bind(upto)
                            .push(" AND confirmed_by IS NULL");
                        commit_audited_batch(tx, batch, vec![audit.clone()]).await?;
                        Ok(true)
                    })
                    .await
                }

                async fn inventory_evidence_list(
                    &self,
                    community: &str,
                    id: &str,
                ) -> Result<Vec<EvidenceMeta>> {
                    Ok(sqlx::query_as(
                        "SELECT seq, kind, size, sha256 FROM inventory_evidence \
                         WHERE community_code = $1 AND entry_id = $2 ORDER BY seq",
                    )
                    .bind(community)
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn inventory_evidence(
                    &self,
                    community: &str,
                    id: &str,
                    seq: i64,
                ) -> Result<Option<InventoryEvidence>> {
                    Ok(sqlx::query_as(
                        "SELECT community_code, entry_id, seq, kind, size, sha256, bytes \
                         FROM inventory_evidence \
                         WHERE community_code = $1 AND entry_id = $2 AND seq = $3",
                    )
                    .bind(community)
                    .bind(id)
                    .bind(seq)
                    .fetch_optional(&self.pool)
                    .await?)
                }

                async fn inventory_counts(&self, by: InventoryGroup) -> Result<Vec<InventoryCount>> {
                    // One of two fixed columns, never text from a request.
                    let col = match by {
                        InventoryGroup::Community => "community_code",
                        InventoryGroup::Owner => "owner_code",
                    };
                    let sql = format!(
                        "SELECT {col} AS code, status, COUNT(*) AS n FROM inventory_entries \
                         GROUP BY {col}, status"
                    );
                    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                        .fetch_all(&self.pool)
                        .await?)
                }

                async fn inventory_months(&self, f: &InventoryFilter) -> Result<InventoryMonths> {
                    // From the steps, so a removal stays in its month even after the thing came
                    // back (a reopening counts as found again, in its own month).
                    // Grouped by day in index order (no sort), summed into months below; the
                    // whole district reads the steps' index alone, a narrower scope joins its
                    // entries.
                    let whole = f.owner.is_none() && f.kind.is_none() && f.communities.is_none()
                        && f.list.statuses.is_empty() && !f.unconfirmed;
                    let dated = "s.on_date IS NOT NULL \
                         AND s.action IN ('record', 'reopen', 'remove', 'convert') \
                         GROUP BY s.action, s.on_date";
                    let rows: Vec<(String, String, i64)> = if whole {
                        let sql = format!(
                            "SELECT s.action, s.on_date, COUNT(*) FROM inventory_steps s WHERE {dated}"
                        );
                        sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?
                    } else {
                        let (filter, _) = filter_sql(f, "e.");
                        let sql = format!(
                            "SELECT s.action, s.on_date, COUNT(*) \
                             FROM inventory_steps s JOIN inventory_entries e \
                             ON e.community_code = s.community_code AND e.id = s.entry_id \
                             WHERE {filter} AND {dated}"
                        );
                        bind_filter!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), f)
                            .fetch_all(&self.pool)
                            .await?
                    };
                    let (mut found, mut cleared) = (Vec::new(), Vec::new());
                    for (action, day, n) in rows {
                        let m = day.get(..7).unwrap_or(&day).to_string();
                        match action.as_str() {
                            "record" | "reopen" => found.push((m, n)),
                            _ => cleared.push((m, n)),
                        }
                    }
                    Ok(InventoryMonths { found, cleared })
                }
            }
        }
    };
}

pub(crate) use impl_inventory_store;
