//! The schema a distributed engine accepts (issue 14 §3): the real schemas of both backends are
//! read back and checked against the one record of placements
//! (`jianfu_store::distribution::PLACEMENTS`), and docs/storage.md shows the Citus commands made
//! from that record. `JIANFU_TEST_PG_PARTITIONED=1` runs the PostgreSQL half of every test on
//! tables hash-partitioned by their distribution column (see helpers::pg_db).

use crate::helpers;
use jianfu_store::DatabaseUrl;
use jianfu_store::distribution::{SchemaFacts, citus_commands, violations};
use sqlx::Row;

async fn sqlite_facts(url: &DatabaseUrl) -> SchemaFacts {
    use sqlx::Connection;
    let DatabaseUrl::Sqlite { path } = url else {
        unreachable!()
    };
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let mut f = SchemaFacts {
        tables: tables.clone(),
        ..SchemaFacts::default()
    };
    for t in &tables {
        let indexes = sqlx::query("SELECT name FROM pragma_index_list($1) WHERE \"unique\" = 1")
            .bind(t)
            .fetch_all(&mut c)
            .await
            .unwrap();
        for i in indexes {
            let name: String = i.get("name");
            let cols: Vec<String> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(&mut c)
                    .await
                    .unwrap();
            f.unique_keys.push((t.clone(), cols));
        }
        let fks = sqlx::query(
            "SELECT id, \"table\" AS parent, \"from\" AS col, \"to\" AS pcol \
             FROM pragma_foreign_key_list($1) ORDER BY id, seq",
        )
        .bind(t)
        .fetch_all(&mut c)
        .await
        .unwrap();
        let mut by_id: Vec<(i64, String, Vec<String>, Vec<String>)> = Vec::new();
        for r in fks {
            let id: i64 = r.get("id");
            let pcol: Option<String> = r.get("pcol");
            if by_id.last().is_none_or(|l| l.0 != id) {
                by_id.push((id, r.get("parent"), vec![], vec![]));
            }
            let last = by_id.last_mut().unwrap();
            last.2.push(r.get("col"));
            last.3.push(pcol.unwrap_or_default());
        }
        for (_, parent, cols, pcols) in by_id {
            f.foreign_keys.push((t.clone(), cols, parent, pcols));
        }
    }
    f
}

async fn pg_facts(url: &DatabaseUrl) -> SchemaFacts {
    use sqlx::Connection;
    let DatabaseUrl::Postgres { url: raw } = url else {
        unreachable!()
    };
    let mut c = sqlx::PgConnection::connect(raw).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class WHERE relnamespace = current_schema()::regnamespace \
         AND relkind IN ('r', 'p') AND NOT relispartition AND relname <> '_sqlx_migrations' \
         ORDER BY relname",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let unique_keys = sqlx::query(
        "SELECT t.relname::text AS tbl, \
                array_agg(a.attname::text ORDER BY k.ord) AS cols \
         FROM pg_index i \
         JOIN pg_class t ON t.oid = i.indrelid \
         JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) ON true \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE i.indisunique AND t.relnamespace = current_schema()::regnamespace \
           AND NOT t.relispartition \
         GROUP BY i.indexrelid, t.relname",
    )
    .fetch_all(&mut c)
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.get("tbl"), r.get("cols")))
    .collect();
    let foreign_keys = sqlx::query(
        "SELECT ch.relname::text AS child, pa.relname::text AS parent, \
                array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) \
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n \
                      ORDER BY k.o) AS cols, \
                array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o) \
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n \
                      ORDER BY k.o) AS pcols \
         FROM pg_constraint c \
         JOIN pg_class ch ON ch.oid = c.conrelid \
         JOIN pg_class pa ON pa.oid = c.confrelid \
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace \
           AND NOT ch.relispartition AND c.conparentid = 0",
    )
    .fetch_all(&mut c)
    .await
    .unwrap()
    .into_iter()
    .map(|r| {
        (
            r.get("child"),
            r.get("cols"),
            r.get("parent"),
            r.get("pcols"),
        )
    })
    .collect();
    SchemaFacts {
        tables,
        unique_keys,
        foreign_keys,
    }
}

/// Both backends' real keys follow the recorded placements: every primary and unique key of a
/// distributed table contains its distribution column, foreign keys pair distribution columns,
/// and every table is placed. Fails when a migration adds a key or a table that would not
/// distribute (the unique index on `assignments.access_number` alone did).
#[tokio::test]
async fn every_table_is_placed_and_its_keys_contain_the_distribution_column() {
    for db in helpers::backends().await {
        // Migrated and with data, as a server leaves it.
        let _ = helpers::app(&db, true).await;
        let facts = match &db.url {
            DatabaseUrl::Sqlite { .. } => sqlite_facts(&db.url).await,
            DatabaseUrl::Postgres { .. } => pg_facts(&db.url).await,
        };
        assert!(
            facts.tables.len() >= 30 && !facts.unique_keys.is_empty(),
            "{}: the schema was read ({} tables)",
            db.label,
            facts.tables.len()
        );
        assert!(
            facts
                .foreign_keys
                .iter()
                .any(|fk| fk.0 == "violation_evidence" && fk.2 == "violation_reports"),
            "{}: foreign keys were read",
            db.label
        );
        let v = violations(&facts);
        assert!(v.is_empty(), "{}: {v:#?}", db.label);
    }
}

/// The operator's guide shows exactly the commands made from the record of placements.
#[test]
fn the_citus_guide_shows_the_commands_of_the_record() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/storage.md"
    ))
    .unwrap();
    let start = doc
        .find("<!-- citus-commands -->")
        .expect("docs/storage.md has the Citus commands block");
    let block = &doc[start..];
    let block = &block[..block.find("```\n\n").unwrap_or(block.len())];
    let shown: Vec<&str> = block
        .lines()
        .filter(|l| l.starts_with("SELECT create_"))
        .collect();
    assert_eq!(
        shown,
        citus_commands(),
        "regenerate the block in docs/storage.md from distribution::citus_commands()"
    );
}
