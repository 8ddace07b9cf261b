//! Per-tenant keys for the HTTP API: random, shown once when created, stored only as a
//! SHA-256 digest, revocable. A request's key names its tenant, and every query it makes is
//! scoped to that tenant.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use thiserror::Error;
use uuid::Uuid;

/// What every key starts with, so that a leaked one is recognisable.
const PREFIX: &str = "trl_";

/// A key as listed (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub id: Uuid,
    pub name: String,
    /// The key's first characters.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Error)]
pub enum KeyError {
    #[error("no key {0:?} for this tenant")]
    NotFound(String),
    #[error("{0:?} matches more than one key; give more of its id or prefix")]
    Ambiguous(String),
    #[error("database failure")]
    Database(#[from] sqlx::Error),
}

fn digest(key: &str) -> String {
    Sha256::digest(key.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates a key for a tenant; returns it (the only time it is shown) and its record.
///
/// # Errors
/// A database failure.
pub async fn create(
    pool: &PgPool,
    tenant: Uuid,
    name: &str,
) -> Result<(String, KeyInfo), KeyError> {
    // Two v4 UUIDs: 244 bits from the operating system's random source.
    let key = format!(
        "{PREFIX}{}{}",
        Uuid::new_v4().simple(),
        Uuid::new_v4().simple()
    );
    let prefix: String = key.chars().take(PREFIX.len() + 8).collect();
    let row = sqlx::query!(
        r#"INSERT INTO api_keys (user_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4)
           RETURNING id, created_at"#,
        tenant,
        name,
        prefix,
        digest(&key)
    )
    .fetch_one(pool)
    .await?;
    Ok((
        key,
        KeyInfo {
            id: row.id,
            name: name.to_owned(),
            prefix,
            created_at: row.created_at.and_utc(),
            last_used_at: None,
            revoked_at: None,
        },
    ))
}

/// The tenant a key belongs to, if it is a live key; notes its use.
///
/// # Errors
/// A database failure.
pub async fn authenticate(
    pool: &PgPool,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, sqlx::Error> {
    if !key.starts_with(PREFIX) {
        return Ok(None);
    }
    sqlx::query_scalar!(
        r#"UPDATE api_keys SET last_used_at = $2
           WHERE key_hash = $1 AND revoked_at IS NULL
           RETURNING user_id"#,
        digest(key),
        now.naive_utc()
    )
    .fetch_optional(pool)
    .await
}

/// The tenant's keys, newest first.
///
/// # Errors
/// A database failure.
pub async fn list(pool: &PgPool, tenant: Uuid) -> Result<Vec<KeyInfo>, KeyError> {
    let rows = sqlx::query!(
        r#"SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys
           WHERE user_id = $1 ORDER BY created_at DESC"#,
        tenant
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| KeyInfo {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            created_at: r.created_at.and_utc(),
            last_used_at: r.last_used_at.map(|t| t.and_utc()),
            revoked_at: r.revoked_at.map(|t| t.and_utc()),
        })
        .collect())
}

/// Revokes a key by its id, the start of its id, or its prefix.
///
/// # Errors
/// [`KeyError::NotFound`], [`KeyError::Ambiguous`], or a database failure.
pub async fn revoke(
    pool: &PgPool,
    tenant: Uuid,
    which: &str,
    now: DateTime<Utc>,
) -> Result<Uuid, KeyError> {
    let which = which.trim().to_lowercase();
    let found = sqlx::query_scalar!(
        r#"SELECT id FROM api_keys
           WHERE user_id = $1 AND (id::text LIKE $2 || '%' OR prefix LIKE $2 || '%')
           LIMIT 2"#,
        tenant,
        which
    )
    .fetch_all(pool)
    .await?;
    let id = match found.as_slice() {
        [one] => *one,
        [] => return Err(KeyError::NotFound(which)),
        _ => return Err(KeyError::Ambiguous(which)),
    };
    sqlx::query!(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
        id,
        now.naive_utc()
    )
    .execute(pool)
    .await?;
    Ok(id)
}
