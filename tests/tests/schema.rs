//! The migrations create every table, column, type, default, nullability, unique key, foreign
//! key, cascade rule and index of the seed design — read from the seed document itself — and
//! the additions the features need.

use std::collections::BTreeMap;

use regex::Regex;
use sqlx::{PgPool, Row};
use trellin_tests::shared_dir;

#[derive(Debug, Default)]
struct SeedColumn {
    table: String,
    name: String,
    pg_type: String,
    default: Option<String>,
    not_null: bool,
    unique: bool,
    references: Option<(String, String, String)>,
}

fn pg_type(seed: &str) -> String {
    match seed {
        "UUID" => "uuid",
        "TEXT" => "text",
        "TIMESTAMP" => "timestamp without time zone",
        "INTEGER" => "integer",
        "REAL" => "real",
        "BOOLEAN" => "boolean",
        "JSON" => "json",
        "DATE" => "date",
        other => panic!("the seed uses a type this test does not know: {other}"),
    }
    .to_owned()
}

/// Reads the seed's `CREATE TABLE` and `CREATE INDEX` statements.
fn seed() -> (Vec<SeedColumn>, Vec<(String, String, String)>) {
    let text = std::fs::read_to_string(shared_dir().join("seed/trellin-database-design.md"))
        .expect("seed");
    let table_re = Regex::new(r"(?s)CREATE TABLE (\w+) \((.*?)\n\);").expect("regex");
    let column_re = Regex::new(r"^\s*(\w+) ([A-Z]+)(.*?),?$").expect("regex");
    let default_re = Regex::new(r"DEFAULT ('[^']*'|\S+)").expect("regex");
    let refs_re =
        Regex::new(r"REFERENCES (\w+)\((\w+)\)(?: ON DELETE (CASCADE|SET NULL))?").expect("regex");
    let mut columns = Vec::new();
    for table in table_re.captures_iter(&text) {
        for line in table[2].lines().filter(|l| !l.trim().is_empty()) {
            let c = column_re
                .captures(line)
                .unwrap_or_else(|| panic!("unreadable seed line {line:?}"));
            let rest = &c[3];
            columns.push(SeedColumn {
                table: table[1].to_owned(),
                name: c[1].to_owned(),
                pg_type: pg_type(&c[2]),
                default: default_re
                    .captures(rest)
                    .map(|d| d[1].trim_end_matches(',').to_owned()),
                not_null: rest.contains("NOT NULL") || rest.contains("PRIMARY KEY"),
                unique: rest.contains("UNIQUE"),
                references: refs_re.captures(rest).map(|r| {
                    (
                        r[1].to_owned(),
                        r[2].to_owned(),
                        r.get(3).map_or("NO ACTION", |m| m.as_str()).to_owned(),
                    )
                }),
            });
        }
    }
    let index_re = Regex::new(r"CREATE INDEX (\w+) ON (\w+)\((\w+)\);").expect("regex");
    let indexes = index_re
        .captures_iter(&text)
        .map(|c| (c[1].to_owned(), c[2].to_owned(), c[3].to_owned()))
        .collect();
    (columns, indexes)
}

fn same_default(seed: &str, actual: &str) -> bool {
    let normalise = |s: &str| s.trim_end_matches("::text").to_lowercase();
    normalise(seed) == normalise(actual)
}

#[sqlx::test(migrations = "../migrations")]
async fn migrations_create_every_table_column_key_and_index_of_the_seed(pool: PgPool) {
    let (columns, indexes) = seed();
    let tables: std::collections::BTreeSet<&str> =
        columns.iter().map(|c| c.table.as_str()).collect();
    assert_eq!(tables.len(), 9, "the seed has nine tables: {tables:?}");
    assert!(
        columns.len() >= 90,
        "only {} seed columns read",
        columns.len()
    );
    assert_eq!(indexes.len(), 11, "the seed lists eleven indexes");

    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty, column_default::text AS d, is_nullable::text AS n
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_all(&pool)
    .await
    .expect("columns");
    let actual: BTreeMap<(String, String), (String, Option<String>, String)> = rows
        .iter()
        .map(|r| {
            (
                (r.get("t"), r.get("c")),
                (r.get("ty"), r.get("d"), r.get("n")),
            )
        })
        .collect();

    let fks = sqlx::query(
        "SELECT kcu.table_name::text AS t, kcu.column_name::text AS c, ccu.table_name::text AS rt,
                ccu.column_name::text AS rc, rc.delete_rule::text AS del
         FROM information_schema.referential_constraints rc
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = rc.constraint_name
         JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = rc.constraint_name",
    )
    .fetch_all(&pool)
    .await
    .expect("foreign keys");
    let fks: BTreeMap<(String, String), (String, String, String)> = fks
        .iter()
        .map(|r| {
            (
                (r.get("t"), r.get("c")),
                (r.get("rt"), r.get("rc"), r.get("del")),
            )
        })
        .collect();

    let uniques = sqlx::query(
        "SELECT kcu.table_name::text AS t, kcu.column_name::text AS c
         FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name
         WHERE tc.constraint_type = 'UNIQUE'",
    )
    .fetch_all(&pool)
    .await
    .expect("unique keys");
    let uniques: std::collections::BTreeSet<(String, String)> =
        uniques.iter().map(|r| (r.get("t"), r.get("c"))).collect();

    let mut failures = Vec::new();
    for col in &columns {
        let key = (col.table.clone(), col.name.clone());
        let Some((ty, default, nullable)) = actual.get(&key) else {
            failures.push(format!("{}.{}: missing", col.table, col.name));
            continue;
        };
        if *ty != col.pg_type {
            failures.push(format!(
                "{}.{}: type {ty}, seed says {}",
                col.table, col.name, col.pg_type
            ));
        }
        match (&col.default, default) {
            (None, None) => {}
            (Some(s), Some(a)) if same_default(s, a) => {}
            (s, a) => failures.push(format!(
                "{}.{}: default {a:?}, seed says {s:?}",
                col.table, col.name
            )),
        }
        if col.not_null != (nullable == "NO") {
            failures.push(format!(
                "{}.{}: nullable {nullable}, seed not-null {}",
                col.table, col.name, col.not_null
            ));
        }
        if col.unique && !uniques.contains(&key) {
            failures.push(format!("{}.{}: not unique", col.table, col.name));
        }
        if let Some((rt, rc, del)) = &col.references {
            match fks.get(&key) {
                Some((art, arc, adel)) if art == rt && arc == rc && adel == del => {}
                other => failures.push(format!(
                    "{}.{}: foreign key {other:?}, seed says {rt}({rc}) ON DELETE {del}",
                    col.table, col.name
                )),
            }
        }
    }

    let pg_indexes = sqlx::query("SELECT tablename::text AS t, indexname::text AS i, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        .fetch_all(&pool)
        .await
        .expect("indexes");
    for (name, table, column) in &indexes {
        let found = pg_indexes.iter().any(|r| {
            r.get::<String, _>("i") == *name && r.get::<String, _>("t") == *table && {
                let def: String = r.get("indexdef");
                def.contains(&format!("({column})")) || def.contains(&format!("(\"{column}\")"))
            }
        });
        if !found {
            failures.push(format!("index {name} on {table}({column}) missing"));
        }
    }
    println!(
        "schema: {} seed columns and {} indexes checked, {} failures",
        columns.len(),
        indexes.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[sqlx::test(migrations = "../migrations")]
async fn migrations_add_what_ingestion_needs(pool: PgPool) {
    let present = |table: &'static str, column: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = $1 AND column_name = $2",
            )
            .bind(table)
            .bind(column)
            .fetch_one(&pool)
            .await
            .expect("count")
                == 1
        }
    };
    for (table, column) in [
        ("users", "slug"),
        ("users", "company_domain"),
        ("users", "timezone"),
        ("email_logs", "message_id"),
        ("email_logs", "in_reply_to"),
        ("email_logs", "references"),
        ("email_logs", "thread_key"),
        ("email_logs", "direction"),
        ("email_logs", "cc_emails"),
        ("email_logs", "forwarded_by"),
        ("inbound_messages", "source"),
        ("inbound_messages", "envelope_recipients"),
        ("inbound_messages", "message_id"),
        ("inbound_messages", "size_bytes"),
        ("inbound_messages", "outcome"),
        ("inbound_messages", "reason"),
        ("inbound_messages", "email_id"),
    ] {
        assert!(present(table, column).await, "{table}.{column} is missing");
    }

    let user: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO users (name, email, slug) VALUES ('A', 'a@x.io', 'a') RETURNING id",
    )
    .fetch_one(&pool)
    .await
    .expect("user");
    let insert_email = |message_id: &'static str| {
        sqlx::query("INSERT INTO email_logs (user_id, from_email, to_email, timestamp, message_id) VALUES ($1, 'c@y.io', 'a@x.io', now(), $2)")
            .bind(user)
            .bind(message_id)
            .execute(&pool)
    };
    insert_email("<m1@y.io>").await.expect("first copy stored");
    let duplicate = insert_email("<m1@y.io>")
        .await
        .expect_err("a second copy must be refused");
    assert!(
        duplicate
            .as_database_error()
            .is_some_and(|e| e.is_unique_violation()),
        "{duplicate}"
    );

    let email: uuid::Uuid = sqlx::query_scalar("SELECT id FROM email_logs")
        .fetch_one(&pool)
        .await
        .expect("email");
    let insight = || {
        sqlx::query("INSERT INTO email_insights (email_id) VALUES ($1)")
            .bind(email)
            .execute(&pool)
    };
    insight().await.expect("first insight");
    assert!(insight().await.is_err(), "one insight per email");

    let bad_outcome = sqlx::query(
        "INSERT INTO inbound_messages (source, size_bytes, outcome) VALUES ('file', 10, 'lost')",
    )
    .execute(&pool)
    .await;
    assert!(
        bad_outcome.is_err(),
        "an outcome other than stored, duplicate or rejected is refused"
    );
    sqlx::query("INSERT INTO inbound_messages (source, size_bytes, outcome, reason) VALUES ('smtp', 10, 'rejected', 'unknown tenant')")
        .execute(&pool)
        .await
        .expect("a rejection is recorded");
}
