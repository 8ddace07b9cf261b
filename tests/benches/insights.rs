//! How fast the owner's questions are answered on a large tenant: one tenant with 1,000,000
//! emails, 1,000 customers and 50 staff, beside nine tenants of 100,000 emails each, generated
//! with SQL (not the parser) over two years up to now. Times every intent through
//! `trellin::insights` and every endpoint through the HTTP router (API key, JSON and all),
//! `BENCH_RUNS` times each (30) after warm-up, and prints p50 and p95; then composing the
//! day's digest (chart included) the same way, and the plan of the slowest query.
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench insights`
//! (`BENCH_EMAILS` sets the large tenant's emails, 1,000,000; `BENCH_KEEP=1` keeps the
//! database `trellin_bench_insights` and reuses it next time.)

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tower::ServiceExt;
use trellin::insights::{self, Intent, Question, Scope};
use trellin::tenant::{self, NewTenant};
use trellin_functions::http::{AppState, router};
use trellin_tests::bench::{self, ms};
use uuid::Uuid;

const DATABASE: &str = "trellin_bench_insights";

/// Fills one tenant: staff, customers, emails with insights, tasks and waiting items.
async fn fill(
    pool: &PgPool,
    tenant: Uuid,
    customers: i64,
    staff: i64,
    emails: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let now = now.naive_utc();
    sqlx::query(
        "INSERT INTO employees (user_id, name, email)
         SELECT $1, 'Staff ' || g, 'staff' || g || '@' || left($1::text, 8) || '.example'
         FROM generate_series(1, $2) g",
    )
    .bind(tenant)
    .bind(staff)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO customers (user_id, name, primary_domain, known_emails, overall_sentiment,
                                flagged_issues, sentiment_trend, last_email_date)
         SELECT $1, 'Customer ' || g, 'c' || g || '-' || left($1::text, 8) || '.example',
                json_build_array('contact@c' || g || '-' || left($1::text, 8) || '.example'),
                (ARRAY['happy', 'neutral', 'neutral', 'unhappy'])[1 + (g * 7) % 4], g % 29 = 0,
                'steady', $3
         FROM generate_series(1, $2) g",
    )
    .bind(tenant)
    .bind(customers)
    .bind(now)
    .execute(pool)
    .await?;
    // Emails over two years; anything older than 30 days has been answered.
    sqlx::query(
        "WITH c AS (SELECT array_agg(id ORDER BY name) AS ids FROM customers WHERE user_id = $1),
              s AS (SELECT array_agg(id ORDER BY email) AS ids FROM employees WHERE user_id = $1)
         INSERT INTO email_logs (user_id, employee_id, customer_id, from_email, to_email, subject,
                body, timestamp, sentiment, summary, action_needed, replied, reply_time_minutes,
                first_reply_at, message_id, thread_key, direction, is_automatic, fingerprint,
                subject_normalized, flagged, issue, utc_offset_minutes)
         SELECT $1, s.ids[1 + g % array_length(s.ids, 1)],
                c.ids[1 + (g * 7919) % array_length(c.ids, 1)],
                'someone' || g % 97 || '@example.com', 'staff@example.com',
                'Subject of thread ' || g / 4, 'Body of email ' || g, t.ts,
                CASE WHEN r.inbound THEN (CASE WHEN r.r2 < 0.3 THEN 'happy' WHEN r.r2 < 0.75 THEN 'neutral' ELSE 'unhappy' END)
                     ELSE 'neutral' END,
                'Summary of email ' || g, r.inbound AND r.r3 < 0.45,
                r.inbound AND r.answered, CASE WHEN r.inbound AND r.answered THEN (r.r5 * 3000)::int END,
                CASE WHEN r.inbound AND r.answered THEN t.ts + r.r5 * 3000 * interval '1 minute' END,
                'gen-' || $1 || '-' || g, 't' || g / 4,
                CASE WHEN r.inbound THEN 'inbound' ELSE 'outbound' END, r.r3 > 0.995,
                'fp-' || $1 || '-' || g, 'subject of thread ' || g / 4,
                r.inbound AND r.r2 > 0.97,
                CASE WHEN r.inbound AND r.r2 > 0.8 THEN (ARRAY['bug', 'delay', 'billing', 'slow_response', 'quality', 'compliance'])[1 + floor(r.r4 * 6)::int] END,
                0
         FROM generate_series(1, $2) g, c, s,
              LATERAL (SELECT g AS k, $3::timestamp - random() * 730 * interval '1 day' AS ts) t,
              LATERAL (SELECT g AS k, random() < 0.55 AS inbound, random() AS r2, random() AS r3,
                              random() AS r4, random() AS r5,
                              (random() < 0.9 OR t.ts < $3::timestamp - interval '30 days') AS answered) r",
    )
    .bind(tenant)
    .bind(emails)
    .bind(now)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO email_insights (email_id, sentiment, summary, waiting_for, recommended_action,
                is_flagged, score, action_needed, flag_reasons, evidence, analyzer, issue)
         SELECT id, sentiment, summary, CASE WHEN action_needed THEN 'deliverable ' || left(id::text, 4) END,
                'Reply', flagged,
                CASE sentiment WHEN 'happy' THEN 0.6 WHEN 'unhappy' THEN -0.6 ELSE 0 END,
                action_needed, CASE WHEN flagged THEN '[\"churn\"]'::jsonb ELSE '[]'::jsonb END,
                '[\"a phrase\"]'::jsonb, 'builtin', issue
         FROM email_logs WHERE user_id = $1",
    )
    .bind(tenant)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO waiting_items (user_id, customer_id, description, since, email_id, employee_id, thread_key)
         SELECT user_id, customer_id, 'deliverable ' || left(id::text, 4), timestamp, id, employee_id, thread_key
         FROM email_logs
         WHERE user_id = $1 AND direction = 'inbound' AND action_needed AND NOT replied",
    )
    .bind(tenant)
    .execute(pool)
    .await?;
    sqlx::query(
        "WITH c AS (SELECT array_agg(id ORDER BY name) AS ids FROM customers WHERE user_id = $1),
              s AS (SELECT array_agg(id ORDER BY email) AS ids FROM employees WHERE user_id = $1)
         INSERT INTO tasks (user_id, customer_id, assigned_to, description, status, due_date,
                            completed_at, task_key, kind)
         SELECT $1, c.ids[1 + (g * 31) % array_length(c.ids, 1)], s.ids[1 + g % array_length(s.ids, 1)],
                'Deliverable ' || g, CASE WHEN g % 20 = 0 THEN 'open' ELSE 'completed' END,
                ($3::timestamp - (g % 700) * interval '1 day' + interval '14 days')::date,
                CASE WHEN g % 20 <> 0 THEN $3::timestamp - (g % 700) * interval '1 day' END,
                'gen-' || g, 'commitment'
         FROM generate_series(1, $2) g, c, s",
    )
    .bind(tenant)
    .bind(emails / 50)
    .bind(now)
    .execute(pool)
    .await?;
    sqlx::query(
        "INSERT INTO customer_updates (customer_id, type, summary, date)
         SELECT id, overall_sentiment, 'became ' || overall_sentiment, ($2::timestamp - (abs(hashtext(name)) % 60) * interval '1 day')::date
         FROM customers WHERE user_id = $1",
    )
    .bind(tenant)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// The database, generated when it is not there yet (or not kept).
async fn database(
    admin_url: &str,
    emails: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<(PgPool, Uuid)> {
    let admin = PgPool::connect(admin_url).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(DATABASE)
            .fetch_one(&admin)
            .await?;
    let keep = std::env::var_os("BENCH_KEEP").is_some();
    if exists && !keep {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {DATABASE}")))
            .execute(&admin)
            .await?;
    }
    let fresh = !(exists && keep);
    if fresh {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {DATABASE}")))
            .execute(&admin)
            .await?;
    }
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .connect_with(trellin::db::options(admin_url)?.database(DATABASE))
        .await?;
    if fresh {
        trellin::db::migrate(&pool).await?;
        let started = Instant::now();
        for n in 0..10 {
            let created = tenant::create(
                &pool,
                NewTenant {
                    name: format!("Owner {n}"),
                    email: format!("owner{n}@agency{n}.example"),
                    company: Some(format!("Agency {n}")),
                    domain: Some(format!("agency{n}.example")),
                    slug: Some(format!("agency{n}")),
                    timezone: Some("America/Los_Angeles".into()),
                },
            )
            .await?;
            let (customers, staff, count) = if n == 0 {
                (1_000, 50, emails)
            } else {
                (100, 10, emails / 10)
            };
            fill(&pool, created.id, customers, staff, count, now).await?;
            eprintln!(
                "tenant {n}: {count} emails generated ({:.0?} so far)",
                started.elapsed()
            );
        }
        sqlx::query("VACUUM ANALYZE").execute(&pool).await?;
    }
    let big: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE slug = 'agency0'")
        .fetch_one(&pool)
        .await?;
    Ok((pool, big))
}

/// p50 and p95 of `runs` timings of `f`, after three warm-up calls.
async fn time<F, Fut>(runs: usize, mut f: F) -> (Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..3 {
        f().await;
    }
    let mut took = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f().await;
        took.push(started.elapsed());
    }
    took.sort();
    let at = |q: f64| took[((q * runs as f64).ceil() as usize).clamp(1, runs) - 1];
    (at(0.5), at(0.95))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let admin_url = bench::admin_url();
    let emails: i64 = bench::setting("BENCH_EMAILS", 1_000_000);
    let runs: usize = bench::setting("BENCH_RUNS", 30);
    let now = Utc::now();
    let (pool, tenant) = database(&admin_url, emails, now).await?;
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM email_logs WHERE user_id = $1")
        .bind(tenant)
        .fetch_one(&pool)
        .await?;
    let all: i64 = sqlx::query_scalar("SELECT count(*) FROM email_logs")
        .fetch_one(&pool)
        .await?;
    println!("large tenant: {total} emails; all tenants: {all} emails; {runs} runs each\n");
    let scope = Scope::load(&pool, tenant, 24 * 60, now).await?;
    let customer: Uuid = sqlx::query_scalar(
        "SELECT id FROM customers WHERE user_id = $1 AND flagged_issues ORDER BY name LIMIT 1",
    )
    .bind(tenant)
    .fetch_one(&pool)
    .await?;
    let employee: Uuid =
        sqlx::query_scalar("SELECT id FROM employees WHERE user_id = $1 ORDER BY email LIMIT 1")
            .bind(tenant)
            .fetch_one(&pool)
            .await?;
    let directory = insights::directory(&pool, tenant).await?;
    let question = |intent, about: Option<(Uuid, insights::names::Kind)>| Question {
        intent,
        about: about.map(|(id, kind)| insights::names::Found {
            kind,
            id,
            name: String::new(),
            score: 1.0,
            words: vec![],
        }),
        period: None,
        overdue_only: false,
    };
    use insights::names::Kind;
    println!("| intent | p50 | p95 |\n| --- | --- | --- |");
    let mut slowest = (Duration::ZERO, String::new());
    for (name, q) in [
        (
            "unhappy customers",
            question(Intent::UnhappyCustomers, None),
        ),
        ("waiting on us", question(Intent::WaitingOnUs, None)),
        ("needs a reply", question(Intent::NeedsReply, None)),
        (
            "responsiveness (30 days)",
            question(Intent::Responsiveness, None),
        ),
        ("tasks", question(Intent::Tasks, None)),
        ("top issues (30 days)", question(Intent::TopIssues, None)),
        (
            "one customer",
            question(Intent::Customer, Some((customer, Kind::Customer))),
        ),
        (
            "one staff member",
            question(Intent::Employee, Some((employee, Kind::Employee))),
        ),
        ("daily summary", question(Intent::DailySummary, None)),
    ] {
        let (p50, p95) = time(runs, || async {
            insights::answer(&pool, &scope, &q).await.expect("answer");
        })
        .await;
        println!("| {name} | {} | {} |", ms(p50), ms(p95));
        if p95 > slowest.0 {
            slowest = (p95, name.to_owned());
        }
    }
    let (p50, p95) = time(runs, || async {
        let q = insights::question::route(
            "who's annoyed with us this week?",
            &directory,
            now,
            scope.zone,
        );
        insights::answer(&pool, &scope, &q).await.expect("answer");
    })
    .await;
    println!(
        "| a free-text question, routed | {} | {} |",
        ms(p50),
        ms(p95)
    );

    let (key, _) = trellin::api_key::create(&pool, tenant, "bench").await?;
    let app = router(AppState {
        pool: pool.clone(),
        settings: trellin::ingest::Settings::default(),
        now: Some(now),
        phraser: None,
    });
    println!("\n| endpoint | p50 | p95 |\n| --- | --- | --- |");
    let today = now.with_timezone(&scope.zone).date_naive();
    for uri in [
        "/api/v1/insights/qa-analysis".to_owned(),
        format!("/api/v1/insights/customers/{customer}/analysis"),
        format!("/api/v1/insights/employees/{employee}/analysis"),
        format!("/api/v1/insights/daily-summary?date={today}"),
        "/api/v1/insights/emails?limit=50".to_owned(),
        "/api/v1/insights/emails?flagged=true&limit=50".to_owned(),
        format!("/api/v1/insights/emails?customer={customer}&sentiment=unhappy"),
        "/api/v1/ask?q=which%20emails%20still%20need%20a%20reply".to_owned(),
    ] {
        let (p50, p95) = time(runs, || {
            let app = app.clone();
            let request = Request::get(&uri)
                .header("authorization", format!("Bearer {key}"))
                .body(Body::empty())
                .expect("request");
            async move {
                let response = app.oneshot(request).await.expect("response");
                assert!(response.status().is_success(), "{}", response.status());
                axum::body::to_bytes(response.into_body(), 64 << 20)
                    .await
                    .expect("body");
            }
        })
        .await;
        println!("| `GET {uri}` | {} | {} |", ms(p50), ms(p95));
    }

    let (p50, p95) = time(runs, || async {
        trellin::digest::compose(&pool, &scope, today)
            .await
            .expect("digest");
    })
    .await;
    println!(
        "\n| digest | p50 | p95 |\n| --- | --- | --- |\n| compose and store today's digest, chart included | {} | {} |",
        ms(p50),
        ms(p95)
    );

    println!("\nslowest intent at p95: {}", slowest.1);
    // The query behind the slowest intent: responsiveness's reply times of 30 days.
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN (ANALYZE, BUFFERS)
         SELECT l.employee_id, count(*),
                COALESCE(array_agg(l.timestamp) FILTER (WHERE l.first_reply_at <= $3), '{}'),
                COALESCE(array_agg(l.first_reply_at) FILTER (WHERE l.first_reply_at <= $3), '{}')
         FROM email_logs l
         WHERE l.user_id = $1 AND l.direction = 'inbound' AND NOT l.is_automatic
           AND l.employee_id IS NOT NULL AND l.timestamp >= $2 AND l.timestamp < $3
         GROUP BY l.employee_id",
    )
    .bind(tenant)
    .bind((now - chrono::Duration::days(30)).naive_utc())
    .bind(now.naive_utc())
    .fetch_all(&pool)
    .await?;
    println!(
        "EXPLAIN ANALYZE of responsiveness's query:\n{}",
        plan.join("\n")
    );
    pool.close().await;
    Ok(())
}
