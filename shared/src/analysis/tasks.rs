//! Promises and deliveries in an email's words: the raw material of tasks and waiting items.
//!
//! - A **commitment** is a sentence of a staff email that promises something ("I'll have the
//!   revised mockups over to you by Thursday", "You'll have the staging link tomorrow", "The
//!   spec will be in your inbox by the 19th") with a due date.
//! - A **request** is a sentence of a customer email that needs action and sets a deadline
//!   with "by" ("Can we have the spec by Thu 19 Nov?"). A customer's own plans ("we'll send
//!   the texts by the 20th") are not requests.
//! - A **delivery** is a sentence of a staff email that hands something over ("Revised
//!   mockups are ready: …", "The form is fixed", "Diego deployed the retry fix last night"),
//!   or of a customer email that says it arrived ("Got the staging link, thanks").
//!
//! Each carries the keywords (stemmed content words) that later emails are matched on: a
//! promise that shares a keyword with an open task of the same customer re-dates it, a
//! delivery that shares one completes it.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::builtin::core_sentences;
use super::due;

/// Whether a task was promised by staff or asked for by the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Commitment,
    Request,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Commitment => "commitment",
            Kind::Request => "request",
        }
    }
}

/// Something to be done by a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promise {
    pub kind: Kind,
    pub text: String,
    pub due: NaiveDate,
    pub keywords: Vec<String>,
}

/// What one email promises and hands over.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitments {
    pub promises: Vec<Promise>,
    /// The keywords of each delivering sentence.
    pub deliveries: Vec<Vec<String>>,
    /// The email promises something, dated or not ("I'll update you once it's live").
    pub promises_anything: bool,
}

const FUTURE: &[&str] = &[
    "i'll ",
    "i will ",
    "we'll ",
    "we will ",
    "you'll have",
    "you will have",
    "will be in your inbox",
    "will be ready",
    "will be live",
    "will be on ",
    "i'm deploying",
    "i am deploying",
    "i'm sending",
    "we're sending",
    "i'm going to",
    "we're going to",
    "i’ll ",
    "we’ll ",
    "you’ll have",
    "ich werde ",
    "wir werden ",
    "ich schicke ",
    "wir schicken ",
    "je vais ",
    "nous allons ",
    "je vous envoie",
    "nous vous enverrons",
    "voy a ",
    "vamos a ",
    "te enviaré",
    "le enviaremos",
    "os enviaremos",
];

const DELIVERED: &[&str] = &[
    "is ready",
    "are ready",
    "is live",
    "are live",
    "now live",
    "attached",
    "here is",
    "here's",
    "here are",
    "is on the",
    "are on the",
    "i've sent",
    "we've sent",
    "has been sent",
    "deployed",
    "is fixed",
    "are fixed",
    "fixed",
    "went out",
    "shipped",
    "released",
    "is up on",
    "you'll find",
    "is in your inbox",
    "published",
    "i've added",
    "we've added",
    "stable again",
    "is stable",
    "working again",
    "back to normal",
    "resolved",
    "we credit",
    "credited",
    "refunded",
];

/// A customer saying they have the thing: it was delivered, whoever sent it.
const RECEIVED: &[&str] = &[
    "got the",
    "received the",
    "thanks for the",
    "thank you for the",
    "confirmed",
    "arrived",
    "works now",
    "working now",
];

const STOPWORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "you",
    "your",
    "our",
    "ours",
    "this",
    "that",
    "these",
    "those",
    "will",
    "have",
    "has",
    "had",
    "with",
    "from",
    "get",
    "send",
    "put",
    "make",
    "all",
    "over",
    "out",
    "back",
    "ready",
    "everything",
    "anything",
    "something",
    "sure",
    "now",
    "then",
    "today",
    "tomorrow",
    "just",
    "also",
    "well",
    "ahead",
    "once",
    "let",
    "know",
    "can",
    "could",
    "would",
    "please",
    "thanks",
    "day",
    "end",
    "week",
    "afternoon",
    "morning",
    "noon",
    "evening",
    "time",
    "than",
    "more",
    "what",
    "when",
    "which",
    "there",
    "here",
    "them",
    "they",
    "their",
    "some",
    "any",
    "able",
    "before",
    "after",
    "while",
    "until",
    "are",
    "was",
    "were",
    "been",
    "being",
    "does",
    "did",
    "done",
    "i'll",
    "we'll",
    "you'll",
    "it's",
    "that's",
    "i'm",
    "we're",
    "you're",
    "it",
    "its",
    "into",
    "onto",
    "about",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "thu",
    "mon",
    "tue",
    "wed",
    "fri",
    "by",
    "not",
    "who",
    "why",
    "how",
    "him",
    "her",
    "his",
    "she",
    "one",
    "two",
    "new",
    "first",
    "last",
    "next",
    "way",
    "team",
    "like",
    "want",
    "need",
    "take",
    "give",
    "got",
    "see",
    "look",
    "going",
    "still",
    "yet",
    "even",
    "very",
    "really",
    "too",
    "much",
    "many",
    "each",
    "every",
    "other",
    "own",
    "same",
    "only",
    "both",
    "few",
    "most",
    "such",
    "no",
    "nor",
    "so",
    "very",
    "via",
    "up",
    "on",
    "in",
    "at",
    "to",
    "of",
    "or",
    "an",
    "a",
    "is",
    "be",
    "we",
    "i",
    "me",
    "my",
    "us",
    "do",
    "if",
    "as",
    "am",
    "eta",
    "asap",
    "it's",
    "can't",
    "don't",
    "we'd",
    "i'd",
];

/// Reads the promises and deliveries of an email written on `today` (its writer's date).
pub fn extract(
    body: &str,
    staff: bool,
    action_needed: bool,
    waiting_for: Option<&str>,
    today: NaiveDate,
) -> Commitments {
    let mut out = Commitments::default();
    for sentence in core_sentences(body) {
        let lower = sentence.to_lowercase().replace('\u{2019}', "'");
        let marks = Marks::of(&lower);
        let future = marks.future;
        let question = lower.trim_end().ends_with('?');
        let conditional = lower.starts_with("if ") || lower.starts_with("once ");
        if staff {
            out.promises_anything |= future && !question && !conditional;
            if future && !question && !conditional {
                if let Some(found) = due::may_have_date(&lower)
                    .then(|| due::due_in(&lower, today))
                    .flatten()
                {
                    let head = head_of(sentence, &lower, found.start);
                    out.promises.push(Promise {
                        kind: Kind::Commitment,
                        text: title(head).unwrap_or_else(|| tidy(sentence)),
                        due: found.date,
                        keywords: keywords(head),
                    });
                }
            } else if !future && marks.delivered && !negated(&lower) {
                out.deliveries.push(keywords(sentence));
            }
            continue;
        }
        if marks.received && !negated(&lower) {
            out.deliveries.push(keywords(sentence));
        }
        if action_needed
            && !future
            && !lower.contains("you should see")
            && due::may_have_deadline(&lower)
            && let Some(found) = due::due_in(&lower, today).filter(|f| f.deadline)
        {
            let head = head_of(sentence, &lower, found.start);
            let mut words = keywords(head);
            if let Some(what) = waiting_for {
                words.extend(keywords(what));
                words.sort();
                words.dedup();
            }
            out.promises.push(Promise {
                kind: Kind::Request,
                text: waiting_for.map_or_else(|| tidy(sentence), str::to_owned),
                due: found.date,
                keywords: words,
            });
        }
    }
    out
}

/// What one pass of the marker automaton found in a (lower-case) sentence.
#[derive(Debug, Default)]
struct Marks {
    future: bool,
    delivered: bool,
    received: bool,
}

static MARKERS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::new(FUTURE.iter().chain(DELIVERED).chain(RECEIVED))
        .expect("the markers form a valid automaton")
});

impl Marks {
    fn of(lower: &str) -> Marks {
        let mut marks = Marks::default();
        for m in MARKERS.find_overlapping_iter(lower) {
            let index = m.pattern().as_usize();
            if index < FUTURE.len() {
                marks.future = true;
                continue;
            }
            let before = lower[..m.start()].chars().next_back();
            let after = lower[m.end()..].chars().next();
            let whole = !before.is_some_and(char::is_alphanumeric)
                && !after.is_some_and(char::is_alphanumeric);
            if whole && index < FUTURE.len() + DELIVERED.len() {
                marks.delivered = true;
            } else if whole {
                marks.received = true;
            }
        }
        marks
    }
}

/// "didn't ship", "haven't received": a delivery word that says the opposite.
fn negated(lower: &str) -> bool {
    [
        "didn't", "did not", "hasn't", "haven't", "not yet", "isn't", "aren't", "never",
    ]
    .iter()
    .any(|n| lower.contains(n))
}

/// The words of a sentence before its date ("by" included): what is promised.
fn head_of<'a>(sentence: &'a str, lower: &str, date_start: usize) -> &'a str {
    let cut = lower[..date_start]
        .trim_end()
        .strip_suffix(" by")
        .map_or(date_start, str::len);
    sentence.get(..cut).unwrap_or(sentence)
}

/// A promise as a task title, the thing promised without who promises it or how it travels:
/// "I'll put together a draft of the location page (address, hours…)" → "Draft of the
/// location page", "You'll have a staging link" → "Staging link". `None` when nothing is left.
fn title(head: &str) -> Option<String> {
    // Asides in brackets are detail, not the thing.
    let mut text = String::with_capacity(head.len());
    let mut depth = 0usize;
    for c in head.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => text.push(c),
            _ => {}
        }
    }
    let text = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\u{2019}', "'");
    let starts = |t: &str, p: &str| t.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    // Who promises, and the modal: "I'll", "We will", "You'll", "We're going to".
    let mut rest = text.as_str();
    for modal in [
        "'ll ",
        " will ",
        " shall ",
        " going to ",
        " aim to ",
        " plan to ",
    ] {
        let lower = rest.to_ascii_lowercase();
        if let Some(at) = lower
            .find(modal)
            .filter(|at| lower[..*at].split_whitespace().count() <= 2)
        {
            rest = &rest[at + modal.len()..];
            break;
        }
    }
    // How it travels: "have … over", "send", "put together", "get you", "the", "a".
    const LEADS: &[&str] = &[
        "also ",
        "then ",
        "have ",
        "get ",
        "send ",
        "put together ",
        "finish ",
        "deliver ",
        "share ",
        "prepare ",
        "update ",
        "fix ",
        "set up ",
        "build ",
        "write ",
        "post ",
        "push ",
        "upload ",
        "make ",
        "do ",
        "give ",
        "see ",
        "receive ",
        "email ",
        "drop ",
        "you ",
        "us ",
        "over ",
        "across ",
        "back ",
        "the ",
        "a ",
        "an ",
        "your ",
        "our ",
        "some ",
    ];
    while let Some(lead) = LEADS.iter().find(|lead| starts(rest, lead)) {
        rest = &rest[lead.len()..];
    }
    let mut rest = rest.trim_end_matches([',', '.', ';', ':', ' ']);
    const TAILS: &[&str] = &[
        " for you to review",
        " for you",
        " to you",
        " over to you",
        " over",
        " across",
        " ready",
        " done",
        " back",
        " sent",
    ];
    loop {
        let lower = rest.to_ascii_lowercase();
        match TAILS.iter().find(|tail| lower.ends_with(*tail)) {
            Some(tail) => rest = &rest[..rest.len() - tail.len()],
            None => break,
        }
    }
    let rest = rest.trim();
    if rest.chars().count() < 3 {
        return None;
    }
    let mut chars = rest.chars();
    let first = chars.next()?;
    let titled: String = first.to_uppercase().chain(chars).collect();
    if titled.chars().count() > 80 {
        let cut: String = titled.chars().take(80).collect();
        let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
        return Some(format!("{cut}…"));
    }
    Some(titled)
}

fn tidy(sentence: &str) -> String {
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let text = words.join(" ");
    if text.chars().count() > 160 {
        let cut: String = text.chars().take(159).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// The stemmed content words of a text.
pub fn keywords(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .to_lowercase()
        .replace('\u{2019}', "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
        .map(|w| w.trim_matches(['\'', '-']))
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(w))
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .map(stem)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A light suffix stripper: "deployed", "deploying", "deploys" → "deploy".
pub fn stem(word: &str) -> String {
    let word = word.strip_suffix("'s").unwrap_or(word);
    for suffix in ["ing", "ied", "ed", "es", "s"] {
        if let Some(stem) = word.strip_suffix(suffix)
            && stem.chars().count() >= 3
        {
            let stem = if suffix == "ied" {
                format!("{stem}y")
            } else {
                stem.to_owned()
            };
            return stem;
        }
    }
    word.to_owned()
}

/// Whether two keyword lists share a word.
pub fn overlap(a: &[String], b: &[String]) -> bool {
    a.iter().any(|w| b.binary_search(w).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_promise_becomes_a_short_title_of_what_was_promised() {
        for (head, want) in [
            (
                "I'll put together a draft of the location page (address, hours placeholder, map)",
                "Draft of the location page",
            ),
            ("You'll have a staging link", "Staging link"),
            ("We'll send the German texts over", "German texts"),
            ("I will get the revised invoice to you", "Revised invoice"),
            (
                "Ich schicke Ihnen die Entwürfe",
                "Ich schicke Ihnen die Entwürfe",
            ),
        ] {
            assert_eq!(title(head).as_deref(), Some(want), "{head}");
        }
        assert_eq!(title("I'll send it"), None);
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn a_staff_promise_with_a_date_is_a_commitment() {
        let found = extract(
            "Morning Jordan,\n\nGot it. I'll have the revised mockups over to you by Thursday afternoon so you've got Friday to review.\n\nPriya",
            true,
            false,
            None,
            day("2026-11-11"),
        );
        assert_eq!(found.promises.len(), 1, "{found:?}");
        assert_eq!(found.promises[0].kind, Kind::Commitment);
        assert_eq!(found.promises[0].due, day("2026-11-12"));
        assert!(found.promises[0].keywords.contains(&"mockup".to_owned()));
    }

    #[test]
    fn a_question_or_a_condition_promises_nothing() {
        let found = extract(
            "Could we talk by phone tomorrow? If you send the number, I'll add it by Friday.",
            true,
            false,
            None,
            day("2026-11-18"),
        );
        assert!(found.promises.is_empty(), "{found:?}");
    }

    #[test]
    fn a_customer_deadline_is_a_request_and_their_own_plan_is_not() {
        let asked = extract(
            "Can we have the spec by Thu 19 Nov? They're blocked until then.",
            false,
            true,
            Some("the spec"),
            day("2026-11-17"),
        );
        assert_eq!(asked.promises.len(), 1);
        assert_eq!(asked.promises[0].kind, Kind::Request);
        assert_eq!(asked.promises[0].due, day("2026-11-19"));
        let own = extract(
            "We'll send the German texts by the 20th.",
            false,
            true,
            None,
            day("2026-11-10"),
        );
        assert!(own.promises.is_empty());
    }

    #[test]
    fn a_hand_over_is_a_delivery_and_a_missed_one_is_not() {
        let done = extract(
            "Revised homepage mockups are ready: https://example.com/r3",
            true,
            false,
            None,
            day("2026-11-12"),
        );
        assert_eq!(done.deliveries.len(), 1);
        assert!(done.deliveries[0].contains(&"mockup".to_owned()));
        let missed = extract(
            "The retry fix didn't ship Monday because it failed our load test.",
            true,
            false,
            None,
            day("2026-11-17"),
        );
        assert!(missed.deliveries.is_empty());
    }
}
