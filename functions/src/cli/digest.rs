//! `trellin digest`: the day's digest, composed from the insights, printed and stored.

use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use trellin::config::Config;
use trellin::insights::Scope;

use super::Io;
use super::insight::{TenantArg, tenant_of};

#[derive(Debug, Args)]
pub struct DigestArgs {
    #[command(flatten)]
    pub tenant: TenantArg,
    /// The day (YYYY-MM-DD) in the tenant's zone; default today.
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// Print `{"date", "subject", "text", "html", "totals"}` instead of the text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(
    args: DigestArgs,
    config: &Config,
    now: DateTime<Utc>,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let pool = super::database(config).await?;
    let tenant = tenant_of(&pool, &args.tenant).await?;
    let digest = compose(&pool, config, tenant.id, args.date, now).await?;
    if args.json {
        writeln!(io.stdout, "{}", serde_json::to_string(&digest)?)?;
    } else {
        write!(io.stdout, "{}", digest.text)?;
    }
    Ok(())
}

/// The tenant's digest of `date` (default: its today as of `now`).
pub async fn compose(
    pool: &sqlx::PgPool,
    config: &Config,
    tenant: uuid::Uuid,
    date: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> anyhow::Result<trellin::digest::Digest> {
    let scope = Scope::load(pool, tenant, config.responsive_minutes(), now).await?;
    let date = date.unwrap_or_else(|| scope.today());
    Ok(trellin::digest::compose(pool, &scope, date).await?)
}
