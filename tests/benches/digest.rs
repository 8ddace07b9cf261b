//! How long the hourly digest tick takes over 10,000 tenants: the tenants are generated with
//! SQL across twelve time zones (at the tick most are past their digest hour and half of those
//! have had theirs already; all have a Slack webhook), and the tick of the `digest` function
//! finds the due tenants and puts one message each on an SQS queue through the real SQS client.
//! The queue is a local stand-in speaking SQS's JSON protocol that answers at once and counts
//! what it was sent: `moto_server` takes about 6 ms a message (measured: 50 batches of ten in
//! 2.9 s from boto3), so against moto the bench would time moto. Prints the due query alone and
//! the whole tick, `BENCH_RUNS` times each (10), p50 and max.
//! (Composing one digest at 1,000,000 emails is timed by the `insights` bench, on its data.)
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench digest`
//! (`BENCH_TENANTS` sets the tenants, 10,000.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use trellin::digest::Outbox;
use trellin_functions::lambda::digest::DigestFunction;
use trellin_tests::bench::{self, ms};

const DATABASE: &str = "trellin_bench_digest";

/// Twelve zones whose local hour differs at any one moment.
const ZONES: [&str; 12] = [
    "UTC",
    "Europe/Berlin",
    "Europe/Athens",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "America/New_York",
];

async fn database(admin_url: &str, tenants: i64, now: DateTime<Utc>) -> anyhow::Result<PgPool> {
    let admin = PgPool::connect(admin_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {DATABASE}"
    )))
    .execute(&admin)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {DATABASE}")))
        .execute(&admin)
        .await?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect_with(trellin::db::options(admin_url)?.database(DATABASE))
        .await?;
    trellin::db::migrate(&pool).await?;
    sqlx::query(
        "INSERT INTO users (name, email, slug, timezone, digest_hour, slack_webhook)
         SELECT 'Owner ' || n, 'owner' || n || '@agency' || n || '.example', 'agency' || n,
                ($2::text[])[n % 12 + 1], 8,
                'https://hooks.slack.com/services/T000/B000/' || n
         FROM generate_series(1, $1) AS n",
    )
    .bind(tenants)
    .bind(ZONES.map(str::to_owned).to_vec())
    .execute(&pool)
    .await?;
    // Half of those already past their hour had their digest sent earlier today.
    sqlx::query(
        "WITH gone AS (
           SELECT id, ($1::timestamptz AT TIME ZONE timezone)::date AS date FROM users
           WHERE extract(hour FROM $1::timestamptz AT TIME ZONE timezone) > digest_hour
             AND hashtext(slug) % 2 = 0)
         , stored AS (
           INSERT INTO digests (user_id, date, subject, text, html)
           SELECT id, date, 's', 't', 'h' FROM gone)
         INSERT INTO digest_deliveries (user_id, date, channel, state, attempts)
         SELECT id, date, 'slack', 'sent', 1 FROM gone",
    )
    .bind(now)
    .execute(&pool)
    .await?;
    sqlx::query("VACUUM ANALYZE").execute(&pool).await?;
    Ok(pool)
}

/// An SQS stand-in: answers `SendMessageBatch` (JSON protocol) with every entry queued, and
/// counts the messages. Returns its URL and the count.
async fn queue() -> anyhow::Result<(String, Arc<AtomicUsize>)> {
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |body: String| {
            let counted = counted.clone();
            async move {
                let request: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                let entries = request["Entries"].as_array().cloned().unwrap_or_default();
                counted.fetch_add(entries.len(), Ordering::Relaxed);
                let successful: Vec<serde_json::Value> = entries
                    .iter()
                    .map(|e| serde_json::json!({"Id": e["Id"], "MessageId": uuid::Uuid::new_v4(), "MD5OfMessageBody": ""}))
                    .collect();
                (
                    [("content-type", "application/x-amz-json-1.0")],
                    serde_json::json!({"Successful": successful, "Failed": []}).to_string(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, count))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let admin_url = bench::admin_url();
    let tenants: i64 = bench::setting("BENCH_TENANTS", 10_000);
    let runs: usize = bench::setting("BENCH_RUNS", 10);
    // 07:00 UTC: 08:00 in Berlin, 10:00 in Moscow, 16:00 in Tokyo, 23:00 in Los Angeles.
    let now: DateTime<Utc> = "2026-12-07T07:00:00Z".parse()?;
    let pool = database(&admin_url, tenants, now).await?;
    let (url, sent) = queue().await?;
    let sqs = aws_sdk_sqs::Client::new(&trellin_tests::moto::stand_in(&url));

    let mut due_times = Vec::new();
    let mut tick_times = Vec::new();
    let mut due = 0;
    for _ in 0..runs {
        let started = Instant::now();
        due = trellin::digest::due(&pool, now).await?.len();
        due_times.push(started.elapsed());
        let function = DigestFunction {
            pool: pool.clone(),
            queue: Some((sqs.clone(), format!("{url}/123456789012/digests"))),
            outbox: Outbox::default(),
            responsive_minutes: 24 * 60,
        };
        let started = Instant::now();
        let ticked = function.tick(now).await?;
        tick_times.push(started.elapsed());
        assert_eq!(ticked.queued, due);
    }
    assert_eq!(
        sent.load(Ordering::Relaxed),
        due * runs,
        "every message reached the queue"
    );
    due_times.sort();
    tick_times.sort();
    println!("{tenants} tenants, {due} due at {now}; {runs} runs\n");
    println!("| step | p50 | max |\n| --- | --- | --- |");
    println!(
        "| due tenants (one query) | {} | {} |",
        ms(due_times[runs / 2]),
        ms(due_times[runs - 1])
    );
    println!(
        "| whole tick: query + {due} messages to SQS, ten a call, 32 calls at once | {} | {} |",
        ms(tick_times[runs / 2]),
        ms(tick_times[runs - 1])
    );
    pool.close().await;
    Ok(())
}
