//! The kind of problem a customer email reports — a defect, a delay, a billing matter, slow
//! answers, poor work or a compliance concern — so that the owner can see which themes recur
//! ("top issues").
//!
//! The kind is learned: a multinomial logistic regression over the presence of word unigrams
//! and bigrams, trained by `training/train.py` on the labelled emails of `training/emails/`
//! (English, German, French, Spanish) and loaded from `model/issue.json`. "none" is one of its
//! classes, so an email that reports no problem gets no kind.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// A kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issue {
    Bug,
    Delay,
    Billing,
    SlowResponse,
    Quality,
    Compliance,
}

impl Issue {
    pub const ALL: [Issue; 6] = [
        Issue::Bug,
        Issue::Delay,
        Issue::Billing,
        Issue::SlowResponse,
        Issue::Quality,
        Issue::Compliance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Issue::Bug => "bug",
            Issue::Delay => "delay",
            Issue::Billing => "billing",
            Issue::SlowResponse => "slow_response",
            Issue::Quality => "quality",
            Issue::Compliance => "compliance",
        }
    }

    pub fn parse(text: &str) -> Option<Issue> {
        Issue::ALL.into_iter().find(|i| i.as_str() == text)
    }

    /// How people name the theme.
    pub fn label(self) -> &'static str {
        match self {
            Issue::Bug => "bugs / site or app defects",
            Issue::Delay => "missed deadlines / late deliverables",
            Issue::Billing => "billing, invoices and credits",
            Issue::SlowResponse => "slow responses",
            Issue::Quality => "quality of the work",
            Issue::Compliance => "legal, privacy and compliance",
        }
    }
}

/// The trained weights, as `training/train.py` writes them.
#[derive(Debug, Deserialize)]
struct Model {
    classes: Vec<String>,
    bias: Vec<f32>,
    weights: HashMap<String, Vec<f32>>,
}

static MODEL: LazyLock<Option<Model>> = LazyLock::new(|| {
    let model: Option<Model> = serde_json::from_str(include_str!("model/issue.json")).ok();
    if model.is_none() {
        tracing::error!("the issue model does not parse; no email gets an issue");
    }
    model
});

/// The words of a text as the trainer sees them: folded (lower case, no accents, `ß` as
/// `ss`), maximal runs of letters and digits, with each pair of neighbours.
fn features(text: &str) -> HashSet<String> {
    let folded: String = text
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .replace('ß', "ss");
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut grams: HashSet<String> = words.iter().map(|w| (*w).to_owned()).collect();
    grams.extend(words.windows(2).map(|pair| pair.join(" ")));
    grams
}

/// The problem a customer email reports, if it reports one.
pub fn classify(subject: &str, body: &str) -> Option<Issue> {
    let model = MODEL.as_ref()?;
    let mut scores = model.bias.clone();
    for gram in features(&format!("{subject}\n{body}")) {
        if let Some(weights) = model.weights.get(&gram) {
            for (score, w) in scores.iter_mut().zip(weights) {
                *score += w;
            }
        }
    }
    let best = scores
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)?;
    Issue::parse(model.classes.get(best)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_loads_with_every_kind_and_none() {
        let model = MODEL.as_ref().expect("the model parses");
        assert_eq!(model.classes.len(), 7);
        assert!(
            model
                .classes
                .iter()
                .all(|c| c == "none" || Issue::parse(c).is_some())
        );
        assert!(
            model.weights.len() > 1000,
            "{} features",
            model.weights.len()
        );
    }

    #[test]
    fn features_are_folded_words_and_word_pairs() {
        let f = features("Die Straße ist KAPUTT!");
        for gram in ["die", "strasse", "kaputt", "strasse ist", "ist kaputt"] {
            assert!(f.contains(gram), "{gram} in {f:?}");
        }
    }

    #[test]
    fn plain_reports_of_a_kind_get_that_kind() {
        assert_eq!(
            classify(
                "Checkout broken",
                "The checkout page throws an error and nobody can pay. Please fix it."
            ),
            Some(Issue::Bug)
        );
        assert_eq!(
            classify("Thanks!", "Loved the new homepage, great work."),
            None
        );
    }

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for issue in Issue::ALL {
            assert_eq!(Issue::parse(issue.as_str()), Some(issue));
        }
    }
}
