//! The one place where errors become gRPC statuses, by exhaustive matches:
//! a new error variant does not compile until it has a code.

use tonic::{Code, Status};

use crate::engine::EngineError;
use crate::jobs::JobError;

/// Errors of the service layer itself: the request is malformed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    InvalidRequest(String),
    /// A position (e.g. a sequence number) outside what exists.
    #[error("{0}")]
    OutOfRange(String),
    /// A bug: a handler panicked. The message says where to look.
    #[error("{0}")]
    Internal(String),
    /// The caller's role does not allow the call.
    #[error("{0}")]
    PermissionDenied(String),
    #[error(transparent)]
    Jobs(#[from] JobError),
}

impl From<EngineError> for ServiceError {
    fn from(e: EngineError) -> Self {
        ServiceError::Jobs(JobError::Engine(e))
    }
}

impl From<ServiceError> for Status {
    fn from(e: ServiceError) -> Self {
        match &e {
            ServiceError::InvalidRequest(m) => Status::invalid_argument(m),
            ServiceError::OutOfRange(m) => Status::out_of_range(m),
            ServiceError::PermissionDenied(m) => Status::permission_denied(m),
            ServiceError::Internal(m) => Status::internal(m),
            ServiceError::Jobs(j) => job_status(j),
        }
    }
}

fn job_status(e: &JobError) -> Status {
    let code = match e {
        JobError::Engine(inner) => return engine_status(inner),
        JobError::UnknownDatabase { .. } | JobError::UnknownJob(_) => Code::NotFound,
        JobError::Conflict { .. } => Code::Aborted,
        JobError::Finished { .. } | JobError::Removed { .. } => Code::FailedPrecondition,
        JobError::ShuttingDown => Code::Unavailable,
        JobError::Spawn(_) => Code::ResourceExhausted,
    };
    Status::new(code, e.to_string())
}

/// The status an engine error is reported with (also in `JobFailed` events).
pub fn engine_status(e: &EngineError) -> Status {
    let code = match e {
        EngineError::Schema { .. } | EngineError::PlanBlocked(_) => Code::InvalidArgument,
        EngineError::File(_)
        | EngineError::Precondition(_)
        | EngineError::NotOneMigration(_)
        | EngineError::InUse(_)
        | EngineError::Drift(_) => Code::FailedPrecondition,
        EngineError::Busy(_) | EngineError::FreezeTimeout(_) => Code::Aborted,
        EngineError::DiskFull(_) => Code::ResourceExhausted,
        EngineError::Cancelled(_) => Code::Cancelled,
        EngineError::Verification(_) => Code::DataLoss,
        EngineError::Io { .. } => Code::FailedPrecondition,
        EngineError::Sqlite { .. } => Code::Internal,
    };
    Status::new(code, e.to_string())
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
