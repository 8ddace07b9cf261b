//! Reading email: MIME, inline and attached forwards, localized dates, quotes and signatures.

pub mod address;
pub mod forward;
pub mod subject;

pub use address::Mailbox;
pub use forward::{Forward, ForwardedOriginal, unwrap_forward};
