//! Lambda `api`: the HTTP API (API Gateway HTTP API → `lambda_http` → the axum router).

use trellin_functions::{http, lambda};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::init_tracing();
    let config = trellin::config::Config::from_env()?;
    let pool = lambda::pool(&config)?;
    lambda_http::run(http::router(http::AppState::new(pool, &config, None))).await
}
