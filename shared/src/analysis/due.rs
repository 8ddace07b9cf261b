//! Due dates written in words, resolved against the date an email was written (in its
//! writer's time zone): "tomorrow", "Thursday", "end of the week", "next Monday", "Dec 3",
//! "03.12.", "EOD", "Monday the 16th", "Thu 19 Nov".
//!
//! Choices where usage is loose:
//! - a bare weekday is its next occurrence after the email's day ("by Friday" on a Friday is
//!   a week later); "this Friday" may be the same day;
//! - "next Monday" is the Monday of the following calendar week (weeks start on Monday);
//! - "end of the week" is the week's Friday (the next one when written at a weekend);
//! - a day of the month alone ("the 20th") is this month's, or next month's when it has passed;
//! - a date without a year is the coming one: in this year, or the next when it is more than
//!   60 days past.

use std::sync::LazyLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use regex::Regex;

/// A due date found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub date: NaiveDate,
    /// Byte offset of the expression in the text.
    pub start: usize,
    /// The expression follows "by" ("by Friday"), which makes it a deadline.
    pub deadline: bool,
    /// How exact the expression is: a day number beats a weekday beats "tomorrow".
    pub precision: u8,
}

const MONTHS: &str = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|september|october|november|december";
const WEEKDAYS: &str = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|montag|dienstag|mittwoch|donnerstag|freitag|lundi|mardi|mercredi|jeudi|vendredi|lunes|martes|miércoles|miercoles|jueves|viernes";

static PATTERNS: LazyLock<Vec<(Regex, Kind)>> = LazyLock::new(|| {
    let build = |pattern: String| Regex::new(&pattern).expect("due-date patterns are valid");
    vec![
        (
            build(format!(
                r"(?-u:\b)(?:{WEEKDAYS}),?\s+(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+(?:of\s+)?({MONTHS})(?-u:\b))?"
            )),
            Kind::WeekdayDay,
        ),
        (
            build(format!(
                r"(?-u:\b)({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?-u:\b)(?:,?\s+(\d{{4}}))?"
            )),
            Kind::MonthDay,
        ),
        (
            build(format!(
                r"(?-u:\b)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTHS})(?-u:\b)\.?(?:\s+(\d{{4}}))?"
            )),
            Kind::DayMonth,
        ),
        (
            build(r"(?-u:\b)(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?".to_owned()),
            Kind::Numeric,
        ),
        (
            build(r"(?-u:\b)the\s+(\d{1,2})(?:st|nd|rd|th)(?-u:\b)".to_owned()),
            Kind::DayOfMonth,
        ),
        (
            build(format!(r"(?-u:\b)(next\s+|this\s+|nächsten\s+|prochain\s+)?({WEEKDAYS})(?-u:\b)")),
            Kind::Weekday,
        ),
        (
            build(r"(?-u:\b)(end\s+of\s+(?:the\s+)?next\s+week)(?-u:\b)".to_owned()),
            Kind::EndOfNextWeek,
        ),
        (
            build(r"(?-u:\b)(end\s+of\s+(?:the\s+)?week|eow|the\s+weekend)(?-u:\b)".to_owned()),
            Kind::EndOfWeek,
        ),
        (
            build(
                r"(?-u:\b)(tomorrow|morgen|demain|mañana|manana)(?-u:\b)".to_owned(),
            ),
            Kind::Tomorrow,
        ),
        (
            build(
                r"(?-u:\b)(today|tonight|this\s+(?:afternoon|morning|evening)|eod|end\s+of\s+(?:the\s+)?day|cob|close\s+of\s+business|heute|aujourd'hui|hoy)(?-u:\b)"
                    .to_owned(),
            ),
            Kind::Today,
        ),
    ]
});

#[derive(Debug, Clone, Copy)]
enum Kind {
    WeekdayDay,
    MonthDay,
    DayMonth,
    Numeric,
    DayOfMonth,
    Weekday,
    EndOfNextWeek,
    EndOfWeek,
    Tomorrow,
    Today,
}

/// Words without which a text holds no due date: a cheap test before the patterns run.
static TRIGGERS: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    let mut words: Vec<&str> = MONTHS.split('|').chain(WEEKDAYS.split('|')).collect();
    words.extend([
        "tomorrow",
        "today",
        "tonight",
        "afternoon",
        "morning",
        "evening",
        "eod",
        "eow",
        "cob",
        "end of",
        "close of business",
        "weekend",
        "morgen",
        "demain",
        "mañana",
        "manana",
        "heute",
        "aujourd'hui",
        "hoy",
    ]);
    aho_corasick::AhoCorasick::new(words).expect("the trigger words form a valid automaton")
});

/// Words that make a date a deadline ("by Friday").
static DEADLINES: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
    aho_corasick::AhoCorasick::new(["by ", "bis ", "avant ", "para el ", "antes del "])
        .expect("the deadline words form a valid automaton")
});

/// Whether `lower` may hold a due date (false means it surely does not).
pub fn may_have_date(lower: &str) -> bool {
    lower.bytes().any(|b| b.is_ascii_digit()) || TRIGGERS.is_match(lower)
}

/// Whether `lower` may hold a deadline ("by …"; false means it surely does not).
pub fn may_have_deadline(lower: &str) -> bool {
    DEADLINES.is_match(lower) && may_have_date(lower)
}

/// Every due date in `lower` (lower-case text), resolved against `today`.
pub fn find_all(lower: &str, today: NaiveDate) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    for (regex, kind) in PATTERNS.iter() {
        for captures in regex.captures_iter(lower) {
            let Some(whole) = captures.get(0) else {
                continue;
            };
            // A shorter expression inside a longer one already found ("Monday" in "Monday
            // the 16th") is the same date.
            if found
                .iter()
                .any(|f| f.start <= whole.start() && whole.start() < f.start + 24)
                && matches!(kind, Kind::Weekday | Kind::DayOfMonth)
            {
                continue;
            }
            let group = |i: usize| captures.get(i).map(|m| m.as_str());
            let number = |i: usize| group(i).and_then(|g| g.parse::<u32>().ok());
            let (date, precision) = match kind {
                Kind::WeekdayDay => match group(2).and_then(month_number) {
                    Some(month) => (number(1).and_then(|d| month_day(today, month, d, None)), 5),
                    None => (number(1).and_then(|d| day_of_month(today, d)), 5),
                },
                Kind::MonthDay => (
                    group(1)
                        .and_then(month_number)
                        .zip(number(2))
                        .and_then(|(m, d)| month_day(today, m, d, number(3).map(|y| y as i32))),
                    5,
                ),
                Kind::DayMonth => (
                    group(2)
                        .and_then(month_number)
                        .zip(number(1))
                        .and_then(|(m, d)| month_day(today, m, d, number(3).map(|y| y as i32))),
                    5,
                ),
                Kind::Numeric => (
                    number(1).zip(number(2)).and_then(|(d, m)| {
                        let year = number(3).map(|y| if y < 100 { 2000 + y } else { y } as i32);
                        month_day(today, m, d, year)
                    }),
                    5,
                ),
                Kind::DayOfMonth => (number(1).and_then(|d| day_of_month(today, d)), 4),
                Kind::Weekday => (
                    group(2).and_then(weekday_of).map(|w| {
                        let which = group(1).map(str::trim).unwrap_or_default();
                        weekday(today, w, which)
                    }),
                    3,
                ),
                Kind::EndOfNextWeek => (Some(friday(today) + Days::new(7)), 2),
                Kind::EndOfWeek => (Some(friday(today)), 2),
                Kind::Tomorrow => (today.checked_add_days(Days::new(1)), 2),
                Kind::Today => (Some(today), 2),
            };
            let Some(date) = date else {
                continue;
            };
            let before = lower[..whole.start()].trim_end();
            let deadline = before.ends_with(" by")
                || before.ends_with("by end of")
                || before.ends_with(" by the end of")
                || before == "by"
                || before.ends_with(" bis")
                || before.ends_with(" avant")
                || before.ends_with(" para el")
                || before.ends_with(" antes del");
            found.push(Found {
                date,
                start: whole.start(),
                deadline,
                precision,
            });
        }
    }
    found.sort_by_key(|f| f.start);
    found
}

/// The due date a sentence sets: its deadline ("by …") if it has one, else its most exact date.
pub fn due_in(lower: &str, today: NaiveDate) -> Option<Found> {
    let all = find_all(lower, today);
    all.iter()
        .filter(|f| f.deadline)
        .max_by_key(|f| f.precision)
        .or_else(|| all.iter().max_by_key(|f| f.precision))
        .copied()
}

fn month_number(name: &str) -> Option<u32> {
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    months
        .iter()
        .position(|m| name.starts_with(m))
        .map(|i| i as u32 + 1)
}

fn weekday_of(name: &str) -> Option<Weekday> {
    use Weekday::*;
    let table: [(&[&str], Weekday); 7] = [
        (&["mon", "montag", "lundi", "lunes"], Mon),
        (&["tue", "dienstag", "mardi", "martes"], Tue),
        (
            &["wed", "mittwoch", "mercredi", "miércoles", "miercoles"],
            Wed,
        ),
        (&["thu", "donnerstag", "jeudi", "jueves"], Thu),
        (&["fri", "freitag", "vendredi", "viernes"], Fri),
        (&["sat"], Sat),
        (&["sun"], Sun),
    ];
    table
        .iter()
        .find(|(names, _)| names.iter().any(|n| name.starts_with(n)))
        .map(|(_, day)| *day)
}

fn month_day(today: NaiveDate, month: u32, day: u32, year: Option<i32>) -> Option<NaiveDate> {
    if let Some(year) = year {
        return NaiveDate::from_ymd_opt(year, month, day);
    }
    let this_year = NaiveDate::from_ymd_opt(today.year(), month, day)?;
    if (today - this_year).num_days() > 60 {
        NaiveDate::from_ymd_opt(today.year() + 1, month, day)
    } else {
        Some(this_year)
    }
}

fn day_of_month(today: NaiveDate, day: u32) -> Option<NaiveDate> {
    if day >= today.day() {
        NaiveDate::from_ymd_opt(today.year(), today.month(), day)
    } else {
        let next = today
            .with_day(1)?
            .checked_add_months(chrono::Months::new(1))?;
        NaiveDate::from_ymd_opt(next.year(), next.month(), day)
    }
}

fn weekday(today: NaiveDate, target: Weekday, which: &str) -> NaiveDate {
    let from = today.weekday().num_days_from_monday() as i64;
    let to = target.num_days_from_monday() as i64;
    let days = match which {
        "next" | "nächsten" | "prochain" => 7 - from + to,
        "this" => (to - from).rem_euclid(7),
        _ => {
            let ahead = (to - from).rem_euclid(7);
            if ahead == 0 { 7 } else { ahead }
        }
    };
    today + chrono::Duration::days(days)
}

/// The Friday of `today`'s week, or the next one at a weekend.
fn friday(today: NaiveDate) -> NaiveDate {
    weekday(today, Weekday::Fri, "this")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(text: &str, today: &str) -> Option<NaiveDate> {
        let today = NaiveDate::parse_from_str(today, "%Y-%m-%d").expect("test date");
        due_in(&text.to_lowercase(), today).map(|f| f.date)
    }

    fn date(text: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    }

    #[test]
    fn relative_days_resolve_against_the_emails_own_day() {
        // 2026-11-18 is a Wednesday.
        let wed = "2026-11-18";
        assert_eq!(
            due("You'll have it tomorrow (Thursday)", wed),
            date("2026-11-19")
        );
        assert_eq!(due("by Thursday", wed), date("2026-11-19"));
        assert_eq!(due("by Wednesday", wed), date("2026-11-25"));
        assert_eq!(due("by end of the week", wed), date("2026-11-20"));
        assert_eq!(due("next Monday", wed), date("2026-11-23"));
        assert_eq!(due("I'll send it by EOD", wed), date("2026-11-18"));
        assert_eq!(due("deploying it this afternoon", wed), date("2026-11-18"));
        assert_eq!(due("end of next week", wed), date("2026-11-27"));
    }

    #[test]
    fn written_dates_resolve_to_the_coming_one() {
        let today = "2026-11-18";
        assert_eq!(due("by Dec 3", today), date("2026-12-03"));
        assert_eq!(due("bis zum 03.12.", today), date("2026-12-03"));
        assert_eq!(due("by Monday the 23rd", today), date("2026-11-23"));
        assert_eq!(
            due("Can we have the spec by Thu 19 Nov?", today),
            date("2026-11-19")
        );
        assert_eq!(due("by the 2nd", today), date("2026-12-02"));
        assert_eq!(due("by January 5", today), date("2027-01-05"));
    }

    #[test]
    fn a_deadline_after_by_beats_other_dates_in_the_sentence() {
        let found = due(
            "I'll get a banner up by Friday so it's there well before the 26th.",
            "2026-11-16",
        );
        assert_eq!(found, date("2026-11-20"));
    }

    #[test]
    fn german_french_and_spanish_days_are_read() {
        let wed = "2026-11-18";
        assert_eq!(due("bis Freitag", wed), date("2026-11-20"));
        assert_eq!(due("avant vendredi", wed), date("2026-11-20"));
        assert_eq!(due("para el viernes", wed), date("2026-11-20"));
        assert_eq!(due("morgen", wed), date("2026-11-19"));
    }
}
