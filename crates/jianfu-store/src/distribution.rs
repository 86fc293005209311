//! Where every table lives on a distributed PostgreSQL engine (Citus; YugabyteDB speaks the same
//! SQL): the one place the distribution is recorded. `docs/storage.md` prints
//! [`citus_commands`], the integration tests check the real schemas of both backends against
//! [`violations`], and the PostgreSQL half of the tests can run on tables hash-partitioned by
//! their distribution column ([`hash_partition_postgres`]), which enforces Citus's key rule.
//!
//! The rule (Citus, "distributed tables": primary and unique keys must contain the
//! distribution column; PostgreSQL's hash partitioning has the same rule): a distributed table's
//! every primary and unique key contains its distribution column; a foreign key between two
//! distributed tables pairs their distribution columns; a reference table never points at a
//! distributed one.

use crate::{DatabaseUrl, StoreError};

/// How a table is placed on the nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Hash-distributed by this column (an organisation code wherever the data belongs to one).
    Distributed(&'static str),
    /// Small and read everywhere: a copy on every node.
    Reference,
}

/// A table, its placement and why.
#[derive(Debug, Clone, Copy)]
pub struct TablePlacement {
    pub table: &'static str,
    pub placement: Placement,
    pub why: &'static str,
}

use Placement::{Distributed, Reference};

const fn t(table: &'static str, placement: Placement, why: &'static str) -> TablePlacement {
    TablePlacement {
        table,
        placement,
        why,
    }
}

/// Every table of the schema (the tests fail when a migration adds one that is not here).
pub const PLACEMENTS: &[TablePlacement] = &[
    t("orgs", Reference, "机构树：小，到处都要读"),
    t("users", Reference, "账号：小，登录和权限检查到处读"),
    t("api_tokens", Reference, "系统账号的令牌：很少，按哈希查"),
    t("system_accounts", Reference, "哪些账号是系统账号"),
    t("one_time_passwords", Reference, "哪些密码是别人设的"),
    t("second_factors", Reference, "管理员的第二因素"),
    t("recovery_codes", Reference, "管理员的恢复码"),
    t("meta", Reference, "库内设置，几行"),
    t(
        "catalog_versions",
        Reference,
        "清单版本：几十个，每次准入检查都读",
    ),
    t(
        "mandates",
        Reference,
        "上级文件登记：几百份，每次准入检查都读",
    ),
    t(
        "access_number_counters",
        Reference,
        "准入编号每年一行；只在区级批准时写",
    ),
    t(
        "audit_checkpoints",
        Reference,
        "审计签名检查点：至多每分钟一行",
    ),
    t(
        "sessions",
        Distributed("token_hash"),
        "每个请求按令牌查一次，只命中一个分片",
    ),
    t(
        "audit_log",
        Distributed("chain"),
        "每个机构一条链（chain = 机构代码），与链头同置",
    ),
    t("audit_head", Distributed("chain"), "每条链一行链头"),
    t("notices", Distributed("org_code"), "每人只读本机构的通知"),
    t(
        "notice_reads",
        Distributed("org_code"),
        "谁读过哪条通知：随通知按机构分布",
    ),
    t(
        "assignments",
        Distributed("department_code"),
        "部门看本部门的事项只命中一个分片",
    ),
    t(
        "assignment_targets",
        Distributed("community_code"),
        "与社区的其他数据同置",
    ),
    t(
        "assignment_events",
        Distributed("assignment_id"),
        "一件事项的办理过程在一个分片上",
    ),
    t(
        "funding_ledger",
        Distributed("community_code"),
        "社区的经费台账在本社区的分片上",
    ),
    t(
        "violation_reports",
        Distributed("community_code"),
        "举报与证据同置，地址里带社区代码",
    ),
    t(
        "violation_evidence",
        Distributed("community_code"),
        "外键 (community_code, report_id) 含分布列",
    ),
    t(
        "inventory_entries",
        Distributed("community_code"),
        "一个社区的负担台账在本社区的分片上",
    ),
    t(
        "inventory_steps",
        Distributed("community_code"),
        "外键 (community_code, entry_id) 含分布列",
    ),
    t(
        "inventory_evidence",
        Distributed("community_code"),
        "证据与步骤同置",
    ),
    t(
        "evaluations",
        Distributed("organiser_code"),
        "考核评比按组织单位，与准入事项的部门同置",
    ),
    t("surveys", Reference, "问卷：一年几份，每次答卷都要读"),
    t(
        "survey_code_batches",
        Distributed("community_code"),
        "入户码按社区打印，与入户码同置",
    ),
    t(
        "survey_codes",
        Distributed("community_code"),
        "已用码集合按社区；答卷地址里带社区代码，核销只碰一个分片",
    ),
    t(
        "survey_tallies",
        Distributed("community_code"),
        "答卷计数与核销同置，在同一事务里",
    ),
    t(
        "survey_scores",
        Distributed("community_code"),
        "满意度得分分布与计数同置",
    ),
    t(
        "survey_terms",
        Distributed("community_code"),
        "意见建议的词频与计数同置",
    ),
    t(
        "survey_texts",
        Distributed("community_code"),
        "意见建议原文与计数同置",
    ),
    t("comprehensive_cycles", Reference, "综合考评：一年一条"),
    t(
        "comprehensive_nominations",
        Distributed("community_code"),
        "街道自荐申报和评分按社区",
    ),
    t(
        "data_elements",
        Reference,
        "一表通：部门提出的数据元，几百个，填报和汇总都要读",
    ),
    t(
        "data_values",
        Distributed("community"),
        "一表通：社区填报的数值按社区；汇总是跨分片查询",
    ),
    t(
        "data_value_changes",
        Distributed("community"),
        "每次填报和更正都留一行，与数值同置、同一事务写",
    ),
    t(
        "report_definitions",
        Reference,
        "部门以一表通数据定义的报表：几十张，到处读",
    ),
    t("ledger_records", Distributed("community"), "电子台账按社区"),
    t(
        "resident_households",
        Distributed("community"),
        "议事协商：社区登记的居民门牌（按户投票），按社区",
    ),
    t(
        "delib_topics",
        Distributed("community"),
        "议事协商的议题按社区",
    ),
    t("delib_supports", Distributed("community"), "附议与议题同置"),
    t("delib_meetings", Distributed("community"), "会议按社区"),
    t(
        "delib_motions",
        Distributed("community"),
        "会议的表决事项与会议同置",
    ),
    t(
        "delib_votes",
        Distributed("community"),
        "网上投票按社区；(社区, 会议, 投票人键) 唯一，一人（一户）一票",
    ),
    t(
        "delib_voices",
        Distributed("community"),
        "会议记录的每条发言与会议同置",
    ),
    t(
        "delib_actions",
        Distributed("community"),
        "决定的落实事项按社区",
    ),
    t(
        "delib_progress",
        Distributed("community"),
        "落实进展与落实事项同置",
    ),
    t(
        "delib_feedback",
        Distributed("community"),
        "居民对落实情况的反馈按社区",
    ),
    t(
        "delib_requests",
        Distributed("community"),
        "社区请部门办理的协商决定按提出的社区；部门按 department 列跨分片查询",
    ),
    t(
        "volunteers",
        Distributed("community_code"),
        "志愿者按登记社区；唯一键 (community_code, user_id) 含分布列",
    ),
    t(
        "volunteer_activities",
        Distributed("community_code"),
        "志愿服务活动按社区；报名在同一分片上占名额",
    ),
    t(
        "volunteer_signups",
        Distributed("community_code"),
        "报名与服务时间与活动同置，占名额和写报名同一事务",
    ),
    t(
        "volunteer_certificates",
        Distributed("community_code"),
        "志愿服务记录证明按出具社区；编号里含社区代码，与用印登记簿同置",
    ),
    t(
        "volunteer_certificate_counters",
        Distributed("community_code"),
        "志愿服务记录证明编号每个社区每年连续，计数器在本社区的分片上",
    ),
    t(
        "certificate_applications",
        Distributed("community_code"),
        "证明申请按受理社区",
    ),
    t(
        "certificate_materials",
        Distributed("community_code"),
        "材料与申请同置",
    ),
    t(
        "certificates",
        Distributed("community_code"),
        "证明按出具社区；编号里含社区代码，按编号查只命中一个分片",
    ),
    t(
        "upload_drafts",
        Distributed("org_code"),
        "被退回表单里暂存的材料文件，按上传者所在社区，与证明申请同置",
    ),
    t(
        "certificate_counters",
        Distributed("community_code"),
        "证明编号每个社区每年连续编号，计数器在本社区的分片上",
    ),
    t(
        "seal_entries",
        Distributed("log"),
        "每个社区一本只追加的用印登记簿（log 即社区代码；迁移前的全区登记簿为 seal），出具证明只碰本社区的分片",
    ),
    t(
        "seal_personal",
        Distributed("log"),
        "用印记录的个人信息，与记录同置",
    ),
    t(
        "seal_nodes",
        Distributed("log"),
        "用印默克尔树的节点，与记录同置",
    ),
    t(
        "seal_head",
        Distributed("log"),
        "每本登记簿的链头，与记录同置",
    ),
    t(
        "seal_checkpoints",
        Reference,
        "区级签名检查点：每分钟至多一条，承诺所有登记簿的链头",
    ),
];

/// The placement recorded for `table`.
pub fn placement(table: &str) -> Option<Placement> {
    PLACEMENTS
        .iter()
        .find(|p| p.table == table)
        .map(|p| p.placement)
}

/// What a schema says about its keys, read from a real database by the tests.
#[derive(Debug, Default, Clone)]
pub struct SchemaFacts {
    pub tables: Vec<String>,
    /// `(table, columns)` of every primary key and unique index.
    pub unique_keys: Vec<(String, Vec<String>)>,
    /// `(table, columns, referenced table, referenced columns)`.
    pub foreign_keys: Vec<(String, Vec<String>, String, Vec<String>)>,
}

/// Every way `facts` breaks the placements above, in words an operator can act on; empty when
/// a distributed engine would accept the schema.
pub fn violations(facts: &SchemaFacts) -> Vec<String> {
    let mut out = Vec::new();
    for table in &facts.tables {
        if placement(table).is_none() {
            out.push(format!(
                "表 {table} 没有登记分布方式（distribution.rs 的 PLACEMENTS）"
            ));
        }
    }
    for p in PLACEMENTS {
        if !facts.tables.iter().any(|t| t == p.table) {
            out.push(format!("登记的表 {} 在数据库里不存在", p.table));
        }
    }
    for (table, cols) in &facts.unique_keys {
        if let Some(Distributed(col)) = placement(table)
            && !cols.iter().any(|c| c == col)
        {
            out.push(format!(
                "表 {table} 的唯一键 ({}) 不含分布列 {col}",
                cols.join(", ")
            ));
        }
    }
    for (table, cols, parent, parent_cols) in &facts.foreign_keys {
        let (Some(child_p), Some(parent_p)) = (placement(table), placement(parent)) else {
            continue;
        };
        let fk = format!("{table} ({}) → {parent}", cols.join(", "));
        match (child_p, parent_p) {
            (_, Reference) => {}
            (Distributed(c), Distributed(pc)) => {
                let paired = cols.iter().zip(parent_cols).any(|(a, b)| a == c && b == pc);
                if !paired {
                    out.push(format!(
                        "外键 {fk} 没有把分布列 {table}.{c} 对到 {parent}.{pc}"
                    ));
                }
            }
            (Reference, Distributed(_)) => out.push(format!("外键 {fk}：参考表不能指向分布表")),
        }
    }
    out
}

/// The commands that place every table on Citus (run once on the coordinator, after
/// `jianfu migrate` and before `serve`). Reference tables first: foreign keys of distributed
/// tables point at them.
pub fn citus_commands() -> Vec<String> {
    let mut out = Vec::new();
    for p in PLACEMENTS.iter().filter(|p| p.placement == Reference) {
        out.push(format!("SELECT create_reference_table('{}');", p.table));
    }
    for p in PLACEMENTS {
        if let Distributed(col) = p.placement {
            out.push(format!(
                "SELECT create_distributed_table('{}', '{col}');",
                p.table
            ));
        }
    }
    out
}

/// Test mode (`JIANFU_TEST_PG_PARTITIONED=1`): rebuilds every distributed table of a freshly
/// migrated PostgreSQL schema as a table hash-partitioned by its distribution column, with
/// `partitions` partitions, keeping its columns, defaults, indexes, triggers, rows and the foreign
/// keys to and from it. PostgreSQL refuses a primary or unique key without the partition column
/// exactly as Citus refuses it without the distribution column, so every test that runs on such
/// a schema proves the keys and the SQL on them.
pub async fn hash_partition_postgres(url: &DatabaseUrl, partitions: u32) -> Result<(), StoreError> {
    use sqlx::{Connection, Row};
    let DatabaseUrl::Postgres { url: raw } = url else {
        return Err(StoreError::BadUrl(url.to_string()));
    };
    let mut conn = sqlx::PgConnection::connect(raw).await?;
    let mut tx = conn.begin().await?;
    let distributed: Vec<(&str, &str)> = PLACEMENTS
        .iter()
        .filter_map(|p| match p.placement {
            Distributed(c) => Some((p.table, c)),
            _ => None,
        })
        .collect();
    let names: Vec<String> = distributed.iter().map(|(t, _)| t.to_string()).collect();
    // Foreign keys from or to a distributed table: dropped first, put back at the end.
    let fks = sqlx::query(
        "SELECT c.conname, c.conrelid::regclass::text AS child, pg_get_constraintdef(c.oid) AS def \
         FROM pg_constraint c \
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace \
           AND (c.conrelid::regclass::text = ANY($1) OR c.confrelid::regclass::text = ANY($1))",
    )
    .bind(&names)
    .fetch_all(&mut *tx)
    .await?;
    let mut restore = Vec::new();
    for fk in &fks {
        let (name, child, def): (String, String, String) =
            (fk.get("conname"), fk.get("child"), fk.get("def"));
        exec(
            &mut tx,
            format!("ALTER TABLE {child} DROP CONSTRAINT {name}"),
        )
        .await?;
        restore.push(format!("ALTER TABLE {child} ADD CONSTRAINT {name} {def}"));
    }
    for (table, col) in &distributed {
        let triggers: Vec<String> = sqlx::query_scalar(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger \
             WHERE tgrelid = $1::regclass AND NOT tgisinternal",
        )
        .bind(table)
        .fetch_all(&mut *tx)
        .await?;
        let old = format!("{table}_unpartitioned");
        exec(&mut tx, format!("ALTER TABLE {table} RENAME TO {old}")).await?;
        exec(
            &mut tx,
            format!("CREATE TABLE {table} (LIKE {old} INCLUDING ALL) PARTITION BY HASH ({col})"),
        )
        .await
        .map_err(|e| StoreError::Migration(format!("表 {table} 不能按 {col} 分区：{e}")))?;
        for r in 0..partitions {
            exec(
                &mut tx,
                format!(
                    "CREATE TABLE {table}_p{r} PARTITION OF {table} \
                     FOR VALUES WITH (MODULUS {partitions}, REMAINDER {r})"
                ),
            )
            .await?;
        }
        exec(&mut tx, format!("INSERT INTO {table} SELECT * FROM {old}")).await?;
        exec(&mut tx, format!("DROP TABLE {old}")).await?;
        for def in triggers {
            exec(&mut tx, def).await?;
        }
    }
    for stmt in restore {
        exec(&mut tx, stmt).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn exec(tx: &mut sqlx::PgConnection, sql: String) -> Result<(), StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut *tx)
        .await
        .map(|_| ())
        .map_err(StoreError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> SchemaFacts {
        SchemaFacts {
            tables: PLACEMENTS.iter().map(|p| p.table.to_string()).collect(),
            unique_keys: vec![(
                "violation_reports".into(),
                vec!["community_code".into(), "id".into()],
            )],
            foreign_keys: vec![(
                "violation_evidence".into(),
                vec!["community_code".into(), "report_id".into()],
                "violation_reports".into(),
                vec!["community_code".into(), "id".into()],
            )],
        }
    }

    #[test]
    fn a_schema_that_follows_the_placements_passes() {
        assert_eq!(violations(&facts()), Vec::<String>::new());
    }

    /// Each way Citus would refuse the schema is named.
    #[test]
    fn keys_without_the_distribution_column_and_crossing_foreign_keys_are_named() {
        let mut f = facts();
        f.unique_keys
            .push(("assignments".into(), vec!["access_number".into()]));
        f.foreign_keys.push((
            "funding_ledger".into(),
            vec!["assignment_id".into()],
            "assignments".into(),
            vec!["id".into()],
        ));
        f.foreign_keys.push((
            "users".into(),
            vec!["id".into()],
            "sessions".into(),
            vec!["user_id".into()],
        ));
        f.tables.push("deliberations".into());
        let v = violations(&f);
        assert_eq!(v.len(), 4, "{v:#?}");
        assert!(v[0].contains("deliberations"), "{v:?}");
        assert!(v[1].contains("assignments") && v[1].contains("department_code"));
        assert!(v[2].contains("funding_ledger"));
        assert!(v[3].contains("参考表不能指向分布表"));
    }

    #[test]
    fn every_table_is_placed_once_and_citus_gets_a_command_for_each() {
        let mut names: Vec<&str> = PLACEMENTS.iter().map(|p| p.table).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), PLACEMENTS.len(), "a table placed twice");
        let cmds = citus_commands();
        assert_eq!(cmds.len(), PLACEMENTS.len());
        assert!(cmds[0].starts_with("SELECT create_reference_table("));
        assert!(
            cmds.contains(&"SELECT create_distributed_table('audit_log', 'chain');".to_string())
        );
    }
}
