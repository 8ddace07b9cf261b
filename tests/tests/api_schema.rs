//! `schemathesis` (PyPI) against `trellin serve`, using the OpenAPI document the server
//! serves: thousands of generated requests over every endpoint, with real ids of the sample
//! mailbox's customers and staff, find no server error, no undocumented status and no
//! response that breaks the schema.

use std::process::Stdio;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use trellin_tests::mailbox::ingest;

/// Stops the server when the test ends, however it ends.
struct Server(tokio::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.start_kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

#[sqlx::test(migrations = "../migrations")]
async fn schemathesis_finds_nothing_wrong_with_the_served_api(pool: PgPool) {
    let now = "2026-11-20T20:00:00Z";
    let tenant = ingest(&pool, now.parse().expect("time")).await;
    let (key, _) = trellin::api_key::create(&pool, tenant.id, "schemathesis")
        .await
        .expect("key");
    let customer: uuid::Uuid = sqlx::query_scalar(
        "SELECT id FROM customers WHERE user_id = $1 AND flagged_issues LIMIT 1",
    )
    .bind(tenant.id)
    .fetch_one(&pool)
    .await
    .expect("a customer");
    let employee: uuid::Uuid = sqlx::query_scalar(
        "SELECT id FROM employees WHERE user_id = $1 AND email = 'tom@brightpath.io'",
    )
    .bind(tenant.id)
    .fetch_one(&pool)
    .await
    .expect("a staff member");
    let schemathesis = trellin_tests::tool_dir("schemathesis")
        .expect("schemathesis is installed (pip install schemathesis; .ci/run installs it)")
        .join("schemathesis");

    let http = free_port();
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let _server = Server(
        tokio::process::Command::new("cargo")
            .args(["run", "-q", "--bin", "trellin", "--", "serve", "--now", now])
            .args(["--http", &format!("127.0.0.1:{http}")])
            .args(["--smtp", &format!("127.0.0.1:{}", free_port())])
            .env("DATABASE_URL", trellin_tests::database_url(&pool))
            .current_dir(&workspace)
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("trellin serve starts"),
    );
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", http))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "trellin serve did not listen"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let config = std::env::temp_dir().join(format!("schemathesis-{}.toml", uuid::Uuid::new_v4()));
    std::fs::write(
        &config,
        format!(
            "[[operations]]\ninclude-path = \"/api/v1/insights/customers/{{id}}/analysis\"\nparameters = {{ id = \"{customer}\" }}\n\n\
             [[operations]]\ninclude-path = \"/api/v1/insights/employees/{{id}}/analysis\"\nparameters = {{ id = \"{employee}\" }}\n"
        ),
    )
    .expect("config");
    let run = tokio::process::Command::new(&schemathesis)
        .arg("--config-file")
        .arg(&config)
        .args([
            "run",
            &format!("http://127.0.0.1:{http}/api/v1/openapi.json"),
        ])
        .args(["--checks", "all", "--max-examples", "40", "--workers", "1"])
        .args(["-H", &format!("Authorization: Bearer {key}")])
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .await
        .expect("schemathesis runs");
    std::fs::remove_file(&config).ok();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success() && out.contains("No issues found"),
        "schemathesis found problems:\n{out}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        out.contains("Tested: 7"),
        "every endpoint was tested:\n{out}"
    );
}
