//! How one customer is doing: a 0–100 satisfaction score with its trend, recent emails, what
//! is open for them, and what to do next.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::replies::{self, ReplyDue};
use super::speech::{duration, first_name, when};
use super::tasks::{self, TaskItem};
use super::waiting::{self, WaitingItem};
use super::{Filter, InsightsError, Party, Scope};

/// A customer's analysis.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CustomerReport {
    pub customer: Party,
    pub domain: Option<String>,
    /// 0 (very unhappy) to 100 (very happy).
    pub satisfaction: i32,
    pub sentiment: String,
    pub trend: Option<String>,
    pub flagged: bool,
    pub recent_emails: Vec<RecentEmail>,
    pub waiting: Vec<WaitingItem>,
    pub needs_reply: Vec<ReplyDue>,
    pub open_tasks: Vec<TaskItem>,
    /// What to do next, in one sentence.
    pub next_step: String,
    /// The staff member of the latest email.
    pub employee: Option<Party>,
}

/// An email of the customer's recent history.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RecentEmail {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub direction: String,
    pub from: String,
    pub subject: String,
    pub sentiment: Option<String>,
    pub summary: Option<String>,
}

/// How many recent emails a report shows.
const RECENT: i64 = 5;

/// Satisfaction from the scores of the latest inbound emails, newest first.
pub fn satisfaction(scores_newest_first: &[f32], flagged: bool) -> i32 {
    let weights = [5.0, 4.0, 3.0, 2.0, 1.0];
    let (sum, weight) = scores_newest_first
        .iter()
        .zip(weights)
        .fold((0.0f32, 0.0f32), |(s, w), (score, weight)| {
            (s + score * weight, w + weight)
        });
    let mean = if weight > 0.0 { sum / weight } else { 0.0 };
    let score = 50.0 + 50.0 * mean - if flagged { 20.0 } else { 0.0 };
    score.round().clamp(0.0, 100.0) as i32
}

/// One customer's report.
///
/// # Errors
/// [`InsightsError::NotFound`] when the customer is not the tenant's; a database failure.
pub async fn load(pool: &PgPool, scope: &Scope, id: Uuid) -> Result<CustomerReport, InsightsError> {
    let row = sqlx::query!(
        r#"SELECT id, name, primary_domain, known_emails->>0 AS email,
                  COALESCE(overall_sentiment, 'neutral') AS "sentiment!", sentiment_trend,
                  COALESCE(flagged_issues, false) AS "flagged!"
           FROM customers WHERE id = $1 AND user_id = $2"#,
        id,
        scope.tenant
    )
    .fetch_optional(pool)
    .await?
    .ok_or(InsightsError::NotFound("customer"))?;
    let scores = sqlx::query_scalar!(
        r#"SELECT COALESCE(i.score, 0) AS "score!" FROM email_logs l
           JOIN email_insights i ON i.email_id = l.id
           WHERE l.customer_id = $1 AND l.direction = 'inbound' AND NOT l.is_automatic
             AND l.timestamp <= $2
           ORDER BY l.timestamp DESC LIMIT 5"#,
        id,
        scope.now.naive_utc()
    )
    .fetch_all(pool)
    .await?;
    let recent = sqlx::query!(
        r#"SELECT l.id, l.timestamp, l.direction, l.from_email, COALESCE(l.subject, '') AS "subject!",
                  l.sentiment, l.summary,
                  m.id AS "employee_id?", m.name AS "employee_name?", m.email AS "employee_email?"
           FROM email_logs l LEFT JOIN employees m ON m.id = l.employee_id
           WHERE l.customer_id = $1 AND l.timestamp <= $2
           ORDER BY l.timestamp DESC LIMIT $3"#,
        id,
        scope.now.naive_utc(),
        RECENT
    )
    .fetch_all(pool)
    .await?;
    let employee = recent.first().and_then(|r| {
        Party::maybe(
            r.employee_id,
            r.employee_name.clone(),
            r.employee_email.clone(),
        )
    });
    let filter = Filter {
        customer: Some(id),
        ..Filter::default()
    };
    let waiting = waiting::load(pool, scope, &filter).await?;
    let needs_reply = replies::load(pool, scope, &filter).await?;
    let open_tasks = tasks::load(pool, scope, &filter, false).await?;
    let next_step = next_step(&needs_reply, &open_tasks, &waiting, scope);
    Ok(CustomerReport {
        customer: Party::new(row.id, row.name, row.email),
        domain: row.primary_domain,
        satisfaction: satisfaction(&scores, row.flagged),
        sentiment: row.sentiment,
        trend: row.sentiment_trend,
        flagged: row.flagged,
        recent_emails: recent
            .into_iter()
            .map(|r| RecentEmail {
                id: r.id,
                at: r.timestamp.and_utc(),
                direction: r.direction,
                from: r.from_email,
                subject: r.subject,
                sentiment: r.sentiment,
                summary: r.summary,
            })
            .collect(),
        waiting,
        needs_reply,
        open_tasks,
        next_step,
        employee,
    })
}

/// The most pressing thing to do for the customer.
fn next_step(
    needs_reply: &[ReplyDue],
    tasks: &[TaskItem],
    waiting: &[WaitingItem],
    scope: &Scope,
) -> String {
    let flagged_first = needs_reply
        .iter()
        .find(|r| r.flagged)
        .or_else(|| needs_reply.first());
    if let Some(email) = flagged_first {
        return format!(
            "Reply to “{}” from {} — waiting {}.",
            email.subject,
            email.from_email,
            duration(email.waiting_minutes as f64)
        );
    }
    if let Some(task) = tasks.iter().find(|t| t.overdue).or_else(|| tasks.first()) {
        let owner = task
            .employee
            .as_ref()
            .map(|e| format!(" ({})", first_name(&e.name)))
            .unwrap_or_default();
        return if task.overdue {
            format!(
                "Deliver {}{owner}: overdue by {} day{}.",
                task.description,
                task.days_overdue,
                if task.days_overdue == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "Deliver {}{owner} by {}.",
                task.description,
                task.due
                    .map_or_else(String::new, |d| d.format("%a %-d %b").to_string())
            )
        };
    }
    if let Some(item) = waiting.first() {
        return format!(
            "Send {} (asked {}).",
            item.item,
            when(item.since, scope.now, scope.zone)
        );
    }
    "Nothing is pending: a good moment for a check-in.".to_owned()
}

/// "Harbor Lane Realty: 22/100, unhappy (worsening), flagged." and what is open.
pub fn describe(report: &CustomerReport, scope: &Scope) -> String {
    let mut lines = vec![format!(
        "{}: satisfaction {}/100, {} ({}){}.",
        report.customer.name,
        report.satisfaction,
        report.sentiment,
        report.trend.as_deref().unwrap_or("steady"),
        if report.flagged { ", flagged ⚑" } else { "" }
    )];
    lines.push(format!("Next: {}", report.next_step));
    if !report.waiting.is_empty() {
        let items: Vec<&str> = report.waiting.iter().map(|w| w.item.as_str()).collect();
        lines.push(format!("Waiting on us: {}.", items.join("; ")));
    }
    if !report.open_tasks.is_empty() {
        let items: Vec<String> = report
            .open_tasks
            .iter()
            .map(|t| {
                if t.overdue {
                    format!("{} ({} d late)", t.description, t.days_overdue)
                } else {
                    t.description.clone()
                }
            })
            .collect();
        lines.push(format!("Open tasks: {}.", items.join("; ")));
    }
    if let Some(last) = report.recent_emails.first() {
        lines.push(format!(
            "Last email: “{}” ({}, {}).",
            last.subject,
            last.direction,
            when(last.at, scope.now, scope.zone)
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfaction_weighs_the_newest_emails_most_and_a_flag_costs_twenty() {
        assert_eq!(satisfaction(&[], false), 50);
        assert_eq!(satisfaction(&[1.0, 1.0], false), 100);
        assert_eq!(satisfaction(&[-1.0], true), 0);
        // The newest unhappy email outweighs two older happy ones.
        assert!(satisfaction(&[-0.8, 0.5, 0.5], false) < 50);
        assert_eq!(satisfaction(&[0.0], true), 30);
    }
}
