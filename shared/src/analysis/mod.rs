//! Analysis: what an email says — sentiment, summary, whether the agency must act, what the
//! customer waits for, the next step, and whether the owner should see it today.
//!
//! Two analyzers share one output: the [built-in](builtin) one (deterministic, offline, the
//! default) and an [LLM](llm) one over an OpenAI-compatible API, which falls back to the
//! built-in one on any failure. [`tasks`] finds promises and requests with due dates, and
//! [`follow`] derives customer health and tasks from the analysed emails.

pub mod builtin;
pub mod due;
pub mod follow;
pub mod issue;
pub mod lexicon;
pub mod llm;
mod phrases;
pub mod store;
pub mod tasks;
mod whole_words;

use serde::{Deserialize, Serialize};

/// A test text: `pieces` one after another, in an order that `seed` changes, until the text
/// is at least `len` bytes long.
#[cfg(test)]
pub(crate) fn mixed_text(pieces: &[&str], seed: usize, len: usize) -> String {
    let mut text = String::new();
    let mut k = seed;
    while text.len() < len {
        text.push_str(pieces[k % pieces.len()]);
        k = (k * 7 + 3) % 1009;
    }
    text
}

pub use builtin::Builtin;
pub use llm::{Llm, LlmSettings};

/// The customer's attitude toward the agency, its work or the relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sentiment {
    Happy,
    Neutral,
    Unhappy,
}

impl Sentiment {
    pub fn as_str(self) -> &'static str {
        match self {
            Sentiment::Happy => "happy",
            Sentiment::Neutral => "neutral",
            Sentiment::Unhappy => "unhappy",
        }
    }

    pub fn parse(text: &str) -> Option<Sentiment> {
        match text {
            "happy" => Some(Sentiment::Happy),
            "neutral" => Some(Sentiment::Neutral),
            "unhappy" => Some(Sentiment::Unhappy),
            _ => None,
        }
    }
}

/// Who wrote the email: a customer, or the agency's staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Customer,
    Staff,
}

/// The text an analyzer reads: the subject and the new text of the body (no quoted history).
#[derive(Debug, Clone, Copy)]
pub struct Email<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub from_role: Role,
}

/// What an analyzer says about one email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub sentiment: Sentiment,
    /// In [-1, 1]: negative is displeasure.
    pub score: f32,
    pub action_needed: bool,
    pub waiting_for: Option<String>,
    pub recommended_action: String,
    pub flagged: bool,
    pub flag_reasons: Vec<String>,
    /// One or two sentences of the email's own words, at most 240 characters.
    pub summary: String,
    /// The phrases that decided the sentiment and the flag, as written.
    pub evidence: Vec<String>,
    /// The kind of problem the email reports, if any.
    #[serde(default)]
    pub issue: Option<issue::Issue>,
}

/// What every analyzer does: read one email and say what it means. Analysing never fails;
/// an analyzer that depends on something outside (the LLM one) falls back to the built-in one.
pub trait Analyze {
    fn analyze(&self, email: &Email<'_>) -> impl std::future::Future<Output = Analysis> + Send;
}

impl Analyze for Builtin {
    async fn analyze(&self, email: &Email<'_>) -> Analysis {
        Builtin::analyze(self, email)
    }
}

impl Analyze for Llm {
    async fn analyze(&self, email: &Email<'_>) -> Analysis {
        Llm::analyze(self, email).await
    }
}

/// The analyzer configuration chose.
#[derive(Debug, Clone)]
pub enum Analyzer {
    Builtin(Builtin),
    Llm(Llm),
}

impl Default for Analyzer {
    fn default() -> Analyzer {
        Analyzer::Builtin(Builtin)
    }
}

impl Analyzer {
    /// The analyzer the settings describe: the LLM one when a model is configured.
    pub fn from_settings(llm: Option<&LlmSettings>) -> Analyzer {
        match llm {
            Some(settings) => Analyzer::Llm(Llm::new(settings.clone())),
            None => Analyzer::Builtin(Builtin),
        }
    }

    /// The name recorded with each insight.
    pub fn name(&self) -> &'static str {
        match self {
            Analyzer::Builtin(_) => "builtin",
            Analyzer::Llm(_) => "llm",
        }
    }
}

impl Analyze for Analyzer {
    async fn analyze(&self, email: &Email<'_>) -> Analysis {
        match self {
            Analyzer::Builtin(builtin) => builtin.analyze(email),
            Analyzer::Llm(llm) => llm.analyze(email).await,
        }
    }
}
