//! The sample mailbox (`../shared/sample-mailbox`): its tenant set up through the domain API,
//! and its files as inbound messages.

use sqlx::PgPool;
use trellin::ingest::{Inbound, Source};
use trellin::tenant::{self, NewTenant, Tenant};

use crate::{read_json, shared_dir};

/// The mailbox's truth.
pub fn truth() -> serde_json::Value {
    read_json(&shared_dir().join("sample-mailbox").join("truth.json"))
}

/// Creates the mailbox's tenant and staff, as an operator would.
pub async fn setup_tenant(pool: &PgPool) -> Tenant {
    let truth = truth();
    let t = &truth["tenant"];
    let tenant = tenant::create(
        pool,
        NewTenant {
            name: t["name"].as_str().expect("name").into(),
            email: t["email"].as_str().expect("email").into(),
            company: t["company_name"].as_str().map(Into::into),
            domain: t["company_domain"].as_str().map(Into::into),
            slug: Some("brightpath".into()),
            timezone: Some("America/Los_Angeles".into()),
        },
    )
    .await
    .expect("tenant created");
    for e in truth["employees"].as_array().expect("employees") {
        tenant::add_employee(
            pool,
            &tenant,
            e["name"].as_str().expect("name"),
            e["email"].as_str().expect("email"),
        )
        .await
        .expect("employee added");
    }
    tenant
}

/// The mailbox's files in arrival order, as messages delivered to the inbound address.
pub fn messages() -> Vec<(String, Inbound)> {
    let dir = shared_dir().join("sample-mailbox").join("emails");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("emails")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let envelope = vec![
        truth()["tenant"]["inbound_address"]
            .as_str()
            .expect("inbound")
            .to_owned(),
    ];
    files
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (
                name,
                Inbound::new(
                    std::fs::read(&path).expect("eml"),
                    Source::File,
                    envelope.clone(),
                ),
            )
        })
        .collect()
}

/// Sets up the mailbox's tenant and ingests every file as of `now`, with analysis.
pub async fn ingest(pool: &PgPool, now: chrono::DateTime<chrono::Utc>) -> Tenant {
    let tenant = setup_tenant(pool).await;
    let inbound: Vec<_> = messages().into_iter().map(|(_, m)| m).collect();
    trellin::ingest::ingest_all(pool, &inbound, now, &trellin::ingest::Settings::default())
        .await
        .expect("ingested");
    tenant
}

/// The truth's customer name for one of its addresses.
pub fn customer_of_address(address: &str) -> Option<String> {
    let truth = truth();
    truth["customers"]
        .as_array()?
        .iter()
        .find(|c| {
            c["emails"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e.as_str() == Some(address)))
                || c["primary_domain"]
                    .as_str()
                    .is_some_and(|d| address.ends_with(&format!("@{d}")))
        })
        .and_then(|c| c["name"].as_str().map(str::to_owned))
}
