//! The digest of the sample mailbox's last day names what `truth.json` says needs the owner:
//! the flagged customers, the waiting items, the overdue tasks and the slowest responder; it is
//! stored once per date, and its HTML says what its text says.

use sqlx::PgPool;
use trellin::config::Config;
use trellin_tests::mailbox::{ingest, truth};
use trellin_tests::{hooks, offline_config, trellin};

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
    // "Alder & Finch Architects" turned happy the day before: the text says it, the HTML
    // escapes it.
    assert!(text.contains("Alder & Finch"), "{text}");
    assert!(
        html.contains("Alder &amp; Finch") && !html.contains("Alder & Finch"),
        "{html}"
    );

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

#[sqlx::test(migrations = "../migrations")]
async fn each_tenant_gets_its_digest_once_at_its_own_eight_oclock_for_its_own_date(pool: PgPool) {
    let mut zones = Vec::new();
    for (slug, zone) in [
        ("west", "America/Los_Angeles"),
        ("greenwich", "UTC"),
        ("east", "Asia/Tokyo"),
    ] {
        let tenant = trellin_tests::tenant_in(&pool, slug, zone).await;
        zones.push((tenant, zone.parse::<chrono_tz::Tz>().expect("zone")));
    }
    // Hourly ticks over two days, each hour ticking twice (a retried schedule).
    let start: chrono::DateTime<chrono::Utc> = "2026-12-07T00:00:00Z".parse().expect("time");
    let mut seen = Vec::new();
    for hour in 0..48 {
        let tick = start + chrono::Duration::hours(hour);
        for _ in 0..2 {
            let outbox = trellin::digest::Outbox::default();
            let done = trellin::digest::run_once(&pool, tick, 24 * 60, &outbox)
                .await
                .expect("tick");
            for composed in done.composed {
                seen.push((composed.tenant, composed.date, tick));
            }
        }
    }
    for (tenant, zone) in &zones {
        let mine: Vec<_> = seen.iter().filter(|(t, _, _)| t == tenant).collect();
        assert!(mine.len() >= 2, "{zone}: two days, a digest each: {mine:?}");
        let mut dates: Vec<_> = mine.iter().map(|(_, d, _)| *d).collect();
        dates.dedup();
        assert_eq!(
            dates.len(),
            mine.len(),
            "{zone}: one digest per date, never two"
        );
        for (_, date, tick) in mine {
            let local = tick.with_timezone(zone);
            assert_eq!(local.date_naive(), *date, "{zone}: its own date");
            // The first tick of the run may find the day already past eight; every other
            // digest goes out at eight sharp.
            if *tick != start {
                assert_eq!(local.format("%H:%M").to_string(), "08:00", "{zone}: {tick}");
            }
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn digest_settings_are_kept_and_webhooks_never_printed_in_full(pool: PgPool) {
    trellin_tests::mailbox::setup_tenant(&pool).await;
    let config = Config {
        database_url: Some(trellin_tests::database_url(&pool)),
        ..offline_config()
    };
    let secret = "https://hooks.slack.com/services/T0001/B0002/supersecrettoken";
    let (result, out) = trellin(
        &[
            "digest",
            "settings",
            "--tenant",
            "brightpath",
            "--hour",
            "7",
            "--timezone",
            "Europe/Berlin",
            "--email",
            "maya@brightpath.io",
            "--slack-webhook",
            secret,
        ],
        &config,
        "",
    )
    .await;
    result.expect("settings");
    assert!(out.contains("daily from 07:00 Europe/Berlin"), "{out}");
    assert!(out.contains("maya@brightpath.io"), "{out}");
    assert!(out.contains("https://hooks.slack.com/…oken"), "{out}");
    assert!(
        !out.contains("supersecret"),
        "the webhook is a secret: {out}"
    );
    let (bad, _) = trellin(
        &[
            "digest",
            "settings",
            "--tenant",
            "brightpath",
            "--hour",
            "24",
        ],
        &config,
        "",
    )
    .await;
    assert!(bad.is_err(), "hour 24 is refused");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_digest_reaches_each_channel_once_and_a_failed_channel_is_retried_alone(pool: PgPool) {
    let tenant = ingest(&pool, "2026-11-20T20:00:00Z".parse().expect("time")).await;
    let (base, posts) = hooks::start(&["discord"]).await;
    trellin::digest::configure(
        &pool,
        tenant.id,
        trellin::digest::SettingsChange {
            slack_webhook: Some(format!("{base}/slack")),
            discord_webhook: Some(format!("{base}/discord")),
            ..Default::default()
        },
    )
    .await
    .expect("settings");
    let hooks = trellin::digest::Outbox::default();
    // 08:00 and 08:30 in Los Angeles on the 21st, then 09:00.
    let ticks: Vec<trellin::digest::Tick> = {
        let mut done = Vec::new();
        for at in [
            "2026-11-21T16:00:00Z",
            "2026-11-21T16:30:00Z",
            "2026-11-21T17:00:00Z",
        ] {
            let now = at.parse().expect("time");
            done.push(
                trellin::digest::run_once(&pool, now, 24 * 60, &hooks)
                    .await
                    .expect("tick"),
            );
        }
        done
    };
    assert_eq!(ticks[0].composed.len(), 1);
    assert_eq!(
        ticks[0].sent.iter().map(|s| s.2).collect::<Vec<_>>(),
        ["slack"]
    );
    assert_eq!(
        ticks[0].failed.iter().map(|f| f.2).collect::<Vec<_>>(),
        ["discord"]
    );
    assert!(ticks[1].composed.is_empty(), "composed once");
    assert_eq!(
        ticks[1].sent.iter().map(|s| s.2).collect::<Vec<_>>(),
        ["discord"],
        "only the failed channel again"
    );
    assert!(
        ticks[2].sent.is_empty() && ticks[2].failed.is_empty(),
        "nothing twice"
    );

    let posts = posts.lock().expect("posts").clone();
    let slack: Vec<_> = posts.iter().filter(|p| p.channel == "slack").collect();
    let discord: Vec<_> = posts.iter().filter(|p| p.channel == "discord").collect();
    assert_eq!((slack.len(), discord.len()), (1, 2));
    let slack = &slack[0].json;
    assert_eq!(slack["blocks"][0]["type"], "header");
    assert!(
        slack["text"]
            .as_str()
            .unwrap_or("")
            .starts_with("Trellin · Brightpath Digital · Saturday 21 Nov")
    );
    assert!(slack.to_string().contains("Needs you today"), "{slack}");
    let embed = &discord[1].json["embeds"][0];
    assert_eq!(embed["image"]["url"], "attachment://chart.png");
    assert_eq!(discord[1].files.len(), 1, "the chart, attached");
    assert_eq!(discord[1].files[0].0, "chart.png");
    assert!(discord[1].files[0].1.starts_with(b"\x89PNG"));
    assert!(
        embed["title"]
            .as_str()
            .unwrap_or("")
            .contains("Saturday 21 Nov")
    );
    assert!(embed["description"].as_str().unwrap_or("").chars().count() <= 4096);
    let sent: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM digest_deliveries WHERE user_id = $1 AND state = 'sent'",
    )
    .bind(tenant.id)
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(sent, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn trellin_digest_send_posts_once_and_out_writes_what_a_browser_shows(pool: PgPool) {
    let tenant = ingest(&pool, "2026-11-20T20:00:00Z".parse().expect("time")).await;
    let (base, posts) = hooks::start(&[]).await;
    trellin::digest::configure(
        &pool,
        tenant.id,
        trellin::digest::SettingsChange {
            slack_webhook: Some(format!("{base}/slack")),
            ..Default::default()
        },
    )
    .await
    .expect("settings");
    let config = Config {
        database_url: Some(trellin_tests::database_url(&pool)),
        ..offline_config()
    };
    let out = std::env::temp_dir().join(format!("trellin-digest-{}", uuid::Uuid::new_v4()));
    let out_arg = out.to_string_lossy().into_owned();
    let args = [
        "digest",
        "--tenant",
        "brightpath",
        "--now",
        "2026-11-21T16:00:00Z",
        "--send",
        "--out",
        out_arg.as_str(),
    ];
    for _ in 0..2 {
        let (result, text) = trellin(&args, &config, "").await;
        result.expect("digest --send");
        assert!(
            text.starts_with("Trellin · Brightpath Digital · Saturday 21 Nov"),
            "{text}"
        );
    }
    let slack = posts
        .lock()
        .expect("posts")
        .iter()
        .filter(|p| p.channel == "slack")
        .count();
    assert_eq!(slack, 1, "sent once, however often it is run");
    let html = std::fs::read_to_string(out.join("digest.html")).expect("digest.html");
    assert!(html.contains("src=\"chart.png\""), "{html}");
    assert!(
        std::fs::read(out.join("chart.png"))
            .expect("chart.png")
            .starts_with(b"\x89PNG")
    );
    let _ = std::fs::remove_dir_all(out);
}
