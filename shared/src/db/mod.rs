//! The PostgreSQL database: connecting, migrating, and the private cluster that stands in when
//! no `DATABASE_URL` is configured.

pub mod embedded;

use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;
use thiserror::Error;

use crate::config::Config;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

#[derive(Debug, Error)]
pub enum DbError {
    #[error(transparent)]
    Embedded(#[from] embedded::EmbeddedError),
    #[error("cannot connect to the database")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply the migrations")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database query failed")]
    Query(#[from] sqlx::Error),
}

/// Where the database came from, for the user to see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `DATABASE_URL`.
    Configured,
    /// The private cluster, started now or already running.
    Embedded(embedded::Started),
}

/// A connected, migrated database.
#[derive(Debug, Clone)]
pub struct Database {
    pub pool: PgPool,
    pub origin: Origin,
    /// How many migrations are applied.
    pub migrations: i64,
}

/// Connects to a database URL.
///
/// # Errors
/// [`DbError::Connect`] when the server cannot be reached.
pub async fn connect(url: &str) -> Result<PgPool, DbError> {
    PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect_with(options(url).map_err(DbError::Connect)?)
        .await
        .map_err(DbError::Connect)
}

/// How Trellin connects to a database URL: without PostgreSQL's JIT compiler, which spends
/// tens of milliseconds compiling plans for queries that run in a few, and with a plan made
/// for each execution's parameters: the questions' queries have optional filters
/// (`$1 IS NULL OR …`) that a generic plan cannot see through, and on a large tenant a
/// generic plan of the at-risk query took 160 ms where the custom one takes 10.
///
/// # Errors
/// A URL that is not a PostgreSQL URL.
pub fn options(url: &str) -> Result<sqlx::postgres::PgConnectOptions, sqlx::Error> {
    let options: sqlx::postgres::PgConnectOptions = url.parse()?;
    Ok(options.options([("jit", "off"), ("plan_cache_mode", "force_custom_plan")]))
}

/// Applies every pending migration and returns how many are applied in all.
///
/// # Errors
/// [`DbError::Migrate`] when a migration fails.
pub async fn migrate(pool: &PgPool) -> Result<i64, DbError> {
    MIGRATOR.run(pool).await?;
    migrations_applied(pool).await
}

/// How many migrations have been applied successfully.
///
/// # Errors
/// [`DbError::Query`] when the migrations table cannot be read.
pub async fn migrations_applied(pool: &PgPool) -> Result<i64, DbError> {
    let count =
        sqlx::query_scalar!(r#"SELECT COUNT(*) AS "count!" FROM _sqlx_migrations WHERE success"#)
            .fetch_one(pool)
            .await?;
    Ok(count)
}

/// Opens the configured database, or the private cluster when none is configured, and
/// migrates it.
///
/// # Errors
/// Any [`DbError`]: the cluster cannot start, the server cannot be reached, a migration fails.
pub async fn open(config: &Config) -> Result<Database, DbError> {
    let (url, origin) = match &config.database_url {
        Some(url) => (url.clone(), Origin::Configured),
        None => {
            let cluster = embedded::Cluster::new(&config.data_dir, config.pg_bin.as_deref());
            let started = cluster.ensure_running().await?;
            (cluster.database_url(&started), Origin::Embedded(started))
        }
    };
    let pool = connect(&url).await?;
    let migrations = migrate(&pool).await?;
    Ok(Database {
        pool,
        origin,
        migrations,
    })
}
