//! The Lambda runtime API as `cargo lambda watch` emulates it: the workspace's function
//! binaries started on demand, invoked with `cargo lambda invoke`.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A running `cargo lambda watch`; its process group is stopped when dropped.
pub struct Watch {
    child: std::process::Child,
    port: String,
    path: std::ffi::OsString,
    workspace: PathBuf,
}

impl Watch {
    /// Starts `cargo lambda watch` on a free port with these environment variables for the
    /// functions, and waits until it listens.
    pub fn start(env_vars: &[String]) -> Watch {
        let bin = crate::tool_dir("cargo-lambda")
            .expect("cargo-lambda is installed (pip install cargo-lambda; .ci/run installs it)");
        let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )))
        .expect("PATH");
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port()
            .to_string();
        let child = Command::new("cargo")
            .args([
                "lambda",
                "watch",
                "-A",
                "127.0.0.1",
                "-P",
                &port,
                "--env-var",
                &env_vars.join(","),
            ])
            .env("PATH", &path)
            .current_dir(&workspace)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("cargo lambda watch starts");
        let watch = Watch {
            child,
            port,
            path,
            workspace,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", watch.port.parse::<u16>().expect("port")))
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "cargo lambda watch did not listen"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        watch
    }

    /// Invokes a function with an event; returns what it answered.
    pub async fn invoke(&self, function: &str, event: &serde_json::Value) -> serde_json::Value {
        let event_file =
            std::env::temp_dir().join(format!("trellin-event-{}.json", uuid::Uuid::new_v4()));
        std::fs::write(&event_file, event.to_string()).expect("event file");
        let invoke = tokio::process::Command::new("cargo")
            .args([
                "lambda",
                "invoke",
                "-A",
                "127.0.0.1",
                "-P",
                &self.port,
                function,
                "--data-file",
            ])
            .arg(&event_file)
            .env("PATH", &self.path)
            .current_dir(&self.workspace)
            .output()
            .await
            .expect("cargo lambda invoke runs");
        std::fs::remove_file(&event_file).ok();
        let stdout = String::from_utf8_lossy(&invoke.stdout);
        assert!(
            invoke.status.success(),
            "invoke failed: {stdout}\n{}",
            String::from_utf8_lossy(&invoke.stderr)
        );
        serde_json::from_str(stdout.trim()).expect("the function's JSON answer")
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}
