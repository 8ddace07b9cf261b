//! Periods named in a question — "today", "this week", "last 7 days", "since Monday", "in
//! November", "on 19 Nov" (and their German, French and Spanish forms) — as instants on the
//! tenant's calendar.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

/// A span of time: `from` (inclusive) to `to` (exclusive). `from` is `None` for "up to now".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    pub from: Option<DateTime<Utc>>,
    pub to: DateTime<Utc>,
}

impl Period {
    /// Everything up to `now`.
    pub fn until(now: DateTime<Utc>) -> Period {
        Period {
            from: None,
            to: now,
        }
    }

    /// The last `days` days up to `now`.
    pub fn last_days(now: DateTime<Utc>, days: i64) -> Period {
        Period {
            from: Some(now - chrono::Duration::days(days)),
            to: now,
        }
    }

    /// Local dates `first..=last` in `zone`.
    pub fn days(first: NaiveDate, last: NaiveDate, zone: Tz) -> Period {
        let start = |d: NaiveDate| {
            zone.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
                .earliest()
                .map_or_else(
                    || d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
                    |t| t.with_timezone(&Utc),
                )
        };
        Period {
            from: Some(start(first)),
            to: start(last + Days::new(1)),
        }
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| at >= f) && at < self.to
    }
}

const MONTHS: [&[&str]; 12] = [
    &["january", "jan", "januar", "janvier", "enero", "janner"],
    &["february", "feb", "februar", "fevrier", "febrero"],
    &["march", "mar", "marz", "mars", "marzo"],
    &["april", "apr", "avril", "abril"],
    &["may", "mai", "mayo"],
    &["june", "jun", "juni", "juin", "junio"],
    &["july", "jul", "juli", "juillet", "julio"],
    &["august", "aug", "aout", "agosto"],
    &[
        "september",
        "sep",
        "sept",
        "septembre",
        "septiembre",
        "setiembre",
    ],
    &["october", "oct", "oktober", "octobre", "octubre"],
    &["november", "nov", "novembre", "noviembre"],
    &[
        "december",
        "dec",
        "dezember",
        "decembre",
        "diciembre",
        "dic",
    ],
];

const WEEKDAYS: [(Weekday, &[&str]); 7] = [
    (Weekday::Mon, &["monday", "mon", "montag", "lundi", "lunes"]),
    (
        Weekday::Tue,
        &["tuesday", "tue", "tues", "dienstag", "mardi", "martes"],
    ),
    (
        Weekday::Wed,
        &["wednesday", "wed", "mittwoch", "mercredi", "miercoles"],
    ),
    (
        Weekday::Thu,
        &["thursday", "thu", "thurs", "donnerstag", "jeudi", "jueves"],
    ),
    (
        Weekday::Fri,
        &["friday", "fri", "freitag", "vendredi", "viernes"],
    ),
    (
        Weekday::Sat,
        &["saturday", "sat", "samstag", "samedi", "sabado"],
    ),
    (
        Weekday::Sun,
        &["sunday", "sun", "sonntag", "dimanche", "domingo"],
    ),
];

fn month_of(word: &str) -> Option<u32> {
    MONTHS
        .iter()
        .position(|names| names.contains(&word))
        .map(|i| i as u32 + 1)
}

fn weekday_of(word: &str) -> Option<Weekday> {
    WEEKDAYS
        .iter()
        .find(|(_, names)| names.contains(&word))
        .map(|(d, _)| *d)
}

fn number(word: &str) -> Option<i64> {
    if word.starts_with(|c: char| c.is_ascii_digit()) {
        // "19th", "1st", "19."
        return word
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .ok();
    }
    const SPELLED: [&[&str]; 14] = [
        &["one", "a", "an", "ein", "einen", "un", "une", "uno", "una"],
        &["two", "zwei", "deux", "dos"],
        &["three", "drei", "trois", "tres"],
        &["four", "vier", "quatre", "cuatro"],
        &["five", "funf", "cinq", "cinco"],
        &["six", "sechs", "seis"],
        &["seven", "sieben", "sept", "siete"],
        &["eight", "acht", "huit", "ocho"],
        &["nine", "neun", "neuf", "nueve"],
        &["ten", "zehn", "dix", "diez"],
        &["eleven", "elf", "onze", "once"],
        &["twelve", "zwolf", "douze", "doce"],
        &["thirteen", "dreizehn", "treize", "trece"],
        &["fourteen", "vierzehn", "quatorze", "catorce"],
    ];
    SPELLED
        .iter()
        .position(|names| names.contains(&word))
        .map(|i| i as i64 + 1)
}

fn is_any(word: &str, options: &[&str]) -> bool {
    options.contains(&word)
}

const THIS: &[&str] = &[
    "this", "current", "diese", "dieser", "diesen", "dieses", "ce", "cette", "cet", "este", "esta",
    "en", "la", "le",
];
const LAST: &[&str] = &[
    "last",
    "past",
    "previous",
    "prior",
    "letzte",
    "letzten",
    "letzter",
    "vergangene",
    "vergangenen",
    "vorige",
    "vorigen",
    "derniere",
    "dernier",
    "derniers",
    "dernieres",
    "passee",
    "passe",
    "ultima",
    "ultimo",
    "ultimos",
    "ultimas",
    "pasada",
    "pasado",
];
const WEEK: &[&str] = &["week", "woche", "semaine", "semana"];
const MONTH: &[&str] = &["month", "monat", "mois", "mes"];
const YEAR: &[&str] = &["year", "jahr", "annee", "ano"];
const DAY_UNITS: &[&str] = &[
    "days", "day", "tage", "tagen", "tag", "jours", "jour", "dias", "dia",
];
const WEEK_UNITS: &[&str] = &[
    "weeks", "week", "wochen", "woche", "semaines", "semaine", "semanas", "semana",
];
const MONTH_UNITS: &[&str] = &[
    "months", "month", "monate", "monaten", "mois", "meses", "mes",
];
const SINCE: &[&str] = &["since", "seit", "depuis", "desde"];
const IN: &[&str] = &[
    "in", "im", "en", "during", "for", "of", "au", "fur", "de", "del", "para",
];
const ON: &[&str] = &["on", "am", "le", "el", "for", "fur", "pour", "para"];

/// A period the words name, and the words it used; `None` when they name none.
pub fn find(words: &[String], now: DateTime<Utc>, zone: Tz) -> Option<(Period, Vec<usize>)> {
    let today = now.with_timezone(&zone).date_naive();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    let month_start = today.with_day(1).unwrap_or(today);
    for i in 0..words.len() {
        let word = w(i);
        // today / yesterday
        if is_any(
            word,
            &[
                "today", "heute", "aujourd", "hoy", "tonight", "heutige", "heutigen",
            ],
        ) || (word == "aujourd" && w(i + 1) == "hui")
        {
            return Some((Period::days(today, today, zone), vec![i]));
        }
        // French "hier" is German "here": yesterday only in a French question.
        let french = words.iter().any(|w| {
            is_any(
                w,
                &[
                    "qui", "quels", "quelles", "quel", "quelle", "les", "des", "du", "est", "sont",
                    "nous", "comment", "ont", "resume", "d",
                ],
            )
        });
        if is_any(
            word,
            &["yesterday", "gestern", "ayer", "gestrige", "gestrigen"],
        ) || (word == "hier" && french)
        {
            let day = today - Days::new(1);
            return Some((Period::days(day, day, zone), vec![i]));
        }
        // last N days / weeks / months ("past 7 days", "letzten 7 Tage", "derniers 7 jours",
        // "últimos 7 días", "7 derniers jours")
        if let Some(n) = number(word).filter(|n| (1..=366).contains(n)) {
            let unit = w(i + 1);
            let unit = if is_any(unit, LAST) { w(i + 2) } else { unit };
            let lead = i > 0 && (is_any(w(i - 1), LAST) || is_any(w(i - 1), &["within", "in"]));
            let follows_last = is_any(w(i + 1), LAST);
            if lead || follows_last {
                let days = if is_any(unit, DAY_UNITS) {
                    Some(n)
                } else if is_any(unit, WEEK_UNITS) {
                    Some(n * 7)
                } else if is_any(unit, MONTH_UNITS) {
                    Some(n * 30)
                } else {
                    None
                };
                if let Some(days) = days {
                    let first = today - Days::new(days.saturating_sub(1) as u64);
                    let mut used = vec![i, i + 1];
                    if lead {
                        used.push(i - 1);
                    }
                    return Some((Period::days(first, today, zone), used));
                }
            }
        }
        // this / last week, month, year
        let unit_at = |j: usize| -> Option<&str> {
            let u = w(j);
            (is_any(u, WEEK) || is_any(u, MONTH) || is_any(u, YEAR)).then_some(u)
        };
        let (this, last, unit, used) = if let Some(u) = unit_at(i + 1) {
            // "last week", "la semana pasada", "le mois dernier"
            let last = is_any(word, LAST) || is_any(w(i + 2), LAST);
            (!last && is_any(word, THIS), last, u, vec![i, i + 1])
        } else if is_any(word, WEEK) || is_any(word, MONTH) {
            // "la semana pasada", "le mois dernier", "semaine derniere"
            (false, is_any(w(i + 1), LAST), word, vec![i, i + 1])
        } else {
            (false, false, "", vec![])
        };
        if this || last {
            let (first, end) = if is_any(unit, WEEK) {
                if last {
                    (monday - Days::new(7), monday - Days::new(1))
                } else {
                    (monday, today)
                }
            } else if is_any(unit, MONTH) {
                if last {
                    let first = month_start - Months::new(1);
                    (first, month_start - Days::new(1))
                } else {
                    (month_start, today)
                }
            } else {
                let jan = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
                if last {
                    let prev = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).unwrap_or(jan);
                    (prev, jan - Days::new(1))
                } else {
                    (jan, today)
                }
            };
            return Some((Period::days(first, end, zone), used));
        }
        // since Monday / since 12 Nov
        if is_any(word, SINCE) {
            let next = w(i + 1);
            let next_at = if is_any(next, &["el", "le", "dem", "last"]) {
                i + 2
            } else {
                i + 1
            };
            if let Some(day) = weekday_of(w(next_at)) {
                let back =
                    (7 + today.weekday().num_days_from_monday() - day.num_days_from_monday()) % 7;
                let first = today - Days::new(u64::from(back));
                return Some((Period::days(first, today, zone), vec![i, next_at]));
            }
            if let Some((date, used)) = date_at(words, next_at, today) {
                let mut used = used;
                used.push(i);
                return Some((Period::days(date.min(today), today, zone), used));
            }
        }
        // in November
        if let Some(month) = month_of(word) {
            // "may" and "march" are words too: a month only after "in"/"since" or beside a day.
            let ambiguous = matches!(
                word,
                "may" | "mar" | "march" | "jun" | "sun" | "sat" | "dec"
            );
            let introduced = i > 0 && is_any(w(i - 1), IN);
            if let Some((date, used)) = date_at(words, i.saturating_sub(1), today)
                .filter(|(_, u)| u.contains(&i))
                .or_else(|| date_at(words, i, today))
            {
                return Some((Period::days(date, date, zone), used));
            }
            if introduced || !ambiguous {
                let year = if month > today.month() {
                    today.year() - 1
                } else {
                    today.year()
                };
                let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(today);
                let last = (first + Months::new(1)) - Days::new(1);
                return Some((Period::days(first, last.min(today), zone), vec![i]));
            }
        }
        // on 2026-11-19, on 19/11, on Tuesday
        if is_any(word, ON) || i == 0 {
            let at = if is_any(word, ON) { i + 1 } else { i };
            if let Some((date, mut used)) = date_at(words, at, today) {
                used.push(i);
                return Some((Period::days(date, date, zone), used));
            }
            if let Some(day) = weekday_of(w(at)) {
                let back =
                    (7 + today.weekday().num_days_from_monday() - day.num_days_from_monday()) % 7;
                let date = today - Days::new(u64::from(back));
                return Some((Period::days(date, date, zone), vec![i, at]));
            }
        }
        if let Some((date, used)) = date_at(words, i, today) {
            return Some((Period::days(date, date, zone), used));
        }
    }
    None
}

/// A calendar date written at `words[i..]`: `2026-11-19`, `19 Nov`, `Nov 19`, `19.11.`, `11/19`.
/// A date without a year is the latest such date not after `today`.
fn date_at(words: &[String], i: usize, today: NaiveDate) -> Option<(NaiveDate, Vec<usize>)> {
    let word = words.get(i)?.as_str();
    if let Ok(date) = NaiveDate::parse_from_str(word, "%Y-%m-%d") {
        return Some((date, vec![i]));
    }
    let past = |month: u32, day: u32| -> Option<NaiveDate> {
        let this_year = NaiveDate::from_ymd_opt(today.year(), month, day)?;
        if this_year <= today {
            Some(this_year)
        } else {
            NaiveDate::from_ymd_opt(today.year() - 1, month, day)
        }
    };
    let next = words.get(i + 1).map(String::as_str).unwrap_or("");
    let after = words.get(i + 2).map(String::as_str).unwrap_or("");
    let day_number = |w: &str| -> Option<u32> {
        let n = number(w)?;
        (1..=31).contains(&n).then_some(n as u32)
    };
    // 19 Nov, 19 de noviembre, 19. November
    if let Some(day) =
        day_number(word).filter(|_| word.chars().next().is_some_and(|c| c.is_ascii_digit()))
    {
        let (month_word, used_next) = if next == "de" {
            (after, i + 2)
        } else {
            (next, i + 1)
        };
        if let Some(month) = month_of(month_word) {
            return past(month, day).map(|d| (d, vec![i, used_next]));
        }
    }
    // Nov 19
    if let Some(month) = month_of(word)
        && let Some(day) =
            day_number(next).filter(|_| next.chars().next().is_some_and(|c| c.is_ascii_digit()))
    {
        return past(month, day).map(|d| (d, vec![i, i + 1]));
    }
    // 19.11 or 11/19 (a slash date is month first, as in the US; a dotted one day first)
    for (separator, day_first) in [('.', true), ('/', false)] {
        let parts: Vec<&str> = word.split(separator).filter(|p| !p.is_empty()).collect();
        if parts.len() >= 2 {
            let (a, b) = (parts[0].parse::<u32>().ok()?, parts[1].parse::<u32>().ok()?);
            let (day, month) = if day_first { (a, b) } else { (b, a) };
            if let Some(date) = past(month, day) {
                return Some((date, vec![i]));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::text::words;

    const ZONE: Tz = Tz::America__Los_Angeles;

    fn now() -> DateTime<Utc> {
        // Friday 20 Nov 2026, noon in Los Angeles.
        "2026-11-20T20:00:00Z".parse().expect("time")
    }

    fn span(question: &str) -> Option<(NaiveDate, NaiveDate)> {
        let (period, _) = find(&words(question), now(), ZONE)?;
        let day = |t: DateTime<Utc>| t.with_timezone(&ZONE).date_naive();
        Some((
            day(period.from?),
            day(period.to - chrono::Duration::seconds(1)),
        ))
    }

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).expect("date")
    }

    #[test]
    fn days_weeks_and_months_are_the_tenants() {
        assert_eq!(span("who wrote today?"), Some((d(20), d(20))));
        assert_eq!(span("anything from yesterday"), Some((d(19), d(19))));
        assert_eq!(
            span("who's annoyed with us this week?"),
            Some((d(16), d(20)))
        );
        assert_eq!(span("top issues last week"), Some((d(9), d(15))));
        assert_eq!(span("in the last 7 days"), Some((d(14), d(20))));
        assert_eq!(span("since Monday"), Some((d(16), d(20))));
        assert_eq!(span("in November"), Some((d(1), d(20))));
        assert_eq!(span("summary for 2026-11-19"), Some((d(19), d(19))));
        assert_eq!(span("summary for Nov 18"), Some((d(18), d(18))));
        assert_eq!(span("this month"), Some((d(1), d(20))));
    }

    #[test]
    fn other_languages_name_periods_too() {
        assert_eq!(span("wer war diese Woche verärgert?"), Some((d(16), d(20))));
        assert_eq!(span("seit Montag"), Some((d(16), d(20))));
        assert_eq!(span("la semaine dernière"), Some((d(9), d(15))));
        assert_eq!(span("les 7 derniers jours"), Some((d(14), d(20))));
        assert_eq!(span("resumen de ayer"), Some((d(19), d(19))));
        assert_eq!(span("en noviembre"), Some((d(1), d(20))));
        assert_eq!(span("últimos 3 días"), Some((d(18), d(20))));
    }

    #[test]
    fn words_that_only_look_like_months_are_not_periods() {
        assert_eq!(span("who may be unhappy?"), None);
        assert_eq!(span("which customers are unhappy?"), None);
    }
}
