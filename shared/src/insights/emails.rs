//! A tenant's emails with their customer, staff member and insight, newest first, filtered
//! and paged by an opaque cursor (the position after the last email of a page).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::{InsightsError, Party, Scope};

/// What to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmailQuery {
    pub customer: Option<Uuid>,
    pub employee: Option<Uuid>,
    pub sentiment: Option<String>,
    pub action_needed: Option<bool>,
    pub flagged: Option<bool>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub cursor: Option<Cursor>,
    /// 1 to [`MAX_LIMIT`]; [`DEFAULT_LIMIT`] when `None`.
    pub limit: Option<i64>,
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Where a page ends: the last email's time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    at: NaiveDateTime,
    id: Uuid,
}

impl Cursor {
    /// The cursor as sent to clients.
    pub fn encode(&self) -> String {
        format!(
            "{:x}.{}",
            self.at.and_utc().timestamp_micros(),
            self.id.simple()
        )
    }

    /// A cursor a client sent back; `None` when it does not have a cursor's shape. A cursor of
    /// the right shape whose time lies beyond what is stored (year 9999) is a position after
    /// everything.
    pub fn decode(text: &str) -> Option<Cursor> {
        /// 9999-12-31T23:59:59.999999Z, in microseconds since 1970.
        const LATEST: i64 = 253_402_300_799_999_999;
        let (micros, id) = text.split_once('.')?;
        let micros = u64::from_str_radix(micros, 16).ok()?;
        let micros = i64::try_from(micros).unwrap_or(LATEST).min(LATEST);
        Some(Cursor {
            at: DateTime::from_timestamp_micros(micros)?.naive_utc(),
            id: Uuid::parse_str(id).ok()?,
        })
    }
}

/// An email with what Trellin made of it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EmailItem {
    pub id: Uuid,
    pub timestamp: DateTime<Utc>,
    pub direction: String,
    pub from_email: String,
    pub subject: String,
    pub customer: Party,
    pub employee: Option<Party>,
    pub sentiment: Option<String>,
    pub score: Option<f32>,
    pub action_needed: bool,
    pub flagged: bool,
    pub issue: Option<String>,
    pub replied: bool,
    pub reply_time_minutes: Option<i32>,
    pub summary: Option<String>,
    pub waiting_for: Option<String>,
    pub recommended_action: Option<String>,
}

/// A page of emails.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EmailPage {
    pub emails: Vec<EmailItem>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// One page of the tenant's emails.
///
/// # Errors
/// A database failure.
pub async fn list(
    pool: &PgPool,
    scope: &Scope,
    q: &EmailQuery,
) -> Result<EmailPage, InsightsError> {
    // A customer or staff member of another tenant is "not found", never an empty page.
    let known = sqlx::query!(
        r#"SELECT ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM customers WHERE id = $2 AND user_id = $1)) AS "customer!",
                  ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM employees WHERE id = $3 AND user_id = $1)) AS "employee!""#,
        scope.tenant,
        q.customer,
        q.employee
    )
    .fetch_one(pool)
    .await?;
    if !known.customer {
        return Err(InsightsError::NotFound("customer"));
    }
    if !known.employee {
        return Err(InsightsError::NotFound("employee"));
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let rows = sqlx::query!(
        r#"SELECT l.id, l.timestamp, l.direction, l.from_email, COALESCE(l.subject, '') AS "subject!",
                  l.sentiment, l.action_needed AS "action_needed!", l.flagged, l.issue,
                  COALESCE(l.replied, false) AS "replied!", l.reply_time_minutes, l.summary,
                  c.id AS customer_id, c.name AS customer_name, c.known_emails->>0 AS customer_email,
                  m.id AS "employee_id?", m.name AS "employee_name?", m.email AS "employee_email?",
                  i.score AS "score?", i.waiting_for AS "waiting_for?",
                  i.recommended_action AS "recommended_action?"
           FROM email_logs l
           JOIN customers c ON c.id = l.customer_id
           LEFT JOIN employees m ON m.id = l.employee_id
           LEFT JOIN email_insights i ON i.email_id = l.id
           WHERE l.user_id = $1
             AND ($2::uuid IS NULL OR l.customer_id = $2) AND ($3::uuid IS NULL OR l.employee_id = $3)
             AND ($4::text IS NULL OR l.sentiment = $4) AND ($5::bool IS NULL OR l.action_needed = $5)
             AND ($6::bool IS NULL OR l.flagged = $6)
             AND ($7::timestamp IS NULL OR l.timestamp >= $7) AND ($8::timestamp IS NULL OR l.timestamp < $8)
             AND ($9::timestamp IS NULL OR (l.timestamp, l.id) < ($9, $10::uuid))
           ORDER BY l.timestamp DESC, l.id DESC
           LIMIT $11"#,
        scope.tenant,
        q.customer,
        q.employee,
        q.sentiment,
        q.action_needed,
        q.flagged,
        q.from.map(|t| t.naive_utc()),
        q.to.map(|t| t.naive_utc()),
        q.cursor.map(|c| c.at),
        q.cursor.map(|c| c.id),
        limit + 1
    )
    .fetch_all(pool)
    .await?;
    let more = rows.len() as i64 > limit;
    let emails: Vec<EmailItem> = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| EmailItem {
            id: r.id,
            timestamp: r.timestamp.and_utc(),
            direction: r.direction,
            from_email: r.from_email,
            subject: r.subject,
            customer: Party::new(r.customer_id, r.customer_name, r.customer_email),
            employee: Party::maybe(r.employee_id, r.employee_name, r.employee_email),
            sentiment: r.sentiment,
            score: r.score,
            action_needed: r.action_needed,
            flagged: r.flagged,
            issue: r.issue,
            replied: r.replied,
            reply_time_minutes: r.reply_time_minutes,
            summary: r.summary,
            waiting_for: r.waiting_for,
            recommended_action: r.recommended_action,
        })
        .collect();
    let next_cursor = more.then(|| emails.last()).flatten().map(|e| {
        Cursor {
            at: e.timestamp.naive_utc(),
            id: e.id,
        }
        .encode()
    });
    Ok(EmailPage {
        emails,
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_a_foreign_one_does_not() {
        let cursor = Cursor {
            at: "2026-11-19T21:05:37.123456Z"
                .parse::<DateTime<Utc>>()
                .expect("time")
                .naive_utc(),
            id: Uuid::from_u128(42),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("not-a-cursor"), None);
        // Any cursor of the documented shape is one, even past year 9999.
        let far =
            Cursor::decode("f9c1926135f09fd2.10e55b801c631756370035deb7d39095").expect("a cursor");
        assert_eq!(far.at.and_utc().format("%Y").to_string(), "9999");
        assert_eq!(Cursor::decode("zz.123"), None);
    }
}
