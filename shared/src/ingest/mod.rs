//! Ingestion: a received message becomes rows in PostgreSQL exactly once, or a recorded
//! rejection — never nothing.
//!
//! For each message, in one transaction holding the tenant's lock: read it (MIME, forward),
//! find the tenant by recipient, apply the trust and attribution rules, find or create the
//! customer and employee, recognise a duplicate (by Message-ID, or by a fingerprint that also
//! matches a forwarded copy, which has lost its Message-ID), thread it, store it, match
//! replies in its thread, analyse it (`analysis`), and record what was received. The
//! customer's health and tasks are then re-derived — in the same transaction for a single
//! message, once per customer after a bulk load — and the employees' reply statistics and task
//! counters recomputed. A database failure rolls the message back whole and is returned, so
//! that the caller can retry; bad input is an outcome, not an error.

pub mod attribution;
mod store;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use thiserror::Error;
use uuid::Uuid;

pub use attribution::{Direction, Rejection};

use crate::mail::{self, Reading};

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    File,
    Smtp,
    Http,
    Ses,
    S3,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::File => "file",
            Source::Smtp => "smtp",
            Source::Http => "http",
            Source::Ses => "ses",
            Source::S3 => "s3",
        }
    }
}

/// One message as received.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub raw: Vec<u8>,
    pub source: Source,
    /// Envelope recipients (SMTP `RCPT TO`, SES recipients); empty when unknown, and then the
    /// headers name the tenant.
    pub envelope_recipients: Vec<String>,
    /// Checks the receiving server failed (SES spam, virus, SPF, DKIM, DMARC verdicts).
    pub failed_verdicts: Vec<String>,
}

impl Inbound {
    pub fn new(raw: Vec<u8>, source: Source, envelope_recipients: Vec<String>) -> Inbound {
        Inbound {
            raw,
            source,
            envelope_recipients,
            failed_verdicts: Vec::new(),
        }
    }
}

/// Settings of ingestion.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A reply within this many minutes counts toward responsiveness.
    pub responsive_within_minutes: i32,
    /// Analyses each stored email in the transaction that stores it, and re-derives its
    /// customer's health and tasks. `None` stores without analysis (a bulk import to be
    /// analysed later with `trellin reanalyze`).
    pub analyzer: Option<std::sync::Arc<crate::analysis::Analyzer>>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            responsive_within_minutes: 24 * 60,
            analyzer: Some(std::sync::Arc::new(crate::analysis::Analyzer::default())),
        }
    }
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Stored { email_id: Uuid },
    Duplicate { of: Uuid },
    Rejected(Rejection),
}

impl Outcome {
    /// The stored email: the new one, or the one a duplicate repeats.
    pub fn email_id(&self) -> Option<Uuid> {
        match self {
            Outcome::Stored { email_id } => Some(*email_id),
            Outcome::Duplicate { of } => Some(*of),
            Outcome::Rejected(_) => None,
        }
    }

    /// Why a message was not stored as new mail, as it is recorded.
    pub fn reason(&self) -> Option<String> {
        match self {
            Outcome::Stored { .. } => None,
            Outcome::Duplicate { of } => Some(format!(
                "duplicate: the same email is already stored ({of})"
            )),
            Outcome::Rejected(rejection) => Some(rejection.to_string()),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Stored { .. } => "stored",
            Outcome::Duplicate { .. } => "duplicate",
            Outcome::Rejected(_) => "rejected",
        }
    }
}

/// The email as stored (or as it would have been, for a duplicate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub direction: Direction,
    pub from: String,
    pub to: Option<String>,
    pub subject: Option<String>,
    pub timestamp: DateTime<Utc>,
    pub customer: String,
    pub employee: String,
    pub forwarded_by: Option<String>,
}

/// The result of ingesting one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    /// The `inbound_messages` row.
    pub record_id: Uuid,
    pub tenant: Option<String>,
    pub outcome: Outcome,
    pub summary: Option<Summary>,
}

#[derive(Debug, Error)]
pub enum IngestError {
    #[error("database failure while ingesting; nothing of the message was written")]
    Database(#[from] sqlx::Error),
    #[error("an ingestion worker stopped: {0}")]
    Worker(String),
}

/// Ingests one message.
///
/// # Errors
/// [`IngestError::Database`] when the database fails: the message is not written at all and
/// may be retried.
pub async fn ingest(
    pool: &PgPool,
    inbound: &Inbound,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Result<Ingested, IngestError> {
    let result = store::ingest_one(pool, inbound, now, settings).await?;
    if let Some(tenant) = result.tenant_id {
        store::refresh_tenant(pool, tenant, settings, now).await?;
    }
    Ok(result.ingested)
}

/// How many messages bulk ingestion commits at once.
pub const BATCH_SIZE: usize = 250;

/// Ingests many messages in bulk. The messages are divided by customer among parallel
/// workers (one per core, at most four); each worker ingests its share in order, [`BATCH_SIZE`]
/// messages per transaction (each email stored with its analysis), under the customers'
/// locks. Then each customer that got mail has its health and tasks re-derived (one
/// transaction each; until then they are as before the load), and the employees' statistics
/// are recomputed. Results come back in input order.
///
/// # Errors
/// As [`ingest`]; batches already committed stay ingested, a failing batch is rolled back
/// whole.
pub async fn ingest_all(
    pool: &PgPool,
    inbound: &[Inbound],
    now: DateTime<Utc>,
    settings: &Settings,
) -> Result<Vec<Ingested>, IngestError> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let mut tenants = std::collections::HashMap::new();
    let mut delivered: Vec<Option<Delivered>> = Vec::with_capacity(inbound.len());
    let mut by_key: std::collections::BTreeMap<i64, Vec<usize>> = std::collections::BTreeMap::new();
    for (index, message) in inbound.iter().enumerate() {
        let read = Delivered::read(message);
        let key = store::partition_key(pool, &mut tenants, &read)
            .await?
            .unwrap_or(0);
        by_key.entry(key).or_default().push(index);
        delivered.push(Some(read));
    }
    // Largest customers first, each to the least loaded worker; a worker keeps input order.
    let mut groups: Vec<Vec<usize>> = by_key.into_values().collect();
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let mut shares: Vec<Vec<usize>> = vec![Vec::new(); workers];
    for group in groups {
        if let Some(lightest) = shares.iter_mut().min_by_key(|s| s.len()) {
            lightest.extend(group);
        }
    }
    let mut tasks = tokio::task::JoinSet::new();
    for mut share in shares.into_iter().filter(|s| !s.is_empty()) {
        share.sort_unstable();
        // Each worker owns its messages, read once above.
        let mine: Vec<(usize, Inbound, Delivered)> = share
            .into_iter()
            .filter_map(|i| delivered[i].take().map(|d| (i, inbound[i].clone(), d)))
            .collect();
        let pool = pool.clone();
        let settings = settings.clone();
        tasks.spawn(async move {
            let mut done = Vec::with_capacity(mine.len());
            for chunk in mine.chunks(BATCH_SIZE) {
                let batch: Vec<(&Inbound, &Delivered)> =
                    chunk.iter().map(|(_, m, d)| (m, d)).collect();
                let results = store::ingest_batch(&pool, &batch, now, &settings).await?;
                done.extend(chunk.iter().map(|(i, _, _)| *i).zip(results));
            }
            Ok::<_, sqlx::Error>(done)
        });
    }
    let mut indexed = Vec::with_capacity(inbound.len());
    while let Some(joined) = tasks.join_next().await {
        let done = joined.map_err(|e| IngestError::Worker(e.to_string()))??;
        indexed.extend(done);
    }
    indexed.sort_by_key(|(index, _)| *index);
    let customers: Vec<(Uuid, (Uuid, i64))> = indexed
        .iter()
        .filter_map(|(_, r)| r.tenant_id.zip(r.stored_for))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    store::refresh_customers(pool, &customers).await?;
    let touched: std::collections::BTreeSet<Uuid> =
        indexed.iter().filter_map(|(_, r)| r.tenant_id).collect();
    for tenant in touched {
        store::refresh_tenant(pool, tenant, settings, now).await?;
    }
    Ok(indexed.into_iter().map(|(_, r)| r.ingested).collect())
}

/// Records a message that could not even be fetched (a missing S3 object) as rejected, with
/// the tenant its envelope names, if any.
///
/// # Errors
/// A database failure.
pub async fn reject(
    pool: &PgPool,
    inbound: &Inbound,
    rejection: Rejection,
    now: DateTime<Utc>,
) -> Result<Ingested, IngestError> {
    let tenant = store::tenant_of(pool, &inbound.envelope_recipients).await?;
    Ok(store::record_unread(pool, inbound, tenant.as_ref(), rejection, now).await?)
}

/// Ingests a message posted with a tenant's inbound secret (the HTTP inbound endpoint). When
/// the recipient names a tenant and the secret is not that tenant's, the message is refused:
/// recorded as rejected (`unauthorized`) and not read further.
///
/// # Errors
/// As [`ingest`].
pub async fn ingest_with_secret(
    pool: &PgPool,
    inbound: &Inbound,
    secret: Option<&str>,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Result<Ingested, IngestError> {
    if let Some(tenant) = store::tenant_of(pool, &inbound.envelope_recipients).await? {
        let expected = tenant.inbound_secret.as_deref().unwrap_or_default();
        let given = secret.unwrap_or_default();
        if expected.is_empty() || !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            return Ok(store::record_unread(
                pool,
                inbound,
                Some(&tenant),
                Rejection::Unauthorized,
                now,
            )
            .await?);
        }
    }
    ingest(pool, inbound, now, settings).await
}

/// Compares secrets without leaking where they differ through timing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A received message read once: its parts (or why it cannot be read) and the recipients
/// that decide its tenant — the envelope, else the addresses its headers name.
pub(crate) struct Delivered {
    pub parsed: Result<Parsed, mail::ParseError>,
    pub recipients: Vec<String>,
}

/// A message's parts as ingestion uses them: the outer message, what Trellin reads from it,
/// and the original's Message-ID when it survived (a message itself, or an attached original).
pub(crate) struct Parsed {
    pub email: mail::ParsedEmail,
    pub reading: Reading,
    pub original_id: Option<String>,
}

impl Delivered {
    pub(crate) fn read(inbound: &Inbound) -> Delivered {
        let parsed = mail::parse(&inbound.raw).map(|email| {
            let reading = Reading::of_message(&email);
            let original_id = if reading.forwarded {
                email
                    .attached
                    .as_deref()
                    .filter(|a| a.subject == reading.original.subject)
                    .and_then(|a| a.message_id.clone())
            } else {
                email.message_id.clone()
            };
            Parsed {
                email,
                reading,
                original_id,
            }
        });
        let recipients = match (&parsed, inbound.envelope_recipients.is_empty()) {
            (_, false) => inbound.envelope_recipients.clone(),
            (Ok(p), true) => {
                let e = &p.email;
                let listed =
                    e.to.iter()
                        .chain(&e.cc)
                        .chain(&e.bcc)
                        .filter_map(|m| m.address.clone());
                e.delivered_to.iter().cloned().chain(listed).collect()
            }
            (Err(_), true) => Vec::new(),
        };
        Delivered { parsed, recipients }
    }
}
