//! A compact copy of an Aho–Corasick DFA, for finding many phrases in short texts fast.
//!
//! The analyzer looks for about a thousand phrases in every email, and an email is a few
//! hundred bytes: the search is one dependent table lookup per byte, so its speed is the
//! speed of the memory holding the table. `aho_corasick`'s DFA keeps 4-byte states in rows
//! of 128 byte classes (3.5 MB for the lexicon), more than a core's L2 cache. This copies it
//! into 2-byte states in rows of the next power of two above the number of classes the
//! phrases really distinguish (0.9 MB for the lexicon), numbered breadth-first so that the
//! states near the start, which every text visits, sit together. The states are built, and
//! every match is decided, by `aho_corasick`; this only lays the table out.

use std::collections::HashMap;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

/// The mark of a state that ends at least one phrase, kept in the state's own number.
const MATCH: u16 = 0x8000;

/// A state not numbered yet, while numbering.
const UNSEEN: u16 = u16::MAX;

/// Phrases to find, every match including overlapping ones (like `MatchKind::Standard`).
#[derive(Debug, Clone)]
pub(crate) struct Phrases {
    /// The class of each byte: bytes that no phrase tells apart share one.
    classes: [u8; 256],
    /// log2 of the row length.
    shift: u32,
    /// `next[(state << shift) | class]`: the next state, with [`MATCH`] set when it ends a
    /// phrase.
    next: Vec<u16>,
    /// The phrases state `s` ends are `ends[starts[s]..starts[s + 1]]`.
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
    #[error("the phrases need more than 32,768 states")]
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
                if order.len() >= usize::from(MATCH) {
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
        // Bytes whose transitions agree in every state share a class.
        let mut classes = [0u8; 256];
        let mut columns: HashMap<Vec<u16>, u8> = HashMap::new();
        let mut column_of = Vec::with_capacity(256);
        for (byte, class_of_byte) in classes.iter_mut().enumerate() {
            let column: Vec<u16> = transitions
                .iter()
                .skip(byte)
                .step_by(256)
                .copied()
                .collect();
            let count = columns.len();
            let class = *columns.entry(column.clone()).or_insert(count as u8);
            if usize::from(class) == count {
                column_of.push(column);
            }
            *class_of_byte = class;
        }
        let shift = columns.len().next_power_of_two().trailing_zeros();
        let mut next = vec![0u16; order.len() << shift];
        let mut starts = Vec::with_capacity(order.len() + 1);
        let mut ends = Vec::new();
        for (s, &state) in order.iter().enumerate() {
            starts.push(ends.len() as u32);
            if dfa.is_match(state) {
                ends.extend(
                    (0..dfa.match_len(state)).map(|k| dfa.match_pattern(state, k).as_u32()),
                );
            }
            for (class, column) in column_of.iter().enumerate() {
                let to = column[s];
                let mark = if dfa.is_match(order[usize::from(to)]) {
                    MATCH
                } else {
                    0
                };
                next[(s << shift) | class] = to | mark;
            }
        }
        starts.push(ends.len() as u32);
        let lengths = phrases.iter().map(|p| p.as_ref().len() as u32).collect();
        Ok(Phrases {
            classes,
            shift,
            next,
            starts,
            ends,
            lengths,
        })
    }

    /// Calls `found(phrase, start, end)` for every phrase in `haystack`, overlapping ones
    /// included, in the order they end; `phrase` is its index in the list given to
    /// [`Phrases::new`].
    pub(crate) fn each_match(&self, haystack: &[u8], mut found: impl FnMut(usize, usize, usize)) {
        let mut state = 0u16;
        for (at, &byte) in haystack.iter().enumerate() {
            let class = usize::from(self.classes[usize::from(byte)]);
            state = self.next[(usize::from(state & !MATCH) << self.shift) | class];
            if state & MATCH != 0 {
                let s = usize::from(state & !MATCH);
                let end = at + 1;
                for &phrase in &self.ends[self.starts[s] as usize..self.starts[s + 1] as usize] {
                    let length = self.lengths[phrase as usize] as usize;
                    found(phrase as usize, end - length, end);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(phrases: &Phrases, text: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        phrases.each_match(text.as_bytes(), |p, s, e| out.push((p, s, e)));
        out
    }

    #[test]
    fn finds_every_match_the_library_finds_overlapping_ones_included() {
        let list = ["not happy", "happy", "app", "thank you", "you", "ü", "❤"];
        let phrases = Phrases::new(&list).expect("valid phrases");
        let library = aho_corasick::AhoCorasick::new(list).expect("valid phrases");
        for text in [
            "i am not happy, thank you",
            "happy apps for you ❤ über",
            "",
            "nothing here",
        ] {
            let expected: Vec<_> = library
                .find_overlapping_iter(text)
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect();
            assert_eq!(all(&phrases, text), expected, "{text}");
        }
        assert_eq!(all(&phrases, "not happy").len(), 3);
    }
}
