//! A small SMTP receiver for `trellin serve`: enough of RFC 5321 for mail clients, relays and
//! `swaks` to deliver to Trellin on one machine (EHLO/HELO, MAIL, RCPT, DATA with
//! dot-unstuffing, RSET, NOOP, QUIT). Every message is accepted and handed to ingestion with
//! its envelope recipients; the reply says what became of it. A database failure answers
//! `451` so that the sender retries. Production mail arrives through SES instead.
//!
//! Written here because the SMTP server crates are either synchronous (thread per
//! connection) or frameworks far larger than this receiver.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use trellin::ingest::{self, Inbound, Outcome, Source};

use crate::http::AppState;

/// The largest message accepted, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 25 * 1024 * 1024;

/// Accepts connections until the task is dropped.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(error) = session(stream, &state).await {
                tracing::warn!(%peer, %error, "SMTP session ended with an error");
            }
        });
    }
}

fn address_of(argument: &str) -> String {
    let argument = argument.trim();
    let inner = match (argument.find('<'), argument.find('>')) {
        (Some(open), Some(close)) if close > open => &argument[open + 1..close],
        _ => argument.split_whitespace().next().unwrap_or_default(),
    };
    inner.trim().to_lowercase()
}

async fn session(stream: TcpStream, state: &AppState) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 trellin ESMTP ready\r\n").await?;
    let mut recipients: Vec<String> = Vec::new();
    let mut has_sender = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let command = text.trim_end();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let argument = command.get(verb.len()..).unwrap_or_default().trim();
        let reply: String = match verb.as_str() {
            "EHLO" => format!(
                "250-trellin\r\n250-SIZE {MAX_MESSAGE_BYTES}\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            ),
            "HELO" => "250 trellin\r\n".into(),
            "MAIL" => {
                has_sender = true;
                recipients.clear();
                "250 OK\r\n".into()
            }
            "RCPT" if !has_sender => "503 MAIL first\r\n".into(),
            "RCPT" => {
                let to = address_of(
                    argument
                        .trim_start_matches(|c: char| c != ':')
                        .trim_start_matches(':'),
                );
                if to.contains('@') {
                    recipients.push(to);
                    "250 OK\r\n".into()
                } else {
                    "501 a recipient address is needed\r\n".into()
                }
            }
            "DATA" if recipients.is_empty() => "503 RCPT first\r\n".into(),
            "DATA" => {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let reply = match read_data(&mut reader).await? {
                    Some(raw) => deliver(state, raw, std::mem::take(&mut recipients)).await,
                    None => "552 message too large\r\n".into(),
                };
                has_sender = false;
                reply
            }
            "RSET" => {
                has_sender = false;
                recipients.clear();
                "250 OK\r\n".into()
            }
            "NOOP" => "250 OK\r\n".into(),
            "QUIT" => {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => "502 command not implemented\r\n".into(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

/// Reads the message up to the lone `.` line, undoing dot-stuffing; `None` when too large.
async fn read_data<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut message = Vec::new();
    let mut line = Vec::new();
    let mut too_large = false;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed during DATA",
            ));
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok((!too_large).then_some(message));
        }
        let content = if line.starts_with(b"..") {
            &line[1..]
        } else {
            &line[..]
        };
        if message.len() + content.len() > MAX_MESSAGE_BYTES {
            too_large = true;
        } else {
            message.extend_from_slice(content);
        }
    }
}

async fn deliver(state: &AppState, raw: Vec<u8>, recipients: Vec<String>) -> String {
    let message = Inbound::new(raw, Source::Smtp, recipients);
    match ingest::ingest(&state.pool, &message, state.now(), &state.settings).await {
        Ok(result) => match result.outcome {
            Outcome::Stored { email_id } => format!("250 stored as {email_id}\r\n"),
            Outcome::Duplicate { of } => format!("250 duplicate of {of}\r\n"),
            // Accepted and recorded: the reason is in `trellin inbound`, not a bounce.
            Outcome::Rejected(reason) => {
                format!("250 recorded as rejected ({})\r\n", reason.code())
            }
        },
        Err(failure) => {
            tracing::error!(error = ?anyhow::Error::from(failure), "SMTP message not ingested");
            "451 temporarily unable to store the message; try again later\r\n".into()
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn envelope_addresses_are_read_with_or_without_brackets() {
        assert_eq!(
            super::address_of("<Inbound+X@in.trellin.app> SIZE=100"),
            "inbound+x@in.trellin.app"
        );
        assert_eq!(super::address_of("a@b.c"), "a@b.c");
    }
}
