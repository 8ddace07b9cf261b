//! A tenant's working week, and how much of it lies between two instants: a Friday 16:00
//! email answered on Monday at 10:00 waited two business hours.

use chrono::{DateTime, Datelike, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Working days (ISO numbers, Monday = 1) and hours, in the tenant's zone.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessHours {
    pub days: Vec<u32>,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub zone: Tz,
}

impl BusinessHours {
    /// Monday to Friday, 9:00 to 17:00.
    pub fn standard(zone: Tz) -> BusinessHours {
        BusinessHours {
            days: vec![1, 2, 3, 4, 5],
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            end: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
            zone,
        }
    }

    /// Minutes of working time from `from` to `to` (zero when `to` is not later).
    pub fn minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
        self.calendar(from, to).minutes_between(from, to)
    }

    /// The working windows of the days from `from` to `to`, for many questions about times
    /// within that span. A span longer than ten years is cut there.
    pub fn calendar(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Calendar {
        let mut calendar = Calendar::default();
        if to < from || self.end <= self.start {
            return calendar;
        }
        let first = from.with_timezone(&self.zone).date_naive();
        let last = to.with_timezone(&self.zone).date_naive();
        let mut worked = 0i64;
        for day in first.iter_days().take_while(|d| *d <= last).take(3660) {
            if !self.days.contains(&day.weekday().number_from_monday()) {
                continue;
            }
            let local = |time: NaiveTime| {
                self.zone
                    .from_local_datetime(&day.and_time(time))
                    .earliest()
                    .map(|t| t.timestamp())
            };
            if let (Some(open), Some(close)) = (local(self.start), local(self.end))
                && close > open
            {
                calendar.windows.push((open, close, worked));
                worked += close - open;
            }
        }
        calendar
    }
}

/// Working windows in order, each with the working seconds before it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calendar {
    windows: Vec<(i64, i64, i64)>,
}

impl Calendar {
    /// Working seconds from the calendar's start to `at`.
    fn worked_until(&self, at: i64) -> i64 {
        let after = self.windows.partition_point(|(open, _, _)| *open <= at);
        match after.checked_sub(1).and_then(|i| self.windows.get(i)) {
            Some((open, close, before)) => before + (at.min(*close) - open),
            None => 0,
        }
    }

    /// Minutes of working time from `from` to `to` within the calendar's span.
    pub fn minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
        let seconds = self.worked_until(to.timestamp()) - self.worked_until(from.timestamp());
        seconds.max(0) as f64 / 60.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("time")
    }

    #[test]
    fn a_friday_afternoon_email_answered_on_monday_morning_waited_two_business_hours() {
        let hours = BusinessHours::standard(Tz::Europe__Berlin);
        // Friday 4 Dec 2026 16:00 and Monday 7 Dec 10:00 in Berlin (UTC+1).
        let waited = hours.minutes_between(at("2026-12-04T15:00:00Z"), at("2026-12-07T09:00:00Z"));
        assert_eq!(waited, 120.0);
    }

    #[test]
    fn time_outside_working_hours_does_not_count() {
        let hours = BusinessHours::standard(Tz::UTC);
        // Tuesday 18:00 to Wednesday 08:00.
        assert_eq!(
            hours.minutes_between(at("2026-12-08T18:00:00Z"), at("2026-12-09T08:00:00Z")),
            0.0
        );
        // Within one working day it is wall-clock time.
        assert_eq!(
            hours.minutes_between(at("2026-12-08T10:00:00Z"), at("2026-12-08T10:45:00Z")),
            45.0
        );
    }

    #[test]
    fn one_calendar_answers_for_every_span_within_it() {
        let hours = BusinessHours::standard(Tz::America__Los_Angeles);
        let calendar = hours.calendar(at("2026-11-02T00:00:00Z"), at("2026-11-30T00:00:00Z"));
        for (from, to) in [
            ("2026-11-06T23:00:00Z", "2026-11-09T18:00:00Z"),
            ("2026-11-10T17:00:00Z", "2026-11-10T17:30:00Z"),
            ("2026-11-13T02:00:00Z", "2026-11-20T20:00:00Z"),
            ("2026-11-20T20:00:00Z", "2026-11-13T02:00:00Z"),
        ] {
            let (from, to) = (at(from), at(to));
            let mut slow = 0.0;
            let mut minute = from;
            while minute < to {
                let local = minute.with_timezone(&hours.zone);
                let time = local.time();
                if hours.days.contains(&local.weekday().number_from_monday())
                    && time >= hours.start
                    && time < hours.end
                {
                    slow += 1.0;
                }
                minute += chrono::Duration::minutes(1);
            }
            assert_eq!(calendar.minutes_between(from, to), slow, "{from} → {to}");
        }
    }

    #[test]
    fn working_days_are_the_tenants_own() {
        let hours = BusinessHours {
            days: vec![6, 7],
            ..BusinessHours::standard(Tz::UTC)
        };
        // Friday noon to Monday noon: only Saturday and Sunday count, 8 h each.
        assert_eq!(
            hours.minutes_between(at("2026-12-04T12:00:00Z"), at("2026-12-07T12:00:00Z")),
            960.0
        );
    }
}
