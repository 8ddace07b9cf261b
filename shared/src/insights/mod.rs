//! Insights: the owner's questions answered from the database.
//!
//! A question in free text is [routed](question) to an intent — unhappy customers, what
//! customers wait for, emails needing a reply, team responsiveness, tasks, top issues, one
//! customer, one staff member, a day's summary — and answered with a short text for people
//! and structured items for machines. Every answer the CLI, the HTTP API, the chat bot and the
//! digest give comes from here.
//!
//! Choices where the design is silent:
//! - "unhappy or at risk" is a customer whose latest inbound email is unhappy or who has a
//!   flagged thread; with a period, a customer who sent an unhappy or flagged email in it.
//! - Without a period, responsiveness, a staff member's figures and top issues cover the last
//!   30 days; waiting items, emails needing a reply and tasks are the current state.
//! - The slowest responder is the one with the highest mean reply time (wall clock), the
//!   figure the team is measured by; medians, P90 and business-hours figures stand beside it.
//! - A customer's satisfaction (0–100) is 50 + 50 × the weighted mean score of their last five
//!   inbound emails (the newest weighs most), 20 less while a thread is flagged.

pub mod at_risk;
pub mod business_hours;
pub mod customer;
pub mod emails;
pub mod employee;
pub mod issues;
pub mod names;
pub mod period;
pub mod phrasing;
pub mod question;
pub mod replies;
pub mod responsiveness;
pub mod speech;
pub mod summary;
pub mod tasks;
pub mod text;
pub mod waiting;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use sqlx::PgPool;
use thiserror::Error;
use uuid::Uuid;

pub use business_hours::BusinessHours;
pub use period::Period;
pub use question::{Intent, Question};

/// A customer or a staff member, named as people and machines both need: id, name, address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Party {
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
}

impl Party {
    pub fn new(id: Uuid, name: String, email: Option<String>) -> Party {
        Party { id, name, email }
    }

    /// A party from optional columns (a left join that may find no one).
    pub fn maybe(id: Option<Uuid>, name: Option<String>, email: Option<String>) -> Option<Party> {
        Some(Party::new(id?, name?, email))
    }
}

/// An answer: a short text for people, items for machines, the period it covers.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Answer {
    pub intent: Intent,
    pub text: String,
    /// One object per customer, email, task, staff member or theme, in the answer's order
    /// (the first [`MAX_ITEMS`]); each names its customer and staff member by name and address.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<serde_json::Value>,
    /// How many items the answer found in all (more than `items` holds when it was cut).
    pub total: usize,
    pub period: Period,
}

/// The most items an answer carries; the text and `total` say how many more there are.
pub const MAX_ITEMS: usize = 200;

#[derive(Debug, Error)]
pub enum InsightsError {
    #[error("database failure")]
    Database(#[from] sqlx::Error),
    #[error("no such {0} for this tenant")]
    NotFound(&'static str),
}

/// Who is asking and when: the tenant, its calendar and working week, and the current time.
#[derive(Debug, Clone)]
pub struct Scope {
    pub tenant: Uuid,
    pub tenant_name: String,
    pub zone: Tz,
    pub hours: BusinessHours,
    /// A reply within this many minutes counts as responsive.
    pub responsive_minutes: i32,
    pub now: DateTime<Utc>,
}

impl Scope {
    /// The tenant's scope as of `now`.
    ///
    /// # Errors
    /// [`InsightsError::NotFound`] for an unknown tenant, or a database failure.
    pub async fn load(
        pool: &PgPool,
        tenant: Uuid,
        responsive_minutes: i32,
        now: DateTime<Utc>,
    ) -> Result<Scope, InsightsError> {
        let row = sqlx::query!(
            r#"SELECT COALESCE(company_name, name) AS "name!", timezone, business_days,
                      business_start, business_end
               FROM users WHERE id = $1"#,
            tenant
        )
        .fetch_optional(pool)
        .await?
        .ok_or(InsightsError::NotFound("tenant"))?;
        let zone: Tz = row.timezone.parse().unwrap_or(Tz::UTC);
        Ok(Scope {
            tenant,
            tenant_name: row.name,
            zone,
            hours: BusinessHours {
                days: row
                    .business_days
                    .iter()
                    .filter_map(|d| u32::try_from(*d).ok())
                    .collect(),
                start: row.business_start,
                end: row.business_end,
                zone,
            },
            responsive_minutes,
            now,
        })
    }

    /// The tenant's date today.
    pub fn today(&self) -> chrono::NaiveDate {
        self.now.with_timezone(&self.zone).date_naive()
    }

    /// A period's bounds as stored timestamps (UTC, without zone).
    pub fn bounds(&self, period: &Period) -> (Option<NaiveDateTime>, NaiveDateTime) {
        (
            period.from.map(|f| f.naive_utc()),
            period.to.min(self.now).naive_utc(),
        )
    }
}

/// What an answer is narrowed to.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Filter {
    pub customer: Option<Uuid>,
    pub employee: Option<Uuid>,
    pub period: Option<Period>,
}

impl Filter {
    /// The question's own filter.
    pub fn of(question: &Question) -> Filter {
        Filter {
            customer: question.customer(),
            employee: question.employee(),
            period: question.period,
        }
    }

    /// The stored-timestamp bounds of the filter's period, or everything up to now.
    pub fn bounds(&self, scope: &Scope) -> (Option<NaiveDateTime>, NaiveDateTime) {
        match &self.period {
            Some(p) => scope.bounds(p),
            None => (None, scope.now.naive_utc()),
        }
    }

    /// The period, or the last `days` days when none was named.
    pub fn period_or_last(&self, now: DateTime<Utc>, days: i64) -> Period {
        self.period.unwrap_or_else(|| Period::last_days(now, days))
    }
}

/// The default look-back of statistics (responsiveness, top issues), in days.
pub const DEFAULT_DAYS: i64 = 30;

/// How many items an answer's text lists before it says how many more there are.
pub const SHOWN: usize = 5;

/// The tenant's customers and staff, for finding names in questions.
///
/// # Errors
/// A database failure.
pub async fn directory(pool: &PgPool, tenant: Uuid) -> Result<names::Directory, sqlx::Error> {
    let customers = sqlx::query!(
        r#"SELECT id, name, primary_domain,
                  known_emails AS "known_emails: sqlx::types::Json<Vec<String>>"
           FROM customers WHERE user_id = $1"#,
        tenant
    )
    .fetch_all(pool)
    .await?;
    let staff = sqlx::query!(
        "SELECT id, name, email FROM employees WHERE user_id = $1",
        tenant
    )
    .fetch_all(pool)
    .await?;
    let mut entries = Vec::with_capacity(customers.len() + staff.len());
    for c in customers {
        let emails = c.known_emails.map(|j| j.0).unwrap_or_default();
        entries.push(names::Entry::new(
            names::Kind::Customer,
            c.id,
            &c.name,
            c.primary_domain.as_deref(),
            &emails,
        ));
    }
    for e in staff {
        entries.push(names::Entry::new(
            names::Kind::Employee,
            e.id,
            &e.name,
            None,
            &[e.email],
        ));
    }
    Ok(names::Directory::new(entries))
}

/// Answers a free-text question.
///
/// # Errors
/// A database failure.
pub async fn ask(pool: &PgPool, scope: &Scope, text: &str) -> Result<Answer, InsightsError> {
    let directory = directory(pool, scope.tenant).await?;
    let question = question::route(text, &directory, scope.now, scope.zone);
    answer(pool, scope, &question).await
}

/// Answers a question already routed.
///
/// # Errors
/// A database failure.
pub async fn answer(
    pool: &PgPool,
    scope: &Scope,
    question: &Question,
) -> Result<Answer, InsightsError> {
    let filter = Filter::of(question);
    let until = Period::until(scope.now);
    let answer = match question.intent {
        Intent::UnhappyCustomers => {
            let items = at_risk::load(pool, scope, &filter).await?;
            let text = at_risk::describe(&items, scope, &filter);
            build(
                question.intent,
                text,
                &items,
                filter.period.unwrap_or(until),
            )
        }
        Intent::WaitingOnUs => {
            let items = waiting::load(pool, scope, &filter).await?;
            let text = waiting::describe(&items, scope);
            build(
                question.intent,
                text,
                &items,
                filter.period.unwrap_or(until),
            )
        }
        Intent::NeedsReply => {
            let items = replies::load(pool, scope, &filter).await?;
            let text = replies::describe(&items, scope);
            build(
                question.intent,
                text,
                &items,
                filter.period.unwrap_or(until),
            )
        }
        Intent::Responsiveness => {
            let period = filter.period_or_last(scope.now, DEFAULT_DAYS);
            let items = responsiveness::load(pool, scope, &filter, &period).await?;
            let text = responsiveness::describe(&items, scope);
            build(question.intent, text, &items, period)
        }
        Intent::Tasks => {
            let items = tasks::load(pool, scope, &filter, question.overdue_only).await?;
            let text = tasks::describe(&items, question.overdue_only);
            build(
                question.intent,
                text,
                &items,
                filter.period.unwrap_or(until),
            )
        }
        Intent::TopIssues => {
            let period = filter.period_or_last(scope.now, DEFAULT_DAYS);
            let items = issues::load(pool, scope, &filter, &period).await?;
            let text = issues::describe(&items);
            build(question.intent, text, &items, period)
        }
        Intent::Customer => {
            let id = question
                .customer()
                .ok_or(InsightsError::NotFound("customer"))?;
            let report = customer::load(pool, scope, id).await?;
            let text = customer::describe(&report, scope);
            build(question.intent, text, &[report], until)
        }
        Intent::Employee => {
            let id = question
                .employee()
                .ok_or(InsightsError::NotFound("employee"))?;
            let period = filter.period_or_last(scope.now, DEFAULT_DAYS);
            let report = employee::load(pool, scope, id, &period).await?;
            let text = employee::describe(&report, scope);
            build(question.intent, text, &[report], period)
        }
        Intent::DailySummary => {
            let date = question.day(scope.now, scope.zone);
            let report = summary::compute(pool, scope, date).await?;
            let text = summary::describe(&report, scope);
            let period = Period::days(date, date, scope.zone);
            build(question.intent, text, &[report], period)
        }
        Intent::Help => build::<serde_json::Value>(question.intent, help(), &[], until),
    };
    Ok(answer)
}

fn build<T: Serialize>(intent: Intent, text: String, items: &[T], period: Period) -> Answer {
    Answer {
        intent,
        text,
        items: items
            .iter()
            .take(MAX_ITEMS)
            .filter_map(|i| serde_json::to_value(i).ok())
            .collect(),
        total: items.len(),
        period,
    }
}

/// What can be asked, for a question that fits nothing.
pub fn help() -> String {
    [
        "I can answer these (in English, Deutsch, français or español):",
        "• Which customers are unhappy or at risk, and why?",
        "• What are customers waiting on from us?",
        "• Which emails still need a reply?",
        "• How responsive is the team — who is slowest?",
        "• Which tasks are open or overdue?",
        "• What are the top issues this week?",
        "• How is <customer> doing? · How is <colleague> doing? · Summary for yesterday",
    ]
    .join("\n")
}

/// The six questions of the Q&A dashboard, answered at once.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub unhappy_customers: Answer,
    pub waiting_on_us: Answer,
    pub needs_reply: Answer,
    pub responsiveness: Answer,
    pub tasks: Answer,
    pub top_issues: Answer,
}

/// Answers the six questions of the design for a period (each its default when `None`).
///
/// # Errors
/// A database failure.
pub async fn dashboard(
    pool: &PgPool,
    scope: &Scope,
    period: Option<Period>,
) -> Result<Dashboard, InsightsError> {
    let ask = |intent: Intent, overdue_only: bool| Question {
        intent,
        about: None,
        period,
        overdue_only,
    };
    // Six independent answers, asked at once on the pool's connections.
    let questions = [
        ask(Intent::UnhappyCustomers, false),
        ask(Intent::WaitingOnUs, false),
        ask(Intent::NeedsReply, false),
        ask(Intent::Responsiveness, false),
        ask(Intent::Tasks, false),
        ask(Intent::TopIssues, false),
    ];
    let (unhappy_customers, waiting_on_us, needs_reply, responsiveness, tasks, top_issues) = tokio::try_join!(
        answer(pool, scope, &questions[0]),
        answer(pool, scope, &questions[1]),
        answer(pool, scope, &questions[2]),
        answer(pool, scope, &questions[3]),
        answer(pool, scope, &questions[4]),
        answer(pool, scope, &questions[5]),
    )?;
    let mut dashboard = Dashboard {
        unhappy_customers,
        waiting_on_us,
        needs_reply,
        responsiveness,
        tasks,
        top_issues,
    };
    for answer in [
        &mut dashboard.unhappy_customers,
        &mut dashboard.waiting_on_us,
        &mut dashboard.needs_reply,
        &mut dashboard.responsiveness,
        &mut dashboard.tasks,
        &mut dashboard.top_issues,
    ] {
        answer.items.truncate(DASHBOARD_ITEMS);
    }
    Ok(dashboard)
}

/// The most items each of the dashboard's answers carries (its `total` says how many there
/// are; the answer alone, through `ask`, carries up to [`MAX_ITEMS`]).
pub const DASHBOARD_ITEMS: usize = 50;
