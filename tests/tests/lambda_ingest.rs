//! The Lambda `ingest` function over the SES and S3 event fixtures of `aws_lambda_events`,
//! reading raw messages from moto's S3.

use serde_json::{Value, json};
use sqlx::PgPool;
use trellin::ingest::Settings;
use trellin_functions::lambda::ingest::IngestFunction;
use trellin_tests::mailbox::setup_tenant;
use trellin_tests::moto::Moto;
use trellin_tests::{count, shared_dir};

const INBOUND: &str = "inbound+brightpath@in.trellin.app";
const BUCKET: &str = "trellin-inbound";

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/lambda")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

fn sample(file: &str) -> Vec<u8> {
    std::fs::read(shared_dir().join("sample-mailbox/emails").join(file)).expect("eml")
}

async fn put(s3: &aws_sdk_s3::Client, key: &str, body: Vec<u8>) {
    s3.put_object()
        .bucket(BUCKET)
        .key(key)
        .body(body.into())
        .send()
        .await
        .expect("put object");
}

async fn setup(pool: &PgPool) -> (Moto, aws_sdk_s3::Client) {
    setup_tenant(pool).await;
    let moto = Moto::start();
    let s3 = moto.s3();
    s3.create_bucket()
        .bucket(BUCKET)
        .send()
        .await
        .expect("bucket");
    (moto, s3)
}

fn function(pool: &PgPool, s3: aws_sdk_s3::Client) -> IngestFunction<aws_sdk_s3::Client> {
    IngestFunction {
        pool: pool.clone(),
        store: s3,
        bucket: Some(BUCKET.into()),
        prefix: "inbound/".into(),
        settings: Settings::default(),
    }
}

/// The SES Lambda-action fixture, pointed at message `id` for our inbound address.
fn ses_event(id: &str) -> Value {
    let mut event = fixture("example-ses-lambda-event.json");
    event["Records"][0]["ses"]["mail"]["messageId"] = json!(id);
    event["Records"][0]["ses"]["receipt"]["recipients"] = json!([INBOUND]);
    event
}

#[sqlx::test(migrations = "../migrations")]
async fn an_ses_receipt_event_stores_the_message_that_ses_put_in_s3(pool: PgPool) {
    let (_moto, s3) = setup(&pool).await;
    put(&s3, "inbound/msg-001", sample("001.eml")).await;
    let report = function(&pool, s3)
        .handle(&ses_event("msg-001"), chrono::Utc::now())
        .await
        .expect("handled");
    assert_eq!(report.messages.len(), 1);
    assert_eq!(report.messages[0].outcome, "stored", "{report:?}");
    let (from, source): (String, String) = sqlx::query_as(
        "SELECT e.from_email, m.source FROM email_logs e JOIN inbound_messages m ON m.email_id = e.id",
    )
    .fetch_one(&pool)
    .await
    .expect("row");
    assert_eq!(
        (from.as_str(), source.as_str()),
        ("jordan.ellis@harborlane.com", "ses")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_malformed_message_is_recorded_as_rejected_and_the_batch_goes_on(pool: PgPool) {
    let (_moto, s3) = setup(&pool).await;
    put(&s3, "email-bad", b"   \r\n".to_vec()).await;
    put(&s3, "email-good", sample("002.eml")).await;
    let mut event = fixture("example-ses-s3-event.json");
    let template = event["Records"][0].clone();
    let mut records = Vec::new();
    for key in ["email-bad", "email-missing", "email-good"] {
        let mut record = template.clone();
        record["ses"]["receipt"]["recipients"] = json!([INBOUND]);
        record["ses"]["receipt"]["action"]["bucketName"] = json!(BUCKET);
        record["ses"]["receipt"]["action"]["objectKey"] = json!(key);
        records.push(record);
    }
    event["Records"] = json!(records);
    let report = function(&pool, s3)
        .handle(&event, chrono::Utc::now())
        .await
        .expect("the batch is not failed");
    let outcomes: Vec<&str> = report.messages.iter().map(|m| m.outcome.as_str()).collect();
    assert_eq!(outcomes, ["rejected", "rejected", "stored"], "{report:?}");
    assert!(
        report.messages[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.starts_with("malformed"))
    );
    assert!(
        report.messages[1]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("does not exist"))
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM inbound_messages WHERE outcome = 'rejected'"
        )
        .await,
        2
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM email_logs").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_s3_put_event_with_an_encoded_key_is_fetched_and_stored(pool: PgPool) {
    let (_moto, s3) = setup(&pool).await;
    put(&s3, "inbound/Happy Face.eml", sample("002.eml")).await;
    let mut event = fixture("example-s3-event.json");
    event["Records"][0]["s3"]["bucket"]["name"] = json!(BUCKET);
    event["Records"][0]["s3"]["object"]["key"] = json!("inbound/Happy%20Face.eml");
    let report = function(&pool, s3)
        .handle(&event, chrono::Utc::now())
        .await
        .expect("handled");
    assert_eq!(report.messages[0].outcome, "stored", "{report:?}");
    assert_eq!(
        report.messages[0].object,
        format!("s3://{BUCKET}/inbound/Happy Face.eml")
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_spam_verdict_is_rejected(pool: PgPool) {
    let (_moto, s3) = setup(&pool).await;
    put(&s3, "inbound/msg-spam", sample("001.eml")).await;
    let mut event = ses_event("msg-spam");
    event["Records"][0]["ses"]["receipt"]["spamVerdict"]["status"] = json!("FAIL");
    let report = function(&pool, s3)
        .handle(&event, chrono::Utc::now())
        .await
        .expect("handled");
    assert_eq!(report.messages[0].outcome, "rejected");
    assert!(
        report.messages[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("spam")),
        "{report:?}"
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM email_logs").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_unreachable_database_fails_the_invocation_and_writes_nothing(pool: PgPool) {
    let (_moto, s3) = setup(&pool).await;
    put(&s3, "inbound/msg-001", sample("001.eml")).await;
    let unreachable = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect_lazy("postgres://postgres@127.0.0.1:1/trellin")
        .expect("lazy pool");
    let function = IngestFunction {
        pool: unreachable,
        ..function(&pool, s3)
    };
    let error = function
        .handle(&ses_event("msg-001"), chrono::Utc::now())
        .await
        .expect_err("must fail for a retry");
    assert!(error.to_string().contains("database"), "{error}");
    assert_eq!(
        count(&pool, "SELECT count(*) FROM inbound_messages").await,
        0
    );
    assert_eq!(count(&pool, "SELECT count(*) FROM email_logs").await, 0);
}

#[test]
fn an_event_of_another_kind_is_an_error() {
    let error = trellin_functions::lambda::ingest::jobs(
        &json!({"detail-type": "Scheduled Event"}),
        None,
        "",
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("neither an SES receipt nor an S3 notification")
    );
}
