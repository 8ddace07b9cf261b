//! The `ingest` binary under the Lambda runtime API, as `cargo lambda watch` emulates it, fed
//! an SES event with `cargo lambda invoke`.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::PgPool;
use trellin_tests::mailbox::setup_tenant;
use trellin_tests::moto::Moto;
use trellin_tests::shared_dir;

/// The folder holding `cargo-lambda` (the project's venv, else PATH).
fn cargo_lambda_dir() -> Option<PathBuf> {
    let venv = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/trellin/venv/bin"));
    venv.into_iter()
        .chain(
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths),
        )
        .find(|dir| dir.join("cargo-lambda").is_file())
}

/// Kills the process group of `watch` (it runs the function as a child) when dropped.
struct Group(std::process::Child);

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

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
    let bin = cargo_lambda_dir()
        .expect("cargo-lambda is installed (pip install cargo-lambda; .ci/run installs it)");
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
        .to_string();
    let env_vars = [
        format!("DATABASE_URL={database_url}"),
        format!("AWS_ENDPOINT_URL={}", moto.url),
        "AWS_ACCESS_KEY_ID=test".into(),
        "AWS_SECRET_ACCESS_KEY=test".into(),
        "AWS_REGION=us-east-1".into(),
        "AWS_EC2_METADATA_DISABLED=true".into(),
        "TRELLIN_INBOUND_BUCKET=trellin-inbound".into(),
    ]
    .join(",");
    let watch = Command::new("cargo")
        .args([
            "lambda",
            "watch",
            "-A",
            "127.0.0.1",
            "-P",
            &port,
            "--env-var",
            &env_vars,
        ])
        .env("PATH", &path)
        .current_dir(&workspace)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("cargo lambda watch starts");
    let _group = Group(watch);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().expect("port"))).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "cargo lambda watch did not listen"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let mut event: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/lambda/example-ses-lambda-event.json"),
        )
        .expect("fixture"),
    )
    .expect("JSON");
    event["Records"][0]["ses"]["mail"]["messageId"] = json!("msg-001");
    event["Records"][0]["ses"]["receipt"]["recipients"] =
        json!(["inbound+brightpath@in.trellin.app"]);
    let event_file =
        std::env::temp_dir().join(format!("trellin-ses-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&event_file, event.to_string()).expect("event file");
    let invoke = tokio::process::Command::new("cargo")
        .args([
            "lambda",
            "invoke",
            "-A",
            "127.0.0.1",
            "-P",
            &port,
            "ingest",
            "--data-file",
        ])
        .arg(&event_file)
        .env("PATH", &path)
        .current_dir(&workspace)
        .output()
        .await
        .expect("cargo lambda invoke runs");
    std::fs::remove_file(&event_file).ok();
    let stdout = String::from_utf8_lossy(&invoke.stdout);
    assert!(
        invoke.status.success(),
        "invoke failed: {stdout}\n{}",
        String::from_utf8_lossy(&invoke.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(stdout.trim()).expect("the function's JSON report");
    assert_eq!(report["messages"][0]["outcome"], "stored", "{report}");
    let from: String = sqlx::query_scalar("SELECT from_email FROM email_logs")
        .fetch_one(&pool)
        .await
        .expect("row");
    assert_eq!(from, "jordan.ellis@harborlane.com");
}
