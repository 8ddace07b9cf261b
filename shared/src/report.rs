//! Read-only views of a tenant's customers and staff, for the CLI and the demo.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// A customer and how much mail is stored for them.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerLine {
    pub name: String,
    pub known_emails: Vec<String>,
    pub emails: i64,
    pub last_email: Option<DateTime<Utc>>,
}

/// A staff member and their reply statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct EmployeeLine {
    pub email: String,
    pub inbound_handled: i64,
    pub replied: i64,
    pub avg_reply_time: f32,
    pub responsiveness_score: f32,
}

/// The tenant's customers, by name.
///
/// # Errors
/// A database failure.
pub async fn customers(pool: &PgPool, tenant: Uuid) -> Result<Vec<CustomerLine>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT c.name, c.known_emails AS "known_emails: sqlx::types::Json<Vec<String>>", c.last_email_date,
                  (SELECT count(*) FROM email_logs e WHERE e.customer_id = c.id) AS "emails!"
           FROM customers c WHERE c.user_id = $1 ORDER BY c.name"#,
        tenant
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| CustomerLine {
            name: r.name,
            known_emails: r.known_emails.map(|j| j.0).unwrap_or_default(),
            emails: r.emails,
            last_email: r.last_email_date.map(|d| d.and_utc()),
        })
        .collect())
}

/// The tenant's staff, by email.
///
/// # Errors
/// A database failure.
pub async fn employees(pool: &PgPool, tenant: Uuid) -> Result<Vec<EmployeeLine>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT m.email, COALESCE(m.avg_reply_time, 0) AS "avg!", COALESCE(m.responsiveness_score, 0) AS "resp!",
                  (SELECT count(*) FROM email_logs e WHERE e.employee_id = m.id AND e.direction = 'inbound' AND NOT e.is_automatic) AS "handled!",
                  (SELECT count(*) FROM email_logs e WHERE e.employee_id = m.id AND e.direction = 'inbound' AND e.replied) AS "replied!"
           FROM employees m WHERE m.user_id = $1 ORDER BY m.email"#,
        tenant
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| EmployeeLine {
            email: r.email,
            inbound_handled: r.handled,
            replied: r.replied,
            avg_reply_time: r.avg,
            responsiveness_score: r.resp,
        })
        .collect())
}
