//! How answers say times and durations to a person: in the tenant's zone, as people count
//! them ("yesterday 16:40", "since Tuesday", "2 d 2 h").

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

/// A duration in minutes as people say it: "45 min", "3 h 10 m", "2 d 2 h".
pub fn duration(minutes: f64) -> String {
    let minutes = minutes.max(0.0).round() as i64;
    match minutes {
        0 => "under a minute".to_owned(),
        m if m < 60 => format!("{m} min"),
        m if m < 24 * 60 => match m % 60 {
            0 => format!("{} h", m / 60),
            rest => format!("{} h {rest:02} m", m / 60),
        },
        m => match (m / 60) % 24 {
            0 => format!("{} d", m / (24 * 60)),
            hours => format!("{} d {hours} h", m / (24 * 60)),
        },
    }
}

/// When something happened, relative to `now` on the tenant's calendar: "today 09:12",
/// "yesterday 16:40", "Tuesday", "12 Nov", "12 Nov 2025".
pub fn when(at: DateTime<Utc>, now: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone);
    let today = now.with_timezone(&zone).date_naive();
    let days = (today - local.date_naive()).num_days();
    match days {
        0 => format!("today {}", local.format("%H:%M")),
        1 => format!("yesterday {}", local.format("%H:%M")),
        2..=6 => local.format("%A").to_string(),
        _ if local.year() == today.year() => local.format("%-d %b").to_string(),
        _ => local.format("%-d %b %Y").to_string(),
    }
}

/// "since Tuesday", "since today", "since 12 Nov".
pub fn since(at: DateTime<Utc>, now: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone);
    let today = now.with_timezone(&zone).date_naive();
    match (today - local.date_naive()).num_days() {
        0 => "since today".to_owned(),
        1 => "since yesterday".to_owned(),
        2..=6 => format!("since {}", local.format("%A")),
        _ if local.year() == today.year() => format!("since {}", local.format("%-d %b")),
        _ => format!("since {}", local.format("%-d %b %Y")),
    }
}

/// A person's first name, as staff are called.
pub fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or(name)
}

/// "…and 4 more" when a list of `total` was cut to `shown`.
pub fn and_more(total: usize, shown: usize) -> Option<String> {
    (total > shown).then(|| format!("…and {} more", total - shown))
}

/// A quote, cut to `max` characters at a word.
pub fn quote(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return format!("“{text}”");
    }
    let cut: String = text.chars().take(max + 1).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("“{}…”", cut.trim_end_matches([',', '.', ';', ':']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("time")
    }

    #[test]
    fn durations_read_in_the_largest_units_that_fit() {
        assert_eq!(duration(45.0), "45 min");
        assert_eq!(duration(190.0), "3 h 10 m");
        assert_eq!(duration(120.0), "2 h");
        assert_eq!(duration(3017.7), "2 d 2 h");
        assert_eq!(duration(2880.0), "2 d");
    }

    #[test]
    fn times_are_told_relative_to_today_in_the_tenants_zone() {
        let zone: Tz = "America/Los_Angeles".parse().expect("zone");
        let now = at("2026-11-20T20:00:00Z"); // Friday noon in Los Angeles
        assert_eq!(when(at("2026-11-20T17:12:00Z"), now, zone), "today 09:12");
        // 02:00 UTC on the 20th is still the 19th in Los Angeles.
        assert_eq!(
            when(at("2026-11-20T02:00:00Z"), now, zone),
            "yesterday 18:00"
        );
        assert_eq!(when(at("2026-11-17T20:00:00Z"), now, zone), "Tuesday");
        assert_eq!(when(at("2026-11-11T20:00:00Z"), now, zone), "11 Nov");
        assert_eq!(
            since(at("2026-11-17T20:00:00Z"), now, zone),
            "since Tuesday"
        );
    }

    #[test]
    fn long_quotes_are_cut_at_a_word() {
        assert_eq!(quote("short", 20), "“short”");
        assert_eq!(
            quote("this is the third time I'm asking for it", 22),
            "“this is the third time…”"
        );
    }
}
