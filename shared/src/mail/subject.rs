//! Subject lines: the reply and forward prefixes that mail clients add in many languages,
//! recognised so that a forward can be told from a reply and a thread keeps one name.

use std::sync::LazyLock;

use regex::Regex;

/// Forward prefixes: English, and those of Outlook, Gmail, Thunderbird, Yahoo in other locales.
const FORWARD_PREFIXES: &str = r"fwd?|fw|vs|wg|rv|tr|i|pd|enc|redir\.|vb|vl|videresend|i̇lt|İlt|ilt|doorst|wtr|továbbítás|přeposlat|preposlať|fs|trs|転送";
/// Reply prefixes, likewise.
const REPLY_PREFIXES: &str =
    r"re|aw|sv|antw|vá|odp|ynt|res|r|ré|rif|atb|odg|вiдп|відп|отв|ответ|返信|回复";

static FORWARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^\s*(?:\[[^\]]*\]\s*)?\[?\s*(?:{FORWARD_PREFIXES})\s*(?:\[\d+\])?\s*[:：]"
    ))
    .expect("valid regex")
});
static ANY_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^\s*(?:(?:{FORWARD_PREFIXES}|{REPLY_PREFIXES})\s*(?:\[\d+\])?\s*[:：]\s*)+"
    ))
    .expect("valid regex")
});

/// Whether the subject says the message is a forward (`Fwd:`, `FW:`, `WG:`, `TR:`, `RV:`, …).
pub fn is_forward(subject: &str) -> bool {
    FORWARD.is_match(subject)
}

/// The subject without any leading forward prefix, as the original was sent (a `Re:` that
/// the original itself carried stays): `Fwd: Re: Hi` → `Re: Hi`.
pub fn strip_forward_prefix(subject: &str) -> String {
    let mut rest = subject.trim();
    while let Some(m) = FORWARD.find(rest) {
        // `[Fwd: x]`: a prefix that opened a bracket closes it at the end.
        let opened = m.as_str().matches('[').count() > m.as_str().matches(']').count();
        rest = rest[m.end()..].trim_start();
        if opened {
            rest = rest.strip_suffix(']').unwrap_or(rest).trim_end();
        }
    }
    rest.trim().to_owned()
}

/// The subject without any reply or forward prefixes, whitespace collapsed: the name of a
/// thread. `RE: AW: Fwd:  Budget` → `Budget`.
pub fn normalize(subject: &str) -> String {
    let stripped = ANY_PREFIX.replace(subject, "");
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_prefixes_in_many_languages_are_recognised() {
        for s in [
            "Fwd: x",
            "FW: x",
            "WG: x",
            "TR: x",
            "RV: x",
            "Redir.: x",
            "İLT: x",
            "VS: x",
        ] {
            assert!(is_forward(s), "{s}");
        }
        for s in ["Re: x", "AW: x", "Information", "Fwiw: x"] {
            assert!(!is_forward(s), "{s}");
        }
    }

    #[test]
    fn stripping_a_forward_prefix_keeps_the_originals_reply_prefix() {
        assert_eq!(strip_forward_prefix("Fwd: Re: Budget"), "Re: Budget");
        assert_eq!(strip_forward_prefix("FW: Fwd: Budget "), "Budget");
        assert_eq!(
            strip_forward_prefix("[Fwd: Map of Argentina]"),
            "Map of Argentina"
        );
        assert_eq!(
            strip_forward_prefix("[ext] Fwd: [draft] plan"),
            "[draft] plan"
        );
    }

    #[test]
    fn normalised_subjects_drop_every_prefix() {
        assert_eq!(normalize("RE: AW: Fwd:  Budget  Q3"), "Budget Q3");
        assert_eq!(normalize("SV: Re[2]: Budget"), "Budget");
        assert_eq!(normalize("Budget"), "Budget");
    }
}
