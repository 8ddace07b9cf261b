//! A compact copy of an Aho–Corasick DFA, for finding phrases anywhere in short texts fast.
//!
//! The analyzer looks for a few dozen phrases inside words as well as between them (where a
//! request's object begins and ends), in sentences of a few dozen bytes: the search is one
//! dependent table lookup per byte, so its speed is the latency of that lookup.
//! `aho_corasick`'s DFA keeps 4-byte states in rows of 128 byte classes. This copies it into
//! 2-byte states laid out a byte class at a time: the column of a byte is found before the
//! state it is read in is known, so a step is one addition and one load.
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
    /// The longest phrase's length.
    longest: usize,
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
        let lengths: Vec<u32> = phrases.iter().map(|p| p.as_ref().len() as u32).collect();
        let longest = lengths.iter().max().map_or(0, |&l| l as usize);
        Ok(Phrases {
            columns,
            next,
            // Numbered first, the start stays 0 unless it matches (an empty phrase).
            start: new_number[0],
            first_match,
            starts,
            ends,
            lengths,
            longest,
        })
    }

    /// Of the phrases in `haystack`, the one listed first, and where its first occurrence
    /// ends. A long haystack is walked as two halves in step, so that the lookups of one
    /// wait for memory while the other's do; the second half starts early enough to see every
    /// phrase that ends in it.
    pub(crate) fn first_listed(&self, haystack: &[u8]) -> Option<(usize, usize)> {
        let mut best: Option<(usize, usize)> = None;
        let mut note = |state: u16, end: usize| {
            for &phrase in self.matches(state) {
                let found = (phrase as usize, end);
                if best.is_none_or(|b| found < b) {
                    best = Some(found);
                }
            }
        };
        // A short haystack is one walk: the second half, from 0, with no first half.
        let overlap = self.longest.saturating_sub(1);
        let mid = haystack.len() / 2;
        let (first, offset) = match mid.checked_sub(overlap) {
            Some(second_start) if mid >= overlap + 8 => (&haystack[..mid], second_start),
            _ => (&haystack[..0], 0),
        };
        let second = &haystack[offset..];
        let (mut state, mut other) = (self.start, self.start);
        for (at, (&byte, &other_byte)) in first.iter().zip(second).enumerate() {
            state = self.step(state, byte);
            other = self.step(other, other_byte);
            if state >= self.first_match {
                note(state, at + 1);
            }
            if other >= self.first_match {
                note(other, offset + at + 1);
            }
        }
        for (at, &byte) in second.iter().enumerate().skip(first.len()) {
            other = self.step(other, byte);
            if other >= self.first_match {
                note(other, offset + at + 1);
            }
        }
        best
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

    #[test]
    fn first_listed_is_the_phrase_listed_first_and_its_first_end() {
        let pieces = [
            "you ",
            "xx ",
            "happy ",
            "thank you ",
            "not happy ",
            "ü ",
            "apps ",
            "xxxxxxxxxxxxxxxx ",
            "no longer works for us at all ",
        ];
        // As listed, and backwards: then the longest phrase comes first and decides whenever
        // it is there, also where it spans the middle of a text walked in two halves.
        let backwards: Vec<&str> = LIST.iter().rev().copied().collect();
        let mut found = 0;
        for list in [LIST.to_vec(), backwards] {
            let phrases = Phrases::new(&list).expect("valid phrases");
            let library = aho_corasick::AhoCorasick::new(&list).expect("valid phrases");
            for seed in 0..600usize {
                // Short texts walked whole, long ones in two halves.
                let text = super::super::mixed_text(&pieces, seed, seed / 2);
                let expected = library
                    .find_overlapping_iter(&text)
                    .map(|m| (m.pattern().as_usize(), m.end()))
                    .min();
                assert_eq!(phrases.first_listed(text.as_bytes()), expected, "{text:?}");
                found += usize::from(expected.is_some());
            }
        }
        assert!(found > 1000, "{found}");
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
