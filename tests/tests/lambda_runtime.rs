//! The function binaries under the Lambda runtime API, as `cargo lambda watch` emulates it:
//! `ingest` fed an SES event, `api` an API Gateway HTTP API request, `digest` a scheduled event
//! and `digest-worker` the SQS batch it queued, with `cargo lambda invoke`.

use serde_json::json;
use sqlx::PgPool;
use trellin_tests::lambda::Watch;
use trellin_tests::mailbox::setup_tenant;
use trellin_tests::moto::Moto;
use trellin_tests::shared_dir;

#[sqlx::test(migrations = "../migrations")]
async fn the_ingest_binary_stores_an_ses_event_under_cargo_lambda(pool: PgPool) {
    setup_tenant(&pool).await;
    let moto = Moto::start();
    let s3 = moto.s3();
    s3.create_bucket()
        .bucket("trellin-inbound")
        .send()
        .await
        .expect("bucket");
    let raw = std::fs::read(shared_dir().join("sample-mailbox/emails/001.eml")).expect("eml");
    s3.put_object()
        .bucket("trellin-inbound")
        .key("inbound/msg-001")
        .body(raw.into())
        .send()
        .await
        .expect("put");

    let database_url = trellin_tests::database_url(&pool);
    let mut env = moto.env();
    env.extend([
        format!("DATABASE_URL={database_url}"),
        "TRELLIN_INBOUND_BUCKET=trellin-inbound".into(),
    ]);
    let watch = Watch::start(&env);

    let mut event: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/lambda/example-ses-lambda-event.json"),
        )
        .expect("fixture"),
    )
    .expect("JSON");
    event["Records"][0]["ses"]["mail"]["messageId"] = json!("msg-001");
    event["Records"][0]["ses"]["receipt"]["recipients"] =
        json!(["inbound+brightpath@in.trellin.app"]);
    let report = watch.invoke("ingest", &event).await;
    assert_eq!(report["messages"][0]["outcome"], "stored", "{report}");
    let from: String = sqlx::query_scalar("SELECT from_email FROM email_logs")
        .fetch_one(&pool)
        .await
        .expect("row");
    assert_eq!(from, "jordan.ellis@harborlane.com");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_api_binary_answers_an_http_api_request_under_cargo_lambda(pool: PgPool) {
    let tenant = trellin_tests::mailbox::ingest(&pool, chrono::Utc::now()).await;
    let (key, _) = trellin::api_key::create(&pool, tenant.id, "lambda")
        .await
        .expect("key");
    let database_url = trellin_tests::database_url(&pool);
    let watch = Watch::start(&[format!("DATABASE_URL={database_url}")]);
    let request = |path: &str, query: &str, key: Option<&str>| {
        let mut headers = json!({"host": "api.example.test", "user-agent": "test"});
        if let Some(key) = key {
            headers["authorization"] = json!(format!("Bearer {key}"));
        }
        json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012", "apiId": "api", "domainName": "api.example.test",
                "domainPrefix": "api",
                "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1",
                         "sourceIp": "127.0.0.1", "userAgent": "test"},
                "requestId": "request", "routeKey": "$default", "stage": "$default",
                "time": "06/Dec/2026:09:00:00 +0000", "timeEpoch": 1796547600000u64
            },
            "isBase64Encoded": false
        })
    };
    let health = watch
        .invoke("api", &request("/api/v1/health", "", None))
        .await;
    assert_eq!(health["statusCode"], 200, "{health}");
    let answer = watch
        .invoke(
            "api",
            &request(
                "/api/v1/ask",
                "q=which%20emails%20need%20a%20reply",
                Some(&key),
            ),
        )
        .await;
    assert_eq!(answer["statusCode"], 200, "{answer}");
    let body: serde_json::Value =
        serde_json::from_str(answer["body"].as_str().expect("body")).expect("JSON");
    assert_eq!(body["intent"], "needs_reply");
    assert!(
        !body["items"].as_array().expect("items").is_empty(),
        "{body}"
    );
    let refused = watch
        .invoke("api", &request("/api/v1/ask", "q=overdue", None))
        .await;
    assert_eq!(refused["statusCode"], 401, "{refused}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_digest_binaries_tick_into_sqs_and_deliver_from_it_under_cargo_lambda(pool: PgPool) {
    let tenant =
        trellin_tests::mailbox::ingest(&pool, "2026-11-20T20:00:00Z".parse().expect("time")).await;
    let moto = Moto::start();
    let queue = moto.queue("digests").await;
    moto.ses()
        .create_email_identity()
        .email_identity("digest@brightpath.test")
        .send()
        .await
        .expect("identity");
    moto.s3()
        .create_bucket()
        .bucket("charts")
        .send()
        .await
        .expect("bucket");
    let (hooks, posts) = trellin_tests::hooks::start(&[]).await;
    trellin::digest::configure(
        &pool,
        tenant.id,
        trellin::digest::SettingsChange {
            emails: Some(vec!["owner@brightpath.test".into()]),
            slack_webhook: Some(format!("{hooks}/slack")),
            ..Default::default()
        },
    )
    .await
    .expect("settings");
    let database_url = trellin_tests::database_url(&pool);
    let mut env = moto.env();
    env.extend([
        format!("DATABASE_URL={database_url}"),
        format!("TRELLIN_DIGEST_QUEUE_URL={queue}"),
        "TRELLIN_DIGEST_FROM=digest@brightpath.test".into(),
        "TRELLIN_CHART_BUCKET=charts".into(),
    ]);
    let watch = Watch::start(&env);

    // EventBridge's scheduled event at 08:00 in Los Angeles.
    let scheduled = json!({
        "version": "0", "id": "tick", "detail-type": "Scheduled Event",
        "source": "aws.scheduler", "account": "123456789012",
        "time": "2026-11-21T16:00:00Z", "region": "us-east-1",
        "resources": [], "detail": {}
    });
    let ticked = watch.invoke("digest", &scheduled).await;
    assert_eq!(ticked, json!({"due": 1, "queued": 1}));
    let received = moto.received(&queue).await.records;
    assert_eq!(received.len(), 1);
    // The event as Lambda's SQS event source writes it.
    let records: Vec<serde_json::Value> = received
        .iter()
        .map(|m| {
            json!({
                "messageId": m.message_id, "receiptHandle": m.receipt_handle, "body": m.body,
                "attributes": {}, "messageAttributes": {}, "md5OfBody": "",
                "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:digests",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    let answer = watch
        .invoke("digest-worker", &json!({ "Records": records }))
        .await;
    assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
    let emails = moto.sent_raw_emails().await;
    assert_eq!(emails.len(), 1);
    assert!(emails[0].1.contains("Saturday 21 Nov"));
    let posts = posts.lock().expect("posts").clone();
    assert_eq!(posts.len(), 1, "Slack once");
    assert_eq!(posts[0].channel, "slack");
}
