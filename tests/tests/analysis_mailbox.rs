//! Ingesting the sample mailbox reproduces, as of its last day, `truth.json`'s analysis: every
//! inbound email's sentiment, action_needed and flag; each customer's overall sentiment, flag
//! and waiting items; the employees' numbers that depend on analysis; and the open and overdue
//! tasks. Re-analysis changes none of it, and a task completed by hand stays completed.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use trellin::analysis::{self, Analyzer, tasks::keywords};
use trellin::ingest::{self, Settings};
use trellin::report::{self, EmailLine, HealthLine};
use trellin_tests::mailbox::{messages, setup_tenant, truth};

/// The mailbox's last day at noon, Pacific (the tenant's zone).
fn as_of() -> DateTime<Utc> {
    "2026-11-20T20:00:00Z".parse().expect("time")
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).expect("date")
}

/// Our stored email for each truth file, by Message-ID or by sender and time.
fn by_file<'a>(
    truth: &serde_json::Value,
    emails: &'a [EmailLine],
) -> BTreeMap<String, &'a EmailLine> {
    let mut out = BTreeMap::new();
    for (file, expected) in truth["emails"].as_object().expect("emails") {
        let id = expected["message_id"].as_str();
        let from = expected["from_email"].as_str().expect("from");
        let at: DateTime<Utc> = expected["timestamp"]
            .as_str()
            .expect("timestamp")
            .parse()
            .expect("time");
        let found = emails.iter().find(|e| {
            (id.is_some() && e.message_id.as_deref() == id)
                || (e.from == from && (e.timestamp - at).num_seconds().abs() < 60)
        });
        let found = found.unwrap_or_else(|| panic!("{file}: not stored"));
        out.insert(file.clone(), found);
    }
    out
}

/// Our customer for a truth customer: by domain, else by a known address.
fn customer<'a>(truth: &serde_json::Value, name: &str, health: &'a [HealthLine]) -> &'a HealthLine {
    let expected = truth["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .find(|c| c["name"] == name)
        .expect("truth customer");
    let domain = expected["primary_domain"].as_str();
    let first = expected["emails"][0].as_str().expect("email");
    health
        .iter()
        .find(|h| {
            (domain.is_some() && h.primary_domain.as_deref() == domain)
                || h.known_emails.iter().any(|e| e == first)
        })
        .unwrap_or_else(|| panic!("{name}: no such customer"))
}

/// Whether two lists of waiting items name the same things: one-to-one, each pair sharing a
/// content word (the truth compares free text by meaning).
fn same_items(expected: &[String], ours: &[String]) -> bool {
    if expected.len() != ours.len() {
        return false;
    }
    let mut unused: Vec<Vec<String>> = ours.iter().map(|o| keywords(o)).collect();
    expected.iter().all(|e| {
        let words = keywords(e);
        match unused
            .iter()
            .position(|o| o.iter().any(|w| words.contains(w)))
        {
            Some(i) => {
                unused.remove(i);
                true
            }
            None => false,
        }
    })
}

async fn ingest_mailbox(pool: &PgPool) -> trellin::tenant::Tenant {
    trellin_tests::mailbox::ingest(pool, as_of()).await
}

#[sqlx::test(migrations = "../migrations")]
async fn every_inbound_email_gets_the_truths_sentiment_action_and_flag(pool: PgPool) {
    let truth = truth();
    let tenant = ingest_mailbox(&pool).await;
    let emails = report::emails(&pool, tenant.id).await.expect("emails");
    let mut checked = 0;
    let mut failures = Vec::new();
    for (file, ours) in by_file(&truth, &emails) {
        let expected = &truth["emails"][&file];
        assert!(ours.sentiment.is_some(), "{file}: no insight stored");
        assert!(
            ours.summary
                .as_ref()
                .is_some_and(|s| !s.is_empty() && s.chars().count() <= 240),
            "{file}: summary {:?}",
            ours.summary
        );
        if expected["direction"] != "inbound" {
            continue;
        }
        checked += 1;
        let want = |field: &str| expected[field].clone();
        if want("sentiment").as_str() != ours.sentiment.as_deref() {
            failures.push(format!(
                "{file} sentiment: want {} got {:?}",
                want("sentiment"),
                ours.sentiment
            ));
        }
        if want("action_needed").as_bool() != Some(ours.action_needed) {
            failures.push(format!(
                "{file} action_needed: want {} got {}",
                want("action_needed"),
                ours.action_needed
            ));
        }
        if want("flagged").as_bool() != Some(ours.flagged) {
            failures.push(format!(
                "{file} flagged: want {} got {}",
                want("flagged"),
                ours.flagged
            ));
        }
        if ours.flagged {
            assert!(
                !ours.flag_reasons.is_empty(),
                "{file}: flagged without a reason"
            );
        }
    }
    println!(
        "analysis of {checked} inbound emails: {} mismatches",
        failures.len()
    );
    assert_eq!(checked, 31, "every inbound email of the truth is checked");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn customer_health_and_waiting_items_match_the_truth(pool: PgPool) {
    let truth = truth();
    let tenant = ingest_mailbox(&pool).await;
    let health = report::health(&pool, tenant.id).await.expect("health");
    let mut checked = 0;
    for (name, expected) in truth["customers_expected"].as_object().expect("customers") {
        let ours = customer(&truth, name, &health);
        checked += 1;
        assert_eq!(
            Some(ours.sentiment.as_str()),
            expected["overall_sentiment"].as_str(),
            "{name}: overall sentiment"
        );
        assert_eq!(
            Some(ours.flagged),
            expected["flagged"].as_bool(),
            "{name}: flag"
        );
        let want: Vec<String> = expected["waiting_on"]
            .as_array()
            .expect("waiting_on")
            .iter()
            .filter_map(|w| w.as_str().map(str::to_owned))
            .collect();
        assert!(
            same_items(&want, &ours.waiting_on),
            "{name}: waiting on {want:?}, got {:?}",
            ours.waiting_on
        );
        assert!(ours.trend.is_some(), "{name}: no trend");
    }
    assert_eq!(checked, 6);

    // Every change of a customer's sentiment is in its history, the last one being today's.
    for line in &health {
        let updates = sqlx::query_scalar!(
            r#"SELECT type FROM customer_updates WHERE customer_id = $1 ORDER BY date, created_at"#,
            line.customer
        )
        .fetch_all(&pool)
        .await
        .expect("updates");
        if line.sentiment != "neutral" {
            assert_eq!(
                updates.last().map(String::as_str),
                Some(line.sentiment.as_str()),
                "{}: history ends on the overall sentiment",
                line.name
            );
        }
        assert!(
            updates.windows(2).all(|w| w[0] != w[1]),
            "{}: an update without a change: {updates:?}",
            line.name
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn employees_numbers_that_depend_on_analysis_match_the_truth(pool: PgPool) {
    let truth = truth();
    let tenant = ingest_mailbox(&pool).await;
    let emails = report::emails(&pool, tenant.id).await.expect("emails");
    let files = by_file(&truth, &emails);
    let mut checked = 0;
    for (address, expected) in truth["employees_expected"].as_object().expect("employees") {
        let handled: Vec<(&String, &&EmailLine)> = files
            .iter()
            .filter(|(_, e)| e.direction == "inbound" && e.employee.as_deref() == Some(address))
            .collect();
        let action: Vec<_> = handled.iter().filter(|(_, e)| e.action_needed).collect();
        let in_time = action
            .iter()
            .filter(|(file, _)| {
                truth["emails"][file.as_str()]["reply_time_minutes"]
                    .as_i64()
                    .is_some_and(|m| m <= 1440)
            })
            .count();
        let pct = if action.is_empty() {
            0.0
        } else {
            100.0 * in_time as f64 / action.len() as f64
        };
        let want = expected["responsiveness_pct_24h_action_needed"]
            .as_f64()
            .expect("pct");
        assert!((pct - want).abs() < 0.1, "{address}: {pct} vs {want}");
        let mut unreplied: Vec<&str> = handled
            .iter()
            .filter(|(_, e)| e.action_needed && !e.replied)
            .map(|(f, _)| f.as_str())
            .collect();
        unreplied.sort();
        let mut want_unreplied: Vec<&str> = expected["unreplied_action_needed"]
            .as_array()
            .expect("unreplied")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        want_unreplied.sort();
        assert_eq!(
            unreplied, want_unreplied,
            "{address}: unreplied action-needed emails"
        );
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[sqlx::test(migrations = "../migrations")]
async fn open_and_overdue_tasks_match_the_truth_as_of_its_last_day(pool: PgPool) {
    let truth = truth();
    let tenant = ingest_mailbox(&pool).await;
    let health = report::health(&pool, tenant.id).await.expect("health");
    let tasks = report::tasks(&pool, tenant.id, today())
        .await
        .expect("tasks");
    let expected = &truth["tasks_expected"];
    let open: Vec<_> = tasks.iter().filter(|t| t.status != "completed").collect();
    let want_open = expected["open"].as_array().expect("open");
    let describe = |t: &report::TaskLine| {
        format!("{} {:?} {:?} {}", t.customer, t.owner, t.due, t.description)
    };
    for want in want_open {
        let key = want["key"].as_str().expect("key");
        let name = want["customer"].as_str().expect("customer");
        let customer = &customer(&truth, name, &health).name;
        let due: NaiveDate = want["due"].as_str().expect("due").parse().expect("date");
        let found = open.iter().find(|t| {
            &t.customer == customer
                && t.owner.as_deref() == want["owner"].as_str()
                && t.due == Some(due)
        });
        let found = found.unwrap_or_else(|| {
            panic!(
                "{key}: no open task of {customer} for {} due {due}; open: {:#?}",
                want["owner"],
                open.iter().map(|t| describe(t)).collect::<Vec<_>>()
            )
        });
        assert_eq!(
            Some(found.overdue),
            want["overdue"].as_bool(),
            "{key}: overdue"
        );
        assert_eq!(
            Some(found.days_overdue),
            want["days_overdue"].as_i64(),
            "{key}: days overdue"
        );
        assert!(
            matches!(found.kind.as_deref(), Some("commitment" | "request")),
            "{key}: a task knows whether it was promised or asked for"
        );
    }
    assert_eq!(
        open.len(),
        want_open.len(),
        "no other open tasks: {:#?}",
        open.iter().map(|t| describe(t)).collect::<Vec<_>>()
    );
    let overdue = open.iter().filter(|t| t.overdue).count();
    assert_eq!(
        overdue,
        expected["overdue"].as_array().expect("overdue").len()
    );
    let completed = tasks.iter().filter(|t| t.status == "completed").count();
    assert_eq!(
        completed,
        expected["completed"].as_array().expect("completed").len(),
        "completed tasks: {:#?}",
        tasks.iter().map(describe).collect::<Vec<_>>()
    );

    // The employees' counters follow the tasks, as of the same day.
    let employees = report::employees(&pool, tenant.id)
        .await
        .expect("employees");
    for e in &employees {
        let mine: Vec<_> = tasks
            .iter()
            .filter(|t| t.owner.as_deref() == Some(&e.email))
            .collect();
        assert_eq!(e.total_tasks as usize, mine.len(), "{}: total", e.email);
        assert_eq!(
            e.overdue_tasks as usize,
            mine.iter().filter(|t| t.overdue).count(),
            "{}: overdue",
            e.email
        );
        assert_eq!(
            e.pending_tasks as usize,
            mine.iter().filter(|t| t.status != "completed").count(),
            "{}: pending",
            e.email
        );
    }
    assert_eq!(
        employees.iter().map(|e| e.overdue_tasks).sum::<i32>(),
        3,
        "three tasks are overdue on the last day"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn reanalysis_changes_nothing_and_a_task_done_by_hand_stays_done(pool: PgPool) {
    let tenant = ingest_mailbox(&pool).await;
    let before_health = report::health(&pool, tenant.id).await.expect("health");
    let before_tasks = report::tasks(&pool, tenant.id, today())
        .await
        .expect("tasks");
    let first_open = before_tasks
        .iter()
        .find(|t| t.status != "completed")
        .expect("an open task");

    let id =
        analysis::store::complete_task(&pool, tenant.id, &first_open.id.to_string()[..8], as_of())
            .await
            .expect("completed by hand");
    assert_eq!(id, first_open.id);

    let done = analysis::store::reanalyze(&pool, &Analyzer::default(), Some(tenant.id), as_of())
        .await
        .expect("reanalysed");
    assert_eq!(done.emails, 59);
    assert_eq!(done.changed, 0, "the same analyzer gives the same answers");
    assert_eq!(
        report::health(&pool, tenant.id).await.expect("health"),
        before_health
    );
    let after = report::tasks(&pool, tenant.id, today())
        .await
        .expect("tasks");
    assert_eq!(after.len(), before_tasks.len());
    let kept = after
        .iter()
        .find(|t| t.id == first_open.id)
        .expect("same task");
    assert_eq!(
        kept.status, "completed",
        "completion by hand survives re-derivation"
    );
    let overdue: i32 = report::employees(&pool, tenant.id)
        .await
        .expect("employees")
        .iter()
        .map(|e| e.overdue_tasks)
        .sum();
    assert_eq!(
        overdue as usize,
        after.iter().filter(|t| t.overdue).count(),
        "counters follow the completion"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_task_belongs_to_the_customers_project_it_names(pool: PgPool) {
    let tenant = setup_tenant(&pool).await;
    let inbound: Vec<_> = messages().into_iter().map(|(_, m)| m).collect();
    // The first half of the mailbox creates the customers; then the agency records a project.
    ingest::ingest_all(&pool, &inbound[..10], as_of(), &Settings::default())
        .await
        .expect("first half");
    let meridian = sqlx::query_scalar!(
        "SELECT id FROM customers WHERE user_id = $1 AND primary_domain = 'meridiandental.com'",
        tenant.id
    )
    .fetch_one(&pool)
    .await
    .expect("Meridian");
    let project = sqlx::query_scalar!(
        "INSERT INTO projects (customer_id, name) VALUES ($1, 'SEO') RETURNING id",
        meridian
    )
    .fetch_one(&pool)
    .await
    .expect("project");
    ingest::ingest_all(&pool, &inbound[10..], as_of(), &Settings::default())
        .await
        .expect("second half");
    let linked = sqlx::query!(
        r#"SELECT t.description, t.project_id, l.subject
           FROM tasks t JOIN email_logs l ON l.id = t.source_email_id
           WHERE t.customer_id = $1"#,
        meridian
    )
    .fetch_all(&pool)
    .await
    .expect("tasks");
    assert!(!linked.is_empty(), "Meridian has tasks");
    for task in &linked {
        let names_it = task.description.to_lowercase().contains("seo")
            || task.subject.as_deref().is_some_and(|s| s.contains("SEO"));
        assert_eq!(
            task.project_id == Some(project),
            names_it,
            "{}: project {:?}",
            task.description,
            task.project_id
        );
    }
    assert!(linked.iter().any(|t| t.project_id == Some(project)));
}

#[sqlx::test(migrations = "../migrations")]
async fn reanalysis_rewrites_an_analysis_that_went_stale(pool: PgPool) {
    let tenant = ingest_mailbox(&pool).await;
    let stale = sqlx::query_scalar!(
        r#"UPDATE email_logs SET sentiment = 'happy', summary = 'stale', action_needed = false
           WHERE id = (SELECT id FROM email_logs WHERE user_id = $1 AND sentiment = 'unhappy'
                       ORDER BY timestamp LIMIT 1)
           RETURNING id"#,
        tenant.id
    )
    .fetch_one(&pool)
    .await
    .expect("an unhappy email");
    sqlx::query!(
        "UPDATE email_insights SET sentiment = 'happy', summary = 'stale', is_flagged = true WHERE email_id = $1",
        stale
    )
    .execute(&pool)
    .await
    .expect("insight");

    let done = analysis::store::reanalyze(&pool, &Analyzer::default(), Some(tenant.id), as_of())
        .await
        .expect("reanalysed");
    assert_eq!(done.changed, 1, "exactly the stale email is changed");
    let row = sqlx::query!(
        r#"SELECT l.sentiment, l.summary, l.action_needed, i.sentiment AS "insight!", i.is_flagged
           FROM email_logs l JOIN email_insights i ON i.email_id = l.id WHERE l.id = $1"#,
        stale
    )
    .fetch_one(&pool)
    .await
    .expect("row");
    assert_eq!(row.sentiment.as_deref(), Some("unhappy"));
    assert_eq!(row.insight, "unhappy");
    assert_ne!(row.summary.as_deref(), Some("stale"));
    assert_eq!(row.action_needed, Some(true));
}
