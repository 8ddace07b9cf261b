//! Lambda adapters: each turns its event into calls of the domain and the result into a
//! response. The binaries in `src/bin` only build these once and hand them to the runtime.

pub mod ingest;

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
