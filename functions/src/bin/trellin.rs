//! The local command line: `trellin parse`, `migrate`, `demo`, …

#[tokio::main]
async fn main() -> std::process::ExitCode {
    trellin_functions::cli::main().await
}
