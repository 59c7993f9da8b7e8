//! Following a job: the events it still holds from a sequence number, then
//! live ones until its terminal event, through a bounded channel.
//!
//! The job never waits for a follower: events are read from the job's own
//! log, so a slow client only falls behind (and is told what it missed).

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use super::{convert, EventStream};
use crate::jobs::{Job, EVENT_LOG_CAPACITY};
use crate::proto as pb;

/// Events buffered per stream before the sender waits for the client.
const STREAM_CAPACITY: usize = 64;

/// Whether a stream follows the job to its end or stops after `Started`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    ToEnd,
    FirstOnly,
}

pub fn follow(job: Arc<Job>, from_seq: u64, mode: Follow) -> EventStream {
    let (tx, rx) = mpsc::channel::<Result<pb::JobEvent, Status>>(STREAM_CAPACITY);
    tokio::spawn(async move {
        let info = job.snapshot();
        let mut tick = job.subscribe();
        let mut next = from_seq.max(1);
        loop {
            tick.borrow_and_update();
            let (events, missed, ended) = job.events_from(next);
            if missed > 0 {
                let notice = missed_notice(&info, missed);
                if tx.send(Ok(notice)).await.is_err() {
                    return;
                }
            }
            for e in events {
                next = e.seq + 1;
                if tx.send(Ok(convert::job_event(&info, e))).await.is_err() {
                    return;
                }
                if mode == Follow::FirstOnly {
                    return;
                }
            }
            if ended || tick.changed().await.is_err() {
                return;
            }
        }
    });
    Box::pin(ReceiverStream::new(rx))
}

/// A synthetic notice (seq 0) telling a late follower what it missed.
fn missed_notice(info: &crate::jobs::JobSnapshot, missed: u64) -> pb::JobEvent {
    pb::JobEvent {
        seq: 0,
        job_id: info.id.clone(),
        database: info.database.clone(),
        unix_ms: 0,
        event: Some(pb::job_event::Event::Notice(pb::Notice {
            level: "warn".into(),
            message: format!(
                "{missed} earlier events are no longer held (the agent keeps the last {EVENT_LOG_CAPACITY} per job)"
            ),
        })),
    }
}
