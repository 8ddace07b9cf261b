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

    /// An S3 client for this server (dummy credentials, path-style addressing).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version_latest()
            .endpoint_url(&self.url)
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "test", "test", None, None, "moto",
            ))
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// An SES v2 client for this server.
    pub fn ses(&self) -> aws_sdk_sesv2::Client {
        let config = aws_sdk_sesv2::Config::builder()
            .behavior_version_latest()
            .endpoint_url(&self.url)
            .region(aws_sdk_sesv2::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sesv2::config::Credentials::new(
                "test", "test", None, None, "moto",
            ))
            .build();
        aws_sdk_sesv2::Client::from_conf(config)
    }

    /// An SQS client for this server.
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        let config = aws_sdk_sqs::Config::builder()
            .behavior_version_latest()
            .endpoint_url(&self.url)
            .region(aws_sdk_sqs::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sqs::config::Credentials::new(
                "test", "test", None, None, "moto",
            ))
            .build();
        aws_sdk_sqs::Client::from_conf(config)
    }

    /// The raw messages SES has sent (moto keeps them under `ses`, also for SES v2).
    pub async fn sent_raw_emails(&self) -> Vec<String> {
        let data: serde_json::Value = reqwest::get(format!("{}/moto-api/data.json", self.url))
            .await
            .expect("moto answers")
            .json()
            .await
            .expect("moto's data is JSON");
        let mut raw = Vec::new();
        collect_raw(&data["ses"], &mut raw);
        raw
    }
}

/// Every `raw_data` / `RawMessage` string under a value, wherever moto nests it.
fn collect_raw(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                match inner {
                    serde_json::Value::String(text) if key == "raw_data" || key == "RawMessage" => {
                        out.push(text.clone());
                    }
                    _ => collect_raw(inner, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_raw(i, out)),
        _ => {}
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
