//! Questions as words: lower case without accents, contractions spelled out, so that "Who's
//! annoyed?", "wer ist verärgert?" and "¿Quién está molesto?" are read the same way.

use unicode_normalization::UnicodeNormalization;

/// Lower case, accents and other marks removed, `ß` as `ss`, typographic apostrophes plain.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '\u{2019}' | '\u{2018}' | '`' | '´' => '\'',
            c => c,
        })
        .collect::<String>()
        .replace('ß', "ss")
        .replace('æ', "ae")
        .replace('œ', "oe")
}

/// The words of a text, folded, with English contractions spelled out ("who's" → "who is",
/// "hasn't" → "has not"), French elisions split off ("qu'est" → "qu est") and hyphenated
/// words in their parts ("red-flagged" → "red flagged").
pub fn words(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut out = Vec::new();
    // Dates keep their separators ("2026-11-19", "11/18", "19.11."); words are split at them
    // ("red-flagged", "e-mails").
    let tokens = folded
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '\'' | '-' | '/' | '.')))
        .flat_map(|t| {
            let date = t.chars().any(|c| c.is_ascii_digit()) && !t.chars().any(char::is_alphabetic);
            let parts: Vec<&str> = if date {
                vec![t.trim_matches(['-', '/', '.'])]
            } else {
                t.split(['-', '/', '.']).collect()
            };
            parts
        });
    for raw in tokens {
        let raw = raw.trim_matches('\'');
        if raw.is_empty() {
            continue;
        }
        if let Some(stem) = raw.strip_suffix("n't") {
            let stem = match stem {
                "won" => "will",
                "can" => "can",
                "ain" => "is",
                s => s,
            };
            out.push(stem.to_owned());
            out.push("not".to_owned());
            continue;
        }
        match raw.split_once('\'') {
            Some((head, tail)) => {
                out.push(head.to_owned());
                let tail = match tail {
                    "s" => "is",
                    "re" => "are",
                    "ve" => "have",
                    "ll" => "will",
                    "d" => "would",
                    "m" => "am",
                    t => t,
                };
                out.push(tail.to_owned());
            }
            None => out.push(raw.to_owned()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_case_do_not_matter() {
        assert_eq!(fold("Wer ist VERÄRGERT?"), "wer ist verargert?");
        assert_eq!(fold("¿Quién está molesto?"), "¿quien esta molesto?");
        assert_eq!(fold("Straße"), "strasse");
    }

    #[test]
    fn dates_keep_their_separators_and_words_are_split_at_them() {
        assert_eq!(
            words("summary for 2026-11-19"),
            ["summary", "for", "2026-11-19"]
        );
        assert_eq!(words("what about 11/18?"), ["what", "about", "11/18"]);
        assert_eq!(
            words("red-flagged accounts."),
            ["red", "flagged", "accounts"]
        );
    }

    #[test]
    fn contractions_are_spelled_out() {
        assert_eq!(words("Who's annoyed?"), ["who", "is", "annoyed"]);
        assert_eq!(
            words("Which emails haven't we answered"),
            ["which", "emails", "have", "not", "we", "answered"]
        );
        assert_eq!(words("qu’est-ce qui"), ["qu", "est", "ce", "qui"]);
    }
}
