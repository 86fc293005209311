//! Storage for a city at scale (issue 14): bulk writes for `jianfu generate` (a synthetic city for
//! measurements: organisations and accounts in multi-row inserts inside one audited transaction,
//! pre-sealed audit records appended to chains in batches), and lookups that must not read every
//! account of a district with thousands of communities.

use crate::store::Result;
use crate::{AuditDraft, AuditRecord, OrgRow, UserRow, ValueRow};
use async_trait::async_trait;

/// Rows per multi-row `INSERT`: 14 audit columns × 1,000 stays under SQLite's 32,766 and
/// PostgreSQL's 65,535 bind parameters.
pub const BULK_ROWS: usize = 1_000;

#[async_trait]
pub trait ScaleStore: Send + Sync + 'static {
    /// Organisations where an enabled account holds `role` (a role code), in code order.
    async fn orgs_with_role(&self, role: &str) -> Result<Vec<String>>;

    /// Inserts organisations (parents first) and accounts in one transaction with one audit
    /// record.
    async fn insert_city(
        &self,
        orgs: &[OrgRow],
        users: &[UserRow],
        audit: AuditDraft,
    ) -> Result<()>;

    /// Appends sealed audit records in one transaction. `records` holds runs of consecutive
    /// records, one run per chain (ascending `seq`, each linked to the one before). A run starting
    /// at `seq` 1 creates its chain (which must not exist yet and must start at the chain's
    /// genesis); any other run must continue the chain's current head exactly. The heads are
    /// moved to each run's last record. A head that does not match refuses the whole batch
    /// (`Conflict`), so the trail stays verifiable whatever else writes at the same time.
    async fn append_sealed_audit(&self, records: &[AuditRecord]) -> Result<()>;

    /// Inserts shared-data values (一表通) of a synthetic city in one transaction, without an
    /// audit record or change rows; returns the rows inserted. A value that exists already
    /// refuses the whole batch (`Conflict`).
    async fn insert_values_unaudited(&self, rows: &[ValueRow]) -> Result<u64>;
}

/// Splits `records` into runs of one chain each and checks that every run is linked within
/// itself. Returns (first index, end index) pairs.
pub(crate) fn chain_runs(records: &[AuditRecord]) -> Result<Vec<(usize, usize)>> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=records.len() {
        if i == records.len() || records[i].chain != records[start].chain {
            runs.push((start, i));
            start = i;
        } else {
            let (a, b) = (&records[i - 1], &records[i]);
            if b.seq != a.seq + 1 || b.prev_hash != a.hash {
                return Err(crate::StoreError::Conflict(format!(
                    "审计链 {} 第 {} 条未接续上一条",
                    b.chain, b.seq
                )));
            }
        }
    }
    if runs.iter().enumerate().any(|(i, r)| {
        runs[..i]
            .iter()
            .any(|p| records[p.0].chain == records[r.0].chain)
    }) {
        return Err(crate::StoreError::Conflict(
            "同一条审计链在一批记录中出现了两段".into(),
        ));
    }
    Ok(runs)
}

macro_rules! impl_scale_store {
    ($store:ident, $db:ty) => {
        mod scale_sql {
            use super::$store;
            use super::shared_sql::{begin_audited, commit_audited};
            use $crate::scale_store::{BULK_ROWS, chain_runs};
            use $crate::store::Result;
            use $crate::{AuditDraft, AuditRecord, OrgRow, StoreError, UserRow, ValueRow};

            #[async_trait::async_trait]
            impl $crate::ScaleStore for $store {
                async fn orgs_with_role(&self, role: &str) -> Result<Vec<String>> {
                    // `roles` is a comma-separated list: match whole codes only.
                    Ok(sqlx::query_scalar(
                        "SELECT DISTINCT org_code FROM users \
                         WHERE NOT disabled AND (',' || roles || ',') LIKE $1 ORDER BY org_code",
                    )
                    .bind(format!("%,{role},%"))
                    .fetch_all(&self.pool)
                    .await?)
                }

                async fn insert_city(
                    &self,
                    orgs: &[OrgRow],
                    users: &[UserRow],
                    audit: AuditDraft,
                ) -> Result<()> {
                    let mut tx = begin_audited(self.writer()).await?;
                    for page in orgs.chunks(BULK_ROWS) {
                        let mut q = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO orgs (code, name, kind, parent_code, created_at) ",
                        );
                        q.push_values(page, |mut b, o| {
                            b.push_bind(&o.code)
                                .push_bind(&o.name)
                                .push_bind(&o.kind)
                                .push_bind(&o.parent_code)
                                .push_bind(o.created_at);
                        });
                        q.build()
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| StoreError::from_write(e, "机构代码"))?;
                    }
                    for page in users.chunks(BULK_ROWS) {
                        let mut q = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO users (id, username, display_name, org_code, roles, \
                             password_hash, disabled, failed_logins, locked_until, created_at, \
                             password_changed_at) ",
                        );
                        q.push_values(page, |mut b, u| {
                            b.push_bind(&u.id)
                                .push_bind(&u.username)
                                .push_bind(&u.display_name)
                                .push_bind(&u.org_code)
                                .push_bind(&u.roles)
                                .push_bind(&u.password_hash)
                                .push_bind(u.disabled)
                                .push_bind(u.failed_logins)
                                .push_bind(u.locked_until)
                                .push_bind(u.created_at)
                                .push_bind(u.password_changed_at);
                        });
                        q.build()
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| StoreError::from_write(e, "用户名"))?;
                    }
                    commit_audited(tx, audit).await
                }

                async fn append_sealed_audit(&self, records: &[AuditRecord]) -> Result<()> {
                    let runs = chain_runs(records)?;
                    let mut tx = self.writer().begin().await?;
                    // Heads first: on PostgreSQL this takes each chain head's row lock, so
                    // ordinary writers to these chains wait for the batch like for any other
                    // audited transaction.
                    for &(a, b) in &runs {
                        let (first, last) = (&records[a], &records[b - 1]);
                        let moved = if first.seq == 1 {
                            if first.prev_hash != jianfu_domain::audit_chain::genesis(&first.chain)
                            {
                                return Err(StoreError::Conflict(format!(
                                    "审计链 {} 的第 1 条须接续该链的起点",
                                    first.chain
                                )));
                            }
                            sqlx::query(
                                "INSERT INTO audit_head (chain, seq, hash) VALUES ($1, $2, $3)",
                            )
                            .bind(&last.chain)
                            .bind(last.seq)
                            .bind(&last.hash)
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| {
                                StoreError::from_write(e, &format!("审计链 {}", first.chain))
                            })?
                            .rows_affected()
                        } else {
                            sqlx::query(
                                "UPDATE audit_head SET seq = $2, hash = $3 \
                                 WHERE chain = $1 AND seq = $4 AND hash = $5",
                            )
                            .bind(&last.chain)
                            .bind(last.seq)
                            .bind(&last.hash)
                            .bind(first.seq - 1)
                            .bind(&first.prev_hash)
                            .execute(&mut *tx)
                            .await?
                            .rows_affected()
                        };
                        if moved != 1 {
                            tx.rollback().await?;
                            return Err(StoreError::Conflict(format!(
                                "审计链 {} 的链头已不是第 {} 条",
                                first.chain,
                                first.seq - 1
                            )));
                        }
                    }
                    for page in records.chunks(BULK_ROWS) {
                        let mut q = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO audit_log (chain, seq, id, at, actor, actor_role, \
                             action, object, result, client_addr, request_id, detail, prev_hash, \
                             hash) ",
                        );
                        q.push_values(page, |mut b, r| {
                            b.push_bind(&r.chain)
                                .push_bind(r.seq)
                                .push_bind(&r.id)
                                .push_bind(r.at)
                                .push_bind(&r.actor)
                                .push_bind(&r.actor_role)
                                .push_bind(&r.action)
                                .push_bind(&r.object)
                                .push_bind(&r.result)
                                .push_bind(&r.client_addr)
                                .push_bind(&r.request_id)
                                .push_bind(&r.detail)
                                .push_bind(&r.prev_hash)
                                .push_bind(&r.hash);
                        });
                        q.build()
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| StoreError::from_write(e, "审计记录"))?;
                    }
                    tx.commit().await?;
                    Ok(())
                }

                async fn insert_values_unaudited(&self, rows: &[ValueRow]) -> Result<u64> {
                    let mut tx = self.writer().begin().await?;
                    let mut inserted = 0;
                    for page in rows.chunks(BULK_ROWS) {
                        let mut q = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO data_values (community, element, period, value, revision, \
                             entered_by, entered_at) ",
                        );
                        q.push_values(page, |mut b, v| {
                            b.push_bind(&v.community)
                                .push_bind(&v.element)
                                .push_bind(&v.period)
                                .push_bind(v.value)
                                .push_bind(i64::from(v.revision))
                                .push_bind(&v.entered_by)
                                .push_bind(v.entered_at);
                        });
                        inserted += q
                            .build()
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| StoreError::from_write(e, "一表通数据"))?
                            .rows_affected();
                    }
                    tx.commit().await?;
                    Ok(inserted)
                }
            }
        }
    };
}
pub(crate) use impl_scale_store;
