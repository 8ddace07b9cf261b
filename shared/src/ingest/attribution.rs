//! Who an email is between: its direction, the staff member it belongs to, the customer-side
//! address, and whether its sender may feed the tenant at all. Pure rules over a reading and
//! the tenant's staff; the database lookups they need are done by the caller.
//!
//! Rules (DESIGN.md, "Behaviour that users rely on"):
//! - staff are the tenant's own address, its employees, and any address on its company domain;
//! - a forward must come from staff, and the original inside it is the email;
//! - company → customer is outbound, customer → company is inbound;
//! - the employee is the sender of an outbound email; for an inbound one the staff member who
//!   forwarded it, else the first staff address in To, else in Cc;
//! - the customer side is the sender of an inbound email, else the first non-staff recipient.
//!
//! A direct email from someone not yet known is trusted when it is a conversation with staff
//! (a staff address in To or Cc) and not list mail; the caller also trusts known contacts.
//! Trusting the conversation rather than only already-known contacts keeps the outcome
//! independent of the order in which mail arrives.

use crate::mail::Mailbox;
use crate::mail::address::domain_of;
use crate::tenant::slug_of_recipient;

/// Which way an email went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Customer → company.
    Inbound,
    /// Company → customer.
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// The tenant's staff as ingestion sees them.
#[derive(Debug, Clone)]
pub struct Staff {
    pub owner_email: String,
    pub company_domain: Option<String>,
    /// Employee addresses, lower-case.
    pub employees: Vec<String>,
    /// The tenant's own inbound address, besides `inbound+<slug>@…`.
    pub inbound_address: Option<String>,
}

impl Staff {
    /// The staff of a tenant with these employee addresses.
    pub fn of(
        tenant: &crate::tenant::Tenant,
        employees: impl IntoIterator<Item = String>,
    ) -> Staff {
        Staff {
            owner_email: tenant.email.to_lowercase(),
            company_domain: tenant.company_domain.clone(),
            employees: employees.into_iter().map(|e| e.to_lowercase()).collect(),
            inbound_address: tenant.inbound_address.clone(),
        }
    }

    pub fn is_staff(&self, address: &str) -> bool {
        let address = address.to_lowercase();
        address == self.owner_email
            || self.employees.contains(&address)
            || self
                .company_domain
                .as_deref()
                .is_some_and(|d| domain_of(&address).is_some_and(|ad| ad.eq_ignore_ascii_case(d)))
    }

    pub fn is_inbound(&self, address: &str) -> bool {
        slug_of_recipient(address).is_some()
            || self
                .inbound_address
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(address))
    }
}

/// Why a message is not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    UnknownTenant,
    Malformed(String),
    FailedVerdict(String),
    ForwarderNotEmployee(String),
    NewsletterUnknownSender(String),
    UntrustedSender(String),
    NoCustomer,
    NoSender,
    Unauthorized,
}

impl Rejection {
    /// A stable code, recorded as the reason's prefix.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::UnknownTenant => "unknown_tenant",
            Rejection::Malformed(_) => "malformed",
            Rejection::FailedVerdict(_) => "failed_verdict",
            Rejection::ForwarderNotEmployee(_) => "forwarder_not_employee",
            Rejection::NewsletterUnknownSender(_) => "newsletter_unknown_sender",
            Rejection::UntrustedSender(_) => "untrusted_sender",
            Rejection::NoCustomer => "no_customer",
            Rejection::NoSender => "no_sender",
            Rejection::Unauthorized => "unauthorized",
        }
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let detail = match self {
            Rejection::UnknownTenant => "no tenant has this inbound address".to_owned(),
            Rejection::Malformed(why) => format!("the message cannot be read: {why}"),
            Rejection::FailedVerdict(which) => format!("the mail server's {which} check failed"),
            Rejection::ForwarderNotEmployee(who) => {
                format!("forwarded by {who}, who is not on the staff")
            }
            Rejection::NewsletterUnknownSender(who) => {
                format!("bulk mail from unknown sender {who}")
            }
            Rejection::UntrustedSender(who) => {
                format!("{who} is neither staff nor a known customer, and wrote to no staff member")
            }
            Rejection::NoCustomer => "no customer among the recipients (internal mail)".to_owned(),
            Rejection::NoSender => "the message names no sender".to_owned(),
            Rejection::Unauthorized => "the inbound secret is missing or wrong".to_owned(),
        };
        write!(f, "{}: {detail}", self.code())
    }
}

/// What the rules make of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    pub direction: Direction,
    pub from: Mailbox,
    /// Recipients, inbound addresses removed, lower-case.
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// The staff member the email belongs to.
    pub employee: Mailbox,
    /// The customer-side person.
    pub counterpart: Mailbox,
    pub forwarded_by: Option<String>,
    /// Sent directly by someone outside the staff (not forwarded): the caller must check
    /// that the sender is a known contact, or apply [`Attribution::trusted_without_history`].
    pub direct_from_outside: bool,
    /// A staff address is among the recipients.
    pub writes_to_staff: bool,
}

impl Attribution {
    /// For a direct email from an unknown sender: trusted if it writes to staff and is not
    /// list mail; otherwise the rejection.
    pub fn trusted_without_history(&self, bulk: bool) -> Result<(), Rejection> {
        let who = self.from.address.clone().unwrap_or_default();
        if bulk {
            Err(Rejection::NewsletterUnknownSender(who))
        } else if !self.writes_to_staff {
            Err(Rejection::UntrustedSender(who))
        } else {
            Ok(())
        }
    }
}

fn addresses(list: &[Mailbox], staff: &Staff) -> Vec<String> {
    list.iter()
        .filter_map(|m| m.address.as_deref())
        .map(str::to_lowercase)
        .filter(|a| !staff.is_inbound(a))
        .collect()
}

fn mailbox_for(address: &str, lists: &[&[Mailbox]]) -> Mailbox {
    lists
        .iter()
        .flat_map(|l| l.iter())
        .find(|m| {
            m.address
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(address))
        })
        .cloned()
        .unwrap_or_else(|| Mailbox::new(Some(address), None))
}

/// Applies the rules to a message: `outer_from` is who delivered it, `original` the email
/// itself (the forwarded original, or the message), `forwarded` whether it was unwrapped.
///
/// # Errors
/// The [`Rejection`] when the message is not to be stored.
pub fn attribute(
    staff: &Staff,
    outer_from: Option<&Mailbox>,
    forwarded: bool,
    from: &Mailbox,
    to: &[Mailbox],
    cc: &[Mailbox],
) -> Result<Attribution, Rejection> {
    let forwarded_by = if forwarded {
        let forwarder = outer_from
            .and_then(|m| m.address.clone())
            .ok_or(Rejection::NoSender)?
            .to_lowercase();
        if !staff.is_staff(&forwarder) {
            return Err(Rejection::ForwarderNotEmployee(forwarder));
        }
        Some(forwarder)
    } else {
        None
    };
    let sender = from
        .address
        .as_deref()
        .ok_or(Rejection::NoSender)?
        .to_lowercase();
    let to_list = addresses(to, staff);
    let cc_list = addresses(cc, staff);
    let first_staff = |list: &[String]| list.iter().find(|a| staff.is_staff(a)).cloned();
    let writes_to_staff = first_staff(&to_list)
        .or_else(|| first_staff(&cc_list))
        .is_some();
    let from = Mailbox::new(Some(&sender), from.name.as_deref());

    if staff.is_staff(&sender) {
        let counterpart = to_list
            .iter()
            .chain(cc_list.iter())
            .find(|a| !staff.is_staff(a))
            .ok_or(Rejection::NoCustomer)?;
        return Ok(Attribution {
            direction: Direction::Outbound,
            employee: from.clone(),
            counterpart: mailbox_for(counterpart, &[to, cc]),
            from,
            to: to_list,
            cc: cc_list,
            forwarded_by,
            direct_from_outside: false,
            writes_to_staff,
        });
    }
    let employee_address = forwarded_by
        .clone()
        .or_else(|| first_staff(&to_list))
        .or_else(|| first_staff(&cc_list));
    let employee = match employee_address {
        Some(address) => {
            let mut known = mailbox_for(&address, &[to, cc]);
            if forwarded_by.as_deref() == Some(address.as_str())
                && let Some(outer) = outer_from
            {
                known = Mailbox::new(Some(&address), outer.name.as_deref());
            }
            known
        }
        // Mail from a customer to the inbound address alone belongs to the owner.
        None => Mailbox::new(Some(&staff.owner_email), None),
    };
    Ok(Attribution {
        direction: Direction::Inbound,
        employee,
        counterpart: from.clone(),
        from,
        to: to_list,
        cc: cc_list,
        direct_from_outside: !forwarded,
        forwarded_by,
        writes_to_staff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff() -> Staff {
        Staff {
            owner_email: "maya@brightpath.io".into(),
            company_domain: Some("brightpath.io".into()),
            employees: vec!["priya@brightpath.io".into()],
            inbound_address: None,
        }
    }

    fn mb(a: &str) -> Mailbox {
        Mailbox::new(Some(a), None)
    }

    #[test]
    fn a_forwarded_customer_email_is_inbound_and_belongs_to_the_forwarder() {
        let a = attribute(
            &staff(),
            Some(&mb("priya@brightpath.io")),
            true,
            &mb("jordan@harborlane.com"),
            &[mb("priya@brightpath.io")],
            &[],
        )
        .expect("attributed");
        assert_eq!(a.direction, Direction::Inbound);
        assert_eq!(a.employee.address.as_deref(), Some("priya@brightpath.io"));
        assert_eq!(
            a.counterpart.address.as_deref(),
            Some("jordan@harborlane.com")
        );
        assert_eq!(a.forwarded_by.as_deref(), Some("priya@brightpath.io"));
        assert!(!a.direct_from_outside);
    }

    #[test]
    fn a_bcc_reply_by_staff_is_outbound_to_the_first_customer_recipient() {
        let a = attribute(
            &staff(),
            Some(&mb("diego@brightpath.io")),
            false,
            &mb("diego@brightpath.io"),
            &[mb("jess@kestrel.com")],
            &[mb("inbound+brightpath@in.trellin.app")],
        )
        .expect("attributed");
        assert_eq!(a.direction, Direction::Outbound);
        assert_eq!(a.employee.address.as_deref(), Some("diego@brightpath.io"));
        assert_eq!(a.counterpart.address.as_deref(), Some("jess@kestrel.com"));
        assert!(a.cc.is_empty(), "the inbound address is never listed");
    }

    #[test]
    fn a_forward_by_an_outsider_is_rejected() {
        let err = attribute(
            &staff(),
            Some(&mb("someone@else.com")),
            true,
            &mb("jordan@harborlane.com"),
            &[],
            &[],
        )
        .unwrap_err();
        assert_eq!(err.code(), "forwarder_not_employee");
    }

    #[test]
    fn direct_mail_is_trusted_only_when_it_writes_to_staff_and_is_not_bulk() {
        let reply_all = attribute(
            &staff(),
            Some(&mb("jess@kestrel.com")),
            false,
            &mb("jess@kestrel.com"),
            &[mb("priya@brightpath.io")],
            &[mb("inbound+brightpath@in.trellin.app")],
        )
        .expect("attributed");
        assert!(reply_all.direct_from_outside);
        assert_eq!(
            reply_all.employee.address.as_deref(),
            Some("priya@brightpath.io")
        );
        assert!(reply_all.trusted_without_history(false).is_ok());
        assert_eq!(
            reply_all.trusted_without_history(true).unwrap_err().code(),
            "newsletter_unknown_sender"
        );
        let cold = attribute(
            &staff(),
            Some(&mb("x@spam.com")),
            false,
            &mb("x@spam.com"),
            &[mb("inbound+brightpath@in.trellin.app")],
            &[],
        )
        .expect("attributed");
        assert_eq!(
            cold.trusted_without_history(false).unwrap_err().code(),
            "untrusted_sender"
        );
    }

    #[test]
    fn internal_mail_has_no_customer() {
        let err = attribute(
            &staff(),
            Some(&mb("maya@brightpath.io")),
            false,
            &mb("maya@brightpath.io"),
            &[mb("priya@brightpath.io")],
            &[],
        )
        .unwrap_err();
        assert_eq!(err, Rejection::NoCustomer);
    }
}
