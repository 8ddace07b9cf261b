//! The organisation a writer names in their signature, read against their address's domain:
//! "Harbor Lane Realty" under an email from `…@harborlane.com`. Used to call a customer what
//! people call it instead of what its domain spells.

/// The signature line of the new text (above any quoted history) that names the organisation
/// of `domain`: a short line without digits, addresses or links whose letters begin with the
/// letters of the domain's first label ("Harbor Lane Realty" for `harborlane.com`).
pub fn organisation(body: &str, domain: &str) -> Option<String> {
    let label = label(domain);
    if label.chars().count() < 4 {
        return None;
    }
    let mut found = None;
    for line in body.lines().map(str::trim) {
        // Quoted history begins: what follows was written by someone else.
        if line.starts_with('>')
            || line.ends_with("wrote:")
            || line.starts_with("-----")
            || line.starts_with("From:")
        {
            break;
        }
        // "Harbor Lane Realty | 617-555-0110": each part of a line separated by a bar or dot.
        for part in line.split(['|', '·', '•']).map(str::trim) {
            let plain = !part.is_empty()
                && part.chars().count() <= 60
                && !part
                    .chars()
                    .any(|c| c.is_ascii_digit() || matches!(c, '@' | '/' | ':' | '<' | '>'))
                && part.split_whitespace().count() <= 6
                // not a domain or a link ("Harborlane.com")
                && !part
                    .char_indices()
                    .any(|(i, c)| c == '.' && part[i + 1..].starts_with(char::is_alphabetic))
                && part.chars().next().is_some_and(char::is_uppercase);
            let letters: String = part
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            if plain && letters.starts_with(&label) {
                found = Some(part.trim_end_matches([',', '.', ';']).to_owned());
            }
        }
    }
    found
}

/// The letters and digits of a domain's first label, lower-cased: what an organisation's name
/// must begin with (`harbor-lane.com` → `harborlane`).
pub fn label(domain: &str) -> String {
    domain
        .split('.')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_line_that_spells_the_domain_names_the_organisation() {
        let body = "Hi Priya,\n\nThe links work now.\n\nJordan Ellis\nDirector of Marketing\nHarbor Lane Realty | 617-555-0110\n\nOn Tue, Nov 17, 2026 at 9:00 AM Priya wrote:\n> Kestrel Outdoor";
        assert_eq!(
            organisation(body, "harborlane.com").as_deref(),
            Some("Harbor Lane Realty")
        );
        assert_eq!(
            organisation(
                "Thanks!\nGrace\nAlder & Finch Architects",
                "alderfinch.com.au"
            )
            .as_deref(),
            Some("Alder & Finch Architects")
        );
    }

    #[test]
    fn lines_that_do_not_spell_the_domain_or_only_quote_it_name_nothing() {
        assert_eq!(
            organisation("Thanks,\nJordan\nBrightpath Digital", "harborlane.com"),
            None
        );
        assert_eq!(
            organisation("See harborlane.com/listings", "harborlane.com"),
            None
        );
        assert_eq!(
            organisation("Thanks\n\n> Harbor Lane Realty", "harborlane.com"),
            None,
            "quoted history is someone else's"
        );
        assert_eq!(
            organisation("Harbor Lane Realty", "hl.com"),
            None,
            "a label too short"
        );
    }
}
