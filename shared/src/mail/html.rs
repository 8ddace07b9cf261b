//! HTML bodies as plain text, for messages that carry no `text/plain` part.

/// Renders HTML as plain text: paragraphs and line breaks kept, no wrapping, links as their
/// text.
pub fn to_text(html: &str) -> String {
    let rendered = html2text::config::plain_no_decorate()
        .allow_width_overflow()
        .no_link_wrapping()
        .string_from_read(html.as_bytes(), 10_000);
    match rendered {
        Ok(text) => text
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_owned(),
        // html2text fails only on pathological layouts; keep the words rather than nothing.
        Err(_) => html.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_paragraphs_become_lines_of_text() {
        let text = super::to_text(
            "<div><p>Hi Priya,</p><p>Thanks for the <b>mockups</b>.<br>Jordan</p></div>",
        );
        assert_eq!(text, "Hi Priya,\n\nThanks for the mockups.\nJordan");
    }
}
