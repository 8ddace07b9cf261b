//! `trellin ask "question"` and `trellin key create|list|revoke`: the owner's questions in the
//! terminal, and the keys that let programs ask them over HTTP.

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use trellin::api_key;
use trellin::config::Config;
use trellin::insights::{self, Answer, Scope};

use super::Io;
use super::insight::{TenantArg, tenant_of};

#[derive(Debug, Args)]
pub struct AskArgs {
    #[command(flatten)]
    pub tenant: TenantArg,
    /// Print one JSON object: `{"intent", "text", "items", "total", "period": {"from", "to"}}`.
    #[arg(long)]
    pub json: bool,
    /// The question, in free text ("who's annoyed with us this week?").
    #[arg(required = true, num_args = 1..)]
    pub question: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// Create an API key; it is shown once.
    Create {
        #[command(flatten)]
        tenant: TenantArg,
        /// What the key is for.
        #[arg(long, default_value = "api")]
        name: String,
    },
    /// List the tenant's keys (never the keys themselves).
    List {
        #[command(flatten)]
        tenant: TenantArg,
    },
    /// Revoke a key by its id, the start of its id, or its prefix.
    Revoke {
        #[command(flatten)]
        tenant: TenantArg,
        key: String,
    },
}

/// The answer to a question for the tenant as of `now`, phrased by the model when one is
/// configured for answers.
pub async fn answer(
    pool: &sqlx::PgPool,
    config: &Config,
    tenant: uuid::Uuid,
    question: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Answer> {
    let scope = Scope::load(pool, tenant, config.responsive_minutes(), now).await?;
    let answer = insights::ask(pool, &scope, question).await?;
    Ok(match config.phraser() {
        Some(phraser) => phraser.phrase(answer).await,
        None => answer,
    })
}

pub async fn ask(
    args: AskArgs,
    config: &Config,
    now: DateTime<Utc>,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let pool = super::database(config).await?;
    let tenant = tenant_of(&pool, &args.tenant).await?;
    let answer = answer(&pool, config, tenant.id, &args.question.join(" "), now).await?;
    if args.json {
        writeln!(io.stdout, "{}", serde_json::to_string(&answer)?)?;
    } else {
        writeln!(io.stdout, "{}", answer.text)?;
    }
    Ok(())
}

pub async fn key(
    action: KeyAction,
    config: &Config,
    now: DateTime<Utc>,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let pool = super::database(config).await?;
    match action {
        KeyAction::Create { tenant, name } => {
            let tenant = tenant_of(&pool, &tenant).await?;
            let (key, info) = api_key::create(&pool, tenant.id, &name).await?;
            writeln!(io.stdout, "{key}")?;
            writeln!(
                io.stdout,
                "key {} ({}) for {}: shown once; send it as `Authorization: Bearer <key>`",
                info.id, info.prefix, tenant.slug
            )?;
        }
        KeyAction::List { tenant } => {
            let tenant = tenant_of(&pool, &tenant).await?;
            for k in api_key::list(&pool, tenant.id).await? {
                writeln!(
                    io.stdout,
                    "  {} {}… {:<12} created {}{}{}",
                    k.id,
                    k.prefix,
                    k.name,
                    k.created_at.format("%Y-%m-%d %H:%M"),
                    k.last_used_at
                        .map(|t| format!(", last used {}", t.format("%Y-%m-%d %H:%M")))
                        .unwrap_or_default(),
                    k.revoked_at
                        .map(|t| format!(", REVOKED {}", t.format("%Y-%m-%d %H:%M")))
                        .unwrap_or_default()
                )?;
            }
        }
        KeyAction::Revoke { tenant, key } => {
            let tenant = tenant_of(&pool, &tenant).await?;
            let id = api_key::revoke(&pool, tenant.id, &key, now).await?;
            writeln!(io.stdout, "key {id} revoked")?;
        }
    }
    Ok(())
}
