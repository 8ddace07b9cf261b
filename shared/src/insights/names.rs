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
            if let Some((local, _)) = email.split_once('@') {
                if kind == Kind::Employee {
                    keys.push(local.to_owned());
                }
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
        if kind == Kind::Employee {
            if let Some(first) = parts.first() {
                keys.push(first.clone());
            }
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

/// A tenant's customers and staff.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub entries: Vec<Entry>,
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
    /// of the question itself: intents, periods, function words).
    pub fn find(&self, words: &[String], ignored: &[bool]) -> Option<Found> {
        let mut best: Option<Found> = None;
        let mut consider = |found: Found| {
            if best.as_ref().is_none_or(|b| found.score > b.score) {
                best = Some(found);
            }
        };
        for start in 0..words.len() {
            for len in 1..=3 {
                let end = start + len;
                if end > words.len()
                    || (start..end).any(|i| ignored.get(i).copied().unwrap_or(false))
                {
                    continue;
                }
                // "Toms", "Kestrels": a possessive without its apostrophe.
                let last = &words[end - 1];
                let bare = last.strip_suffix('s').filter(|b| b.chars().count() >= 3);
                let mut spelled = words[start..end].to_vec();
                if let Some(bare) = bare {
                    spelled[end - 1 - start] = bare.to_owned();
                }
                let phrase = words[start..end].join(" ");
                let joined = words[start..end].concat();
                let phrase_bare = spelled.join(" ");
                if joined.chars().count() < 3 {
                    continue;
                }
                for entry in &self.entries {
                    // A whole spelling: the name, the name run together, a domain, an address.
                    let whole = entry
                        .keys
                        .iter()
                        .map(|k| {
                            likeness(&phrase, k)
                                .max(likeness(&joined, k))
                                .max(likeness(&phrase_bare, k) - 0.05)
                        })
                        .fold(0.0, f64::max);
                    // One distinctive word of the name ("Harbor", "Kestrel"), if no one else
                    // has it.
                    let part = if len == 1 {
                        entry
                            .parts
                            .iter()
                            .filter(|p| self.owners(p) == 1)
                            // A slip is forgiven in a longer word only ("aider" is no "Alder").
                            .map(|p| {
                                let like =
                                    likeness(&phrase, p).max(likeness(&phrase_bare, p) - 0.05);
                                if like < 1.0 && p.chars().count() < 6 {
                                    0.0
                                } else {
                                    like * 0.9
                                }
                            })
                            .fold(0.0, f64::max)
                    } else {
                        0.0
                    };
                    let score = whole.max(part) + 0.01 * len as f64;
                    if score >= 0.8 {
                        consider(Found {
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
        best
    }

    /// How many entries have this word in their name.
    fn owners(&self, part: &str) -> usize {
        self.entries
            .iter()
            .filter(|e| e.parts.iter().any(|p| p == part))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> Directory {
        let customer = |n: u128, name: &str, domain: &str| {
            Entry::new(Kind::Customer, Uuid::from_u128(n), name, Some(domain), &[])
        };
        Directory {
            entries: vec![
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
            ],
        }
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
