//! The AWS side of the digest: SES v2 sends its email, S3 hosts its chart for Slack behind a
//! presigned URL, SQS carries the tick's fan-out. Clients are built once from the SDK's
//! environment (`AWS_ENDPOINT_URL` points them all at a local stand-in such as moto).

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use trellin::config::Config;
use trellin::digest::{ChartHost, Mailer, Outbox, delivery::Cause};

/// How long Slack may fetch a digest's chart: a week, the longest a presigned URL lives.
const CHART_URL_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Sends digests through SES v2 as raw MIME (text, HTML and the chart inline).
pub struct SesMailer {
    pub client: aws_sdk_sesv2::Client,
    pub sender: String,
}

#[async_trait::async_trait]
impl Mailer for SesMailer {
    fn sender(&self) -> &str {
        &self.sender
    }

    async fn send_raw(&self, recipients: &[String], raw: Vec<u8>) -> Result<String, Cause> {
        let message = RawMessage::builder().data(Blob::new(raw)).build()?;
        let sent = self
            .client
            .send_email()
            .from_email_address(&self.sender)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(recipients.to_vec()))
                    .build(),
            )
            .content(EmailContent::builder().raw(message).build())
            .send()
            .await?;
        Ok(sent.message_id.unwrap_or_default())
    }
}

/// Puts charts in an S3 bucket and hands out presigned GET URLs.
pub struct S3Charts {
    pub client: aws_sdk_s3::Client,
    pub bucket: String,
}

#[async_trait::async_trait]
impl ChartHost for S3Charts {
    async fn publish(&self, key: &str, png: Vec<u8>) -> Result<String, Cause> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("image/png")
            .body(png.into())
            .send()
            .await?;
        let presigned = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(PresigningConfig::expires_in(CHART_URL_LIFETIME)?)
            .await?;
        Ok(presigned.uri().to_owned())
    }
}

/// The SDK's shared configuration, read from the environment.
pub async fn sdk() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// An S3 client, path-style when the configuration asks for it (local stand-ins).
pub fn s3(sdk: &aws_config::SdkConfig, config: &Config) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(config.s3_path_style)
            .build(),
    )
}

/// The outbox the configuration describes: webhooks always; email through SES when
/// `TRELLIN_DIGEST_FROM` is set; charts on S3 when `TRELLIN_CHART_BUCKET` is.
pub async fn outbox(config: &Config) -> Outbox {
    let mut outbox = Outbox::default();
    if config.digest_from.is_none() && config.chart_bucket.is_none() {
        return outbox;
    }
    let sdk = sdk().await;
    if let Some(sender) = &config.digest_from {
        outbox.mailer = Some(Box::new(SesMailer {
            client: aws_sdk_sesv2::Client::new(&sdk),
            sender: sender.clone(),
        }));
    }
    if let Some(bucket) = &config.chart_bucket {
        outbox.charts = Some(Box::new(S3Charts {
            client: s3(&sdk, config),
            bucket: bucket.clone(),
        }));
    }
    outbox
}
