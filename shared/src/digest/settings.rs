//! When and where a tenant's digest goes: its hour, zone, email recipients and webhooks. Webhook
//! URLs are secrets: shown masked, never logged.

use sqlx::PgPool;

/// When and where a tenant's digest goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The local hour (0–23) from which the day's digest is due.
    pub hour: i16,
    pub timezone: String,
    pub emails: Vec<String>,
    pub slack_webhook: Option<String>,
    pub discord_webhook: Option<String>,
}

/// A change of settings; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    pub hour: Option<i16>,
    pub timezone: Option<String>,
    pub emails: Option<Vec<String>>,
    pub slack_webhook: Option<String>,
    pub discord_webhook: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("the digest hour must be 0 to 23, not {0}")]
    BadHour(i16),
    #[error("{0:?} is not an IANA time zone (for example Europe/Berlin)")]
    BadTimezone(String),
    #[error("{0:?} is not an https URL")]
    BadWebhook(String),
    #[error("database failure")]
    Database(#[from] sqlx::Error),
}

/// A secret shown so that its owner recognises it and nobody else can use it:
/// `https://hooks.slack.com/…wxyz`.
pub fn masked(secret: &str) -> String {
    let host_end = secret
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| secret[start..].find('/').map(|j| start + j))
        .unwrap_or(0);
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{}/…{tail}", &secret[..host_end])
}

/// Changes a tenant's digest settings and returns them.
///
/// # Errors
/// An hour, zone or webhook that cannot be; a database failure.
pub async fn configure(
    pool: &PgPool,
    tenant: uuid::Uuid,
    change: SettingsChange,
) -> Result<Settings, SettingsError> {
    if let Some(hour) = change.hour.filter(|h| !(0..=23).contains(h)) {
        return Err(SettingsError::BadHour(hour));
    }
    if let Some(zone) = change
        .timezone
        .as_ref()
        .filter(|z| z.parse::<chrono_tz::Tz>().is_err())
    {
        return Err(SettingsError::BadTimezone(zone.clone()));
    }
    for hook in [&change.slack_webhook, &change.discord_webhook]
        .into_iter()
        .flatten()
    {
        if !hook.starts_with("https://") && !hook.starts_with("http://127.0.0.1") {
            return Err(SettingsError::BadWebhook(masked(hook)));
        }
    }
    let row = sqlx::query!(
        r#"UPDATE users SET digest_hour = COALESCE($2, digest_hour),
                  timezone = COALESCE($3, timezone),
                  digest_emails = COALESCE($4, digest_emails),
                  slack_webhook = COALESCE($5, slack_webhook),
                  discord_webhook = COALESCE($6, discord_webhook)
           WHERE id = $1
           RETURNING digest_hour, timezone, digest_emails, slack_webhook, discord_webhook"#,
        tenant,
        change.hour,
        change.timezone,
        change.emails.as_deref(),
        change.slack_webhook,
        change.discord_webhook
    )
    .fetch_one(pool)
    .await?;
    Ok(Settings {
        hour: row.digest_hour,
        timezone: row.timezone,
        emails: row.digest_emails,
        slack_webhook: row.slack_webhook,
        discord_webhook: row.discord_webhook,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_secret_keeps_its_host_and_last_four_characters() {
        assert_eq!(
            masked("https://hooks.slack.com/services/T000/B000/abcdwxyz"),
            "https://hooks.slack.com/…wxyz"
        );
        assert!(!masked("https://discord.com/api/webhooks/1/secret-token").contains("secret"));
    }
}
