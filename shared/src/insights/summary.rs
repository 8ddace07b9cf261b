//! The summary of one day in the tenant's time zone: the customers' state, the day's mail,
//! tasks and top issues. Each computation is stored in `daily_summaries` (one row per tenant
//! and date; computing it again updates the row).
//!
//! Customer counts and flags are the state when the summary is computed; the day's mail, the
//! sentiment changes and the issues are those of the day; a task is overdue when it is open
//! and was due before the day.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::PgPool;

use super::issues::{self, Theme};
use super::{Filter, InsightsError, Party, Period, Scope};

/// A day's summary.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DailySummary {
    pub date: NaiveDate,
    pub total_customers: i64,
    pub happy_customers: i64,
    pub neutral_customers: i64,
    pub unhappy_customers: i64,
    pub flagged_customers: Vec<Party>,
    pub emails_received: i64,
    pub emails_sent: i64,
    /// Inbound emails of the day that were unhappy or flagged.
    pub unhappy_emails: i64,
    pub needs_reply: i64,
    pub total_tasks: i64,
    pub open_tasks: i64,
    pub overdue_tasks: i64,
    /// Customers whose overall sentiment changed that day.
    pub sentiment_changes: Vec<SentimentChange>,
    pub top_issues: Vec<Theme>,
}

/// A change of a customer's overall sentiment.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SentimentChange {
    pub customer: Party,
    pub sentiment: String,
    pub summary: Option<String>,
}

/// Computes and stores the summary of `date`.
///
/// # Errors
/// A database failure.
pub async fn compute(
    pool: &PgPool,
    scope: &Scope,
    date: NaiveDate,
) -> Result<DailySummary, InsightsError> {
    let day = Period::days(date, date, scope.zone);
    let (from, to) = (
        day.from.map(|f| f.naive_utc()).unwrap_or_default(),
        day.to.naive_utc(),
    );
    let customers = sqlx::query!(
        r#"SELECT count(*) AS "total!",
                  count(*) FILTER (WHERE overall_sentiment = 'happy') AS "happy!",
                  count(*) FILTER (WHERE overall_sentiment = 'unhappy') AS "unhappy!"
           FROM customers WHERE user_id = $1"#,
        scope.tenant
    )
    .fetch_one(pool)
    .await?;
    let flagged = sqlx::query!(
        r#"SELECT id, name, known_emails->>0 AS email FROM customers
           WHERE user_id = $1 AND flagged_issues ORDER BY name"#,
        scope.tenant
    )
    .fetch_all(pool)
    .await?;
    let mail = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE direction = 'inbound') AS "received!",
                  count(*) FILTER (WHERE direction = 'outbound') AS "sent!",
                  count(*) FILTER (WHERE direction = 'inbound' AND (sentiment = 'unhappy' OR flagged)) AS "unhappy!"
           FROM email_logs WHERE user_id = $1 AND timestamp >= $2 AND timestamp < $3"#,
        scope.tenant,
        from,
        to
    )
    .fetch_one(pool)
    .await?;
    let needs_reply = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM email_logs
           WHERE user_id = $1 AND direction = 'inbound' AND action_needed AND NOT replied
             AND NOT is_automatic AND timestamp < $2"#,
        scope.tenant,
        to
    )
    .fetch_one(pool)
    .await?;
    let tasks = sqlx::query!(
        r#"SELECT count(*) AS "total!",
                  count(*) FILTER (WHERE status <> 'completed') AS "open!",
                  count(*) FILTER (WHERE status <> 'completed' AND due_date < $2) AS "overdue!"
           FROM tasks WHERE user_id = $1"#,
        scope.tenant,
        date
    )
    .fetch_one(pool)
    .await?;
    let changes = sqlx::query!(
        r#"SELECT c.id, c.name, c.known_emails->>0 AS email, u.type AS sentiment, u.summary
           FROM customer_updates u JOIN customers c ON c.id = u.customer_id
           WHERE c.user_id = $1 AND u.date = $2 ORDER BY c.name"#,
        scope.tenant,
        date
    )
    .fetch_all(pool)
    .await?;
    let top_issues = issues::load(pool, scope, &Filter::default(), &day).await?;
    let summary = DailySummary {
        date,
        total_customers: customers.total,
        happy_customers: customers.happy,
        neutral_customers: customers.total - customers.happy - customers.unhappy,
        unhappy_customers: customers.unhappy,
        flagged_customers: flagged
            .into_iter()
            .map(|c| Party::new(c.id, c.name, c.email))
            .collect(),
        emails_received: mail.received,
        emails_sent: mail.sent,
        unhappy_emails: mail.unhappy,
        needs_reply,
        total_tasks: tasks.total,
        open_tasks: tasks.open,
        overdue_tasks: tasks.overdue,
        sentiment_changes: changes
            .into_iter()
            .map(|c| SentimentChange {
                customer: Party::new(c.id, c.name, c.email),
                sentiment: c.sentiment,
                summary: c.summary,
            })
            .collect(),
        top_issues,
    };
    save(pool, scope, &summary).await?;
    Ok(summary)
}

/// Stores a summary in `daily_summaries`, replacing the tenant's row for that date.
async fn save(pool: &PgPool, scope: &Scope, s: &DailySummary) -> Result<(), sqlx::Error> {
    let as_i32 = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
    sqlx::query!(
        r#"INSERT INTO daily_summaries (user_id, date, total_customers, happy_customers,
                unhappy_customers, flagged_customers, total_tasks, open_tasks, overdue_tasks,
                top_issues, details, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (user_id, date) DO UPDATE SET
             total_customers = EXCLUDED.total_customers, happy_customers = EXCLUDED.happy_customers,
             unhappy_customers = EXCLUDED.unhappy_customers,
             flagged_customers = EXCLUDED.flagged_customers, total_tasks = EXCLUDED.total_tasks,
             open_tasks = EXCLUDED.open_tasks, overdue_tasks = EXCLUDED.overdue_tasks,
             top_issues = EXCLUDED.top_issues, details = EXCLUDED.details,
             updated_at = EXCLUDED.updated_at"#,
        scope.tenant,
        s.date,
        as_i32(s.total_customers),
        as_i32(s.happy_customers),
        as_i32(s.unhappy_customers),
        serde_json::json!(
            s.flagged_customers
                .iter()
                .map(|c| &c.name)
                .collect::<Vec<_>>()
        ),
        as_i32(s.total_tasks),
        as_i32(s.open_tasks),
        as_i32(s.overdue_tasks),
        serde_json::json!(s.top_issues.iter().map(|t| &t.issue).collect::<Vec<_>>()),
        serde_json::to_value(s).unwrap_or_default(),
        scope.now.naive_utc()
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// "Friday 20 Nov: 3 emails in, 2 out. …"
pub fn describe(s: &DailySummary, _scope: &Scope) -> String {
    let mut lines = vec![format!(
        "Summary for {}: {} email{} in, {} out{}.",
        s.date.format("%A %-d %b"),
        s.emails_received,
        if s.emails_received == 1 { "" } else { "s" },
        s.emails_sent,
        if s.unhappy_emails > 0 {
            format!(", {} unhappy or flagged", s.unhappy_emails)
        } else {
            String::new()
        }
    )];
    if !s.flagged_customers.is_empty() {
        let names: Vec<&str> = s
            .flagged_customers
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        lines.push(format!("Flagged: {}.", names.join(", ")));
    }
    lines.push(format!(
        "Customers: {} — {} happy, {} neutral, {} unhappy.",
        s.total_customers, s.happy_customers, s.neutral_customers, s.unhappy_customers
    ));
    lines.push(format!(
        "{} email{} waiting for a reply; {} open task{}, {} overdue.",
        s.needs_reply,
        if s.needs_reply == 1 { "" } else { "s" },
        s.open_tasks,
        if s.open_tasks == 1 { "" } else { "s" },
        s.overdue_tasks
    ));
    for change in &s.sentiment_changes {
        lines.push(format!(
            "• {} is now {}.",
            change.customer.name, change.sentiment
        ));
    }
    if !s.top_issues.is_empty() {
        let themes: Vec<String> = s
            .top_issues
            .iter()
            .map(|t| format!("{} ({})", t.label, t.emails))
            .collect();
        lines.push(format!("Issues raised: {}.", themes.join(", ")));
    }
    lines.join("\n")
}
