//! For every message of the sample mailbox that must be stored, `trellin parse`'s reading gives
//! the original sender, subject and UTC timestamp that `truth.json` lists, and the new text
//! that `body_start` begins with.

use chrono::{DateTime, Utc};
use trellin::mail::{Reading, parse};
use trellin_tests::{read_json, shared_dir};

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_stored_mailbox_message_reads_as_its_truth() {
    let root = shared_dir().join("sample-mailbox");
    let truth = read_json(&root.join("truth.json"));
    let emails = truth["emails"].as_object().expect("emails");
    let mut failures = Vec::new();
    let mut forwards = 0;
    for (file, want) in emails {
        let raw = std::fs::read(root.join("emails").join(file)).expect("eml");
        let reading = Reading::of_message(&parse(&raw).expect("parses"));
        let is_forward = want["delivery"] == "forward";
        forwards += usize::from(is_forward);
        let o = &reading.original;
        let mut check = |field: &str, ok: bool, got: String| {
            if !ok {
                failures.push(format!(
                    "{file}: {field}: expected {}, got {got}",
                    want[field]
                ));
            }
        };
        check(
            "delivery",
            reading.forwarded == is_forward,
            format!("forwarded={}", reading.forwarded),
        );
        check(
            "from_email",
            o.from.address.as_deref() == want["from_email"].as_str(),
            format!("{:?}", o.from.address),
        );
        check(
            "subject",
            o.subject.as_deref() == want["subject"].as_str(),
            format!("{:?}", o.subject),
        );
        let ts: DateTime<Utc> = want["timestamp"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .expect("timestamp");
        check("timestamp", o.date == Some(ts), format!("{:?}", o.date));
        let start = want["body_start"].as_str().unwrap_or_default();
        let got: String = collapse(&reading.stripped_body)
            .chars()
            .take(start.chars().count())
            .collect();
        check("body_start", got == start, format!("{got:?}"));
    }
    println!(
        "sample mailbox: {} messages read, {forwards} forwards, {} failures",
        emails.len(),
        failures.len()
    );
    assert_eq!(emails.len(), 59);
    assert!(forwards >= 10, "only {forwards} forwards in the truth");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
