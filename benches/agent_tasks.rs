//! The agent benchmark's five scenarios; each returns its table rows and
//! notes. Sides that are compared are measured alternately in one run.

use std::path::Path;
use std::time::{Duration, Instant};

use mig::engine::open::Busy;
use mig::engine::paths::DatabaseSpec;
use mig::proto::StatusRequest;

use super::agent_site::{self as site, Agent, DB};
use super::agent_writer::Writer;
use super::{pause, pct, Figure, Settings, Site};

/// How often a detached migrate's end is polled with Status.
const POLL: Duration = Duration::from_millis(100);

type Out = (Vec<Figure>, Vec<String>);

/// Peak RSS of a fresh agent while migrating the big and the small database.
pub async fn memory(site: &Site, s: &Settings) -> Out {
    site::ensure_database(&site.big, s.big_mib);
    let (mut figures, mut notes) = (Vec::new(), Vec::new());
    for (label, db, mib) in [
        ("small", &site.small, s.small_mib),
        ("big", &site.big, s.big_mib),
    ] {
        let agent = site.agent(&format!("memory-{label}"), DB, db, "");
        site::reset(&agent, DB).await;
        let before = agent.vm_hwm_kib();
        let (stop, sampler) = agent.rss_sampler(Duration::from_millis(10));
        let job = site::migrate_attached(&agent, DB).await;
        let peak = agent.vm_hwm_kib();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let series = sampler.join().expect("the RSS sampler panicked");
        let peak_of = |i: usize| series.iter().map(|(_, v)| v[i]).max().unwrap_or(0);
        let (anon, file, shmem) = (peak_of(0), peak_of(1), peak_of(2));
        let by_phase: Vec<String> = job
            .marks
            .windows(2)
            .map(|w| {
                let top = series
                    .iter()
                    .filter(|(t, _)| *t >= w[0].0 && *t <= w[1].0)
                    .map(|(_, v)| v[0])
                    .max()
                    .unwrap_or(0);
                format!("{} {:.1}", w[0].1, top as f64 / 1024.0)
            })
            .collect();
        site::reset(&agent, DB).await;
        let bytes = std::fs::metadata(db).map_or(0, |m| m.len());
        notes.push(format!(
            "memory {label}: {:.0} MiB old database, copy {:.1}s, VmHWM {:.1} MiB before migrate, {:.1} MiB after; sampled peaks (10 ms) RssAnon {:.1} MiB, RssFile {:.1} MiB, RssShmem {:.1} MiB; RssAnon peak by phase (MiB): {}",
            bytes as f64 / 1048576.0,
            job.seconds(),
            before as f64 / 1024.0,
            peak as f64 / 1024.0,
            anon as f64 / 1024.0,
            file as f64 / 1024.0,
            shmem as f64 / 1024.0,
            by_phase.join(", ")
        ));
        figures.push(Figure::new(
            "memory",
            format!("agent VmHWM MiB, migrating {mib} MiB"),
            vec![peak as f64 / 1024.0],
            Some(("≤ 64", &|v| v <= 64.0)),
        ));
    }
    (figures, notes)
}

/// Copy time attached to the progress stream vs detached, alternated, on
/// the big database (a copy of ~1 s is too short on a noisy machine).
pub async fn streaming(site: &Site, s: &Settings) -> Out {
    site::ensure_database(&site.big, s.big_mib);
    let agent = site.agent("streaming", DB, &site.big, "");
    site::reset(&agent, DB).await;
    let (mut ratios, mut attached, mut detached) = (Vec::new(), Vec::new(), Vec::new());
    for pair in 0..s.stream_pairs {
        let mut a = 0.0;
        let mut d = 0.0;
        for side in 0..2 {
            let attach = (pair + side) % 2 == 0;
            let job = if attach {
                site::migrate_attached(&agent, DB).await
            } else {
                site::migrate_detached(&agent, DB, POLL).await
            };
            site::reset(&agent, DB).await;
            if attach {
                a = job.seconds();
            } else {
                d = job.seconds();
            }
        }
        ratios.push(a / d);
        attached.push(a);
        detached.push(d);
    }
    let figures = vec![
        Figure::new(
            "streaming",
            "copy time attached / detached",
            ratios,
            Some(("≤ 1.02", &|v| v <= 1.02)),
        ),
        Figure::new("streaming", "copy s, attached", attached, None),
        Figure::new("streaming", "copy s, detached", detached, None),
    ];
    (figures, vec![])
}

/// Status from `clients` concurrent connections on a recording database.
pub async fn status(site: &Site, s: &Settings) -> Out {
    let agent = site.agent("status", DB, &site.small, "");
    site::reset(&agent, DB).await;
    site::migrate_attached(&agent, DB).await;
    // A light service load keeps the log growing, as operators would see it.
    let writer = Writer::start(&site.small, 100, 7, s.writer_autocheckpoint);
    let (mut p50, mut p99, mut max, mut single) = (vec![], vec![], vec![], vec![]);
    let (mut paced50, mut paced99) = (vec![], vec![]);
    let every = Duration::from_millis(s.status_interval_ms);
    for _ in 0..s.reps {
        let one = status_round(&agent, 1, s.calls, None).await;
        single.push(pct(&one, 50.0));
        let paced = status_round(&agent, s.clients, s.paced_calls, Some(every)).await;
        paced50.push(pct(&paced, 50.0));
        paced99.push(pct(&paced, 99.0));
        let all = status_round(&agent, s.clients, s.calls, None).await;
        p50.push(pct(&all, 50.0));
        p99.push(pct(&all, 99.0));
        max.push(pct(&all, 100.0));
    }
    let engine = engine_status_ms(&site.small, 50);
    let log = writer.stop();
    site::reset(&agent, DB).await;
    let notes = vec![format!(
        "status: engine::status::status in-process (opens both databases, counts rows) p50 {:.2} ms, p99 {:.2} ms over 50 calls; a 100 writes/s writer ran during the rounds ({} writes)",
        pct(&engine, 50.0),
        pct(&engine, 99.0),
        log.ok.len()
    )];
    let c = s.clients;
    let figures = vec![
        Figure::new(
            "status",
            format!("p99 ms, {c} clients"),
            p99,
            Some(("≤ 5", &|v| v <= 5.0)),
        ),
        Figure::new("status", format!("p50 ms, {c} clients"), p50, None),
        Figure::new("status", format!("max ms, {c} clients"), max, None),
        Figure::new("status", "p50 ms, 1 client", single, None),
        Figure::new(
            "status",
            format!(
                "p50 ms, {c} clients each polling every {} ms",
                s.status_interval_ms
            ),
            paced50,
            None,
        ),
        Figure::new(
            "status",
            format!(
                "p99 ms, {c} clients each polling every {} ms",
                s.status_interval_ms
            ),
            paced99,
            None,
        ),
    ];
    (figures, notes)
}

/// Latencies (ms) of `calls` sequential Status calls from each of
/// `clients` connections, all established before the clock starts:
/// back-to-back (closed loop), or one call per `every` (staggered starts).
async fn status_round(
    agent: &Agent,
    clients: usize,
    calls: usize,
    every: Option<Duration>,
) -> Vec<f64> {
    let mut conns = Vec::with_capacity(clients);
    for _ in 0..clients {
        conns.push(agent.connect().await);
    }
    let mut set = tokio::task::JoinSet::new();
    for (i, mut c) in conns.into_iter().enumerate() {
        set.spawn(async move {
            let mut lat = Vec::with_capacity(calls);
            let mut tick = every.map(|e| {
                let offset = e.mul_f64(i as f64 / clients as f64);
                let mut t = tokio::time::interval_at(tokio::time::Instant::now() + offset, e);
                t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                t
            });
            for _ in 0..calls {
                if let Some(t) = tick.as_mut() {
                    t.tick().await;
                }
                let t = Instant::now();
                c.status(StatusRequest {
                    database: DB.into(),
                })
                .await
                .expect("status");
                lat.push(t.elapsed().as_secs_f64() * 1e3);
            }
            lat
        });
    }
    let mut all = Vec::with_capacity(clients * calls);
    while let Some(r) = set.join_next().await {
        all.extend(r.expect("a status client panicked"));
    }
    all
}

/// What the engine's status costs without gRPC (ms per call).
fn engine_status_ms(old: &Path, calls: usize) -> Vec<f64> {
    let spec = DatabaseSpec {
        old: Some(old.to_path_buf()),
        new: Some(site::new_path(old)),
        project: None,
    };
    (0..calls)
        .map(|_| {
            let t = Instant::now();
            mig::engine::status::status(&spec, Busy(Duration::from_secs(5)))
                .expect("engine status");
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

/// Drain after recording under a paced writer; freeze and refusal window.
pub async fn drain(site: &Site, s: &Settings) -> Out {
    let agent = site.agent("drain", DB, &site.small, "");
    site::reset(&agent, DB).await;
    let (mut freeze, mut window, mut refused, mut notes) = (vec![], vec![], vec![], vec![]);
    for rep in 0..s.reps {
        site::migrate_attached(&agent, DB).await;
        let writer = Writer::start(
            &site.small,
            s.drain_rate,
            100 + rep as u64,
            s.writer_autocheckpoint,
        );
        let t = Instant::now();
        pause(Duration::from_secs(s.recording_secs)).await;
        let mut c = agent.connect().await;
        let st = c
            .status(StatusRequest {
                database: DB.into(),
            })
            .await
            .expect("status before drain")
            .into_inner();
        let job = site::drain(&agent, DB).await;
        let recorded = t.elapsed();
        let log = writer.stop();
        let summary = job.drain.clone().expect("a drain summary");
        freeze.push(summary.freeze_ms);
        let w = match (log.refused.first(), log.refused.last()) {
            (Some(first), Some(_)) => (job.completed_ms - first).max(0) as f64,
            _ => 0.0,
        };
        window.push(w);
        refused.push(log.refused.len() as f64);
        let ok_during = log.latencies_between(0, job.started_ms).len();
        notes.push(format!(
            "drain rep {rep}: {ok_during} writes committed before the drain ({:.0}/s over {:.0}s), {} pending replay and {:.2}s lag at drain start, {} entries replayed in the drain, {} attempts, drain {:.2}s (verify {:.2}s), writer failures {} {}",
            ok_during as f64 / (recorded.as_secs_f64() - job.seconds()).max(1e-3),
            recorded.as_secs_f64() - job.seconds(),
            st.pending_replay.unwrap_or(0),
            st.replay_lag_seconds,
            summary.entries_replayed,
            summary.attempts,
            job.seconds(),
            summary.verify_seconds,
            log.failed,
            log.first_failure
        ));
        site::reset(&agent, DB).await;
    }
    let figures = vec![
        Figure::new(
            "drain window",
            "freeze ms (DrainSummary.freeze_ms)",
            freeze,
            Some(("≤ 100", &|v| v <= 100.0)),
        ),
        Figure::new(
            "drain window",
            "writer: first refused write → drain completed, ms",
            window,
            None,
        ),
        Figure::new("drain window", "writes refused", refused, None),
    ];
    (figures, notes)
}
