//! Unwrapping inline forwards: finding the original message inside the body an employee
//! forwarded, whatever client and language produced it, and reading its header fields.
//!
//! The body is searched for the earliest forward banner (Gmail's `---------- Forwarded
//! message ---------`, Apple Mail's `Begin forwarded message:`, Outlook's line of underscores,
//! Thunderbird's and Yahoo's dashed banners, Outlook 2019's `On …, "Name" <addr> wrote:`, in
//! every language of [`labels`]). What precedes it is the forwarder's note; what follows is
//! the original: a block of localized header fields, then its body. Only the outermost
//! forward is unwrapped; nested forwards stay in the original's body.
//!
//! When a subject is given it decides first: a subject without a forward prefix (`Fwd:`,
//! `WG:`, `TR:`, …) is not a forward, and a subject with one lets a body with no banner at all
//! (Outlook's bare `From:` block) be unwrapped at its first `From:` line.

mod labels;

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use super::address::{Mailbox, parse_mailbox, parse_mailbox_list};
use super::subject;

/// A forwarded message: the forwarder's note and the original inside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Forward {
    /// What the forwarder wrote above the forwarded message, if anything.
    pub note: Option<String>,
    pub original: ForwardedOriginal,
}

/// The original message as the forward shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ForwardedOriginal {
    pub from: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub subject: Option<String>,
    /// The date exactly as the client printed it, localized; see [`super::date`].
    pub date_raw: Option<String>,
    /// The original's body, quote markers removed, trimmed.
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    From,
    To,
    Cc,
    Date,
    Subject,
    ReplyTo,
}

impl Field {
    const ALL: [(Field, &'static [&'static str]); 6] = [
        (Field::From, labels::FROM),
        (Field::To, labels::TO),
        (Field::Cc, labels::CC),
        (Field::Date, labels::DATE),
        (Field::Subject, labels::SUBJECT),
        (Field::ReplyTo, labels::REPLY_TO),
    ];

    fn of_label(label: &str) -> Option<Field> {
        let label = label.trim();
        Field::ALL.iter().find_map(|(field, names)| {
            names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(label) || n.to_lowercase() == label.to_lowercase())
                .then_some(*field)
        })
    }

    fn holds_mailboxes(self) -> bool {
        matches!(self, Field::From | Field::To | Field::Cc | Field::ReplyTo)
    }
}

/// Alternation of phrases, longest first so that `De la` wins over `De`.
fn alternation(phrases: &[&str]) -> String {
    let mut sorted: Vec<&str> = phrases.to_vec();
    sorted.sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
    sorted
        .iter()
        .map(|p| regex::escape(p))
        .collect::<Vec<_>>()
        .join("|")
}

fn all_labels() -> String {
    let all: Vec<&str> = Field::ALL
        .iter()
        .flat_map(|(_, names)| names.iter().copied())
        .collect();
    alternation(&all)
}

static SEPARATORS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    let apple = format!(
        r"(?m)^>?[ \t]*(?:{})[ \t]?:[ \t]*",
        alternation(labels::APPLE_BANNERS)
    );
    let dashed = format!(
        r"(?m)^>?[ \t]*-{{2,}}[ \t]*(?:{})[ \t]*-{{2,}}[ \t]*",
        alternation(labels::DASHED_BANNERS)
    );
    let underscores = r"(?m)^>?[ \t]*_{32}[ \t]*$".to_owned();
    [apple, dashed, underscores]
        .iter()
        .map(|p| Regex::new(p).expect("valid separator regex"))
        .collect()
});

static ATTRIBUTIONS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    labels::OUTLOOK_ATTRIBUTIONS
        .iter()
        .map(|p| Regex::new(&format!("(?m){p}")).expect("valid attribution regex"))
        .collect()
});

/// A header line: `Label: value`, `*Label:* value`, `Label : \tvalue`, `Label：value`.
static HEADER_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^[ \t]*\*?(?P<label>{})\*?[ \t\u{{a0}}\u{{202f}}]*[:：]\*?[ \t]*(?P<value>.*)$",
        all_labels()
    ))
    .expect("valid header regex")
});

/// A label glued to the end of the previous field, as Yahoo runs them together on one line:
/// `…<john@acme.com>To: …`, `…GMT+1Subject: …`, `…SEČPředmět: …`. Labels are matched in
/// their printed case; one or two letters long, they must follow a bracket, quote or digit,
/// so that `ETA:` in a subject is not read as Italian `A:`.
static GLUED_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    let all: Vec<&str> = Field::ALL
        .iter()
        .flat_map(|(_, names)| names.iter().copied())
        .collect();
    let (short, long): (Vec<&str>, Vec<&str>) = all.iter().partition(|l| l.chars().count() <= 2);
    let short_upper: Vec<String> = short.iter().map(|l| l.to_uppercase()).collect();
    let short_all: Vec<&str> = short
        .iter()
        .copied()
        .chain(short_upper.iter().map(String::as_str))
        .collect();
    Regex::new(&format!(
        r#"(?:\S(?P<long>{})|[>"\d)\]](?P<short>{}))[ \t\u{{a0}}]?[:：]|\S(?P<bare>{}) "#,
        alternation(&long),
        alternation(&short_all),
        alternation(labels::GLUED_WITHOUT_COLON),
    ))
    .expect("valid glued-label regex")
});

static FROM_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?mi)^[ \t]*\*?(?:{})\*?[ \t]*[:：]",
        alternation(labels::FROM)
    ))
    .expect("valid from regex")
});

struct Attribution {
    date: String,
    from: Mailbox,
}

/// Finds the forwarded original in a plain-text body, or `None` when it is not a forward.
///
/// `subject`, when known, is the subject of the message that carries `body`.
pub fn unwrap_forward(body: &str, subject: Option<&str>) -> Option<Forward> {
    let forward_subject = match subject {
        Some(s) if !subject::is_forward(s) => return None,
        Some(_) => true,
        None => false,
    };
    let text = body.replace("\r\n", "\n").replace('\u{feff}', "");
    let at_banner = split_at_separator(&text);
    let at_from = forward_subject.then(|| split_at_from_line(&text)).flatten();
    let (note, email, attribution) = match (at_banner, at_from) {
        (Some(banner), Some(from)) if from.0.len() < banner.0.len() => from,
        (Some(banner), _) => banner,
        (None, from) => from?,
    };

    let mut original = parse_original(email);
    if let Some(attribution) = attribution {
        if original.from.is_none() {
            original.from = Some(attribution.from);
        }
        if original.date_raw.is_none() {
            original.date_raw = Some(attribution.date);
        }
    }
    if original.subject.is_none() {
        original.subject = subject
            .map(subject::strip_forward_prefix)
            .filter(|s| !s.is_empty());
    }
    let note = Some(note.trim())
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    Some(Forward { note, original })
}

/// Splits at the earliest banner: (note, original, attribution if the banner was one).
fn split_at_separator(text: &str) -> Option<(&str, &str, Option<Attribution>)> {
    let banner = SEPARATORS
        .iter()
        .filter_map(|re| re.find(text))
        .map(|m| (m.start(), m.end()));
    let attribution = ATTRIBUTIONS
        .iter()
        .filter_map(|re| re.captures(text))
        .map(|c| {
            let whole = c.get(0).expect("group 0 always matches");
            let from = Mailbox::new(
                c.name("address").map(|m| m.as_str()),
                c.name("name").map(|m| m.as_str()),
            );
            let date = c.name("date").map_or("", |m| m.as_str()).trim().to_owned();
            (whole.start(), whole.end(), Some(Attribution { date, from }))
        });
    let earliest = banner
        .map(|(s, e)| (s, e, None))
        .chain(attribution)
        .min_by_key(|(start, _, _)| *start)?;
    let (start, end, attribution) = earliest;
    Some((&text[..start], &text[end..], attribution))
}

/// A forward subject allows splitting at the first `From:` line that starts a header block
/// (Outlook forwards without a banner); it wins over a banner further down, which then
/// belongs to a nested forward.
fn split_at_from_line(text: &str) -> Option<(&str, &str, Option<Attribution>)> {
    FROM_LINE.find_iter(text).find_map(|m| {
        let rest = &text[m.start()..];
        let (fields, _) = header_block(rest);
        (fields.len() >= 2).then(|| (&text[..m.start()], rest, None))
    })
}

/// Removes `>` quote markers, and the four-space indent Outlook 2019 puts on every line.
fn unquote_lines(email: &str) -> String {
    let lines: Vec<&str> = email
        .lines()
        .map(|line| match line.strip_prefix('>') {
            Some(_) => {
                let rest = line.trim_start_matches('>');
                rest.strip_prefix(' ').unwrap_or(rest)
            }
            None => line,
        })
        .map(|line| if line.trim().is_empty() { "" } else { line })
        .collect();
    let indented = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .all(|l| l.starts_with("    "))
        && lines.iter().any(|l| !l.trim().is_empty());
    let lines: Vec<&str> = if indented {
        lines
            .into_iter()
            .map(|l| {
                let rest = l.strip_prefix("    ").unwrap_or(l);
                rest.strip_prefix([' ', '\t']).unwrap_or(rest)
            })
            .collect()
    } else {
        lines
    };
    lines.join("\n")
}

fn parse_original(email: &str) -> ForwardedOriginal {
    let text = unquote_lines(email);
    let (fields, body_start) = header_block(&text);
    let first = |wanted: Field| {
        fields
            .iter()
            .find(|(f, _)| *f == wanted)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    ForwardedOriginal {
        from: first(Field::From).and_then(parse_mailbox),
        to: first(Field::To).map(parse_mailbox_list).unwrap_or_default(),
        cc: first(Field::Cc).map(parse_mailbox_list).unwrap_or_default(),
        subject: first(Field::Subject).map(str::to_owned),
        date_raw: first(Field::Date).map(str::to_owned),
        body: text[body_start..].trim().to_owned(),
    }
}

/// Reads the header block at the top of the original: returns its fields and the byte offset
/// where the body starts. No header block means the whole text is the body.
fn header_block(text: &str) -> (Vec<(Field, String)>, usize) {
    let mut fields: Vec<(Field, String)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        if let Some(caps) = HEADER_LINE.captures(content) {
            let field = Field::of_label(&caps["label"]);
            if let Some(field) = field {
                push_run_together(&mut fields, field, &caps["value"]);
                offset += line.len();
                continue;
            }
        }
        if content.trim().is_empty() {
            offset += line.len();
            if fields.is_empty() {
                continue;
            }
            return (fields, offset);
        }
        let continues =
            fields.last().is_some_and(|(f, _)| f.holds_mailboxes()) && content.contains('@');
        if continues {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(content.trim());
            }
            offset += line.len();
            continue;
        }
        break;
    }
    if fields.is_empty() {
        (fields, 0)
    } else {
        (fields, offset)
    }
}

/// Pushes a field, splitting off any further fields glued to its value (Yahoo).
fn push_run_together(fields: &mut Vec<(Field, String)>, field: Field, value: &str) {
    let mut current = field;
    let mut rest = value;
    loop {
        let glued = GLUED_LABEL.captures_iter(rest).find_map(|c| {
            let label = c.name("long").or(c.name("short")).or(c.name("bare"))?;
            let end = c.get(0)?.end();
            Field::of_label(label.as_str()).map(|f| (f, label.start(), end))
        });
        match glued {
            Some((next, label_start, value_start)) => {
                fields.push((current, rest[..label_start].trim().to_owned()));
                current = next;
                rest = &rest[value_start..];
            }
            None => {
                fields.push((current, rest.trim().to_owned()));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gmail_forward_gives_the_original_sender_and_the_note() {
        let body = "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Jordan Ellis <jordan@harborlane.com>\nDate: Wed, Nov 11, 2026 at 6:05 AM\nSubject: Mockups\nTo: Priya <priya@brightpath.io>\n\n\nHi Priya,\nThanks.\n";
        let fwd = unwrap_forward(body, Some("Fwd: Mockups")).expect("a forward");
        assert_eq!(fwd.note.as_deref(), Some("FYI, see below."));
        let from = fwd.original.from.expect("a sender");
        assert_eq!(from.address.as_deref(), Some("jordan@harborlane.com"));
        assert_eq!(fwd.original.subject.as_deref(), Some("Mockups"));
        assert_eq!(
            fwd.original.date_raw.as_deref(),
            Some("Wed, Nov 11, 2026 at 6:05 AM")
        );
        assert_eq!(fwd.original.body, "Hi Priya,\nThanks.");
    }

    #[test]
    fn a_reply_subject_is_not_a_forward_even_with_a_quoted_header() {
        let body = "Sure.\n\n________________________________\nFrom: A <a@x.com>\nSent: Monday\nSubject: Hi\n\nHello";
        assert!(unwrap_forward(body, Some("RE: Hi")).is_none());
        assert!(unwrap_forward(body, None).is_some());
    }

    #[test]
    fn plain_text_is_not_a_forward() {
        assert!(unwrap_forward("Hello there,\nsee you tomorrow.", None).is_none());
    }
}
