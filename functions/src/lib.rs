//! Trellin's entry points over the domain crate: the local CLI `trellin`, the HTTP router that
//! `trellin serve` and the API Lambda share, the SMTP receiver, the Lambda event adapters, and
//! the AWS clients behind the digest's ports.

pub mod aws;
pub mod cli;
pub mod http;
pub mod lambda;
pub mod smtp;
