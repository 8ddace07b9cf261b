//! Trellin's entry points over the domain crate: the local CLI `trellin`, the HTTP router that
//! `trellin serve` and the API Lambda share, the SMTP receiver, and the Lambda event adapters.

pub mod cli;
pub mod http;
pub mod lambda;
pub mod smtp;
