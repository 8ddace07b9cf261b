//! Mailboxes as mail clients print them in forwarded headers: `Name <addr>`, `"Name" <addr>`,
//! `addr`, `Name [mailto:addr]`, Outlook's `Name<mailto:addr> <addr<mailto:addr>>`, and lists
//! of them separated by `,` or `;` where an unquoted name may itself contain a comma.

use serde::Serialize;
use std::sync::LazyLock;

use regex::Regex;

/// One mailbox: an address and a display name, either of which a forwarded header may lack.
///
/// `name` is `None` when it is missing or merely repeats the address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Mailbox {
    pub address: Option<String>,
    pub name: Option<String>,
}

impl Mailbox {
    /// A mailbox from a name and address, lower-casing nothing and dropping a name that only
    /// repeats the address.
    pub fn new(address: Option<&str>, name: Option<&str>) -> Self {
        let address = address
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned);
        let name = name
            .map(unquote)
            .filter(|n| !n.is_empty())
            .filter(|n| {
                address
                    .as_deref()
                    .is_none_or(|a| !a.eq_ignore_ascii_case(n))
            })
            .map(str::to_owned);
        Self { address, name }
    }
}

/// The domain of an address: `jess@kestrel.com` → `kestrel.com`.
pub fn domain_of(address: &str) -> Option<&str> {
    address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| !d.is_empty())
}

/// `<mailto:x>` glued to the text before it is a duplicate Outlook adds after a name or address.
static GLUED_MAILTO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<keep>[^\s<\[])[<\[]mailto:[^>\]]*[>\]]").expect("valid regex")
});
/// `<mailto:x>` standing alone is the address itself.
static LONE_MAILTO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?P<open>[<\[])mailto:").expect("valid regex"));
/// Outlook's "on behalf of" names the delegate, not the author.
static ON_BEHALF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\s+on behalf of\s+.*$").expect("valid regex"));

/// Parses one mailbox, e.g. a forwarded `From:` value.
pub fn parse_mailbox(value: &str) -> Option<Mailbox> {
    parse_mailbox_list(value).into_iter().next()
}

/// Parses a list of mailboxes, e.g. a forwarded `To:` or `Cc:` value.
pub fn parse_mailbox_list(value: &str) -> Vec<Mailbox> {
    let cleaned = GLUED_MAILTO.replace_all(value, "$keep");
    let cleaned = LONE_MAILTO.replace_all(&cleaned, "$open");
    split_mailboxes(&cleaned)
        .into_iter()
        .filter_map(|segment| parse_segment(&segment))
        .collect()
}

/// Splits at top-level `,`/`;`, but only once the segment holds an address: before that, a
/// comma belongs to an unquoted name such as `Doe, John <john@acme.com>`.
fn split_mailboxes(value: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    for ch in value.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"') => quote = Some('"'),
            (None, '<' | '[') => depth += 1,
            (None, '>' | ']') => depth = depth.saturating_sub(1),
            (None, ',' | ';') if depth == 0 && current.contains('@') => {
                segments.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    segments.push(current);
    segments
}

fn parse_segment(segment: &str) -> Option<Mailbox> {
    let segment = ON_BEHALF.replace(segment.trim(), "");
    let segment = segment.trim().trim_matches(|c| c == ',' || c == ';').trim();
    if segment.is_empty() {
        return None;
    }
    if let Some(open) = segment.rfind(['<', '[']) {
        let close = segment[open..].find(['>', ']']).map(|i| open + i);
        let inner = &segment[open + 1..close.unwrap_or(segment.len())];
        if inner.contains('@') {
            let name = &segment[..open];
            return Some(Mailbox::new(Some(unquote(inner)), Some(name)));
        }
    }
    let bare = unquote(segment);
    if bare.contains('@') && !bare.contains(char::is_whitespace) {
        Some(Mailbox::new(Some(bare), None))
    } else {
        Some(Mailbox::new(None, Some(bare)))
    }
}

/// Strips whitespace and the quotes clients put around names: `"x"`, `'x'`, `"'x'"`.
fn unquote(text: &str) -> &str {
    let mut s = text.trim();
    loop {
        let stripped = s
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .or_else(|| s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')));
        match stripped {
            Some(inner) => s = inner.trim(),
            None => return s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(address: Option<&str>, name: Option<&str>) -> Mailbox {
        Mailbox {
            address: address.map(Into::into),
            name: name.map(Into::into),
        }
    }

    #[test]
    fn a_name_equal_to_its_address_is_dropped() {
        assert_eq!(
            parse_mailbox_list("bessie.berry@acme.com <bessie.berry@acme.com>"),
            vec![mb(Some("bessie.berry@acme.com"), None)]
        );
    }

    #[test]
    fn unquoted_commas_stay_inside_names() {
        assert_eq!(
            parse_mailbox_list("Bessie, Berry <b@acme.com>, s@globex.corp <s@globex.corp>"),
            vec![
                mb(Some("b@acme.com"), Some("Bessie, Berry")),
                mb(Some("s@globex.corp"), None)
            ]
        );
    }

    #[test]
    fn outlook_mailto_duplicates_and_delegates_are_removed() {
        assert_eq!(
            parse_mailbox(
                "John Doe<mailto:j@acme.com> <j@acme.com<mailto:j@acme.com>> on behalf of t@acme.com<mailto:t@acme.com>"
            ),
            Some(mb(Some("j@acme.com"), Some("John Doe")))
        );
        assert_eq!(
            parse_mailbox("Walter Sheltan [mailto:w@acme.com]"),
            Some(mb(Some("w@acme.com"), Some("Walter Sheltan")))
        );
    }

    #[test]
    fn a_name_without_an_address_keeps_the_name() {
        assert_eq!(parse_mailbox("John Doe"), Some(mb(None, Some("John Doe"))));
    }
}
