//! `trellin customers`, `trellin task list|done` and `trellin reanalyze`: what analysis made of
//! a tenant's mail, and keeping it current.

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;
use trellin::analysis;
use trellin::config::Config;
use trellin::report;
use trellin::tenant::{self, Tenant};

use super::Io;

#[derive(Debug, Args)]
pub struct TenantArg {
    /// The tenant (slug or owner email); may be left out when there is only one.
    #[arg(long)]
    pub tenant: Option<String>,
}

#[derive(Debug, Args)]
pub struct CustomersArgs {
    #[command(flatten)]
    pub tenant: TenantArg,
    /// One JSON object per customer.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum TaskAction {
    /// List tasks, open ones first, with their state as of now (`--now`).
    List {
        #[command(flatten)]
        tenant: TenantArg,
        /// Only open tasks.
        #[arg(long)]
        open: bool,
        /// Only overdue tasks.
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        json: bool,
    },
    /// Complete a task by hand (its id, or the first characters of it).
    Done {
        #[command(flatten)]
        tenant: TenantArg,
        id: String,
    },
}

/// The tenant named, or the only one.
pub async fn tenant_of(pool: &sqlx::PgPool, arg: &TenantArg) -> anyhow::Result<Tenant> {
    if let Some(key) = &arg.tenant {
        return Ok(tenant::find(pool, key).await?);
    }
    let mut all = tenant::all(pool).await?;
    match all.len() {
        1 => Ok(all.remove(0)),
        0 => anyhow::bail!("there is no tenant yet: add one with `trellin tenant add`"),
        _ => anyhow::bail!(
            "there are {} tenants; name one with --tenant ({})",
            all.len(),
            all.iter()
                .map(|t| t.slug.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub async fn customers(
    args: CustomersArgs,
    config: &Config,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let pool = super::database(config).await?;
    let tenant = tenant_of(&pool, &args.tenant).await?;
    let lines = report::health(&pool, tenant.id).await?;
    for c in &lines {
        if args.json {
            writeln!(
                io.stdout,
                "{}",
                json!({"customer": c.name, "overall_sentiment": c.sentiment, "trend": c.trend,
                       "flagged": c.flagged, "waiting_on": c.waiting_on,
                       "current_projects": c.current_projects})
            )?;
        } else {
            write_health(io, c)?;
        }
    }
    Ok(())
}

/// One customer's health, as people read it.
pub fn write_health(io: &mut Io<'_>, c: &report::HealthLine) -> anyhow::Result<()> {
    writeln!(
        io.stdout,
        "  {:<24} {:<8} ({}){}",
        c.name,
        c.sentiment,
        c.trend.as_deref().unwrap_or("steady"),
        if c.flagged { "  ⚑ flagged" } else { "" }
    )?;
    for item in &c.waiting_on {
        writeln!(io.stdout, "      waiting for: {item}")?;
    }
    Ok(())
}

pub async fn task(
    action: TaskAction,
    config: &Config,
    now: DateTime<Utc>,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let pool = super::database(config).await?;
    match action {
        TaskAction::List {
            tenant,
            open,
            overdue,
            json,
        } => {
            let tenant = tenant_of(&pool, &tenant).await?;
            let today = now.with_timezone(&tenant.zone()).date_naive();
            analysis::follow::refresh_task_state(&pool, tenant.id, today).await?;
            let tasks = report::tasks(&pool, tenant.id, today).await?;
            let shown: Vec<_> = tasks
                .iter()
                .filter(|t| !open || t.status != "completed")
                .filter(|t| !overdue || t.overdue)
                .collect();
            for t in &shown {
                if json {
                    writeln!(
                        io.stdout,
                        "{}",
                        json!({"id": t.id, "customer": t.customer, "owner": t.owner, "kind": t.kind,
                               "description": t.description, "due": t.due, "status": t.status,
                               "overdue": t.overdue, "days_overdue": t.days_overdue})
                    )?;
                } else {
                    write_task(io, t)?;
                }
            }
            if !json {
                writeln!(io.stdout, "{} task(s) as of {today}", shown.len())?;
            }
            Ok(())
        }
        TaskAction::Done { tenant, id } => {
            let tenant = tenant_of(&pool, &tenant).await?;
            let done = analysis::store::complete_task(&pool, tenant.id, &id, now).await?;
            writeln!(io.stdout, "task {done} completed")?;
            Ok(())
        }
    }
}

/// One task, as people read it.
pub fn write_task(io: &mut Io<'_>, t: &report::TaskLine) -> anyhow::Result<()> {
    let state = if t.status == "completed" {
        "done".to_owned()
    } else if t.overdue {
        format!("OVERDUE {}d", t.days_overdue)
    } else {
        "open".to_owned()
    };
    writeln!(
        io.stdout,
        "  {} {:<12} due {} · {} · {} · {}",
        &t.id.to_string()[..8],
        state,
        t.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
        t.customer,
        t.owner.as_deref().unwrap_or("-"),
        t.description
    )?;
    Ok(())
}

pub async fn reanalyze(
    args: TenantArg,
    config: &Config,
    now: DateTime<Utc>,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let pool = super::database(config).await?;
    let tenant = super::tenant_filter(&pool, args.tenant.as_deref()).await?;
    let analyzer = config.analyzer();
    let done = analysis::store::reanalyze(&pool, &analyzer, tenant, now).await?;
    writeln!(
        io.stdout,
        "re-analysed {} email(s) of {} customer(s) with the {} analyzer; {} changed",
        done.emails,
        done.customers,
        analyzer.name(),
        done.changed
    )?;
    Ok(())
}
