//! The `digest` and `digest-worker` functions. Every hour EventBridge invokes `digest`: its
//! tick finds the tenants whose digest is due ([`trellin::digest::due`]) and puts one SQS
//! message per tenant, so thousands of tenants fan out across Lambda concurrency instead of one
//! loop. `digest-worker` consumes the queue in batches and delivers each tenant's digest
//! ([`trellin::digest::deliver`]); a tenant whose delivery fails is reported as a partial
//! batch failure, so SQS retries it alone (and, after a few tries, moves it to the dead-letter
//! queue) while the others' messages are deleted. Sending twice is impossible either way: each
//! (tenant, date, channel) is sent once, whatever the queue delivers.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use thiserror::Error;
use tokio::task::JoinSet;
use trellin::config::Config;
use trellin::digest::{Due, Outbox};

/// SQS takes at most ten messages a call.
const BATCH: usize = 10;
/// Calls to SQS in flight at once.
const IN_FLIGHT: usize = 32;

#[derive(Debug, Error)]
pub enum DigestError {
    #[error("TRELLIN_DIGEST_QUEUE_URL is not set: the tick has nowhere to put its work")]
    NoQueue,
    #[error(transparent)]
    Invocation(#[from] super::ingest::InvocationError),
    #[error("database failure")]
    Database(#[from] sqlx::Error),
    #[error("{failed} of {due} tenants could not be queued: {first}")]
    Enqueue {
        failed: usize,
        due: usize,
        first: String,
    },
}

/// What a tick did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Enqueued {
    pub due: usize,
    pub queued: usize,
}

/// The functions' resources, built once per cold start.
pub struct DigestFunction {
    pub pool: PgPool,
    pub queue: Option<(aws_sdk_sqs::Client, String)>,
    pub outbox: Outbox,
    pub responsive_minutes: i32,
}

impl DigestFunction {
    /// Builds the function from the environment (the pool connects on first use).
    ///
    /// # Errors
    /// No or an invalid `DATABASE_URL`.
    pub async fn from_config(config: &Config) -> Result<DigestFunction, DigestError> {
        let sdk = crate::aws::sdk().await;
        Ok(DigestFunction {
            pool: super::pool(config)?,
            queue: config
                .digest_queue_url
                .clone()
                .map(|url| (aws_sdk_sqs::Client::new(&sdk), url)),
            outbox: crate::aws::outbox(config).await,
            responsive_minutes: config.responsive_minutes(),
        })
    }

    /// The hourly tick: one message per due tenant, ten to a call, many calls at once.
    ///
    /// # Errors
    /// No queue, a database failure, or messages SQS refused (the invocation fails, and the
    /// tenants stay due for the next attempt).
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<Enqueued, DigestError> {
        let (client, url) = self.queue.as_ref().ok_or(DigestError::NoQueue)?;
        let due = trellin::digest::due(&self.pool, now).await?;
        let mut calls = JoinSet::new();
        let mut failures: Vec<String> = Vec::new();
        let mut queued = 0;
        for chunk in due.chunks(BATCH) {
            let entries: Vec<SendMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, one)| {
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(serde_json::to_string(one).unwrap_or_default())
                        .build()
                        .ok()
                })
                .collect();
            let call = client
                .send_message_batch()
                .queue_url(url)
                .set_entries(Some(entries));
            let n = chunk.len();
            calls.spawn(async move { (n, call.send().await) });
            if calls.len() >= IN_FLIGHT
                && let Some(done) = calls.join_next().await
            {
                queued += count(done, &mut failures);
            }
        }
        while let Some(done) = calls.join_next().await {
            queued += count(done, &mut failures);
        }
        if queued < due.len() {
            return Err(DigestError::Enqueue {
                failed: due.len() - queued,
                due: due.len(),
                first: failures.into_iter().next().unwrap_or_default(),
            });
        }
        Ok(Enqueued {
            due: due.len(),
            queued,
        })
    }

    /// One batch from the queue: each message a tenant's digest of a date. Messages whose
    /// delivery failed, or that cannot be read, come back as batch item failures.
    pub async fn work(&self, event: SqsEvent, now: DateTime<Utc>) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        for message in event.records {
            let id = message.message_id.clone().unwrap_or_default();
            let Some(due) = message
                .body
                .as_deref()
                .and_then(|b| serde_json::from_str::<Due>(b).ok())
            else {
                // Not ours: retrying cannot help; the dead-letter queue keeps it for a person.
                tracing::error!(message = %id, "a digest message that is not a tenant and date");
                response.batch_item_failures.push(failure(id));
                continue;
            };
            match trellin::digest::deliver(
                &self.pool,
                due,
                now,
                self.responsive_minutes,
                &self.outbox,
            )
            .await
            {
                Ok(done) if done.failed.is_empty() => {}
                Ok(_) => response.batch_item_failures.push(failure(id)),
                Err(why) => {
                    tracing::error!(tenant = %due.tenant, %why, "digest delivery failed");
                    response.batch_item_failures.push(failure(id));
                }
            }
        }
        response
    }
}

type Sent = (
    usize,
    Result<
        aws_sdk_sqs::operation::send_message_batch::SendMessageBatchOutput,
        aws_sdk_sqs::error::SdkError<
            aws_sdk_sqs::operation::send_message_batch::SendMessageBatchError,
        >,
    >,
);

/// How many of a call's messages were queued; what failed goes to `failures`.
fn count(done: Result<Sent, tokio::task::JoinError>, failures: &mut Vec<String>) -> usize {
    match done {
        Ok((_, Ok(output))) => {
            failures.extend(
                output
                    .failed
                    .iter()
                    .map(|f| format!("{}: {}", f.code, f.message.clone().unwrap_or_default())),
            );
            output.successful.len()
        }
        Ok((n, Err(error))) => {
            failures.push(format!(
                "{n} messages: {}",
                aws_sdk_sqs::error::DisplayErrorContext(&error)
            ));
            0
        }
        Err(join) => {
            failures.push(join.to_string());
            0
        }
    }
}

fn failure(id: String) -> BatchItemFailure {
    let mut failure = BatchItemFailure::default();
    failure.item_identifier = id;
    failure
}

/// The moment a scheduled event stands for: its `time`, so that a retried invocation ticks for
/// the same hour; otherwise now.
pub fn event_time(event: &serde_json::Value, now: DateTime<Utc>) -> DateTime<Utc> {
    event
        .get("time")
        .and_then(|t| t.as_str())
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map_or(now, |t| t.with_timezone(&Utc))
}
