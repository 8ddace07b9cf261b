//! The digest delivered through the real clients to local stand-ins: SES v2 and S3 (presigned
//! chart URLs) on moto, Slack and Discord webhooks on a recording server, and the AWS fan-out
//! (the tick's SQS messages, the worker's partial batch failures) on moto's SQS.

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use mail_parser::{MessageParser, MimeHeaders};
use sqlx::PgPool;
use trellin::digest::{Due, Outbox, SettingsChange, configure};
use trellin_functions::aws::{S3Charts, SesMailer};
use trellin_functions::lambda::digest::DigestFunction;
use trellin_tests::mailbox::ingest;
use trellin_tests::moto::Moto;
use trellin_tests::{hooks, tenant_in};

const SENDER: &str = "digest@brightpath.test";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";

fn at(time: &str) -> chrono::DateTime<chrono::Utc> {
    time.parse().expect("time")
}

#[sqlx::test(migrations = "../migrations")]
async fn the_digest_is_emailed_through_ses_with_its_chart_and_posted_to_chat_once(pool: PgPool) {
    let moto = Moto::start();
    let ses = moto.ses();
    ses.create_email_identity()
        .email_identity(SENDER)
        .send()
        .await
        .expect("sender identity");
    let s3 = moto.s3();
    s3.create_bucket()
        .bucket("charts")
        .send()
        .await
        .expect("bucket");
    let tenant = ingest(&pool, at("2026-11-20T20:00:00Z")).await;
    let (base, posts) = hooks::start(&[]).await;
    configure(
        &pool,
        tenant.id,
        SettingsChange {
            emails: Some(vec![
                "owner@brightpath.test".into(),
                "ops@brightpath.test".into(),
            ]),
            slack_webhook: Some(format!("{base}/slack")),
            discord_webhook: Some(format!("{base}/discord")),
            ..Default::default()
        },
    )
    .await
    .expect("settings");
    let outbox = Outbox {
        mailer: Some(Box::new(SesMailer {
            client: ses,
            sender: SENDER.into(),
        })),
        charts: Some(Box::new(S3Charts {
            client: s3,
            bucket: "charts".into(),
        })),
        ..Default::default()
    };
    let due = Due {
        tenant: tenant.id,
        date: "2026-11-21".parse().expect("date"),
    };
    let now = at("2026-11-21T16:00:00Z");
    let first = trellin::digest::deliver(&pool, due, now, 24 * 60, &outbox)
        .await
        .expect("delivered");
    assert!(first.composed);
    assert_eq!(first.sent, ["email", "slack", "discord"], "{first:?}");
    let again = trellin::digest::deliver(&pool, due, now, 24 * 60, &outbox)
        .await
        .expect("delivered");
    assert!(
        !again.composed && again.sent.is_empty() && again.failed.is_empty(),
        "{again:?}"
    );

    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT chart FROM digests WHERE user_id = $1 AND date = $2")
            .bind(tenant.id)
            .bind(due.date)
            .fetch_one(&pool)
            .await
            .expect("the stored chart");
    assert!(stored.starts_with(PNG));

    // The email, read back from SES.
    let raw = moto.sent_raw_emails().await;
    assert_eq!(raw.len(), 1, "one email, however often it is delivered");
    let email = MessageParser::default()
        .parse(raw[0].1.as_bytes())
        .expect("a MIME message");
    assert!(
        email
            .subject()
            .is_some_and(|s| s.starts_with("Trellin · Brightpath Digital · Saturday 21 Nov"))
    );
    assert_eq!(email.to().map(|to| to.iter().count()), Some(2));
    let text = email.body_text(0).expect("a plain text part");
    for heading in [
        "Needs you today",
        "Waiting on us",
        "Team, last 7 days",
        "Totals",
    ] {
        assert!(text.contains(heading), "{heading} in {text}");
    }
    let html = email.body_html(0).expect("an HTML part");
    assert!(html.contains("cid:chart@trellin"), "{html}");
    let chart = email
        .attachments()
        .find(|part| part.content_id() == Some("chart@trellin"))
        .expect("the chart, inline");
    assert_eq!(
        chart.contents(),
        stored.as_slice(),
        "the chart is the PNG composed"
    );
    let provider: String = sqlx::query_scalar(
        "SELECT provider_id FROM digest_deliveries WHERE user_id = $1 AND channel = 'email'",
    )
    .bind(tenant.id)
    .fetch_one(&pool)
    .await
    .expect("the email's delivery");
    assert_eq!(provider, raw[0].0, "the delivery keeps SES's message id");

    // Slack: Block Kit with the chart as an image block behind a presigned S3 URL.
    let posts = posts.lock().expect("posts").clone();
    let slack: Vec<_> = posts.iter().filter(|p| p.channel == "slack").collect();
    assert_eq!(slack.len(), 1);
    let blocks = slack[0].json["blocks"].as_array().expect("blocks");
    let image = blocks.last().expect("a block");
    assert_eq!(image["type"], "image");
    let url = image["image_url"].as_str().expect("an image URL");
    assert!(
        url.starts_with(&moto.url) && url.contains("X-Amz-Signature"),
        "{url}"
    );
    let fetched = reqwest::get(url).await.expect("fetched");
    assert!(fetched.status().is_success());
    assert_eq!(
        fetched.bytes().await.expect("bytes").as_ref(),
        stored.as_slice()
    );

    // Discord: the embed shows the attached chart.
    let discord: Vec<_> = posts.iter().filter(|p| p.channel == "discord").collect();
    assert_eq!(discord.len(), 1);
    assert_eq!(
        discord[0].json["embeds"][0]["image"]["url"],
        "attachment://chart.png"
    );
    assert_eq!(discord[0].files.len(), 1);
    assert_eq!(discord[0].files[0].1, stored);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_tick_queues_each_due_tenant_and_the_worker_sends_once_whatever_sqs_repeats(
    pool: PgPool,
) {
    let moto = Moto::start();
    let sqs = moto.sqs();
    let queue = moto.queue("digests").await;
    let (base, posts) = hooks::start(&["discord"]).await;
    // Los Angeles (the sample mailbox) and London are due at 16:00 UTC; the UTC tenant wants
    // its digest at 20:00.
    let west = ingest(&pool, at("2026-11-20T20:00:00Z")).await.id;
    let london = tenant_in(&pool, "london", "Europe/London").await;
    let late = tenant_in(&pool, "late", "UTC").await;
    for (tenant, change) in [
        (
            west,
            SettingsChange {
                slack_webhook: Some(format!("{base}/slack")),
                ..Default::default()
            },
        ),
        (
            london,
            SettingsChange {
                discord_webhook: Some(format!("{base}/discord")),
                ..Default::default()
            },
        ),
        (
            late,
            SettingsChange {
                hour: Some(20),
                slack_webhook: Some(format!("{base}/slack")),
                ..Default::default()
            },
        ),
    ] {
        configure(&pool, tenant, change).await.expect("settings");
    }
    let function = DigestFunction {
        pool: pool.clone(),
        queue: Some((sqs.clone(), queue.clone())),
        outbox: Outbox::default(),
        responsive_minutes: 24 * 60,
    };
    let now = at("2026-11-21T16:00:00Z");
    let ticked = function.tick(now).await.expect("tick");
    assert_eq!((ticked.due, ticked.queued), (2, 2));
    let event = moto.received(&queue).await;
    let mut tenants: Vec<uuid::Uuid> = event
        .records
        .iter()
        .map(|m| {
            serde_json::from_str::<Due>(m.body.as_deref().unwrap_or_default())
                .expect("a tenant and date")
                .tenant
        })
        .collect();
    tenants.sort();
    let mut expected = vec![west, london];
    expected.sort();
    assert_eq!(tenants, expected, "one message per due tenant");

    // London's Discord refuses the first post: only its message comes back.
    let first = function.work(event.clone(), now).await;
    let london_message = event
        .records
        .iter()
        .find(|m| {
            m.body
                .as_deref()
                .unwrap_or_default()
                .contains(&london.to_string())
        })
        .and_then(|m| m.message_id.clone())
        .expect("London's message");
    let failed: Vec<&str> = first
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, [london_message.as_str()]);
    // SQS delivers the whole batch again (a duplicate, and the retry): nothing goes twice.
    let second = function.work(event, now).await;
    assert!(second.batch_item_failures.is_empty());
    let posts = posts.lock().expect("posts").clone();
    let count = |channel: &str| posts.iter().filter(|p| p.channel == channel).count();
    assert_eq!(count("slack"), 1, "Los Angeles once");
    assert_eq!(
        count("discord"),
        2,
        "London: the refused post and its retry"
    );
    // The same hour ticks again: nothing left to queue.
    let again = function.tick(now).await.expect("tick");
    assert_eq!((again.due, again.queued), (0, 0));
    let composed_late: i64 = sqlx::query_scalar("SELECT count(*) FROM digests WHERE user_id = $1")
        .bind(late)
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(
        composed_late, 0,
        "a tenant whose hour has not come gets nothing"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_message_that_is_not_a_tenant_is_a_batch_failure_and_the_rest_go_on(pool: PgPool) {
    let west = ingest(&pool, at("2026-11-20T20:00:00Z")).await.id;
    let function = DigestFunction {
        pool: pool.clone(),
        queue: None,
        outbox: Outbox::default(),
        responsive_minutes: 24 * 60,
    };
    let mut event = SqsEvent::default();
    for (id, body) in [
        ("m-1", "not json".to_owned()),
        (
            "m-2",
            serde_json::json!({"tenant": west, "date": "2026-11-21"}).to_string(),
        ),
    ] {
        let mut message = SqsMessage::default();
        message.message_id = Some(id.into());
        message.body = Some(body);
        event.records.push(message);
    }
    let response = function.work(event, at("2026-11-21T16:00:00Z")).await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["m-1"]);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM digests WHERE user_id = $1")
        .bind(west)
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(stored, 1, "the good message's digest was composed");
    assert!(
        function.tick(at("2026-11-21T16:00:00Z")).await.is_err(),
        "a tick without a queue says so"
    );
}
