//! A private PostgreSQL cluster for running Trellin on one machine with nothing set up: made
//! with the local `initdb` on first use, started with `pg_ctl`, reused by every later run, and
//! left running between runs (`trellin db stop` stops it).
//!
//! It lives in `<data dir>/postgres`, listens on 127.0.0.1 on a port chosen when it is created
//! (kept in `<data dir>/port`), trusts local connections, and holds the database `trellin`.
//! PostgreSQL refuses to run as root, so as root the binaries run as the `postgres` user, who
//! then owns the cluster's folder.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use sqlx::Connection;
use thiserror::Error;
use tokio::process::Command;

/// The database the cluster holds for Trellin (also spelt out in `create_database`).
pub const DATABASE: &str = "trellin";

#[derive(Debug, Error)]
pub enum EmbeddedError {
    #[error(
        "PostgreSQL's server programs (initdb, pg_ctl) were not found on PATH or under \
         /usr/lib/postgresql/*/bin. Install them — Debian/Ubuntu: `apt-get install postgresql`; \
         Fedora: `dnf install postgresql-server`; macOS: `brew install postgresql@16` — or point \
         TRELLIN_PG_BIN at their folder, or set DATABASE_URL to a server you already run."
    )]
    BinariesMissing,
    #[error("running as root, but there is no `postgres` user to run PostgreSQL as")]
    NoPostgresUser,
    #[error("cannot prepare the data folder {path}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot run {program}")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("{program} failed: {detail}")]
    Failed { program: String, detail: String },
    #[error("no free port on 127.0.0.1 for the cluster")]
    NoPort(#[source] std::io::Error),
    #[error("cannot create the `trellin` database in the private cluster")]
    CreateDatabase(#[source] sqlx::Error),
}

/// What [`Cluster::ensure_running`] found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub port: u16,
    /// The cluster was created by this call.
    pub created: bool,
    /// The cluster was already running before this call.
    pub was_running: bool,
    pub data_dir: PathBuf,
}

/// Whether this process runs as root.
pub fn running_as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// The folder holding `initdb` and `pg_ctl`: the hint, then PATH, then the newest
/// `/usr/lib/postgresql/<version>/bin`.
///
/// # Errors
/// [`EmbeddedError::BinariesMissing`] with install instructions.
pub fn locate_binaries(
    hint: Option<&Path>,
    path_var: Option<&std::ffi::OsStr>,
    lib_root: &Path,
) -> Result<PathBuf, EmbeddedError> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let from_path = path_var.into_iter().flat_map(std::env::split_paths);
    let mut versions: Vec<PathBuf> = std::fs::read_dir(lib_root)
        .map(|entries| entries.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
    });
    hint.map(Path::to_path_buf)
        .into_iter()
        .chain(from_path)
        .chain(versions.into_iter().rev())
        .find(|dir| has_both(dir))
        .ok_or(EmbeddedError::BinariesMissing)
}

/// The private cluster in a data folder.
#[derive(Debug, Clone)]
pub struct Cluster {
    data_dir: PathBuf,
    pg_bin_hint: Option<PathBuf>,
}

impl Cluster {
    pub fn new(data_dir: &Path, pg_bin_hint: Option<&Path>) -> Cluster {
        Cluster {
            data_dir: data_dir.to_path_buf(),
            pg_bin_hint: pg_bin_hint.map(Path::to_path_buf),
        }
    }

    fn pgdata(&self) -> PathBuf {
        self.data_dir.join("postgres")
    }

    fn port_file(&self) -> PathBuf {
        self.data_dir.join("port")
    }

    fn binaries(&self) -> Result<PathBuf, EmbeddedError> {
        locate_binaries(
            self.pg_bin_hint.as_deref(),
            std::env::var_os("PATH").as_deref(),
            Path::new("/usr/lib/postgresql"),
        )
    }

    /// The URL of the `trellin` database in the running cluster.
    pub fn database_url(&self, started: &Started) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{DATABASE}", started.port)
    }

    /// Creates the cluster if needed, starts it if stopped, and makes sure the `trellin`
    /// database exists.
    ///
    /// # Errors
    /// Missing binaries, an unwritable folder, or a PostgreSQL program that fails (its output
    /// is in the error).
    pub async fn ensure_running(&self) -> Result<Started, EmbeddedError> {
        let bin = self.binaries()?;
        let owner = if running_as_root() {
            Some(postgres_user()?)
        } else {
            None
        };
        let data_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| EmbeddedError::DataDir { path, source }
        };
        std::fs::create_dir_all(&self.data_dir).map_err(data_err(&self.data_dir))?;
        let pgdata = self.pgdata();
        let created = !pgdata.join("PG_VERSION").is_file();
        if created {
            std::fs::create_dir_all(&pgdata).map_err(data_err(&pgdata))?;
            set_mode(&pgdata, 0o700).map_err(data_err(&pgdata))?;
            if let Some((uid, gid)) = owner {
                set_mode(&self.data_dir, 0o755).map_err(data_err(&self.data_dir))?;
                std::os::unix::fs::chown(&pgdata, Some(uid), Some(gid))
                    .map_err(data_err(&pgdata))?;
            }
            let pgdata_arg = pgdata.to_string_lossy().into_owned();
            self.run(
                &bin,
                "initdb",
                &[
                    "-D",
                    &pgdata_arg,
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--no-sync",
                ],
                owner.is_some(),
            )
            .await?;
            let port = free_port()?;
            let conf = format!(
                "\n# Trellin's private cluster\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nfsync = off\n",
                pgdata.display()
            );
            append(&pgdata.join("postgresql.conf"), &conf).map_err(data_err(&pgdata))?;
            std::fs::write(self.port_file(), port.to_string()).map_err(data_err(&self.data_dir))?;
        }
        let port: u16 = std::fs::read_to_string(self.port_file())
            .ok()
            .and_then(|p| p.trim().parse().ok())
            .ok_or_else(|| EmbeddedError::Failed {
                program: "trellin".into(),
                detail: format!(
                    "{} is missing or not a port number",
                    self.port_file().display()
                ),
            })?;
        let pgdata_arg = pgdata.to_string_lossy().into_owned();
        let was_running = self.status(&bin, &pgdata_arg, owner.is_some()).await?;
        if !was_running {
            let log = self.data_dir.join("postgres.log");
            if let Some((uid, gid)) = owner {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&log)
                    .map_err(data_err(&log))?;
                std::os::unix::fs::chown(&log, Some(uid), Some(gid)).map_err(data_err(&log))?;
            }
            let log_arg = log.to_string_lossy().into_owned();
            self.run(
                &bin,
                "pg_ctl",
                &["start", "-D", &pgdata_arg, "-l", &log_arg, "-w", "-t", "60"],
                owner.is_some(),
            )
            .await
            .map_err(|e| match e {
                EmbeddedError::Failed { program, detail } => EmbeddedError::Failed {
                    program,
                    detail: format!("{detail}\n{}", tail(&log)),
                },
                other => other,
            })?;
        }
        let started = Started {
            port,
            created,
            was_running,
            data_dir: self.data_dir.clone(),
        };
        create_database(port).await?;
        Ok(started)
    }

    /// Stops the cluster if it runs; returns whether it was running.
    ///
    /// # Errors
    /// Missing binaries or a failing `pg_ctl`.
    pub async fn stop(&self) -> Result<bool, EmbeddedError> {
        let bin = self.binaries()?;
        let as_postgres = running_as_root();
        let pgdata = self.pgdata().to_string_lossy().into_owned();
        if !self.pgdata().join("PG_VERSION").is_file()
            || !self.status(&bin, &pgdata, as_postgres).await?
        {
            return Ok(false);
        }
        self.run(
            &bin,
            "pg_ctl",
            &["stop", "-D", &pgdata, "-m", "fast", "-w"],
            as_postgres,
        )
        .await?;
        Ok(true)
    }

    async fn status(
        &self,
        bin: &Path,
        pgdata: &str,
        as_postgres: bool,
    ) -> Result<bool, EmbeddedError> {
        let output = self
            .command(bin, "pg_ctl", &["status", "-D", pgdata], as_postgres)
            .await?;
        Ok(output.status.success())
    }

    async fn run(
        &self,
        bin: &Path,
        program: &str,
        args: &[&str],
        as_postgres: bool,
    ) -> Result<Output, EmbeddedError> {
        let output = self.command(bin, program, args, as_postgres).await?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(EmbeddedError::Failed {
                program: program.to_owned(),
                detail: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                )
                .trim()
                .to_owned(),
            })
        }
    }

    async fn command(
        &self,
        bin: &Path,
        program: &str,
        args: &[&str],
        as_postgres: bool,
    ) -> Result<Output, EmbeddedError> {
        let exe = bin.join(program);
        let (mut command, spawned) = if as_postgres {
            let runuser = runuser();
            let mut c = Command::new(&runuser);
            c.args(["-u", "postgres", "--"]).arg(&exe);
            (
                c,
                format!("{} -u postgres -- {}", runuser.display(), exe.display()),
            )
        } else {
            (Command::new(&exe), exe.display().to_string())
        };
        command.args(args).current_dir("/").kill_on_drop(true);
        command
            .output()
            .await
            .map_err(|source| EmbeddedError::Spawn {
                program: spawned,
                source,
            })
    }
}

async fn create_database(port: u16) -> Result<(), EmbeddedError> {
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .map_err(EmbeddedError::CreateDatabase)?;
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(DATABASE)
        .fetch_optional(&mut conn)
        .await
        .map_err(EmbeddedError::CreateDatabase)?;
    if exists.is_none() {
        sqlx::query("CREATE DATABASE trellin")
            .execute(&mut conn)
            .await
            .map_err(EmbeddedError::CreateDatabase)?;
    }
    conn.close().await.map_err(EmbeddedError::CreateDatabase)
}

/// `runuser` (util-linux), which lives in an sbin folder that is not always on PATH.
fn runuser() -> PathBuf {
    ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("runuser"))
}

fn postgres_user() -> Result<(u32, u32), EmbeddedError> {
    let passwd =
        std::fs::read_to_string("/etc/passwd").map_err(|_| EmbeddedError::NoPostgresUser)?;
    passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&"postgres"))
        .and_then(|fields| Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?)))
        .ok_or(EmbeddedError::NoPostgresUser)
}

fn free_port() -> Result<u16, EmbeddedError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(EmbeddedError::NoPort)?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(EmbeddedError::NoPort)
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)?
        .write_all(text.as_bytes())
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binaries_say_what_to_install() {
        let empty = std::env::temp_dir();
        let err = locate_binaries(
            None,
            Some(std::ffi::OsStr::new("")),
            &empty.join("no-such-root"),
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("apt-get install postgresql"), "{message}");
        assert!(message.contains("DATABASE_URL"), "{message}");
    }
}
