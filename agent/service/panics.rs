//! A bug answered the same way wherever it strikes: a panic on a job's
//! thread and one in a request's blocking work are both INTERNAL, with a
//! line saying it is a bug, and the job ends `Failed` with nothing else
//! changed (the real registry and job thread; the panic stands in for a bug).

use tonic::{Code, Status};

use super::{blocking, convert};
use crate::config::{AgentConfig, DatabaseConfig};
use crate::engine::paths::DatabaseSpec;
use crate::engine::plan::quoted::Disclosure;
use crate::jobs::{JobKind, JobState, Registry};
use crate::proto as pb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_panic_and_a_request_panic_are_both_internal_and_say_it_is_a_bug() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = DatabaseSpec {
        old: Some(dir.path().join("old.db")),
        new: Some(dir.path().join("new.db")),
        project: None,
    };
    let registry = Registry::new(AgentConfig {
        databases: vec![DatabaseConfig::new("a", spec)],
    });
    let job = registry
        .start("a", JobKind::Migrate, "test", |_, _| {
            panic!("a bug, on purpose")
        })
        .await
        .expect("the job starts");
    let mut tick = job.subscribe();
    while job.state().is_live() {
        tick.changed().await.expect("the job ends");
    }
    assert_eq!(job.state(), JobState::Failed);
    let (events, _, ended) = job.events_from(1);
    assert!(ended);
    let last = events.last().cloned().expect("a terminal event");
    let Some(pb::job_event::Event::Failed(failed)) =
        convert::job_event(&job.snapshot(), last, Disclosure::Values).event
    else {
        panic!("the job's last event is JobFailed");
    };
    assert_eq!(failed.code, "INTERNAL");
    assert!(failed.message.contains("(a bug"), "{}", failed.message);

    let answer = blocking::<(), _>(|| panic!("a bug, on purpose")).await;
    let status = Status::from(answer.expect_err("the request fails"));
    assert_eq!(status.code(), Code::Internal);
    assert!(status.message().contains("(a bug"), "{}", status.message());
    assert!(!status.message().contains('\n'));
    assert!(!dir.path().join("new.db").exists(), "nothing was written");
}
