//! Finding the customer or staff member a question names, forgivingly: any case, accents or
//! none, a typo, part of the name ("Harbor"), the name run together ("harborlane"), the domain
//! (`kestreloutdoor.com`) or an address.

use uuid::Uuid;

use super::text::{fold, words};

/// Whom a name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Customer,
    Employee,
}

/// A customer or staff member, with the ways a question may name them.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: Kind,
    pub id: Uuid,
    pub name: String,
    /// Folded spellings that name the entry on their own: the full name, the name run
    /// together, the domain and its first label, addresses and their local parts, and for
    /// staff the first name.
    keys: Vec<String>,
    /// The folded words of the name, each of which names the entry when no other has it.
    parts: Vec<String>,
}

/// Words a company name is made of that name no one in particular.
const GENERIC: &[&str] = &[
    "inc",
    "llc",
    "ltd",
    "limited",
    "co",
    "corp",
    "company",
    "group",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "sl",
    "srl",
    "bv",
    "the",
    "and",
    "und",
    "et",
    "y",
    "of",
    "de",
    "la",
    "le",
    "el",
    "partners",
    "services",
    "solutions",
    "studio",
    "agency",
    "digital",
    "consulting",
];

impl Entry {
    pub fn new(kind: Kind, id: Uuid, name: &str, domain: Option<&str>, emails: &[String]) -> Entry {
        let folded_name = words(name).join(" ");
        let mut keys = vec![folded_name.clone(), folded_name.replace([' ', '-'], "")];
        if let Some(domain) = domain {
            let domain = fold(domain);
            if let Some(label) = domain.split('.').next() {
                keys.push(label.to_owned());
            }
            keys.push(domain);
        }
        for email in emails {
            let email = fold(email);
            if let Some((local, _)) = email.split_once('@')
                && kind == Kind::Employee
            {
                keys.push(local.to_owned());
            }
            keys.push(email);
        }
        // The words of the name, and for a customer the names in its contacts' addresses
        // ("rosa.delgado.bakes@…" names Rosa).
        let contacts = emails
            .iter()
            .filter(|_| kind == Kind::Customer)
            .filter_map(|e| {
                e.split_once('@')
                    .map(|(local, _)| local.replace(['.', '_', '-'], " "))
            });
        let parts: Vec<String> = std::iter::once(name.to_owned())
            .chain(contacts)
            .flat_map(|text| words(&text))
            .filter(|w| w.chars().count() >= 3 && !GENERIC.contains(&w.as_str()))
            .collect();
        if kind == Kind::Employee
            && let Some(first) = parts.first()
        {
            keys.push(first.clone());
        }
        keys.retain(|k| !k.is_empty());
        keys.sort();
        keys.dedup();
        Entry {
            kind,
            id,
            name: name.to_owned(),
            keys,
            parts,
        }
    }
}

/// A tenant's customers and staff, with their spellings grouped by first letter.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub entries: Vec<Entry>,
    spellings: std::collections::HashMap<char, Vec<Spelling>>,
}

/// One way of naming an entry.
#[derive(Debug, Clone)]
struct Spelling {
    text: String,
    length: usize,
    entry: usize,
    /// One word of a longer name, which names the entry only as nobody else has it.
    part: bool,
}

impl Directory {
    /// A directory of these entries.
    pub fn new(entries: Vec<Entry>) -> Directory {
        let mut owners: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for entry in &entries {
            let mut mine: Vec<&str> = entry.parts.iter().map(String::as_str).collect();
            mine.sort_unstable();
            mine.dedup();
            for part in mine {
                *owners.entry(part).or_default() += 1;
            }
        }
        let mut spellings: std::collections::HashMap<char, Vec<Spelling>> =
            std::collections::HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            let keys = entry.keys.iter().map(|k| (k, false));
            let parts = entry
                .parts
                .iter()
                .filter(|p| owners.get(p.as_str()) == Some(&1))
                .map(|p| (p, true));
            for (text, part) in keys.chain(parts) {
                if let Some(first) = text.chars().next() {
                    spellings.entry(first).or_default().push(Spelling {
                        text: text.clone(),
                        length: text.chars().count(),
                        entry: index,
                        part,
                    });
                }
            }
        }
        Directory { entries, spellings }
    }
}

/// A name found in a question.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub kind: Kind,
    pub id: Uuid,
    pub name: String,
    /// How sure the match is, in (0, 1].
    pub score: f64,
    /// The question words it was read from.
    pub words: Vec<usize>,
}

/// How alike two spellings are, forgiving one slip in a longer word.
fn likeness(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let shorter = a.chars().count().min(b.chars().count());
    if shorter < 4 {
        return 0.0;
    }
    let edits = strsim::damerau_levenshtein(a, b);
    let allowed = match shorter {
        8.. => 2,
        5.. => 1,
        _ => 0,
    };
    if edits <= allowed {
        return 0.95 - 0.05 * edits as f64;
    }
    let jw = strsim::jaro_winkler(a, b);
    if jw >= 0.92 && shorter >= 6 {
        jw - 0.1
    } else {
        0.0
    }
}

impl Directory {
    /// The best-matching entry for the question's words, skipping `ignored` ones (the words
    /// of the question itself: intents, periods, function words). A slip is forgiven after
    /// the first letter only, which keeps the search to the spellings that start alike.
    pub fn find(&self, words: &[String], ignored: &[bool]) -> Option<Found> {
        let mut best: Option<Found> = None;
        for start in 0..words.len() {
            for len in 1..=3 {
                let end = start + len;
                if end > words.len()
                    || (start..end).any(|i| ignored.get(i).copied().unwrap_or(false))
                {
                    continue;
                }
                let joined = words[start..end].concat();
                if joined.chars().count() < 3 {
                    continue;
                }
                let phrase = words[start..end].join(" ");
                // "Toms", "Kestrels": a possessive without its apostrophe.
                let bare = phrase
                    .strip_suffix('s')
                    .filter(|b| b.chars().count() >= 3)
                    .map(str::to_owned);
                let mut candidates = vec![(phrase.as_str(), 0.0), (joined.as_str(), 0.0)];
                if let Some(bare) = &bare {
                    candidates.push((bare.as_str(), 0.05));
                }
                for (text, penalty) in candidates {
                    let Some(first) = text.chars().next() else {
                        continue;
                    };
                    let size = text.chars().count();
                    for spelling in self.spellings.get(&first).into_iter().flatten() {
                        if spelling.length.abs_diff(size) > 2 || (spelling.part && len > 1) {
                            continue;
                        }
                        let like = likeness(text, &spelling.text) - penalty;
                        let like = if !spelling.part {
                            like
                        } else if like < 0.95 && spelling.length < 6 {
                            // A slip is forgiven in a longer word only ("aider" is no "Alder").
                            0.0
                        } else {
                            like * 0.9
                        };
                        let score = like + 0.01 * len as f64;
                        if score >= 0.8 && best.as_ref().is_none_or(|b| score > b.score) {
                            let entry = &self.entries[spelling.entry];
                            best = Some(Found {
                                kind: entry.kind,
                                id: entry.id,
                                name: entry.name.clone(),
                                score,
                                words: (start..end).collect(),
                            });
                        }
                    }
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> Directory {
        let customer = |n: u128, name: &str, domain: &str| {
            Entry::new(Kind::Customer, Uuid::from_u128(n), name, Some(domain), &[])
        };
        Directory::new(vec![
            customer(1, "Harbor Lane Realty", "harborlane.com"),
            customer(2, "Kestrel Outdoor Co.", "kestreloutdoor.com"),
            customer(3, "Meridian Dental Group", "meridiandental.com"),
            Entry::new(
                Kind::Customer,
                Uuid::from_u128(4),
                "Café Zoë",
                None,
                &["zoe@gmail.com".to_owned()],
            ),
            Entry::new(
                Kind::Employee,
                Uuid::from_u128(10),
                "Tom Becker",
                None,
                &["tom@brightpath.io".to_owned()],
            ),
        ])
    }

    fn find(question: &str) -> Option<(u128, String)> {
        let w = words(question);
        let ignored = vec![false; w.len()];
        directory()
            .find(&w, &ignored)
            .map(|f| (f.id.as_u128(), f.name))
    }

    #[test]
    fn names_are_found_whatever_their_case_accents_or_typos() {
        assert_eq!(find("how is harbor lane realty").map(|f| f.0), Some(1));
        assert_eq!(find("how's Harbour Lane?").map(|f| f.0), Some(1));
        assert_eq!(find("wie geht es kestrel?").map(|f| f.0), Some(2));
        assert_eq!(find("news from kestreloutdoor.com").map(|f| f.0), Some(2));
        assert_eq!(find("how is meridan doing").map(|f| f.0), Some(3));
        assert_eq!(find("and cafe zoe?").map(|f| f.0), Some(4));
        assert_eq!(find("how is tom doing").map(|f| f.0), Some(10));
        assert_eq!(find("what about Becker").map(|f| f.0), Some(10));
    }

    #[test]
    fn words_shared_by_no_name_find_nothing() {
        assert_eq!(find("which customers are unhappy"), None);
        assert_eq!(find("what is overdue"), None);
    }
}
