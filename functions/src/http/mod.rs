//! The HTTP API as one axum `Router`, served by `trellin serve` locally and by `lambda_http`
//! in the `api` function: the owner's questions and analyses under `/api/v1` (per-tenant API
//! keys), raw MIME at `POST /api/v1/inbound` (the tenant's inbound secret), and the OpenAPI
//! document generated from the handlers at `/api/v1/openapi.json`.

mod inbound;
mod insights;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::Serialize;
use sqlx::PgPool;
use trellin::ingest::Settings;
use trellin::insights::phrasing::Phraser;
use utoipa::OpenApi;

/// What the handlers share: built once, before serving.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub settings: Settings,
    /// A fixed current time (`--now`, `TRELLIN_NOW`); the clock when `None`.
    pub now: Option<chrono::DateTime<Utc>>,
    /// Phrases answers when a model is configured for it.
    pub phraser: Option<Phraser>,
}

impl AppState {
    /// The state a configuration describes, over an open pool.
    pub fn new(
        pool: PgPool,
        config: &trellin::config::Config,
        now: Option<chrono::DateTime<Utc>>,
    ) -> AppState {
        AppState {
            pool,
            settings: config.ingest_settings(),
            now,
            phraser: config.phraser(),
        }
    }

    /// The current time: fixed, or the clock.
    pub fn now(&self) -> chrono::DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }
}

/// The API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/health", get(insights::health))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/ask", get(insights::ask))
        .route("/api/v1/insights/qa-analysis", get(insights::qa_analysis))
        .route(
            "/api/v1/insights/customers/{id}/analysis",
            get(insights::customer),
        )
        .route(
            "/api/v1/insights/employees/{id}/analysis",
            get(insights::employee),
        )
        .route(
            "/api/v1/insights/daily-summary",
            get(insights::daily_summary),
        )
        .route("/api/v1/insights/emails", get(insights::emails))
        .route("/api/v1/inbound", post(inbound::inbound))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
        .with_state(Arc::new(state))
}

/// The OpenAPI document of the API, generated from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(title = "Trellin API", description = "The owner's questions about their customers, answered from the database."),
    paths(
        insights::health,
        insights::ask,
        insights::qa_analysis,
        insights::customer,
        insights::employee,
        insights::daily_summary,
        insights::emails,
    ),
    components(schemas(ApiError)),
    modifiers(&BearerKey),
    security(("api_key" = []))
)]
pub struct ApiDoc;

struct BearerKey;

impl utoipa::Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A tenant API key from `trellin key create`"))
                    .build(),
            ),
        );
    }
}

async fn openapi() -> Response {
    axum::Json(ApiDoc::openapi()).into_response()
}

/// An error as every endpoint answers it: a stable code and a message for people.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    /// `bad_request`, `unauthorized`, `not_found`, `internal` or `unavailable`.
    pub error: String,
    pub message: String,
}

pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(ApiError {
            error: code.to_owned(),
            message: message.to_owned(),
        }),
    )
        .into_response()
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The tenant whose API key authorised the request.
pub struct Tenant(pub uuid::Uuid);

impl FromRequestParts<Arc<AppState>> for Tenant {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Tenant, Response> {
        let unauthorized = || {
            error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send a tenant API key as `Authorization: Bearer <key>` (trellin key create)",
            )
        };
        let key = bearer(&parts.headers).ok_or_else(unauthorized)?;
        match trellin::api_key::authenticate(&state.pool, key, state.now()).await {
            Ok(Some(tenant)) => Ok(Tenant(tenant)),
            Ok(None) => Err(unauthorized()),
            Err(failure) => {
                tracing::error!(error = ?anyhow::Error::from(failure), "API key lookup failed");
                Err(error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "temporarily unavailable; retry later",
                ))
            }
        }
    }
}
