//! The `trellin` command line: argument parsing and dispatch to one module per command.

mod analyze;
pub mod ask;
mod demo;
mod digest;
mod files;
mod ingest;
mod insight;
mod parse;
mod serve;
mod tenant;

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use trellin::config::Config;
use trellin::db::{self, Origin};

/// Trellin: an AI assistant for customer success at small B2B agencies.
#[derive(Debug, Parser)]
#[command(name = "trellin", version, about)]
pub struct Cli {
    /// The current time for commands that depend on it (RFC 3339, or a date meaning noon UTC
    /// that day); default `TRELLIN_NOW`, else the clock.
    #[arg(long, global = true)]
    pub now: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what Trellin reads from messages: forward or not, the original's sender,
    /// recipients, subject, date (UTC) and body, the forwarder's note, and the body with
    /// quotes and signature stripped. Needs no database.
    Parse(parse::ParseArgs),
    /// Analyse emails given as JSON Lines on standard input (`{"id", "subject", "body",
    /// "from_role"?}`) and write one JSON line per email: sentiment, score, action_needed,
    /// waiting_for, recommended_action, flagged, flag_reasons, summary, evidence. Needs no
    /// database.
    Analyze,
    /// Apply the database migrations (to DATABASE_URL, or the private cluster).
    Migrate,
    /// Manage the private PostgreSQL cluster used when DATABASE_URL is unset.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Create and list tenants.
    Tenant {
        #[command(subcommand)]
        action: tenant::TenantAction,
    },
    /// Add staff members to a tenant.
    Employee {
        #[command(subcommand)]
        action: tenant::EmployeeAction,
    },
    /// Store messages from `.eml` files, folders and mbox archives, and print each outcome.
    Ingest(ingest::IngestArgs),
    /// List the messages received, newest first, with their outcome and reason.
    Inbound(ingest::InboundArgs),
    /// Show each customer's health: overall sentiment and its trend, flag, what they wait for.
    Customers(insight::CustomersArgs),
    /// List tasks (promises and requests with due dates), or complete one by hand.
    Task {
        #[command(subcommand)]
        action: insight::TaskAction,
    },
    /// Ask a question in free text ("which customers are unhappy?", "anything overdue?", "how's
    /// Acme?") and print the answer.
    Ask(ask::AskArgs),
    /// Compose the day's digest (what needs a person, what customers wait for, the team, top
    /// issues, changes), print it and store it.
    Digest(digest::DigestArgs),
    /// Create, list and revoke the tenant's API keys.
    Key {
        #[command(subcommand)]
        action: ask::KeyAction,
    },
    /// Re-run the analyzer over stored emails and re-derive health and tasks (after a model or
    /// rule change).
    Reanalyze(insight::TenantArg),
    /// Receive mail over SMTP and serve the HTTP API until Ctrl-C.
    Serve(serve::ServeArgs),
    /// Run the demo: make sure the database is ready, then show what Trellin reads from
    /// each message of the demo mailbox.
    Demo {
        /// The folder of `.eml` files to show (default: the repository's examples/mailbox).
        #[arg(long)]
        mailbox: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbAction {
    /// Stop the private cluster.
    Stop,
}

/// Standard input and output, passed in so that tests can run commands in-process.
pub struct Io<'a> {
    pub stdin: &'a mut dyn BufRead,
    pub stdout: &'a mut dyn Write,
}

/// Runs one command.
///
/// # Errors
/// Whatever the command reports; the message chain is what the user sees.
pub async fn run(cli: Cli, config: &Config, io: &mut Io<'_>) -> anyhow::Result<()> {
    let fixed_now = match &cli.now {
        Some(text) => Some(trellin::config::parse_now(text)?),
        None => config.now,
    };
    let now = fixed_now.unwrap_or_else(chrono::Utc::now);
    match cli.command {
        Command::Parse(args) => parse::run(&args, io),
        Command::Analyze => analyze::run(&config.analyzer(), io).await,
        Command::Migrate => {
            let database = db::open(config)
                .await
                .context("cannot prepare the database")?;
            describe_database(&database, io.stdout)?;
            Ok(())
        }
        Command::Db {
            action: DbAction::Stop,
        } => {
            let cluster = db::embedded::Cluster::new(&config.data_dir, config.pg_bin.as_deref());
            let stopped = cluster.stop().await?;
            let what = if stopped {
                "stopped"
            } else {
                "was not running"
            };
            writeln!(
                io.stdout,
                "private cluster in {}: {what}",
                config.data_dir.display()
            )?;
            Ok(())
        }
        Command::Demo { mailbox } => demo::run(config, mailbox, now, io).await,
        Command::Customers(args) => insight::customers(args, config, io).await,
        Command::Task { action } => insight::task(action, config, now, io).await,
        Command::Ask(args) => ask::ask(args, config, now, io).await,
        Command::Digest(args) => digest::run(args, config, now, io).await,
        Command::Key { action } => ask::key(action, config, now, io).await,
        Command::Reanalyze(args) => insight::reanalyze(args, config, now, io).await,
        Command::Tenant { action } => tenant::run_tenant(action, config, io).await,
        Command::Employee { action } => tenant::run_employee(action, config, io).await,
        Command::Ingest(args) => ingest::run(args, config, now, io).await,
        Command::Serve(args) => serve::run(args, config, fixed_now, io).await,
        Command::Inbound(args) => ingest::run_inbound(args, config, io).await,
    }
}

/// The configured database (or the private cluster), migrated.
async fn database(config: &Config) -> anyhow::Result<sqlx::PgPool> {
    Ok(db::open(config)
        .await
        .context("cannot prepare the database")?
        .pool)
}

/// The id of the tenant a `--tenant` option names (slug or owner email), or `None` for all.
async fn tenant_filter(
    pool: &sqlx::PgPool,
    key: Option<&str>,
) -> anyhow::Result<Option<uuid::Uuid>> {
    Ok(match key {
        Some(key) => Some(trellin::tenant::find(pool, key).await?.id),
        None => None,
    })
}

/// Says which database is in use and how it got there.
fn describe_database(database: &db::Database, out: &mut dyn Write) -> anyhow::Result<()> {
    match &database.origin {
        Origin::Configured => writeln!(out, "database: DATABASE_URL")?,
        Origin::Embedded(s) => {
            let how = match (s.created, s.was_running) {
                (true, _) => "created and started",
                (false, false) => "started (reused)",
                (false, true) => "already running (reused)",
            };
            writeln!(
                out,
                "database: private PostgreSQL cluster in {} on 127.0.0.1:{}, {how}",
                s.data_dir.display(),
                s.port
            )?;
        }
    }
    writeln!(out, "migrations applied: {}", database.migrations)?;
    Ok(())
}

/// The process entry point: reads configuration once, runs the command, reports errors.
pub async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let outcome = async {
        let config = Config::from_env().context("invalid configuration")?;
        let stdin = std::io::stdin();
        let stdout = std::io::stdout();
        let mut input = stdin.lock();
        let mut output = std::io::BufWriter::new(stdout.lock());
        let result = run(
            cli,
            &config,
            &mut Io {
                stdin: &mut input,
                stdout: &mut output,
            },
        )
        .await;
        output.flush().context("cannot write to standard output")?;
        result
    }
    .await;
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
