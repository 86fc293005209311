//! The SQL shared by both backends. The statements are portable (`$n` parameters work in SQLite
//! and PostgreSQL alike), so one macro body implements [`crate::Store`] for each pool type; where a
//! backend differs, it differs in its own module (connection setup, migrations).

use crate::AuditRecord;

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub chain: String,
    pub seq: i64,
    pub id: String,
    pub at: i64,
    pub actor: Option<String>,
    pub actor_role: Option<String>,
    pub action: String,
    pub object: String,
    pub result: String,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRow> for AuditRecord {
    fn from(r: AuditRow) -> Self {
        AuditRecord {
            chain: r.chain,
            seq: r.seq,
            id: r.id,
            at: r.at,
            actor: r.actor,
            actor_role: r.actor_role,
            action: r.action,
            object: r.object,
            result: r.result,
            client_addr: r.client_addr,
            request_id: r.request_id,
            detail: r.detail,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

pub(crate) const AUDIT_COLUMNS: &str = "chain, seq, id, at, actor, actor_role, action, object, result, \
     client_addr, request_id, detail, prev_hash, hash";

macro_rules! impl_store {
    ($store:ident, $db:ty, $name:literal) => {
        mod shared_sql {
        use super::$store;
        use $crate::backend::AuditRow;
        use $crate::store::Result;
        use $crate::{
            ApiTokenRow, AuditDraft, AuditQuery, AuditRecord, OrgRow, SessionRow,
            StoreError, UserRow,
        };
        use sqlx::Transaction;
        use $crate::retry::retrying;

        $crate::audit_write::audit_write_sql!($db);

        async fn insert_org(tx: &mut Transaction<'static, $db>, o: &OrgRow) -> Result<()> {
            sqlx::query(
                "INSERT INTO orgs (code, name, kind, parent_code, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&o.code)
            .bind(&o.name)
            .bind(&o.kind)
            .bind(&o.parent_code)
            .bind(o.created_at)
            .execute(&mut **tx)
            .await
            .map_err(|e| StoreError::from_write(e, &format!("机构 {}", o.code)))?;
            Ok(())
        }

        async fn insert_user_row(tx: &mut Transaction<'static, $db>, u: &UserRow) -> Result<()> {
            sqlx::query(
                "INSERT INTO users (id, username, display_name, org_code, roles, password_hash, \
                 disabled, failed_logins, locked_until, created_at, password_changed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&u.id)
            .bind(&u.username)
            .bind(&u.display_name)
            .bind(&u.org_code)
            .bind(&u.roles)
            .bind(&u.password_hash)
            .bind(u.disabled)
            .bind(u.failed_logins)
            .bind(u.locked_until)
            .bind(u.created_at)
            .bind(u.password_changed_at)
            .execute(&mut **tx)
            .await
            .map_err(|e| StoreError::from_write(e, &format!("用户名 {}", u.username)))?;
            Ok(())
        }

        async fn insert_token_row(
            tx: &mut Transaction<'static, $db>,
            t: &ApiTokenRow,
        ) -> Result<()> {
            sqlx::query(
                "INSERT INTO api_tokens (id, token_hash, name, user_id, created_by, created_at, \
                 revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&t.id)
            .bind(&t.token_hash)
            .bind(&t.name)
            .bind(&t.user_id)
            .bind(&t.created_by)
            .bind(t.created_at)
            .bind(t.revoked_at)
            .execute(&mut **tx)
            .await
            .map_err(|e| StoreError::from_write(e, "API 令牌"))?;
            Ok(())
        }

        pub(crate) fn not_found_unless_one(affected: u64, what: &str) -> Result<()> {
            if affected == 0 { Err(StoreError::NotFound(what.to_string())) } else { Ok(()) }
        }

        const USER_COLUMNS: &str = "id, username, display_name, org_code, roles, password_hash, \
             disabled, failed_logins, locked_until, created_at, password_changed_at";

        #[async_trait::async_trait]
        impl $crate::CoreStore for $store {
            fn backend(&self) -> &'static str {
                $name
            }

            async fn migrate(&self) -> Result<()> {
                Self::MIGRATOR
                    .run(&self.pool)
                    .await
                    .map_err(|e| StoreError::Migration(e.to_string()))
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn list_orgs(&self) -> Result<Vec<OrgRow>> {
                Ok(sqlx::query_as(
                    "SELECT code, name, kind, parent_code, created_at FROM orgs ORDER BY code",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn insert_orgs(&self, orgs: &[OrgRow], audit: AuditDraft) -> Result<()> {
                let audit = &audit;
                retrying(move || async move {
                    let audit = audit.clone();
                    let mut tx = begin_audited(self.writer()).await?;
                    for o in orgs {
                        insert_org(&mut tx, o).await?;
                    }
                    commit_audited(tx, audit).await
                })
                .await
            }

            async fn get_meta(&self, key: &str) -> Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn set_meta(&self, key: &str, value: &str, audit: AuditDraft) -> Result<()> {
                let audit = &audit;
                retrying(move || async move {
                    let audit = audit.clone();
                    let mut tx = begin_audited(self.writer()).await?;
                    sqlx::query(
                        "INSERT INTO meta (key, value) VALUES ($1, $2) \
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    )
                    .bind(key)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
                    commit_audited(tx, audit).await
                })
                .await
            }

            async fn insert_user(&self, user: &UserRow, audit: AuditDraft) -> Result<()> {
                let audit = &audit;
                retrying(move || async move {
                    let audit = audit.clone();
                    let mut tx = begin_audited(self.writer()).await?;
                    insert_user_row(&mut tx, user).await?;
                    commit_audited(tx, audit).await
                })
                .await
            }

            async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
                ));
                Ok(sqlx::query_as(sql).bind(username).fetch_optional(&self.pool).await?)
            }

            async fn user_by_id(&self, id: &str) -> Result<Option<UserRow>> {
                let sql =
                    sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"));
                Ok(sqlx::query_as(sql).bind(id).fetch_optional(&self.pool).await?)
            }

            async fn list_users(&self) -> Result<Vec<UserRow>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {USER_COLUMNS} FROM users ORDER BY org_code, username"
                ));
                Ok(sqlx::query_as(sql).fetch_all(&self.pool).await?)
            }

            async fn set_user_disabled(
                &self,
                id: &str,
                disabled: bool,
                audit: AuditDraft,
            ) -> Result<()> {
                let audit = &audit;
                retrying(move || async move {
                    let audit = audit.clone();
                    let mut tx = begin_audited(self.writer()).await?;
                    let n = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                        .bind(disabled)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    not_found_unless_one(n, "用户")?;
                    if disabled {
                        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    commit_audited(tx, audit).await
                })
                .await
            }

            async fn set_password(
                &self,
                id: &str,
                hash: &str,
                at: i64,
                audit: AuditDraft,
            ) -> Result<()> {
                let audit = &audit;
                retrying(move || async move {
                    let audit = audit.clone();
                    let mut tx = begin_audited(self.writer()).await?;
                    let n = sqlx::query(
                        "UPDATE users SET password_hash = $1, password_changed_at = $2, \
                         failed_logins = 0, locked_until = NULL WHERE id = $3",
                    )
                    .bind(hash)
                    .bind(at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    not_found_unless_one(n, "用户")?;
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    commit_audited(tx, audit).await
                })
                .await
            }

            async fn record_login_failure(
                &self,
                id: &str,
                policy: jianfu_domain::security_policy::LockoutPolicy,
                now: i64,
                audit: AuditDraft,
            ) -> Result<jianfu_domain::security_policy::LoginState> {
                let policy = &policy;
                let audit = &audit;
                retrying(move || async move {
                    let policy = policy.clone();
                    let audit = audit.clone();
                    let mut tx = begin_audited(self.writer()).await?;
                    let (failures, locked_until): (i64, Option<i64>) = sqlx::query_as(
                        "SELECT failed_logins, locked_until FROM users WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound("用户".into()))?;
                    let current = jianfu_domain::security_policy::LoginState {
                        failures: failures.clamp(0, u32::MAX as i64) as u32,
                        locked_until,
                    };
                    let next = policy.after_failure(current, now);
                    sqlx::query("UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3")
                        .bind(next.failures as i64)
                        .bind(next.locked_until)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    commit_audited(tx, audit).await?;
                    Ok(next)
                })
                .await
            }

            async fn clear_login_failures(&self, id: &str, audit: AuditDraft) -> Result<()> {
                let audit = &audit;
                retrying(move || async move {
                    let audit = audit.clone();
                    let mut tx = begin_audited(self.writer()).await?;
                    let n = sqlx::query(
                        "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
                    )
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    not_found_unless_one(n, "用户")?;
                    commit_audited(tx, audit).await
                })
                .await
            }

            async fn insert_session(&self, s: &SessionRow, audit: AuditDraft) -> Result<()> {
                let audit = &audit;
                retrying(move || async move {
                    let audit = audit.clone();
                    let mut tx = begin_audited(self.writer()).await?;
                    sqlx::query(
                        "INSERT INTO sessions (token_hash, user_id, kind, csrf_token, created_at, \
                         last_seen_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&s.token_hash)
                    .bind(&s.user_id)
                    .bind(&s.kind)
                    .bind(&s.csrf_token)
                    .bind(s.created_at)
                    .bind(s.last_seen_at)
                    .execute(&mut *tx)
                    .await?;
                    commit_audited(tx, audit).await
                })
                .await
            }

            async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>> {
                Ok(sqlx::query_as(
                    "SELECT token_hash, user_id, kind, csrf_token, created_at, last_seen_at \
                     FROM sessions WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn touch_session(&self, token_hash: &str, at: i64) -> Result<()> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(at)
                    .bind(token_hash)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            async fn delete_session(&self, token_hash: &str, audit: AuditDraft) -> Result<()> {
                let audit = &audit;
                retrying(move || async move {
                    let audit = audit.clone();
                    let mut tx = begin_audited(self.writer()).await?;
                    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                        .bind(token_hash)
                        .execute(&mut *tx)
                        .await?;
                    commit_audited(tx, audit).await
                })
                .await
            }

            async fn insert_api_token(&self, t: &ApiTokenRow, audit: AuditDraft) -> Result<()> {
                let audit = &audit;
                retrying(move || async move {
                    let audit = audit.clone();
                    let mut tx = begin_audited(self.writer()).await?;
                    insert_token_row(&mut tx, t).await?;
                    commit_audited(tx, audit).await
                })
                .await
            }

            async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiTokenRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, token_hash, name, user_id, created_by, created_at, revoked_at \
                     FROM api_tokens WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn list_api_tokens(&self) -> Result<Vec<ApiTokenRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, token_hash, name, user_id, created_by, created_at, revoked_at \
                     FROM api_tokens ORDER BY created_at DESC, id",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn revoke_api_token(&self, id: &str, at: i64, audit: AuditDraft) -> Result<()> {
                let audit = &audit;
                retrying(move || async move {
                    let audit = audit.clone();
                    let mut tx = begin_audited(self.writer()).await?;
                    let n = sqlx::query(
                        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                    )
                    .bind(at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    not_found_unless_one(n, "有效的 API 令牌")?;
                    commit_audited(tx, audit).await
                })
                .await
            }

            async fn append_audit(&self, audit: AuditDraft) -> Result<()> {
                let audit = &audit;
                retrying(move || async move {
                    let audit = audit.clone();
                    write_audited(self.writer(), Batch::new("审计记录"), vec![audit]).await
                })
                .await
            }

            async fn audit_after(
                &self,
                chain: &str,
                after_seq: i64,
                limit: i64,
            ) -> Result<Vec<AuditRecord>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM audit_log WHERE chain = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                    $crate::backend::AUDIT_COLUMNS
                ));
                let rows: Vec<AuditRow> = sqlx::query_as(sql)
                    .bind(chain)
                    .bind(after_seq)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn audit_heads(&self) -> Result<Vec<jianfu_domain::audit_chain::ChainHead>> {
                let rows: Vec<(String, i64, String)> =
                    sqlx::query_as("SELECT chain, seq, hash FROM audit_head ORDER BY chain")
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows
                    .into_iter()
                    .map(|(chain, seq, hash)| jianfu_domain::audit_chain::ChainHead {
                        chain,
                        seq,
                        hash,
                    })
                    .collect())
            }

            async fn audit_log_chains(&self) -> Result<Vec<String>> {
                // A skip scan over the primary key (chain, seq): one probe per chain instead of
                // reading every record.
                Ok(sqlx::query_scalar(
                    "WITH RECURSIVE c(chain) AS ( \
                       SELECT MIN(chain) FROM audit_log \
                       UNION ALL \
                       SELECT (SELECT MIN(chain) FROM audit_log WHERE audit_log.chain > c.chain) \
                       FROM c WHERE c.chain IS NOT NULL) \
                     SELECT chain FROM c WHERE chain IS NOT NULL",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn search_audit(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
                // Every filter is always bound; an empty one matches everything. This keeps one
                // static statement for both backends instead of assembling SQL from input.
                let (b_at, b_chain, b_seq) = q
                    .before
                    .clone()
                    .unwrap_or((i64::MAX, String::new(), i64::MAX));
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {} FROM audit_log WHERE ($1 = '' OR chain = $1) \
                     AND ($2 = '' OR lower(actor) = lower($2)) \
                     AND ($3 = '' OR lower(action) LIKE lower($3) || '%') \
                     AND ($4 = '' OR lower(object) LIKE '%' || lower($4) || '%') \
                     AND at >= $5 AND at < $6 \
                     AND (at < $7 OR (at = $7 AND (chain < $8 OR (chain = $8 AND seq < $9)))) \
                     ORDER BY at DESC, chain DESC, seq DESC LIMIT $10",
                    $crate::backend::AUDIT_COLUMNS
                ));
                let rows: Vec<AuditRow> = sqlx::query_as(sql)
                    .bind(q.chain.clone().unwrap_or_default())
                    .bind(q.actor.clone().unwrap_or_default())
                    .bind(q.action.clone().unwrap_or_default())
                    .bind(q.object.clone().unwrap_or_default())
                    .bind(q.from.unwrap_or(i64::MIN))
                    .bind(q.to.unwrap_or(i64::MAX))
                    .bind(b_at)
                    .bind(if q.before.is_some() { b_chain } else { "\u{10FFFF}".to_string() })
                    .bind(b_seq)
                    .bind(q.limit.clamp(1, 1000))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn insert_audit_checkpoint(&self, c: &$crate::AuditCheckpointRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO audit_checkpoints \
                     (signed_at, size, root, hash_alg, key_id, signature, heads) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(c.signed_at)
                .bind(c.size)
                .bind(&c.root)
                .bind(&c.hash_alg)
                .bind(&c.key_id)
                .bind(&c.signature)
                .bind(&c.heads)
                .execute(self.writer())
                .await
                .map_err(|e| StoreError::from_write(e, "审计检查点"))?;
                Ok(())
            }

            async fn latest_audit_checkpoint(&self) -> Result<Option<$crate::AuditCheckpointRow>> {
                Ok(sqlx::query_as(
                    "SELECT signed_at, size, root, hash_alg, key_id, signature, heads \
                     FROM audit_checkpoints ORDER BY signed_at DESC, size DESC LIMIT 1",
                )
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn missing_guards(&self) -> Result<Vec<&'static str>> {
                let present: Vec<String> =
                    sqlx::query_scalar($crate::guards::list_sql($name))
                        .fetch_all(&self.pool)
                        .await?;
                Ok($crate::guards::for_backend($name)
                    .iter()
                    .filter(|g| !present.iter().any(|p| p == g.name))
                    .map(|g| g.name)
                    .collect())
            }

            async fn restore_guards(&self, audit: AuditDraft) -> Result<Vec<&'static str>> {
                let audit = &audit;
                retrying(move || async move {
                    let audit = audit.clone();
                    let mut tx = begin_audited(self.writer()).await?;
                    let present: Vec<String> =
                        sqlx::query_scalar($crate::guards::list_sql($name))
                            .fetch_all(&mut *tx)
                            .await?;
                    let mut restored = Vec::new();
                    for g in $crate::guards::for_backend($name) {
                        if present.iter().any(|p| p == g.name) {
                            continue;
                        }
                        for stmt in g.create {
                            sqlx::raw_sql(sqlx::AssertSqlSafe(*stmt)).execute(&mut *tx).await?;
                        }
                        restored.push(g.name);
                    }
                    if restored.is_empty() {
                        tx.rollback().await?;
                        return Ok(restored);
                    }
                    let mut audit = audit;
                    audit.detail = format!("{{\"restored\":{:?}}}", restored);
                    commit_audited(tx, audit).await?;
                    Ok(restored)
                })
                .await
            }

            async fn export_table(
                &self,
                table: &'static $crate::portable::Table,
                sink: &mut (dyn FnMut(Vec<$crate::portable::Cell>) -> Result<()> + Send),
            ) -> Result<()> {
                use futures_util::TryStreamExt;
                use sqlx::Row;
                use $crate::portable::{Cell, Col};
                let sql = sqlx::AssertSqlSafe($crate::portable::select_sql(table));
                let mut rows = sqlx::query(sql).fetch(&self.pool);
                while let Some(row) = rows.try_next().await? {
                    let mut cells = Vec::with_capacity(table.columns.len());
                    for (i, (_, col)) in table.columns.iter().enumerate() {
                        cells.push(match col {
                            Col::Text | Col::OptText => Cell::Text(row.try_get(i)?),
                            Col::Int | Col::OptInt => Cell::Int(row.try_get(i)?),
                            Col::Bool => Cell::Bool(row.try_get(i)?),
                            Col::Bytes => Cell::Bytes(row.try_get(i)?),
                        });
                    }
                    sink(cells)?;
                }
                Ok(())
            }

            async fn import_tables(
                &self,
                tables: Vec<(&'static $crate::portable::Table, $crate::portable::Rows)>,
            ) -> Result<()> {
                use $crate::portable::Cell;
                let mut tx = self.writer().begin().await?;
                let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
                    .fetch_one(&mut *tx)
                    .await?;
                let head: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM audit_head")
                        .fetch_one(&mut *tx)
                        .await?;
                if existing > 0 || head > 0 {
                    return Err(StoreError::NotEmpty);
                }
                // The first migration created an empty chain head; the file brings the real one.
                sqlx::query("DELETE FROM audit_head").execute(&mut *tx).await?;
                for (table, rows) in &tables {
                    let sql = $crate::portable::insert_sql(table);
                    for (line, row) in rows {
                        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                        for cell in row {
                            q = match cell {
                                Cell::Text(v) => q.bind(v.clone()),
                                Cell::Int(v) => q.bind(*v),
                                Cell::Bool(v) => q.bind(*v),
                                Cell::Bytes(v) => q.bind(v.clone()),
                            };
                        }
                        // Name the table and the line: "系统内部错误" told nobody what to fix.
                        q.execute(&mut *tx).await.map_err(|e| StoreError::BadImport {
                            line: *line,
                            reason: match &e {
                                sqlx::Error::Database(d) if d.is_unique_violation() => {
                                    format!("表 {} 的这条记录与已导入的记录重复", table.name)
                                }
                                sqlx::Error::Database(d) => format!(
                                    "表 {} 的这条记录无法写入数据库：{}",
                                    table.name,
                                    d.message()
                                ),
                                other => format!(
                                    "表 {} 的这条记录无法写入数据库：{other}",
                                    table.name
                                ),
                            },
                        })?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }
        }
        }
    };
}

pub(crate) use impl_store;
