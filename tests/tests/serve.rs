//! `trellin serve`'s two doors: raw MIME over HTTP with the tenant's inbound secret, and SMTP
//! (delivered by `swaks`, as a mail relay would).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlx::PgPool;
use tower::ServiceExt;
use trellin::ingest::Settings;
use trellin_functions::http::{AppState, router};
use trellin_tests::mailbox::setup_tenant;
use trellin_tests::{count, shared_dir};

const INBOUND: &str = "inbound+brightpath@in.trellin.app";

fn sample(file: &str) -> Vec<u8> {
    std::fs::read(shared_dir().join("sample-mailbox/emails").join(file)).expect("eml")
}

async fn post(
    pool: &PgPool,
    uri: &str,
    secret: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    post_at(pool, uri, secret, body, None).await
}

async fn post_at(
    pool: &PgPool,
    uri: &str,
    secret: Option<&str>,
    body: Vec<u8>,
    now: Option<chrono::DateTime<chrono::Utc>>,
) -> (StatusCode, serde_json::Value) {
    let mut request = Request::post(uri).header("content-type", "message/rfc822");
    if let Some(secret) = secret {
        request = request.header("authorization", format!("Bearer {secret}"));
    }
    let app = router(AppState {
        pool: pool.clone(),
        settings: Settings::default(),
        now,
        phraser: None,
    });
    let response = app
        .oneshot(request.body(Body::from(body)).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (status, serde_json::from_slice(&bytes).expect("JSON body"))
}

#[sqlx::test(migrations = "../migrations")]
async fn an_http_post_of_raw_mime_with_the_tenant_secret_stores_it(pool: PgPool) {
    let tenant = setup_tenant(&pool).await;
    let secret = tenant.inbound_secret.clone().expect("a secret");
    let uri = format!("/api/v1/inbound?to={INBOUND}");
    let (status, body) = post(&pool, &uri, Some(&secret), sample("001.eml")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["outcome"], "stored");
    let from: String = sqlx::query_scalar("SELECT from_email FROM email_logs")
        .fetch_one(&pool)
        .await
        .expect("row");
    assert_eq!(from, "jordan.ellis@harborlane.com");

    let (again, body) = post(&pool, &uri, Some(&secret), sample("001.eml")).await;
    assert_eq!(
        (again, body["outcome"].as_str()),
        (StatusCode::OK, Some("duplicate"))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_wrong_or_missing_inbound_secret_is_refused_and_recorded(pool: PgPool) {
    setup_tenant(&pool).await;
    let uri = format!("/api/v1/inbound?to={INBOUND}");
    let (wrong, body) = post(&pool, &uri, Some("not-the-secret"), sample("001.eml")).await;
    assert_eq!(wrong, StatusCode::UNAUTHORIZED, "{body}");
    let (missing, _) = post(&pool, &uri, None, sample("001.eml")).await;
    assert_eq!(missing, StatusCode::UNAUTHORIZED);
    assert_eq!(
        count(&pool, "SELECT count(*) FROM email_logs").await,
        0,
        "nothing stored"
    );
    let refused: Vec<String> =
        sqlx::query_scalar("SELECT reason FROM inbound_messages WHERE outcome = 'rejected'")
            .fetch_all(&pool)
            .await
            .expect("records");
    assert_eq!(refused.len(), 2);
    assert!(
        refused.iter().all(|r| r.starts_with("unauthorized")),
        "{refused:?}"
    );

    let (no_recipient, _) = post(&pool, "/api/v1/inbound", Some("x"), sample("001.eml")).await;
    assert_eq!(no_recipient, StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrations = "../migrations")]
async fn swaks_delivering_a_forward_over_smtp_stores_it(pool: PgPool) {
    setup_tenant(&pool).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(trellin_functions::smtp::serve(
        listener,
        AppState {
            pool: pool.clone(),
            settings: Settings::default(),
            now: None,
            phraser: None,
        },
    ));

    let file = shared_dir().join("sample-mailbox/emails/006.eml");
    let output = tokio::process::Command::new("swaks")
        .args([
            "-s",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-f",
            "diego@brightpath.io",
            "-t",
            INBOUND,
        ])
        .arg("--data")
        .arg(format!("@{}", file.display()))
        .output()
        .await
        .expect("swaks is installed (apt-get install swaks)");
    let transcript = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "swaks failed:\n{transcript}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(transcript.contains("250 stored as"), "{transcript}");

    let (from, forwarded_by): (String, Option<String>) =
        sqlx::query_as("SELECT from_email, forwarded_by FROM email_logs")
            .fetch_one(&pool)
            .await
            .expect("stored row");
    assert_eq!(from, "jess.moreno@kestreloutdoor.com");
    assert_eq!(forwarded_by.as_deref(), Some("diego@brightpath.io"));
    let envelope: Vec<String> =
        sqlx::query_scalar("SELECT envelope_recipients FROM inbound_messages")
            .fetch_one(&pool)
            .await
            .expect("record");
    assert_eq!(envelope, vec![INBOUND.to_owned()]);
    server.abort();
}

#[sqlx::test(migrations = "../migrations")]
async fn a_server_given_a_fixed_now_receives_every_message_at_it(pool: PgPool) {
    let tenant = setup_tenant(&pool).await;
    let secret = tenant.inbound_secret.clone().expect("a secret");
    let uri = format!("/api/v1/inbound?to={INBOUND}");
    let now: chrono::DateTime<chrono::Utc> = "2026-11-20T20:00:00Z".parse().expect("time");
    let (status, body) = post_at(&pool, &uri, Some(&secret), sample("001.eml"), Some(now)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let received: chrono::NaiveDateTime =
        sqlx::query_scalar("SELECT received_at FROM inbound_messages")
            .fetch_one(&pool)
            .await
            .expect("record");
    assert_eq!(received, now.naive_utc());
}
