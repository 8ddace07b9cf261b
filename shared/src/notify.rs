//! Sending a digest to chat: a Slack incoming webhook (Block Kit, the chart as an image block
//! when it has a public URL) and a Discord webhook (an embed, the chart attached to it).
//! Webhook URLs are secrets: errors name the channel, never the URL.

use std::time::Duration;

use serde_json::json;
use thiserror::Error;

use crate::digest::Digest;

/// A chat service a digest can be posted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chat {
    Slack,
    Discord,
}

impl Chat {
    pub fn as_str(self) -> &'static str {
        match self {
            Chat::Slack => "slack",
            Chat::Discord => "discord",
        }
    }
}

#[derive(Debug, Error)]
pub enum NotifyError {
    #[error("{channel} did not answer: {cause}")]
    Transport {
        channel: &'static str,
        #[source]
        cause: reqwest::Error,
    },
    #[error("{channel} answered {status}")]
    Status { channel: &'static str, status: u16 },
}

/// Posts digests to webhooks.
#[derive(Debug, Clone)]
pub struct Webhooks {
    client: reqwest::Client,
}

impl Default for Webhooks {
    fn default() -> Webhooks {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Webhooks { client }
    }
}

/// The chart's file name in a Discord message.
const CHART_FILE: &str = "chart.png";
/// Discord's limit on an embed's description.
const DISCORD_DESCRIPTION: usize = 4096;
/// Slack's limit on a section block's text.
const SLACK_SECTION: usize = 3000;

fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{cut}…")
}

impl Webhooks {
    /// Sends the digest to a Slack or Discord webhook; returns what the provider answered (its
    /// status). Slack shows the chart from `chart_url`; Discord gets the chart attached.
    ///
    /// # Errors
    /// The webhook could not be reached or refused the message.
    pub async fn send(
        &self,
        channel: Chat,
        url: &str,
        digest: &Digest,
        chart_url: Option<&str>,
    ) -> Result<String, NotifyError> {
        let name = channel.as_str();
        let chart = digest.chart.as_ref().filter(|_| channel == Chat::Discord);
        let body = match channel {
            Chat::Slack => {
                let mut blocks = vec![json!({
                    "type": "header",
                    "text": {"type": "plain_text", "text": shortened(&digest.subject, 150)}
                })];
                for part in digest.text.split("\n\n").skip(1) {
                    blocks.push(json!({
                        "type": "section",
                        "text": {"type": "mrkdwn", "text": shortened(part, SLACK_SECTION)}
                    }));
                }
                if let Some(image) = chart_url {
                    blocks.push(json!({
                        "type": "image",
                        "image_url": image,
                        "alt_text": "Customer emails by sentiment, last 14 days"
                    }));
                }
                json!({"text": digest.subject, "blocks": blocks})
            }
            Chat::Discord => {
                let mut embed = json!({
                    "title": shortened(&digest.subject, 256),
                    "description": shortened(
                        digest.text.split_once('\n').map_or("", |(_, rest)| rest.trim()),
                        DISCORD_DESCRIPTION
                    ),
                });
                let mut message = json!({});
                if chart.is_some() {
                    embed["image"] = json!({"url": format!("attachment://{CHART_FILE}")});
                    message["attachments"] = json!([{"id": 0, "filename": CHART_FILE}]);
                }
                message["embeds"] = json!([embed]);
                message
            }
        };
        let request = self.client.post(url);
        let request = match chart {
            // Discord takes files as multipart: the message as `payload_json`, the file beside it.
            Some(png) => {
                let file = reqwest::multipart::Part::bytes(png.clone())
                    .file_name(CHART_FILE)
                    .mime_str("image/png")
                    .map_err(|cause| NotifyError::Transport {
                        channel: name,
                        cause: cause.without_url(),
                    })?;
                request.multipart(
                    reqwest::multipart::Form::new()
                        .text("payload_json", body.to_string())
                        .part("files[0]", file),
                )
            }
            None => request
                .header("content-type", "application/json")
                .body(body.to_string()),
        };
        let response = request
            .send()
            .await
            .map_err(|cause| NotifyError::Transport {
                channel: name,
                cause: cause.without_url(),
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(NotifyError::Status {
                channel: name,
                status: status.as_u16(),
            });
        }
        Ok(status.as_u16().to_string())
    }
}
