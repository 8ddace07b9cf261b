//! The HTTP API over the ingested sample mailbox: it answers what the CLI answers, every
//! request is scoped to the tenant of its API key (another tenant's ids are 404 with no data),
//! keys that are missing, wrong or revoked get 401, and a tenant's inbound secret posts only
//! into that tenant.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;
use trellin::config::Config;
use trellin::ingest::{self, Inbound, Settings, Source};
use trellin::tenant::{self, NewTenant, Tenant};
use trellin_functions::http::{AppState, router};
use trellin_tests::mailbox::{ingest, messages};
use trellin_tests::{offline_config, trellin};

fn as_of() -> DateTime<Utc> {
    "2026-11-20T20:00:00Z".parse().expect("time")
}

/// The API as `trellin serve` and the Lambda function serve it, as of the mailbox's last day.
fn app(pool: &PgPool) -> axum::Router {
    router(AppState {
        pool: pool.clone(),
        settings: Settings::default(),
        now: Some(as_of()),
        phraser: None,
    })
}

async fn get(pool: &PgPool, uri: &str, key: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::get(uri);
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let app = app(pool);
    let response = app
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
        .await
        .expect("body");
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("{uri}: not JSON: {}", String::from_utf8_lossy(&bytes)));
    (status, body)
}

fn config(pool: &PgPool) -> Config {
    Config {
        database_url: Some(trellin_tests::database_url(pool)),
        ..offline_config()
    }
}

async fn cli(pool: &PgPool, args: &[&str]) -> String {
    let mut all = vec!["--now", "2026-11-20T20:00:00Z"];
    all.extend_from_slice(args);
    let (result, out) = trellin(&all, &config(pool), "").await;
    result.unwrap_or_else(|e| panic!("{args:?}: {e:#}"));
    out
}

/// `trellin ask --json` for the sample mailbox's tenant.
async fn ask_json(pool: &PgPool, question: &str) -> Value {
    let out = cli(pool, &["ask", "--tenant", "brightpath", "--json", question]).await;
    serde_json::from_str(out.trim()).expect("JSON")
}

/// A key made with `trellin key create`, as an operator would.
async fn key(pool: &PgPool, tenant: &str) -> String {
    let out = cli(
        pool,
        &["key", "create", "--tenant", tenant, "--name", "test"],
    )
    .await;
    out.lines().next().expect("the key").trim().to_owned()
}

/// A second tenant, fed some of the same mail (its staff share the domain).
async fn other_tenant(pool: &PgPool) -> Tenant {
    let other = tenant::create(
        pool,
        NewTenant {
            name: "Olga Other".into(),
            email: "olga@otheragency.example".into(),
            company: Some("Other Agency".into()),
            domain: Some("brightpath.io".into()),
            slug: Some("other".into()),
            timezone: Some("Europe/Berlin".into()),
        },
    )
    .await
    .expect("tenant");
    let address = other.inbound_address(trellin::config::DEFAULT_INBOUND_DOMAIN);
    let mail: Vec<Inbound> = messages()
        .into_iter()
        .take(12)
        .map(|(_, m)| Inbound::new(m.raw, Source::File, vec![address.clone()]))
        .collect();
    ingest::ingest_all(pool, &mail, as_of(), &Settings::default())
        .await
        .expect("ingested");
    other
}

#[sqlx::test(migrations = "../migrations")]
async fn the_endpoints_answer_what_the_cli_answers(pool: PgPool) {
    let tenant = ingest(&pool, as_of()).await;
    let key = key(&pool, "brightpath").await;
    let questions = [
        ("which customers are unhappy?", "unhappy_customers"),
        ("what are customers waiting on?", "waiting_on_us"),
        ("which emails still need a reply?", "needs_reply"),
        ("who is slowest to reply?", "responsiveness"),
        ("what is overdue?", "tasks"),
        ("top issues this month", "top_issues"),
    ];
    for (question, intent) in questions {
        let from_cli: Value = ask_json(&pool, question).await;
        let uri = format!(
            "/api/v1/ask?q={}",
            question.replace(' ', "%20").replace('?', "%3F")
        );
        let (status, from_api) = get(&pool, &uri, Some(&key)).await;
        assert_eq!(status, StatusCode::OK, "{question}: {from_api}");
        assert_eq!(from_api, from_cli, "{question}");
        assert_eq!(from_api["intent"], intent, "{question}");
    }
    // The dashboard holds the same six answers.
    let (status, dashboard) = get(&pool, "/api/v1/insights/qa-analysis", Some(&key)).await;
    assert_eq!(status, StatusCode::OK, "{dashboard}");
    let unhappy: Value = ask_json(&pool, "which customers are unhappy?").await;
    assert_eq!(dashboard["unhappy_customers"]["items"], unhappy["items"]);
    let needs: Value = ask_json(&pool, "which emails still need a reply?").await;
    assert_eq!(dashboard["needs_reply"]["items"], needs["items"]);
    assert_eq!(
        dashboard["needs_reply"]["items"].as_array().map(Vec::len),
        Some(5)
    );

    // One customer, as the CLI reports them.
    let harbor = &unhappy["items"][0]["customer"];
    let id = harbor["id"].as_str().expect("id");
    let (status, report) = get(
        &pool,
        &format!("/api/v1/insights/customers/{id}/analysis"),
        Some(&key),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let from_cli: Value = ask_json(&pool, "how is harbor lane doing?").await;
    assert_eq!(report, from_cli["items"][0]);

    // One staff member.
    let tom: Value = ask_json(&pool, "how is Tom doing?").await;
    let tom_id = tom["items"][0]["employee"]["id"].as_str().expect("id");
    let (status, report) = get(
        &pool,
        &format!("/api/v1/insights/employees/{tom_id}/analysis"),
        Some(&key),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report, tom["items"][0]);

    // The day's summary, stored once per date.
    let (status, summary) = get(
        &pool,
        "/api/v1/insights/daily-summary?date=2026-11-19",
        Some(&key),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    let from_cli: Value = ask_json(&pool, "summary for 2026-11-19").await;
    assert_eq!(summary, from_cli["items"][0]);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM daily_summaries WHERE user_id = $1")
        .bind(tenant.id)
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(rows, 1);

    // Emails page through every stored email exactly once, newest first.
    let mut seen = Vec::new();
    let mut uri = "/api/v1/insights/emails?limit=7".to_owned();
    loop {
        let (status, page) = get(&pool, &uri, Some(&key)).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for email in page["emails"].as_array().expect("emails") {
            seen.push((
                email["timestamp"].as_str().expect("time").to_owned(),
                email["id"].as_str().expect("id").to_owned(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/api/v1/insights/emails?limit=7&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 59);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");
    let (_, flagged) = get(&pool, "/api/v1/insights/emails?flagged=true", Some(&key)).await;
    let flagged = flagged["emails"].as_array().expect("emails");
    assert!(!flagged.is_empty() && flagged.iter().all(|e| e["flagged"] == true));
}

#[sqlx::test(migrations = "../migrations")]
async fn requests_without_a_live_key_are_refused(pool: PgPool) {
    ingest(&pool, as_of()).await;
    let (status, body) = get(&pool, "/api/v1/insights/qa-analysis", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthorized");
    let (status, _) = get(&pool, "/api/v1/ask?q=hello", Some("trl_0000000000000000")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let key = key(&pool, "brightpath").await;
    let (status, _) = get(&pool, "/api/v1/ask?q=overdue", Some(&key)).await;
    assert_eq!(status, StatusCode::OK);
    let prefix: String = key.chars().take(12).collect();
    cli(&pool, &["key", "revoke", "--tenant", "brightpath", &prefix]).await;
    let (status, body) = get(&pool, "/api/v1/ask?q=overdue", Some(&key)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let listed = cli(&pool, &["key", "list", "--tenant", "brightpath"]).await;
    assert!(
        listed.contains("REVOKED") && !listed.contains(&key),
        "{listed}"
    );
    // Health needs no key.
    let (status, health) = get(&pool, "/api/v1/health", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["database"], true);
}

#[sqlx::test(migrations = "../migrations")]
async fn one_tenants_key_never_reaches_another_tenants_data(pool: PgPool) {
    ingest(&pool, as_of()).await;
    let other = other_tenant(&pool).await;
    let key_a = key(&pool, "brightpath").await;
    let customer_b: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM customers WHERE user_id = $1 LIMIT 1")
            .bind(other.id)
            .fetch_one(&pool)
            .await
            .expect("a customer of B");
    let employee_b: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM employees WHERE user_id = $1 LIMIT 1")
            .bind(other.id)
            .fetch_one(&pool)
            .await
            .expect("a staff member of B");
    for uri in [
        format!("/api/v1/insights/customers/{customer_b}/analysis"),
        format!("/api/v1/insights/employees/{employee_b}/analysis"),
        format!("/api/v1/insights/emails?customer={customer_b}"),
        format!("/api/v1/insights/emails?employee={employee_b}"),
        format!(
            "/api/v1/insights/customers/{}/analysis",
            uuid::Uuid::new_v4()
        ),
    ] {
        let (status, body) = get(&pool, &uri, Some(&key_a)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        assert_eq!(body["error"], "not_found");
        assert!(
            !body.to_string().contains(&customer_b.to_string()),
            "{body}"
        );
    }
    // A's answers and summary hold none of B's rows.
    let b_ids: Vec<uuid::Uuid> = sqlx::query_scalar(
        "SELECT id FROM customers WHERE user_id = $1 UNION SELECT id FROM email_logs WHERE user_id = $1",
    )
    .bind(other.id)
    .fetch_all(&pool)
    .await
    .expect("ids");
    assert!(!b_ids.is_empty());
    for uri in [
        "/api/v1/insights/qa-analysis",
        "/api/v1/insights/daily-summary?date=2026-11-19",
        "/api/v1/insights/emails?limit=200",
    ] {
        let (status, body) = get(&pool, uri, Some(&key_a)).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let text = body.to_string();
        assert!(
            b_ids.iter().all(|id| !text.contains(&id.to_string())),
            "{uri} shows B's data"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn one_tenants_inbound_secret_cannot_post_into_another(pool: PgPool) {
    let a = trellin_tests::mailbox::setup_tenant(&pool).await;
    let b = other_tenant(&pool).await;
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM email_logs WHERE user_id = $1")
        .bind(b.id)
        .fetch_one(&pool)
        .await
        .expect("count");
    let raw = messages().into_iter().nth(20).expect("a message").1.raw;
    let to = b.inbound_address(trellin::config::DEFAULT_INBOUND_DOMAIN);
    let app = app(&pool);
    let response = app
        .oneshot(
            Request::post(format!("/api/v1/inbound?to={}", to.replace('+', "%2B")))
                .header(
                    "authorization",
                    format!("Bearer {}", a.inbound_secret.clone().expect("secret")),
                )
                .body(Body::from(raw))
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM email_logs WHERE user_id = $1")
        .bind(b.id)
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(after, before, "nothing was stored for B");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_openapi_document_describes_every_endpoint(pool: PgPool) {
    let (status, doc) = get(&pool, "/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap_or("").starts_with("3."),
        "{doc}"
    );
    for path in [
        "/api/v1/health",
        "/api/v1/ask",
        "/api/v1/insights/qa-analysis",
        "/api/v1/insights/customers/{id}/analysis",
        "/api/v1/insights/employees/{id}/analysis",
        "/api/v1/insights/daily-summary",
        "/api/v1/insights/emails",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    let (status, body) = get(&pool, "/api/v1/nowhere", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
}
