//! Every message of the MIME corpus and of the sample mailbox goes through the parser and
//! either parses or gives a clear error — never a panic.

use std::path::{Path, PathBuf};

use trellin::mail::{Reading, parse};
use trellin_tests::{corpus, shared_dir};

fn eml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            eml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_and_mailbox_message_parses_or_fails_clearly() {
    let mut files = Vec::new();
    eml_files(&corpus("mime"), &mut files);
    let mime_count = files.len();
    eml_files(
        &shared_dir().join("sample-mailbox").join("emails"),
        &mut files,
    );
    let mut parsed = 0;
    let mut errors = Vec::new();
    let mut panics = Vec::new();
    for path in &files {
        let raw = std::fs::read(path).expect("readable file");
        let outcome = std::panic::catch_unwind(|| parse(&raw).map(|m| Reading::of_message(&m)));
        match outcome {
            Ok(Ok(_)) => parsed += 1,
            Ok(Err(e)) => {
                assert!(!e.to_string().is_empty());
                errors.push(format!("{}: {e}", path.display()));
            }
            Err(_) => panics.push(path.display().to_string()),
        }
    }
    println!(
        "MIME corpus: {mime_count} files; with the mailbox {} ran, {parsed} parsed, {} errors",
        files.len(),
        errors.len()
    );
    for e in &errors {
        println!("  {e}");
    }
    assert_eq!(mime_count, 113, "the MIME corpus has 113 messages");
    assert_eq!(files.len(), 113 + 61);
    assert!(panics.is_empty(), "panicked on: {panics:?}");
    let mailbox_errors: Vec<&String> = errors
        .iter()
        .filter(|e| e.contains("sample-mailbox"))
        .collect();
    assert!(
        mailbox_errors.is_empty(),
        "every mailbox message must parse: {mailbox_errors:?}"
    );
    assert!(
        parsed >= 150,
        "only {parsed} of {} messages parsed",
        files.len()
    );
}

#[test]
fn a_forward_attached_as_rfc822_gives_the_attached_original() {
    let raw = std::fs::read(corpus("mime").join("stalwart-mail-parser/resources/eml/rfc/002.eml"))
        .expect("fixture");
    let email = parse(&raw).expect("parses");
    let inner = email.attached.as_deref().expect("an attached message");
    let reading = Reading::of_message(&email);
    assert!(reading.forwarded);
    assert_eq!(reading.original.subject, inner.subject);
    assert_eq!(
        reading.original.from,
        inner.from.clone().unwrap_or_default()
    );
    assert_ne!(
        reading.original.subject, email.subject,
        "the original, not the wrapper"
    );
}

#[test]
fn non_utf8_charsets_and_encoded_words_are_decoded() {
    let raw = b"From: =?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>\r\nSubject: =?iso-8859-1?q?Caf=E9?=\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe =80 100\r\n";
    let email = parse(raw).expect("parses");
    assert_eq!(
        email.from.and_then(|m| m.name).as_deref(),
        Some("Keld Jørn Simonsen")
    );
    assert_eq!(email.subject.as_deref(), Some("Café"));
    assert_eq!(email.body.trim(), "Grüße € 100");
}
