//! The insight endpoints: each turns its request into one call of `trellin::insights`, scoped
//! to the tenant of the request's API key, and the result into JSON. Another tenant's customer
//! or staff member is a 404, exactly like one that does not exist.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use trellin::insights::customer::CustomerReport;
use trellin::insights::emails::{self, Cursor, EmailPage, EmailQuery};
use trellin::insights::employee::EmployeeReport;
use trellin::insights::summary::DailySummary;
use trellin::insights::{self, Answer, Dashboard, InsightsError, Period, Scope};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{ApiError, AppState, Tenant, error};

/// A failed request: its status, stable code and message, answered as JSON.
pub struct Failure {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        error(self.status, self.code, &self.message)
    }
}

impl From<InsightsError> for Failure {
    fn from(failure: InsightsError) -> Failure {
        match failure {
            InsightsError::NotFound(what) => Failure {
                status: StatusCode::NOT_FOUND,
                code: "not_found",
                message: format!("no such {what}"),
            },
            InsightsError::Database(cause) => {
                tracing::error!(error = ?anyhow::Error::from(cause), "insight query failed");
                Failure {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "internal",
                    message: "something went wrong on our side".to_owned(),
                }
            }
        }
    }
}

fn bad_request(message: impl std::fmt::Display) -> Failure {
    Failure {
        status: StatusCode::BAD_REQUEST,
        code: "bad_request",
        message: message.to_string(),
    }
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, Failure> {
    q.map(|Query(q)| q).map_err(|e| bad_request(e.body_text()))
}

fn path<T>(p: Result<Path<T>, PathRejection>) -> Result<T, Failure> {
    p.map(|Path(p)| p).map_err(|e| bad_request(e.body_text()))
}

async fn scope(state: &AppState, tenant: Uuid) -> Result<Scope, Failure> {
    Ok(Scope::load(
        &state.pool,
        tenant,
        state.settings.responsive_within_minutes,
        state.now(),
    )
    .await?)
}

/// A period of the query string: `from` and `to` as RFC 3339 times.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// Start of the period (inclusive), RFC 3339.
    from: Option<DateTime<Utc>>,
    /// End of the period (exclusive), RFC 3339; default now.
    to: Option<DateTime<Utc>>,
}

impl PeriodQuery {
    /// The period asked for; one that ends before it starts holds nothing.
    fn period(&self, now: DateTime<Utc>) -> Option<Period> {
        match (self.from, self.to) {
            (None, None) => None,
            (from, to) => Some(Period {
                from,
                to: to.unwrap_or(now),
            }),
        }
    }
}

/// Whether the service is up.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    pub database: bool,
}

/// Liveness, without authentication.
#[utoipa::path(get, path = "/api/v1/health", security(()), tag = "service",
    responses((status = 200, description = "The service answers", body = Health)))]
pub async fn health(State(state): State<Arc<AppState>>) -> Json<Health> {
    let database = sqlx::query("SELECT 1").execute(&state.pool).await.is_ok();
    Json(Health {
        status: "ok".to_owned(),
        database,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AskQuery {
    /// The question in free text ("who's annoyed with us this week?").
    #[param(min_length = 1, pattern = r"\S")]
    q: String,
}

/// Any question in free text; the same answer as `trellin ask --json`.
#[utoipa::path(get, path = "/api/v1/ask", params(AskQuery), tag = "insights",
    responses((status = 200, body = Answer), (status = 400, body = ApiError),
              (status = 401, body = ApiError)))]
pub async fn ask(
    State(state): State<Arc<AppState>>,
    Tenant(tenant): Tenant,
    q: Result<Query<AskQuery>, QueryRejection>,
) -> Result<Json<Answer>, Failure> {
    let q = query(q)?;
    if q.q.trim().is_empty() {
        return Err(bad_request("ask something: ?q=<question>"));
    }
    let scope = scope(&state, tenant).await?;
    let answer = insights::ask(&state.pool, &scope, &q.q).await?;
    Ok(Json(match &state.phraser {
        Some(phraser) => phraser.phrase(answer).await,
        None => answer,
    }))
}

/// The six questions at once (the Q&A dashboard).
#[utoipa::path(get, path = "/api/v1/insights/qa-analysis", params(PeriodQuery), tag = "insights",
    responses((status = 200, body = Dashboard), (status = 400, body = ApiError),
              (status = 401, body = ApiError)))]
pub async fn qa_analysis(
    State(state): State<Arc<AppState>>,
    Tenant(tenant): Tenant,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<Dashboard>, Failure> {
    let q = query(q)?;
    let period = q.period(state.now());
    let scope = scope(&state, tenant).await?;
    Ok(Json(
        insights::dashboard(&state.pool, &scope, period).await?,
    ))
}

/// One customer: satisfaction, trend, recent emails, open items, the next step.
#[utoipa::path(get, path = "/api/v1/insights/customers/{id}/analysis", tag = "insights",
    params(("id" = Uuid, Path, description = "The customer's id")),
    responses((status = 200, body = CustomerReport), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn customer(
    State(state): State<Arc<AppState>>,
    Tenant(tenant): Tenant,
    id: Result<Path<Uuid>, PathRejection>,
) -> Result<Json<CustomerReport>, Failure> {
    let id = path(id)?;
    let scope = scope(&state, tenant).await?;
    Ok(Json(
        insights::customer::load(&state.pool, &scope, id).await?,
    ))
}

/// One staff member: reply figures, what waits on them, tasks, their customers.
#[utoipa::path(get, path = "/api/v1/insights/employees/{id}/analysis", tag = "insights",
    params(("id" = Uuid, Path, description = "The staff member's id"), PeriodQuery),
    responses((status = 200, body = EmployeeReport), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn employee(
    State(state): State<Arc<AppState>>,
    Tenant(tenant): Tenant,
    id: Result<Path<Uuid>, PathRejection>,
    q: Result<Query<PeriodQuery>, QueryRejection>,
) -> Result<Json<EmployeeReport>, Failure> {
    let id = path(id)?;
    let q = query(q)?;
    let scope = scope(&state, tenant).await?;
    let period = q
        .period(scope.now)
        .unwrap_or_else(|| Period::last_days(scope.now, insights::DEFAULT_DAYS));
    Ok(Json(
        insights::employee::load(&state.pool, &scope, id, &period).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// The day (YYYY-MM-DD) in the tenant's time zone; default today.
    date: Option<NaiveDate>,
}

/// The summary of a day in the tenant's time zone, stored in `daily_summaries`.
#[utoipa::path(get, path = "/api/v1/insights/daily-summary", params(SummaryQuery), tag = "insights",
    responses((status = 200, body = DailySummary), (status = 400, body = ApiError),
              (status = 401, body = ApiError)))]
pub async fn daily_summary(
    State(state): State<Arc<AppState>>,
    Tenant(tenant): Tenant,
    q: Result<Query<SummaryQuery>, QueryRejection>,
) -> Result<Json<DailySummary>, Failure> {
    let q = query(q)?;
    let scope = scope(&state, tenant).await?;
    let date = q.date.unwrap_or_else(|| scope.today());
    Ok(Json(
        insights::summary::compute(&state.pool, &scope, date).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmailsQuery {
    /// Only this customer's emails.
    customer: Option<Uuid>,
    /// Only this staff member's emails.
    employee: Option<Uuid>,
    /// `happy`, `neutral` or `unhappy`.
    #[param(pattern = "^(happy|neutral|unhappy)$")]
    sentiment: Option<String>,
    action_needed: Option<bool>,
    flagged: Option<bool>,
    /// Sent at or after, RFC 3339.
    from: Option<DateTime<Utc>>,
    /// Sent before, RFC 3339.
    to: Option<DateTime<Utc>>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9a-f]{1,16}\.[0-9a-f]{32}$")]
    cursor: Option<String>,
    /// Emails per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// The tenant's emails with customer, staff member and insight, newest first.
#[utoipa::path(get, path = "/api/v1/insights/emails", params(EmailsQuery), tag = "insights",
    responses((status = 200, body = EmailPage), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 404, body = ApiError)))]
pub async fn emails(
    State(state): State<Arc<AppState>>,
    Tenant(tenant): Tenant,
    q: Result<Query<EmailsQuery>, QueryRejection>,
) -> Result<Json<EmailPage>, Failure> {
    let q = query(q)?;
    if let Some(s) = q.sentiment.as_deref()
        && !["happy", "neutral", "unhappy"].contains(&s)
    {
        return Err(bad_request("sentiment must be happy, neutral or unhappy"));
    }
    if q.limit
        .is_some_and(|l| !(1..=emails::MAX_LIMIT).contains(&l))
    {
        return Err(bad_request("limit must be from 1 to 200"));
    }
    let cursor = match q.cursor.as_deref() {
        Some(text) => Some(Cursor::decode(text).ok_or_else(|| bad_request("unknown cursor"))?),
        None => None,
    };
    let scope = scope(&state, tenant).await?;
    let page = emails::list(
        &state.pool,
        &scope,
        &EmailQuery {
            customer: q.customer,
            employee: q.employee,
            sentiment: q.sentiment,
            action_needed: q.action_needed,
            flagged: q.flagged,
            from: q.from,
            to: q.to,
            cursor,
            limit: q.limit,
        },
    )
    .await?;
    Ok(Json(page))
}
