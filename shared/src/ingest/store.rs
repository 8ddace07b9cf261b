//! The SQL of ingestion: one message (or one batch) in one transaction, under a per-tenant
//! advisory lock so that concurrent deliveries to one tenant are serialised and a message is
//! stored once. Within a transaction, tenants, staff and customers already looked up are
//! remembered, so that bulk ingestion makes few round trips per message.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, DurationRound, Utc};
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::attribution::{Attribution, Direction, Staff, attribute};
use super::{Delivered, Inbound, Ingested, Outcome, Parsed, Rejection, Settings, Summary};
use crate::analysis::{self, follow, store::Written};
use crate::mail::address::domain_of;
use crate::mail::{Mailbox, subject};
use crate::tenant::{self, Tenant, is_free_mail};

pub(super) struct OneResult {
    pub tenant_id: Option<Uuid>,
    /// The customer of a newly stored email, whose health and tasks must be re-derived, and
    /// the advisory lock key that customer's ingestion holds.
    pub stored_for: Option<(Uuid, i64)>,
    pub ingested: Ingested,
}

/// What one transaction has already looked up. Safe to reuse because the tenant's advisory
/// lock is held until the transaction ends, so no other ingestion changes these rows.
#[derive(Default)]
struct Context {
    tenants: HashMap<String, Option<Tenant>>,
    locked: HashSet<i64>,
    /// Staff by tenant: lower-case address → (id, address).
    staff: HashMap<Uuid, HashMap<String, Uuid>>,
    /// Customers by tenant and key (an address, or `@domain`): (id, name).
    customers: HashMap<(Uuid, String), (Uuid, String)>,
    /// Analyses of the emails stored so far, written together before the commit.
    insights: Vec<analysis::store::Pending>,
}

impl Context {
    async fn tenant_for(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        recipient: &str,
    ) -> Result<Option<Tenant>, sqlx::Error> {
        if let Some(known) = self.tenants.get(recipient) {
            return Ok(known.clone());
        }
        let found = tenant::find_by_recipient(&mut **tx, recipient).await?;
        self.tenants.insert(recipient.to_owned(), found.clone());
        Ok(found)
    }

    async fn lock(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        key: i64,
    ) -> Result<(), sqlx::Error> {
        if self.locked.insert(key) {
            sqlx::query!("SELECT pg_advisory_xact_lock($1)", key)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    async fn staff(
        &mut self,
        tx: &mut Transaction<'_, Postgres>,
        tenant: Uuid,
    ) -> Result<&mut HashMap<String, Uuid>, sqlx::Error> {
        match self.staff.entry(tenant) {
            std::collections::hash_map::Entry::Occupied(known) => Ok(known.into_mut()),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let employees = tenant::employees(&mut **tx, tenant).await?;
                Ok(slot.insert(
                    employees
                        .into_iter()
                        .map(|e| (e.email.to_lowercase(), e.id))
                        .collect(),
                ))
            }
        }
    }
}

/// What the receiving side saw, recorded whatever the outcome.
struct Received<'a> {
    inbound: &'a Inbound,
    now: DateTime<Utc>,
    message_id: Option<String>,
    from: Option<String>,
    subject: Option<String>,
}

/// Begins an ingestion transaction. Plans are made for each statement's values: prepared
/// statements would otherwise keep plans made while the tables were nearly empty, which turn
/// into scans as a bulk load grows them.
async fn begin(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SET LOCAL plan_cache_mode = force_custom_plan")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Ingests one message in its own transaction.
pub(super) async fn ingest_one(
    pool: &PgPool,
    inbound: &Inbound,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Result<OneResult, sqlx::Error> {
    let mut tx = begin(pool).await?;
    let delivered = Delivered::read(inbound);
    let mut context = Context::default();
    let result = ingest_in(&mut tx, &mut context, inbound, &delivered, now, settings).await?;
    analysis::store::save_all(&mut tx, &context.insights).await?;
    if let (Some(tenant), Some((customer, _))) = (result.tenant_id, result.stored_for) {
        follow::refresh_customer(&mut tx, tenant, customer).await?;
    }
    tx.commit().await?;
    Ok(result)
}

/// Ingests messages in one transaction: the batch is committed whole, so every message in it
/// is stored whole with its analysis, and a database failure rolls the batch back for a
/// retry. The customers' health and tasks are re-derived by the caller once all batches are
/// in ([`refresh_customers`]).
pub(super) async fn ingest_batch(
    pool: &PgPool,
    inbound: &[(&Inbound, &Delivered)],
    now: DateTime<Utc>,
    settings: &Settings,
) -> Result<Vec<OneResult>, sqlx::Error> {
    // A bulk load grows the tables faster than autovacuum analyses them: fresh statistics
    // let every batch use good generic plans instead of planning each statement anew. (Outside
    // the transaction, so that parallel batches do not wait on each other's lock.)
    sqlx::query!("ANALYZE email_logs, customers, employees")
        .execute(pool)
        .await?;
    let mut tx = pool.begin().await?;
    let mut context = Context::default();
    let mut results = Vec::with_capacity(inbound.len());
    for (message, delivered) in inbound {
        results.push(ingest_in(&mut tx, &mut context, message, delivered, now, settings).await?);
    }
    analysis::store::save_all(&mut tx, &context.insights).await?;
    tx.commit().await?;
    Ok(results)
}

/// Re-derives the health and tasks of the customers that bulk ingestion stored mail for, one
/// transaction each.
pub(super) async fn refresh_customers(
    pool: &PgPool,
    customers: &[(Uuid, (Uuid, i64))],
) -> Result<(), sqlx::Error> {
    for (tenant, (customer, lock)) in customers {
        let mut tx = pool.begin().await?;
        // The customer's ingestion lock first, as ingestion takes them, then the tenant's.
        sqlx::query!("SELECT pg_advisory_xact_lock($1)", lock)
            .execute(&mut *tx)
            .await?;
        follow::refresh_customer(&mut tx, *tenant, *customer).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Which customer a message will be about, for dividing a bulk load among parallel workers
/// so that no two of them need the same customer's lock. `None` when it will be rejected
/// before any customer is involved.
pub(super) async fn partition_key(
    pool: &PgPool,
    tenants: &mut HashMap<String, Option<(Tenant, Staff)>>,
    delivered: &Delivered,
) -> Result<Option<i64>, sqlx::Error> {
    let Ok(parsed) = &delivered.parsed else {
        return Ok(None);
    };
    for recipient in &delivered.recipients {
        if !tenants.contains_key(recipient) {
            let found = match tenant::find_by_recipient(pool, recipient).await? {
                Some(t) => {
                    let employees = tenant::employees(pool, t.id).await?;
                    let staff = Staff::of(&t, employees.into_iter().map(|e| e.email));
                    Some((t, staff))
                }
                None => None,
            };
            tenants.insert(recipient.clone(), found);
        }
        if let Some(Some((tenant, staff))) = tenants.get(recipient) {
            return Ok(attribute_parsed(staff, parsed).ok().map(|a| {
                tenant::customer_lock_key(
                    tenant.id,
                    &tenant::customer_key(a.counterpart.address.as_deref().unwrap_or_default()),
                )
            }));
        }
    }
    Ok(None)
}

fn attribute_parsed(staff: &Staff, parsed: &Parsed) -> Result<Attribution, Rejection> {
    let o = &parsed.reading.original;
    attribute(
        staff,
        parsed.email.from.as_ref(),
        parsed.reading.forwarded,
        &o.from,
        &o.to,
        &o.cc,
    )
}

/// A message the rules let in, with what they found out on the way.
struct Admitted<'a> {
    tenant: Tenant,
    parsed: &'a Parsed,
    attribution: Attribution,
    known_customer: Option<(Uuid, String)>,
}

/// The tenant, the checks and the attribution rules: either the message is admitted, or the
/// rejection (with the tenant, when there is one).
async fn admit<'a>(
    tx: &mut Transaction<'_, Postgres>,
    context: &mut Context,
    inbound: &Inbound,
    delivered: &'a Delivered,
) -> Result<Result<Admitted<'a>, (Option<Tenant>, Rejection)>, sqlx::Error> {
    let mut tenant = None;
    for recipient in &delivered.recipients {
        if let Some(found) = context.tenant_for(tx, recipient).await? {
            tenant = Some(found);
            break;
        }
    }
    let Some(tenant) = tenant else {
        return Ok(Err((None, Rejection::UnknownTenant)));
    };
    let parsed = match &delivered.parsed {
        Ok(parsed) => parsed,
        Err(error) => return Ok(Err((Some(tenant), Rejection::Malformed(error.to_string())))),
    };
    if !inbound.failed_verdicts.is_empty() {
        let rejection = Rejection::FailedVerdict(inbound.failed_verdicts.join(", "));
        return Ok(Err((Some(tenant), rejection)));
    }
    let staff = Staff::of(&tenant, context.staff(tx, tenant.id).await?.keys().cloned());
    let attribution = match attribute_parsed(&staff, parsed) {
        Ok(a) => a,
        Err(rejection) => return Ok(Err((Some(tenant), rejection))),
    };
    let counterpart = attribution.counterpart.address.clone().unwrap_or_default();
    context
        .lock(
            tx,
            tenant::customer_lock_key(tenant.id, &tenant::customer_key(&counterpart)),
        )
        .await?;
    let known_customer = find_customer(tx, context, tenant.id, &counterpart).await?;
    if attribution.direct_from_outside
        && known_customer.is_none()
        && let Err(rejection) = attribution.trusted_without_history(parsed.email.bulk)
    {
        return Ok(Err((Some(tenant), rejection)));
    }
    Ok(Ok(Admitted {
        tenant,
        parsed,
        attribution,
        known_customer,
    }))
}

/// Ingests one message inside the given transaction (which it does not commit).
async fn ingest_in(
    tx: &mut Transaction<'_, Postgres>,
    context: &mut Context,
    inbound: &Inbound,
    delivered: &Delivered,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Result<OneResult, sqlx::Error> {
    let outer = delivered.parsed.as_ref().ok().map(|p| &p.email);
    let received = Received {
        inbound,
        now,
        message_id: outer.and_then(|e| e.message_id.clone()),
        from: outer
            .and_then(|e| e.from.as_ref())
            .and_then(|m| m.address.clone()),
        subject: outer.and_then(|e| e.subject.clone()),
    };
    let Admitted {
        tenant,
        parsed,
        attribution,
        known_customer,
    } = match admit(tx, context, inbound, delivered).await? {
        Ok(admitted) => admitted,
        Err((tenant, rejection)) => {
            return finish(
                tx,
                &received,
                tenant.as_ref(),
                Outcome::Rejected(rejection),
                None,
            )
            .await;
        }
    };
    let (email, reading, original_id) =
        (&parsed.email, &parsed.reading, parsed.original_id.clone());
    let o = &reading.original;

    let timestamp = o.date.or(email.date).unwrap_or(now);
    let subject_normalized =
        subject::normalize(o.subject.as_deref().unwrap_or_default()).to_lowercase();
    let fingerprint = fingerprint(
        attribution.from.address.as_deref().unwrap_or_default(),
        &subject_normalized,
        timestamp,
    );
    let customer = match known_customer {
        Some(found) => found,
        None => create_customer(tx, context, &tenant, &attribution.counterpart).await?,
    };
    let customer = if attribution.direction == Direction::Inbound {
        name_from_signature(tx, context, customer, &attribution.counterpart, &o.body).await?
    } else {
        customer
    };
    let employee = employee_for(tx, context, &tenant, &attribution.employee).await?;
    let summary = Summary {
        direction: attribution.direction,
        from: attribution.from.address.clone().unwrap_or_default(),
        to: attribution.to.first().cloned(),
        subject: o.subject.clone(),
        timestamp,
        customer: customer.1.clone(),
        employee: employee.1.clone(),
        forwarded_by: attribution.forwarded_by.clone(),
    };

    let mut references: Vec<String> = email_references(email, reading.forwarded);
    references.dedup();
    let offset = email
        .zone
        .unwrap_or_else(|| analysis::store::tenant_offset(tenant.zone(), timestamp));
    let written = Written {
        subject: o.subject.as_deref().unwrap_or_default(),
        body: &reading.stripped_body,
        staff: attribution.direction == Direction::Outbound,
        timestamp,
        offset,
    };
    // Analysed before it is stored, so that the email's row is written once with its
    // analysis (a duplicate's analysis is simply dropped).
    let understood = match &settings.analyzer {
        Some(analyzer) => Some((
            analyzer,
            analysis::store::understand(analyzer, &written).await,
        )),
        None => None,
    };
    let fields = InsertFields {
        sentiment: understood.as_ref().map(|(_, (a, _))| a.sentiment.as_str()),
        summary: understood.as_ref().map(|(_, (a, _))| a.summary.clone()),
        action_needed: understood.as_ref().map(|(_, (a, _))| a.action_needed),
        flagged: understood.as_ref().is_some_and(|(_, (a, _))| a.flagged),
        issue: understood
            .as_ref()
            .and_then(|(_, (a, _))| a.issue.map(|i| i.as_str())),
        utc_offset_minutes: offset.local_minus_utc() / 60,
        subject: o.subject.clone(),
        body: reading.stripped_body.clone(),
        timestamp,
        message_id: original_id,
        in_reply_to: if reading.forwarded {
            None
        } else {
            email.in_reply_to.clone()
        },
        references,
        subject_normalized,
        automatic: email.automatic,
        fingerprint,
    };
    let (record_id, outcome) = store_email(
        tx,
        &received,
        &tenant,
        &attribution,
        customer.0,
        employee.0,
        fields,
    )
    .await?;
    let stored_for = match (&outcome, understood) {
        (Outcome::Stored { email_id }, Some((analyzer, (analysis, commitments)))) => {
            context.insights.push(analysis::store::Pending {
                email: *email_id,
                analysis,
                commitments,
                analyzer: analyzer.name(),
            });
            Some((
                customer.0,
                tenant::customer_lock_key(
                    tenant.id,
                    &tenant::customer_key(
                        attribution
                            .counterpart
                            .address
                            .as_deref()
                            .unwrap_or_default(),
                    ),
                ),
            ))
        }
        _ => None,
    };
    Ok(OneResult {
        tenant_id: Some(tenant.id),
        stored_for,
        ingested: Ingested {
            record_id,
            tenant: Some(tenant.slug.clone()),
            outcome,
            summary: Some(summary),
        },
    })
}

/// The tenant the first of these recipients that names one belongs to.
pub(super) async fn tenant_of(
    pool: &PgPool,
    recipients: &[String],
) -> Result<Option<Tenant>, sqlx::Error> {
    for recipient in recipients {
        if let Some(found) = tenant::find_by_recipient(pool, recipient).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// Records a message rejected before it was read: a wrong inbound secret, a missing object.
pub(super) async fn record_unread(
    pool: &PgPool,
    inbound: &Inbound,
    tenant: Option<&Tenant>,
    rejection: Rejection,
    now: DateTime<Utc>,
) -> Result<Ingested, sqlx::Error> {
    let received = Received {
        inbound,
        now,
        message_id: None,
        from: None,
        subject: None,
    };
    let mut tx = pool.begin().await?;
    let result = finish(
        &mut tx,
        &received,
        tenant,
        Outcome::Rejected(rejection),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(result.ingested)
}

/// Records what was received and reports (the caller commits).
async fn finish(
    tx: &mut Transaction<'_, Postgres>,
    received: &Received<'_>,
    tenant: Option<&Tenant>,
    outcome: Outcome,
    summary: Option<Summary>,
) -> Result<OneResult, sqlx::Error> {
    let (email_id, reason) = (outcome.email_id(), outcome.reason());
    let size = i32::try_from(received.inbound.raw.len()).unwrap_or(i32::MAX);
    let record_id = sqlx::query_scalar!(
        r#"INSERT INTO inbound_messages
             (user_id, received_at, source, envelope_recipients, message_id, size_bytes, outcome, reason, email_id, from_email, subject)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           RETURNING id"#,
        tenant.map(|t| t.id),
        received.now.naive_utc(),
        received.inbound.source.as_str(),
        &received.inbound.envelope_recipients,
        received.message_id,
        size,
        outcome.as_str(),
        reason,
        email_id,
        received.from,
        received.subject
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(OneResult {
        tenant_id: tenant.map(|t| t.id),
        stored_for: None,
        ingested: Ingested {
            record_id,
            tenant: tenant.map(|t| t.slug.clone()),
            outcome,
            summary,
        },
    })
}

/// The same email seen twice — directly and as a forward, whose Message-ID is lost and whose
/// printed time has no seconds — has the same sender, normalised subject and minute.
fn fingerprint(from: &str, subject_normalized: &str, timestamp: DateTime<Utc>) -> String {
    let minute = timestamp
        .duration_trunc(Duration::minutes(1))
        .unwrap_or(timestamp);
    let digest = Sha256::digest(format!(
        "{}\n{subject_normalized}\n{}",
        from.to_lowercase(),
        minute.timestamp()
    ));
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn email_references(email: &crate::mail::ParsedEmail, forwarded: bool) -> Vec<String> {
    if forwarded {
        return Vec::new();
    }
    email
        .in_reply_to
        .iter()
        .chain(&email.references)
        .cloned()
        .collect()
}

/// The customer of an address: by known email, then (for a business domain) by domain.
async fn find_customer(
    tx: &mut Transaction<'_, Postgres>,
    context: &mut Context,
    tenant: Uuid,
    address: &str,
) -> Result<Option<(Uuid, String)>, sqlx::Error> {
    let domain = domain_of(address)
        .filter(|d| !is_free_mail(d))
        .map(str::to_owned);
    let by_address = (tenant, address.to_owned());
    let by_domain = domain.as_ref().map(|d| (tenant, format!("@{d}")));
    if let Some(found) = context
        .customers
        .get(&by_address)
        .or_else(|| by_domain.as_ref().and_then(|k| context.customers.get(k)))
    {
        return Ok(Some(found.clone()));
    }
    let found = sqlx::query!(
        r#"SELECT id, name FROM customers
           WHERE user_id = $1 AND (COALESCE(known_emails, '[]')::jsonb ? $2 OR primary_domain = $3)
           ORDER BY (COALESCE(known_emails, '[]')::jsonb ? $2) DESC LIMIT 1"#,
        tenant,
        address,
        domain
    )
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| (r.id, r.name));
    if let Some(found) = &found {
        context.customers.insert(by_address, found.clone());
    }
    Ok(found)
}

/// `harborlane.com` → `Harborlane`.
fn name_from_domain(domain: &str) -> String {
    let label = domain.split('.').next().unwrap_or(domain);
    let mut chars = label.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A customer is named after its domain until its people sign emails with the
/// organisation's name ("Harbor Lane Realty" rather than "Harborlane"). Of the names they sign
/// with, the longest wins (then the first in order), so the name does not depend on which
/// email arrived first ("Alder & Finch" and "Alder & Finch Architects" give the latter). A
/// name that neither is the domain's nor spells it (set by hand) is kept.
async fn name_from_signature(
    tx: &mut Transaction<'_, Postgres>,
    context: &mut Context,
    customer: (Uuid, String),
    writer: &Mailbox,
    body: &str,
) -> Result<(Uuid, String), sqlx::Error> {
    let address = writer.address.clone().unwrap_or_default();
    let Some(domain) = domain_of(&address).filter(|d| !is_free_mail(d)) else {
        return Ok(customer);
    };
    let Some(signed) = crate::mail::signature::organisation(body, domain) else {
        return Ok(customer);
    };
    let label = crate::mail::signature::label(domain);
    let name = sqlx::query_scalar!(
        r#"UPDATE customers SET name = CASE
             WHEN name = $3 THEN $2
             WHEN lower(regexp_replace(name, '[^[:alnum:]]', '', 'g')) LIKE $4 || '%'
                  AND (char_length($2) > char_length(name)
                       OR (char_length($2) = char_length(name) AND $2 < name)) THEN $2
             ELSE name END
           WHERE id = $1
           RETURNING name"#,
        customer.0,
        signed,
        name_from_domain(domain),
        label
    )
    .fetch_one(&mut **tx)
    .await?;
    for found in context.customers.values_mut().filter(|c| c.0 == customer.0) {
        found.1 = name.clone();
    }
    Ok((customer.0, name))
}

/// Creates the customer of an address: named after its domain, or for a free-mail address
/// after the person, keyed by that address.
async fn create_customer(
    tx: &mut Transaction<'_, Postgres>,
    context: &mut Context,
    tenant: &Tenant,
    person: &Mailbox,
) -> Result<(Uuid, String), sqlx::Error> {
    let address = person.address.clone().unwrap_or_default();
    let domain = domain_of(&address).unwrap_or_default().to_owned();
    let (name, primary_domain) = if is_free_mail(&domain) {
        (person.name.clone().unwrap_or_else(|| address.clone()), None)
    } else {
        (name_from_domain(&domain), Some(domain))
    };
    let id = sqlx::query_scalar!(
        "INSERT INTO customers (user_id, name, primary_domain, known_emails) VALUES ($1, $2, $3, $4) RETURNING id",
        tenant.id,
        name,
        primary_domain,
        serde_json::json!([address])
    )
    .fetch_one(&mut **tx)
    .await?;
    let key = match &primary_domain {
        Some(d) => format!("@{d}"),
        None => address,
    };
    context
        .customers
        .insert((tenant.id, key), (id, name.clone()));
    Ok((id, name))
}

/// Finds the staff member of an address, or creates them (an unknown address on the company
/// domain becomes an employee).
async fn employee_for(
    tx: &mut Transaction<'_, Postgres>,
    context: &mut Context,
    tenant: &Tenant,
    person: &Mailbox,
) -> Result<(Uuid, String), sqlx::Error> {
    let address = person.address.clone().unwrap_or_default().to_lowercase();
    if let Some(id) = context.staff(tx, tenant.id).await?.get(&address) {
        return Ok((*id, address));
    }
    let name = person.name.clone().unwrap_or_else(|| {
        let local = address.split('@').next().unwrap_or_default();
        name_from_domain(local)
    });
    // Another transaction may be creating the same person: `ON CONFLICT` waits for it, and a
    // fresh statement then sees its row.
    let inserted = sqlx::query_scalar!(
        "INSERT INTO employees (name, email, user_id) VALUES ($1, $2, $3) ON CONFLICT (user_id, email) DO NOTHING RETURNING id",
        name,
        address,
        tenant.id
    )
    .fetch_optional(&mut **tx)
    .await?;
    let id = match inserted {
        Some(id) => id,
        None => {
            sqlx::query_scalar!(
                "SELECT id FROM employees WHERE user_id = $1 AND email = $2",
                tenant.id,
                address
            )
            .fetch_one(&mut **tx)
            .await?
        }
    };
    context
        .staff(tx, tenant.id)
        .await?
        .insert(address.clone(), id);
    Ok((id, address))
}

struct InsertFields {
    subject: Option<String>,
    body: String,
    timestamp: DateTime<Utc>,
    message_id: Option<String>,
    in_reply_to: Option<String>,
    references: Vec<String>,
    subject_normalized: String,
    automatic: bool,
    fingerprint: String,
    /// The analysis columns, when the email is analysed as it is stored.
    sentiment: Option<&'static str>,
    summary: Option<String>,
    action_needed: Option<bool>,
    flagged: bool,
    issue: Option<&'static str>,
    utc_offset_minutes: i32,
}

/// Every address of the customer that the email shows: the counterpart, and the others on
/// the customer's business domain.
fn customer_addresses(a: &Attribution) -> Vec<String> {
    let counterpart = a.counterpart.address.clone().unwrap_or_default();
    let domain = domain_of(&counterpart)
        .filter(|d| !is_free_mail(d))
        .map(str::to_owned);
    let mut addresses: Vec<String> = std::iter::once(counterpart.clone())
        .chain(a.from.address.clone())
        .chain(a.to.iter().cloned())
        .chain(a.cc.iter().cloned())
        .filter(|addr| {
            *addr == counterpart
                || domain
                    .as_deref()
                    .is_some_and(|d| domain_of(addr) == Some(d))
        })
        .collect();
    addresses.sort();
    addresses.dedup();
    addresses
}

/// Stores the email and everything that follows from it in one statement: the email (unless
/// its Message-ID or fingerprint is already stored: then it is a duplicate), its reply state
/// (an inbound email is replied by the first later outbound email of its thread; an outbound
/// email becomes the first reply of every earlier inbound email of the thread that has none or
/// a later one; automatic mail neither needs nor gives a reply), the customer's last email date
/// and known addresses, and the record of what was received.
async fn store_email(
    tx: &mut Transaction<'_, Postgres>,
    received: &Received<'_>,
    tenant: &Tenant,
    a: &Attribution,
    customer: Uuid,
    employee: Uuid,
    f: InsertFields,
) -> Result<(Uuid, Outcome), sqlx::Error> {
    let size = i32::try_from(received.inbound.raw.len()).unwrap_or(i32::MAX);
    let base = format!("{customer}/{}", f.subject_normalized);
    let dated = format!("{base}#{}", f.timestamp.format("%Y-%m-%d"));
    let row = sqlx::query!(
        r#"WITH thread AS (
             -- The thread: the one a referenced message is in; else the one of the same
             -- customer and normalised subject within 30 days (either side); else a new one,
             -- dated when its key is already taken by an older thread.
             SELECT COALESCE(
               (SELECT t.thread_key FROM email_logs t
                 WHERE cardinality($11::text[]) > 0 AND t.user_id = $1 AND t.message_id = ANY($11)
                   AND t.thread_key IS NOT NULL
                 LIMIT 1),
               (SELECT t.thread_key FROM email_logs t
                 WHERE t.user_id = $1 AND t.customer_id = $3 AND t.subject_normalized = $19
                   AND t.timestamp BETWEEN $8::timestamp - interval '30 days' AND $8::timestamp + interval '30 days'
                 ORDER BY abs(extract(epoch FROM t.timestamp - $8::timestamp)) LIMIT 1),
               CASE WHEN EXISTS (SELECT 1 FROM email_logs t WHERE t.user_id = $1 AND t.thread_key = $12)
                    THEN $28 ELSE $12 END
             ) AS key
           ), reply AS (
             SELECT min(o.timestamp) AS at FROM email_logs o, thread
              WHERE $13 = 'inbound' AND NOT $17 AND o.user_id = $1 AND o.thread_key = thread.key
                AND o.direction = 'outbound' AND NOT o.is_automatic AND o.timestamp > $8
           ), ins AS (
             INSERT INTO email_logs
               (user_id, employee_id, customer_id, from_email, to_email, subject, body, timestamp,
                message_id, in_reply_to, "references", thread_key, direction, to_emails, cc_emails,
                forwarded_by, is_automatic, fingerprint, subject_normalized,
                first_reply_at, replied, reply_time_minutes,
                sentiment, summary, action_needed, utc_offset_minutes, flagged, issue)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, thread.key, $13, $14, $15, $16, $17, $18, $19,
                    reply.at, reply.at IS NOT NULL, round(extract(epoch FROM reply.at - $8) / 60)::integer,
                    $29, $30, COALESCE($31, false), $32, $33, $34
             FROM reply, thread
             ON CONFLICT DO NOTHING
             RETURNING id
           ), replies AS (
             UPDATE email_logs SET
               replied = true,
               first_reply_at = $8,
               reply_time_minutes = round(extract(epoch FROM $8 - timestamp) / 60)::integer
             FROM thread
             WHERE $13 = 'outbound' AND NOT $17 AND EXISTS (SELECT 1 FROM ins)
               AND user_id = $1 AND thread_key = thread.key AND direction = 'inbound' AND NOT is_automatic
               AND timestamp < $8 AND (first_reply_at IS NULL OR first_reply_at > $8)
           ), touched AS (
             UPDATE customers SET
               last_email_date = GREATEST(last_email_date, $8),
               known_emails = (
                 SELECT json_agg(DISTINCT e ORDER BY e)
                 FROM (SELECT json_array_elements_text(COALESCE(known_emails, '[]'::json)) AS e
                       UNION SELECT unnest($20::text[])) s)
             WHERE id = $3 AND EXISTS (SELECT 1 FROM ins)
               AND (last_email_date IS NULL OR last_email_date < $8
                    OR NOT COALESCE(known_emails, '[]'::json)::jsonb @> to_jsonb($20::text[]))
           ), result AS (
             SELECT (SELECT id FROM ins) AS stored,
                    (SELECT id FROM email_logs WHERE user_id = $1 AND (message_id = $9 OR fingerprint = $18) LIMIT 1) AS existing
           )
           INSERT INTO inbound_messages
             (user_id, received_at, source, envelope_recipients, message_id, size_bytes, outcome, reason, email_id, from_email, subject)
           SELECT $1, $21, $22, $23, $24, $25,
                  CASE WHEN stored IS NULL THEN 'duplicate' ELSE 'stored' END,
                  CASE WHEN stored IS NULL THEN 'duplicate: the same email is already stored (' || existing::text || ')' END,
                  COALESCE(stored, existing), $26, $27
           FROM result
           RETURNING id, outcome, email_id"#,
        tenant.id,
        employee,
        customer,
        a.from.address.clone().unwrap_or_default(),
        a.to.first().or(a.cc.first()).cloned().unwrap_or_default(),
        f.subject,
        f.body,
        f.timestamp.naive_utc(),
        f.message_id,
        f.in_reply_to,
        &f.references,
        base,
        a.direction.as_str(),
        serde_json::json!(a.to),
        serde_json::json!(a.cc),
        a.forwarded_by,
        f.automatic,
        f.fingerprint,
        f.subject_normalized,
        &customer_addresses(a),
        received.now.naive_utc(),
        received.inbound.source.as_str(),
        &received.inbound.envelope_recipients,
        received.message_id,
        size,
        received.from,
        received.subject,
        dated,
        f.sentiment,
        f.summary,
        f.action_needed,
        f.utc_offset_minutes,
        f.flagged,
        f.issue
    )
    .fetch_one(&mut **tx)
    .await?;
    let email_id = row
        .email_id
        .ok_or_else(|| sqlx::Error::Protocol("an email was neither stored nor found".into()))?;
    let outcome = if row.outcome == "stored" {
        Outcome::Stored { email_id }
    } else {
        Outcome::Duplicate { of: email_id }
    };
    Ok((row.id, outcome))
}

/// After ingestion: every employee's reply statistics and last activity recomputed from
/// their emails, and the tenant's task state and counters as of `now`, in one transaction.
pub(super) async fn refresh_tenant(
    pool: &PgPool,
    tenant: Uuid,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    follow::lock_tenant_tasks(&mut tx, tenant).await?;
    sqlx::query!(
        r#"UPDATE employees e SET
             avg_reply_time = COALESCE(s.avg_reply, 0),
             responsiveness_score = COALESCE(s.responsiveness, 0),
             last_active = s.last_active
           FROM (
             SELECT emp.id,
                    (SELECT avg(l.reply_time_minutes)::real FROM email_logs l
                      WHERE l.employee_id = emp.id AND l.direction = 'inbound' AND NOT l.is_automatic AND l.replied) AS avg_reply,
                    (SELECT (100.0 * count(*) FILTER (WHERE l.replied AND l.reply_time_minutes <= $2) / NULLIF(count(*), 0))::real
                       FROM email_logs l
                      WHERE l.employee_id = emp.id AND l.direction = 'inbound' AND NOT l.is_automatic) AS responsiveness,
                    (SELECT max(l.timestamp) FROM email_logs l WHERE l.employee_id = emp.id) AS last_active
             FROM employees emp WHERE emp.user_id = $1
           ) s
           WHERE e.id = s.id"#,
        tenant,
        settings.responsive_within_minutes
    )
    .execute(&mut *tx)
    .await?;
    follow::update_task_state_at(&mut tx, tenant, now).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forwarded_copy_without_seconds_has_the_fingerprint_of_the_original() {
        let sent: DateTime<Utc> = "2026-11-11T14:05:37Z".parse().expect("time");
        let forwarded: DateTime<Utc> = "2026-11-11T14:05:00Z".parse().expect("time");
        assert_eq!(
            fingerprint("Jordan@X.com", "mockups", sent),
            fingerprint("jordan@x.com", "mockups", forwarded)
        );
        assert_ne!(
            fingerprint("jordan@x.com", "mockups", sent),
            fingerprint("jordan@x.com", "other", sent)
        );
    }

    #[test]
    fn customers_are_named_after_their_domain() {
        assert_eq!(name_from_domain("harborlane.com"), "Harborlane");
        assert_eq!(name_from_domain("alderfinch.com.au"), "Alderfinch");
    }
}
