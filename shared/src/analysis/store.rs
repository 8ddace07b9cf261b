//! Analysis in the database: one email's insight row and analysis columns, re-analysis of
//! stored emails, and completing a task by hand.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use thiserror::Error;
use uuid::Uuid;

use super::tasks::{self, Commitments};
use super::{Analysis, Analyze, Analyzer, Email, Role, follow};

/// An email as the analyzer and task finder need it.
#[derive(Debug, Clone, Copy)]
pub struct Written<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub staff: bool,
    pub timestamp: DateTime<Utc>,
    /// The writer's offset from UTC.
    pub offset: FixedOffset,
}

impl Written<'_> {
    /// The writer's calendar date when the email was sent.
    pub fn local_date(&self) -> NaiveDate {
        self.timestamp.with_timezone(&self.offset).date_naive()
    }
}

/// Analyses an email and finds its promises and deliveries.
pub async fn understand(analyzer: &Analyzer, written: &Written<'_>) -> (Analysis, Commitments) {
    let analysis = analyzer
        .analyze(&Email {
            subject: written.subject,
            body: written.body,
            from_role: if written.staff {
                Role::Staff
            } else {
                Role::Customer
            },
        })
        .await;
    let commitments = tasks::extract(
        written.body,
        written.staff,
        analysis.action_needed,
        analysis.waiting_for.as_deref(),
        written.local_date(),
    );
    (analysis, commitments)
}

/// An analysis waiting to be written with others of its transaction.
#[derive(Debug, Clone)]
pub struct Pending {
    pub email: Uuid,
    pub analysis: Analysis,
    pub commitments: Commitments,
    pub analyzer: &'static str,
}

/// What the insight row and the `email_logs` row of an email share, one array per column,
/// for `unnest`.
struct LogColumns {
    ids: Vec<Uuid>,
    sentiments: Vec<String>,
    summaries: Vec<String>,
    actions: Vec<bool>,
    flagged: Vec<bool>,
    issues: Vec<Option<String>>,
}

impl LogColumns {
    fn of(pending: &[Pending]) -> LogColumns {
        LogColumns {
            ids: pending.iter().map(|p| p.email).collect(),
            sentiments: pending
                .iter()
                .map(|p| p.analysis.sentiment.as_str().to_owned())
                .collect(),
            summaries: pending.iter().map(|p| p.analysis.summary.clone()).collect(),
            actions: pending.iter().map(|p| p.analysis.action_needed).collect(),
            flagged: pending.iter().map(|p| p.analysis.flagged).collect(),
            issues: pending
                .iter()
                .map(|p| p.analysis.issue.map(|i| i.as_str().to_owned()))
                .collect(),
        }
    }
}

/// Writes (or, after a re-analysis, rewrites) many emails' insight rows in one statement.
/// Ingestion writes the analysis columns of `email_logs` with the email itself; re-analysis
/// follows this with [`save_columns`].
pub async fn save_all(
    tx: &mut Transaction<'_, Postgres>,
    pending: &[Pending],
) -> Result<(), sqlx::Error> {
    if pending.is_empty() {
        return Ok(());
    }
    let LogColumns {
        ids,
        sentiments,
        summaries,
        actions,
        flagged,
        issues,
    } = LogColumns::of(pending);
    let waiting: Vec<Option<String>> = pending
        .iter()
        .map(|p| p.analysis.waiting_for.clone())
        .collect();
    let recommended: Vec<String> = pending
        .iter()
        .map(|p| p.analysis.recommended_action.clone())
        .collect();
    let scores: Vec<f32> = pending.iter().map(|p| p.analysis.score).collect();
    let reasons: Vec<serde_json::Value> = pending
        .iter()
        .map(|p| serde_json::json!(p.analysis.flag_reasons))
        .collect();
    let evidence: Vec<serde_json::Value> = pending
        .iter()
        .map(|p| serde_json::json!(p.analysis.evidence))
        .collect();
    let analyzers: Vec<String> = pending.iter().map(|p| p.analyzer.to_owned()).collect();
    let commitments: Vec<serde_json::Value> = pending
        .iter()
        .map(|p| serde_json::to_value(&p.commitments).unwrap_or_default())
        .collect();
    sqlx::query!(
        r#"WITH data AS (
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                                  $6::bool[], $7::real[], $8::bool[], $9::jsonb[], $10::jsonb[],
                                  $11::text[], $12::jsonb[], $13::text[])
               AS d(id, sentiment, summary, waiting_for, recommended, flagged, score, action,
                    reasons, evidence, analyzer, commitments, issue)
           ), insight AS (
             INSERT INTO email_insights
               (email_id, sentiment, summary, waiting_for, recommended_action, is_flagged, score,
                action_needed, flag_reasons, evidence, analyzer, commitments, issue)
             SELECT id, sentiment, summary, waiting_for, recommended, flagged, score, action,
                    reasons, evidence, analyzer, commitments, issue FROM data
             ON CONFLICT (email_id) DO UPDATE SET
               sentiment = EXCLUDED.sentiment, summary = EXCLUDED.summary,
               waiting_for = EXCLUDED.waiting_for, recommended_action = EXCLUDED.recommended_action,
               is_flagged = EXCLUDED.is_flagged, score = EXCLUDED.score,
               action_needed = EXCLUDED.action_needed, flag_reasons = EXCLUDED.flag_reasons,
               evidence = EXCLUDED.evidence, analyzer = EXCLUDED.analyzer,
               commitments = EXCLUDED.commitments, issue = EXCLUDED.issue
           )
           SELECT count(*) AS "rows!" FROM data"#,
        &ids,
        &sentiments,
        &summaries,
        &waiting as &[Option<String>],
        &recommended,
        &flagged,
        &scores,
        &actions,
        &reasons,
        &evidence,
        &analyzers,
        &commitments,
        &issues as &[Option<String>],
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(())
}

/// Rewrites the analysis columns of stored emails (`sentiment`, `summary`, `action_needed`),
/// and their writer's offset where it was not known, in one statement.
pub async fn save_columns(
    tx: &mut Transaction<'_, Postgres>,
    pending: &[Pending],
    offsets: &[i32],
) -> Result<(), sqlx::Error> {
    let LogColumns {
        ids,
        sentiments,
        summaries,
        actions,
        flagged,
        issues,
    } = LogColumns::of(pending);
    sqlx::query!(
        r#"UPDATE email_logs l SET sentiment = d.sentiment, summary = d.summary,
                  action_needed = d.action, flagged = d.flagged, issue = d.issue,
                  utc_offset_minutes = COALESCE(l.utc_offset_minutes, d.offset_minutes)
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bool[], $5::int[], $6::bool[],
                       $7::text[])
                AS d(id, sentiment, summary, action, offset_minutes, flagged, issue)
           WHERE l.id = d.id"#,
        &ids,
        &sentiments,
        &summaries,
        &actions,
        offsets,
        &flagged,
        &issues as &[Option<String>]
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Error)]
pub enum AnalysisStoreError {
    #[error("database failure; nothing was changed")]
    Database(#[from] sqlx::Error),
    #[error("no task matches {0:?}")]
    NoSuchTask(String),
    #[error("{0:?} matches more than one task; give more of its id")]
    Ambiguous(String),
}

/// What a re-analysis did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reanalysed {
    pub emails: usize,
    pub changed: usize,
    pub customers: usize,
}

/// Re-runs the analyzer over the stored emails of one tenant (or all), then re-derives every
/// customer's health and tasks and the task state as of `now`. One transaction per customer.
pub async fn reanalyze(
    pool: &PgPool,
    analyzer: &Analyzer,
    tenant: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Reanalysed, AnalysisStoreError> {
    let customers = sqlx::query!(
        r#"SELECT c.id, c.user_id AS "user_id!", u.timezone, c.primary_domain,
                  c.known_emails AS "known_emails: sqlx::types::Json<Vec<String>>"
           FROM customers c JOIN users u ON u.id = c.user_id
           WHERE $1::uuid IS NULL OR c.user_id = $1
           ORDER BY c.user_id, c.id"#,
        tenant
    )
    .fetch_all(pool)
    .await?;
    let mut done = Reanalysed::default();
    let mut tenants: Vec<Uuid> = Vec::new();
    for customer in &customers {
        let zone: chrono_tz::Tz = customer.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
        let mut tx = pool.begin().await?;
        // Under the customer's ingestion lock, as ingestion itself works.
        let known = customer
            .known_emails
            .as_ref()
            .map(|j| j.0.clone())
            .unwrap_or_default();
        if let Some(lock) = crate::tenant::stored_customer_lock_key(
            customer.user_id,
            customer.primary_domain.as_deref(),
            &known,
        ) {
            sqlx::query!("SELECT pg_advisory_xact_lock($1)", lock)
                .execute(&mut *tx)
                .await?;
        }
        let emails = sqlx::query!(
            r#"SELECT l.id, l.subject, l.body, l.direction, l.timestamp AS "timestamp!",
                      l.utc_offset_minutes, l.sentiment, l.action_needed,
                      i.is_flagged AS "is_flagged?"
               FROM email_logs l LEFT JOIN email_insights i ON i.email_id = l.id
               WHERE l.customer_id = $1"#,
            customer.id
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut pending = Vec::with_capacity(emails.len());
        let mut offsets = Vec::with_capacity(emails.len());
        for email in &emails {
            let timestamp = Utc.from_utc_datetime(&email.timestamp);
            let offset = email
                .utc_offset_minutes
                .and_then(|m| FixedOffset::east_opt(m * 60))
                .unwrap_or_else(|| zone.offset_from_utc_datetime(&email.timestamp).fix());
            let written = Written {
                subject: email.subject.as_deref().unwrap_or_default(),
                body: email.body.as_deref().unwrap_or_default(),
                staff: email.direction == "outbound",
                timestamp,
                offset,
            };
            let (analysis, commitments) = understand(analyzer, &written).await;
            if email.sentiment.as_deref() != Some(analysis.sentiment.as_str())
                || email.action_needed != Some(analysis.action_needed)
                || email.is_flagged != Some(analysis.flagged)
            {
                done.changed += 1;
            }
            pending.push(Pending {
                email: email.id,
                analysis,
                commitments,
                analyzer: analyzer.name(),
            });
            offsets.push(offset.local_minus_utc() / 60);
            done.emails += 1;
        }
        save_all(&mut tx, &pending).await?;
        save_columns(&mut tx, &pending, &offsets).await?;
        follow::refresh_customer(&mut tx, customer.user_id, customer.id).await?;
        tx.commit().await?;
        done.customers += 1;
        if !tenants.contains(&customer.user_id) {
            tenants.push(customer.user_id);
        }
    }
    for tenant in tenants {
        follow::refresh_task_state_at(pool, tenant, now).await?;
    }
    Ok(done)
}

/// Completes a task by hand: by its id, or a unique prefix of it. Derivation keeps it
/// completed from then on.
pub async fn complete_task(
    pool: &PgPool,
    tenant: Uuid,
    id_prefix: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, AnalysisStoreError> {
    let found = sqlx::query_scalar!(
        r#"SELECT id FROM tasks WHERE user_id = $1 AND id::text LIKE $2 || '%' LIMIT 2"#,
        tenant,
        id_prefix.to_lowercase()
    )
    .fetch_all(pool)
    .await?;
    let id = match found.as_slice() {
        [one] => *one,
        [] => return Err(AnalysisStoreError::NoSuchTask(id_prefix.to_owned())),
        _ => return Err(AnalysisStoreError::Ambiguous(id_prefix.to_owned())),
    };
    let at: NaiveDateTime = now.naive_utc();
    sqlx::query!(
        r#"UPDATE tasks SET status = 'completed', completed_at = $2, completed_by_hand = true
           WHERE id = $1"#,
        id,
        at
    )
    .execute(pool)
    .await?;
    follow::refresh_task_state_at(pool, tenant, now).await?;
    Ok(id)
}

/// The offset a message without a usable zone is taken to be written in: the tenant's.
pub fn tenant_offset(zone: chrono_tz::Tz, at: DateTime<Utc>) -> FixedOffset {
    zone.offset_from_utc_datetime(&at.naive_utc()).fix()
}
