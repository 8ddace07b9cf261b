//! Sending a digest to chat: a Slack incoming webhook (Block Kit) and a Discord webhook (an
//! embed). Webhook URLs are secrets: errors name the channel, never the URL.

use std::time::Duration;

use serde_json::json;
use thiserror::Error;

use crate::digest::Digest;

/// A chat channel a digest can go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Slack,
    Discord,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Slack => "slack",
            Channel::Discord => "discord",
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
    /// Sends the digest; returns what the provider answered (its status, or a message id).
    ///
    /// # Errors
    /// The webhook could not be reached or refused the message.
    pub async fn send(
        &self,
        channel: Channel,
        url: &str,
        digest: &Digest,
    ) -> Result<String, NotifyError> {
        let body = match channel {
            Channel::Slack => {
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
                json!({"text": digest.subject, "blocks": blocks})
            }
            Channel::Discord => json!({
                "embeds": [{
                    "title": shortened(&digest.subject, 256),
                    "description": shortened(
                        digest.text.split_once('\n').map_or("", |(_, rest)| rest.trim()),
                        DISCORD_DESCRIPTION
                    ),
                }]
            }),
        };
        let name = channel.as_str();
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
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
