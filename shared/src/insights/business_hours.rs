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
        if to <= from || self.end <= self.start {
            return 0.0;
        }
        let first = from.with_timezone(&self.zone).date_naive();
        let last = to.with_timezone(&self.zone).date_naive();
        let mut seconds = 0i64;
        // A reply years later still ends: count at most ten years of days.
        for day in first.iter_days().take_while(|d| *d <= last).take(3660) {
            if !self.days.contains(&day.weekday().number_from_monday()) {
                continue;
            }
            let local = |time: NaiveTime| {
                self.zone
                    .from_local_datetime(&day.and_time(time))
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            };
            let (Some(open), Some(close)) = (local(self.start), local(self.end)) else {
                continue;
            };
            let begin = open.max(from);
            let finish = close.min(to);
            if finish > begin {
                seconds += (finish - begin).num_seconds();
            }
        }
        seconds as f64 / 60.0
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
