//! Trellin's domain: configuration, the database, reading mail, ingestion and analysis.
//!
//! Nothing here knows about Lambda, axum or serenity: entry points live in `functions/` and
//! `bot/` and call into this crate.

pub mod analysis;
pub mod config;
pub mod db;
pub mod inbound;
pub mod ingest;
pub mod mail;
pub mod report;
pub mod tenant;
