//! Emails that still need a reply or an action, oldest first, with how long they have
//! waited. Automatic mail (auto-replies, bounces) never counts.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::speech::{and_more, duration, first_name, when};
use super::{Filter, InsightsError, Party, SHOWN, Scope};

/// An inbound email that needs a reply or an action.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReplyDue {
    pub email_id: Uuid,
    pub customer: Party,
    pub from_email: String,
    pub subject: String,
    pub received_at: DateTime<Utc>,
    /// Minutes since it was sent.
    pub waiting_minutes: i64,
    pub employee: Option<Party>,
    pub sentiment: Option<String>,
    pub flagged: bool,
}

/// The most emails one answer lists.
const LIMIT: i64 = 500;

/// The emails still needing a reply, oldest first.
///
/// # Errors
/// A database failure.
pub async fn load(
    pool: &PgPool,
    scope: &Scope,
    filter: &Filter,
) -> Result<Vec<ReplyDue>, InsightsError> {
    let (from, to) = filter.bounds(scope);
    let rows = sqlx::query!(
        r#"SELECT l.id, l.subject, l.timestamp, l.from_email, l.sentiment, l.flagged,
                  c.id AS customer_id, c.name AS customer_name, c.known_emails->>0 AS customer_email,
                  m.id AS "employee_id?", m.name AS "employee_name?", m.email AS "employee_email?"
           FROM email_logs l
           JOIN customers c ON c.id = l.customer_id
           LEFT JOIN employees m ON m.id = l.employee_id
           WHERE l.user_id = $1 AND l.direction = 'inbound' AND l.action_needed
             AND NOT l.replied AND NOT l.is_automatic
             AND ($2::uuid IS NULL OR l.customer_id = $2) AND ($3::uuid IS NULL OR l.employee_id = $3)
             AND ($4::timestamp IS NULL OR l.timestamp >= $4) AND l.timestamp < $5
           ORDER BY l.timestamp, l.id
           LIMIT $6"#,
        scope.tenant,
        filter.customer,
        filter.employee,
        from,
        to,
        LIMIT
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let received_at = r.timestamp.and_utc();
            ReplyDue {
                email_id: r.id,
                customer: Party::new(r.customer_id, r.customer_name, r.customer_email),
                from_email: r.from_email,
                subject: r.subject.unwrap_or_default(),
                received_at,
                waiting_minutes: (scope.now - received_at).num_minutes().max(0),
                employee: Party::maybe(r.employee_id, r.employee_name, r.employee_email),
                sentiment: r.sentiment,
                flagged: r.flagged,
            }
        })
        .collect())
}

/// "5 emails need a reply, oldest first:" with a line per email.
pub fn describe(items: &[ReplyDue], scope: &Scope) -> String {
    if items.is_empty() {
        return "No email is waiting for a reply. 🎉".to_owned();
    }
    let mut lines = vec![format!(
        "{} email{} a reply, oldest first:",
        items.len(),
        if items.len() == 1 { " needs" } else { "s need" }
    )];
    for item in items.iter().take(SHOWN) {
        let owner = item
            .employee
            .as_ref()
            .map(|e| format!(" · {}", first_name(&e.name)))
            .unwrap_or_default();
        let flag = if item.flagged { " ⚑" } else { "" };
        lines.push(format!(
            "• {}{flag} — “{}” ({}), waiting {}{owner}",
            item.customer.name,
            item.subject,
            when(item.received_at, scope.now, scope.zone),
            duration(item.waiting_minutes as f64)
        ));
    }
    lines.extend(and_more(items.len(), SHOWN));
    lines.join("\n")
}
