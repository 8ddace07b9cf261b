//! A local S3, SES v2 and SQS stand-in: `moto_server` (PyPI `moto[server]`) on a free loopback port,
//! stopped when dropped.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    pub url: String,
}

fn moto_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("TRELLIN_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    crate::tool_dir("moto_server").map_or_else(
        || PathBuf::from("moto_server"),
        |dir| dir.join("moto_server"),
    )
}

impl Moto {
    /// Starts moto and waits until it answers.
    pub fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(moto_binary())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server runs (pip install 'moto[server]'; .ci/run installs it)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// The SDK configuration of this server: its endpoint, dummy credentials, one region.
    pub fn sdk(&self) -> aws_config::SdkConfig {
        stand_in(&self.url)
    }

    /// What a child process (`cargo lambda watch`) needs in its environment to reach this server.
    pub fn env(&self) -> Vec<String> {
        vec![
            format!("AWS_ENDPOINT_URL={}", self.url),
            "AWS_ACCESS_KEY_ID=test".into(),
            "AWS_SECRET_ACCESS_KEY=test".into(),
            "AWS_REGION=us-east-1".into(),
            "AWS_EC2_METADATA_DISABLED=true".into(),
        ]
    }

    /// An S3 client for this server (path-style addressing).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.sdk())
                .force_path_style(true)
                .build(),
        )
    }

    /// An SES v2 client for this server.
    pub fn ses(&self) -> aws_sdk_sesv2::Client {
        aws_sdk_sesv2::Client::new(&self.sdk())
    }

    /// An SQS client for this server.
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.sdk())
    }

    /// A new SQS queue's URL.
    pub async fn queue(&self, name: &str) -> String {
        self.sqs()
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .expect("queue")
            .queue_url
            .expect("queue URL")
    }

    /// What the queue holds now, as the event Lambda would hand its consumer.
    pub async fn received(&self, queue: &str) -> aws_lambda_events::event::sqs::SqsEvent {
        let mut event = aws_lambda_events::event::sqs::SqsEvent::default();
        for _ in 0..5 {
            let batch = self
                .sqs()
                .receive_message()
                .queue_url(queue)
                .max_number_of_messages(10)
                .send()
                .await
                .expect("received");
            for m in batch.messages.unwrap_or_default() {
                let mut message = aws_lambda_events::event::sqs::SqsMessage::default();
                message.message_id = m.message_id;
                message.body = m.body;
                message.receipt_handle = m.receipt_handle;
                event.records.push(message);
            }
        }
        event
    }

    /// What SES has sent, as (message id, raw message): moto keeps raw sends under
    /// `ses.RawMessage`, also for SES v2.
    pub async fn sent_raw_emails(&self) -> Vec<(String, String)> {
        let data: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", self.url))
            .await
            .expect("moto answers")
            .json()
            .await
            .expect("moto's data is JSON");
        data["ses"]["RawMessage"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                let text = |key: &str| m[key].as_str().unwrap_or_default().to_owned();
                (text("id"), text("raw_data"))
            })
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The SDK configuration of any local AWS stand-in at `url`: dummy credentials, one region.
pub fn stand_in(url: &str) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .endpoint_url(url)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(
            aws_sdk_s3::config::Credentials::new("test", "test", None, None, "stand-in"),
        ))
        .build()
}
