//! Typed configuration, read from the environment (and an optional `.env` file) once at start.

use std::path::PathBuf;

use thiserror::Error;

/// Everything Trellin reads from its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `DATABASE_URL`; when unset, Trellin runs a private PostgreSQL cluster of its own.
    pub database_url: Option<String>,
    /// `TRELLIN_DATA_DIR`: where the private cluster lives.
    pub data_dir: PathBuf,
    /// `TRELLIN_PG_BIN`: a folder holding `initdb` and `pg_ctl`, searched before the defaults.
    pub pg_bin: Option<PathBuf>,
    /// `TRELLIN_INBOUND_DOMAIN`: the domain of the tenants' `inbound+<slug>@…` addresses.
    pub inbound_domain: String,
    /// `TRELLIN_RESPONSIVE_HOURS`: a reply within this many hours counts as responsive.
    pub responsive_hours: u32,
    /// `TRELLIN_INBOUND_BUCKET`: where SES stores raw inbound mail (Lambda).
    pub inbound_bucket: Option<String>,
    /// `TRELLIN_INBOUND_PREFIX`: the key prefix of SES's S3 action (default `inbound/`).
    pub inbound_prefix: String,
    /// Path-style S3 addressing: on when `AWS_ENDPOINT_URL` points at a local stand-in, or
    /// when `TRELLIN_S3_PATH_STYLE=true`.
    pub s3_path_style: bool,
    /// `TRELLIN_ANALYZER=llm` with `TRELLIN_LLM_MODEL`, `TRELLIN_LLM_BASE_URL` (default
    /// OpenAI's), `TRELLIN_LLM_API_KEY`, `TRELLIN_LLM_TIMEOUT_SECS` (20) and
    /// `TRELLIN_LLM_RETRIES` (2); `None` is the built-in analyzer.
    pub llm: Option<crate::analysis::LlmSettings>,
    /// `TRELLIN_PHRASING=llm`: answers are phrased by the model of `TRELLIN_LLM_*` (checked
    /// against their items, within two seconds); `None` keeps the plain answers.
    pub phrasing: Option<crate::analysis::LlmSettings>,
    /// `TRELLIN_NOW`: the current time for every command that depends on it (RFC 3339, or a
    /// date meaning noon UTC of that day), for reproducible results.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// `TRELLIN_DIGEST_FROM`: the (SES-verified) address digests are emailed from; without it
    /// digests are not emailed.
    pub digest_from: Option<String>,
    /// `TRELLIN_CHART_BUCKET`: where digest charts are put for Slack to fetch by presigned URL;
    /// without it Slack gets the digest without its chart.
    pub chart_bucket: Option<String>,
    /// `TRELLIN_DIGEST_QUEUE_URL`: the SQS queue the hourly tick puts one message per due
    /// tenant on (Lambda).
    pub digest_queue_url: Option<String>,
}

/// The inbound domain when none is configured.
pub const DEFAULT_INBOUND_DOMAIN: &str = "in.trellin.app";

impl Default for Config {
    fn default() -> Config {
        Config {
            database_url: None,
            data_dir: PathBuf::from("/var/lib/trellin"),
            pg_bin: None,
            inbound_domain: DEFAULT_INBOUND_DOMAIN.to_owned(),
            responsive_hours: 24,
            inbound_bucket: None,
            inbound_prefix: "inbound/".to_owned(),
            s3_path_style: false,
            llm: None,
            phrasing: None,
            now: None,
            digest_from: None,
            chart_bucket: None,
            digest_queue_url: None,
        }
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{name} is not valid unicode")]
    NotUnicode { name: &'static str },
    #[error("cannot tell where to keep Trellin's data: set TRELLIN_DATA_DIR (HOME is unset)")]
    NoDataDir,
    #[error("{name} must be a whole number, not {value:?}")]
    NotANumber { name: &'static str, value: String },
    #[error("TRELLIN_ANALYZER must be builtin or llm, not {0:?}")]
    UnknownAnalyzer(String),
    #[error("TRELLIN_ANALYZER=llm needs TRELLIN_LLM_MODEL")]
    NoModel,
    #[error("TRELLIN_PHRASING must be plain or llm, not {0:?}")]
    UnknownPhrasing(String),
    #[error("TRELLIN_NOW must be an RFC 3339 time or a YYYY-MM-DD date, not {0:?}")]
    BadNow(String),
}

/// Reads `TRELLIN_NOW` / `--now`: an RFC 3339 time, or a date (noon UTC of that day, which is
/// the same calendar day in every zone from UTC-11 to UTC+11).
pub fn parse_now(text: &str) -> Result<chrono::DateTime<chrono::Utc>, ConfigError> {
    let text = text.trim();
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .map(|at| at.and_utc())
        .ok_or_else(|| ConfigError::BadNow(text.to_owned()))
}

impl Config {
    /// The analyzer this configuration chooses: the LLM one when `TRELLIN_ANALYZER=llm`.
    pub fn analyzer(&self) -> crate::analysis::Analyzer {
        crate::analysis::Analyzer::from_settings(self.llm.as_ref())
    }

    /// `TRELLIN_RESPONSIVE_HOURS` in minutes.
    pub fn responsive_minutes(&self) -> i32 {
        i32::try_from(self.responsive_hours.saturating_mul(60)).unwrap_or(i32::MAX)
    }

    /// The model that phrases answers, when one is configured.
    pub fn phraser(&self) -> Option<crate::insights::phrasing::Phraser> {
        self.phrasing
            .clone()
            .map(crate::insights::phrasing::Phraser::new)
    }

    /// Ingestion's settings from this configuration.
    pub fn ingest_settings(&self) -> crate::ingest::Settings {
        crate::ingest::Settings {
            responsive_within_minutes: self.responsive_minutes(),
            analyzer: Some(std::sync::Arc::new(self.analyzer())),
        }
    }

    /// Reads the configuration from the process environment, after loading `.env` if present.
    ///
    /// # Errors
    /// A variable that is not unicode, or no way to place the data folder.
    pub fn from_env() -> Result<Config, ConfigError> {
        // A missing .env is the normal case; a malformed one is reported by the variables it lacks.
        let _ = dotenvy::dotenv();
        Config::from_lookup(|name| std::env::var_os(name))
    }

    /// Reads the configuration from any source of variables (tests pass their own).
    ///
    /// # Errors
    /// As [`Config::from_env`].
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Config, ConfigError> {
        let text = |name: &'static str| -> Result<Option<String>, ConfigError> {
            get(name)
                .map(|v| {
                    v.into_string()
                        .map_err(|_| ConfigError::NotUnicode { name })
                })
                .transpose()
                .map(|v| v.filter(|s| !s.trim().is_empty()))
        };
        let data_dir = match get("TRELLIN_DATA_DIR").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => default_data_dir(&get)?,
        };
        let responsive_hours = match text("TRELLIN_RESPONSIVE_HOURS")? {
            Some(value) => value.trim().parse().map_err(|_| ConfigError::NotANumber {
                name: "TRELLIN_RESPONSIVE_HOURS",
                value,
            })?,
            None => 24,
        };
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match text(name)? {
                Some(value) => value
                    .trim()
                    .parse()
                    .map_err(|_| ConfigError::NotANumber { name, value }),
                None => Ok(default),
            }
        };
        let model = || -> Result<crate::analysis::LlmSettings, ConfigError> {
            let model = text("TRELLIN_LLM_MODEL")?.ok_or(ConfigError::NoModel)?;
            let base = text("TRELLIN_LLM_BASE_URL")?
                .unwrap_or_else(|| "https://api.openai.com/v1".to_owned());
            let mut settings = crate::analysis::LlmSettings::new(base, model);
            settings.api_key = text("TRELLIN_LLM_API_KEY")?;
            settings.timeout =
                std::time::Duration::from_secs(number("TRELLIN_LLM_TIMEOUT_SECS", 20)?);
            settings.retries = u32::try_from(number("TRELLIN_LLM_RETRIES", 2)?).unwrap_or(2);
            Ok(settings)
        };
        let phrasing = match text("TRELLIN_PHRASING")?.map(|a| a.trim().to_lowercase()) {
            None => None,
            Some(a) if a == "plain" => None,
            Some(a) if a == "llm" => Some(model()?),
            Some(other) => return Err(ConfigError::UnknownPhrasing(other)),
        };
        let llm = match text("TRELLIN_ANALYZER")?.map(|a| a.trim().to_lowercase()) {
            None => None,
            Some(a) if a == "builtin" => None,
            Some(a) if a == "llm" => Some(model()?),
            Some(other) => return Err(ConfigError::UnknownAnalyzer(other)),
        };
        let now = text("TRELLIN_NOW")?.map(|t| parse_now(&t)).transpose()?;
        Ok(Config {
            llm,
            phrasing,
            now,
            database_url: text("DATABASE_URL")?,
            data_dir,
            pg_bin: get("TRELLIN_PG_BIN")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            inbound_domain: text("TRELLIN_INBOUND_DOMAIN")?
                .map(|d| d.trim().to_lowercase())
                .unwrap_or_else(|| DEFAULT_INBOUND_DOMAIN.to_owned()),
            responsive_hours,
            inbound_bucket: text("TRELLIN_INBOUND_BUCKET")?,
            inbound_prefix: text("TRELLIN_INBOUND_PREFIX")?
                .unwrap_or_else(|| "inbound/".to_owned()),
            s3_path_style: text("AWS_ENDPOINT_URL")?.is_some()
                || text("TRELLIN_S3_PATH_STYLE")?.is_some_and(|v| v.eq_ignore_ascii_case("true")),
            digest_from: text("TRELLIN_DIGEST_FROM")?.map(|a| a.trim().to_owned()),
            chart_bucket: text("TRELLIN_CHART_BUCKET")?,
            digest_queue_url: text("TRELLIN_DIGEST_QUEUE_URL")?,
        })
    }
}

/// `$XDG_DATA_HOME/trellin` or `~/.local/share/trellin`; for root `/var/lib/trellin`, because
/// the cluster then runs as the `postgres` user, who cannot enter root's home.
fn default_data_dir(
    get: &impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<PathBuf, ConfigError> {
    if crate::db::embedded::running_as_root() {
        return Ok(PathBuf::from("/var/lib/trellin"));
    }
    if let Some(xdg) = get("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("trellin"));
    }
    let home = get("HOME")
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::NoDataDir)?;
    Ok(PathBuf::from(home)
        .join(".local")
        .join("share")
        .join("trellin"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_read_into_typed_fields() {
        let config = Config::from_lookup(|name| match name {
            "DATABASE_URL" => Some("postgres://localhost/x".into()),
            "TRELLIN_DATA_DIR" => Some("/srv/trellin".into()),
            _ => None,
        })
        .expect("valid");
        assert_eq!(
            config.database_url.as_deref(),
            Some("postgres://localhost/x")
        );
        assert_eq!(config.data_dir, PathBuf::from("/srv/trellin"));
        assert_eq!(config.pg_bin, None);
        assert_eq!(config.inbound_domain, DEFAULT_INBOUND_DOMAIN);
        assert_eq!(config.responsive_hours, 24);
    }

    #[test]
    fn a_responsiveness_window_that_is_not_a_number_is_an_error() {
        let err = Config::from_lookup(|name| match name {
            "TRELLIN_RESPONSIVE_HOURS" => Some("a day".into()),
            "TRELLIN_DATA_DIR" => Some("/srv/trellin".into()),
            _ => None,
        })
        .unwrap_err();
        assert!(err.to_string().contains("TRELLIN_RESPONSIVE_HOURS"));
    }

    #[test]
    fn an_empty_database_url_means_the_private_cluster() {
        let config = Config::from_lookup(|name| match name {
            "DATABASE_URL" => Some(" ".into()),
            "TRELLIN_DATA_DIR" => Some("/srv/trellin".into()),
            _ => None,
        })
        .expect("valid");
        assert_eq!(config.database_url, None);
    }
}
