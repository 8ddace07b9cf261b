//! Answers phrased by a model (the OpenAI-compatible stand-in records what it is sent): a
//! phrasing that keeps to the answer's items is used; one that names something the items do
//! not hold is discarded for the plain answer; a slow or failing model never delays an answer
//! past two seconds.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use trellin::analysis::LlmSettings;
use trellin::insights::phrasing::Phraser;
use trellin::insights::{self, Answer, Scope};
use trellin_tests::mailbox::ingest;
use trellin_tests::standin::{Reply, StandIn};

fn as_of() -> DateTime<Utc> {
    "2026-11-20T20:00:00Z".parse().expect("time")
}

async fn plain(pool: &PgPool, question: &str) -> Answer {
    let tenant: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE slug = 'brightpath'")
        .fetch_one(pool)
        .await
        .expect("tenant");
    let scope = Scope::load(pool, tenant, 24 * 60, as_of())
        .await
        .expect("scope");
    insights::ask(pool, &scope, question).await.expect("answer")
}

fn phraser(standin: &StandIn) -> Phraser {
    Phraser::new(LlmSettings::new(standin.base_url.clone(), "stand-in-model"))
}

#[sqlx::test(migrations = "../migrations")]
async fn a_phrasing_true_to_the_items_is_used(pool: PgPool) {
    ingest(&pool, as_of()).await;
    let answer = plain(&pool, "what is overdue?").await;
    let phrased = format!("Heads up — {}", answer.text.replace('\n', " "));
    let standin = StandIn::start(vec![Reply::content(&phrased)]).await;
    let result = phraser(&standin).phrase(answer.clone()).await;
    assert_eq!(result.text, phrased);
    assert_eq!(
        result.items, answer.items,
        "the items are never the model's"
    );
    let calls = standin.calls();
    assert_eq!(calls.len(), 1);
    let sent = calls[0].body["messages"][1]["content"]
        .as_str()
        .expect("user message");
    let sent: serde_json::Value = serde_json::from_str(sent).expect("JSON document");
    assert_eq!(
        sent["items"],
        serde_json::Value::Array(answer.items.clone())
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_phrasing_that_invents_a_name_or_a_number_is_discarded(pool: PgPool) {
    ingest(&pool, as_of()).await;
    let answer = plain(&pool, "what is overdue?").await;
    for invented in [
        format!(
            "{} Also, Globex Corporation is about to leave.",
            answer.text
        ),
        answer.text.replace("2 days", "5 days"),
    ] {
        assert_ne!(invented, answer.text);
        let standin = StandIn::start(vec![Reply::content(&invented)]).await;
        let result = phraser(&standin).phrase(answer.clone()).await;
        assert_eq!(result.text, answer.text, "discarded: {invented}");
        assert_eq!(standin.calls().len(), 1, "the model was asked");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_slow_or_failing_model_never_delays_an_answer_past_two_seconds(pool: PgPool) {
    ingest(&pool, as_of()).await;
    let answer = plain(&pool, "which customers are unhappy?").await;
    for reply in [
        Reply::content("Everyone is fine.").slow(Duration::from_secs(6)),
        Reply::status(500),
    ] {
        let standin = StandIn::start(vec![reply]).await;
        let started = Instant::now();
        let result = phraser(&standin).phrase(answer.clone()).await;
        assert!(
            started.elapsed() < Duration::from_millis(2500),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(result.text, answer.text);
    }
}
