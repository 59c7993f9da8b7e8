//! SIGKILL at a random moment of `migrate` (seeded, so a failure replays),
//! then resume, finish the runbook and compare with the oracle.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::harness::{Step, World};
use crate::support::writer::Writer;

/// Seeds tried; each kills one `migrate` at a moment drawn from it.
pub const SEEDS: u64 = 8;

/// Kill moments are drawn from 0..this after spawning `mig migrate`: about
/// as long as the whole command takes on the fixture in a debug build.
const WINDOW_MS: u64 = 400;

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
    assert!(landed || status.success(), "migrate failed on its own: {status:?}");
    landed
}

#[test]
fn migrate_killed_at_random_moments_resumes_and_matches_the_oracle() {
    let mut landed = 0;
    for seed in 0..SEEDS {
        let mut rng = StdRng::seed_from_u64(seed);
        let delay = Duration::from_millis(rng.random_range(0..WINDOW_MS));
        let w = World::shop();
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
    eprintln!("random kills: {landed} of {SEEDS} landed during migrate");
    assert!(landed > 0, "no random kill landed while migrate ran");
}
