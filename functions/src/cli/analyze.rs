//! `trellin analyze`: JSON Lines in (`id`, `subject`, `body`, optional `from_role`), one JSON
//! line out per input with the analysis. Needs no database; this is how analysis quality is
//! measured. A line that is not valid input gets an `error` line and the run goes on.

use serde::{Deserialize, Serialize};
use trellin::analysis::{Analysis, Analyze, Analyzer, Email, Role};

#[derive(Debug, Deserialize)]
struct Input {
    id: serde_json::Value,
    #[serde(default)]
    subject: String,
    body: String,
    #[serde(default)]
    from_role: Option<String>,
}

#[derive(Debug, Serialize)]
struct Output<'a> {
    id: &'a serde_json::Value,
    #[serde(flatten)]
    analysis: &'a Analysis,
}

/// Reads every line of standard input and writes one answer per non-empty line.
pub async fn run(analyzer: &Analyzer, io: &mut super::Io<'_>) -> anyhow::Result<()> {
    let mut line = String::new();
    let mut number = 0usize;
    loop {
        line.clear();
        if io.stdin.read_line(&mut line)? == 0 {
            break;
        }
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Input>(&line) {
            Ok(input) => {
                let from_role = match input.from_role.as_deref() {
                    Some("staff" | "employee" | "agency") => Role::Staff,
                    _ => Role::Customer,
                };
                let analysis = analyzer
                    .analyze(&Email {
                        subject: &input.subject,
                        body: &input.body,
                        from_role,
                    })
                    .await;
                serde_json::to_writer(
                    &mut *io.stdout,
                    &Output {
                        id: &input.id,
                        analysis: &analysis,
                    },
                )?;
            }
            Err(error) => {
                serde_json::to_writer(
                    &mut *io.stdout,
                    &serde_json::json!({"line": number, "error": error.to_string()}),
                )?;
            }
        }
        writeln!(io.stdout)?;
    }
    Ok(())
}
