//! The record of every message received and what became of it: the operator's answer to
//! "did my forward arrive, and why was it refused?".

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

/// One message received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Received {
    pub id: Uuid,
    pub received_at: DateTime<Utc>,
    pub tenant: Option<String>,
    pub source: String,
    pub envelope_recipients: Vec<String>,
    pub message_id: Option<String>,
    pub from_email: Option<String>,
    pub subject: Option<String>,
    pub size_bytes: i32,
    pub outcome: String,
    pub reason: Option<String>,
    pub email_id: Option<Uuid>,
}

/// Which records to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub tenant: Option<Uuid>,
    /// `stored`, `duplicate` or `rejected`.
    pub outcome: Option<String>,
    pub limit: Option<i64>,
}

/// Lists received messages, newest first.
///
/// # Errors
/// A database failure.
pub async fn list(pool: &PgPool, filter: &Filter) -> Result<Vec<Received>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT m.id, m.received_at, u.slug AS "slug?", m.source, m.envelope_recipients, m.message_id,
                  m.from_email, m.subject, m.size_bytes, m.outcome, m.reason, m.email_id
           FROM inbound_messages m LEFT JOIN users u ON u.id = m.user_id
           WHERE ($1::uuid IS NULL OR m.user_id = $1) AND ($2::text IS NULL OR m.outcome = $2)
           ORDER BY m.received_at DESC, m.id DESC
           LIMIT $3"#,
        filter.tenant,
        filter.outcome,
        filter.limit.unwrap_or(i64::MAX)
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Received {
            id: r.id,
            received_at: r.received_at.and_utc(),
            tenant: r.slug,
            source: r.source,
            envelope_recipients: r.envelope_recipients,
            message_id: r.message_id,
            from_email: r.from_email,
            subject: r.subject,
            size_bytes: r.size_bytes,
            outcome: r.outcome,
            reason: r.reason,
            email_id: r.email_id,
        })
        .collect())
}
