//! `trellin demo`: the main job on one machine, with nothing set up beforehand. Makes sure the
//! database is ready, sets up the demo agency (Northwind Studio) if it is not there, ingests
//! the demo mailbox, and shows what was stored, each email's analysis, each customer's health,
//! the tasks and the team's numbers, the answers to the six questions, and ends with the day's
//! digest.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use trellin::config::Config;
use trellin::ingest::{self, Inbound, Source};
use trellin::tenant::{self, NewTenant, Tenant, TenantError};
use trellin::{db, report};

use super::files::messages;
use super::ingest::result_line;
use super::{Io, describe_database};

/// The demo mailbox that ships in the repository.
fn default_mailbox() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("examples")
        .join("mailbox");
    path.canonicalize().unwrap_or(path)
}

/// The demo agency and its staff (the people of `examples/mailbox`).
async fn demo_tenant(pool: &PgPool, io: &mut Io<'_>, config: &Config) -> anyhow::Result<Tenant> {
    let found = match tenant::find(pool, "northwind").await {
        Ok(existing) => existing,
        Err(TenantError::NotFound(_)) => {
            let created = tenant::create(
                pool,
                NewTenant {
                    name: "Ana Costa".into(),
                    email: "ana@northwind.studio".into(),
                    company: Some("Northwind Studio".into()),
                    domain: Some("northwind.studio".into()),
                    slug: Some("northwind".into()),
                    timezone: Some("Europe/Lisbon".into()),
                },
            )
            .await?;
            for (name, email) in [
                ("Ben Okafor", "ben@northwind.studio"),
                ("Lena Vogel", "lena@northwind.studio"),
                ("Marco Ruiz", "marco@northwind.studio"),
            ] {
                tenant::add_employee(pool, &created, name, email).await?;
            }
            created
        }
        Err(other) => return Err(other.into()),
    };
    writeln!(
        io.stdout,
        "tenant: {} ({}), inbound address {}",
        found.company_name.as_deref().unwrap_or(&found.name),
        found.slug,
        found.inbound_address(&config.inbound_domain)
    )?;
    Ok(found)
}

pub async fn run(
    config: &Config,
    mailbox: Option<PathBuf>,
    now: DateTime<Utc>,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let database = db::open(config).await?;
    describe_database(&database, io.stdout)?;
    let pool = database.pool;
    let tenant = demo_tenant(&pool, io, config).await?;

    let mailbox = mailbox.unwrap_or_else(default_mailbox);
    let files = messages(std::slice::from_ref(&mailbox))?;
    writeln!(
        io.stdout,
        "\nIngesting the {} messages of {}:\n",
        files.len(),
        mailbox.display()
    )?;
    let envelope = vec![tenant.inbound_address(&config.inbound_domain)];
    let batch: Vec<Inbound> = files
        .iter()
        .map(|f| Inbound::new(f.raw.clone(), Source::File, envelope.clone()))
        .collect();
    let results = ingest::ingest_all(&pool, &batch, now, &config.ingest_settings()).await?;
    for (file, result) in files.iter().zip(&results) {
        let name = file.name.rsplit('/').next().unwrap_or(&file.name);
        writeln!(io.stdout, "{}", result_line(name, result))?;
    }

    writeln!(
        io.stdout,
        "\nWhat each email says ({} analyzer):",
        config.analyzer().name()
    )?;
    for e in report::emails(&pool, tenant.id).await? {
        writeln!(
            io.stdout,
            "\n  {} {} {} · {}",
            e.timestamp.format("%Y-%m-%d %H:%M"),
            if e.direction == "inbound" {
                "←"
            } else {
                "→"
            },
            e.from,
            e.subject
        )?;
        if e.direction == "inbound" {
            writeln!(
                io.stdout,
                "      {} ({:+.2}){}{}",
                e.sentiment.as_deref().unwrap_or("-"),
                e.score.unwrap_or_default(),
                if e.action_needed {
                    " · action needed"
                } else {
                    ""
                },
                if e.flagged {
                    format!(" · ⚑ {}", e.flag_reasons.join(", "))
                } else {
                    String::new()
                }
            )?;
            if let Some(what) = &e.waiting_for {
                writeln!(io.stdout, "      waiting for: {what}")?;
            }
            if let Some(next) = &e.recommended_action {
                writeln!(io.stdout, "      next step: {next}")?;
            }
        }
        if let Some(summary) = e.summary.as_deref().filter(|s| !s.is_empty()) {
            writeln!(io.stdout, "      “{summary}”")?;
        }
    }

    writeln!(io.stdout, "\nCustomers (health):")?;
    for c in report::health(&pool, tenant.id).await? {
        super::insight::write_health(io, &c)?;
    }
    let today = now.with_timezone(&tenant.zone()).date_naive();
    writeln!(io.stdout, "\nTasks as of {today}:")?;
    for t in report::tasks(&pool, tenant.id, today).await? {
        super::insight::write_task(io, &t)?;
    }
    writeln!(io.stdout, "\nTeam:")?;
    for e in report::employees(&pool, tenant.id).await? {
        writeln!(
            io.stdout,
            "  {:<24} {} inbound handled, {} replied, avg reply {:.0} min, {:.0}% within the window; tasks {} open ({} overdue), {} done",
            e.email,
            e.inbound_handled,
            e.replied,
            e.avg_reply_time,
            e.responsiveness_score,
            e.pending_tasks,
            e.overdue_tasks,
            e.completed_tasks
        )?;
    }

    writeln!(
        io.stdout,
        "\nThe six questions, as `trellin ask` answers them:"
    )?;
    for question in [
        "Which customers are unhappy or at risk, and why?",
        "What are customers waiting on from us?",
        "Which emails still need a reply?",
        "Who is slowest to reply?",
        "Which tasks are open or overdue?",
        "What are the top issues?",
    ] {
        let answer = super::ask::answer(&pool, config, tenant.id, question, now).await?;
        writeln!(io.stdout, "\n? {question}\n{}", answer.text)?;
    }
    let digest = super::digest::compose(&pool, config, tenant.id, None, now).await?;
    writeln!(io.stdout, "\nThe digest of today:\n\n{}", digest.text)?;
    Ok(())
}
