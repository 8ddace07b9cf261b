//! Lambda adapters: each turns its event into calls of the domain and the result into a
//! response. The binaries in `src/bin` only build these once and hand them to the runtime.

pub mod digest;
pub mod ingest;

use sqlx::postgres::PgPoolOptions;

/// A small pool for one function instance (Lambda runs one request at a time per instance),
/// connected on first use so that a cold start does not wait for the database.
///
/// # Errors
/// No `DATABASE_URL`, or one that is not a PostgreSQL URL.
pub fn pool(config: &trellin::config::Config) -> Result<sqlx::PgPool, ingest::InvocationError> {
    let url = config
        .database_url
        .as_deref()
        .ok_or(ingest::InvocationError::NoDatabase)?;
    Ok(PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect_lazy_with(
            trellin::db::options(url).map_err(ingest::InvocationError::BadDatabaseUrl)?,
        ))
}

/// Logs for CloudWatch: plain lines without colours, level from `RUST_LOG`.
pub fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_ansi(false)
        .without_time()
        .init();
}
