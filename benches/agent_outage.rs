//! The outage scenario (issue 12): what a service sees of the write outage,
//! against what mig reports, at several database sizes. Per size, a real
//! agent; per repetition and way of running it, a fresh migrate, the
//! outside writer (`outage_writer.rs`, its own process, ~1,000 writes/s)
//! recording for a while, then either `Drain` followed at once by
//! `Cutover` (the runbook's two commands) or `Drain` with `cutover` (one
//! job); the writer switches to the new database once it sees it ready.
//! Then `CleanupOld` and the new file deleted, for the next repetition.

use std::path::Path;
use std::time::Duration;

use mig::proto::{CleanupOldRequest, CutoverRequest, DrainRequest};

use super::agent_site::{self as site, Agent, DB};
use super::outage_writer::{observed_window, Outcome, OutsideWriter};
use super::{pause, pct, Figure, Settings, Site};

type Out = (Vec<Figure>, Vec<String>);

/// Payload bytes per generated row: small rows, so that 10M rows is about
/// a gigabyte.
const PAYLOAD: u32 = 16;

/// The two ways of running the end of the runbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// `mig drain`, then `mig cutover` as soon as it returns.
    TwoCommands,
    /// `mig drain --cutover`.
    OneJob,
}

impl Way {
    fn label(self) -> &'static str {
        match self {
            Way::TwoCommands => "drain, then cutover",
            Way::OneJob => "drain --cutover",
        }
    }

    fn file_label(self) -> &'static str {
        match self {
            Way::TwoCommands => "two-commands",
            Way::OneJob => "drain-cutover",
        }
    }

    /// The goal for the writer-observed window, ms.
    fn goal_ms(self) -> f64 {
        match self {
            Way::TwoCommands => 200.0,
            Way::OneJob => 100.0,
        }
    }
}

/// One run: what the writer saw and what mig said.
struct Sample {
    writer_ms: f64,
    refused_writes: usize,
    reported_ms: f64,
    freeze_ms: f64,
    drain_reported_ms: f64,
}

pub async fn outage(site: &Site, s: &Settings) -> Out {
    let (mut figures, mut notes) = (Vec::new(), Vec::new());
    let mut windows: Vec<(u64, Way, f64)> = Vec::new();
    for &rows in &s.outage_rows {
        let old = site.dir.join(format!("outage-{rows}.db"));
        site::ensure_rows(&old, rows, PAYLOAD);
        let agent = site.agent(&format!("outage-{rows}"), DB, &old, "");
        clean(&agent, &old).await;
        let mut samples: Vec<(Way, Sample)> = Vec::new();
        for rep in 0..s.reps {
            // Alternated, so machine noise hits both ways alike.
            let ways = if rep % 2 == 0 {
                [Way::OneJob, Way::TwoCommands]
            } else {
                [Way::TwoCommands, Way::OneJob]
            };
            for way in ways {
                let label = format!("outage-writer-{rows}-{}-{rep}", way.file_label());
                let sample = run_once(site, (&agent, &old, &label), way, s).await;
                notes.push(format!(
                    "outage {rows} rows, {}, rep {rep}: writer {:.1} ms ({} refused), mig {:.1} ms (freeze {:.1} ms; drain's own figure {:.1} ms)",
                    way.label(),
                    sample.writer_ms,
                    sample.refused_writes,
                    sample.reported_ms,
                    sample.freeze_ms,
                    sample.drain_reported_ms
                ));
                samples.push((way, sample));
            }
        }
        for way in [Way::OneJob, Way::TwoCommands] {
            let mine: Vec<&Sample> = samples
                .iter()
                .filter(|(w, _)| *w == way)
                .map(|(_, s)| s)
                .collect();
            figures.extend(size_figures(rows, way, &mine));
            let writer: Vec<f64> = mine.iter().map(|s| s.writer_ms).collect();
            windows.push((rows, way, pct(&writer, 50.0)));
        }
    }
    figures.extend(flatness(&windows));
    (figures, notes)
}

/// The figures of one size and way: the writer's window against its goal,
/// mig's figure, their ratio and whether they agree within 10% or 5 ms.
fn size_figures(rows: u64, way: Way, samples: &[&Sample]) -> Vec<Figure> {
    let col = |f: fn(&Sample) -> f64| samples.iter().map(|s| f(s)).collect::<Vec<f64>>();
    let goal = way.goal_ms();
    let what = |m: &str| format!("{} rows, {}: {m}", rows, way.label());
    let writer = Figure::new(
        "outage",
        what("writer-observed window, ms"),
        col(|s| s.writer_ms),
        Some((&format!("≤ {goal:.0}"), &|v| v <= goal)),
    );
    let reported = Figure::new(
        "outage",
        what("reported by mig, ms"),
        col(|s| s.reported_ms),
        None,
    );
    let ratio = Figure::new(
        "outage",
        what("reported / writer-observed"),
        col(|s| s.reported_ms / s.writer_ms.max(1e-9)),
        None,
    );
    let gap = Figure::new(
        "outage",
        what("writer-observed − reported, ms"),
        col(|s| s.writer_ms - s.reported_ms),
        Some(("within 10% (or 5 ms) of the writer's", &|v: f64| {
            v.abs() <= (0.1 * writer.median).max(5.0)
        })),
    );
    let freeze = Figure::new("outage", what("freeze, ms"), col(|s| s.freeze_ms), None);
    vec![writer, reported, ratio, gap, freeze]
}

/// The writer's window at the largest size over the smallest, per way.
fn flatness(windows: &[(u64, Way, f64)]) -> Vec<Figure> {
    let mut out = Vec::new();
    for way in [Way::OneJob, Way::TwoCommands] {
        let mine: Vec<&(u64, Way, f64)> = windows.iter().filter(|(_, w, _)| *w == way).collect();
        let (Some(small), Some(big)) = (
            mine.iter().min_by_key(|(r, _, _)| *r),
            mine.iter().max_by_key(|(r, _, _)| *r),
        ) else {
            continue;
        };
        if small.0 == big.0 {
            continue;
        }
        out.push(Figure::new(
            "outage",
            format!(
                "{}: writer window at {} / at {} rows",
                way.label(),
                big.0,
                small.0
            ),
            vec![big.2 / small.2.max(1e-9)],
            Some(("≤ 1.5", &|v| v <= 1.5)),
        ));
    }
    out
}

/// Migrate, record under the writer, then drain and cut over one `way`.
async fn run_once(
    site: &Site,
    (agent, old, label): (&Agent, &Path, &str),
    way: Way,
    s: &Settings,
) -> Sample {
    site::migrate_attached(agent, DB).await;
    let new = site::new_path(old);
    let writer = OutsideWriter::start(&site.dir, label, old, &new, s.outage_rate);
    writer.wait_for(Outcome::OldOk, 100).await;
    pause(Duration::from_secs(s.outage_record_secs)).await;
    let job = site::drain_with(
        agent,
        DrainRequest {
            database: DB.into(),
            cutover: way == Way::OneJob,
            ..DrainRequest::default()
        },
    )
    .await;
    let drain = job.drain.expect("a drain summary");
    let reported_ms = match way {
        Way::OneJob => drain.refused_ms,
        Way::TwoCommands => {
            let mut c = agent.connect().await;
            let report = c
                .cutover(CutoverRequest {
                    database: DB.into(),
                    skip_verify: false,
                    revert_window_secs: Some(0),
                })
                .await
                .expect("cutover")
                .into_inner();
            report
                .writes_refused_ms
                .expect("the cutover's refusal figure")
        }
    };
    writer.wait_for(Outcome::NewOk, 20).await;
    let log = writer.stop();
    let (writer_ms, refused_writes) =
        observed_window(&log).expect("the writer wrote to the old database, then to the new one");
    clean(agent, old).await;
    Sample {
        writer_ms,
        refused_writes,
        reported_ms,
        freeze_ms: drain.freeze_ms,
        drain_reported_ms: drain.refused_ms,
    }
}

/// Back to a plain old database: its migration tables dropped (after a
/// cutover), or the migration reset (before one), and no new file.
async fn clean(agent: &Agent, old: &Path) {
    let mut c = agent.connect().await;
    // Refused (and ignored) before a cutover: reset undoes that case.
    let _ = c
        .cleanup_old(CleanupOldRequest {
            database: DB.into(),
            // The next repetition writes to the old database again.
            release: true,
            close_revert_window: true,
            check_only: false,
        })
        .await;
    let new = site::new_path(old);
    if c.status(mig::proto::StatusRequest {
        database: DB.into(),
    })
    .await
    .is_ok_and(|r| r.into_inner().cutover_complete)
    {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", new.display()));
        }
    }
    site::reset(agent, DB).await;
}
