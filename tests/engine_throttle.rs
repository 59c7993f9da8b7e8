//! The throttle paces the copy: a manual cap makes it wait, a service that
//! holds the old database's write lock makes it back off, and neither
//! changes what is copied (oracle after the runbook).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use mig::engine::copy::Chunking;
use mig::engine::ops::{self, DrainOptions, MigrateOptions};
use mig::engine::schema::SchemaFile;
use mig::engine::throttle::{Throttle, ThrottleSettings};
use mig::engine::{Control, Ctx, Event};
use rusqlite::Connection;

use crate::support::runbook::spec;
use crate::support::{fixture, oracle};

/// Migrates in fixed chunks of `chunk` rows; `sink` sees every event on
/// the engine's thread, between its transactions.
fn migrate_with(
    control: &Control,
    old: &std::path::Path,
    new: &std::path::Path,
    chunk: u64,
    sink: &mut (dyn FnMut(Event) + Send),
) {
    let schema = SchemaFile::parse("schema.sql", fixture::NEW_SCHEMA).expect("schema");
    let opts = MigrateOptions {
        chunking: Chunking::Fixed(chunk),
        ..MigrateOptions::default()
    };
    let mut ctx = Ctx { control, sink };
    ops::migrate(&spec(old, new), &schema, &opts, &mut ctx).expect("migrate");
}

fn finish_and_compare(old: &std::path::Path, new: &std::path::Path) {
    let control = Control::default();
    let mut sink = |_: Event| {};
    let mut ctx = Ctx {
        control: &control,
        sink: &mut sink,
    };
    ops::drain(&spec(old, new), &DrainOptions::default(), &mut ctx).expect("drain");
    ops::cutover(&spec(old, new), &ops::CutoverOptions::default()).expect("cutover");
    oracle::compare(old, new, &fixture::ORACLE);
}

#[test]
fn a_manual_cap_makes_the_copy_wait_and_copies_the_same_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 400));
    let throttle = Arc::new(Throttle::new(ThrottleSettings {
        enabled: false,
        ..ThrottleSettings::default()
    }));
    // The fixture's 400 customers alone, at 1000 rows/s in chunks of 100,
    // need at least 0.3 s of waits.
    throttle.set_manual(Some(1000.0));
    let control = Control::with_throttle(Arc::clone(&throttle));
    migrate_with(&control, &old, &new, 100, &mut |_| {});
    let r = throttle.report();
    assert_eq!(r.manual_rows_per_sec, Some(1000.0));
    assert!(
        r.seconds_waited >= 0.25,
        "the cap did not make the copy wait: {r:?}"
    );
    assert_eq!(r.probes, 0, "the automatic throttle is off: {r:?}");
    finish_and_compare(&old, &new);
}

/// The service's loop runs from the copy's start (recording installed, so
/// migrate's setup never competes with it) to its end: it takes the write
/// lock before the first chunk and holds it 60 ms per transaction, taking
/// it again at once, so every probe during the copy waits behind it.
#[test]
fn a_service_holding_the_write_lock_makes_the_throttle_back_off_without_stopping_the_copy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    drop(fixture::create_old(&old, 400));
    let (start, started) = mpsc::channel::<()>();
    let (holding, held) = mpsc::channel::<()>();
    let stop = Arc::new(AtomicBool::new(false));
    let service = {
        let (old, stop) = (old.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let c = Connection::open(&old).expect("service connection");
            c.busy_timeout(Duration::from_secs(10)).expect("busy");
            if started.recv().is_err() {
                return 0; // migrate ended before its copy started
            }
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                c.execute_batch("BEGIN IMMEDIATE").expect("begin");
                c.execute(
                    "UPDATE Customer SET Email = 'slow' || ?1 || '@x.org' WHERE CustomerId = 1",
                    [n],
                )
                .expect("update");
                if n == 0 {
                    holding.send(()).expect("the test waits for the lock");
                }
                std::thread::sleep(Duration::from_millis(60));
                c.execute_batch("COMMIT").expect("commit");
                n += 1;
            }
            n
        })
    };
    let throttle = Arc::new(Throttle::new(ThrottleSettings {
        probe_every: Duration::ZERO,
        max_write_wait: Duration::from_millis(20),
        ..ThrottleSettings::default()
    }));
    let control = Control::with_throttle(Arc::clone(&throttle));
    let at_catch_up = Arc::clone(&stop);
    let mut during_copy = move |e: Event| match e {
        Event::Step { step: "copy", .. } => {
            start.send(()).expect("start the service");
            held.recv().expect("the service holds the lock");
        }
        Event::Step {
            step: "catch-up", ..
        } => at_catch_up.store(true, Ordering::SeqCst),
        _ => {}
    };
    migrate_with(&control, &old, &new, 400, &mut during_copy);
    stop.store(true, Ordering::SeqCst);
    let writes = service.join().expect("service thread");
    assert!(writes > 0, "the service never wrote");
    let r = throttle.report();
    assert!(r.probes > 0, "no probe ran: {r:?}");
    assert!(
        r.backoffs > 0
            && r.last_reason
                .contains("probe write on the old database took"),
        "a probe waiting behind the service's lock did not back off: {r:?}"
    );
    assert!(r.seconds_waited > 0.0, "backing off did not wait: {r:?}");
    finish_and_compare(&old, &new);
}

/// Issue 18: a cap of 3,000 rows/s ran at ~7,000 (the first chunk of each
/// table was never paced, and chunks grew past what the cap allows in a
/// second). Four tables, adaptive chunks: every 5 s window within 10%.
#[test]
fn a_manual_cap_holds_from_the_first_row_over_every_five_second_window() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    // 4,000 customers: 17,000 rows in four tables, ~5.7 s at the cap.
    drop(fixture::create_old(&old, 4_000));
    let throttle = Arc::new(Throttle::new(ThrottleSettings {
        enabled: false,
        ..ThrottleSettings::default()
    }));
    let cap = 3_000.0;
    throttle.set_manual(Some(cap));
    let control = Control::with_throttle(Arc::clone(&throttle));
    let schema = SchemaFile::parse("schema.sql", fixture::NEW_SCHEMA).expect("schema");
    let started = std::time::Instant::now();
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let mut sink = |e: Event| match e {
        Event::Step { step: "copy", .. } => samples.push((started.elapsed().as_secs_f64(), 0)),
        Event::Copy { rows_done, .. } => samples.push((started.elapsed().as_secs_f64(), rows_done)),
        _ => {}
    };
    let mut ctx = Ctx {
        control: &control,
        sink: &mut sink,
    };
    ops::migrate(
        &spec(&old, &new),
        &schema,
        &MigrateOptions::default(),
        &mut ctx,
    )
    .expect("migrate");
    let copy_start = samples.first().map_or(0.0, |s| s.0);
    let relative: Vec<(f64, u64)> = samples.iter().map(|&(t, r)| (t - copy_start, r)).collect();
    crate::support::rate::assert_cap_holds(&relative, cap);
    finish_and_compare(&old, &new);
}
