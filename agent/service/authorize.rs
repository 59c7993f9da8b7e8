//! Who is calling and what they may do: the first thing every handler asks.
//! The TLS transport puts a [`Caller`] into each request from the verified
//! client certificate (`transport::auth`); without one (the in-process
//! agent) the caller is the local operator.

use tonic::Request;

use super::ServiceError;
use crate::config::Role;
use crate::engine::plan::quoted::Disclosure;

/// Who made a request and what they may do.
#[derive(Debug, Clone)]
pub struct Caller {
    pub identity: String,
    pub role: Role,
}

/// The identity of a request's caller, for job ownership and audit lines.
pub(super) fn caller<T>(req: &Request<T>) -> String {
    req.extensions()
        .get::<Caller>()
        .map_or_else(|| "local".to_string(), |c| c.identity.clone())
}

/// How much of the old rows a report may quote to this caller: row data
/// for operators and the local caller, counts for viewers.
pub(super) fn disclosure<T>(req: &Request<T>) -> Disclosure {
    match req.extensions().get::<Caller>() {
        Some(c) if c.role < Role::Operator => Disclosure::CountsOnly,
        _ => Disclosure::Values,
    }
}

/// Refuses the call unless the caller has `needed` (or a stronger role);
/// the caller's identity otherwise.
pub(super) fn require<T>(
    req: &Request<T>,
    needed: Role,
    rpc: &str,
) -> Result<String, ServiceError> {
    match req.extensions().get::<Caller>() {
        None => Ok("local".to_string()),
        Some(c) if c.role >= needed => Ok(c.identity.clone()),
        Some(c) => Err(ServiceError::PermissionDenied(format!(
            "{} has role {}; {rpc} needs role {}: use an operator's certificate or ask for the role in the agent's [access]",
            c.identity,
            c.role.as_str(),
            needed.as_str()
        ))),
    }
}
