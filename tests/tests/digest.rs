//! The digest of the sample mailbox's last day names what `truth.json` says needs the owner:
//! the flagged customers, the waiting items, the overdue tasks and the slowest responder; it is
//! stored once per date, and its HTML says what its text says.

use sqlx::PgPool;
use trellin::config::Config;
use trellin_tests::mailbox::{ingest, truth};
use trellin_tests::{offline_config, trellin};

/// Our name for a truth customer (found by its domain or address).
async fn our_name(pool: &PgPool, truth_name: &str) -> String {
    let truth = truth();
    let customer = truth["customers"]
        .as_array()
        .expect("customers")
        .iter()
        .find(|c| c["name"] == truth_name)
        .expect("truth customer");
    let email = customer["emails"][0].as_str().expect("email");
    sqlx::query_scalar(
        "SELECT name FROM customers WHERE primary_domain = $1 OR known_emails::jsonb ? $2",
    )
    .bind(customer["primary_domain"].as_str())
    .bind(email)
    .fetch_one(pool)
    .await
    .expect("our customer")
}

#[sqlx::test(migrations = "../migrations")]
async fn the_last_days_digest_names_what_needs_the_owner(pool: PgPool) {
    let tenant = ingest(&pool, "2026-11-20T20:00:00Z".parse().expect("time")).await;
    let config = Config {
        database_url: Some(trellin_tests::database_url(&pool)),
        ..offline_config()
    };
    let args = [
        "digest",
        "--tenant",
        "brightpath",
        "--now",
        "2026-11-20T20:00:00Z",
        "--json",
    ];
    let (result, out) = trellin(&args, &config, "").await;
    result.expect("digest");
    let digest: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON");
    let text = digest["text"].as_str().expect("text");
    assert_eq!(digest["date"], "2026-11-20");
    assert!(
        text.starts_with("Trellin · Brightpath Digital · Friday 20 Nov"),
        "{text}"
    );

    let needs_you = text
        .split("Waiting on us")
        .next()
        .expect("the first section");
    let qa = truth()["qa_expected"].clone();
    for flagged in qa["which_customers_are_unhappy"]["at_risk_flagged"]
        .as_array()
        .expect("flagged")
    {
        let name = our_name(&pool, flagged.as_str().expect("name")).await;
        assert!(
            needs_you.contains(&format!("{name} is")),
            "{name} leads: {text}"
        );
    }
    let overdue = qa["what_is_overdue"].as_array().expect("overdue");
    assert!(
        needs_you.contains(&format!("{} overdue:", overdue.len())),
        "{text}"
    );
    for task in overdue {
        let name = our_name(&pool, task["customer"].as_str().expect("customer")).await;
        let owner = task["owner_name"].as_str().expect("owner");
        let first = owner.split_whitespace().next().expect("first name");
        assert!(
            needs_you.contains(&format!(
                "for {name} ({first}, {} day",
                task["days_overdue"]
            )),
            "{name}, {first}: {text}"
        );
    }
    let waiting: usize = qa["what_are_customers_waiting_on"]
        .as_object()
        .expect("waiting")
        .values()
        .map(|v| v.as_array().map_or(0, Vec::len))
        .sum();
    assert!(
        text.contains(&format!("Waiting on us ({waiting})")),
        "{text}"
    );
    assert!(
        text.contains(&format!("…and {} more", waiting - 5)),
        "{text}"
    );
    let replies = qa["which_emails_still_need_a_reply"]
        .as_array()
        .expect("replies");
    assert!(
        text.contains(&format!("Emails waiting for a reply ({})", replies.len())),
        "{text}"
    );
    let slowest = qa["who_is_slowest_to_reply"]["name"]
        .as_str()
        .expect("name");
    let first = slowest.split_whitespace().next().expect("first name");
    assert!(text.contains(&format!("Slowest: {first},")), "{text}");

    // The HTML holds the same lines, escaped.
    let html = digest["html"].as_str().expect("html");
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains(&format!("Slowest: {first},")));
    assert!(html.contains("Alder &amp; Finch") || !text.contains("Alder & Finch"));

    // Composing the same date again replaces the stored digest.
    let (again, _) = trellin(&args, &config, "").await;
    again.expect("digest again");
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM digests WHERE user_id = $1 AND date = '2026-11-20'",
    )
    .bind(tenant.id)
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(stored, 1);
}
