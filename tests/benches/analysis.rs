//! Built-in analyzer throughput on the labelled emails, and VADER's (Python) on the same
//! texts in the same run, with the ratio (target: at least 50×).
//!
//! `cargo bench --bench analysis` — VADER runs through `bench/analysis/vader.py speed` with
//! `TRELLIN_PYTHON` (default `python3`), which needs PyPI `vadersentiment`.

use std::time::{Duration, Instant};

use trellin::analysis::{Builtin, Email, Role};
use trellin_tests::corpus;

/// Rounds of each measurement, and how long one lasts. The fastest round counts: on a shared
/// machine a slow round measures the neighbours, not the code. `vader.py speed` does the same.
const ROUNDS: usize = 10;
const ROUND: Duration = Duration::from_millis(300);

/// Items per second in the fastest of [`ROUNDS`] rounds of calling `pass` (`items` each).
fn best_rate(items: usize, pass: impl Fn()) -> f64 {
    (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            let mut done = 0usize;
            while started.elapsed() < ROUND {
                pass();
                done += items;
            }
            done as f64 / started.elapsed().as_secs_f64()
        })
        .fold(0.0, f64::max)
}

fn main() -> anyhow::Result<()> {
    let path = corpus("labeled-emails").join("labeled.jsonl");
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&path)?
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let emails: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["subject"].as_str().unwrap_or_default().to_owned(),
                r["body"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();

    let analyze_all = || {
        for (subject, body) in &emails {
            std::hint::black_box(Builtin.analyze(&Email {
                subject,
                body,
                from_role: Role::Customer,
            }));
        }
    };
    analyze_all();
    let ours = best_rate(emails.len(), analyze_all);
    println!(
        "analysis bench: {} labelled emails, built-in analyzer {ours:.0} emails/s ({:.2} µs each, one core, fastest of {ROUNDS} rounds)",
        emails.len(),
        1e6 / ours
    );

    // Promises and deliveries (run on every stored email after its analysis), as staff mail.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 18).unwrap_or_default();
    let promises = best_rate(emails.len(), || {
        for (_, body) in &emails {
            std::hint::black_box(trellin::analysis::tasks::extract(
                body, true, false, None, day,
            ));
            std::hint::black_box(trellin::analysis::tasks::extract(
                body, false, true, None, day,
            ));
        }
    });
    println!(
        "  promises and deliveries: {:.2} µs per email (as staff and as customer, fastest of {ROUNDS} rounds)",
        1e6 / promises
    );

    // The analyzer keeps no state, so emails analyse in parallel: one thread per core.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    let done: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = 0usize;
                    while started.elapsed() < Duration::from_secs(3) {
                        analyze_all();
                        done += emails.len();
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    let all_cores = done as f64 / started.elapsed().as_secs_f64();
    println!("  on all {cores} cores: {all_cores:.0} emails/s");

    let python = std::env::var("TRELLIN_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/analysis/vader.py");
    let output = std::process::Command::new(&python)
        .arg(&script)
        .arg("speed")
        .arg(&path)
        .output()?;
    if !output.status.success() {
        anyhow::bail!(
            "VADER did not run ({python}): {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let vader: f64 = String::from_utf8_lossy(&output.stdout).trim().parse()?;
    println!("  VADER (Python) {vader:.0} emails/s");
    println!(
        "  ratio          {:.1}× on one core each (target: at least 50×); {:.1}× with all {cores} cores against VADER's one",
        ours / vader,
        all_cores / vader
    );
    Ok(())
}
