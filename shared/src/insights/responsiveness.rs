//! How responsive the team is: per staff member the median, P90 and mean time to the first
//! reply, in wall-clock time and in the tenant's business hours, the share answered within
//! the responsive window, open and overdue tasks; the slowest first.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use super::speech::{duration, first_name};
use super::{Filter, InsightsError, Party, Period, Scope};

/// One staff member's reply figures over a period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Responsiveness {
    pub employee: Party,
    /// Inbound emails of the period that are theirs.
    pub inbound_handled: i64,
    pub replied: i64,
    pub mean_reply_minutes: Option<f64>,
    pub median_reply_minutes: Option<f64>,
    pub p90_reply_minutes: Option<f64>,
    pub mean_business_minutes: Option<f64>,
    pub median_business_minutes: Option<f64>,
    pub p90_business_minutes: Option<f64>,
    /// Handled emails answered within the responsive window, in percent (unanswered ones count
    /// against).
    pub replied_within_window_pct: Option<f64>,
    pub open_tasks: i64,
    pub overdue_tasks: i64,
    /// The slowest responder of the answer.
    pub slowest: bool,
}

/// Mean, median and P90 of a sample (nearest rank for P90).
fn stats(mut values: Vec<f64>) -> (Option<f64>, Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (None, None, None);
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n as f64;
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    let rank = ((0.9 * n as f64).ceil() as usize).clamp(1, n);
    let round = |x: f64| (x * 10.0).round() / 10.0;
    (
        Some(round(mean)),
        Some(round(median)),
        Some(round(values[rank - 1])),
    )
}

/// The staff's figures over `period`, slowest (highest mean reply time) first; staff with no
/// mail in the period come last.
///
/// # Errors
/// A database failure.
pub async fn load(
    pool: &PgPool,
    scope: &Scope,
    filter: &Filter,
    period: &Period,
) -> Result<Vec<Responsiveness>, InsightsError> {
    let (from, to) = scope.bounds(period);
    // Per staff member: how many emails, and when each answered one was sent and answered
    // (two arrays: one row per person). The two aggregates see the rows in the same order, so
    // the arrays pair up.
    let emails = sqlx::query!(
        r#"SELECT l.employee_id AS "employee_id!", count(*) AS "handled!",
                  COALESCE(array_agg(l.timestamp) FILTER (WHERE l.first_reply_at <= $6), '{}')
                    AS "sent!: Vec<chrono::NaiveDateTime>",
                  COALESCE(array_agg(l.first_reply_at) FILTER (WHERE l.first_reply_at <= $6), '{}')
                    AS "replied!: Vec<chrono::NaiveDateTime>"
           FROM email_logs l
           WHERE l.user_id = $1 AND l.direction = 'inbound' AND NOT l.is_automatic
             AND l.employee_id IS NOT NULL
             AND ($2::uuid IS NULL OR l.employee_id = $2) AND ($3::uuid IS NULL OR l.customer_id = $3)
             AND ($4::timestamp IS NULL OR l.timestamp >= $4) AND l.timestamp < $5
           GROUP BY l.employee_id"#,
        scope.tenant,
        filter.employee,
        filter.customer,
        from,
        to,
        // A reply after "now" has not happened yet, as far as the answer is concerned.
        scope.now.naive_utc()
    )
    .fetch_all(pool)
    .await?;
    let staff = sqlx::query!(
        r#"SELECT m.id, m.name, m.email, count(t.id) AS "open!",
                  count(t.id) FILTER (WHERE t.due_date < $3) AS "overdue!"
           FROM employees m LEFT JOIN tasks t ON t.assigned_to = m.id AND t.status <> 'completed'
           WHERE m.user_id = $1 AND ($2::uuid IS NULL OR m.id = $2)
           GROUP BY m.id ORDER BY m.name"#,
        scope.tenant,
        filter.employee,
        scope.today()
    )
    .fetch_all(pool)
    .await?;
    #[derive(Default)]
    struct Sample {
        handled: i64,
        wall: Vec<f64>,
        business: Vec<f64>,
        within: i64,
    }
    // The working time of the whole span at once, so that each reply is two lookups.
    let first = emails.iter().flat_map(|e| e.sent.iter()).min().copied();
    let last = emails.iter().flat_map(|e| e.replied.iter()).max().copied();
    let calendar = match (first, last) {
        (Some(first), Some(last)) => scope.hours.calendar(first.and_utc(), last.and_utc()),
        _ => scope.hours.calendar(scope.now, scope.now),
    };
    let mut samples: HashMap<Uuid, Sample> = HashMap::new();
    for row in emails {
        let sample = samples.entry(row.employee_id).or_default();
        sample.handled += row.handled;
        for (sent, reply) in row.sent.iter().zip(&row.replied) {
            let (sent, reply) = (sent.and_utc(), reply.and_utc());
            let wall = (reply - sent).num_seconds() as f64 / 60.0;
            sample.wall.push(wall);
            sample.business.push(calendar.minutes_between(sent, reply));
            if wall <= f64::from(scope.responsive_minutes) {
                sample.within += 1;
            }
        }
    }
    let mut out: Vec<Responsiveness> = staff
        .into_iter()
        .map(|m| {
            let sample = samples.remove(&m.id).unwrap_or_default();
            let replied = sample.wall.len() as i64;
            let (mean, median, p90) = stats(sample.wall);
            let (bmean, bmedian, bp90) = stats(sample.business);
            Responsiveness {
                employee: Party::new(m.id, m.name, Some(m.email)),
                inbound_handled: sample.handled,
                replied,
                mean_reply_minutes: mean,
                median_reply_minutes: median,
                p90_reply_minutes: p90,
                mean_business_minutes: bmean,
                median_business_minutes: bmedian,
                p90_business_minutes: bp90,
                replied_within_window_pct: (sample.handled > 0).then(|| {
                    (sample.within as f64 * 1000.0 / sample.handled as f64).round() / 10.0
                }),
                open_tasks: m.open,
                overdue_tasks: m.overdue,
                slowest: false,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.mean_reply_minutes
            .unwrap_or(-1.0)
            .total_cmp(&a.mean_reply_minutes.unwrap_or(-1.0))
            .then(b.inbound_handled.cmp(&a.inbound_handled))
            .then(a.employee.name.cmp(&b.employee.name))
    });
    if let Some(first) = out.first_mut().filter(|f| f.mean_reply_minutes.is_some()) {
        first.slowest = true;
    }
    Ok(out)
}

/// "Slowest: Tom — mean first reply 2 d 2 h (median …, 9 h in business hours); team …".
pub fn describe(items: &[Responsiveness], _scope: &Scope) -> String {
    let measured: Vec<&Responsiveness> = items
        .iter()
        .filter(|r| r.mean_reply_minutes.is_some())
        .collect();
    let Some(slowest) = measured.first() else {
        return "No replies to measure in that period.".to_owned();
    };
    let all: Vec<f64> = measured
        .iter()
        .filter_map(|r| r.mean_reply_minutes.map(|m| m * r.replied as f64))
        .collect();
    let replies: i64 = measured.iter().map(|r| r.replied).sum();
    let team = all.iter().sum::<f64>() / replies.max(1) as f64;
    let mut lines = vec![format!(
        "Slowest to reply: {} — mean first reply {} (team {}).",
        first_name(&slowest.employee.name),
        duration(slowest.mean_reply_minutes.unwrap_or_default()),
        duration(team)
    )];
    for r in items {
        let line = match (r.mean_reply_minutes, r.median_reply_minutes) {
            (Some(mean), Some(median)) => format!(
                "• {}: mean {}, median {}, P90 {}; in business hours median {}; {} of {} answered, {}% within the window; {} open task{}, {} overdue",
                first_name(&r.employee.name),
                duration(mean),
                duration(median),
                duration(r.p90_reply_minutes.unwrap_or_default()),
                duration(r.median_business_minutes.unwrap_or_default()),
                r.replied,
                r.inbound_handled,
                r.replied_within_window_pct.unwrap_or_default(),
                r.open_tasks,
                if r.open_tasks == 1 { "" } else { "s" },
                r.overdue_tasks
            ),
            _ if r.inbound_handled > 0 => format!(
                "• {}: {} email{} handled, none answered yet",
                first_name(&r.employee.name),
                r.inbound_handled,
                if r.inbound_handled == 1 { "" } else { "s" }
            ),
            _ => continue,
        };
        lines.push(line);
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_are_mean_median_and_nearest_rank_p90() {
        let (mean, median, p90) = stats(vec![10.0, 20.0, 30.0, 40.0, 100.0]);
        assert_eq!(mean, Some(40.0));
        assert_eq!(median, Some(30.0));
        assert_eq!(p90, Some(100.0));
        assert_eq!(stats(vec![]), (None, None, None));
        assert_eq!(stats(vec![1.0, 3.0]).1, Some(2.0));
    }
}
