//! `trellin tenant …` and `trellin employee …`: setting up an agency and its staff.

use clap::{Args, Subcommand};
use trellin::config::Config;
use trellin::tenant::{self, NewTenant};

use super::Io;

#[derive(Debug, Subcommand)]
pub enum TenantAction {
    /// Create a tenant (an agency and its owner) and print its inbound address.
    Add(TenantArgs),
    /// List the tenants and their inbound addresses.
    List,
}

#[derive(Debug, Args)]
pub struct TenantArgs {
    /// The owner's name.
    #[arg(long)]
    pub name: String,
    /// The owner's email address.
    #[arg(long)]
    pub email: String,
    /// The company's name.
    #[arg(long)]
    pub company: Option<String>,
    /// The company's mail domain (default: the owner's, unless it is free mail).
    #[arg(long)]
    pub domain: Option<String>,
    /// The slug in `inbound+<slug>@…` (default: from the company or owner name).
    #[arg(long)]
    pub slug: Option<String>,
    /// The IANA time zone the tenant works in (default UTC).
    #[arg(long)]
    pub timezone: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum EmployeeAction {
    /// Add a staff member to a tenant.
    Add {
        /// The tenant's slug or owner email.
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
    },
}

pub async fn run_tenant(
    action: TenantAction,
    config: &Config,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let pool = super::database(config).await?;
    match action {
        TenantAction::Add(a) => {
            let created = tenant::create(
                &pool,
                NewTenant {
                    name: a.name,
                    email: a.email,
                    company: a.company,
                    domain: a.domain,
                    slug: a.slug,
                    timezone: a.timezone,
                },
            )
            .await?;
            writeln!(
                io.stdout,
                "tenant {} created ({})",
                created.slug, created.email
            )?;
            writeln!(
                io.stdout,
                "inbound address: {}",
                created.inbound_address(&config.inbound_domain)
            )?;
            writeln!(
                io.stdout,
                "inbound secret:  {}",
                created.inbound_secret.as_deref().unwrap_or("-")
            )?;
        }
        TenantAction::List => {
            for t in tenant::all(&pool).await? {
                writeln!(
                    io.stdout,
                    "{}\t{}\t{}\t{}",
                    t.slug,
                    t.email,
                    t.company_name.as_deref().unwrap_or("-"),
                    t.inbound_address(&config.inbound_domain)
                )?;
            }
        }
    }
    Ok(())
}

pub async fn run_employee(
    action: EmployeeAction,
    config: &Config,
    io: &mut Io<'_>,
) -> anyhow::Result<()> {
    let pool = super::database(config).await?;
    match action {
        EmployeeAction::Add {
            tenant: key,
            name,
            email,
        } => {
            let owner = tenant::find(&pool, &key).await?;
            let employee = tenant::add_employee(&pool, &owner, &name, &email).await?;
            writeln!(
                io.stdout,
                "employee {} <{}> added to {}",
                employee.name, employee.email, owner.slug
            )?;
        }
    }
    Ok(())
}
