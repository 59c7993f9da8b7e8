//! SIGKILL at a random moment of `migrate` (seeded, so a failure replays),
//! then resume, finish the runbook and compare with the oracle.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::harness::{Step, World};
use crate::support::writer::Writer;

/// Seeds tried; each kills one `migrate` at a moment drawn from it.
pub const SEEDS: u64 = 8;

/// How long an uninterrupted `migrate` of the fixture takes on this machine
/// now, with a writer running: the window kill moments are drawn from.
fn migrate_duration() -> Duration {
    let mut w = World::shop();
    // A tenant-sized copy: WAL mode, no bulk load.
    w.env.clear();
    let writer = Writer::start(w.old.clone(), 999);
    writer.wait_committed(10);
    let started = Instant::now();
    w.ok(Step::Migrate);
    let took = started.elapsed();
    writer.stop();
    took
}

/// Kills `migrate` after `delay`; true if it was still running (the kill
/// landed), false if it had already finished.
fn migrate_killed_after(w: &World, delay: Duration) -> bool {
    let mut child = w.command(Step::Migrate).spawn().expect("spawn mig");
    // Not waiting for a condition: the delay *is* the random kill moment.
    std::thread::sleep(delay);
    let landed = child.try_wait().expect("try_wait").is_none();
    if landed {
        child.kill().expect("SIGKILL");
    }
    let status = child.wait().expect("wait");
    assert!(
        landed || status.success(),
        "migrate failed on its own: {status:?}"
    );
    landed
}

#[test]
fn migrate_killed_at_random_moments_resumes_and_matches_the_oracle() {
    let window = migrate_duration();
    let mut landed = 0;
    for seed in 0..SEEDS {
        let mut rng = StdRng::seed_from_u64(seed);
        let delay = window.mul_f64(rng.random_range(0.0..1.0));
        let mut w = World::shop();
        // A tenant-sized copy: WAL mode, no bulk load.
        w.env.clear();
        let writer = Writer::start(w.old.clone(), 1_000 + seed);
        writer.wait_committed(10);
        if migrate_killed_after(&w, delay) {
            landed += 1;
        }
        w.ok(Step::Migrate);
        writer.wait_committed(writer.committed() + 20);
        w.ok(Step::Drain);
        w.ok(Step::Cutover);
        writer.stop();
        assert!(w.assert_matches() > 0, "seed {seed}");
        w.ok(Step::CleanupOld);
    }
    eprintln!("random kills: {landed} of {SEEDS} landed during migrate (window {window:?})");
    assert!(landed > 0, "no random kill landed while migrate ran");
}
