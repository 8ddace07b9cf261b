//! An optional model that phrases an answer's text from its items, and the check that keeps
//! it honest: a phrased text that names a number or a name absent from the plain answer and
//! its items is discarded for the plain one, and so is one that takes longer than the budget.

use std::collections::HashSet;
use std::time::Duration;

use crate::analysis::LlmSettings;

use super::Answer;

/// The most an answer may wait for the model.
pub const BUDGET: Duration = Duration::from_secs(2);

const SYSTEM: &str = "You rewrite an answer of a customer-success assistant for a busy agency \
owner. The user message is JSON with the plain answer and its items. Write the same answer more \
naturally in at most six short lines: lead with what needs a person today. Use only names, \
numbers, dates and facts that appear in the JSON; never add, round or infer any. Answer with the \
text only.";

/// Phrases answers with an OpenAI-compatible chat model.
#[derive(Debug, Clone)]
pub struct Phraser {
    settings: LlmSettings,
    client: reqwest::Client,
}

impl Phraser {
    pub fn new(settings: LlmSettings) -> Phraser {
        let client = reqwest::Client::builder()
            .timeout(BUDGET)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Phraser { settings, client }
    }

    /// The answer with its text phrased by the model, or unchanged when the model is slow,
    /// fails, or says something the items do not hold.
    pub async fn phrase(&self, answer: Answer) -> Answer {
        match tokio::time::timeout(BUDGET, self.ask(&answer)).await {
            Ok(Some(text)) if faithful(&text, &answer) => Answer { text, ..answer },
            Ok(Some(_)) => {
                tracing::warn!(
                    "phrased answer named something absent from its items; plain answer used"
                );
                answer
            }
            Ok(None) => answer,
            Err(_) => {
                tracing::warn!("phrasing took longer than {BUDGET:?}; plain answer used");
                answer
            }
        }
    }

    async fn ask(&self, answer: &Answer) -> Option<String> {
        let document = serde_json::json!({"text": answer.text, "items": answer.items});
        let request = serde_json::json!({
            "model": self.settings.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": document.to_string()},
            ],
        });
        let response = self
            .settings
            .chat(&self.client, &request)
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            tracing::warn!(status = %response.status(), "phrasing model refused");
            return None;
        }
        let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.ok()?).ok()?;
        body.pointer("/choices/0/message/content")
            .and_then(serde_json::Value::as_str)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    }
}

/// Words a sentence may start with in capitals without naming anything.
const PLAIN: &[&str] = &[
    "the",
    "a",
    "an",
    "and",
    "but",
    "or",
    "also",
    "your",
    "you",
    "we",
    "our",
    "i",
    "it",
    "its",
    "there",
    "this",
    "that",
    "these",
    "those",
    "here",
    "no",
    "none",
    "nothing",
    "nobody",
    "all",
    "some",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "next",
    "today",
    "yesterday",
    "tomorrow",
    "please",
    "good",
    "great",
    "overall",
    "currently",
    "right",
    "now",
    "meanwhile",
    "first",
    "second",
    "then",
    "finally",
    "most",
    "both",
    "each",
    "since",
    "still",
    "only",
    "they",
    "he",
    "she",
    "his",
    "her",
    "their",
    "needs",
    "waiting",
    "open",
    "overdue",
    "top",
    "team",
    "customers",
    "customer",
    "emails",
    "email",
    "tasks",
    "task",
    "reply",
    "replies",
    "slowest",
    "flagged",
    "unhappy",
    "happy",
    "neutral",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "summary",
    "issues",
    "note",
    "heads",
    "up",
    "news",
    "action",
    "to",
    "do",
    "in",
    "on",
    "at",
    "for",
    "of",
    "with",
    "is",
    "are",
    "was",
    "has",
    "have",
    "not",
    "yet",
];

/// Whether every number and every capitalised word of `phrased` stands in the plain answer
/// or its items.
pub fn faithful(phrased: &str, answer: &Answer) -> bool {
    // What the answer states: its text and the values of its items, ids left out (their
    // digits state nothing).
    fn gather(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::String(text) if uuid::Uuid::parse_str(text).is_err() => {
                out.push(' ');
                out.push_str(text);
            }
            serde_json::Value::Number(n) => {
                out.push(' ');
                out.push_str(&n.to_string());
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| gather(v, out)),
            serde_json::Value::Object(fields) => fields.values().for_each(|v| gather(v, out)),
            _ => {}
        }
    }
    let mut source = answer.text.clone();
    answer
        .items
        .iter()
        .for_each(|item| gather(item, &mut source));
    let source = source.to_lowercase();
    let numbers: HashSet<&str> = source
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .collect();
    let words: HashSet<&str> = source
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let numbers_hold = phrased
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .all(|n| numbers.contains(n));
    let names_hold = phrased
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .all(|w| {
            let lower = w.to_lowercase();
            words.contains(lower.as_str()) || PLAIN.contains(&lower.as_str())
        });
    numbers_hold && names_hold
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::{Intent, Period};

    fn answer() -> Answer {
        Answer {
            intent: Intent::Tasks,
            text:
                "1 overdue:\n• Oak Park location page for Meridian Dental Group (Tom, 2 days late)"
                    .to_owned(),
            items: vec![serde_json::json!({"description": "Oak Park location page",
                "customer": {"name": "Meridian Dental Group"}, "days_overdue": 2})],
            total: 1,
            period: Period::until("2026-11-20T20:00:00Z".parse().expect("time")),
        }
    }

    #[test]
    fn a_text_that_keeps_to_the_items_is_faithful() {
        assert!(faithful(
            "One task is overdue: Tom owes Meridian Dental Group the Oak Park location page, 2 days late.",
            &answer()
        ));
    }

    #[test]
    fn an_invented_name_or_number_is_not() {
        assert!(!faithful("Tom owes Acme the page, 2 days late.", &answer()));
        assert!(!faithful(
            "Tom owes Meridian the page, 3 days late.",
            &answer()
        ));
    }
}
