//! The digest as an email: one MIME message with the plain text and the HTML as alternatives,
//! and the chart inline (the HTML shows it as `cid:` [`CHART_CID`]), built with `mail-builder`.

use mail_builder::MessageBuilder;

use super::Digest;

/// The Content-ID the HTML names the chart by.
pub const CHART_CID: &str = "chart@trellin";

/// The raw message from `sender` to `recipients`.
///
/// # Errors
/// Writing to memory cannot fail in practice; `mail-builder`'s writer is fallible in general.
pub fn message(digest: &Digest, sender: &str, recipients: &[String]) -> std::io::Result<Vec<u8>> {
    let to: Vec<&str> = recipients.iter().map(String::as_str).collect();
    let mut builder = MessageBuilder::new()
        .from(("Trellin", sender))
        .to(to)
        .subject(digest.subject.as_str())
        .text_body(digest.text.as_str())
        .html_body(digest.html.as_str());
    if let Some(chart) = &digest.chart {
        builder = builder.inline("image/png", CHART_CID, chart.as_slice());
    }
    builder.write_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MimeHeaders;

    #[test]
    fn the_message_carries_text_html_and_the_chart_inline() {
        let digest = Digest {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default(),
            subject: "Trellin · Olive & Ash · Saturday 21 Nov".into(),
            text: "Trellin · Olive & Ash\n\nNeeds you today\n• Nothing is on fire.\n".into(),
            html: format!(
                "<html><body><p>Needs you today</p><img src=\"cid:{CHART_CID}\"></body></html>"
            ),
            totals: super::super::Totals::default(),
            chart: Some(b"\x89PNG\r\n\x1a\nnot really".to_vec()),
        };
        let raw = message(
            &digest,
            "digest@agency.test",
            &["owner@agency.test".to_owned(), "ops@agency.test".to_owned()],
        )
        .expect("built");
        let parsed = mail_parser::MessageParser::default()
            .parse(&raw)
            .expect("parses");
        assert_eq!(parsed.subject(), Some(digest.subject.as_str()));
        assert_eq!(parsed.to().map(|to| to.iter().count()), Some(2));
        assert!(
            parsed
                .body_text(0)
                .is_some_and(|t| t.contains("Needs you today"))
        );
        assert!(parsed.body_html(0).is_some_and(|h| h.contains(CHART_CID)));
        let chart = parsed
            .attachments()
            .find(|a| a.content_id() == Some(CHART_CID))
            .expect("the chart, inline");
        assert_eq!(
            chart.contents(),
            digest.chart.as_deref().unwrap_or_default()
        );
    }
}
