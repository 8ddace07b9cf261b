//! The daily digest: what a busy owner reads in a minute with their coffee, composed from the
//! insights engine's answers (so every line is what `trellin ask` would say) and stored once
//! per tenant and date.
//!
//! It leads with what needs a person today (unhappy and flagged customers, overdue tasks),
//! then what customers wait for, the emails waiting for a reply, the team's reply times and
//! who is slowest, the top issues, the sentiment changes of the day before, and the totals with
//! their change since the previous digest. It is the digest *of* a date: "today" is that date in
//! the tenant's zone, and it looks back at the day before. It carries a chart of the last
//! fourteen days' sentiment ([`chart`]).
//!
//! Where it goes and when: [`settings`]; getting it out once per channel: [`delivery`]; the
//! email it becomes: [`email`].

pub mod chart;
pub mod delivery;
pub mod email;
pub mod settings;

pub use delivery::{
    ChartHost, Composed, Delivered, DeliveryError, Due, Mailer, Outbox, Tick, deliver, due,
    run_once,
};
pub use settings::{Settings, SettingsChange, SettingsError, configure, masked};

use chrono::{Days, NaiveDate};
use serde::Serialize;
use sqlx::PgPool;

use crate::insights::speech::{duration, first_name, quote, since, when};
use crate::insights::{
    Filter, InsightsError, Period, Scope, at_risk, issues, replies, responsiveness, summary, tasks,
    waiting,
};

/// How many lines a section lists before it says how many more there are.
const LINES: usize = 5;

/// A composed digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    pub date: NaiveDate,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The figures the totals line reports, kept to say what changed next time.
    pub totals: Totals,
    /// The fourteen-day sentiment chart (PNG); the HTML shows it as `cid:` [`email::CHART_CID`].
    #[serde(skip)]
    pub chart: Option<Vec<u8>>,
}

/// The totals a digest reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Totals {
    pub customers: i64,
    pub unhappy: i64,
    pub flagged: i64,
    pub waiting: i64,
    pub needs_reply: i64,
    pub open_tasks: i64,
    pub overdue_tasks: i64,
}

/// One section: a heading and its lines.
struct Section {
    heading: String,
    lines: Vec<String>,
}

fn cut(lines: Vec<String>, total: usize, more: &str) -> Vec<String> {
    let mut shown: Vec<String> = lines.into_iter().take(LINES).collect();
    if total > LINES {
        shown.push(format!("…and {} more ({more})", total - LINES));
    }
    shown
}

/// Composes the digest of `date` (the tenant's date) and stores it, replacing an earlier one
/// of the same date.
///
/// # Errors
/// A database failure.
pub async fn compose(
    pool: &PgPool,
    scope: &Scope,
    date: NaiveDate,
) -> Result<Digest, InsightsError> {
    let now = scope.now;
    let zone = scope.zone;
    let none = Filter::default();
    let unhappy = at_risk::load(pool, scope, &none).await?;
    let waiting = waiting::load(pool, scope, &none).await?;
    let replies = replies::load(pool, scope, &none).await?;
    let overdue = tasks::load(pool, scope, &none, true).await?;
    let open = tasks::load(pool, scope, &none, false).await?;
    let week = Period::days(date - Days::new(7), date - Days::new(1), zone);
    let team = responsiveness::load(pool, scope, &none, &week).await?;
    let themes = issues::load(pool, scope, &none, &week).await?;
    let yesterday = summary::compute(pool, scope, date - Days::new(1)).await?;

    let mut needs_you = Vec::new();
    for c in unhappy.iter().take(LINES) {
        let state = match (c.sentiment.as_str(), c.flagged) {
            ("unhappy", true) => "is unhappy and flagged".to_owned(),
            ("unhappy", false) => "is unhappy".to_owned(),
            _ => format!("is flagged ({})", c.flag_reasons.join(", ")),
        };
        let mut line = format!("{} {state}", c.customer.name);
        if let Some(evidence) = &c.evidence {
            line.push_str(&format!(" — {}", quote(evidence, 90)));
        }
        if let Some(email) = &c.latest_email {
            line.push_str(&format!(" ({})", when(email.at, now, zone)));
            if !email.replied {
                line.push_str(&format!(
                    ". Waiting {} for a reply",
                    duration((now - email.at).num_minutes() as f64)
                ));
            }
        }
        if let Some(owner) = &c.employee {
            line.push_str(&format!(". Owner: {}", first_name(&owner.name)));
        }
        needs_you.push(format!("{line}."));
    }
    if unhappy.len() > LINES {
        needs_you.push(format!("…and {} more at risk", unhappy.len() - LINES));
    }
    if !overdue.is_empty() {
        let listed: Vec<String> = overdue
            .iter()
            .take(LINES)
            .map(|t| {
                format!(
                    "{} for {} ({}, {} day{} late)",
                    t.description,
                    t.customer.name,
                    t.employee
                        .as_ref()
                        .map_or("no owner", |e| first_name(&e.name)),
                    t.days_overdue,
                    if t.days_overdue == 1 { "" } else { "s" }
                )
            })
            .collect();
        needs_you.push(format!("{} overdue: {}", overdue.len(), listed.join(" · ")));
    }
    if needs_you.is_empty() {
        needs_you
            .push("Nothing is on fire: no unhappy customer and no overdue task. 🎉".to_owned());
    }

    let waiting_lines = waiting
        .iter()
        .map(|w| {
            format!(
                "{} — {} · {}",
                w.customer.name,
                w.item,
                since(w.since, now, zone)
            )
        })
        .collect();
    let reply_lines = replies
        .iter()
        .map(|r| {
            format!(
                "{}{} — “{}”, waiting {}{}",
                r.customer.name,
                if r.flagged { " ⚑" } else { "" },
                r.subject,
                duration(r.waiting_minutes as f64),
                r.employee
                    .as_ref()
                    .map(|e| format!(" · {}", first_name(&e.name)))
                    .unwrap_or_default()
            )
        })
        .collect();
    let measured: Vec<_> = team
        .iter()
        .filter(|r| r.median_reply_minutes.is_some())
        .collect();
    let mut team_lines = Vec::new();
    if let Some(slowest) = measured.first() {
        let mut medians: Vec<f64> = measured
            .iter()
            .filter_map(|r| r.median_reply_minutes)
            .collect();
        medians.sort_by(f64::total_cmp);
        team_lines.push(format!(
            "Slowest: {}, mean first reply {} (median {}); the team's medians run from {} to {}.",
            first_name(&slowest.employee.name),
            duration(slowest.mean_reply_minutes.unwrap_or_default()),
            duration(slowest.median_reply_minutes.unwrap_or_default()),
            duration(medians.first().copied().unwrap_or_default()),
            duration(medians.last().copied().unwrap_or_default()),
        ));
        for r in &measured {
            team_lines.push(format!(
                "{}: median {}, {} of {} answered",
                first_name(&r.employee.name),
                duration(r.median_reply_minutes.unwrap_or_default()),
                r.replied,
                r.inbound_handled
            ));
        }
    } else {
        team_lines.push("No replies to measure this week.".to_owned());
    }
    let issue_lines = themes
        .iter()
        .map(|t| {
            let names: Vec<&str> = t.customers.iter().map(|c| c.name.as_str()).collect();
            format!(
                "{} — {} email{} from {}",
                t.label,
                t.emails,
                if t.emails == 1 { "" } else { "s" },
                names.join(", ")
            )
        })
        .collect();
    let change_lines: Vec<String> = yesterday
        .sentiment_changes
        .iter()
        .map(|c| format!("{} is now {}.", c.customer.name, c.sentiment))
        .collect();

    let totals = Totals {
        customers: yesterday.total_customers,
        unhappy: yesterday.unhappy_customers,
        flagged: yesterday.flagged_customers.len() as i64,
        waiting: waiting.len() as i64,
        needs_reply: replies.len() as i64,
        open_tasks: open.len() as i64,
        overdue_tasks: overdue.len() as i64,
    };
    let before = previous_totals(pool, scope, date).await?;
    let change = |now: i64, then: Option<i64>| match then.map(|t| now - t) {
        Some(d) if d > 0 => format!(" (+{d})"),
        Some(d) if d < 0 => format!(" ({d})"),
        _ => String::new(),
    };
    let totals_line = format!(
        "{} customers: {} unhappy{}, {} flagged{} · {} waiting items{} · {} emails to answer{} · {} open tasks{}, {} overdue{}",
        totals.customers,
        totals.unhappy,
        change(totals.unhappy, before.map(|b| b.unhappy)),
        totals.flagged,
        change(totals.flagged, before.map(|b| b.flagged)),
        totals.waiting,
        change(totals.waiting, before.map(|b| b.waiting)),
        totals.needs_reply,
        change(totals.needs_reply, before.map(|b| b.needs_reply)),
        totals.open_tasks,
        change(totals.open_tasks, before.map(|b| b.open_tasks)),
        totals.overdue_tasks,
        change(totals.overdue_tasks, before.map(|b| b.overdue_tasks)),
    );

    let sections = vec![
        Section {
            heading: "Needs you today".to_owned(),
            lines: needs_you,
        },
        Section {
            heading: format!("Waiting on us ({})", waiting.len()),
            lines: cut(
                waiting_lines,
                waiting.len(),
                "trellin ask \"what's waiting\"",
            ),
        },
        Section {
            heading: format!("Emails waiting for a reply ({})", replies.len()),
            lines: cut(
                reply_lines,
                replies.len(),
                "trellin ask \"what needs a reply\"",
            ),
        },
        Section {
            heading: "Team, last 7 days".to_owned(),
            lines: team_lines,
        },
        Section {
            heading: "Top issues, last 7 days".to_owned(),
            lines: if themes.is_empty() {
                vec!["No customer reported a problem.".to_owned()]
            } else {
                issue_lines
            },
        },
        Section {
            heading: "Since yesterday".to_owned(),
            lines: if change_lines.is_empty() {
                vec!["No customer's mood changed.".to_owned()]
            } else {
                change_lines
            },
        },
        Section {
            heading: "Totals".to_owned(),
            lines: vec![totals_line],
        },
    ];
    let subject = format!(
        "Trellin · {} · {}",
        scope.tenant_name,
        date.format("%A %-d %b")
    );
    let days = chart::load(pool, scope.tenant, date, zone).await?;
    // A chart that cannot be drawn (it never depends on the data) leaves the digest without it.
    let chart = chart::render(&days)
        .inspect_err(|why| tracing::warn!(%why, "the digest goes without its chart"))
        .ok();
    let text = render_text(&subject, &sections);
    let html = render_html(&subject, &sections, chart.is_some());
    let digest = Digest {
        date,
        subject,
        text,
        html,
        totals,
        chart,
    };
    save(pool, scope, &digest).await?;
    Ok(digest)
}

fn render_text(subject: &str, sections: &[Section]) -> String {
    let mut out = format!("{subject}\n");
    for section in sections {
        out.push_str(&format!("\n{}\n", section.heading));
        for line in &section.lines {
            out.push_str(&format!("• {line}\n"));
        }
    }
    out
}

/// Text as HTML text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn render_html(subject: &str, sections: &[Section], with_chart: bool) -> String {
    let mut out = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{0}</title></head>\
         <body style=\"font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:640px;\
         margin:auto;color:#1d2430;line-height:1.45\"><h1 style=\"font-size:20px\">{0}</h1>",
        escape(subject)
    );
    for section in sections {
        out.push_str(&format!(
            "<h2 style=\"font-size:16px;margin-top:20px\">{}</h2><ul>",
            escape(&section.heading)
        ));
        for line in &section.lines {
            out.push_str(&format!("<li>{}</li>", escape(line)));
        }
        out.push_str("</ul>");
    }
    if with_chart {
        out.push_str(&format!(
            "<p><img src=\"cid:{}\" width=\"640\" alt=\"Customer emails by sentiment, last 14 days\" \
             style=\"max-width:100%;height:auto\"></p>",
            email::CHART_CID
        ));
    }
    out.push_str("</body></html>");
    out
}

/// The totals of the tenant's latest digest before `date`.
async fn previous_totals(
    pool: &PgPool,
    scope: &Scope,
    date: NaiveDate,
) -> Result<Option<Totals>, sqlx::Error> {
    let row = sqlx::query_scalar!(
        r#"SELECT totals AS "totals: sqlx::types::Json<Totals>" FROM digests
           WHERE user_id = $1 AND date < $2 ORDER BY date DESC LIMIT 1"#,
        scope.tenant,
        date
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|j| j.0))
}

async fn save(pool: &PgPool, scope: &Scope, digest: &Digest) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO digests (user_id, date, subject, text, html, totals, composed_at, chart)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (user_id, date) DO UPDATE SET subject = EXCLUDED.subject,
             text = EXCLUDED.text, html = EXCLUDED.html, totals = EXCLUDED.totals,
             composed_at = EXCLUDED.composed_at, chart = EXCLUDED.chart"#,
        scope.tenant,
        digest.date,
        digest.subject,
        digest.text,
        digest.html,
        serde_json::to_value(digest.totals).unwrap_or_default(),
        scope.now.naive_utc(),
        digest.chart.as_deref()
    )
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_what_the_text_says() {
        assert_eq!(escape("Olive & Ash <b>"), "Olive &amp; Ash &lt;b&gt;");
        let html = render_html(
            "Trellin · A & B",
            &[Section {
                heading: "Needs you today".into(),
                lines: vec!["“quote” & more".into()],
            }],
            true,
        );
        assert!(html.contains("<li>“quote” &amp; more</li>"), "{html}");
        assert!(html.contains("<title>Trellin · A &amp; B</title>"));
    }

    #[test]
    fn a_long_section_says_how_many_more() {
        let lines: Vec<String> = (1..=8).map(|n| format!("line {n}")).collect();
        let cut = cut(lines, 8, "ask");
        assert_eq!(cut.len(), 6);
        assert_eq!(cut[5], "…and 3 more (ask)");
    }
}
