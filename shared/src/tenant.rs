//! Tenants (the `users` table: an agency and its owner) and their staff (`employees`): created
//! by the operator, and found from the address a message was delivered to.

use chrono_tz::Tz;
use sqlx::{PgExecutor, PgPool};
use thiserror::Error;
use uuid::Uuid;

use crate::mail::address::domain_of;

/// An agency using Trellin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub company_name: Option<String>,
    pub slug: String,
    pub company_domain: Option<String>,
    pub timezone: String,
    pub inbound_address: Option<String>,
    pub inbound_secret: Option<String>,
}

/// A staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employee {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Option<String>,
}

/// What the operator gives to create a tenant.
#[derive(Debug, Clone, Default)]
pub struct NewTenant {
    pub name: String,
    pub email: String,
    pub company: Option<String>,
    pub domain: Option<String>,
    pub slug: Option<String>,
    pub timezone: Option<String>,
}

#[derive(Debug, Error)]
pub enum TenantError {
    #[error("{0:?} is not an email address")]
    BadEmail(String),
    #[error("{0:?} is not an IANA time zone (for example Europe/Berlin or America/Los_Angeles)")]
    BadTimezone(String),
    #[error("{0:?} cannot be a slug: use lower-case letters, digits and dashes")]
    BadSlug(String),
    #[error("a tenant with this email or slug already exists")]
    Exists,
    #[error("an employee with this email already exists for the tenant")]
    EmployeeExists,
    #[error("no tenant {0:?}: give its slug or owner email")]
    NotFound(String),
    #[error("database query failed")]
    Database(#[from] sqlx::Error),
}

/// The role given to the owner's own employee row, so that the owner's mail is attributed
/// like anyone else's.
pub const OWNER_ROLE: &str = "Owner";

/// Free-mail domains, whose addresses name people rather than companies.
pub const FREE_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "yandex.com",
    "mail.com",
    "zoho.com",
    "fastmail.com",
    "hey.com",
    "orange.fr",
    "free.fr",
    "laposte.net",
    "libero.it",
    "t-online.de",
    "qq.com",
    "163.com",
];

/// Whether a domain is a free-mail provider.
pub fn is_free_mail(domain: &str) -> bool {
    FREE_MAIL_DOMAINS.contains(&domain.to_ascii_lowercase().as_str())
}

/// `Brightpath Digital` → `brightpath-digital`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

fn valid_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    (!local.is_empty() && domain.contains('.') && !email.contains(char::is_whitespace))
        .then_some(email)
}

impl Tenant {
    /// `inbound+<slug>@<inbound domain>`.
    pub fn inbound_address(&self, inbound_domain: &str) -> String {
        format!("inbound+{}@{inbound_domain}", self.slug)
    }

    /// The tenant's IANA zone (UTC when the stored name is unknown).
    pub fn zone(&self) -> Tz {
        self.timezone.parse().unwrap_or(Tz::UTC)
    }
}

struct TenantRow {
    id: Uuid,
    name: String,
    email: String,
    company_name: Option<String>,
    slug: Option<String>,
    company_domain: Option<String>,
    timezone: String,
    inbound_address: Option<String>,
    inbound_secret: Option<String>,
}

impl From<TenantRow> for Tenant {
    fn from(r: TenantRow) -> Tenant {
        Tenant {
            id: r.id,
            name: r.name,
            email: r.email,
            company_name: r.company_name,
            slug: r.slug.unwrap_or_default(),
            company_domain: r.company_domain,
            timezone: r.timezone,
            inbound_address: r.inbound_address,
            inbound_secret: r.inbound_secret,
        }
    }
}

/// Creates a tenant and the owner's own employee row.
///
/// # Errors
/// Invalid email, slug or zone; [`TenantError::Exists`] when the email or slug is taken.
pub async fn create(pool: &PgPool, new: NewTenant) -> Result<Tenant, TenantError> {
    let email = valid_email(&new.email).ok_or_else(|| TenantError::BadEmail(new.email.clone()))?;
    let timezone = new.timezone.unwrap_or_else(|| "UTC".into());
    timezone
        .parse::<Tz>()
        .map_err(|_| TenantError::BadTimezone(timezone.clone()))?;
    let slug = new
        .slug
        .unwrap_or_else(|| slugify(new.company.as_deref().unwrap_or(&new.name)));
    if slug.is_empty() || slugify(&slug) != slug {
        return Err(TenantError::BadSlug(slug));
    }
    let domain = new
        .domain
        .map(|d| d.trim().trim_start_matches('@').to_lowercase())
        .or_else(|| {
            domain_of(&email)
                .filter(|d| !is_free_mail(d))
                .map(str::to_owned)
        });
    let secret = Uuid::new_v4().simple().to_string();
    let mut tx = pool.begin().await?;
    let row = sqlx::query_as!(
        TenantRow,
        r#"INSERT INTO users (name, email, company_name, slug, company_domain, timezone, inbound_secret)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           RETURNING id, name, email, company_name, slug, company_domain, timezone, inbound_address, inbound_secret"#,
        new.name.trim(),
        email,
        new.company,
        slug,
        domain,
        timezone,
        secret
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| unique_as(e, TenantError::Exists))?;
    sqlx::query!(
        "INSERT INTO employees (name, email, role, user_id) VALUES ($1, $2, $3, $4)",
        row.name,
        row.email,
        OWNER_ROLE,
        row.id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row.into())
}

fn unique_as(error: sqlx::Error, instead: TenantError) -> TenantError {
    if error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
    {
        instead
    } else {
        error.into()
    }
}

/// Finds a tenant by slug or owner email.
///
/// # Errors
/// [`TenantError::NotFound`], or a database failure.
pub async fn find(pool: &PgPool, key: &str) -> Result<Tenant, TenantError> {
    let key_lower = key.trim().to_lowercase();
    sqlx::query_as!(
        TenantRow,
        r#"SELECT id, name, email, company_name, slug, company_domain, timezone, inbound_address, inbound_secret
           FROM users WHERE slug = $1 OR lower(email) = $1 OR lower(inbound_address) = $1"#,
        key_lower
    )
    .fetch_optional(pool)
    .await?
    .map(Tenant::from)
    .ok_or_else(|| TenantError::NotFound(key.to_owned()))
}

/// All tenants, oldest first.
///
/// # Errors
/// A database failure.
pub async fn all(pool: &PgPool) -> Result<Vec<Tenant>, TenantError> {
    let rows = sqlx::query_as!(
        TenantRow,
        r#"SELECT id, name, email, company_name, slug, company_domain, timezone, inbound_address, inbound_secret
           FROM users ORDER BY created_at, email"#
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Tenant::from).collect())
}

/// The slug named by an inbound address: `inbound+brightpath@in.trellin.app` → `brightpath`.
pub fn slug_of_recipient(address: &str) -> Option<&str> {
    let (local, _) = address.split_once('@')?;
    let (base, tag) = local.split_once('+')?;
    (base.eq_ignore_ascii_case("inbound") && !tag.is_empty()).then_some(tag)
}

/// The tenant a message delivered to `address` belongs to.
///
/// # Errors
/// A database failure.
pub async fn find_by_recipient(
    db: impl PgExecutor<'_>,
    address: &str,
) -> Result<Option<Tenant>, sqlx::Error> {
    let address = address.trim().to_lowercase();
    let slug = slug_of_recipient(&address).map(str::to_owned);
    let row = sqlx::query_as!(
        TenantRow,
        r#"SELECT id, name, email, company_name, slug, company_domain, timezone, inbound_address, inbound_secret
           FROM users WHERE slug = $1 OR lower(inbound_address) = $2"#,
        slug,
        address
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(Tenant::from))
}

/// Adds a staff member.
///
/// # Errors
/// Invalid email, [`TenantError::EmployeeExists`], or a database failure.
pub async fn add_employee(
    pool: &PgPool,
    tenant: &Tenant,
    name: &str,
    email: &str,
) -> Result<Employee, TenantError> {
    let email = valid_email(email).ok_or_else(|| TenantError::BadEmail(email.to_owned()))?;
    sqlx::query_as!(
        Employee,
        "INSERT INTO employees (name, email, user_id) VALUES ($1, $2, $3) RETURNING id, name, email, role",
        name.trim(),
        email,
        tenant.id
    )
    .fetch_one(pool)
    .await
    .map_err(|e| unique_as(e, TenantError::EmployeeExists))
}

/// The tenant's staff, by email.
///
/// # Errors
/// A database failure.
pub async fn employees(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
) -> Result<Vec<Employee>, sqlx::Error> {
    sqlx::query_as!(
        Employee,
        "SELECT id, name, email, role FROM employees WHERE user_id = $1 ORDER BY email",
        tenant_id
    )
    .fetch_all(db)
    .await
}

/// The customer side of an address, as locks and partitions see it: its business domain, or
/// the address itself for free mail.
pub fn customer_key(address: &str) -> String {
    let address = address.to_lowercase();
    match domain_of(&address) {
        Some(domain) if !is_free_mail(domain) => format!("@{domain}"),
        _ => address,
    }
}

/// The advisory lock of one customer of one tenant: everything that must see a customer's
/// mail in order — creating the customer, threads, reply matching, deriving its health and
/// tasks — happens under it, while different customers are ingested in parallel.
pub fn customer_lock_key(tenant: Uuid, customer_key: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{tenant}/{customer_key}"));
    i64::from_be_bytes([
        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
    ])
}

/// The lock key of a stored customer: by its domain, else by its (free-mail) address.
pub fn stored_customer_lock_key(
    tenant: Uuid,
    primary_domain: Option<&str>,
    known_emails: &[String],
) -> Option<i64> {
    let key = match primary_domain {
        Some(domain) if !domain.is_empty() => format!("@{}", domain.to_lowercase()),
        _ => customer_key(known_emails.first()?),
    };
    Some(customer_lock_key(tenant, &key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_words_joined_by_dashes() {
        assert_eq!(slugify("Brightpath Digital"), "brightpath-digital");
        assert_eq!(slugify("  Copper & Sage!  "), "copper-sage");
    }

    #[test]
    fn the_slug_comes_from_the_plus_tag_of_the_inbound_address() {
        assert_eq!(
            slug_of_recipient("inbound+brightpath@in.trellin.app"),
            Some("brightpath")
        );
        assert_eq!(slug_of_recipient("Inbound+x@localhost"), Some("x"));
        assert_eq!(slug_of_recipient("maya+brightpath@brightpath.io"), None);
        assert_eq!(slug_of_recipient("inbound@in.trellin.app"), None);
    }
}
