//! Getting each digest out once per channel: which tenants are due at a given moment, and the
//! delivery of one tenant's digest of one date to its email recipients, Slack and Discord.
//!
//! `digest_deliveries` holds one row per (tenant, date, channel) with its state, attempts,
//! provider answer and time. A delivery is claimed under a row lock (`FOR UPDATE SKIP LOCKED`)
//! and marked `sent` in the same transaction as the send, so a second tick, a retry or a
//! duplicate queue message never sends twice, and a channel that failed is tried again alone.
//!
//! The world outside is reached through [`Outbox`]: the webhooks client and, where configured,
//! a [`Mailer`] (SES v2 in production) and a [`ChartHost`] (S3 presigned URLs, for Slack,
//! which cannot take an upload through a webhook). Without them a digest is still composed and
//! stored, and goes wherever it can.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use thiserror::Error;
use uuid::Uuid;

use super::{Digest, Totals, compose};
use crate::insights::{InsightsError, Scope};
use crate::notify::{Chat, NotifyError, Webhooks};

/// A cause from an outside service, kept whole.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// Sends email: SES v2 in production.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// The address digests come from.
    fn sender(&self) -> &str;
    /// Sends one raw MIME message to the recipients; returns the provider's message id.
    async fn send_raw(&self, recipients: &[String], raw: Vec<u8>) -> Result<String, Cause>;
}

/// Puts a chart where a chat service can fetch it: S3 with a presigned URL in production.
#[async_trait::async_trait]
pub trait ChartHost: Send + Sync {
    /// Stores the PNG under `key` and returns a URL that reads it for a few days.
    async fn publish(&self, key: &str, png: Vec<u8>) -> Result<String, Cause>;
}

/// Everything a delivery may send through.
#[derive(Default)]
pub struct Outbox {
    pub webhooks: Webhooks,
    pub mailer: Option<Box<dyn Mailer>>,
    pub charts: Option<Box<dyn ChartHost>>,
}

#[derive(Debug, Error)]
pub enum DeliveryError {
    #[error(transparent)]
    Chat(#[from] NotifyError),
    #[error("the email could not be built")]
    Build(#[source] std::io::Error),
    #[error("the email could not be sent: {0}")]
    Mail(#[source] Cause),
}

/// Where one delivery goes: email through the mailer, or a chat webhook.
enum Target<'a> {
    Email(&'a dyn Mailer),
    Chat(Chat, &'a str),
}

impl Target<'_> {
    /// The channel's name in `digest_deliveries`.
    fn channel(&self) -> &'static str {
        match self {
            Target::Email(_) => "email",
            Target::Chat(chat, _) => chat.as_str(),
        }
    }
}

/// One tenant's digest of one date: what a tick fans out, one queue message each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    pub tenant: Uuid,
    pub date: NaiveDate,
}

/// What delivering one tenant's digest did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    /// The digest was composed by this delivery (not found stored).
    pub composed: bool,
    pub sent: Vec<&'static str>,
    /// Channels that failed, and why; they are tried again by the next tick or retry.
    pub failed: Vec<(&'static str, String)>,
}

/// The tenants whose local time at `now` has reached their digest hour and whose digest of
/// their local date has not gone out: not composed yet, or not yet sent to a configured
/// channel.
///
/// # Errors
/// A database failure.
pub async fn due(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<Due>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH local AS (
             SELECT u.id, ($1::timestamptz AT TIME ZONE u.timezone)::date AS date,
                    extract(hour FROM $1::timestamptz AT TIME ZONE u.timezone) AS hour,
                    u.digest_hour,
                    array_remove(ARRAY[
                      CASE WHEN cardinality(u.digest_emails) > 0 THEN 'email' END,
                      CASE WHEN u.slack_webhook IS NOT NULL THEN 'slack' END,
                      CASE WHEN u.discord_webhook IS NOT NULL THEN 'discord' END], NULL) AS channels
             FROM users u)
           SELECT l.id AS "tenant!", l.date AS "date!"
           FROM local l
           WHERE l.hour >= l.digest_hour
             AND (NOT EXISTS (SELECT 1 FROM digests d WHERE d.user_id = l.id AND d.date = l.date)
                  OR EXISTS (SELECT 1 FROM unnest(l.channels) AS c(channel)
                             WHERE NOT EXISTS (SELECT 1 FROM digest_deliveries x
                                               WHERE x.user_id = l.id AND x.date = l.date
                                                 AND x.channel = c.channel AND x.state = 'sent')))
           ORDER BY l.id"#,
        now
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Due {
            tenant: r.tenant,
            date: r.date,
        })
        .collect())
}

/// Composes the tenant's digest of `date` if it is not stored yet, then sends it to every
/// configured channel the outbox can reach and that has not had it.
///
/// # Errors
/// A database failure (a channel's failure is recorded and reported in [`Delivered`]).
pub async fn deliver(
    pool: &PgPool,
    due: Due,
    now: DateTime<Utc>,
    responsive_minutes: i32,
    outbox: &Outbox,
) -> Result<Delivered, InsightsError> {
    let mut done = Delivered::default();
    let stored = load(pool, due).await?;
    let digest = match stored {
        Some(digest) => digest,
        None => {
            let scope = Scope::load(pool, due.tenant, responsive_minutes, now).await?;
            done.composed = true;
            compose(pool, &scope, due.date).await?
        }
    };
    let settings = sqlx::query!(
        "SELECT digest_emails, slack_webhook, discord_webhook FROM users WHERE id = $1",
        due.tenant
    )
    .fetch_one(pool)
    .await?;
    // The configured channels this outbox can reach, in a fixed order.
    let mut targets = Vec::new();
    if let Some(mailer) = outbox.mailer.as_deref()
        && !settings.digest_emails.is_empty()
    {
        targets.push(Target::Email(mailer));
    }
    if let Some(url) = settings.slack_webhook.as_deref() {
        targets.push(Target::Chat(Chat::Slack, url));
    }
    if let Some(url) = settings.discord_webhook.as_deref() {
        targets.push(Target::Chat(Chat::Discord, url));
    }
    for target in targets {
        let channel = target.channel();
        let mut tx = pool.begin().await?;
        let Some(delivery) = claim(&mut tx, due, channel).await? else {
            continue;
        };
        let outcome = match target {
            Target::Email(mailer) => send_email(mailer, &digest, &settings.digest_emails).await,
            Target::Chat(chat, url) => {
                // Slack shows the chart from a URL; Discord takes it attached.
                let chart_url = match chat {
                    Chat::Slack => publish_chart(outbox, due, &digest).await,
                    Chat::Discord => None,
                };
                outbox
                    .webhooks
                    .send(chat, url, &digest, chart_url.as_deref())
                    .await
                    .map_err(DeliveryError::from)
            }
        };
        let (state, provider, error) = match &outcome {
            Ok(answer) => ("sent", Some(answer.clone()), None),
            Err(failure) => ("failed", None, Some(failure.to_string())),
        };
        sqlx::query!(
            r#"UPDATE digest_deliveries SET state = $2, attempts = attempts + 1,
                      provider_id = COALESCE($3, provider_id), last_error = $4,
                      sent_at = CASE WHEN $2 = 'sent' THEN $5::timestamp END, updated_at = $5
               WHERE id = $1"#,
            delivery,
            state,
            provider,
            error,
            now.naive_utc()
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        match error {
            None => done.sent.push(channel),
            Some(why) => {
                tracing::warn!(tenant = %due.tenant, channel, %why, "digest delivery failed");
                done.failed.push((channel, why));
            }
        }
    }
    Ok(done)
}

/// The stored digest of the date, chart included.
async fn load(pool: &PgPool, due: Due) -> Result<Option<Digest>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT date, subject, text, html, totals AS "totals: sqlx::types::Json<Totals>", chart
           FROM digests WHERE user_id = $1 AND date = $2"#,
        due.tenant,
        due.date
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Digest {
        date: r.date,
        subject: r.subject,
        text: r.text,
        html: r.html,
        totals: r.totals.0,
        chart: r.chart,
    }))
}

/// Locks the channel's delivery row (creating it), unless it was sent or another process
/// holds it.
async fn claim(
    tx: &mut sqlx::PgConnection,
    due: Due,
    channel: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO digest_deliveries (user_id, date, channel, state)
           VALUES ($1, $2, $3, 'pending') ON CONFLICT (user_id, date, channel) DO NOTHING"#,
        due.tenant,
        due.date,
        channel
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query_scalar!(
        r#"SELECT id FROM digest_deliveries
           WHERE user_id = $1 AND date = $2 AND channel = $3 AND state <> 'sent'
           FOR UPDATE SKIP LOCKED"#,
        due.tenant,
        due.date,
        channel
    )
    .fetch_optional(&mut *tx)
    .await
}

async fn send_email(
    mailer: &dyn Mailer,
    digest: &Digest,
    recipients: &[String],
) -> Result<String, DeliveryError> {
    let raw =
        super::email::message(digest, mailer.sender(), recipients).map_err(DeliveryError::Build)?;
    mailer
        .send_raw(recipients, raw)
        .await
        .map_err(DeliveryError::Mail)
}

/// The chart's public URL for Slack; without a host or a chart, Slack gets the text alone.
async fn publish_chart(outbox: &Outbox, due: Due, digest: &Digest) -> Option<String> {
    let (host, chart) = (outbox.charts.as_ref()?, digest.chart.as_ref()?);
    let key = format!("digests/{}/{}/chart.png", due.tenant, due.date);
    match host.publish(&key, chart.clone()).await {
        Ok(url) => Some(url),
        Err(why) => {
            tracing::warn!(tenant = %due.tenant, %why, "the chart could not be published; Slack gets the text alone");
            None
        }
    }
}

/// A digest a tick composed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub tenant: Uuid,
    pub date: NaiveDate,
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tick {
    pub composed: Vec<Composed>,
    /// Deliveries made: tenant, date, channel.
    pub sent: Vec<(Uuid, NaiveDate, &'static str)>,
    /// Deliveries that failed (tried again next tick): tenant, date, channel, why.
    pub failed: Vec<(Uuid, NaiveDate, &'static str, String)>,
}

/// One tick of the schedule in one process: every tenant [`due`] at `now`, delivered in turn.
/// (On AWS the tick only enqueues the due tenants and workers deliver them; see the `digest`
/// and `digest-worker` functions.)
///
/// # Errors
/// A database failure.
pub async fn run_once(
    pool: &PgPool,
    now: DateTime<Utc>,
    responsive_minutes: i32,
    outbox: &Outbox,
) -> Result<Tick, InsightsError> {
    let mut tick = Tick::default();
    for one in due(pool, now).await? {
        let done = deliver(pool, one, now, responsive_minutes, outbox).await?;
        if done.composed {
            tick.composed.push(Composed {
                tenant: one.tenant,
                date: one.date,
            });
        }
        tick.sent
            .extend(done.sent.into_iter().map(|c| (one.tenant, one.date, c)));
        tick.failed.extend(
            done.failed
                .into_iter()
                .map(|(c, why)| (one.tenant, one.date, c, why)),
        );
    }
    Ok(tick)
}
