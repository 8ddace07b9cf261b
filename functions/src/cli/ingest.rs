//! `trellin ingest` and `trellin inbound`: storing messages from files, and listing what was
//! received.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::json;
use trellin::config::Config;
use trellin::ingest::{self, Inbound, Ingested, Outcome, Source};
use trellin::{inbound, tenant};

use super::Io;
use super::files::messages;

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The tenant (slug or owner email) the files were delivered to, standing for the envelope
    /// recipient that files do not carry. Without it, the headers name the tenant.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Print one JSON object per message and a summary object.
    #[arg(long)]
    pub json: bool,
    /// Store without analysing (a large import): run `trellin reanalyze` afterwards.
    #[arg(long)]
    pub no_analysis: bool,
    /// `.eml` files, folders of them, or mbox archives.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InboundArgs {
    /// Only this tenant's messages (slug or owner email).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Only messages with this outcome.
    #[arg(long, value_parser = ["stored", "duplicate", "rejected"])]
    pub outcome: Option<String>,
    /// At most this many, newest first.
    #[arg(long)]
    pub limit: Option<i64>,
    #[arg(long)]
    pub json: bool,
}

/// One result as a JSON object.
pub fn result_json(name: &str, r: &Ingested) -> serde_json::Value {
    let (email_id, reason) = (r.outcome.email_id(), r.outcome.reason());
    let s = r.summary.as_ref();
    json!({
        "file": name,
        "outcome": r.outcome.as_str(),
        "reason": reason,
        "tenant": r.tenant,
        "email_id": email_id,
        "direction": s.map(|s| s.direction.as_str()),
        "from": s.map(|s| &s.from),
        "to": s.and_then(|s| s.to.as_ref()),
        "subject": s.and_then(|s| s.subject.as_ref()),
        "timestamp": s.map(|s| s.timestamp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "customer": s.map(|s| &s.customer),
        "employee": s.map(|s| &s.employee),
        "forwarded_by": s.and_then(|s| s.forwarded_by.as_ref()),
    })
}

/// One result as a line for people.
pub fn result_line(name: &str, r: &Ingested) -> String {
    match (&r.outcome, &r.summary) {
        (Outcome::Rejected(rejection), _) => format!("{name}  rejected   {rejection}"),
        (outcome, Some(s)) => format!(
            "{name}  {:<9}  {:<8} {} → {} · employee {}{} · {}",
            outcome.as_str(),
            s.direction.as_str(),
            s.from,
            s.customer,
            s.employee,
            s.forwarded_by
                .as_deref()
                .map(|f| format!(" · forwarded by {f}"))
                .unwrap_or_default(),
            s.subject.as_deref().unwrap_or("(no subject)")
        ),
        (outcome, None) => format!("{name}  {}", outcome.as_str()),
    }
}

pub async fn run(
    args: IngestArgs,
    config: &Config,
    now: DateTime<Utc>,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let pool = super::database(config).await?;
    let envelope = match &args.tenant {
        Some(key) => vec![
            tenant::find(&pool, key)
                .await?
                .inbound_address(&config.inbound_domain),
        ],
        None => Vec::new(),
    };
    let files = messages(&args.paths)?;
    let batch: Vec<Inbound> = files
        .iter()
        .map(|f| Inbound::new(f.raw.clone(), Source::File, envelope.clone()))
        .collect();
    let mut settings = config.ingest_settings();
    if args.no_analysis {
        settings.analyzer = None;
    }
    let results = ingest::ingest_all(&pool, &batch, now, &settings).await?;
    let mut counts = [0usize; 3];
    for (file, result) in files.iter().zip(&results) {
        counts[match result.outcome {
            Outcome::Stored { .. } => 0,
            Outcome::Duplicate { .. } => 1,
            Outcome::Rejected(_) => 2,
        }] += 1;
        if args.json {
            writeln!(io.stdout, "{}", result_json(&file.name, result))?;
        } else {
            writeln!(io.stdout, "{}", result_line(&file.name, result))?;
        }
    }
    let [stored, duplicate, rejected] = counts;
    if args.json {
        let summary = json!({"summary": {"messages": results.len(), "stored": stored, "duplicate": duplicate, "rejected": rejected}});
        writeln!(io.stdout, "{summary}")?;
    } else {
        writeln!(
            io.stdout,
            "\n{} messages: {stored} stored, {duplicate} duplicate, {rejected} rejected",
            results.len()
        )?;
    }
    Ok(())
}

pub async fn run_inbound(
    args: InboundArgs,
    config: &Config,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let pool = super::database(config).await?;
    let tenant = super::tenant_filter(&pool, args.tenant.as_deref()).await?;
    let records = inbound::list(
        &pool,
        &inbound::Filter {
            tenant,
            outcome: args.outcome,
            limit: args.limit,
        },
    )
    .await?;
    for r in &records {
        if args.json {
            writeln!(io.stdout, "{}", serde_json::to_string(r)?)?;
        } else {
            writeln!(
                io.stdout,
                "{}  {:<9} {:<5} {:<12} {} · {}{}",
                r.received_at.format("%Y-%m-%d %H:%M:%S"),
                r.outcome,
                r.source,
                r.tenant.as_deref().unwrap_or("-"),
                r.from_email.as_deref().unwrap_or("(no sender)"),
                r.subject.as_deref().unwrap_or("(no subject)"),
                r.reason
                    .as_deref()
                    .map(|x| format!("\n    {x}"))
                    .unwrap_or_default()
            )?;
        }
    }
    if !args.json {
        writeln!(io.stdout, "{} message(s)", records.len())?;
    }
    Ok(())
}
