//! How one staff member is doing: their reply figures, what waits on them, their tasks and
//! the customers they handle.

use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::replies::{self, ReplyDue};
use super::responsiveness::{self, Responsiveness};
use super::speech::{duration, first_name};
use super::tasks::{self, TaskItem};
use super::{Filter, InsightsError, Party, Period, Scope};

/// A staff member's analysis.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EmployeeReport {
    pub employee: Party,
    pub role: Option<String>,
    pub responsiveness: Responsiveness,
    pub needs_reply: Vec<ReplyDue>,
    pub open_tasks: Vec<TaskItem>,
    /// The customers whose mail of the period is theirs, with each customer's sentiment.
    pub customers: Vec<HandledCustomer>,
}

/// A customer a staff member handles.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HandledCustomer {
    pub customer: Party,
    pub sentiment: String,
    pub flagged: bool,
    pub emails: i64,
}

/// One staff member's report over `period`.
///
/// # Errors
/// [`InsightsError::NotFound`] when the person is not the tenant's; a database failure.
pub async fn load(
    pool: &PgPool,
    scope: &Scope,
    id: Uuid,
    period: &Period,
) -> Result<EmployeeReport, InsightsError> {
    let row = sqlx::query!(
        "SELECT role FROM employees WHERE id = $1 AND user_id = $2",
        id,
        scope.tenant
    )
    .fetch_optional(pool)
    .await?
    .ok_or(InsightsError::NotFound("employee"))?;
    let filter = Filter {
        employee: Some(id),
        ..Filter::default()
    };
    let stats = responsiveness::load(pool, scope, &filter, period)
        .await?
        .into_iter()
        .next()
        .ok_or(InsightsError::NotFound("employee"))?;
    let needs_reply = replies::load(pool, scope, &filter).await?;
    let open_tasks = tasks::load(pool, scope, &filter, false).await?;
    let (from, to) = scope.bounds(period);
    let customers = sqlx::query!(
        r#"SELECT c.id, c.name, c.known_emails->>0 AS email,
                  COALESCE(c.overall_sentiment, 'neutral') AS "sentiment!",
                  COALESCE(c.flagged_issues, false) AS "flagged!", count(*) AS "emails!"
           FROM email_logs l JOIN customers c ON c.id = l.customer_id
           WHERE l.employee_id = $1 AND ($2::timestamp IS NULL OR l.timestamp >= $2) AND l.timestamp < $3
           GROUP BY c.id ORDER BY count(*) DESC, c.name LIMIT 20"#,
        id,
        from,
        to
    )
    .fetch_all(pool)
    .await?;
    Ok(EmployeeReport {
        employee: stats.employee.clone(),
        role: row.role,
        responsiveness: stats,
        needs_reply,
        open_tasks,
        customers: customers
            .into_iter()
            .map(|c| HandledCustomer {
                customer: Party::new(c.id, c.name, c.email),
                sentiment: c.sentiment,
                flagged: c.flagged,
                emails: c.emails,
            })
            .collect(),
    })
}

/// "Tom: mean first reply 2 d 2 h (median …); 1 email waits for him; 1 overdue task."
pub fn describe(report: &EmployeeReport, _scope: &Scope) -> String {
    let r = &report.responsiveness;
    let name = first_name(&report.employee.name);
    let mut lines = vec![match (r.mean_reply_minutes, r.median_reply_minutes) {
        (Some(mean), Some(median)) => format!(
            "{name}: mean first reply {}, median {} ({} in business hours); {} of {} emails answered, {}% within the window.",
            duration(mean),
            duration(median),
            duration(r.median_business_minutes.unwrap_or_default()),
            r.replied,
            r.inbound_handled,
            r.replied_within_window_pct.unwrap_or_default()
        ),
        _ => format!(
            "{name}: no replies to measure in that period ({} email{} handled).",
            r.inbound_handled,
            if r.inbound_handled == 1 { "" } else { "s" }
        ),
    }];
    if !report.needs_reply.is_empty() {
        let subjects: Vec<String> = report
            .needs_reply
            .iter()
            .take(3)
            .map(|e| format!("{} (“{}”)", e.customer.name, e.subject))
            .collect();
        lines.push(format!(
            "Waiting for {name}'s reply: {}.",
            subjects.join(", ")
        ));
    }
    let overdue = report.open_tasks.iter().filter(|t| t.overdue).count();
    if !report.open_tasks.is_empty() {
        lines.push(format!(
            "{} open task{}, {overdue} overdue.",
            report.open_tasks.len(),
            if report.open_tasks.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
    }
    let unhappy: Vec<&str> = report
        .customers
        .iter()
        .filter(|c| c.sentiment == "unhappy" || c.flagged)
        .map(|c| c.customer.name.as_str())
        .collect();
    if !unhappy.is_empty() {
        lines.push(format!(
            "At-risk customers they handle: {}.",
            unhappy.join(", ")
        ));
    }
    lines.join("\n")
}
