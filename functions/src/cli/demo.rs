//! `trellin demo`: the main job on one machine, with nothing set up beforehand.

use std::path::PathBuf;

use anyhow::Context;
use trellin::config::Config;
use trellin::db;
use trellin::mail::{Reading, parse};

use super::files::messages;
use super::parse::write_reading;
use super::{Io, describe_database};

/// The demo mailbox that ships in the repository.
fn default_mailbox() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("examples")
        .join("mailbox")
}

pub async fn run(config: &Config, mailbox: Option<PathBuf>, io: &mut Io<'_>) -> anyhow::Result<()> {
    let database = db::open(config)
        .await
        .context("cannot prepare the database")?;
    describe_database(&database, io.stdout)?;
    let mailbox = mailbox.unwrap_or_else(default_mailbox);
    let files = messages(std::slice::from_ref(&mailbox))?;
    writeln!(
        io.stdout,
        "\nWhat Trellin reads from the {} messages in {}:\n",
        files.len(),
        mailbox.display()
    )?;
    for file in files {
        match parse(&file.raw) {
            Ok(email) => write_reading(&Reading::of_message(&email).with_id(file.name), io.stdout)?,
            Err(error) => writeln!(io.stdout, "{}\n  cannot be read: {error}\n", file.name)?,
        }
    }
    Ok(())
}
