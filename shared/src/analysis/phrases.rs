//! A compact copy of an Aho–Corasick DFA, for finding many phrases in short texts fast.
//!
//! The analyzer looks for about a thousand phrases in every email, and an email is a few
//! hundred bytes: the search is one dependent table lookup per byte, so its speed is the
//! latency of that lookup. `aho_corasick`'s DFA keeps 4-byte states in rows of 128 byte
//! classes (3.5 MB for the lexicon), more than a core's L2 cache. This copies it into 2-byte
//! states (0.8 MB for the lexicon), laid out a byte class at a time: the column of a byte is
//! found before the state it is read in is known, so a step is one addition and one load.
//! The states that end no phrase come first and those that end one last, so a state's
//! number alone tells a match, and within each part they are numbered breadth-first, so that
//! the states near the start, which every text visits, sit together. The states are built,
//! and every match is decided, by `aho_corasick`; this only lays the table out.

use std::collections::HashMap;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

/// A state not numbered yet, while numbering.
const UNSEEN: u16 = u16::MAX;

/// Phrases to find, every match including overlapping ones (like `MatchKind::Standard`).
#[derive(Debug, Clone)]
pub(crate) struct Phrases {
    /// Where the column of each byte's class starts in `next`: bytes that no phrase tells
    /// apart share one.
    columns: [u32; 256],
    /// `next[columns[byte] + state]`: the state after `byte`. Laid out a class at a time, so
    /// that a step adds a state to a column found before the state was known.
    next: Vec<u16>,
    /// Where every walk starts.
    start: u16,
    /// The states from this one on end at least one phrase.
    first_match: u16,
    /// The phrases that matching state `first_match + m` ends are
    /// `ends[starts[m]..starts[m + 1]]`.
    starts: Vec<u32>,
    ends: Vec<u32>,
    /// Each phrase's length in bytes.
    lengths: Vec<u32>,
}

/// Why a set of phrases could not be laid out.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BuildError {
    #[error("the phrases do not form an automaton: {0}")]
    Automaton(#[from] aho_corasick::BuildError),
    #[error("the phrases need more than 65,535 states")]
    TooManyStates,
    #[error("the automaton has no unanchored start: {0}")]
    Start(#[from] aho_corasick::MatchError),
}

impl Phrases {
    pub(crate) fn new<P: AsRef<[u8]>>(phrases: &[P]) -> Result<Phrases, BuildError> {
        let dfa = DFA::builder()
            .match_kind(MatchKind::Standard)
            .build(phrases)?;
        let start = dfa.start_state(Anchored::No)?;
        // Number the states breadth-first from the start, and note every transition in the
        // new numbers. The library's state IDs are indices into its own table, so a vector
        // indexed by them numbers the states without hashing.
        let mut number: Vec<u16> = Vec::new();
        let mut order = vec![start];
        let mut transitions: Vec<u16> = Vec::new();
        let mut numbered = |state: StateID, order: &mut Vec<StateID>| -> Result<u16, BuildError> {
            let id = state.as_usize();
            if number.len() <= id {
                number.resize(id + 1, UNSEEN);
            }
            if number[id] == UNSEEN {
                if order.len() >= usize::from(UNSEEN) {
                    return Err(BuildError::TooManyStates);
                }
                number[id] = order.len() as u16;
                order.push(state);
            }
            Ok(number[id])
        };
        numbered(start, &mut order)?;
        let mut i = 0;
        while let Some(&state) = order.get(i) {
            i += 1;
            for byte in 0..=255u8 {
                let next = numbered(dfa.next_state(Anchored::No, state, byte), &mut order)?;
                transitions.push(next);
            }
        }
        // Then the states that end no phrase before those that do, each still breadth-first,
        // so that a walk tells a match by its number alone.
        let matching = |s: usize| dfa.is_match(order[s]);
        let renumbered: Vec<usize> = (0..order.len())
            .filter(|&s| !matching(s))
            .chain((0..order.len()).filter(|&s| matching(s)))
            .collect();
        let mut new_number = vec![0u16; order.len()];
        for (new, &old) in renumbered.iter().enumerate() {
            new_number[old] = new as u16;
        }
        let first_match = (0..order.len()).filter(|&s| !matching(s)).count() as u16;
        // Bytes whose transitions agree in every state share a class and a column.
        let mut columns = [0u32; 256];
        let mut column_start: HashMap<Vec<u16>, u32> = HashMap::new();
        let mut next: Vec<u16> = Vec::new();
        for (byte, column_of_byte) in columns.iter_mut().enumerate() {
            let column: Vec<u16> = renumbered
                .iter()
                .map(|&old| new_number[usize::from(transitions[old * 256 + byte])])
                .collect();
            *column_of_byte = *column_start.entry(column).or_insert_with_key(|column| {
                let at = next.len() as u32;
                next.extend_from_slice(column);
                at
            });
        }
        let mut starts = Vec::with_capacity(order.len() - usize::from(first_match) + 1);
        let mut ends = Vec::new();
        for &old in &renumbered[usize::from(first_match)..] {
            let state = order[old];
            starts.push(ends.len() as u32);
            ends.extend((0..dfa.match_len(state)).map(|k| dfa.match_pattern(state, k).as_u32()));
        }
        starts.push(ends.len() as u32);
        let lengths = phrases.iter().map(|p| p.as_ref().len() as u32).collect();
        Ok(Phrases {
            columns,
            next,
            // Numbered first, the start stays 0 unless it matches (an empty phrase).
            start: new_number[0],
            first_match,
            starts,
            ends,
            lengths,
        })
    }

    /// Calls `found(phrase, start, end)` for every phrase in `haystack`, overlapping ones
    /// included, in the order they end; `phrase` is its index in the list given to
    /// [`Phrases::new`].
    pub(crate) fn each_match(&self, haystack: &[u8], mut found: impl FnMut(usize, usize, usize)) {
        let mut state = self.start;
        // Where the walk is in a matching state, noted without a branch (matches come too
        // irregularly to predict); what those states match is reported a block at a time.
        let mut noted = [(0u16, 0u32); BLOCK];
        for (block, bytes) in haystack.chunks(BLOCK).enumerate() {
            let mut count = 0;
            for (at, &byte) in bytes.iter().enumerate() {
                state = self.step(state, byte);
                noted[count] = (state, at as u32);
                count += usize::from(state >= self.first_match);
            }
            for &(state, at) in &noted[..count] {
                let end = block * BLOCK + at as usize + 1;
                for &phrase in self.matches(state) {
                    found(
                        phrase as usize,
                        end - self.lengths[phrase as usize] as usize,
                        end,
                    );
                }
            }
        }
    }

    /// Where the first phrase to end in `haystack` starts; of several ending there, the one
    /// listed first (as `aho_corasick`'s `find` does with `MatchKind::Standard`).
    pub(crate) fn first_start(&self, haystack: &[u8]) -> Option<usize> {
        let mut state = self.start;
        for (at, &byte) in haystack.iter().enumerate() {
            state = self.step(state, byte);
            if let Some(&phrase) = self.matches(state).first() {
                return Some(at + 1 - self.lengths[phrase as usize] as usize);
            }
        }
        None
    }

    /// The state after `byte` in `state`.
    #[inline(always)]
    fn step(&self, state: u16, byte: u8) -> u16 {
        self.next[self.columns[usize::from(byte)] as usize + usize::from(state)]
    }

    /// The phrases `state` ends (none unless it is a matching state).
    #[inline(always)]
    fn matches(&self, state: u16) -> &[u32] {
        match state.checked_sub(self.first_match) {
            Some(m) => {
                let m = usize::from(m);
                &self.ends[self.starts[m] as usize..self.starts[m + 1] as usize]
            }
            None => &[],
        }
    }
}

/// How many bytes the walk takes before it reports what it found there.
const BLOCK: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: [&str; 8] = [
        "not happy",
        "happy",
        "app",
        "thank you",
        "you",
        "ü",
        "❤",
        "no longer works for us at all",
    ];

    fn all(phrases: &Phrases, text: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        phrases.each_match(text.as_bytes(), |p, s, e| out.push((p, s, e)));
        out
    }

    fn library(text: &str) -> Vec<(usize, usize, usize)> {
        let library = aho_corasick::AhoCorasick::new(LIST).expect("valid phrases");
        library
            .find_overlapping_iter(text)
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect()
    }

    #[test]
    fn finds_every_match_the_library_finds_overlapping_ones_included() {
        let phrases = Phrases::new(&LIST).expect("valid phrases");
        let pieces = [
            "i am not happy, thank you. ",
            "happy apps for you ❤ über ",
            "it no longer works for us at all ",
            "nothing here ",
            "\n",
        ];
        // Texts of every length up to a few hundred bytes, pieces in changing orders.
        let mut texts = vec![String::new(), "nothing here".to_owned()];
        for seed in 0..400usize {
            let mut text = String::new();
            let mut k = seed;
            while text.len() < seed {
                text.push_str(pieces[k % pieces.len()]);
                k = (k * 7 + 3) % 1009;
            }
            texts.push(text);
        }
        let mut matches = 0;
        for text in &texts {
            let found = all(&phrases, text);
            assert_eq!(found, library(text), "{text:?}");
            matches += found.len();
        }
        assert!(matches > 1000, "only {matches} matches");
        assert_eq!(all(&phrases, "not happy").len(), 3);
    }

    #[test]
    fn finds_first_the_match_the_library_finds_first() {
        let list = [" by ", "?", ". ", " so that ", "so", "that "];
        let phrases = Phrases::new(&list).expect("valid phrases");
        let library = aho_corasick::AhoCorasick::new(list).expect("valid phrases");
        let texts = [
            "send it by friday so that we can",
            "so that's it? yes",
            "nothing",
            "",
            "done. then",
        ];
        for text in texts {
            let expected = library.find(text).map(|m| m.start());
            assert_eq!(phrases.first_start(text.as_bytes()), expected, "{text:?}");
        }
        assert_eq!(phrases.first_start(b"ok so"), Some(3));
    }
}
