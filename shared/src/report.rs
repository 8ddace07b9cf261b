//! Read-only views of a tenant's customers, staff, emails and tasks, for the CLI and the demo.

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
    pub total_tasks: i32,
    pub completed_tasks: i32,
    pub pending_tasks: i32,
    pub overdue_tasks: i32,
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
                  (SELECT count(*) FROM email_logs e WHERE e.employee_id = m.id AND e.direction = 'inbound' AND e.replied) AS "replied!",
                  COALESCE(m.total_tasks, 0) AS "total!", COALESCE(m.completed_tasks, 0) AS "completed!",
                  COALESCE(m.pending_tasks, 0) AS "pending!", COALESCE(m.overdue_tasks, 0) AS "overdue!"
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
            total_tasks: r.total,
            completed_tasks: r.completed,
            pending_tasks: r.pending,
            overdue_tasks: r.overdue,
        })
        .collect())
}

/// A customer's health.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthLine {
    pub customer: Uuid,
    pub name: String,
    pub primary_domain: Option<String>,
    pub known_emails: Vec<String>,
    pub sentiment: String,
    pub trend: Option<String>,
    pub flagged: bool,
    pub waiting_on: Vec<String>,
    pub current_projects: Vec<String>,
}

/// Every customer's health, flagged and unhappy first.
///
/// # Errors
/// A database failure.
pub async fn health(pool: &PgPool, tenant: Uuid) -> Result<Vec<HealthLine>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT c.id, c.name, c.primary_domain, COALESCE(c.overall_sentiment, 'neutral') AS "sentiment!",
                  c.sentiment_trend, COALESCE(c.flagged_issues, false) AS "flagged!",
                  c.known_emails AS "known_emails: sqlx::types::Json<Vec<String>>",
                  c.waiting_on AS "waiting_on: sqlx::types::Json<Vec<String>>",
                  c.current_projects AS "projects: sqlx::types::Json<Vec<String>>"
           FROM customers c WHERE c.user_id = $1
           ORDER BY COALESCE(c.flagged_issues, false) DESC,
                    CASE c.overall_sentiment WHEN 'unhappy' THEN 0 WHEN 'neutral' THEN 1 ELSE 2 END, c.name"#,
        tenant
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| HealthLine {
            customer: r.id,
            name: r.name,
            primary_domain: r.primary_domain,
            known_emails: r.known_emails.map(|j| j.0).unwrap_or_default(),
            sentiment: r.sentiment,
            trend: r.sentiment_trend,
            flagged: r.flagged,
            waiting_on: r.waiting_on.map(|j| j.0).unwrap_or_default(),
            current_projects: r.projects.map(|j| j.0).unwrap_or_default(),
        })
        .collect())
}

/// A task and its state as of a day.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskLine {
    pub id: Uuid,
    pub customer: String,
    pub owner: Option<String>,
    pub kind: Option<String>,
    pub description: String,
    pub due: Option<chrono::NaiveDate>,
    pub status: String,
    pub overdue: bool,
    pub days_overdue: i64,
}

/// The tenant's tasks, open ones first by due date, as of `today` (the tenant's date).
///
/// # Errors
/// A database failure.
pub async fn tasks(
    pool: &PgPool,
    tenant: Uuid,
    today: chrono::NaiveDate,
) -> Result<Vec<TaskLine>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT t.id, c.name AS customer, m.email AS "owner?", t.kind, t.description, t.due_date,
                  COALESCE(t.status, 'open') AS "status!"
           FROM tasks t JOIN customers c ON c.id = t.customer_id
           LEFT JOIN employees m ON m.id = t.assigned_to
           WHERE c.user_id = $1
           ORDER BY (COALESCE(t.status, 'open') = 'completed'), t.due_date, c.name, t.description"#,
        tenant
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let open = r.status != "completed";
            let late_by = r.due_date.map_or(0, |d| (today - d).num_days());
            TaskLine {
                id: r.id,
                customer: r.customer,
                owner: r.owner,
                kind: r.kind,
                description: r.description,
                due: r.due_date,
                overdue: open && late_by > 0,
                days_overdue: if open { late_by.max(0) } else { 0 },
                status: r.status,
            }
        })
        .collect())
}

/// A stored email with its analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailLine {
    pub id: Uuid,
    pub timestamp: DateTime<Utc>,
    pub direction: String,
    pub from: String,
    pub subject: String,
    pub customer: String,
    pub employee: Option<String>,
    pub message_id: Option<String>,
    pub sentiment: Option<String>,
    pub score: Option<f32>,
    pub action_needed: bool,
    pub flagged: bool,
    pub flag_reasons: Vec<String>,
    pub waiting_for: Option<String>,
    pub summary: Option<String>,
    pub recommended_action: Option<String>,
    pub replied: bool,
}

/// The tenant's emails with their analysis, oldest first.
///
/// # Errors
/// A database failure.
pub async fn emails(pool: &PgPool, tenant: Uuid) -> Result<Vec<EmailLine>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT l.id, l.timestamp AS "timestamp!", l.direction, l.from_email, COALESCE(l.subject, '') AS "subject!",
                  c.name AS customer, m.email AS "employee?", l.message_id,
                  i.sentiment AS "sentiment?", i.score AS "score?", COALESCE(i.action_needed, false) AS "action!",
                  COALESCE(i.is_flagged, false) AS "flagged!",
                  i.flag_reasons AS "flag_reasons?: sqlx::types::Json<Vec<String>>",
                  i.waiting_for AS "waiting_for?", i.summary AS "summary?",
                  i.recommended_action AS "recommended?", COALESCE(l.replied, false) AS "replied!"
           FROM email_logs l JOIN customers c ON c.id = l.customer_id
           LEFT JOIN employees m ON m.id = l.employee_id
           LEFT JOIN email_insights i ON i.email_id = l.id
           WHERE l.user_id = $1
           ORDER BY l.timestamp, l.id"#,
        tenant
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| EmailLine {
            id: r.id,
            timestamp: r.timestamp.and_utc(),
            direction: r.direction,
            from: r.from_email,
            subject: r.subject,
            customer: r.customer,
            employee: r.employee,
            message_id: r.message_id,
            sentiment: r.sentiment,
            score: r.score,
            action_needed: r.action,
            flagged: r.flagged,
            flag_reasons: r.flag_reasons.map(|j| j.0).unwrap_or_default(),
            waiting_for: r.waiting_for,
            summary: r.summary,
            recommended_action: r.recommended,
            replied: r.replied,
        })
        .collect())
}
