//! The one place where errors become gRPC statuses, by exhaustive matches:
//! a new error variant does not compile until it has a code. The transport's
//! refusals (no certificate, no role, a health service not revealed) are
//! built here too, and a panic is INTERNAL wherever it happens: in a
//! request's blocking work or on a job's thread.

use tonic::{Code, Status};

use crate::engine::plan::quoted::Disclosure;
use crate::engine::EngineError;
use crate::jobs::{JobError, JobFailure};

/// Errors of the service and transport layers themselves.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A request field the service cannot use; the message names it.
    #[error("{0}")]
    InvalidRequest(String),
    /// A position (e.g. a sequence number) outside what exists.
    #[error("{0}")]
    OutOfRange(String),
    /// A bug: a request's blocking work panicked (a job's panic is
    /// [`JobFailure::Panicked`]); both are INTERNAL and say so.
    #[error("the request stopped on an internal error (a bug; see the agent log): {0}")]
    Panicked(String),
    /// The caller presented no usable client certificate.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller's role does not allow the call.
    #[error("{0}")]
    PermissionDenied(String),
    /// A health service the plaintext listener does not reveal: answered
    /// exactly as one that does not exist.
    #[error("service not registered")]
    HealthNotRevealed,
    #[error(transparent)]
    Jobs(#[from] JobError),
}

impl From<EngineError> for ServiceError {
    fn from(e: EngineError) -> Self {
        ServiceError::Jobs(JobError::Engine(e))
    }
}

impl ServiceError {
    /// The status this error is answered with, its message as the caller
    /// may read it (`d`: a viewer's names no row values). Every unary call
    /// answers through here with its caller's disclosure (`calls.rs`), so
    /// an error that names rows never reaches a viewer in full, whichever
    /// call a future change lets a viewer make.
    pub fn status_for(&self, d: Disclosure) -> Status {
        let code = match self {
            ServiceError::InvalidRequest(_) => Code::InvalidArgument,
            ServiceError::OutOfRange(_) => Code::OutOfRange,
            ServiceError::Panicked(_) => Code::Internal,
            ServiceError::Unauthenticated(_) => Code::Unauthenticated,
            ServiceError::PermissionDenied(_) => Code::PermissionDenied,
            ServiceError::HealthNotRevealed => Code::NotFound,
            ServiceError::Jobs(j) => return job_status(j, d),
        };
        Status::new(code, self.to_string())
    }
}

/// Without a caller to ask, the withheld message: the safe default for a
/// refusal the transport makes before any caller is known.
impl From<ServiceError> for Status {
    fn from(e: ServiceError) -> Self {
        e.status_for(Disclosure::CountsOnly)
    }
}

fn job_status(e: &JobError, d: Disclosure) -> Status {
    let code = match e {
        JobError::Engine(inner) => return engine_status(inner, d),
        JobError::UnknownDatabase { .. } | JobError::Alias { .. } | JobError::UnknownJob(_) => {
            Code::NotFound
        }
        JobError::Conflict { .. } => Code::Aborted,
        JobError::Finished { .. } | JobError::Removed { .. } => Code::FailedPrecondition,
        JobError::ShuttingDown => Code::Unavailable,
        JobError::Spawn(_) => Code::ResourceExhausted,
    };
    Status::new(code, e.to_string())
}

/// The status a failed job's `JobFailed` event carries, as `d` may read it.
pub fn failure_status(f: &JobFailure, d: Disclosure) -> Status {
    match f {
        JobFailure::Engine(e) => engine_status(e, d),
        JobFailure::Panicked => Status::new(Code::Internal, f.to_string()),
    }
}

/// The status an engine error is reported with (also in `JobFailed`
/// events), its message as `d` may read it (a viewer's names no rows).
pub fn engine_status(e: &EngineError, d: Disclosure) -> Status {
    let code = match e {
        EngineError::Schema { .. } | EngineError::PlanBlocked(_) => Code::InvalidArgument,
        EngineError::File(_)
        | EngineError::Precondition(_)
        | EngineError::RowsBlock(_)
        | EngineError::NotOneMigration(_)
        | EngineError::Drift(_) => Code::FailedPrecondition,
        EngineError::AlreadyDone(_) => Code::AlreadyExists,
        // Another mig process working on the database is a busy database
        // too (exit 6): it ends, or its job is steered through its agent.
        EngineError::Busy(_) | EngineError::InUse(_) | EngineError::FreezeTimeout(_) => {
            Code::Aborted
        }
        EngineError::DiskFull(_) => Code::ResourceExhausted,
        EngineError::Cancelled(_) => Code::Cancelled,
        EngineError::Verification(_) => Code::DataLoss,
        EngineError::Io { .. } => Code::FailedPrecondition,
        EngineError::Sqlite { .. } => Code::Internal,
    };
    Status::new(code, e.for_caller(d))
}

/// The canonical name of a code, as in `JobFailed.code` ("FAILED_PRECONDITION").
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}
