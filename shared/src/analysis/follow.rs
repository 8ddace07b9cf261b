//! What follows from analysed emails: a customer's health and history, what they wait for,
//! and tasks with their state.
//!
//! Everything here is derived from the customer's stored emails and their insights, walked in
//! time order, so the result does not depend on the order emails arrived in, and re-running
//! it (after a re-analysis) gives the same rows. Only a task completed by hand
//! (`trellin task done`) is remembered across derivations.
//!
//! Rules:
//! - **overall sentiment**: the latest inbound (non-automatic) email's; the **trend** compares
//!   its score with the mean of the three before it (±0.25: improving / worsening, else steady).
//! - **flagged**: some thread's latest inbound email is flagged (a later calm email in that
//!   thread de-escalates it).
//! - **waiting on**: an inbound email that needs action opens an item (merged with an open one
//!   that shares a keyword); a later staff email in its thread closes it when it delivers the
//!   thing (a delivering sentence sharing a keyword), or, for a question, a request to confirm
//!   or explain, or an item that only repeats the subject, when it replies without promising
//!   anything new.
//! - **tasks**: each promise (see [`super::tasks`]) re-dates the customer's open task it shares
//!   a keyword with, or opens a new one for the employee of its email (and the customer's
//!   project that the task or its thread subject names); a later delivering staff
//!   email in the task's threads, or the customer's word that it arrived, completes it.
//! - a **customer update** is written each time the overall sentiment changes.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::Sentiment;
use super::tasks::{Commitments, Kind, keywords, overlap};

/// One stored email, as derivation sees it.
#[derive(Debug, Clone)]
pub struct Fact {
    pub id: Uuid,
    pub timestamp: NaiveDateTime,
    pub outbound: bool,
    pub automatic: bool,
    pub thread: String,
    pub subject: String,
    pub employee: Option<Uuid>,
    pub sentiment: Option<Sentiment>,
    pub score: f32,
    pub action_needed: bool,
    pub flagged: bool,
    pub waiting_for: Option<String>,
    pub summary: String,
    pub commitments: Commitments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Improving,
    Steady,
    Worsening,
}

impl Trend {
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::Steady => "steady",
            Trend::Worsening => "worsening",
        }
    }
}

/// A change of the customer's overall sentiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub sentiment: Sentiment,
    pub summary: String,
    pub date: NaiveDate,
}

/// A task as derived.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub key: String,
    pub kind: Kind,
    pub text: String,
    pub due: NaiveDate,
    pub employee: Option<Uuid>,
    pub threads: Vec<String>,
    pub keywords: Vec<String>,
    pub created_email: Uuid,
    pub updated_email: Uuid,
    pub completed: Option<(Uuid, NaiveDateTime)>,
    /// The subject of the thread it was promised or asked for in.
    pub subject: String,
}

#[derive(Debug, Clone)]
struct Item {
    waiting: Waiting,
    keywords: Vec<String>,
    threads: Vec<String>,
    answered_by_reply: bool,
}

/// Something a customer waits for: what, since when, and from whom.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    pub text: String,
    /// The email that asked for it, and when it was sent.
    pub email: Uuid,
    pub since: NaiveDateTime,
    /// The staff member that email belongs to.
    pub employee: Option<Uuid>,
    pub thread: String,
}

/// A customer's derived state.
#[derive(Debug, Clone)]
pub struct Health {
    pub sentiment: Sentiment,
    pub trend: Trend,
    pub flagged: bool,
    pub waiting_on: Vec<Waiting>,
    pub current_projects: Vec<String>,
    pub updates: Vec<Update>,
    pub tasks: Vec<Task>,
}

/// Derives a customer's health and tasks from their emails, oldest first.
pub fn derive(facts: &[Fact]) -> Health {
    let inbound: Vec<&Fact> = facts
        .iter()
        .filter(|f| !f.outbound && !f.automatic && f.sentiment.is_some())
        .collect();
    let sentiment = inbound
        .last()
        .and_then(|f| f.sentiment)
        .unwrap_or(Sentiment::Neutral);
    let trend = match inbound.split_last() {
        Some((last, before)) if !before.is_empty() => {
            let recent: Vec<f32> = before.iter().rev().take(3).map(|f| f.score).collect();
            let mean = recent.iter().sum::<f32>() / recent.len() as f32;
            if last.score - mean > 0.25 {
                Trend::Improving
            } else if last.score - mean < -0.25 {
                Trend::Worsening
            } else {
                Trend::Steady
            }
        }
        _ => Trend::Steady,
    };
    let mut last_inbound_by_thread: BTreeMap<&str, bool> = BTreeMap::new();
    let mut updates = Vec::new();
    let mut current = Sentiment::Neutral;
    for fact in &inbound {
        last_inbound_by_thread.insert(&fact.thread, fact.flagged);
        if let Some(s) = fact.sentiment
            && s != current
        {
            updates.push(Update {
                sentiment: s,
                summary: format!(
                    "{} → {}: {}",
                    current.as_str(),
                    s.as_str(),
                    if fact.summary.is_empty() {
                        &fact.subject
                    } else {
                        &fact.summary
                    }
                ),
                date: fact.timestamp.date(),
            });
            current = s;
        }
    }
    let flagged = last_inbound_by_thread.values().any(|f| *f);

    let mut items: Vec<Item> = Vec::new();
    let mut tasks: Vec<Task> = Vec::new();
    for fact in facts.iter().filter(|f| !f.automatic) {
        if fact.outbound {
            items.retain(|item| {
                !(item.threads.contains(&fact.thread)
                    && (fact
                        .commitments
                        .deliveries
                        .iter()
                        .any(|d| overlap(d, &item.keywords))
                        || (item.answered_by_reply && !fact.commitments.promises_anything)))
            });
            for task in tasks.iter_mut().filter(|t| t.completed.is_none()) {
                if task.threads.contains(&fact.thread)
                    && fact
                        .commitments
                        .deliveries
                        .iter()
                        .any(|d| overlap(d, &task.keywords))
                {
                    task.completed = Some((fact.id, fact.timestamp));
                }
            }
        } else {
            // The customer confirms they have it.
            let delivered = |keywords: &[String], threads: &[String]| {
                threads.contains(&fact.thread)
                    && fact
                        .commitments
                        .deliveries
                        .iter()
                        .any(|d| overlap(d, keywords))
            };
            items.retain(|item| !delivered(&item.keywords, &item.threads));
            for task in tasks.iter_mut().filter(|t| t.completed.is_none()) {
                if delivered(&task.keywords, &task.threads) {
                    task.completed = Some((fact.id, fact.timestamp));
                }
            }
        }
        if !fact.outbound
            && fact.action_needed
            && let Some(what) = &fact.waiting_for
        {
            let words = keywords(what);
            match items.iter_mut().find(|i| overlap(&i.keywords, &words)) {
                Some(open) => {
                    if !open.threads.contains(&fact.thread) {
                        open.threads.push(fact.thread.clone());
                    }
                }
                None => {
                    let subject = keywords(&fact.subject);
                    items.push(Item {
                        waiting: Waiting {
                            text: what.clone(),
                            email: fact.id,
                            since: fact.timestamp,
                            employee: fact.employee,
                            thread: fact.thread.clone(),
                        },
                        answered_by_reply: is_answer(what)
                            || words.iter().all(|w| subject.contains(w)),
                        keywords: words,
                        threads: vec![fact.thread.clone()],
                    });
                }
            }
        }
        for (index, promise) in fact.commitments.promises.iter().enumerate() {
            let open = tasks
                .iter_mut()
                .find(|t| t.completed.is_none() && overlap(&t.keywords, &promise.keywords));
            match open {
                Some(task) => {
                    task.due = promise.due;
                    task.updated_email = fact.id;
                    if !task.threads.contains(&fact.thread) {
                        task.threads.push(fact.thread.clone());
                    }
                    let mut merged = task.keywords.clone();
                    merged.extend(promise.keywords.iter().cloned());
                    merged.sort();
                    merged.dedup();
                    task.keywords = merged;
                }
                None => tasks.push(Task {
                    key: format!("{}:{index}", fact.id),
                    kind: promise.kind,
                    text: promise.text.clone(),
                    due: promise.due,
                    employee: fact.employee,
                    threads: vec![fact.thread.clone()],
                    keywords: promise.keywords.clone(),
                    created_email: fact.id,
                    updated_email: fact.id,
                    completed: None,
                    subject: fact.subject.clone(),
                }),
            }
        }
    }

    let mut projects: Vec<(&NaiveDateTime, &str)> = Vec::new();
    if let Some(latest) = facts.last().map(|f| f.timestamp) {
        for fact in facts.iter().rev() {
            if (latest - fact.timestamp).num_days() > 30 {
                break;
            }
            if !fact.subject.is_empty() && !projects.iter().any(|(_, s)| *s == fact.subject) {
                projects.push((&fact.timestamp, &fact.subject));
            }
        }
    }
    Health {
        sentiment,
        trend,
        flagged,
        waiting_on: items.into_iter().map(|i| i.waiting).collect(),
        current_projects: projects
            .into_iter()
            .take(5)
            .map(|(_, s)| s.to_owned())
            .collect(),
        updates,
        tasks,
    }
}

/// Whether an item asks for an answer (which any reply gives) rather than a deliverable.
fn is_answer(what: &str) -> bool {
    let first = what
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    what.starts_with("an answer")
        || [
            "confirm", "tell", "explain", "advise", "clarify", "check", "whether",
        ]
        .contains(&first.as_str())
}

/// Loads a customer's emails with their insights, oldest first.
pub async fn facts(
    tx: &mut Transaction<'_, Postgres>,
    customer: Uuid,
) -> Result<Vec<Fact>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT l.id, l.timestamp AS "timestamp!", l.direction, l.is_automatic, l.thread_key,
                  l.employee_id, l.subject, l.subject_normalized,
                  i.sentiment AS "sentiment?", i.score AS "score?",
                  i.action_needed AS "action_needed?", i.is_flagged AS "is_flagged?",
                  i.waiting_for AS "waiting_for?", i.summary AS "summary?",
                  i.commitments AS "commitments?"
           FROM email_logs l LEFT JOIN email_insights i ON i.email_id = l.id
           WHERE l.customer_id = $1
           ORDER BY l.timestamp, l.id"#,
        customer
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Fact {
            id: r.id,
            timestamp: r.timestamp,
            outbound: r.direction == "outbound",
            automatic: r.is_automatic,
            thread: r.thread_key.unwrap_or_default(),
            subject: crate::mail::subject::normalize(r.subject.as_deref().unwrap_or_default()),
            employee: r.employee_id,
            sentiment: r.sentiment.as_deref().and_then(Sentiment::parse),
            score: r.score.unwrap_or_default(),
            action_needed: r.action_needed.unwrap_or_default(),
            flagged: r.is_flagged.unwrap_or_default(),
            waiting_for: r.waiting_for,
            summary: r.summary.unwrap_or_default(),
            commitments: r
                .commitments
                .and_then(|c| serde_json::from_value(c).ok())
                .unwrap_or_default(),
        })
        .collect())
}

/// Takes the advisory lock that serialises everything writing a tenant's tasks, customers'
/// health and employees' counters, until the transaction ends. Taken after ingestion's
/// per-customer locks and before any of those rows, so that no two writers wait on each
/// other in a circle.
pub async fn lock_tenant_tasks(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
) -> Result<(), sqlx::Error> {
    let bytes = tenant.as_bytes();
    let mut key = [0u8; 8];
    key.copy_from_slice(&bytes[..8]);
    // A namespace, so that these keys do not meet ingestion's per-customer keys.
    let key = i64::from_be_bytes(key) ^ 0x5452_454c_4c49_4e44;
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Re-derives a customer's health, history and tasks, in the caller's transaction.
pub async fn refresh_customer(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    customer: Uuid,
) -> Result<(), sqlx::Error> {
    // One derivation of a tenant's tasks at a time (they share the task and employee rows that
    // the counters update), and it reads every email committed before it.
    lock_tenant_tasks(tx, tenant).await?;
    let facts = facts(tx, customer).await?;
    let health = derive(&facts);
    sqlx::query!(
        r#"UPDATE customers SET overall_sentiment = $2, sentiment_trend = $3, flagged_issues = $4,
                  waiting_on = $5, current_projects = $6
           WHERE id = $1"#,
        customer,
        health.sentiment.as_str(),
        health.trend.as_str(),
        health.flagged,
        serde_json::json!(
            health
                .waiting_on
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
        ),
        serde_json::json!(health.current_projects),
    )
    .execute(&mut **tx)
    .await?;
    save_waiting(tx, tenant, customer, &health.waiting_on).await?;
    sqlx::query!(
        "DELETE FROM customer_updates WHERE customer_id = $1",
        customer
    )
    .execute(&mut **tx)
    .await?;
    let (types, summaries, dates): (Vec<String>, Vec<String>, Vec<NaiveDate>) = health
        .updates
        .iter()
        .map(|u| (u.sentiment.as_str().to_owned(), u.summary.clone(), u.date))
        .collect();
    sqlx::query!(
        r#"INSERT INTO customer_updates (customer_id, type, summary, date)
           SELECT $1, t, s, d FROM unnest($2::text[], $3::text[], $4::date[]) AS u(t, s, d)"#,
        customer,
        &types,
        &summaries,
        &dates
    )
    .execute(&mut **tx)
    .await?;

    let tasks = &health.tasks;
    let keys: Vec<String> = tasks.iter().map(|t| t.key.clone()).collect();
    let kinds: Vec<String> = tasks.iter().map(|t| t.kind.as_str().to_owned()).collect();
    let texts: Vec<String> = tasks.iter().map(|t| t.text.clone()).collect();
    let dues: Vec<NaiveDate> = tasks.iter().map(|t| t.due).collect();
    let employees: Vec<Option<Uuid>> = tasks.iter().map(|t| t.employee).collect();
    let threads: Vec<String> = tasks
        .iter()
        .map(|t| t.threads.last().cloned().unwrap_or_default())
        .collect();
    let created: Vec<Uuid> = tasks.iter().map(|t| t.created_email).collect();
    let updated: Vec<Uuid> = tasks.iter().map(|t| t.updated_email).collect();
    let completed_by: Vec<Option<Uuid>> = tasks.iter().map(|t| t.completed.map(|c| c.0)).collect();
    let completed_at: Vec<Option<NaiveDateTime>> =
        tasks.iter().map(|t| t.completed.map(|c| c.1)).collect();
    let subjects: Vec<String> = tasks.iter().map(|t| t.subject.clone()).collect();
    sqlx::query!(
        r#"INSERT INTO tasks (user_id, customer_id, task_key, kind, description, due_date, assigned_to,
                              thread_key, source_email_id, updated_email_id, completed_email_id,
                              completed_at, status, project_id)
           SELECT $1, $2, k, kind, d, due, e, th, c, u, cb, ca,
                  CASE WHEN ca IS NULL THEN 'open' ELSE 'completed' END,
                  -- The customer's project the task or its thread names, the longest name first.
                  (SELECT p.id FROM projects p
                    WHERE p.customer_id = $2 AND length(p.name) > 0
                      AND (strpos(lower(d), lower(p.name)) > 0 OR strpos(lower(subj), lower(p.name)) > 0)
                    ORDER BY length(p.name) DESC, p.created_at LIMIT 1)
           FROM unnest($3::text[], $4::text[], $5::text[], $6::date[], $7::uuid[], $8::text[],
                       $9::uuid[], $10::uuid[], $11::uuid[], $12::timestamp[], $13::text[])
                AS x(k, kind, d, due, e, th, c, u, cb, ca, subj)
           ON CONFLICT (user_id, task_key) DO UPDATE SET
             kind = EXCLUDED.kind,
             description = EXCLUDED.description,
             due_date = EXCLUDED.due_date,
             assigned_to = EXCLUDED.assigned_to,
             thread_key = EXCLUDED.thread_key,
             project_id = EXCLUDED.project_id,
             updated_email_id = EXCLUDED.updated_email_id,
             completed_email_id = CASE WHEN tasks.completed_by_hand THEN tasks.completed_email_id
                                       ELSE EXCLUDED.completed_email_id END,
             completed_at = CASE WHEN tasks.completed_by_hand THEN tasks.completed_at
                                 ELSE EXCLUDED.completed_at END,
             status = CASE WHEN tasks.completed_by_hand THEN 'completed' ELSE EXCLUDED.status END"#,
        tenant,
        customer,
        &keys,
        &kinds,
        &texts,
        &dues,
        &employees as &[Option<Uuid>],
        &threads,
        &created,
        &updated,
        &completed_by as &[Option<Uuid>],
        &completed_at as &[Option<NaiveDateTime>],
        &subjects,
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        r#"DELETE FROM tasks WHERE customer_id = $1 AND task_key IS NOT NULL
             AND NOT completed_by_hand AND NOT (task_key = ANY($2))"#,
        customer,
        &keys
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Replaces a customer's open waiting items.
async fn save_waiting(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    customer: Uuid,
    items: &[Waiting],
) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM waiting_items WHERE customer_id = $1", customer)
        .execute(&mut **tx)
        .await?;
    let texts: Vec<String> = items.iter().map(|w| w.text.clone()).collect();
    let since: Vec<NaiveDateTime> = items.iter().map(|w| w.since).collect();
    let emails: Vec<Uuid> = items.iter().map(|w| w.email).collect();
    let employees: Vec<Option<Uuid>> = items.iter().map(|w| w.employee).collect();
    let threads: Vec<String> = items.iter().map(|w| w.thread.clone()).collect();
    sqlx::query!(
        r#"INSERT INTO waiting_items (user_id, customer_id, description, since, email_id, employee_id, thread_key)
           SELECT $1, $2, d, s, e, m, t
           FROM unnest($3::text[], $4::timestamp[], $5::uuid[], $6::uuid[], $7::text[]) AS x(d, s, e, m, t)"#,
        tenant,
        customer,
        &texts,
        &since,
        &emails,
        &employees as &[Option<Uuid>],
        &threads
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// [`refresh_task_state`] as of `now`, on the tenant's calendar.
pub async fn refresh_task_state_at(
    pool: &PgPool,
    tenant: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    update_task_state_at(&mut tx, tenant, now).await?;
    tx.commit().await
}

/// [`update_task_state`] as of `now`, on the tenant's calendar, in the caller's transaction.
pub async fn update_task_state_at(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sqlx::Error> {
    let zone = sqlx::query_scalar!("SELECT timezone FROM users WHERE id = $1", tenant)
        .fetch_optional(&mut **tx)
        .await?
        .and_then(|z| z.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::Tz::UTC);
    update_task_state(tx, tenant, now.with_timezone(&zone).date_naive()).await
}

/// [`update_task_state`] in a transaction of its own.
pub async fn refresh_task_state(
    pool: &PgPool,
    tenant: Uuid,
    today: NaiveDate,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    update_task_state(&mut tx, tenant, today).await?;
    tx.commit().await
}

/// Brings `is_late` and the employees' task counters up to date as of `today` (the tenant's
/// date): a task is late when it is open past its due date, or was completed after it;
/// `pending_tasks` counts open tasks, `overdue_tasks` the open ones past due.
pub async fn update_task_state(
    tx: &mut Transaction<'_, Postgres>,
    tenant: Uuid,
    today: NaiveDate,
) -> Result<(), sqlx::Error> {
    lock_tenant_tasks(tx, tenant).await?;
    sqlx::query!(
        r#"UPDATE tasks SET is_late = CASE
             WHEN status = 'completed' THEN completed_at IS NOT NULL AND completed_at::date > due_date
             ELSE due_date < $2 END
           WHERE user_id = $1"#,
        tenant,
        today
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        r#"UPDATE employees e SET
             total_tasks = s.total, completed_tasks = s.completed,
             pending_tasks = s.pending, overdue_tasks = s.overdue
           FROM (
             SELECT emp.id,
                    count(t.id)::int AS total,
                    (count(t.id) FILTER (WHERE t.status = 'completed'))::int AS completed,
                    (count(t.id) FILTER (WHERE t.status <> 'completed'))::int AS pending,
                    (count(t.id) FILTER (WHERE t.status <> 'completed' AND t.due_date < $2))::int AS overdue
             FROM employees emp LEFT JOIN tasks t ON t.assigned_to = emp.id
             WHERE emp.user_id = $1
             GROUP BY emp.id
           ) s
           WHERE e.id = s.id"#,
        tenant,
        today
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}
