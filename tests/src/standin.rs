//! A local stand-in for an OpenAI-compatible chat-completions API: it answers from a script
//! (status, body, delay per call; the last entry repeats), or by what each request asks, and
//! records every request it gets.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    /// A 200 whose message content is `content`.
    pub fn content(content: &str) -> Reply {
        Reply {
            status: 200,
            body: serde_json::json!({
                "id": "chatcmpl-standin",
                "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}]
            })
            .to_string(),
            delay: Duration::ZERO,
        }
    }

    /// A 200 carrying this analysis as its JSON content.
    pub fn analysis(analysis: &serde_json::Value) -> Reply {
        Reply::content(&analysis.to_string())
    }

    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            body: serde_json::json!({"error": {"message": "stand-in error"}}).to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn slow(self, delay: Duration) -> Reply {
        Reply { delay, ..self }
    }
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub authorization: Option<String>,
    pub body: serde_json::Value,
}

/// How the stand-in picks its answer to the request it was sent.
type Responder = dyn Fn(&serde_json::Value) -> Reply + Send + Sync;

#[derive(Clone)]
struct Shared {
    script: Arc<Vec<Reply>>,
    responder: Option<Arc<Responder>>,
    calls: Arc<Mutex<Vec<Recorded>>>,
}

/// A running stand-in.
pub struct StandIn {
    pub base_url: String,
    calls: Arc<Mutex<Vec<Recorded>>>,
}

impl StandIn {
    /// Serves the script on a free local port.
    pub async fn start(script: Vec<Reply>) -> StandIn {
        StandIn::serve(script, None).await
    }

    /// Serves answers chosen by `respond` from each request's JSON body.
    pub async fn answering(
        respond: impl Fn(&serde_json::Value) -> Reply + Send + Sync + 'static,
    ) -> StandIn {
        StandIn::serve(Vec::new(), Some(Arc::new(respond))).await
    }

    async fn serve(script: Vec<Reply>, responder: Option<Arc<Responder>>) -> StandIn {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            script: Arc::new(script),
            responder,
            calls: calls.clone(),
        };
        let app = Router::new()
            .route("/v1/chat/completions", post(answer))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a local port");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StandIn {
            base_url: format!("http://{address}/v1"),
            calls,
        }
    }

    /// What it was sent, in order.
    pub fn calls(&self) -> Vec<Recorded> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

async fn answer(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let request: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let index = {
        let mut calls = match shared.calls.lock() {
            Ok(calls) => calls,
            Err(poisoned) => poisoned.into_inner(),
        };
        calls.push(Recorded {
            authorization: headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: request.clone(),
        });
        calls.len() - 1
    };
    let reply = match &shared.responder {
        Some(respond) => respond(&request),
        None => shared
            .script
            .get(index)
            .or(shared.script.last())
            .cloned()
            .unwrap_or_else(|| Reply::status(500)),
    };
    tokio::time::sleep(reply.delay).await;
    (
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        reply.body,
    )
}
