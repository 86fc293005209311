//! How an audited write reaches the database, shared by every store: a transaction that locks
//! the audit chains' heads last (`begin_audited` … `commit_audited_batch`), the batch of writes
//! sent as one statement (`Batch`), and the write without a lock for use cases that read nothing
//! in their transaction (`write_audited`). storage.md "写入" explains the order of locks and
//! why; the macro is expanded inside each backend's `shared_sql` module (backend.rs), where the
//! other stores import these items from.

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

/// The items of [`crate::backend`]'s `shared_sql` module that write audited changes, for one
/// pool type `$db`. Expects `Result`, `StoreError`, `AuditDraft`, `AuditRecord`,
/// `sqlx::Transaction` and `retrying` in scope there.
macro_rules! audit_write_sql {
    ($db:ty) => {
        /// Starts a write transaction. SQLite takes its one write lock now (`BEGIN IMMEDIATE`),
        /// so a transaction that reads before it writes never fails to upgrade; PostgreSQL locks
        /// rows as it goes.
        pub(crate) async fn begin_audited(
            pool: &sqlx::Pool<$db>,
        ) -> Result<Transaction<'static, $db>> {
            Ok(pool
                .begin_with(<$db as $crate::audit_write::Dialect>::BEGIN_WRITE)
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
                let cte = <$db as $crate::audit_write::Dialect>::DATA_MODIFYING_CTE;
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
                if <$db as $crate::audit_write::Dialect>::DATA_MODIFYING_CTE {
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
                if <$db as $crate::audit_write::Dialect>::DATA_MODIFYING_CTE {
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

        /// A compare-and-set: runs one guarded `UPDATE` and, if it changed a row, commits it
        /// with its audit record; if it changed nothing (the guard did not hold), writes nothing
        /// and answers false.
        pub(crate) async fn update_audited<'q>(
            pool: &sqlx::Pool<$db>,
            update: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>,
            what: &str,
            draft: AuditDraft,
        ) -> Result<bool> {
            let mut tx = begin_audited(pool).await?;
            if update.execute(&mut *tx).await?.rows_affected() == 0 {
                return Ok(false);
            }
            commit_audited_batch(tx, Batch::new(what), vec![draft]).await?;
            Ok(true)
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
            let by_chain = by_chain(drafts);
            let unlocked = !<$db as $crate::audit_write::Dialect>::ONE_WRITER
                && !$crate::retry::any_contended(by_chain.keys());
            let heads = if unlocked {
                read_heads(pool, by_chain.keys()).await?
            } else {
                None
            };
            let Some(heads) = heads else {
                let tx = begin_audited(pool).await?;
                let drafts = by_chain.into_values().flatten().collect();
                return commit_audited_batch(tx, batch, drafts).await;
            };
            let chains: Vec<String> = by_chain.keys().cloned().collect();
            let mut reserved = Reserved::default();
            for ((chain, drafts), (seq, hash)) in by_chain.into_iter().zip(heads) {
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

        /// Each chain's head (last sequence number and hash), read without a lock; `None` if a
        /// chain has no head yet (a new chain starts under the lock, at its genesis).
        async fn read_heads(
            pool: &sqlx::Pool<$db>,
            chains: impl Iterator<Item = &String>,
        ) -> Result<Option<Vec<(i64, String)>>> {
            let mut heads = Vec::new();
            for chain in chains {
                let head: Option<(i64, String)> =
                    sqlx::query_as("SELECT seq, hash FROM audit_head WHERE chain = $1")
                        .bind(chain)
                        .fetch_optional(pool)
                        .await?;
                let Some(head) = head else { return Ok(None) };
                heads.push(head);
            }
            Ok(Some(heads))
        }

        fn by_chain(
            drafts: Vec<AuditDraft>,
        ) -> std::collections::BTreeMap<String, Vec<AuditDraft>> {
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
    };
}
pub(crate) use audit_write_sql;
