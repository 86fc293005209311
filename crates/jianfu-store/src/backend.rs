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

/// What the two backends do differently in an audited write.
pub(crate) trait Dialect {
    /// The statement that opens a write transaction.
    const BEGIN_WRITE: &'static str;
    /// Whether `WITH … (UPDATE …) INSERT …` runs both statements (PostgreSQL; SQLite's CTEs
    /// cannot modify data).
    const DATA_MODIFYING_CTE: bool;
    /// Whether all writes of the process go through one connection, one after another.
    const ONE_WRITER: bool;
}

impl Dialect for sqlx::Sqlite {
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    const DATA_MODIFYING_CTE: bool = false;
    const ONE_WRITER: bool = true;
}

impl Dialect for sqlx::Postgres {
    const BEGIN_WRITE: &'static str = "BEGIN";
    const DATA_MODIFYING_CTE: bool = true;
    const ONE_WRITER: bool = false;
}

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

        /// Starts a write transaction. SQLite takes its one write lock now (`BEGIN IMMEDIATE`),
        /// so a transaction that reads before it writes never fails to upgrade; PostgreSQL locks
        /// rows as it goes.
        pub(crate) async fn begin_audited(
            pool: &sqlx::Pool<$db>,
        ) -> Result<Transaction<'static, $db>> {
            Ok(pool
                .begin_with(<$db as $crate::backend::Dialect>::BEGIN_WRITE)
                .await?)
        }

        /// Writes sent together: on PostgreSQL one statement (each write a data-modifying CTE),
        /// on SQLite one multi-statement query (sqlx binds `$n` by number in each part). One
        /// round trip (on SQLite one trip to the connection's thread) instead of one per write.
        pub(crate) struct Batch {
            full: Vec<sqlx::QueryBuilder<$db>>,
            q: sqlx::QueryBuilder<$db>,
            parts: usize,
            binds: usize,
            /// Writes of the current statement that run first (`write_first`).
            first: Vec<usize>,
            /// What a unique-key conflict is about, for `StoreError::from_write`.
            what: String,
        }

        impl Batch {
            /// Parameters per statement, under SQLite's 32,766 and PostgreSQL's 65,535.
            const MAX_BINDS: usize = 30_000;

            pub(crate) fn new(what: impl Into<String>) -> Self {
                Self {
                    full: Vec::new(),
                    q: sqlx::QueryBuilder::new(""),
                    parts: 0,
                    binds: 0,
                    first: Vec::new(),
                    what: what.into(),
                }
            }

            /// Starts one write that binds `binds` parameters; push its SQL onto the builder.
            pub(crate) fn write(&mut self, binds: usize) -> &mut sqlx::QueryBuilder<$db> {
                let cte = <$db as $crate::backend::Dialect>::DATA_MODIFYING_CTE;
                if self.parts > 0 && self.binds + binds > Self::MAX_BINDS {
                    self.close();
                }
                if cte {
                    let open = match self.parts {
                        0 => "WITH w0 AS (".to_string(),
                        n => format!("), w{n} AS ("),
                    };
                    self.q.push(open);
                } else if self.parts > 0 {
                    self.q.push("; ");
                }
                self.parts += 1;
                self.binds += binds;
                &mut self.q
            }

            /// A write that runs before the batch's others however late it was added: it must
            /// end in `RETURNING …`, which the statement reads (PostgreSQL runs a data-modifying
            /// CTE the statement reads while reading it, and the rest after). On SQLite it is
            /// one more statement in order; write it without `RETURNING` there (see
            /// [`Self::returning`]).
            pub(crate) fn write_first(&mut self, binds: usize) -> &mut sqlx::QueryBuilder<$db> {
                self.write(binds);
                self.first.push(self.parts - 1);
                &mut self.q
            }

            /// `" RETURNING 1"` where [`Self::write_first`] needs it (PostgreSQL), else nothing.
            pub(crate) fn returning() -> &'static str {
                if <$db as $crate::backend::Dialect>::DATA_MODIFYING_CTE {
                    " RETURNING 1"
                } else {
                    ""
                }
            }

            /// A multi-row INSERT (`head` names the table and columns) of rows binding `cols`
            /// parameters each, `ROWS_PER_INSERT` rows per write.
            pub(crate) fn insert<T>(
                &mut self,
                head: &str,
                cols: usize,
                rows: impl IntoIterator<Item = T>,
                mut row: impl FnMut(sqlx::query_builder::Separated<'_, $db, &'static str>, T),
            ) {
                let mut rows = rows.into_iter().peekable();
                while rows.peek().is_some() {
                    let chunk: Vec<T> = rows
                        .by_ref()
                        .take($crate::assignment_store::ROWS_PER_INSERT)
                        .collect();
                    let q = self.write(chunk.len() * cols);
                    q.push(head);
                    q.push_values(chunk, &mut row);
                }
            }

            fn close(&mut self) {
                if self.parts == 0 {
                    return;
                }
                if <$db as $crate::backend::Dialect>::DATA_MODIFYING_CTE {
                    // Reading the first writes' results runs them before the others.
                    let reads: Vec<String> = self
                        .first
                        .iter()
                        .map(|i| format!("(SELECT count(*) FROM w{i})"))
                        .collect();
                    if reads.is_empty() {
                        self.q.push(") SELECT 1");
                    } else {
                        self.q.push(format!(") SELECT {}", reads.join(" + ")));
                    }
                }
                let q = std::mem::replace(&mut self.q, sqlx::QueryBuilder::new(""));
                self.full.push(q);
                self.parts = 0;
                self.binds = 0;
                self.first.clear();
            }

            /// Runs the batch as one statement outside any transaction (PostgreSQL commits it
            /// by itself), or, if it had to be split, in a transaction of its own. A duplicate
            /// audit record means another writer moved the chain on since its head was read:
            /// that error is kept as it is, for [`crate::retry::retrying`] to run the use case
            /// again; other duplicates are the use case's conflicts.
            async fn run_alone(mut self, pool: &sqlx::Pool<$db>) -> Result<()> {
                self.close();
                let what = self.what;
                let map = |e: sqlx::Error| {
                    if $crate::retry::is_chain_moved(&e) {
                        StoreError::Database(e)
                    } else {
                        StoreError::from_write(e, &what)
                    }
                };
                if self.full.len() == 1 {
                    for mut q in self.full {
                        q.build().execute(pool).await.map_err(map)?;
                    }
                    return Ok(());
                }
                let mut tx = begin_audited(pool).await?;
                for mut q in self.full {
                    q.build().execute(&mut *tx).await.map_err(map)?;
                }
                tx.commit().await?;
                Ok(())
            }

            pub(crate) async fn run(mut self, tx: &mut Transaction<'static, $db>) -> Result<()> {
                self.close();
                for mut q in self.full {
                    q.build()
                        .execute(&mut **tx)
                        .await
                        .map_err(|e| StoreError::from_write(e, &self.what))?;
                }
                Ok(())
            }
        }

        /// Appends the audit record of the transaction's change to its chain and commits.
        pub(crate) async fn commit_audited(
            tx: Transaction<'static, $db>,
            d: AuditDraft,
        ) -> Result<()> {
            commit_audited_batch(tx, Batch::new("审计记录"), vec![d]).await
        }

        /// Sends the batch of the use case's writes together with its audit records and commits.
        /// Each chain's head row is locked here, as the last acts before the commit (chains in
        /// name order, so two writers never wait on each other crosswise): writers of one
        /// organisation queue only for the head statement, the batch and the commit, not for the
        /// whole use case (measured in docs/performance.md, 议题 14).
        pub(crate) async fn commit_audited_batch(
            mut tx: Transaction<'static, $db>,
            mut batch: Batch,
            drafts: Vec<AuditDraft>,
        ) -> Result<()> {
            reserve_audit(&mut tx, drafts).await?.add_to(&mut batch);
            batch.run(&mut tx).await?;
            tx.commit().await?;
            Ok(())
        }

        /// Writes a use case that needs nothing read inside its transaction: its batch and its
        /// audit records, committed together. On PostgreSQL without a transaction or a lock
        /// (issue 14 §2): the chains' heads are read, the records sealed onto them, and
        /// everything sent as one statement with the heads' new values. The audit log's key
        /// (chain, seq) is the guard: if another writer took the same numbers first, the
        /// statement fails whole and the use case runs again on the new head. Two round trips
        /// instead of four (begin, lock, batch, commit), and writers of one organisation no
        /// longer queue on its head row. SQLite (one writer), a chain without a head yet and a
        /// chain on which such a write recently lost a race (`retry::mark_contended`: many
        /// clerks of one department) take the locking path.
        pub(crate) async fn write_audited(
            pool: &sqlx::Pool<$db>,
            mut batch: Batch,
            drafts: Vec<AuditDraft>,
        ) -> Result<()> {
            if <$db as $crate::backend::Dialect>::ONE_WRITER {
                let tx = begin_audited(pool).await?;
                return commit_audited_batch(tx, batch, drafts).await;
            }
            let by_chain = by_chain(drafts);
            if $crate::retry::any_contended(by_chain.keys()) {
                let tx = begin_audited(pool).await?;
                let drafts = by_chain.into_values().flatten().collect();
                return commit_audited_batch(tx, batch, drafts).await;
            }
            let mut heads = Vec::with_capacity(by_chain.len());
            for chain in by_chain.keys() {
                let head: Option<(i64, String)> =
                    sqlx::query_as("SELECT seq, hash FROM audit_head WHERE chain = $1")
                        .bind(chain)
                        .fetch_optional(pool)
                        .await?;
                heads.push(head);
            }
            if heads.iter().any(Option::is_none) {
                let tx = begin_audited(pool).await?;
                let drafts = by_chain.into_values().flatten().collect();
                return commit_audited_batch(tx, batch, drafts).await;
            }
            let chains: Vec<String> = by_chain.keys().cloned().collect();
            let mut reserved = Reserved::default();
            for ((chain, drafts), head) in by_chain.into_iter().zip(heads.into_iter().flatten()) {
                let (seq, hash) = head;
                reserved.seal(chain, seq, hash, drafts);
            }
            reserved.add_to(&mut batch);
            let written = batch.run_alone(pool).await;
            if let Err(StoreError::Database(e)) = &written
                && $crate::retry::is_chain_moved(e)
            {
                $crate::retry::mark_contended(&chains);
            }
            written
        }

        fn by_chain(drafts: Vec<AuditDraft>) -> std::collections::BTreeMap<String, Vec<AuditDraft>> {
            let mut by_chain: std::collections::BTreeMap<String, Vec<AuditDraft>> =
                std::collections::BTreeMap::new();
            for d in drafts {
                by_chain.entry(d.chain.clone()).or_default().push(d);
            }
            by_chain
        }

        /// Locks the chains' heads and seals the records on them; the records are written when
        /// added to a batch (`Reserved::add_to`). Only for a use case that must lock something
        /// else after the chain heads (issuing a certificate locks the district's seal log last,
        /// so it is held for the fewest statements); others use `commit_audited_batch`.
        pub(crate) async fn reserve_audit(
            tx: &mut Transaction<'static, $db>,
            drafts: Vec<AuditDraft>,
        ) -> Result<Reserved> {
            let mut reserved = Reserved::default();
            for (chain, drafts) in by_chain(drafts) {
                let n = drafts.len() as i64;
                // New chain: the row starts at its genesis. Known chain: the sequence moves on
                // by n and the hash returned is still the last record's.
                let (last, prev): (i64, String) = sqlx::query_as(
                    "INSERT INTO audit_head (chain, seq, hash) VALUES ($1, $3, $2) \
                     ON CONFLICT (chain) DO UPDATE SET seq = audit_head.seq + $3 \
                     RETURNING seq, hash",
                )
                .bind(&chain)
                .bind(jianfu_domain::audit_chain::genesis(&chain))
                .bind(n)
                .fetch_one(&mut **tx)
                .await?;
                reserved.seal(chain, last - n, prev, drafts);
            }
            Ok(reserved)
        }

        /// Sealed audit records, and each chain's new head.
        #[derive(Default)]
        pub(crate) struct Reserved {
            records: Vec<AuditRecord>,
            /// Each chain's new head: its last sequence number and hash.
            heads: Vec<(String, i64, String)>,
        }

        impl Reserved {
            /// Seals `drafts` in order onto `chain`, whose head was record `seq` with `hash`.
            fn seal(&mut self, chain: String, seq: i64, hash: String, drafts: Vec<AuditDraft>) {
                let mut prev = hash;
                let mut last = seq;
                for d in drafts {
                    last += 1;
                    let r = AuditRecord {
                        chain: d.chain,
                        seq: last,
                        id: d.id,
                        at: d.at,
                        actor: d.actor,
                        actor_role: d.actor_role,
                        action: d.action,
                        object: d.object,
                        result: d.result,
                        client_addr: d.client_addr,
                        request_id: d.request_id,
                        detail: d.detail,
                        prev_hash: String::new(),
                        hash: String::new(),
                    }
                    .seal(&prev);
                    prev = r.hash.clone();
                    self.records.push(r);
                }
                self.heads.push((chain, last, prev));
            }

            pub(crate) fn add_to(self, batch: &mut Batch) {
                batch.insert(
                    "INSERT INTO audit_log (chain, seq, id, at, actor, actor_role, action, \
                     object, result, client_addr, request_id, detail, prev_hash, hash) ",
                    14,
                    self.records,
                    |mut b, r| {
                        b.push_bind(r.chain)
                            .push_bind(r.seq)
                            .push_bind(r.id)
                            .push_bind(r.at)
                            .push_bind(r.actor)
                            .push_bind(r.actor_role)
                            .push_bind(r.action)
                            .push_bind(r.object)
                            .push_bind(r.result)
                            .push_bind(r.client_addr)
                            .push_bind(r.request_id)
                            .push_bind(r.detail)
                            .push_bind(r.prev_hash)
                            .push_bind(r.hash);
                    },
                );
                // The heads first: a writer that read a head without a lock (`write_audited`)
                // then queues on the head row like a locking writer does, and never holds a new
                // audit record's key while waiting for a head (which would deadlock against a
                // locking writer of the same chain).
                for (chain, seq, hash) in self.heads {
                    batch
                        .write_first(3)
                        .push("UPDATE audit_head SET seq = ")
                        .push_bind(seq)
                        .push(", hash = ")
                        .push_bind(hash)
                        .push(" WHERE chain = ")
                        .push_bind(chain)
                        .push(Batch::returning());
                }
            }
        }

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
