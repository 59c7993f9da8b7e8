//! The jobs layer's errors: the request named something that is not there,
//! or collides with work already running. Engine failures pass through.

use crate::engine::EngineError;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The request named a database this agent does not serve.
    #[error("unknown database {name:?}; this agent serves: {known}")]
    UnknownDatabase { name: String, known: String },

    /// The request named a set file that is a link to a file served under
    /// another name (one file is one database).
    #[error("database {name:?} is not served on its own: its file is a link to the file served as database {serves_as:?}; use --database {serves_as}")]
    Alias { name: String, serves_as: String },

    /// The database was removed from the configuration; it is kept only
    /// until the work running on it ends.
    #[error("database {name:?} was removed from the agent's configuration; it takes no new work and goes once its running job ends (`mig watch` follows it)")]
    Removed { name: String },

    /// No job with that id (or none at all) for the database.
    #[error("{0}")]
    UnknownJob(String),

    /// Another job or step holds the database.
    #[error("database {database:?} is busy with {what}; wait for it (`mig watch`) or cancel it (`mig cancel`)")]
    Conflict { database: String, what: String },

    /// The job has already ended; it can no longer be paused or resumed.
    #[error("job {job_id} has already {state}; nothing to {action}")]
    Finished {
        job_id: String,
        state: &'static str,
        action: &'static str,
    },

    /// The agent is stopping and takes no new work.
    #[error("the agent is shutting down; retry against the restarted agent")]
    ShuttingDown,

    /// The job's thread could not be started.
    #[error("cannot start a job thread: {0}")]
    Spawn(std::io::Error),

    #[error(transparent)]
    Engine(#[from] EngineError),
}
