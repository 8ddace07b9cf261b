//! Dates as mail clients print them in forwarded headers, in any of the languages Trellin
//! reads: `Wed, Nov 11, 2026 at 6:05 AM`, `Donnerstag, 28. Oktober 2021 um 12:46`,
//! `26 октября 2021 г. в 14:25:08 GMT+3`, `2022年9月19日月曜日 17:55:44 -0400`, `28/10/2021 12:46`.
//!
//! The parser reads pieces rather than whole formats: a zone (numeric offset or a known
//! abbreviation), a time with optional AM/PM, then either a numeric date or a day, a month
//! name (from a multilingual table of stems) and a year. A date without a zone is local time;
//! [`parse_date`] places it in the zone it is given (the forwarder's, from the outer `Date`).
//!
//! Choices where formats are ambiguous: a numeric `a/b/yyyy` date is day-first unless the
//! first number cannot be a day… or the time has AM/PM (US style), where it is month-first;
//! `listopad` is October in Croatian (recognised by its `u` before the time) and November in
//! Polish and Czech; a month name before the first digit that is followed by another month
//! name is a weekday (`mar.`, `martes`), not March.

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use regex::Regex;

/// Month stems per language, longest matched first: a word starting with a stem names
/// that month.
const MONTH_STEMS: &[(&str, u32)] = &[
    // English, German, Dutch, Scandinavian, Slovak, Estonian, Hungarian, Romanian
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("mär", 3),
    ("apr", 4),
    ("ápr", 4),
    ("may", 5),
    ("mai", 5),
    ("maj", 5),
    ("máj", 5),
    ("mei", 5),
    ("jun", 6),
    ("jún", 6),
    ("juun", 6),
    ("jul", 7),
    ("júl", 7),
    ("juul", 7),
    ("aug", 8),
    ("sep", 9),
    ("szept", 9),
    ("oct", 10),
    ("okt", 10),
    ("nov", 11),
    ("dec", 12),
    ("dez", 12),
    ("des", 12),
    ("dets", 12),
    ("jaan", 1),
    ("veebr", 2),
    ("márc", 3),
    ("maart", 3),
    ("ian", 1),
    ("iun", 6),
    ("iul", 7),
    ("noi", 11),
    // French
    ("janv", 1),
    ("févr", 2),
    ("fév", 2),
    ("mars", 3),
    ("avr", 4),
    ("juin", 6),
    ("juil", 7),
    ("août", 8),
    ("aout", 8),
    ("déc", 12),
    // Spanish, Italian, Portuguese
    ("ene", 1),
    ("abr", 4),
    ("ago", 8),
    ("set", 9),
    ("dic", 12),
    ("gen", 1),
    ("mag", 5),
    ("giu", 6),
    ("lug", 7),
    ("ott", 10),
    ("fev", 2),
    ("out", 10),
    // Finnish
    ("tammi", 1),
    ("helmi", 2),
    ("maalis", 3),
    ("huhti", 4),
    ("touko", 5),
    ("kesä", 6),
    ("heinä", 7),
    ("elo", 8),
    ("syys", 9),
    ("loka", 10),
    ("marras", 11),
    ("joulu", 12),
    // Polish
    ("sty", 1),
    ("lut", 2),
    ("kwi", 4),
    ("cze", 6),
    ("lip", 7),
    ("sie", 8),
    ("wrz", 9),
    ("paź", 10),
    ("paz", 10),
    ("lis", 11),
    ("gru", 12),
    // Czech
    ("led", 1),
    ("úno", 2),
    ("bře", 3),
    ("dub", 4),
    ("kvě", 5),
    ("červenc", 7),
    ("čer", 6),
    ("srp", 8),
    ("zář", 9),
    ("říj", 10),
    ("pro", 12),
    // Croatian (listopad is handled apart)
    ("siječ", 1),
    ("velj", 2),
    ("ožuj", 3),
    ("trav", 4),
    ("svib", 5),
    ("lipanj", 6),
    ("lipnj", 6),
    ("srpanj", 7),
    ("srpnj", 7),
    ("kolov", 8),
    ("ruj", 9),
    ("studen", 11),
    ("prosin", 12),
    // Turkish
    ("oca", 1),
    ("şub", 2),
    ("nis", 4),
    ("haz", 6),
    ("tem", 7),
    ("ağu", 8),
    ("eyl", 9),
    ("eki", 10),
    ("kas", 11),
    ("ara", 12),
    // Russian
    ("янв", 1),
    ("фев", 2),
    ("мар", 3),
    ("апр", 4),
    ("мая", 5),
    ("май", 5),
    ("июн", 6),
    ("июл", 7),
    ("авг", 8),
    ("сен", 9),
    ("окт", 10),
    ("ноя", 11),
    ("дек", 12),
    // Ukrainian
    ("січ", 1),
    ("лют", 2),
    ("бер", 3),
    ("квіт", 4),
    ("трав", 5),
    ("черв", 6),
    ("лип", 7),
    ("серп", 8),
    ("вер", 9),
    ("жовт", 10),
    ("лист", 11),
    ("груд", 12),
];

/// Zone abbreviations and their offsets in minutes (North American, European, Australian,
/// East Asian; German and Czech names of the European ones).
const ZONES: &[(&str, i32)] = &[
    ("UTC", 0),
    ("GMT", 0),
    ("UT", 0),
    ("Z", 0),
    ("WET", 0),
    ("WEZ", 0),
    ("WEST", 60),
    ("WESZ", 60),
    ("BST", 60),
    ("CET", 60),
    ("MEZ", 60),
    ("MET", 60),
    ("SEČ", 60),
    ("CEST", 120),
    ("MESZ", 120),
    ("MEST", 120),
    ("SELČ", 120),
    ("EET", 120),
    ("OEZ", 120),
    ("EEST", 180),
    ("OESZ", 180),
    ("MSK", 180),
    ("EST", -300),
    ("EDT", -240),
    ("CST", -360),
    ("CDT", -300),
    ("MST", -420),
    ("MDT", -360),
    ("PST", -480),
    ("PDT", -420),
    ("AKST", -540),
    ("AKDT", -480),
    ("HST", -600),
    ("AST", -240),
    ("ADT", -180),
    ("NST", -210),
    ("NDT", -150),
    ("JST", 540),
    ("KST", 540),
    ("HKT", 480),
    ("SGT", 480),
    ("AWST", 480),
    ("ACST", 570),
    ("ACDT", 630),
    ("AEST", 600),
    ("AEDT", 660),
    ("NZST", 720),
    ("NZDT", 780),
];

static NAMED_OFFSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:GMT|UTC)\s?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?")
        .expect("regex")
});
static BARE_OFFSET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\s|\()(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})\b").expect("regex")
});
static CJK_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<y>\d{4})\s*年\s*(?P<mo>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日").expect("regex")
});
static NUMERIC_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<a>\d{1,4})(?P<sep>[./-])\s?(?P<b>\d{1,2})(?:[./-])\s?(?P<c>\d{2,4})\b")
        .expect("regex")
});
static TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?P<pre>午前|午後)?\b(?P<h>\d{1,2})[:.](?P<m>\d{2})(?:[:.](?P<s>\d{2}))?\b\s*(?P<ampm>[ap]\.?\s?m\b\.?)?",
    )
    .expect("regex")
});
static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\p{L}+").expect("regex"));
static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+").expect("regex"));

/// A date as printed: the local date and time, and the zone when the text names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintedDate {
    pub local: NaiveDateTime,
    pub offset: Option<FixedOffset>,
}

impl PrintedDate {
    /// The instant, reading a zone-less date in `fallback`.
    pub fn to_utc(self, fallback: FixedOffset) -> Option<DateTime<Utc>> {
        let zone = self.offset.unwrap_or(fallback);
        zone.from_local_datetime(&self.local)
            .single()
            .map(|d| d.with_timezone(&Utc))
    }
}

/// Parses a localized date; `None` when no date can be read from it.
pub fn parse_printed(raw: &str) -> Option<PrintedDate> {
    let mut text = raw.replace(['\u{a0}', '\u{202f}', '\t'], " ");
    let offset = take_offset(&mut text);

    let (date, rest) = if let Some(c) = CJK_DATE.captures(&text) {
        let date = NaiveDate::from_ymd_opt(
            c["y"].parse().ok()?,
            c["mo"].parse().ok()?,
            c["d"].parse().ok()?,
        )?;
        let whole = c.get(0)?.range();
        let mut rest = text.clone();
        rest.replace_range(whole, " ");
        (Some(date), rest)
    } else {
        (None, text.clone())
    };

    // The time first, so that its digits are not read as a day.
    let time_caps = TIME.captures(&rest).filter(|c| {
        // A dotted `27.10` followed by `.2021` is a date, not a time.
        let end = c.get(0).map_or(0, |m| m.end());
        !rest[end..].starts_with(['.', '/']) || c.name("s").is_some()
    });
    let numeric = NUMERIC_DATE.captures(&rest).filter(|c| {
        // `14.25.08` is a time; a numeric date has a year or a day/month that cannot be a time.
        c["sep"] != *"." || c["c"].len() == 4 || c["a"].len() == 4
    });
    // A numeric date wins over a time that overlaps it.
    let time_caps = time_caps.filter(|t| {
        numeric.as_ref().is_none_or(|n| {
            let (nr, tr) = (
                n.get(0).map_or(0..0, |m| m.range()),
                t.get(0).map_or(0..0, |m| m.range()),
            );
            tr.end <= nr.start || tr.start >= nr.end
        })
    });
    let time_caps = match (&time_caps, &numeric) {
        (None, Some(n)) => {
            // The time may come after the numeric date that hid it.
            let after = n.get(0).map_or(0, |m| m.end());
            TIME.captures_at(&rest, after)
        }
        _ => time_caps,
    };
    let (time, pm_style) = match &time_caps {
        Some(c) => read_time(c)?,
        None => (NaiveTime::MIN, false),
    };

    let date = match (date, &numeric) {
        (Some(d), _) => d,
        (None, Some(n)) => read_numeric(n, pm_style)?,
        (None, None) => {
            let mut without_time = rest.clone();
            if let Some(m) = time_caps.as_ref().and_then(|c| c.get(0)) {
                without_time.replace_range(m.range(), " ");
            }
            read_textual(&without_time)?
        }
    };
    Some(PrintedDate {
        local: date.and_time(time),
        offset,
    })
}

/// Parses a localized date to an instant; a date without a zone is read in `fallback`.
pub fn parse_date(raw: &str, fallback: FixedOffset) -> Option<DateTime<Utc>> {
    parse_printed(raw)?.to_utc(fallback)
}

fn take_offset(text: &mut String) -> Option<FixedOffset> {
    for re in [&*NAMED_OFFSET, &*BARE_OFFSET] {
        if let Some(c) = re.captures(text) {
            let hours: i32 = c["h"].parse().ok()?;
            let minutes: i32 = c.name("m").map_or(Some(0), |m| m.as_str().parse().ok())?;
            let sign = if &c["sign"] == "-" { -1 } else { 1 };
            let range = c.get(0)?.range();
            let offset = FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60));
            text.replace_range(range, " ");
            return offset;
        }
    }
    let zone = WORD.find_iter(text).find_map(|w| {
        let word = w.as_str();
        let upper = word.chars().all(|c| c.is_uppercase());
        ZONES
            .iter()
            .find(|(name, _)| upper && *name == word)
            .map(|(_, mins)| (w.range(), *mins))
    });
    let (range, minutes) = zone?;
    text.replace_range(range, " ");
    FixedOffset::east_opt(minutes * 60)
}

fn read_time(c: &regex::Captures<'_>) -> Option<(NaiveTime, bool)> {
    let mut hour: u32 = c["h"].parse().ok()?;
    let minute: u32 = c["m"].parse().ok()?;
    let second: u32 = c.name("s").map_or(Some(0), |s| s.as_str().parse().ok())?;
    let marker = c
        .name("ampm")
        .map(|m| m.as_str().to_lowercase())
        .or_else(|| {
            c.name("pre").map(|p| {
                if p.as_str() == "午後" {
                    "pm".into()
                } else {
                    "am".into()
                }
            })
        });
    let twelve_hour = marker.is_some();
    if let Some(marker) = marker {
        if hour == 0 || hour > 12 {
            return None;
        }
        let pm = marker.starts_with('p');
        hour = match (pm, hour) {
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, 12) => 0,
            (false, h) => h,
        };
    }
    Some((NaiveTime::from_hms_opt(hour, minute, second)?, twelve_hour))
}

fn full_year(y: i32) -> i32 {
    if y < 100 { 2000 + y } else { y }
}

fn read_numeric(c: &regex::Captures<'_>, us_style: bool) -> Option<NaiveDate> {
    let a: i32 = c["a"].parse().ok()?;
    let b: u32 = c["b"].parse().ok()?;
    let cc: i32 = c["c"].parse().ok()?;
    if c["a"].len() == 4 {
        return NaiveDate::from_ymd_opt(a, b, u32::try_from(cc).ok()?);
    }
    let a = u32::try_from(a).ok()?;
    let year = full_year(cc);
    let month_first = a <= 12 && (b > 12 || (us_style && &c["sep"] == "/"));
    if month_first {
        NaiveDate::from_ymd_opt(year, a, b)
    } else {
        NaiveDate::from_ymd_opt(year, b, a)
    }
}

fn month_of(word: &str) -> Option<u32> {
    static SORTED: LazyLock<Vec<(&str, u32)>> = LazyLock::new(|| {
        let mut stems = MONTH_STEMS.to_vec();
        stems.sort_by_key(|(stem, _)| std::cmp::Reverse(stem.chars().count()));
        stems
    });
    let lower = word.to_lowercase();
    SORTED
        .iter()
        .find(|(stem, _)| lower.starts_with(stem))
        .map(|(_, m)| *m)
}

fn read_textual(text: &str) -> Option<NaiveDate> {
    let first_digit = text
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(text.len());
    let croatian = text.split_whitespace().any(|w| w == "u");
    let months: Vec<(usize, u32)> = WORD
        .find_iter(text)
        .filter_map(|w| {
            let lower = w.as_str().to_lowercase();
            let month = if lower.starts_with("listopad") || lower == "lis" {
                Some(if croatian { 10 } else { 11 })
            } else {
                month_of(w.as_str())
            };
            month.map(|m| (w.start(), m))
        })
        .collect();
    let month = months
        .iter()
        .find(|(pos, _)| *pos > first_digit || months.len() == 1)
        .or(months.last())
        .map(|(_, m)| *m)?;
    let numbers: Vec<&str> = NUMBER.find_iter(text).map(|m| m.as_str()).collect();
    let year = numbers
        .iter()
        .find(|n| n.len() == 4)
        .and_then(|n| n.parse().ok())?;
    let day = numbers
        .iter()
        .filter(|n| n.len() <= 2)
        .filter_map(|n| n.parse::<u32>().ok())
        .find(|d| (1..=31).contains(d))?;
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(raw: &str, fallback_hours: i32) -> String {
        let zone = FixedOffset::east_opt(fallback_hours * 3600).expect("offset");
        parse_date(raw, zone)
            .map(|d| d.to_rfc3339())
            .unwrap_or_else(|| format!("unparsed: {raw}"))
    }

    #[test]
    fn gmail_and_outlook_dates_without_zone_use_the_forwarders_zone() {
        assert_eq!(
            utc("Wed, Nov 11, 2026 at 6:05 AM", -5),
            "2026-11-11T11:05:00+00:00"
        );
        assert_eq!(
            utc("Wednesday, November 11, 2026 4:42 PM", -8),
            "2026-11-12T00:42:00+00:00"
        );
        assert_eq!(
            utc("Monday, 1 August 2022 11:11 pm", 0),
            "2022-08-01T23:11:00+00:00"
        );
    }

    #[test]
    fn dates_with_a_zone_ignore_the_fallback() {
        assert_eq!(
            utc("November 11, 2026 at 3:20:59 PM CST", 9),
            "2026-11-11T21:20:59+00:00"
        );
        assert_eq!(
            utc("Sat, 14 Nov 2026 08:12:55 -0800", 3),
            "2026-11-14T16:12:55+00:00"
        );
        assert_eq!(
            utc("Tuesday, November 2, 2021, 09:26:50 AM GMT+1", 5),
            "2021-11-02T08:26:50+00:00"
        );
        assert_eq!(
            utc("17 août 2022 à 09:06:24 UTC+2", 0),
            "2022-08-17T07:06:24+00:00"
        );
        assert_eq!(
            utc("26. Oktober 2021 um 14:25:08 OESZ", 0),
            "2021-10-26T11:25:08+00:00"
        );
        assert_eq!(
            utc("úterý 2. listopadu 2021 09:26:50 SEČ", 0),
            "2021-11-02T08:26:50+00:00"
        );
    }

    #[test]
    fn localized_month_names_are_read_in_many_languages() {
        for (raw, want) in [
            (
                "Donnerstag, 28. Oktober 2021 um 12:46",
                "2021-10-28T12:46:00+00:00",
            ),
            (
                "jueves, 28 de octubre de 2021, 12:46",
                "2021-10-28T12:46:00+00:00",
            ),
            ("mar., 26 oct. 2021 à 09:31", "2021-10-26T09:31:00+00:00"),
            (
                "czwartek, 28 października 2021 o 12:46",
                "2021-10-28T12:46:00+00:00",
            ),
            (
                "четверг, 28 октября 2021 г. в 12:46",
                "2021-10-28T12:46:00+00:00",
            ),
            ("ср, 27 жовт. 2021 о 09:31", "2021-10-27T09:31:00+00:00"),
            (
                "torstaina, 28. lokakuuta 2021 klo 12.06",
                "2021-10-28T12:06:00+00:00",
            ),
            (
                "maanantai 19. syyskuuta 2022 klo 17.55.44",
                "2022-09-19T17:55:44+00:00",
            ),
            (
                "csütörtök, 2021. október 28. 12:46",
                "2021-10-28T12:46:00+00:00",
            ),
            ("2021. okt. 27., Sze, 9:31", "2021-10-27T09:31:00+00:00"),
            ("Perşembe, 28 Ekim 2021 12:46", "2021-10-28T12:46:00+00:00"),
            ("sri, 27. lis 2021. u 09:31", "2021-10-27T09:31:00+00:00"),
            (
                "26. listopada 2021. u 14:25:08",
                "2021-10-26T14:25:08+00:00",
            ),
            (
                "K, 27. oktoober 2021 kell 09:31",
                "2021-10-27T09:31:00+00:00",
            ),
            ("2022年9月19日月曜日 17:55:44", "2022-09-19T17:55:44+00:00"),
            ("quarta, 27/10/2021 à(s) 09:31", "2021-10-27T09:31:00+00:00"),
            ("st 27. 10. 2021 o 9:31", "2021-10-27T09:31:00+00:00"),
        ] {
            assert_eq!(utc(raw, 0), want, "{raw}");
        }
    }

    #[test]
    fn numeric_dates_are_day_first_unless_the_clock_is_american() {
        assert_eq!(utc("28/10/2021 12:46", 0), "2021-10-28T12:46:00+00:00");
        assert_eq!(utc("03/11/2021 15:51", 0), "2021-11-03T15:51:00+00:00");
        assert_eq!(utc("11/18/26 8:30 AM", 0), "2026-11-18T08:30:00+00:00");
        assert_eq!(
            utc("02/10/2023 4:52 PM EST", 0),
            "2023-02-10T21:52:00+00:00"
        );
        assert_eq!(utc("28/10/2021 12.46", 0), "2021-10-28T12:46:00+00:00");
    }

    #[test]
    fn text_without_a_date_is_not_a_date() {
        assert!(parse_printed("sometime next week").is_none());
        assert!(parse_printed("").is_none());
        assert!(parse_printed("99/99/9999 99:99").is_none());
    }
}
