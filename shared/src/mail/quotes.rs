//! Quoted replies and signatures: what of a reply its sender actually wrote.
//!
//! [`fragments`] splits a plain-text body into ordered fragments, each quoted, a signature,
//! and/or hidden, with the semantics of GitHub's `email_reply_parser`: the body is read
//! bottom-up; `>` lines are quoted, and so are the header lines just above them (`On …
//! wrote:`, even broken over lines, and Outlook's `From:`/`Sent:`/`To:`/`Subject:`); a block that starts with `-- `, `__`, `-Name` or `Sent from my …` is a
//! signature; everything below the last visible fragment is hidden.
//!
//! [`strip_quotes`] is what Trellin stores: it first cuts the body at the first line that
//! starts quoted history whatever the client — a localized `On … wrote:` line, an Outlook
//! `From:`/`Sent:` header block, an `-----Original Message-----` or forward banner — and then
//! keeps the visible fragments of what is left.

use std::sync::LazyLock;

use regex::Regex;

/// A run of lines that share their kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub content: String,
    pub quoted: bool,
    pub signature: bool,
    pub hidden: bool,
}

static SIGNATURE_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*--|^\s*__|^-[A-Za-z0-9_]|^Sent from my(?:\s+[A-Za-z0-9_]+){1,3}\s*$")
        .expect("regex")
});
/// Lines that belong to the quoted text below them: `On … wrote:` and the Outlook header
/// fields printed above a quote.
static QUOTE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^On.*wrote:$|^(?:From|Sent|To|Cc|Subject|Date): ").expect("regex")
});
static UNDERSCORE_LINE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^_{8,}").expect("regex"));

/// Headers that begin quoted history in the clients Trellin meets, one line each.
static HISTORY_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?im)^[ \t>]*(?:",
        r"On\s.{1,300}\swrote:|",
        r"Le\s.{1,300}\sa [ée]crit\s?:|",
        r"Am\s.{1,300}\sschrieb.{0,200}:|",
        r"El\s.{1,300}\sescribi[óo]\s?:|",
        r"Il giorno\s.{1,300}\sha scritto\s?:|",
        r"Op\s.{1,300}\sschreef.{0,200}:|",
        r"Em\s.{1,300}\sescreveu\s?:|",
        r"Den\s.{1,300}\sskrev.{0,200}:|",
        r"-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Forwarded message|Forwarded Message)\s*-{2,}|",
        r"_{20,}\s*$",
        r")[ \t]*$"
    ))
    .expect("regex")
});
/// An Outlook header block: `From:` (any case, optionally bold) followed within three lines
/// by `Sent:`/`Date:` (or their German/French/Spanish names).
static OUTLOOK_FROM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[ \t>]*\*?(?:From|Von|De|Van|Da|Fra|Från)\*?\s?:").expect("regex")
});
static OUTLOOK_SENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^[ \t>]*\*?(?:Sent|Date|Gesendet|Datum|Envoyé|Enviado|Inviato|Verzonden|Skickat|Sendt)\*?\s?:")
        .expect("regex")
});

/// Joins an `On … wrote:` header that a client broke over several lines into one line,
/// unless another `On … wrote:` follows it.
fn join_multiline_header(text: &str) -> String {
    let last_wrote = match text.rfind("wrote:") {
        Some(i) => i,
        None => return text.to_owned(),
    };
    let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1));
    for p in line_starts {
        let rest = &text[p..];
        if !(rest.starts_with("On") && rest[2..].starts_with(char::is_whitespace)) {
            continue;
        }
        let later_on = text[p + 2..]
            .match_indices("On")
            .map(|(i, _)| p + 2 + i)
            .find(|&q| text[q + 2..].starts_with(char::is_whitespace));
        if later_on.is_some_and(|q| last_wrote >= q + 4) {
            continue;
        }
        let end = text[p + 4.min(rest.len())..]
            .match_indices("wrote:")
            .map(|(i, _)| p + 4 + i + "wrote:".len())
            .find(|&e| e == text.len() || text[e..].starts_with('\n'));
        if let Some(end) = end {
            let header = &text[p..end];
            return text.replace(header, &header.replace('\n', " "));
        }
        return text.to_owned();
    }
    text.to_owned()
}

/// Splits a body into fragments, top to bottom.
pub fn fragments(text: &str) -> Vec<Fragment> {
    let text = text.replace("\r\n", "\n");
    let text = join_multiline_header(&text);
    // A line of underscores must stand after an empty line to start its own fragment.
    let mut lines: Vec<&str> = Vec::new();
    for line in text.split('\n') {
        if UNDERSCORE_LINE.is_match(line) && lines.last().is_some_and(|l: &&str| !l.is_empty()) {
            lines.push("");
        }
        lines.push(line);
    }

    struct Building {
        lines: Vec<String>,
        quoted: bool,
        signature: bool,
    }
    let mut done: Vec<Fragment> = Vec::new();
    let mut found_visible = false;
    let mut finish = |fragment: Option<Building>, done: &mut Vec<Fragment>| {
        if let Some(b) = fragment {
            let content = b.lines.iter().rev().cloned().collect::<Vec<_>>().join("\n");
            let mut hidden = false;
            if !found_visible {
                if b.quoted || b.signature || content.trim().is_empty() {
                    hidden = true;
                } else {
                    found_visible = true;
                }
            }
            done.push(Fragment {
                content,
                quoted: b.quoted,
                signature: b.signature,
                hidden,
            });
        }
    };

    let mut current: Option<Building> = None;
    for raw in lines.iter().rev() {
        let line = if SIGNATURE_START.is_match(raw) {
            raw.to_string()
        } else {
            raw.trim_end().to_string()
        };
        let quoted = line.starts_with('>');
        let header = QUOTE_HEADER.is_match(&line);
        if line.is_empty() {
            let signature_above = current
                .as_ref()
                .and_then(|b| b.lines.last())
                .is_some_and(|l| SIGNATURE_START.is_match(l));
            if signature_above {
                if let Some(b) = current.as_mut() {
                    b.signature = true;
                }
                finish(current.take(), &mut done);
            }
        }
        match current.as_mut() {
            Some(b) if b.quoted == quoted || (b.quoted && (header || line.is_empty())) => {
                b.lines.push(line);
            }
            _ => {
                finish(current.take(), &mut done);
                current = Some(Building {
                    lines: vec![line],
                    quoted,
                    signature: false,
                });
            }
        }
    }
    finish(current.take(), &mut done);
    done.reverse();
    done
}

/// The text of the fragments that are not hidden, joined, right-trimmed.
pub fn visible_text(text: &str) -> String {
    let visible: Vec<String> = fragments(text)
        .into_iter()
        .filter(|f| !f.hidden)
        .map(|f| f.content)
        .collect();
    visible.join("\n").trim_end().to_owned()
}

/// The new text of a reply, as Trellin stores it: quoted history and signatures removed.
pub fn strip_quotes(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let cut = history_start(&text).unwrap_or(text.len());
    visible_text(&text[..cut]).trim().to_owned()
}

/// Where quoted history starts, if a header of it can be found below some new text.
fn history_start(text: &str) -> Option<usize> {
    let banner = HISTORY_LINE
        .find_iter(text)
        .map(|m| m.start())
        .find(|&s| !text[..s].trim().is_empty());
    let lines: Vec<(usize, &str)> = {
        let mut offset = 0;
        text.split('\n')
            .map(|l| {
                let start = offset;
                offset += l.len() + 1;
                (start, l)
            })
            .collect()
    };
    let outlook = lines.iter().enumerate().find_map(|(i, (start, line))| {
        let header = OUTLOOK_FROM.is_match(line)
            && lines
                .iter()
                .skip(i + 1)
                .take(3)
                .any(|(_, next)| OUTLOOK_SENT.is_match(next))
            && !text[..*start].trim().is_empty();
        header.then_some(*start)
    });
    match (banner, outlook) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gmail_reply_keeps_only_the_new_text() {
        let body = "Sounds good, see you then.\n\nOn Wed, Nov 11, 2026 at 6:05 AM Jordan <j@h.com> wrote:\n> Can we meet?\n";
        assert_eq!(strip_quotes(body), "Sounds good, see you then.");
    }

    #[test]
    fn an_outlook_reply_without_quote_markers_loses_its_history() {
        let body = "Thanks Diego, approved.\n\nFrom: Diego Alvarez <diego@brightpath.io>\nSent: Friday, November 13, 2026 9:10 AM\nTo: Jess <jess@k.com>\nSubject: Quote\n\nHi Jess, here is the quote.";
        assert_eq!(strip_quotes(body), "Thanks Diego, approved.");
    }

    #[test]
    fn a_dash_dash_signature_is_removed() {
        let body = "See attached.\n\n-- \nTom Becker\nBrightpath Digital";
        assert_eq!(strip_quotes(body), "See attached.");
    }

    #[test]
    fn a_body_that_is_all_new_text_is_unchanged() {
        assert_eq!(
            strip_quotes("Hello,\n\nAll good here.\n"),
            "Hello,\n\nAll good here."
        );
    }
}
