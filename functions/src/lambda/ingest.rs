//! The `ingest` function: SES receipt events (the raw message stored by SES's S3 action) and
//! S3 put events for those objects. Each message is fetched with the S3 client and ingested.
//! A bad message is recorded as rejected and the batch goes on; a transient failure (the
//! database or S3 unavailable) fails the invocation so that Lambda retries it — messages
//! already ingested then come back as duplicates, and the failing one was never half-written.

use std::future::Future;

use aws_lambda_events::event::s3::S3Event;
use aws_lambda_events::event::ses::{SimpleEmailEvent, SimpleEmailVerdict};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;
use trellin::config::Config;
use trellin::ingest::{self, Inbound, Rejection, Settings, Source};

/// Where raw messages are read from.
pub trait RawMailStore: Send + Sync {
    fn get(
        &self,
        bucket: &str,
        key: &str,
    ) -> impl Future<Output = Result<Vec<u8>, FetchError>> + Send;
}

/// Why a raw message could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The object is not there: the event is bad, retrying will not help.
    #[error("s3://{bucket}/{key} does not exist")]
    Missing { bucket: String, key: String },
    /// S3 failed; retrying may help.
    #[error("cannot read s3://{bucket}/{key}")]
    Unavailable {
        bucket: String,
        key: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl RawMailStore for aws_sdk_s3::Client {
    async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, FetchError> {
        let unavailable =
            |source: Box<dyn std::error::Error + Send + Sync>| FetchError::Unavailable {
                bucket: bucket.to_owned(),
                key: key.to_owned(),
                source,
            };
        match self.get_object().bucket(bucket).key(key).send().await {
            Ok(object) => {
                let bytes = object
                    .body
                    .collect()
                    .await
                    .map_err(|e| unavailable(Box::new(e)))?;
                Ok(bytes.into_bytes().to_vec())
            }
            Err(error) => {
                let missing = error.as_service_error().is_some_and(|e| e.is_no_such_key());
                if missing {
                    Err(FetchError::Missing {
                        bucket: bucket.to_owned(),
                        key: key.to_owned(),
                    })
                } else {
                    Err(unavailable(Box::new(error)))
                }
            }
        }
    }
}

/// The function's resources, built once per cold start.
pub struct IngestFunction<S> {
    pub pool: PgPool,
    pub store: S,
    pub bucket: Option<String>,
    pub prefix: String,
    pub settings: Settings,
}

/// What the invocation did, message by message.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Report {
    pub messages: Vec<ReportItem>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ReportItem {
    pub object: String,
    pub outcome: String,
    pub reason: Option<String>,
}

/// One message to fetch and ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub bucket: String,
    pub key: String,
    pub source: Source,
    pub recipients: Vec<String>,
    pub failed_verdicts: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum InvocationError {
    #[error("the event is neither an SES receipt nor an S3 notification: {0}")]
    UnknownEvent(String),
    #[error("an SES event names no bucket: set TRELLIN_INBOUND_BUCKET or use an S3 action")]
    NoBucket,
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Ingest(#[from] ingest::IngestError),
    #[error("DATABASE_URL must be set for the Lambda functions")]
    NoDatabase,
    #[error("invalid DATABASE_URL")]
    BadDatabaseUrl(#[source] sqlx::Error),
}

/// S3 event keys are URL-encoded, with `+` for spaces (`url_decoded_key` is never filled).
pub fn decode_key(key: &str) -> String {
    percent_encoding::percent_decode_str(&key.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn failed(verdicts: [(&str, &SimpleEmailVerdict); 5]) -> Vec<String> {
    verdicts
        .iter()
        .filter(|(_, v)| {
            v.status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("FAIL"))
        })
        .map(|(name, _)| (*name).to_owned())
        .collect()
}

/// The messages an event names.
///
/// # Errors
/// An event of another kind, or an SES event without a bucket.
pub fn jobs(
    event: &Value,
    bucket: Option<&str>,
    prefix: &str,
) -> Result<Vec<Job>, InvocationError> {
    let first = event.get("Records").and_then(|r| r.get(0));
    if first.is_some_and(|r| r.get("ses").is_some()) {
        let ses: SimpleEmailEvent = serde_json::from_value(event.clone())
            .map_err(|e| InvocationError::UnknownEvent(e.to_string()))?;
        return ses
            .records
            .into_iter()
            .map(|record| {
                let receipt = record.ses.receipt;
                let action = receipt.action;
                let stored_by_s3_action = action.type_.as_deref() == Some("S3");
                let bucket = action
                    .bucket_name
                    .filter(|_| stored_by_s3_action)
                    .or_else(|| bucket.map(str::to_owned))
                    .ok_or(InvocationError::NoBucket)?;
                let key = action
                    .object_key
                    .filter(|_| stored_by_s3_action)
                    .unwrap_or_else(|| {
                        format!("{prefix}{}", record.ses.mail.message_id.unwrap_or_default())
                    });
                Ok(Job {
                    bucket,
                    key,
                    source: Source::Ses,
                    recipients: receipt
                        .recipients
                        .iter()
                        .map(|r| r.to_lowercase())
                        .collect(),
                    failed_verdicts: failed([
                        ("spam", &receipt.spam_verdict),
                        ("virus", &receipt.virus_verdict),
                        ("SPF", &receipt.spf_verdict),
                        ("DKIM", &receipt.dkim_verdict),
                        ("DMARC", &receipt.dmarc_verdict),
                    ]),
                })
            })
            .collect();
    }
    if first.is_some_and(|r| r.get("s3").is_some()) {
        let s3: S3Event = serde_json::from_value(event.clone())
            .map_err(|e| InvocationError::UnknownEvent(e.to_string()))?;
        return Ok(s3
            .records
            .into_iter()
            .filter_map(|record| {
                let bucket = record.s3.bucket.name?;
                let key = decode_key(&record.s3.object.key?);
                Some(Job {
                    bucket,
                    key,
                    source: Source::S3,
                    recipients: Vec::new(),
                    failed_verdicts: Vec::new(),
                })
            })
            .collect());
    }
    Err(InvocationError::UnknownEvent(
        event.to_string().chars().take(200).collect(),
    ))
}

impl IngestFunction<aws_sdk_s3::Client> {
    /// Builds the function from the environment: the pool (connected lazily, so that a
    /// database outage fails invocations, not the cold start) and the S3 client.
    ///
    /// # Errors
    /// No or an invalid `DATABASE_URL`.
    pub async fn from_config(config: &Config) -> Result<Self, InvocationError> {
        let pool = super::pool(config)?;
        let s3 = crate::aws::s3(&crate::aws::sdk().await, config);
        Ok(IngestFunction {
            pool,
            store: s3,
            bucket: config.inbound_bucket.clone(),
            prefix: config.inbound_prefix.clone(),
            settings: config.ingest_settings(),
        })
    }
}

impl<S: RawMailStore> IngestFunction<S> {
    /// Handles one invocation.
    ///
    /// # Errors
    /// A transient failure (database, S3) or an event of another kind: the invocation fails
    /// and Lambda retries it.
    pub async fn handle(
        &self,
        event: &Value,
        now: DateTime<Utc>,
    ) -> Result<Report, InvocationError> {
        let mut messages = Vec::new();
        for job in jobs(event, self.bucket.as_deref(), &self.prefix)? {
            let object = format!("s3://{}/{}", job.bucket, job.key);
            let mut inbound = Inbound::new(Vec::new(), job.source, job.recipients.clone());
            inbound.failed_verdicts = job.failed_verdicts.clone();
            let result = match self.store.get(&job.bucket, &job.key).await {
                Ok(raw) => {
                    inbound.raw = raw;
                    ingest::ingest(&self.pool, &inbound, now, &self.settings).await?
                }
                Err(missing @ FetchError::Missing { .. }) => {
                    let rejection = Rejection::Malformed(missing.to_string());
                    ingest::reject(&self.pool, &inbound, rejection, now).await?
                }
                Err(transient) => return Err(transient.into()),
            };
            let reason = result.outcome.reason();
            tracing::info!(%object, outcome = result.outcome.as_str(), reason = reason.as_deref(), "ingested");
            messages.push(ReportItem {
                object,
                outcome: result.outcome.as_str().to_owned(),
                reason,
            });
        }
        Ok(Report { messages })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn s3_keys_are_url_decoded() {
        assert_eq!(
            super::decode_key("inbound/Happy%20Face+2.eml"),
            "inbound/Happy Face 2.eml"
        );
    }
}
