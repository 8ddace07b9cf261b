//! Bulk ingestion throughput: the sample mailbox replicated to 10,000 messages with fresh
//! Message-IDs and subjects (so that every copy is new mail, not a duplicate), ingested into a
//! fresh database, without analysis and with it (analysis in the storing transactions, then
//! health and tasks), alternating for `BENCH_ROUNDS` rounds (3) and keeping the best of each.
//! Prints emails/s end to end for both, what analysis adds, and the process's peak RSS.
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench ingest`
//! (`BENCH_MESSAGES` changes the count).

use std::time::Instant;

use regex::bytes::Regex;
use trellin::ingest::{self, Inbound, Outcome, Settings};
use trellin_tests::mailbox::{messages, setup_tenant};

/// A copy of the mailbox for round `n`: Message-IDs (and the references to them) prefixed, subjects suffixed, so threads stay
/// within their round.
fn replicate(round: usize, base: &[Inbound]) -> Vec<Inbound> {
    let id_headers =
        Regex::new(r"(?mi)^(?:Message-ID|In-Reply-To|References):[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*")
            .expect("regex");
    let ids = Regex::new(r"<([^<>@\s]+@[^<>\s]+)>").expect("regex");
    let subject = Regex::new(r"(?m)^(>?\s*Subject:[^\r\n]*)").expect("regex");
    base.iter()
        .map(|m| {
            let prefixed = format!("<b{round}-$1>");
            let raw = id_headers.replace_all(&m.raw, |c: &regex::bytes::Captures<'_>| {
                ids.replace_all(&c[0], prefixed.as_bytes()).into_owned()
            });
            let raw = subject.replace_all(&raw, format!("$1 #{round}").as_bytes());
            Inbound {
                raw: raw.into_owned(),
                ..m.clone()
            }
        })
        .collect()
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// What one run measured.
struct Run {
    elapsed: std::time::Duration,
    stored: usize,
    rows: i64,
    largest_thread: i64,
}

/// Ingests the batch into a fresh database with these settings.
async fn run(admin_url: &str, batch: &[Inbound], settings: &Settings) -> anyhow::Result<Run> {
    let name = format!(
        "trellin_bench_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let admin = sqlx::PgPool::connect(admin_url).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await?;
    let options: sqlx::postgres::PgConnectOptions = admin_url.parse()?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.database(&name))
        .await?;
    trellin::db::migrate(&pool).await?;
    setup_tenant(&pool).await;
    // Start each run from a clean slate of dirty pages (needs a superuser; skipped otherwise).
    let _ = sqlx::query("CHECKPOINT").execute(&admin).await;

    let started = Instant::now();
    let results = ingest::ingest_all(&pool, batch, chrono::Utc::now(), settings).await?;
    let elapsed = started.elapsed();
    let stored = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Stored { .. }))
        .count();
    let largest_thread: i64 =
        sqlx::query_scalar("SELECT COALESCE(max(n), 0) FROM (SELECT count(*) AS n FROM email_logs GROUP BY thread_key) t")
            .fetch_one(&pool)
            .await?;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM email_logs")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    if std::env::var_os("BENCH_KEEP").is_none() {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
            .execute(&admin)
            .await?;
    } else {
        println!("kept database {name}");
    }
    Ok(Run {
        elapsed,
        stored,
        rows,
        largest_thread,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let admin_url = std::env::var("DATABASE_URL").map_err(|_| {
        anyhow::anyhow!("set DATABASE_URL to a server where databases may be created")
    })?;
    let count: usize = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);

    let base: Vec<Inbound> = messages().into_iter().map(|(_, m)| m).collect();
    let mut batch = Vec::with_capacity(count);
    let mut round = 0;
    while batch.len() < count {
        batch.extend(replicate(round, &base));
        round += 1;
    }
    batch.truncate(count);
    let bytes: usize = batch.iter().map(|m| m.raw.len()).sum();

    let parse_started = Instant::now();
    for m in &batch {
        if let Ok(email) = trellin::mail::parse(&m.raw) {
            std::hint::black_box(trellin::mail::Reading::of_message(&email));
        }
    }
    let parse_elapsed = parse_started.elapsed();

    let bare = Settings {
        analyzer: None,
        ..Settings::default()
    };
    // Alternating rounds, best of each: one configuration does not get the warm server and
    // the other the checkpoint left behind.
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut without: Option<Run> = None;
    let mut with: Option<Run> = None;
    let best = |kept: Option<Run>, new: Run| match kept {
        Some(k) if k.elapsed <= new.elapsed => Some(k),
        _ => Some(new),
    };
    for _ in 0..rounds.max(1) {
        without = best(without, run(&admin_url, &batch, &bare).await?);
        with = best(with, run(&admin_url, &batch, &Settings::default()).await?);
    }
    let (Some(without), Some(with)) = (without, with) else {
        anyhow::bail!("no round ran");
    };

    println!(
        "ingest bench: {} messages ({:.1} MiB), {} stored ({} rows)",
        batch.len(),
        bytes as f64 / 1_048_576.0,
        with.stored,
        with.rows
    );
    println!(
        "  largest thread {} emails (every copy is its own mail)",
        with.largest_thread
    );
    println!(
        "  reading alone (MIME, forward, quotes): {:.2} s",
        parse_elapsed.as_secs_f64()
    );
    for (label, r) in [("without analysis", &without), ("with analysis", &with)] {
        println!(
            "  {label:<17} {:.2} s, {:.0} emails/s",
            r.elapsed.as_secs_f64(),
            batch.len() as f64 / r.elapsed.as_secs_f64()
        );
    }
    println!(
        "  analysis adds   {:.1}% (target: at most 20%)",
        100.0 * (with.elapsed.as_secs_f64() / without.elapsed.as_secs_f64() - 1.0)
    );
    println!("  peak RSS  {:.1} MiB", peak_rss_mib());
    Ok(())
}
