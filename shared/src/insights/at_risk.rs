//! Which customers are unhappy or at risk, and why: the evidence, the latest email that says
//! so, since when, and the flag.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::speech::{and_more, first_name, quote, since, when};
use super::{Filter, InsightsError, Party, SHOWN, Scope};

/// A customer at risk.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AtRisk {
    pub customer: Party,
    pub sentiment: String,
    pub trend: Option<String>,
    pub flagged: bool,
    pub flag_reasons: Vec<String>,
    /// When the customer turned unhappy (or the flagged email's date).
    pub since: Option<NaiveDate>,
    /// A short quote from the email that made the call.
    pub evidence: Option<String>,
    pub latest_email: Option<EmailRef>,
    /// The staff member that email belongs to.
    pub employee: Option<Party>,
}

/// An email as an answer refers to it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EmailRef {
    pub id: Uuid,
    pub subject: String,
    pub from: String,
    pub at: DateTime<Utc>,
    pub summary: Option<String>,
    pub replied: bool,
}

/// The customers at risk now, or, with a period, those who sent an unhappy or flagged email in
/// it; flagged first, then the most recent.
///
/// # Errors
/// A database failure.
pub async fn load(
    pool: &PgPool,
    scope: &Scope,
    filter: &Filter,
) -> Result<Vec<AtRisk>, InsightsError> {
    let (from, to) = filter.bounds(scope);
    let rows = sqlx::query!(
        r#"SELECT c.id, c.name, c.known_emails->>0 AS email,
                  COALESCE(c.overall_sentiment, 'neutral') AS "sentiment!", c.sentiment_trend,
                  COALESCE(c.flagged_issues, false) AS "flagged!",
                  l.id AS "email_id?", l.subject AS "subject?", l.from_email AS "from_email?",
                  l.timestamp AS "at?", l.replied AS "replied?", l.summary AS "summary?",
                  i.evidence AS "evidence?: sqlx::types::Json<Vec<String>>",
                  i.flag_reasons AS "flag_reasons?: sqlx::types::Json<Vec<String>>",
                  m.id AS "employee_id?", m.name AS "employee_name?", m.email AS "employee_email?",
                  (SELECT max(u.date) FROM customer_updates u
                    WHERE u.customer_id = c.id AND u.type = 'unhappy') AS unhappy_since
           FROM customers c
           LEFT JOIN LATERAL (
             SELECT e.id, e.subject, e.from_email, e.timestamp, e.replied, e.summary, e.employee_id
             FROM email_logs e
             WHERE e.customer_id = c.id AND e.direction = 'inbound' AND NOT e.is_automatic
               AND (e.sentiment = 'unhappy' OR e.flagged)
               AND ($3::timestamp IS NULL OR e.timestamp >= $3) AND e.timestamp < $4
             ORDER BY e.timestamp DESC LIMIT 1
           ) l ON true
           LEFT JOIN email_insights i ON i.email_id = l.id
           LEFT JOIN employees m ON m.id = l.employee_id
           WHERE c.user_id = $1 AND ($2::uuid IS NULL OR c.id = $2)
             AND CASE WHEN $3::timestamp IS NULL
                      THEN c.overall_sentiment = 'unhappy' OR COALESCE(c.flagged_issues, false)
                      ELSE l.id IS NOT NULL END
           ORDER BY COALESCE(c.flagged_issues, false) DESC, l.timestamp DESC NULLS LAST, c.name"#,
        scope.tenant,
        filter.customer,
        from,
        to,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let latest_email = match (r.email_id, r.at) {
                (Some(id), Some(at)) => Some(EmailRef {
                    id,
                    subject: r.subject.unwrap_or_default(),
                    from: r.from_email.unwrap_or_default(),
                    at: at.and_utc(),
                    summary: r.summary,
                    replied: r.replied.unwrap_or(false),
                }),
                _ => None,
            };
            let since = if r.sentiment == "unhappy" {
                r.unhappy_since
            } else {
                None
            }
            .or_else(|| latest_email.as_ref().map(|e| e.at.date_naive()));
            AtRisk {
                customer: Party::new(r.id, r.name, r.email),
                sentiment: r.sentiment,
                trend: r.sentiment_trend,
                flagged: r.flagged,
                flag_reasons: r.flag_reasons.map(|j| j.0).unwrap_or_default(),
                since,
                evidence: r.evidence.and_then(|j| j.0.into_iter().next()),
                latest_email,
                employee: Party::maybe(r.employee_id, r.employee_name, r.employee_email),
            }
        })
        .collect())
}

/// "Harbor Lane Realty is unhappy and flagged — “…” (yesterday 13:05). Waiting for a reply.
/// Owner: Priya."
pub fn describe(items: &[AtRisk], scope: &Scope, filter: &Filter) -> String {
    if items.is_empty() {
        return if filter.period.is_some() {
            "No unhappy or flagged customer emails in that period. 🎉".to_owned()
        } else {
            "No customer is unhappy or at risk right now. 🎉".to_owned()
        };
    }
    let mut lines = vec![format!(
        "{} customer{} unhappy or at risk:",
        items.len(),
        if items.len() == 1 { " is" } else { "s are" }
    )];
    for item in items.iter().take(SHOWN) {
        let state = match (item.sentiment.as_str(), item.flagged) {
            ("unhappy", true) => "unhappy and flagged".to_owned(),
            ("unhappy", false) => "unhappy".to_owned(),
            (_, _) => format!("flagged ({})", item.flag_reasons.join(", ")),
        };
        let mut line = format!("• {} is {state}", item.customer.name);
        if let Some(evidence) = &item.evidence {
            line.push_str(&format!(" — {}", quote(evidence, 90)));
        }
        if let Some(email) = &item.latest_email {
            line.push_str(&format!(" ({})", when(email.at, scope.now, scope.zone)));
            if !email.replied {
                line.push_str(". Not answered yet");
            }
        }
        if let Some(since_date) = item.since {
            let at = since_date
                .and_hms_opt(12, 0, 0)
                .unwrap_or_default()
                .and_utc();
            line.push_str(&format!(", {}", since(at, scope.now, scope.zone)));
        }
        if let Some(owner) = &item.employee {
            line.push_str(&format!(". Owner: {}", first_name(&owner.name)));
        }
        line.push('.');
        lines.push(line);
    }
    lines.extend(and_more(items.len(), SHOWN));
    lines.join("\n")
}
