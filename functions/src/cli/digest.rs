//! `trellin digest`: the day's digest, composed from the insights, printed and stored (and,
//! with `--send`, delivered to the tenant's channels); and `trellin digest settings`: when and
//! where it goes.

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use trellin::config::Config;
use trellin::insights::Scope;

use super::Io;
use super::insight::{TenantArg, tenant_of};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DigestArgs {
    #[command(subcommand)]
    pub action: Option<DigestAction>,
    #[command(flatten)]
    pub tenant: TenantArg,
    /// The day (YYYY-MM-DD) in the tenant's zone; default today.
    #[arg(long)]
    pub date: Option<NaiveDate>,
    /// Print `{"date", "subject", "text", "html", "totals"}` instead of the text.
    #[arg(long)]
    pub json: bool,
    /// Also deliver it to the tenant's channels (email through SES with `TRELLIN_DIGEST_FROM`,
    /// Slack, Discord), each once: a channel that already had it is not sent it again.
    #[arg(long)]
    pub send: bool,
    /// Also write `digest.html` (showing `chart.png` beside it), `digest.txt` and `chart.png`
    /// into this folder, to look at in a browser.
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum DigestAction {
    /// Show or change when and where the digest goes (webhooks are shown masked).
    Settings {
        #[command(flatten)]
        tenant: TenantArg,
        /// The local hour (0–23) from which the day's digest is due.
        #[arg(long)]
        hour: Option<i16>,
        /// The tenant's IANA time zone.
        #[arg(long)]
        timezone: Option<String>,
        /// Who gets it by email (repeat for several).
        #[arg(long = "email")]
        emails: Vec<String>,
        /// A Slack incoming webhook URL (a secret).
        #[arg(long)]
        slack_webhook: Option<String>,
        /// A Discord webhook URL (a secret).
        #[arg(long)]
        discord_webhook: Option<String>,
    },
}

pub async fn run(
    args: DigestArgs,
    config: &Config,
    now: DateTime<Utc>,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let pool = super::database(config).await?;
    if let Some(DigestAction::Settings {
        tenant,
        hour,
        timezone,
        emails,
        slack_webhook,
        discord_webhook,
    }) = args.action
    {
        let tenant = tenant_of(&pool, &tenant).await?;
        let change = trellin::digest::SettingsChange {
            hour,
            timezone,
            emails: (!emails.is_empty()).then_some(emails),
            slack_webhook,
            discord_webhook,
        };
        let settings = trellin::digest::configure(&pool, tenant.id, change).await?;
        let hook = |h: &Option<String>| {
            h.as_deref()
                .map_or_else(|| "none".to_owned(), trellin::digest::masked)
        };
        writeln!(
            io.stdout,
            "digest of {}: daily from {:02}:00 {}; email {}; Slack {}; Discord {}",
            tenant.slug,
            settings.hour,
            settings.timezone,
            if settings.emails.is_empty() {
                "none".to_owned()
            } else {
                settings.emails.join(", ")
            },
            hook(&settings.slack_webhook),
            hook(&settings.discord_webhook)
        )?;
        return Ok(());
    }
    let tenant = tenant_of(&pool, &args.tenant).await?;
    let digest = compose(&pool, config, tenant.id, args.date, now).await?;
    if args.json {
        writeln!(io.stdout, "{}", serde_json::to_string(&digest)?)?;
    } else {
        write!(io.stdout, "{}", digest.text)?;
    }
    if let Some(dir) = &args.out {
        save_files(dir, &digest)?;
    }
    if args.send {
        let outbox = crate::aws::outbox(config).await;
        let due = trellin::digest::Due {
            tenant: tenant.id,
            date: digest.date,
        };
        let done =
            trellin::digest::deliver(&pool, due, now, config.responsive_minutes(), &outbox).await?;
        for channel in &done.sent {
            eprintln!("sent to {channel}");
        }
        for (channel, why) in &done.failed {
            eprintln!("not sent to {channel}: {why}");
        }
        if done.sent.is_empty() && done.failed.is_empty() {
            eprintln!("nothing to send: no channel is configured, or each has had it");
        }
        if !done.failed.is_empty() {
            anyhow::bail!(
                "{} channel(s) failed; run it again to retry them",
                done.failed.len()
            );
        }
    }
    Ok(())
}

/// The digest as files a browser shows as the email would: the HTML with the chart beside it.
fn save_files(dir: &std::path::Path, digest: &trellin::digest::Digest) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let html = digest.html.replace(
        &format!("cid:{}", trellin::digest::email::CHART_CID),
        "chart.png",
    );
    std::fs::write(dir.join("digest.html"), html)?;
    std::fs::write(dir.join("digest.txt"), &digest.text)?;
    if let Some(chart) = &digest.chart {
        std::fs::write(dir.join("chart.png"), chart)?;
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
