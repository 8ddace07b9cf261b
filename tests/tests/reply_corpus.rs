//! Golden test: the email_reply_parser fixtures — fragment counts, flags and contents where
//! upstream asserts them, and the exact visible text where it is known.

use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::Value;
use trellin::mail::quotes::{fragments, strip_quotes, visible_text};
use trellin_tests::{corpus, read_json};

fn flags(
    list: &[trellin::mail::quotes::Fragment],
    pick: fn(&trellin::mail::quotes::Fragment) -> bool,
) -> Vec<bool> {
    list.iter().map(pick).collect()
}

#[test]
fn every_reply_parser_fixture_passes_its_assertions() {
    let root = corpus("email_reply_parser");
    let expected = read_json(&root.join("expected.json"));
    let fixtures = expected["fixtures"].as_object().expect("fixtures");
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut exact = 0;
    for (name, want) in fixtures {
        ran += 1;
        let text = String::from_utf8_lossy(
            &std::fs::read(root.join(want["file"].as_str().expect("file"))).expect("fixture"),
        )
        .into_owned();
        let started = Instant::now();
        let frags = fragments(&text);
        let elapsed = started.elapsed();
        if let Some(max) = want.get("max_parse_seconds").and_then(Value::as_u64)
            && elapsed > Duration::from_secs(max)
        {
            failures.push(format!("{name}: took {elapsed:?}"));
        }
        if let Some(n) = want.get("fragment_count").and_then(Value::as_u64)
            && frags.len() as u64 != n
        {
            failures.push(format!(
                "{name}: fragment_count expected {n}, got {}",
                frags.len()
            ));
        }
        for (key, pick) in [
            (
                "quoted",
                (|f: &trellin::mail::quotes::Fragment| f.quoted) as fn(&_) -> bool,
            ),
            ("signature", |f| f.signature),
            ("hidden", |f| f.hidden),
        ] {
            if let Some(list) = want.get(key).and_then(Value::as_array) {
                let want: Vec<bool> = list.iter().filter_map(Value::as_bool).collect();
                let got = flags(&frags, pick);
                if want != got {
                    failures.push(format!("{name}: {key} expected {want:?}, got {got:?}"));
                }
            }
        }
        for check in want
            .get("fragment_checks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let i = check["index"].as_u64().expect("index") as usize;
            let Some(fragment) = frags.get(i) else {
                failures.push(format!("{name}: fragment {i} missing"));
                continue;
            };
            let ok = if let Some(s) = check.get("equals").and_then(Value::as_str) {
                fragment.content == s
            } else if let Some(s) = check.get("contains").and_then(Value::as_str) {
                fragment.content.contains(s)
            } else if let Some(r) = check.get("regex").and_then(Value::as_str) {
                Regex::new(r)
                    .expect("fixture regex")
                    .is_match(&fragment.content)
            } else {
                true
            };
            if !ok {
                failures.push(format!(
                    "{name}: fragment {i} fails {check}: {:?}",
                    fragment.content
                ));
            }
        }
        if want.get("fragments_nonempty") == Some(&Value::Bool(true)) && frags.is_empty() {
            failures.push(format!("{name}: no fragments"));
        }
        if let Some(v) = want.get("visible_text").and_then(Value::as_str) {
            exact += 1;
            let got = visible_text(&text);
            if got != v {
                failures.push(format!(
                    "{name}: visible_text expected {v:?}\n   got {got:?}"
                ));
            }
            let stored = strip_quotes(&text);
            if stored != v.trim() {
                failures.push(format!(
                    "{name}: strip_quotes expected {:?}\n   got {stored:?}",
                    v.trim()
                ));
            }
        }
    }
    for case in expected["inline_cases"].as_array().into_iter().flatten() {
        if let (Some(input), Some(v)) = (case["input"].as_str(), case["visible_text"].as_str()) {
            ran += 1;
            if visible_text(input) != v {
                failures.push(format!("inline {input:?}: got {:?}", visible_text(input)));
            }
        }
    }
    println!(
        "reply-parser corpus: {ran} cases ran ({exact} with exact visible text), {} failures",
        failures.len()
    );
    assert!(
        ran >= 23 && exact >= 9,
        "only {ran} cases ran, {exact} exact"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
