//! Ingesting the sample mailbox reproduces its `truth.json`: what is stored and what is
//! rejected, each stored email's attribution and reply times, and the employees' numbers; a
//! second run changes nothing; redelivery and concurrency leave the rows of one sequential run.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::{PgPool, Row};
use trellin::ingest::{self, Outcome, Settings};
use trellin_tests::mailbox::{messages, setup_tenant, truth};

fn now() -> DateTime<Utc> {
    "2026-11-20T23:00:00Z".parse().expect("time")
}

/// Every row ingestion writes, as natural keys (no generated ids), in a stable order.
async fn snapshot(pool: &PgPool) -> Vec<String> {
    let mut rows = Vec::new();
    let emails = sqlx::query(
        r#"SELECT e.from_email, e.to_email, e.subject, e.timestamp, e.direction, e.replied, e.reply_time_minutes,
                  e.forwarded_by, e.message_id, e.fingerprint, e.is_automatic, e.body, e.to_emails::text AS to_emails,
                  e.cc_emails::text AS cc_emails, c.name AS customer, m.email AS employee,
                  (SELECT string_agg(o.fingerprint, ',' ORDER BY o.fingerprint) FROM email_logs o
                    WHERE o.user_id = e.user_id AND o.thread_key = e.thread_key) AS thread
           FROM email_logs e JOIN customers c ON c.id = e.customer_id JOIN employees m ON m.id = e.employee_id"#,
    )
    .fetch_all(pool)
    .await
    .expect("emails");
    for r in emails {
        rows.push(format!(
            "email {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            r.get::<String, _>("from_email"), r.get::<String, _>("to_email"), r.get::<Option<String>, _>("subject"),
            r.get::<NaiveDateTime, _>("timestamp"), r.get::<String, _>("direction"), r.get::<Option<bool>, _>("replied"),
            r.get::<Option<i32>, _>("reply_time_minutes"), r.get::<Option<String>, _>("forwarded_by"),
            r.get::<Option<String>, _>("message_id"), r.get::<Option<String>, _>("fingerprint"),
            r.get::<bool, _>("is_automatic"), r.get::<Option<String>, _>("body"), r.get::<Option<String>, _>("to_emails"),
            r.get::<Option<String>, _>("cc_emails"), r.get::<String, _>("customer"), r.get::<String, _>("employee"),
            r.get::<Option<String>, _>("thread"),
        ));
    }
    for r in sqlx::query(
        "SELECT name, primary_domain, known_emails::text AS k, last_email_date FROM customers",
    )
    .fetch_all(pool)
    .await
    .expect("customers")
    {
        rows.push(format!(
            "customer {:?} {:?} {:?} {:?}",
            r.get::<String, _>("name"),
            r.get::<Option<String>, _>("primary_domain"),
            r.get::<Option<String>, _>("k"),
            r.get::<Option<NaiveDateTime>, _>("last_email_date")
        ));
    }
    for r in sqlx::query(
        "SELECT email, name, avg_reply_time, responsiveness_score, last_active FROM employees",
    )
    .fetch_all(pool)
    .await
    .expect("employees")
    {
        rows.push(format!(
            "employee {:?} {:?} {:?} {:?} {:?}",
            r.get::<String, _>("email"),
            r.get::<String, _>("name"),
            r.get::<Option<f32>, _>("avg_reply_time"),
            r.get::<Option<f32>, _>("responsiveness_score"),
            r.get::<Option<NaiveDateTime>, _>("last_active")
        ));
    }
    // What analysis derives must not depend on arrival order or concurrency either.
    for r in sqlx::query(
        r#"SELECT c.name, c.overall_sentiment, c.sentiment_trend, c.flagged_issues, c.waiting_on::text AS w,
                  (SELECT string_agg(u.type || '@' || u.date, ',' ORDER BY u.date, u.type) FROM customer_updates u WHERE u.customer_id = c.id) AS updates,
                  (SELECT string_agg(t.description || '|' || t.due_date || '|' || t.status, ',' ORDER BY t.description) FROM tasks t WHERE t.customer_id = c.id) AS tasks
           FROM customers c"#,
    )
    .fetch_all(pool)
    .await
    .expect("health")
    {
        rows.push(format!(
            "health {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
            r.get::<String, _>("name"),
            r.get::<Option<String>, _>("overall_sentiment"),
            r.get::<Option<String>, _>("sentiment_trend"),
            r.get::<Option<bool>, _>("flagged_issues"),
            r.get::<Option<String>, _>("w"),
            r.get::<Option<String>, _>("updates"),
            r.get::<Option<String>, _>("tasks"),
        ));
    }
    for r in sqlx::query(
        r#"SELECT l.fingerprint, i.sentiment, i.summary, i.waiting_for, i.is_flagged, i.action_needed
           FROM email_insights i JOIN email_logs l ON l.id = i.email_id"#,
    )
    .fetch_all(pool)
    .await
    .expect("insights")
    {
        rows.push(format!(
            "insight {:?} {:?} {:?} {:?} {:?} {:?}",
            r.get::<Option<String>, _>("fingerprint"),
            r.get::<Option<String>, _>("sentiment"),
            r.get::<Option<String>, _>("summary"),
            r.get::<Option<String>, _>("waiting_for"),
            r.get::<Option<bool>, _>("is_flagged"),
            r.get::<bool, _>("action_needed"),
        ));
    }
    for r in sqlx::query("SELECT outcome, count(*) AS n FROM inbound_messages GROUP BY outcome")
        .fetch_all(pool)
        .await
        .expect("inbound")
    {
        rows.push(format!(
            "inbound {} {}",
            r.get::<String, _>("outcome"),
            r.get::<i64, _>("n")
        ));
    }
    rows.sort();
    rows
}

#[sqlx::test(migrations = "../migrations")]
async fn ingesting_the_sample_mailbox_reproduces_its_truth(pool: PgPool) {
    let truth = truth();
    setup_tenant(&pool).await;
    let files = messages();
    let inbound: Vec<_> = files.iter().map(|(_, m)| m.clone()).collect();
    let results = ingest::ingest_all(&pool, &inbound, now(), &Settings::default())
        .await
        .expect("ingested");
    assert_eq!(results.len(), 61);

    let expected = truth["emails"].as_object().expect("emails");
    let rejected = truth["rejected"].as_object().expect("rejected");
    let customers: BTreeMap<String, String> = truth["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .flat_map(|c| {
            let name = c["name"].as_str().expect("name").to_owned();
            c["emails"]
                .as_array()
                .expect("emails")
                .iter()
                .map(move |e| (e.as_str().expect("e").to_owned(), name.clone()))
        })
        .collect();
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut customer_of_row: BTreeMap<String, String> = BTreeMap::new();
    for ((file, _), result) in files.iter().zip(&results) {
        if let Some(reason) = rejected.get(file) {
            let code = reason["reason"].as_str().expect("reason");
            let ok = match (&result.outcome, code) {
                (Outcome::Duplicate { .. }, "duplicate_message_id" | "duplicate_forward") => true,
                (Outcome::Rejected(r), code) => r.code() == code,
                _ => false,
            };
            if !ok {
                failures.push(format!("{file}: expected {code}, got {:?}", result.outcome));
            }
            continue;
        }
        let Outcome::Stored { email_id } = result.outcome else {
            failures.push(format!("{file}: expected stored, got {:?}", result.outcome));
            continue;
        };
        checked += 1;
        let want = &expected[file];
        let row = sqlx::query(
            r#"SELECT e.from_email, e.to_email, e.subject, e.timestamp, e.direction, e.replied, e.reply_time_minutes,
                      e.forwarded_by, c.known_emails::text AS known, m.email AS employee
               FROM email_logs e JOIN customers c ON c.id = e.customer_id JOIN employees m ON m.id = e.employee_id
               WHERE e.id = $1"#,
        )
        .bind(email_id)
        .fetch_one(&pool)
        .await
        .expect("stored row");
        let mut check = |field: &str, ok: bool, got: String| {
            if !ok {
                failures.push(format!(
                    "{file}: {field}: expected {}, got {got}",
                    want[field]
                ));
            }
        };
        let s = |name: &str| row.get::<Option<String>, _>(name);
        check(
            "from_email",
            s("from_email").as_deref() == want["from_email"].as_str(),
            format!("{:?}", s("from_email")),
        );
        check(
            "to_email",
            s("to_email").as_deref() == want["to_email"].as_str(),
            format!("{:?}", s("to_email")),
        );
        check(
            "subject",
            s("subject").as_deref() == want["subject"].as_str(),
            format!("{:?}", s("subject")),
        );
        check(
            "direction",
            s("direction").as_deref() == want["direction"].as_str(),
            format!("{:?}", s("direction")),
        );
        check(
            "employee",
            s("employee").as_deref() == want["employee"].as_str(),
            format!("{:?}", s("employee")),
        );
        check(
            "forwarded_by",
            s("forwarded_by").as_deref() == want["forwarded_by"].as_str(),
            format!("{:?}", s("forwarded_by")),
        );
        let ts = row.get::<NaiveDateTime, _>("timestamp").and_utc();
        let want_ts: DateTime<Utc> = want["timestamp"].as_str().expect("ts").parse().expect("ts");
        check("timestamp", ts == want_ts, ts.to_rfc3339());
        // The customer: the truth's customer owns the addresses this row's customer knows.
        let known: Vec<String> =
            serde_json::from_str(&s("known").unwrap_or_default()).unwrap_or_default();
        let names: std::collections::BTreeSet<&String> =
            known.iter().filter_map(|k| customers.get(k)).collect();
        let want_customer = want["customer"].as_str().expect("customer");
        check(
            "customer",
            names.len() == 1 && names.contains(&want_customer.to_owned()),
            format!("{names:?}"),
        );
        customer_of_row.insert(file.clone(), want_customer.to_owned());
        if want["direction"] == "inbound" {
            let replied = row.get::<Option<bool>, _>("replied").unwrap_or(false);
            check(
                "replied",
                Some(replied) == want["replied"].as_bool(),
                replied.to_string(),
            );
            let minutes = row.get::<Option<i32>, _>("reply_time_minutes");
            let close = match (minutes, want["reply_time_minutes"].as_i64()) {
                (Some(got), Some(w)) => (i64::from(got) - w).abs() <= 1,
                (None, None) => true,
                _ => false,
            };
            check("reply_time_minutes", close, format!("{minutes:?}"));
        }
    }

    // The employees' numbers (averages ±1 minute, percentages exact to one decimal).
    for (email, want) in truth["employees_expected"].as_object().expect("employees") {
        let row = sqlx::query(
            "SELECT avg_reply_time, responsiveness_score FROM employees WHERE email = $1",
        )
        .bind(email)
        .fetch_one(&pool)
        .await
        .expect("employee");
        let avg = row.get::<Option<f32>, _>("avg_reply_time").unwrap_or(0.0);
        let resp = row
            .get::<Option<f32>, _>("responsiveness_score")
            .unwrap_or(0.0);
        let want_avg = want["avg_reply_time_minutes"].as_f64().unwrap_or(0.0);
        let want_resp = want["responsiveness_pct_24h"].as_f64().unwrap_or(0.0);
        if (f64::from(avg) - want_avg).abs() > 1.0 {
            failures.push(format!(
                "{email}: avg_reply_time expected {want_avg}, got {avg}"
            ));
        }
        if (f64::from(resp) - want_resp).abs() > 0.1 {
            failures.push(format!(
                "{email}: responsiveness expected {want_resp}, got {resp}"
            ));
        }
    }
    let distinct_customers: i64 = sqlx::query_scalar("SELECT count(*) FROM customers")
        .fetch_one(&pool)
        .await
        .expect("count");
    if distinct_customers != truth["customers"].as_array().map_or(0, |c| c.len() as i64) {
        failures.push(format!("customers: expected 6, got {distinct_customers}"));
    }
    println!(
        "sample mailbox ingestion: {checked} stored emails checked, {} rejected files checked, {} failures",
        rejected.len(),
        failures.len()
    );
    assert_eq!(
        checked,
        expected.len(),
        "every email that must be stored was stored"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // A second run changes no row.
    let before = snapshot(&pool).await;
    let again = ingest::ingest_all(&pool, &inbound, now(), &Settings::default())
        .await
        .expect("ingested again");
    assert!(
        again
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Duplicate { .. } | Outcome::Rejected(_)))
    );
    let after: Vec<String> = snapshot(&pool)
        .await
        .into_iter()
        .filter(|r| !r.starts_with("inbound "))
        .collect();
    let before: Vec<String> = before
        .into_iter()
        .filter(|r| !r.starts_with("inbound "))
        .collect();
    assert_eq!(before, after, "a second ingestion changed stored rows");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_message_delivered_three_times_is_stored_once(pool: PgPool) {
    setup_tenant(&pool).await;
    let (_, message) = messages().into_iter().next().expect("a message");
    let mut outcomes = Vec::new();
    for _ in 0..3 {
        outcomes.push(
            ingest::ingest(&pool, &message, now(), &Settings::default())
                .await
                .expect("ingested")
                .outcome,
        );
    }
    assert!(
        matches!(outcomes[0], Outcome::Stored { .. }),
        "{outcomes:?}"
    );
    assert!(
        outcomes[1..]
            .iter()
            .all(|o| matches!(o, Outcome::Duplicate { .. })),
        "{outcomes:?}"
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM email_logs")
        .fetch_one(&pool)
        .await
        .expect("count");
    let received: i64 = sqlx::query_scalar("SELECT count(*) FROM inbound_messages")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(
        (stored, received),
        (1, 3),
        "stored once, every delivery recorded"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn four_concurrent_tasks_and_bulk_ingestion_leave_the_rows_of_one_sequential_run(
    pool: PgPool,
) {
    let options = pool.connect_options();
    let sequential_db = format!(
        "trellin_seq_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..16]
    );
    // The sequential run goes into a second database created beside the test's own.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE \"{sequential_db}\""
    )))
    .execute(&pool)
    .await
    .expect("create db");
    let seq_pool = sqlx::PgPool::connect_with((*options).clone().database(&sequential_db))
        .await
        .expect("connect");
    trellin::db::migrate(&seq_pool).await.expect("migrate");
    setup_tenant(&seq_pool).await;
    let inbound: Vec<_> = messages().into_iter().map(|(_, m)| m).collect();
    for message in &inbound {
        ingest::ingest(&seq_pool, message, now(), &Settings::default())
            .await
            .expect("sequential");
    }
    let sequential = snapshot(&seq_pool).await;
    seq_pool.close().await;

    setup_tenant(&pool).await;
    let mut tasks = Vec::new();
    for task in 0..4 {
        let pool = pool.clone();
        let mine: Vec<_> = inbound.iter().skip(task).step_by(4).cloned().collect();
        tasks.push(tokio::spawn(async move {
            for message in mine {
                ingest::ingest(&pool, &message, now(), &Settings::default())
                    .await
                    .expect("ingested");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let concurrent = snapshot(&pool).await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE \"{sequential_db}\""
    )))
    .execute(&pool)
    .await
    .ok();
    assert_eq!(sequential.len(), concurrent.len());
    let differences: Vec<_> = sequential
        .iter()
        .zip(&concurrent)
        .filter(|(a, b)| a != b)
        .collect();
    assert!(differences.is_empty(), "{differences:#?}");
    let emails = sequential
        .iter()
        .filter(|r| r.starts_with("email "))
        .count();
    assert_eq!(emails, 59, "the snapshot holds the stored emails");
}
