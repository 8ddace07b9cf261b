//! Trellin's domain: configuration, the database, reading mail, ingestion, analysis and the
//! answers to the owner's questions.
//!
//! Nothing here knows about Lambda, axum or serenity: entry points live in `functions/` and
//! `bot/` and call into this crate.

pub mod analysis;
pub mod api_key;
pub mod config;
pub mod db;
pub mod digest;
pub mod inbound;
pub mod ingest;
pub mod insights;
pub mod mail;
pub mod notify;
pub mod report;
pub mod tenant;
