//! Reading email: MIME, inline and attached forwards, localized dates, quotes and signatures.

pub mod address;
pub mod date;
pub mod forward;
pub mod html;
pub mod message;
pub mod quotes;
pub mod reading;
pub mod signature;
pub mod subject;

pub use address::Mailbox;
pub use forward::{Forward, ForwardedOriginal, unwrap_forward};
pub use message::{ParseError, ParsedEmail, parse};
pub use reading::{Original, Reading};
