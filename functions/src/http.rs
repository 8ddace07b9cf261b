//! The HTTP API as one axum `Router`, served by `trellin serve` locally and by `lambda_http`
//! on Lambda. For now it takes raw MIME at `POST /api/v1/inbound`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgPool;
use trellin::ingest::{self, Inbound, Outcome, Rejection, Settings, Source};

/// What the handlers share: built once, before serving.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: Settings,
    /// A fixed current time (`--now`, `TRELLIN_NOW`); the clock when `None`.
    pub now: Option<chrono::DateTime<Utc>>,
}

impl AppState {
    /// The time a message is received at.
    pub fn now(&self) -> chrono::DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }
}

/// The API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/inbound", post(inbound))
        .with_state(Arc::new(state))
}

#[derive(Debug, Deserialize)]
struct InboundQuery {
    /// The envelope recipient(s), comma-separated: the tenant's inbound address.
    to: Option<String>,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// `POST /api/v1/inbound?to=<inbound address>` with the raw message as the body and
/// `Authorization: Bearer <the tenant's inbound secret>`.
async fn inbound(
    State(state): State<Arc<AppState>>,
    Query(query): Query<InboundQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let recipients: Vec<String> = query
        .to
        .unwrap_or_default()
        .split(',')
        // An unencoded `+` in `inbound+slug@…` arrives as a space; addresses have no spaces.
        .map(|r| r.trim().replace(' ', "+").to_lowercase())
        .filter(|r| !r.is_empty())
        .collect();
    if recipients.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "name the envelope recipient: ?to=<inbound address>",
        );
    }
    if body.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "the request body must be the raw message",
        );
    }
    let message = Inbound::new(body.to_vec(), Source::Http, recipients);
    match ingest::ingest_with_secret(
        &state.pool,
        &message,
        bearer(&headers),
        state.now(),
        &state.settings,
    )
    .await
    {
        Ok(result) => {
            let status = match &result.outcome {
                Outcome::Rejected(Rejection::Unauthorized) => StatusCode::UNAUTHORIZED,
                Outcome::Rejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
                Outcome::Stored { .. } | Outcome::Duplicate { .. } => StatusCode::OK,
            };
            let body = json!({
                "outcome": result.outcome.as_str(),
                "reason": result.outcome.reason(),
                "email_id": result.outcome.email_id(),
                "record_id": result.record_id,
                "tenant": result.tenant,
            });
            (status, axum::Json(body)).into_response()
        }
        Err(failure) => {
            tracing::error!(error = ?anyhow::Error::from(failure), "inbound message not ingested");
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unable to store the message; retry later",
            )
        }
    }
}
