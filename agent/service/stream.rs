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
use crate::engine::plan::quoted::Disclosure;
use crate::jobs::Job;
use crate::proto as pb;

/// Events buffered per stream before the sender waits for the client.
const STREAM_CAPACITY: usize = 64;

/// Whether a stream follows the job to its end or (`--detach`) stops once
/// the job is under way: after `Started` and the event that follows it, so
/// a job refused by its first check streams the refusal, not a bare start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    ToEnd,
    UnderWay,
}

/// Events a detached stream carries: `Started` and the one after it.
const DETACHED_EVENTS: usize = 2;

/// How long a detached stream waits for the event after `Started`.
const DETACHED_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Streams `job`'s events from `from_seq` as `d` may read them: the same
/// job's history is withheld from a viewer wherever it quotes rows.
pub fn follow(job: Arc<Job>, from_seq: u64, mode: Follow, d: Disclosure) -> EventStream {
    let (tx, rx) = mpsc::channel::<Result<pb::JobEvent, Status>>(STREAM_CAPACITY);
    tokio::spawn(async move {
        let info = job.snapshot();
        let mut tick = job.subscribe();
        let mut next = from_seq.max(1);
        let mut sent = 0;
        loop {
            tick.borrow_and_update();
            let (events, missed, ended) = job.events_from(next);
            if missed > 0 {
                let notice = convert::missed_notice(&info, missed);
                if tx.send(Ok(notice)).await.is_err() {
                    return;
                }
            }
            for e in events {
                next = e.seq + 1;
                if tx.send(Ok(convert::job_event(&info, e, d))).await.is_err() {
                    return;
                }
                sent += 1;
                if mode == Follow::UnderWay && sent == DETACHED_EVENTS {
                    return;
                }
            }
            if ended {
                return;
            }
            let changed = if mode == Follow::UnderWay && sent > 0 {
                // Detached: the job's next event, for a while; a job still
                // quiet by then is under way.
                match tokio::time::timeout(DETACHED_WAIT, tick.changed()).await {
                    Ok(changed) => changed,
                    Err(_) => return,
                }
            } else {
                tick.changed().await
            };
            if changed.is_err() {
                return;
            }
        }
    });
    Box::pin(ReceiverStream::new(rx))
}
