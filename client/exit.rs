//! Exit codes, and the one place errors become them.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success; also a completed step run again (ALREADY_EXISTS): it says "already …; nothing to do" and changes nothing |
//! | 1 | the command was refused or failed: wrong phase (FAILED_PRECONDITION), bad schema or request (INVALID_ARGUMENT), plan not runnable, job failed |
//! | 2 | usage error (clap, or flags that contradict each other) |
//! | 3 | the agent is unreachable or unavailable (UNAVAILABLE, DEADLINE_EXCEEDED, connection errors) |
//! | 4 | data loss or a failed verification (DATA_LOSS) |
//! | 5 | cancelled or interrupted (CANCELLED, a `JobCancelled` event, Ctrl-C) |
//! | 6 | aborted: the database is busy or another job is running (ABORTED) |
//!
//! Every failure is printed once, as `<command> failed: <message>`, by
//! `main` (an already-done step as its message alone, on stdout); nothing
//! else here prints.

use std::process::ExitCode;

use tonic::Code;

/// A documented exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The step was already done; nothing changed (exit 0).
    AlreadyDone = 0,
    Failed = 1,
    Usage = 2,
    Unavailable = 3,
    DataLoss = 4,
    Cancelled = 5,
    Busy = 6,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// A failure the client itself decided on, with the exit code it means.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

/// A failure with its exit code, as an error to return.
pub fn error(exit: Exit, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Failure {
        exit,
        message: message.into(),
    })
}

/// A usage error: flags that contradict each other or the mode.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    error(Exit::Usage, message)
}

/// The command was refused or failed.
pub fn failed(message: impl Into<String>) -> anyhow::Error {
    error(Exit::Failed, message)
}

/// The exit code for a gRPC status code.
pub fn for_code(code: Code) -> Exit {
    match code {
        Code::AlreadyExists => Exit::AlreadyDone,
        Code::InvalidArgument
        | Code::FailedPrecondition
        | Code::NotFound
        | Code::PermissionDenied
        | Code::Unauthenticated
        | Code::ResourceExhausted
        | Code::OutOfRange
        | Code::Unimplemented
        | Code::Internal
        | Code::Unknown
        | Code::Ok => Exit::Failed,
        Code::Unavailable | Code::DeadlineExceeded => Exit::Unavailable,
        Code::DataLoss => Exit::DataLoss,
        Code::Cancelled => Exit::Cancelled,
        Code::Aborted => Exit::Busy,
    }
}

/// The status code named in a `JobFailed` event (`"FAILED_PRECONDITION"`).
/// An unknown name is `Unknown`.
pub fn code_from_name(name: &str) -> Code {
    match name {
        "OK" => Code::Ok,
        "CANCELLED" => Code::Cancelled,
        "INVALID_ARGUMENT" => Code::InvalidArgument,
        "DEADLINE_EXCEEDED" => Code::DeadlineExceeded,
        "NOT_FOUND" => Code::NotFound,
        "ALREADY_EXISTS" => Code::AlreadyExists,
        "PERMISSION_DENIED" => Code::PermissionDenied,
        "RESOURCE_EXHAUSTED" => Code::ResourceExhausted,
        "FAILED_PRECONDITION" => Code::FailedPrecondition,
        "ABORTED" => Code::Aborted,
        "OUT_OF_RANGE" => Code::OutOfRange,
        "UNIMPLEMENTED" => Code::Unimplemented,
        "INTERNAL" => Code::Internal,
        "UNAVAILABLE" => Code::Unavailable,
        "DATA_LOSS" => Code::DataLoss,
        "UNAUTHENTICATED" => Code::Unauthenticated,
        _ => Code::Unknown,
    }
}

/// The exit code for an error: the first [`Failure`], `tonic::Status` or
/// transport error in its chain decides; anything else is a failure (1).
pub fn classify(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.exit;
        }
        if let Some(s) = cause.downcast_ref::<tonic::Status>() {
            return for_code(s.code());
        }
        if cause.is::<tonic::transport::Error>() {
            return Exit::Unavailable;
        }
    }
    Exit::Failed
}

/// The error as one line: its chain joined by `: `, a status shown by its
/// message (the agent's words) rather than its debug form.
pub fn message(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = match cause.downcast_ref::<tonic::Status>() {
            Some(s) if s.message().is_empty() => s.code().description().to_string(),
            Some(s) => s.message().to_string(),
            None => cause.to_string(),
        };
        // A wrapper often repeats its source's text; print it once.
        if parts.last().is_some_and(|p| p.ends_with(&text)) {
            continue;
        }
        parts.push(text);
        // A status's source is transport detail already in its message.
        if cause.is::<tonic::Status>() {
            break;
        }
    }
    // Transport errors nest wrappers whose text already holds their source's
    // ("tcp connect error: tcp connect error: refused"): one of each in a row.
    let joined = parts.join(": ").replace('\n', " ");
    let mut segments: Vec<&str> = joined.split(": ").collect();
    segments.dedup();
    segments.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn status_codes_map_to_documented_exits() {
        assert_eq!(for_code(Code::FailedPrecondition), Exit::Failed);
        assert_eq!(for_code(Code::InvalidArgument), Exit::Failed);
        assert_eq!(for_code(Code::Unavailable), Exit::Unavailable);
        assert_eq!(for_code(Code::DataLoss), Exit::DataLoss);
        assert_eq!(for_code(Code::Cancelled), Exit::Cancelled);
        assert_eq!(for_code(Code::Aborted), Exit::Busy);
        assert_eq!(for_code(Code::AlreadyExists), Exit::AlreadyDone);
        assert_eq!(ExitCode::from(Exit::AlreadyDone), ExitCode::SUCCESS);
    }

    #[test]
    fn a_repeated_transport_wrapper_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let e = anyhow::Error::new(io)
            .context("tcp connect error: tcp connect error: Connection refused")
            .context("cannot reach the agent at https://localhost:1");
        assert_eq!(
            message(&e),
            "cannot reach the agent at https://localhost:1: tcp connect error: Connection refused"
        );
    }

    #[test]
    fn job_failed_code_names_parse() {
        assert_eq!(
            code_from_name("FAILED_PRECONDITION"),
            Code::FailedPrecondition
        );
        assert_eq!(code_from_name("DATA_LOSS"), Code::DataLoss);
        assert_eq!(code_from_name("ABORTED"), Code::Aborted);
        assert_eq!(code_from_name("nonsense"), Code::Unknown);
    }

    #[test]
    fn status_message_is_printed_without_code_noise() {
        let e = anyhow::Error::new(tonic::Status::failed_precondition(
            "drain is not complete: the old database is still recording writes",
        ));
        assert_eq!(classify(&e), Exit::Failed);
        assert_eq!(
            message(&e),
            "drain is not complete: the old database is still recording writes"
        );
    }

    #[test]
    fn context_is_kept_and_the_first_typed_cause_decides() {
        let e = Err::<(), _>(tonic::Status::aborted("another job is running"))
            .context("starting the drain")
            .unwrap_err();
        assert_eq!(classify(&e), Exit::Busy);
        assert_eq!(message(&e), "starting the drain: another job is running");
        let u = usage("paths are configured on the agent; pass --database NAME");
        assert_eq!(classify(&u), Exit::Usage);
        assert_eq!(classify(&anyhow::anyhow!("plain")), Exit::Failed);
    }
}
