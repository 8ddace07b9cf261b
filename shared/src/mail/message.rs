//! One raw RFC 5322 / MIME message read into what Trellin needs: its addresses, threading
//! headers, date and zone, plain-text body, whether it is automatic mail, and the original
//! inside it when it is a forward (inline, or attached as `message/rfc822`).

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};
use thiserror::Error;

use super::address::Mailbox;
use super::forward::{Forward, unwrap_forward};
use super::html;

/// Why a message could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("the message is empty")]
    Empty,
    #[error("no RFC 5322 header could be read from the message")]
    NoHeaders,
}

/// A message as Trellin reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEmail {
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub from: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub bcc: Vec<Mailbox>,
    /// `Delivered-To` and `X-Original-To`: where a BCC'd copy was delivered.
    pub delivered_to: Vec<String>,
    pub subject: Option<String>,
    pub date: Option<DateTime<Utc>>,
    /// The `Date` header exactly as written.
    pub date_raw: Option<String>,
    /// The sender's UTC offset, from the `Date` header.
    pub zone: Option<FixedOffset>,
    /// The plain-text body (HTML rendered as text when there is no plain part).
    pub body: String,
    /// Out-of-office, auto-reply or bounce (`Auto-Submitted`, `X-Autoreply`, a delivery report).
    pub automatic: bool,
    /// Newsletter or list mail (`List-Unsubscribe`, `List-Id`, `Precedence: bulk|list|junk`).
    pub bulk: bool,
    /// The first `message/rfc822` attachment, read the same way.
    pub attached: Option<Box<ParsedEmail>>,
    /// Size of the raw message in bytes.
    pub size: usize,
}

impl ParsedEmail {
    /// The inline forward in the body, when the message is one.
    pub fn inline_forward(&self) -> Option<Forward> {
        unwrap_forward(
            &self.body,
            Some(self.subject.as_deref().unwrap_or_default()),
        )
    }
}

/// Reads a raw message. Never panics; a message with no readable header is an error.
///
/// # Errors
/// [`ParseError::Empty`] for empty input, [`ParseError::NoHeaders`] when nothing in it reads
/// as a header.
pub fn parse(raw: &[u8]) -> Result<ParsedEmail, ParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(ParseError::NoHeaders)?;
    if message.headers().is_empty() {
        return Err(ParseError::NoHeaders);
    }
    Ok(read_message(&message, raw.len()))
}

fn read_message(message: &mail_parser::Message<'_>, size: usize) -> ParsedEmail {
    let date_header = message.date();
    let zone = date_header.and_then(|d| {
        let seconds = (i32::from(d.tz_hour) * 3600 + i32::from(d.tz_minute) * 60)
            * if d.tz_before_gmt { -1 } else { 1 };
        FixedOffset::east_opt(seconds)
    });
    let date = date_header.and_then(|d| Utc.timestamp_opt(d.to_timestamp(), 0).single());
    let attached = message.attachments().find_map(|part| match &part.body {
        PartType::Message(inner) => Some(Box::new(read_message(inner, inner.raw_message().len()))),
        _ => None,
    });
    ParsedEmail {
        message_id: message.message_id().map(|id| format!("<{id}>")),
        in_reply_to: text_list(message.in_reply_to())
            .into_iter()
            .next()
            .map(|id| format!("<{id}>")),
        references: text_list(message.references())
            .into_iter()
            .map(|id| format!("<{id}>"))
            .collect(),
        from: message.from().and_then(|a| mailboxes(a).into_iter().next()),
        to: message.to().map(mailboxes).unwrap_or_default(),
        cc: message.cc().map(mailboxes).unwrap_or_default(),
        bcc: message.bcc().map(mailboxes).unwrap_or_default(),
        delivered_to: ["Delivered-To", "X-Original-To"]
            .iter()
            .flat_map(|h| message.header_values(*h))
            .filter_map(|v| match v {
                HeaderValue::Text(t) => Some(t.trim().trim_matches(['<', '>']).to_lowercase()),
                HeaderValue::Address(a) => {
                    a.first().and_then(|x| x.address()).map(str::to_lowercase)
                }
                _ => None,
            })
            .collect(),
        subject: message.subject().map(str::to_owned),
        date,
        date_raw: message.header_raw("Date").map(|d| d.trim().to_owned()),
        zone,
        body: body_text(message),
        automatic: is_automatic(message),
        bulk: is_bulk(message),
        attached,
        size,
    }
}

fn text_list(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(list) => list.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

fn mailboxes(address: &Address<'_>) -> Vec<Mailbox> {
    address
        .iter()
        .map(|a| Mailbox::new(a.address().map(str::to_lowercase).as_deref(), a.name()))
        .filter(|m| m.address.is_some() || m.name.is_some())
        .collect()
}

/// The `text/plain` body parts joined; HTML parts rendered as text where there is no plain one.
fn body_text(message: &mail_parser::Message<'_>) -> String {
    let parts: Vec<String> = message
        .text_bodies()
        .filter_map(|part| match &part.body {
            PartType::Text(text) => Some(text.to_string()),
            PartType::Html(markup) => Some(html::to_text(markup)),
            _ => None,
        })
        .collect();
    let text = if parts.is_empty() {
        message.html_bodies().find_map(|part| match &part.body {
            PartType::Html(markup) => Some(html::to_text(markup)),
            _ => None,
        })
    } else {
        Some(parts.join("\n"))
    };
    text.unwrap_or_default().replace("\r\n", "\n")
}

fn is_bulk(message: &mail_parser::Message<'_>) -> bool {
    let precedence = message
        .header_raw("Precedence")
        .map(|v| v.trim().to_ascii_lowercase());
    message.header_raw("List-Unsubscribe").is_some()
        || message.header_raw("List-Id").is_some()
        || precedence.is_some_and(|p| matches!(p.as_str(), "bulk" | "list" | "junk"))
}

fn is_automatic(message: &mail_parser::Message<'_>) -> bool {
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    let auto_submitted = header("Auto-Submitted").is_some_and(|v| !v.starts_with("no"));
    let autoreply = header("X-Autoreply").is_some() || header("X-Autorespond").is_some();
    let precedence = header("Precedence").is_some_and(|v| v == "auto_reply");
    let report = message.root_part().content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    });
    auto_submitted || autoreply || precedence || report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_message_is_an_error_not_a_panic() {
        assert_eq!(parse(b""), Err(ParseError::Empty));
        assert_eq!(parse(b"  \r\n"), Err(ParseError::Empty));
    }

    #[test]
    fn headers_and_zone_are_read() {
        let raw = b"From: Jess <Jess@Kestrel.com>\r\nTo: diego@brightpath.io\r\nSubject: Hi\r\nDate: Sat, 14 Nov 2026 08:12:55 -0800\r\nMessage-ID: <a@b>\r\nIn-Reply-To: <x@y>\r\nAuto-Submitted: auto-replied\r\n\r\nHello\r\n";
        let email = parse(raw).expect("parses");
        assert_eq!(
            email.from.and_then(|m| m.address).as_deref(),
            Some("jess@kestrel.com")
        );
        assert_eq!(email.message_id.as_deref(), Some("<a@b>"));
        assert_eq!(email.in_reply_to.as_deref(), Some("<x@y>"));
        assert_eq!(
            email.date.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-14T16:12:55+00:00")
        );
        assert_eq!(email.zone, FixedOffset::west_opt(8 * 3600));
        assert_eq!(email.body.trim(), "Hello");
        assert!(email.automatic);
    }
}
