//! `trellin serve`: the SMTP receiver and the HTTP API on this machine.

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;
use trellin::config::Config;

use super::Io;
use crate::http::{AppState, router};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen for SMTP.
    #[arg(long, default_value = "127.0.0.1:2525")]
    pub smtp: String,
    /// Where to serve the HTTP API.
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub http: String,
}

/// Serves until Ctrl-C; `now`, when given, is the time every message is received at.
pub async fn run(
    args: ServeArgs,
    config: &Config,
    now: Option<DateTime<Utc>>,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let pool = super::database(config).await?;
    let state = AppState::new(pool, config, now);
    let smtp = tokio::net::TcpListener::bind(&args.smtp)
        .await
        .with_context(|| format!("cannot listen on {}", args.smtp))?;
    let http = tokio::net::TcpListener::bind(&args.http)
        .await
        .with_context(|| format!("cannot listen on {}", args.http))?;
    writeln!(
        io.stdout,
        "SMTP on {}, HTTP on {} (the API under /api/v1, its description at /api/v1/openapi.json); Ctrl-C stops",
        smtp.local_addr()?,
        http.local_addr()?
    )?;
    io.stdout.flush()?;
    let app = router(state.clone());
    tokio::select! {
        result = crate::smtp::serve(smtp, state) => result.context("SMTP server failed")?,
        result = axum::serve(http, app) => result.context("HTTP server failed")?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
