//! What customers are waiting on from us: the item, the customer, since when, who owns it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::speech::{and_more, first_name, since};
use super::{Filter, InsightsError, Party, SHOWN, Scope};

/// Something a customer waits for.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WaitingItem {
    pub item: String,
    pub customer: Party,
    /// When the customer asked for it.
    pub since: DateTime<Utc>,
    /// The staff member the asking email belongs to.
    pub employee: Option<Party>,
    /// The email that asked for it.
    pub email_id: Option<Uuid>,
}

/// The open waiting items, oldest first.
///
/// # Errors
/// A database failure.
pub async fn load(
    pool: &PgPool,
    scope: &Scope,
    filter: &Filter,
) -> Result<Vec<WaitingItem>, InsightsError> {
    let (from, to) = filter.bounds(scope);
    let rows = sqlx::query!(
        r#"SELECT w.description, w.since, w.email_id, c.id AS customer_id, c.name AS customer_name,
                  c.known_emails->>0 AS customer_email,
                  m.id AS "employee_id?", m.name AS "employee_name?", m.email AS "employee_email?"
           FROM waiting_items w
           JOIN customers c ON c.id = w.customer_id
           LEFT JOIN employees m ON m.id = w.employee_id
           WHERE w.user_id = $1 AND ($2::uuid IS NULL OR w.customer_id = $2)
             AND ($3::uuid IS NULL OR w.employee_id = $3)
             AND ($4::timestamp IS NULL OR w.since >= $4) AND w.since < $5
           ORDER BY w.since, c.name"#,
        scope.tenant,
        filter.customer,
        filter.employee,
        from,
        to
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| WaitingItem {
            item: r.description,
            customer: Party::new(r.customer_id, r.customer_name, r.customer_email),
            since: r.since.and_utc(),
            employee: Party::maybe(r.employee_id, r.employee_name, r.employee_email),
            email_id: r.email_id,
        })
        .collect())
}

/// "Waiting on us (5)" with a line per item.
pub fn describe(items: &[WaitingItem], scope: &Scope) -> String {
    if items.is_empty() {
        return "Nobody is waiting on us. 🎉".to_owned();
    }
    let mut lines = vec![format!("Waiting on us ({}):", items.len())];
    for item in items.iter().take(SHOWN) {
        let owner = item
            .employee
            .as_ref()
            .map(|e| format!(" · {}", first_name(&e.name)))
            .unwrap_or_default();
        lines.push(format!(
            "• {} — {} · {}{owner}",
            item.customer.name,
            item.item,
            since(item.since, scope.now, scope.zone)
        ));
    }
    lines.extend(and_more(items.len(), SHOWN));
    lines.join("\n")
}
