//! Trellin's entry points over the domain crate: the local CLI `trellin` (and, with the
//! ingestion work, the Lambda functions and the HTTP router they share).

pub mod cli;
