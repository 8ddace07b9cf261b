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
}

impl Config {
    /// The analyzer this configuration chooses.
    pub fn analyzer(&self) -> Result<crate::analysis::Analyzer, ConfigError> {
        Ok(crate::analysis::Analyzer::default())
    }

    /// Ingestion's settings from this configuration.
    pub fn ingest_settings(&self) -> crate::ingest::Settings {
        crate::ingest::Settings {
            responsive_within_minutes: i32::try_from(self.responsive_hours.saturating_mul(60))
                .unwrap_or(i32::MAX),
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
        Ok(Config {
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
