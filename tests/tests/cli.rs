//! The `trellin` commands, run in-process through the same `run` the binary calls.

use serde_json::Value;
use sqlx::PgPool;
use trellin::config::Config;
use trellin_tests::{corpus, offline_config, shared_dir, trellin};

#[tokio::test]
async fn parse_text_reads_json_lines_and_answers_in_the_stable_shape() {
    let body = std::fs::read_to_string(
        corpus("email-forward-parser").join("test/fixtures/gmail_en_body.txt"),
    )
    .expect("fixture");
    let input = format!(
        "{}\n{}\nnot json\n",
        serde_json::json!({"id": "a", "body": body}),
        serde_json::json!({"id": 7, "body": "Just a note, nothing forwarded.", "subject": "Hello"})
    );
    let (result, out) = trellin(&["parse", "--text"], &offline_config(), &input).await;
    result.expect("parse --text succeeds");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 3);
    let first = &lines[0];
    assert_eq!(first["id"], "a");
    assert_eq!(first["forwarded"], true);
    assert_eq!(first["original"]["from"]["address"], "john.doe@acme.com");
    assert_eq!(first["original"]["from"]["name"], "John Doe");
    assert_eq!(first["original"]["subject"], "Integer consequat non purus");
    assert!(
        first["original"]["date"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z')),
        "{first}"
    );
    assert!(first["original"]["date_raw"].is_string());
    assert!(first["original"]["to"].is_array() && first["original"]["cc"].is_array());
    assert!(
        first["stripped_body"]
            .as_str()
            .is_some_and(|b| b.starts_with("Aenean quis"))
    );
    assert!(first["note"].is_null());
    assert_eq!(lines[1]["id"], 7);
    assert_eq!(lines[1]["forwarded"], false);
    assert_eq!(
        lines[1]["original"]["body"],
        "Just a note, nothing forwarded."
    );
    assert!(
        lines[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("line 3")),
        "{}",
        lines[2]
    );
}

#[tokio::test]
async fn parse_json_of_a_forwarded_file_gives_the_original_and_the_utc_date() {
    let file = shared_dir().join("sample-mailbox/emails/001.eml");
    let (result, out) = trellin(
        &["parse", "--json", file.to_str().expect("path")],
        &offline_config(),
        "",
    )
    .await;
    result.expect("parse succeeds");
    let reading: Value = serde_json::from_str(out.trim()).expect("one JSON line");
    assert_eq!(reading["forwarded"], true);
    assert_eq!(
        reading["original"]["from"]["address"],
        "jordan.ellis@harborlane.com"
    );
    assert_eq!(reading["original"]["date"], "2026-11-11T14:05:00Z");
    assert_eq!(
        reading["original"]["cc"][0]["address"],
        "sam@harborlane.com"
    );
}

#[tokio::test]
async fn parse_reports_an_unreadable_message_and_fails() {
    let dir = std::env::temp_dir().join(format!("trellin-bad-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("empty.eml"), b"").expect("write");
    std::fs::copy(
        shared_dir().join("sample-mailbox/emails/002.eml"),
        dir.join("good.eml"),
    )
    .expect("copy");
    let (result, out) = trellin(
        &["parse", "--json", dir.to_str().expect("path")],
        &offline_config(),
        "",
    )
    .await;
    let error = result.expect_err("one message cannot be read");
    assert!(error.to_string().contains("1 message"), "{error}");
    assert!(out.contains("the message is empty"), "{out}");
    assert!(
        out.contains("\"forwarded\":false"),
        "the good message is still read: {out}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[sqlx::test(migrations = "../migrations")]
async fn demo_sets_up_the_demo_agency_and_stores_its_mailbox_once(pool: PgPool) {
    let url = trellin_tests::database_url(&pool);
    let config = Config {
        database_url: Some(url),
        ..offline_config()
    };
    let (result, out) = trellin(&["demo"], &config, "").await;
    result.expect("demo succeeds");
    let migrations = trellin::db::MIGRATOR.iter().count();
    assert!(
        out.contains(&format!("migrations applied: {migrations}")),
        "{out}"
    );
    assert!(
        out.contains("tenant: Northwind Studio (northwind)"),
        "{out}"
    );
    let outcome_lines = |out: &str, outcome: &str| {
        out.lines()
            .filter(|l| l.contains(&format!(".eml  {outcome} ")))
            .count()
    };
    assert_eq!(outcome_lines(&out, "stored"), 8, "{out}");
    assert_eq!(
        outcome_lines(&out, "duplicate"),
        1,
        "the redelivered copy: {out}"
    );
    assert_eq!(outcome_lines(&out, "rejected"), 1, "the newsletter: {out}");
    assert!(out.contains("k.hofmann@hofmann-mb.de → Hofmann-mb · employee lena@northwind.studio · forwarded by lena@northwind.studio"), "{out}");
    assert!(
        out.contains("camille@ateliersucre.fr"),
        "the Latin-1 Apple Mail forward: {out}"
    );
    assert!(
        out.contains("  Olivia Grant "),
        "a free-mail customer is named after the person: {out}"
    );
    assert!(
        out.contains("ben@northwind.studio     2 inbound handled, 1 replied, avg reply 78 min"),
        "{out}"
    );

    assert!(
        out.contains("What each email says (builtin analyzer):"),
        "{out}"
    );
    assert!(
        out.contains("unhappy") && out.contains("waiting for: the final logo files"),
        "each stored email's analysis: {out}"
    );
    assert!(out.contains("Customers (health):"), "{out}");
    assert!(out.contains("Tasks as of"), "{out}");
    // It ends with the six questions and their answers.
    let questions = out
        .split("The six questions, as `trellin ask` answers them:")
        .nth(1)
        .expect("the questions come last");
    assert_eq!(questions.matches("\n? ").count(), 6, "{questions}");
    assert!(questions.contains("Waiting on us ("), "{questions}");
    assert!(questions.contains("Slowest to reply: "), "{questions}");
    // Then the day's digest.
    assert!(
        out.contains("The digest of today:\n\nTrellin · Northwind Studio · "),
        "{out}"
    );
    assert!(out.contains("Needs you today"), "{out}");

    let (again, out2) = trellin(&["demo"], &config, "").await;
    again.expect("a second demo run succeeds");
    assert_eq!(
        outcome_lines(&out2, "stored"),
        0,
        "nothing is stored twice: {out2}"
    );
    assert_eq!(outcome_lines(&out2, "duplicate"), 9, "{out2}");
}

#[tokio::test]
async fn migrate_without_database_url_starts_a_private_cluster_and_reuses_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("trellin-cluster-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let config = Config {
        data_dir: dir.clone(),
        ..Config::default()
    };
    let migrations = trellin::db::MIGRATOR.iter().count();

    let (first, out1) = trellin(&["migrate"], &config, "").await;
    let (second, out2) = trellin(&["migrate"], &config, "").await;
    let (stop, out3) = trellin(&["db", "stop"], &config, "").await;
    let (third, out4) = trellin(&["migrate"], &config, "").await;
    let (stop_again, _) = trellin(&["db", "stop"], &config, "").await;
    std::fs::remove_dir_all(&dir).ok();

    first.expect("first migrate");
    second.expect("second migrate");
    stop.expect("stop");
    third.expect("migrate after a stop");
    stop_again.expect("final stop");
    assert!(
        out1.contains("private PostgreSQL cluster") && out1.contains("created and started"),
        "{out1}"
    );
    assert!(
        out1.contains(&format!("migrations applied: {migrations}")),
        "{out1}"
    );
    assert!(out2.contains("already running (reused)"), "{out2}");
    assert!(out3.contains("stopped"), "{out3}");
    assert!(out4.contains("started (reused)"), "{out4}");
    let port = |out: &str| {
        out.split("127.0.0.1:")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .map(str::to_owned)
    };
    assert_eq!(port(&out1), port(&out4), "the same cluster is reused");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_operator_sets_up_a_tenant_ingests_files_and_lists_what_was_refused(pool: PgPool) {
    let url = trellin_tests::database_url(&pool);
    let config = Config {
        database_url: Some(url),
        ..offline_config()
    };
    let (created, out) = trellin(
        &[
            "tenant",
            "add",
            "--name",
            "Maya Chen",
            "--email",
            "maya@brightpath.io",
            "--company",
            "Brightpath Digital",
            "--slug",
            "brightpath",
            "--timezone",
            "America/Los_Angeles",
        ],
        &config,
        "",
    )
    .await;
    created.expect("tenant add");
    assert!(
        out.contains("inbound address: inbound+brightpath@in.trellin.app"),
        "{out}"
    );
    let (twice, _) = trellin(
        &[
            "tenant",
            "add",
            "--name",
            "Maya",
            "--email",
            "maya@brightpath.io",
            "--slug",
            "brightpath",
        ],
        &config,
        "",
    )
    .await;
    assert!(
        twice
            .expect_err("a second tenant with the same slug")
            .to_string()
            .contains("already exists")
    );
    let (bad_zone, _) = trellin(
        &[
            "tenant",
            "add",
            "--name",
            "X",
            "--email",
            "x@y.io",
            "--timezone",
            "Mars/Olympus",
        ],
        &config,
        "",
    )
    .await;
    assert!(
        bad_zone
            .expect_err("an unknown zone")
            .to_string()
            .contains("IANA")
    );
    for (name, email) in [
        ("Priya Raman", "priya@brightpath.io"),
        ("Diego Alvarez", "diego@brightpath.io"),
        ("Tom Becker", "tom@brightpath.io"),
    ] {
        let (added, out) = trellin(
            &[
                "employee",
                "add",
                "--tenant",
                "brightpath",
                "--name",
                name,
                "--email",
                email,
            ],
            &config,
            "",
        )
        .await;
        added.expect("employee add");
        assert!(out.contains(email), "{out}");
    }

    let mailbox = shared_dir().join("sample-mailbox/emails");
    let (ingested, out) = trellin(
        &[
            "ingest",
            "--tenant",
            "brightpath",
            "--json",
            mailbox.to_str().expect("path"),
        ],
        &config,
        "",
    )
    .await;
    ingested.expect("ingest");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 62, "61 messages and a summary");
    assert_eq!(
        lines[61]["summary"],
        serde_json::json!({"messages": 61, "stored": 59, "duplicate": 1, "rejected": 1})
    );
    assert_eq!(lines[0]["from"], "jordan.ellis@harborlane.com");
    assert_eq!(lines[0]["forwarded_by"], "priya@brightpath.io");

    let (listed, out) = trellin(
        &[
            "inbound",
            "--tenant",
            "brightpath",
            "--outcome",
            "rejected",
            "--json",
        ],
        &config,
        "",
    )
    .await;
    listed.expect("inbound");
    let refused: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(refused.len(), 1, "{out}");
    assert_eq!(refused[0]["from_email"], "hello@pixelreport.news");
    assert!(
        refused[0]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("newsletter_unknown_sender"))
    );
    let (all, out) = trellin(&["inbound", "--limit", "5"], &config, "").await;
    all.expect("inbound");
    assert!(out.contains("5 message(s)"), "{out}");
}

#[sqlx::test(migrations = "../migrations")]
async fn tasks_and_health_are_listed_as_of_a_given_day_and_a_task_can_be_done_by_hand(
    pool: PgPool,
) {
    let config = Config {
        database_url: Some(trellin_tests::database_url(&pool)),
        ..offline_config()
    };
    let truth = trellin_tests::mailbox::truth();
    let run = |args: Vec<String>| {
        let config = config.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            trellin(&args, &config, "").await
        }
    };
    let words = |text: &str| {
        text.split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    run(words("tenant add --name Maya --email maya@brightpath.io --domain brightpath.io --slug brightpath --timezone America/Los_Angeles"))
        .await
        .0
        .expect("tenant");
    for e in truth["employees"].as_array().expect("employees") {
        let mut args = words("employee add --tenant brightpath --name");
        args.push(e["name"].as_str().expect("name").to_owned());
        args.push("--email".to_owned());
        args.push(e["email"].as_str().expect("email").to_owned());
        run(args).await.0.expect("employee");
    }
    let folder = shared_dir().join("sample-mailbox").join("emails");
    let mut ingest = words("ingest --tenant brightpath --now 2026-11-20");
    ingest.push(folder.to_string_lossy().into_owned());
    let (ingested, out) = run(ingest).await;
    ingested.expect("ingest");
    assert!(out.contains("59 stored"), "{out}");

    let overdue = |out: &str| -> Vec<Value> {
        out.lines()
            .map(|l| serde_json::from_str(l).expect("JSON task"))
            .collect()
    };
    let (listed, out) = run(words("task list --overdue --json --now 2026-11-20")).await;
    listed.expect("task list");
    let late = overdue(&out);
    assert_eq!(late.len(), 3, "{out}");
    assert!(
        late.iter()
            .all(|t| t["overdue"] == true && t["status"] == "open")
    );
    let (earlier, out) = run(words("task list --overdue --json --now 2026-11-17")).await;
    earlier.expect("task list");
    assert!(
        overdue(&out).len() < 3,
        "fewer tasks are late three days earlier: {out}"
    );

    let (health, out) = run(words("customers --json")).await;
    health.expect("customers");
    let customers: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(customers.len(), 6);
    assert_eq!(
        customers[0]["flagged"], true,
        "flagged customers come first: {out}"
    );

    let id = late[0]["id"].as_str().expect("id");
    let (done, out) = run(vec![
        "task".into(),
        "done".into(),
        id[..8].to_owned(),
        "--now".into(),
        "2026-11-20".into(),
    ])
    .await;
    done.expect("task done");
    assert!(out.contains(id), "{out}");
    let (after, out) = run(words("task list --overdue --json --now 2026-11-20")).await;
    after.expect("task list");
    assert_eq!(overdue(&out).len(), 2, "{out}");

    let (again, out) = run(words("reanalyze --tenant brightpath --now 2026-11-20")).await;
    again.expect("reanalyze");
    assert!(
        out.contains(
            "re-analysed 59 email(s) of 6 customer(s) with the builtin analyzer; 0 changed"
        ),
        "{out}"
    );
    let (still, out) = run(words("task list --overdue --json --now 2026-11-20")).await;
    still.expect("task list");
    assert_eq!(
        overdue(&out).len(),
        2,
        "done by hand survives re-analysis: {out}"
    );

    let (bad, _) = run(words("task list --now yesterday")).await;
    assert!(
        bad.expect_err("not a time")
            .to_string()
            .contains("TRELLIN_NOW")
    );
}
