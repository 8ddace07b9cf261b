//! Helpers for Trellin's end-to-end tests: where the shared test data lives, and a fresh
//! database per test.

use std::path::PathBuf;

/// The read-only folder of design and test data beside the project (`../shared`), or
/// `TRELLIN_SHARED_DIR` when set.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("TRELLIN_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("..")
                .join("shared")
        })
}

/// A folder of the corpus, e.g. `corpus("email-forward-parser")`.
pub fn corpus(name: &str) -> PathBuf {
    shared_dir().join("corpus").join(name)
}

/// Reads a JSON file of the shared data.
pub fn read_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON in {}: {e}", path.display()))
}

pub mod hooks;
pub mod lambda;

/// The folder holding a tool the tests drive (`cargo-lambda`, `schemathesis`, `moto_server`):
/// the project's venv (`~/.cache/trellin/venv/bin`, where `.ci/run` installs them), else PATH.
pub fn tool_dir(name: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/trellin/venv/bin"));
    venv.into_iter()
        .chain(
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths),
        )
        .find(|dir| dir.join(name).is_file())
}
pub mod mailbox;
pub mod moto;
pub mod standin;

/// The URL of a test's own database: `DATABASE_URL` (with its credentials) pointed at the
/// database the pool uses.
pub fn database_url(pool: &sqlx::PgPool) -> String {
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL is set for database tests");
    let (url, query) = base
        .split_once('?')
        .map_or((base.as_str(), None), |(u, q)| (u, Some(q)));
    let authority_end = url.find("://").map_or(0, |i| i + 3);
    let server = match url[authority_end..].find('/') {
        Some(slash) => &url[..authority_end + slash],
        None => url,
    };
    let database = pool
        .connect_options()
        .get_database()
        .unwrap_or("postgres")
        .to_owned();
    match query {
        Some(q) => format!("{server}/{database}?{q}"),
        None => format!("{server}/{database}"),
    }
}

/// A count from a test's database.
pub async fn count(pool: &sqlx::PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .expect("count")
}

/// Runs a `trellin` command in-process, through the same `run` the binary calls, with `stdin`
/// as its input; returns its result and what it wrote.
pub async fn trellin(
    args: &[&str],
    config: &trellin::config::Config,
    stdin: &str,
) -> (anyhow::Result<()>, String) {
    use clap::Parser;
    let cli = trellin_functions::cli::Cli::try_parse_from(
        std::iter::once("trellin").chain(args.iter().copied()),
    )
    .expect("valid arguments");
    let mut input = std::io::Cursor::new(stdin.as_bytes().to_vec());
    let mut output = Vec::new();
    let result = trellin_functions::cli::run(
        cli,
        config,
        &mut trellin_functions::cli::Io {
            stdin: &mut input,
            stdout: &mut output,
        },
    )
    .await;
    (result, String::from_utf8(output).expect("UTF-8 output"))
}

/// A configuration for commands that need no database (`parse`, `analyze`).
pub fn offline_config() -> trellin::config::Config {
    trellin::config::Config {
        data_dir: std::env::temp_dir().join("trellin-unused"),
        ..trellin::config::Config::default()
    }
}

/// A tenant without mail in an IANA zone: slug `slug`, domain `slug.example`.
pub async fn tenant_in(pool: &sqlx::PgPool, slug: &str, zone: &str) -> uuid::Uuid {
    trellin::tenant::create(
        pool,
        trellin::tenant::NewTenant {
            name: format!("Owner {slug}"),
            email: format!("owner@{slug}.example"),
            company: Some(format!("Agency {slug}")),
            domain: Some(format!("{slug}.example")),
            slug: Some(slug.into()),
            timezone: Some(zone.into()),
        },
    )
    .await
    .expect("tenant")
    .id
}

/// Helpers the benches share: their settings from the environment, and how they print times.
pub mod bench {
    use std::time::Duration;

    /// The server a bench creates its database on: `DATABASE_URL`, else the local default.
    pub fn admin_url() -> String {
        std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
    }

    /// A number from the environment (`BENCH_RUNS`, …), or `default`.
    pub fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// A duration in milliseconds, one decimal.
    pub fn ms(d: Duration) -> String {
        format!("{:.1} ms", d.as_secs_f64() * 1000.0)
    }
}
