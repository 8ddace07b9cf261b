//! Golden test: every case of the email-forward-parser corpus, every field its
//! `expected.json` asserts. Reports how many cases ran and names each failing case and field.

use serde_json::Value;
use trellin::mail::{Mailbox, unwrap_forward};
use trellin_tests::{corpus, read_json};

fn check_mailbox(
    path: &str,
    expected: &Value,
    actual: Option<&Mailbox>,
    failures: &mut Vec<String>,
) {
    let Some(expected) = expected.as_object() else {
        return;
    };
    for key in ["address", "name"] {
        let Some(want) = expected.get(key) else {
            continue;
        };
        let got = actual.and_then(|m| {
            if key == "address" {
                m.address.clone()
            } else {
                m.name.clone()
            }
        });
        let want = want.as_str().map(str::to_owned);
        if got != want {
            failures.push(format!("{path}.{key}: expected {want:?}, got {got:?}"));
        }
    }
}

fn check_list(
    path: &str,
    expected: Option<&Value>,
    actual: &[Mailbox],
    failures: &mut Vec<String>,
) {
    let Some(list) = expected.and_then(Value::as_array) else {
        return;
    };
    for (i, want) in list.iter().enumerate() {
        check_mailbox(&format!("{path}[{i}]"), want, actual.get(i), failures);
    }
}

#[test]
fn every_forward_parser_case_passes_on_every_asserted_field() {
    let root = corpus("email-forward-parser");
    let expected = read_json(&root.join("expected.json"));
    let cases = expected["cases"].as_array().expect("cases");
    let declared = expected["case_count"].as_u64().expect("case_count") as usize;
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in cases {
        ran += 1;
        let id = case["id"].as_str().expect("id");
        let body_bytes = std::fs::read(root.join(case["body_file"].as_str().expect("body_file")))
            .expect("fixture readable");
        let body = String::from_utf8(body_bytes).expect("fixture is UTF-8");
        let subject = case["subject_input"].as_str();
        let result = unwrap_forward(&body, subject);
        let want = &case["expected"];
        let mut fails = Vec::new();
        let forwarded = want["forwarded"].as_bool().expect("forwarded");
        if result.is_some() != forwarded {
            fails.push(format!(
                "forwarded: expected {forwarded}, got {}",
                result.is_some()
            ));
        }
        if let (Some(fwd), true) = (&result, forwarded) {
            if let Some(message) = want.get("message") {
                let want = message.as_str().map(str::to_owned);
                if fwd.note != want {
                    fails.push(format!("message: expected {want:?}, got {:?}", fwd.note));
                }
            }
            let email = &want["email"];
            let o = &fwd.original;
            if let Some(s) = email.get("subject").and_then(Value::as_str)
                && o.subject.as_deref() != Some(s)
            {
                fails.push(format!("subject: expected {s:?}, got {:?}", o.subject));
            }
            if let Some(min) = email.get("date").and_then(|d| d["min_length"].as_u64())
                && o.date_raw
                    .as_ref()
                    .is_none_or(|d| (d.chars().count() as u64) < min)
            {
                fails.push(format!(
                    "date: expected a date string, got {:?}",
                    o.date_raw
                ));
            }
            if let Some(from) = email.get("from") {
                check_mailbox("from", from, o.from.as_ref(), &mut fails);
            }
            check_list("to", email.get("to"), &o.to, &mut fails);
            check_list("cc", email.get("cc"), &o.cc, &mut fails);
            if let Some(n) = email.get("cc_length").and_then(Value::as_u64)
                && o.cc.len() as u64 != n
            {
                fails.push(format!("cc_length: expected {n}, got {}", o.cc.len()));
            }
            if let Some(b) = email.get("body").and_then(Value::as_str)
                && o.body != b
            {
                fails.push(format!("body: expected {b:?}\n   got {:?}", o.body));
            }
            if let Some(b) = email.get("body_starts_with").and_then(Value::as_str)
                && !o.body.starts_with(b)
            {
                fails.push(format!(
                    "body_starts_with: expected {b:?}, got {:?}",
                    o.body
                ));
            }
        }
        failures.extend(fails.into_iter().map(|f| format!("{id}: {f}")));
    }
    let failed_cases: std::collections::BTreeSet<&str> = failures
        .iter()
        .filter_map(|f| f.split(':').next())
        .collect();
    println!(
        "forward-parser corpus: {ran} cases ran, {} failed",
        failed_cases.len()
    );
    assert_eq!(ran, declared, "expected.json declares {declared} cases");
    assert!(
        failures.is_empty(),
        "{} failing fields:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The time of day a parsed date shows must be the one printed in the raw text (in 24-hour
/// or 12-hour form, `:` or `.`), and its year one of the corpus's years.
fn printed_time_matches(raw: &str, local: chrono::NaiveDateTime) -> bool {
    use chrono::Timelike;
    let (h, m) = (local.hour(), local.minute());
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    [h, h12].iter().any(|hour| {
        [":", "."].iter().any(|sep| {
            raw.contains(&format!("{hour}{sep}{m:02}"))
                || raw.contains(&format!("{hour:02}{sep}{m:02}"))
        })
    })
}

#[test]
fn every_forwarded_date_in_the_corpus_parses_to_a_timestamp() {
    use chrono::Datelike;
    let root = corpus("email-forward-parser");
    let expected = read_json(&root.join("expected.json"));
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in expected["cases"].as_array().expect("cases") {
        if case["expected"]["forwarded"] != serde_json::Value::Bool(true) {
            continue;
        }
        let id = case["id"].as_str().expect("id");
        let body = std::fs::read_to_string(root.join(case["body_file"].as_str().expect("file")))
            .expect("fixture");
        let Some(fwd) = unwrap_forward(&body, case["subject_input"].as_str()) else {
            failures.push(format!("{id}: not unwrapped"));
            continue;
        };
        let raw = fwd.original.date_raw.unwrap_or_default();
        checked += 1;
        match trellin::mail::date::parse_printed(&raw) {
            None => failures.push(format!("{id}: date {raw:?} does not parse")),
            Some(p) if !(2019..=2023).contains(&p.local.year()) => failures.push(format!(
                "{id}: date {raw:?} read as year {}",
                p.local.year()
            )),
            Some(p) if !printed_time_matches(&raw, p.local) => {
                failures.push(format!("{id}: date {raw:?} read as {}", p.local))
            }
            Some(_) => {}
        }
    }
    println!(
        "forward-parser dates: {checked} checked, {} failed",
        failures.len()
    );
    assert!(
        checked >= 190,
        "only {checked} forwarded cases were checked"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
