//! Finding messages on disk: `.eml` files, folders of them, and mbox archives.

use std::path::{Path, PathBuf};

/// One message read from disk, named by where it came from (`file`, or `mbox#N`).
pub struct MessageFile {
    pub name: String,
    pub raw: Vec<u8>,
}

/// Expands paths into messages: a folder gives its `.eml` files (recursively, sorted); a file
/// that starts with an mbox `From ` line gives each message in it; any other file is one
/// message.
///
/// # Errors
/// A path that cannot be read.
pub fn messages(paths: &[PathBuf]) -> anyhow::Result<Vec<MessageFile>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut files = Vec::new();
            collect_eml(path, &mut files)?;
            for file in files {
                read_file(&file, &mut out)?;
            }
        } else {
            read_file(path, &mut out)?;
        }
    }
    Ok(out)
}

fn collect_eml(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read folder {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_eml(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("eml"))
        {
            out.push(path);
        }
    }
    Ok(())
}

fn read_file(path: &Path, out: &mut Vec<MessageFile>) -> anyhow::Result<()> {
    let raw =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let name = path.display().to_string();
    if raw.starts_with(b"From ") {
        for (i, message) in split_mbox(&raw).into_iter().enumerate() {
            out.push(MessageFile {
                name: format!("{name}#{}", i + 1),
                raw: message,
            });
        }
    } else {
        out.push(MessageFile { name, raw });
    }
    Ok(())
}

/// Splits an mbox archive at its `From ` separator lines, undoing `>From ` quoting.
pub fn split_mbox(raw: &[u8]) -> Vec<Vec<u8>> {
    let mut messages: Vec<Vec<u8>> = Vec::new();
    for line in raw.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"From ") {
            messages.push(Vec::new());
            continue;
        }
        if let Some(current) = messages.last_mut() {
            let unquoted = if line.starts_with(b">From ") {
                &line[1..]
            } else {
                line
            };
            current.extend_from_slice(unquoted);
        }
    }
    messages.retain(|m| !m.iter().all(u8::is_ascii_whitespace));
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_mbox_archive_splits_into_its_messages() {
        let raw = b"From a@x Mon Jan 1 00:00:00 2024\nSubject: one\n\n>From here\nFrom b@x Mon Jan 1 00:00:00 2024\nSubject: two\n\nbody\n";
        let messages = split_mbox(raw);
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0], b"Subject: one\n\nFrom here\n");
        assert_eq!(messages[1], b"Subject: two\n\nbody\n");
    }
}
