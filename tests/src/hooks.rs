//! Chat webhook stand-ins (Slack, Discord): a local server that records every post, JSON or
//! multipart (Discord's `payload_json` with files), and can refuse a channel's first post.

/// A webhook post as received: its JSON (Discord's `payload_json` when multipart) and the
/// files that came with it.
#[derive(Debug, Clone)]
pub struct Post {
    pub channel: String,
    pub json: serde_json::Value,
    pub files: Vec<(String, Vec<u8>)>,
}

pub type Posts = std::sync::Arc<std::sync::Mutex<Vec<Post>>>;

/// Starts the stand-ins: `{base}/{channel}` records every post; the channels named in
/// `fail_first` refuse their first post (500).
pub async fn start(fail_first: &[&str]) -> (String, Posts) {
    use axum::extract::{FromRequest, Path, Request, State};
    use axum::http::StatusCode;
    type Shared = (Posts, std::sync::Arc<Vec<String>>);
    async fn post(
        State((posts, fail_first)): State<Shared>,
        Path(channel): Path<String>,
        request: Request,
    ) -> StatusCode {
        let multipart = request
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let (mut json, mut files) = (serde_json::Value::Null, Vec::new());
        if multipart {
            let Ok(mut form) = axum::extract::Multipart::from_request(request, &()).await else {
                return StatusCode::BAD_REQUEST;
            };
            while let Ok(Some(field)) = form.next_field().await {
                let name = field.name().unwrap_or_default().to_owned();
                let file = field.file_name().map(str::to_owned);
                let bytes = field.bytes().await.unwrap_or_default().to_vec();
                match file {
                    Some(file) => files.push((file, bytes)),
                    None if name == "payload_json" => {
                        json = serde_json::from_slice(&bytes).unwrap_or_default();
                    }
                    None => {}
                }
            }
        } else {
            let body = axum::body::to_bytes(request.into_body(), 1 << 20)
                .await
                .unwrap_or_default();
            json = serde_json::from_slice(&body).unwrap_or_default();
        }
        let mut posts = posts.lock().expect("posts");
        let earlier = posts.iter().filter(|p| p.channel == channel).count();
        posts.push(Post {
            channel: channel.clone(),
            json,
            files,
        });
        if fail_first.contains(&channel) && earlier == 0 {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::OK
        }
    }
    let fail_first: Vec<String> = fail_first.iter().map(|c| (*c).to_owned()).collect();
    let posts: Posts = Default::default();
    let app = axum::Router::new()
        .route("/hooks/{channel}", axum::routing::post(post))
        .with_state((posts.clone(), std::sync::Arc::new(fail_first)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}/hooks"), posts)
}
