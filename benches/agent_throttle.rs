//! The throttle scenario: a paced writer's p99 idle vs during a copy with
//! the default automatic throttle, with it off and (optionally) with a
//! tighter write-wait limit — each side its own agent process with that
//! `agent.toml`, rotated per repetition.

use std::time::Duration;

use mig::proto::StatusRequest;

use super::agent_site::{self as site, DB};
use super::agent_writer::Writer;
use super::{pause, pct, Figure, Settings, Site};

type Out = (Vec<Figure>, Vec<String>);

#[derive(Clone, Copy, PartialEq, Debug)]
enum Side {
    Idle,
    Throttled,
    Unthrottled,
    /// `max_write_wait_ms = --tight-wait-ms`.
    Tight,
}

/// One throttle side's figures.
struct SideRun {
    /// Writer p99 during the window (idle, or the copy), ms.
    p99: f64,
    /// Copy seconds (NaN when idle).
    copy: f64,
    /// Writer p99 while recording after the copy (Throttled only), ms.
    recording_p99: f64,
    note: String,
}

/// One side of the throttle scenario, on the big database.
async fn throttle_side(site: &Site, s: &Settings, side: Side, seed: u64) -> SideRun {
    let config = match side {
        Side::Idle | Side::Throttled => String::new(),
        Side::Unthrottled => "enabled = false".into(),
        Side::Tight => format!("max_write_wait_ms = {}", s.tight_wait_ms),
    };
    let agent = site.agent(&format!("throttle-{side:?}"), DB, &site.big, &config);
    site::reset(&agent, DB).await;
    let writer = Writer::start(&site.big, s.throttle_rate, seed, s.writer_autocheckpoint);
    pause(Duration::from_millis(500)).await;
    let (from, to, copy) = if side == Side::Idle {
        let from = site::unix_ms();
        pause(Duration::from_secs(s.idle_secs)).await;
        (from, site::unix_ms(), f64::NAN)
    } else {
        let job = site::migrate_attached(&agent, DB).await;
        if side == Side::Throttled {
            pause(Duration::from_secs(s.idle_secs) + Duration::from_millis(500)).await;
        }
        (job.started_ms, job.completed_ms, job.seconds())
    };
    let log = writer.stop();
    let recording_p99 = if side == Side::Throttled {
        pct(&log.latencies_between(to + 500, i64::MAX), 99.0) / 1e3
    } else {
        f64::NAN
    };
    let mut note = String::new();
    if side != Side::Idle {
        let mut c = agent.connect().await;
        let st = c
            .status(StatusRequest {
                database: DB.into(),
            })
            .await
            .expect("status after the copy")
            .into_inner();
        if let Some(t) = st.throttle {
            note = format!(
                "{:.2}s waited, {} probes, last probe {:.1} ms",
                t.seconds_waited,
                t.probes,
                t.last_probe_ms.unwrap_or(f64::NAN)
            );
        }
        site::reset(&agent, DB).await;
    }
    let lat = log.latencies_between(from, to);
    let p99 = pct(&lat, 99.0) / 1e3;
    let note = format!(
        "{side:?}: {} writes, p50 {:.2} ms, p90 {:.2} ms, p99 {p99:.2} ms, max {:.1} ms, {:.1}% over 1 ms, failures {}; {note}",
        lat.len(),
        pct(&lat, 50.0) / 1e3,
        pct(&lat, 90.0) / 1e3,
        pct(&lat, 100.0) / 1e3,
        100.0 * lat.iter().filter(|l| **l > 1e3).count() as f64 / lat.len().max(1) as f64,
        log.failed
    );
    SideRun {
        p99,
        copy,
        recording_p99,
        note,
    }
}

/// A writer's p99 idle vs during a copy with the default throttle vs with
/// the automatic throttle off (another agent config), rotated per rep.
pub async fn throttle(site: &Site, s: &Settings) -> Out {
    site::ensure_database(&site.big, s.big_mib);
    let mut sides = vec![Side::Idle, Side::Throttled, Side::Unthrottled];
    if s.tight_wait_ms > 0 {
        sides.push(Side::Tight);
    }
    let n = sides.len();
    let mut runs: Vec<Vec<SideRun>> = (0..n).map(|_| Vec::new()).collect();
    let mut notes = vec![];
    for rep in 0..s.reps {
        for k in 0..n {
            let i = (rep + k) % n;
            let run = throttle_side(site, s, sides[i], (rep * n + k) as u64).await;
            notes.push(format!("throttle rep {rep}: {}", run.note));
            runs[i].push(run);
        }
    }
    let col =
        |i: usize, f: &dyn Fn(&SideRun) -> f64| -> Vec<f64> { runs[i].iter().map(f).collect() };
    let ratio = |a: usize, b: usize, f: &dyn Fn(&SideRun) -> f64| -> Vec<f64> {
        runs[a]
            .iter()
            .zip(&runs[b])
            .map(|(x, y)| f(x) / f(y))
            .collect()
    };
    let mut figures = vec![
        Figure::new(
            "throttle",
            "writer p99: copy (default throttle) / idle",
            ratio(1, 0, &|r| r.p99),
            Some(("≤ 2", &|v| v <= 2.0)),
        ),
        Figure::new(
            "throttle",
            "writer p99: copy (throttle off) / idle",
            ratio(2, 0, &|r| r.p99),
            None,
        ),
        Figure::new(
            "throttle",
            "writer p99: recording after the copy / idle",
            runs[1]
                .iter()
                .zip(&runs[0])
                .map(|(x, y)| x.recording_p99 / y.p99)
                .collect(),
            None,
        ),
        Figure::new(
            "throttle",
            "copy time: default throttle / off",
            ratio(1, 2, &|r| r.copy),
            None,
        ),
        Figure::new("throttle", "writer p99 ms, idle", col(0, &|r| r.p99), None),
        Figure::new(
            "throttle",
            "writer p99 ms, copy, default throttle",
            col(1, &|r| r.p99),
            None,
        ),
        Figure::new(
            "throttle",
            "writer p99 ms, copy, throttle off",
            col(2, &|r| r.p99),
            None,
        ),
        Figure::new(
            "throttle",
            "copy s, default throttle",
            col(1, &|r| r.copy),
            None,
        ),
        Figure::new(
            "throttle",
            "copy s, throttle off",
            col(2, &|r| r.copy),
            None,
        ),
    ];
    if n == 4 {
        let w = s.tight_wait_ms;
        figures.push(Figure::new(
            "throttle",
            format!("writer p99: copy (max_write_wait {w} ms) / idle"),
            ratio(3, 0, &|r| r.p99),
            None,
        ));
        figures.push(Figure::new(
            "throttle",
            format!("copy time: max_write_wait {w} ms / off"),
            ratio(3, 2, &|r| r.copy),
            None,
        ));
    }
    (figures, notes)
}
