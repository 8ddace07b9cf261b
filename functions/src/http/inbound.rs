//! `POST /api/v1/inbound?to=<inbound address>`: raw MIME from a mail relay, authorised by the
//! addressed tenant's inbound secret.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use trellin::ingest::{self, Inbound, Outcome, Rejection, Source};

use super::{AppState, bearer, error};

#[derive(Debug, Deserialize)]
pub struct InboundQuery {
    /// The envelope recipient(s), comma-separated: the tenant's inbound address.
    to: Option<String>,
}

/// `POST /api/v1/inbound?to=<inbound address>` with the raw message as the body and
/// `Authorization: Bearer <the tenant's inbound secret>`.
pub async fn inbound(
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
            "bad_request",
            "name the envelope recipient: ?to=<inbound address>",
        );
    }
    if body.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
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
                "unavailable",
                "temporarily unable to store the message; retry later",
            )
        }
    }
}
