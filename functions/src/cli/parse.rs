//! `trellin parse`: what Trellin reads from each message, as text or JSON Lines.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use serde::Deserialize;
use trellin::mail::{Mailbox, Reading, parse};

use super::Io;
use super::files::messages;

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Print one JSON object per message (JSON Lines).
    #[arg(long)]
    pub json: bool,
    /// Read JSON Lines `{"id", "body", "subject"?}` of plain-text bodies from standard input
    /// and write one JSON line per input.
    #[arg(long, conflicts_with = "paths")]
    pub text: bool,
    /// `.eml` files, folders of them, or mbox archives.
    #[arg(required_unless_present = "text")]
    pub paths: Vec<PathBuf>,
}

#[derive(Deserialize)]
struct TextInput {
    id: serde_json::Value,
    body: String,
    subject: Option<String>,
}

pub fn run(args: &ParseArgs, io: &mut Io<'_>) -> anyhow::Result<()> {
    if args.text {
        return run_text(io);
    }
    let mut failed = 0;
    for file in messages(&args.paths)? {
        match parse(&file.raw) {
            Ok(email) => {
                let reading = Reading::of_message(&email).with_id(file.name);
                if args.json {
                    serde_json::to_writer(&mut *io.stdout, &reading)?;
                    writeln!(io.stdout)?;
                } else {
                    write_reading(&reading, io.stdout)?;
                }
            }
            Err(error) => {
                failed += 1;
                if args.json {
                    let line = serde_json::json!({ "id": file.name, "error": error.to_string() });
                    writeln!(io.stdout, "{line}")?;
                } else {
                    writeln!(io.stdout, "{}\n  cannot be read: {error}\n", file.name)?;
                }
            }
        }
    }
    if failed > 0 {
        bail!("{failed} message(s) could not be read");
    }
    Ok(())
}

fn run_text(io: &mut Io<'_>) -> anyhow::Result<()> {
    let mut line = String::new();
    let mut number = 0;
    loop {
        line.clear();
        if io
            .stdin
            .read_line(&mut line)
            .context("cannot read standard input")?
            == 0
        {
            return Ok(());
        }
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<TextInput>(&line) {
            Ok(input) => {
                let mut reading =
                    serde_json::to_value(Reading::of_text(&input.body, input.subject.as_deref()))?;
                reading["id"] = input.id;
                serde_json::to_writer(&mut *io.stdout, &reading)?;
            }
            Err(error) => {
                let message = format!("line {number}: not a JSON object with id and body: {error}");
                serde_json::to_writer(
                    &mut *io.stdout,
                    &serde_json::json!({ "id": null, "error": message }),
                )?;
            }
        }
        writeln!(io.stdout)?;
    }
}

fn mailbox(m: &Mailbox) -> String {
    match (&m.name, &m.address) {
        (Some(n), Some(a)) => format!("{n} <{a}>"),
        (None, Some(a)) => a.clone(),
        (Some(n), None) => n.clone(),
        (None, None) => "(unknown)".into(),
    }
}

fn list(ms: &[Mailbox]) -> String {
    if ms.is_empty() {
        "-".into()
    } else {
        ms.iter().map(mailbox).collect::<Vec<_>>().join(", ")
    }
}

/// Prints a reading for people.
pub fn write_reading(reading: &Reading, out: &mut dyn Write) -> anyhow::Result<()> {
    let o = &reading.original;
    writeln!(out, "{}", reading.id.as_deref().unwrap_or("(message)"))?;
    writeln!(
        out,
        "  forwarded: {}",
        if reading.forwarded { "yes" } else { "no" }
    )?;
    if let Some(note) = &reading.note {
        writeln!(
            out,
            "  note:      {}",
            note.lines().next().unwrap_or_default()
        )?;
    }
    writeln!(out, "  from:      {}", mailbox(&o.from))?;
    writeln!(out, "  to:        {}", list(&o.to))?;
    if !o.cc.is_empty() {
        writeln!(out, "  cc:        {}", list(&o.cc))?;
    }
    writeln!(out, "  subject:   {}", o.subject.as_deref().unwrap_or("-"))?;
    let date = o
        .date
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    writeln!(
        out,
        "  date:      {} (as printed: {})",
        date.as_deref().unwrap_or("unknown"),
        o.date_raw.as_deref().unwrap_or("-")
    )?;
    let preview: String = reading
        .stripped_body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let preview: String = preview.chars().take(160).collect();
    writeln!(out, "  new text:  {preview}\n")?;
    Ok(())
}
