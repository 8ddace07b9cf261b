//! What Trellin reads from a message, in the stable shape `trellin parse` prints: whether it
//! is a forward, the forwarder's note, the original's addresses, subject, date and body, and
//! the body with quotes and signature stripped.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde::Serialize;

use super::address::Mailbox;
use super::date::parse_date;
use super::forward::{Forward, unwrap_forward};
use super::message::ParsedEmail;
use super::quotes::strip_quotes;

/// The reading of one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reading {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub forwarded: bool,
    pub note: Option<String>,
    pub original: Original,
    pub stripped_body: String,
}

/// The original message: the forwarded one, or the message itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Original {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    pub subject: Option<String>,
    #[serde(serialize_with = "rfc3339")]
    pub date: Option<DateTime<Utc>>,
    pub date_raw: Option<String>,
    pub body: String,
}

fn rfc3339<S: serde::Serializer>(date: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => s.serialize_str(&d.to_rfc3339_opts(SecondsFormat::Secs, true)),
        None => s.serialize_none(),
    }
}

impl Reading {
    /// Reads a parsed message: an attached original first, then an inline forward, else the
    /// message itself. A forwarded date without a zone is read in the forwarder's zone.
    pub fn of_message(email: &ParsedEmail) -> Reading {
        if let Some(inner) = email
            .attached
            .as_deref()
            .filter(|_| is_forward_subject(email))
        {
            let note = Some(email.body.trim())
                .filter(|b| !b.is_empty())
                .map(str::to_owned);
            return Reading::forwarded(note, original_of(inner));
        }
        if let Some(fwd) = email.inline_forward() {
            let zone = email
                .zone
                .unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
            return Reading::of_forward(fwd, zone);
        }
        Reading::forwarded(None, original_of(email)).not_forwarded()
    }

    /// Reads a plain-text body (as in the forward-parser corpus); dates without a zone are UTC.
    pub fn of_text(body: &str, subject: Option<&str>) -> Reading {
        match unwrap_forward(body, subject) {
            Some(fwd) => Reading::of_forward(fwd, FixedOffset::east_opt(0).expect("UTC")),
            None => Reading::forwarded(
                None,
                Original {
                    from: Mailbox::default(),
                    to: Vec::new(),
                    cc: Vec::new(),
                    subject: subject.map(str::to_owned),
                    date: None,
                    date_raw: None,
                    body: body.replace("\r\n", "\n").trim().to_owned(),
                },
            )
            .not_forwarded(),
        }
    }

    fn of_forward(fwd: Forward, zone: FixedOffset) -> Reading {
        let o = fwd.original;
        let date = o.date_raw.as_deref().and_then(|raw| parse_date(raw, zone));
        let original = Original {
            from: o.from.unwrap_or_default(),
            to: o.to,
            cc: o.cc,
            subject: o.subject,
            date,
            date_raw: o.date_raw,
            body: o.body,
        };
        Reading::forwarded(fwd.note, original)
    }

    fn forwarded(note: Option<String>, original: Original) -> Reading {
        let stripped_body = strip_quotes(&original.body);
        Reading {
            id: None,
            forwarded: true,
            note,
            original,
            stripped_body,
        }
    }

    fn not_forwarded(mut self) -> Reading {
        self.forwarded = false;
        self
    }

    /// The same reading, labelled with an id.
    pub fn with_id(mut self, id: impl Into<String>) -> Reading {
        self.id = Some(id.into());
        self
    }
}

fn is_forward_subject(email: &ParsedEmail) -> bool {
    email
        .subject
        .as_deref()
        .is_none_or(super::subject::is_forward)
        || email.body.trim().is_empty()
}

fn original_of(email: &ParsedEmail) -> Original {
    Original {
        from: email.from.clone().unwrap_or_default(),
        to: email.to.clone(),
        cc: email.cc.clone(),
        subject: email.subject.clone(),
        date: email.date,
        date_raw: email.date_raw.clone(),
        body: email.body.trim().to_owned(),
    }
}
