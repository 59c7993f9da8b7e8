//! Issue 21: every key mode is linear. SQLite counts the virtual-machine
//! steps of every statement on the connection that copies, replays and
//! verifies (a progress handler called on every step): a deterministic
//! measure of work, no timing. For each key mode in
//! `support::key_modes::MODES`, the copy (per chunk, per row), one replay
//! batch (per log entry) and verify (per chunk, per row) must cost the same
//! at 2,000 and 20,000 rows: a lookup without a usable index (a scan of
//! `_id_mapping`, say) makes the larger table cost ten times as much per row.
//! Each mode then finishes the runbook and ends equal to the oracle.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use mig::engine::copy::{self, Chunking};
use mig::engine::open::{self, Busy};
use mig::engine::ops::{self, DrainOptions, MigrateOptions};
use mig::engine::plan::{self, Plan};
use mig::engine::schema::SchemaFile;
use mig::engine::throttle::{Throttle, ThrottleSettings};
use mig::engine::verify::{self, Repair};
use mig::engine::{replay, Control, Ctx, EngineError, Event};
use rusqlite::Connection;

use crate::support::key_modes::{mode, Mode};
use crate::support::oracle::{self, Oracle};
use crate::support::runbook::{run, spec};

const SMALL: u64 = 2_000;
const LARGE: u64 = 20_000;
const CHUNK: u64 = 250;
/// Log entries the replay batch applies (about).
const ENTRIES: u64 = 400;
/// How much more a row (or log entry) may cost at ten times the size:
/// b-tree depth is one seek whatever the size, so only a scan grows.
const FLAT: f64 = 1.25;

/// VM steps of one unit of work, and the rows (or entries) it covered.
#[derive(Debug, Clone)]
struct Unit {
    table: String,
    rows: u64,
    steps: u64,
}

impl Unit {
    fn per_row(&self) -> f64 {
        self.steps as f64 / self.rows.max(1) as f64
    }
}

/// The work measured at one size.
#[derive(Debug)]
struct Work {
    copy: Vec<Unit>,
    replay: Unit,
    verify: Vec<Unit>,
}

/// A control whose throttle never waits or probes: only mig's own
/// statements run on the measured connection.
fn unthrottled() -> Control {
    Control::with_throttle(Arc::new(Throttle::new(ThrottleSettings {
        enabled: false,
        ..ThrottleSettings::default()
    })))
}

fn create_old(path: &Path, m: &Mode, rows: u64) {
    let c = Connection::open(path).expect("old");
    c.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; {} BEGIN; {} COMMIT;",
        m.old,
        m.fill_sql(1, rows)
    ))
    .expect("old rows");
}

fn build_plan(schema: &SchemaFile, old: &Path) -> Plan {
    let (scratch, hash) = schema.reflect().expect("reflect");
    open::attach_old(&scratch, old).expect("attach");
    plan::build(&scratch, schema, &hash, plan::Depth::Full).expect("plan")
}

/// Per-unit deltas of `steps` between the events `unit` recognises:
/// (table, rows done in that table so far).
fn collect(
    steps: &Arc<AtomicU64>,
    unit: impl Fn(&Event) -> Option<(String, u64)> + Send,
) -> (impl FnMut(Event) + Send, Arc<std::sync::Mutex<Vec<Unit>>>) {
    let units = Arc::new(std::sync::Mutex::new(Vec::<Unit>::new()));
    let (steps, out) = (Arc::clone(steps), Arc::clone(&units));
    let mut last = (String::new(), 0u64, steps.load(Ordering::SeqCst));
    let sink = move |e: Event| {
        let Some((table, done)) = unit(&e) else {
            return;
        };
        let now = steps.load(Ordering::SeqCst);
        let before = if table == last.0 { last.1 } else { 0 };
        if let Ok(mut u) = out.lock() {
            u.push(Unit {
                table: table.clone(),
                rows: done.saturating_sub(before),
                steps: now - last.2,
            });
        }
        last = (table, done, now);
    };
    (sink, units)
}

fn measure(m: &Mode, rows: u64) -> Work {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new) = (dir.path().join("old.db"), dir.path().join("new.db"));
    create_old(&old, m, rows);
    let schema = SchemaFile::parse("schema.sql", m.new).expect("schema");
    // The real migrate creates the new database and starts recording; it
    // stops after its first chunk, and the copy resumes on a connection
    // whose every VM step is counted.
    let control = unthrottled();
    let opts = MigrateOptions {
        chunking: Chunking::Fixed(CHUNK),
        ..MigrateOptions::default()
    };
    let mut stop = |e: Event| {
        if matches!(e, Event::Copy { .. }) {
            control.cancel();
        }
    };
    let stopped = ops::migrate(
        &spec(&old, &new),
        &schema,
        &opts,
        &mut Ctx {
            control: &control,
            sink: &mut stop,
        },
    );
    assert!(
        matches!(stopped, Err(EngineError::Cancelled(_))),
        "{stopped:?}"
    );
    let plan = build_plan(&schema, &old);
    assert_eq!(
        plan.tables
            .iter()
            .any(|t| t.key_mode == plan::KeyMode::Renumbered),
        m.renumbered,
        "{}: the plan does not renumber as the mode says ({})",
        m.name,
        m.what
    );
    let mut work = open::work(&new, Some(&old), Busy::default()).expect("work");
    verify::hash::register(&work).expect("row hash");
    let steps = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&steps);
    work.progress_handler(
        1,
        Some(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            false
        }),
    );
    let control = unthrottled();
    let (mut sink, copied) = collect(&steps, |e| match e {
        Event::Copy {
            table,
            table_rows_done,
            ..
        } => Some((table.clone(), *table_rows_done)),
        _ => None,
    });
    copy::copy_all(
        &mut work,
        &plan,
        Chunking::Fixed(CHUNK),
        &mut ctx(&control, &mut sink),
    )
    .expect("copy");

    let writer = Connection::open(&old).expect("writer");
    writer
        .execute_batch(&format!("BEGIN; {} COMMIT;", m.writes_sql(rows, ENTRIES)))
        .expect("writes");
    let before = steps.load(Ordering::SeqCst);
    let batch = replay::batch(&mut work, &plan, replay::BATCH).expect("replay");
    let replayed = Unit {
        table: "replay".into(),
        rows: batch.applied,
        steps: steps.load(Ordering::SeqCst) - before,
    };

    let (mut sink, verified) = collect(&steps, |e| match e {
        Event::Verify {
            table,
            table_rows_done,
            ..
        } => Some((table.clone(), *table_rows_done)),
        _ => None,
    });
    let mut progress = verify::Progress::count(&work, &plan).expect("verify totals");
    for t in plan.tables.iter().filter(|t| t.source.is_some()) {
        let mut ctx = ctx(&control, &mut sink);
        verify::table(
            &mut work,
            &plan,
            t,
            CHUNK,
            Repair::CheckOnly,
            (&mut progress, &mut ctx),
        )
        .expect("verify");
    }
    drop(work);
    finish_and_compare(m, &old, &new, &schema);
    let copy = copied.lock().expect("copy units").clone();
    let verify = verified.lock().expect("verify units").clone();
    Work {
        copy,
        replay: replayed,
        verify,
    }
}

fn ctx<'a>(control: &'a Control, sink: &'a mut (dyn FnMut(Event) + Send)) -> Ctx<'a> {
    Ctx { control, sink }
}

/// The rest of the runbook (resume, drain, cutover), then the oracle.
fn finish_and_compare(m: &Mode, old: &Path, new: &Path, schema: &SchemaFile) {
    let spec = spec(old, new);
    run(|ctx| ops::migrate(&spec, schema, &MigrateOptions::default(), ctx)).expect("resume");
    run(|ctx| ops::drain(&spec, &DrainOptions::default(), ctx)).expect("drain");
    ops::cutover(&spec, &ops::CutoverOptions::default()).expect("cutover");
    oracle::compare(
        old,
        new,
        &Oracle {
            transform: m.transform,
            checks: m.checks,
        },
    );
}

/// The most a unit costs per row, per table, leaving out each table's
/// first unit (its setup) and last (a short remainder).
fn worst(units: &[Unit]) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    let tables: Vec<&str> = units.iter().map(|u| u.table.as_str()).collect();
    for (i, u) in units.iter().enumerate() {
        let first = i == 0 || tables[i - 1] != u.table;
        let last = i + 1 == units.len() || tables[i + 1] != u.table;
        if first || last || u.rows == 0 {
            continue;
        }
        match out.iter_mut().find(|(t, _)| *t == u.table) {
            Some((_, w)) => *w = w.max(u.per_row()),
            None => out.push((u.table.clone(), u.per_row())),
        }
    }
    out
}

fn assert_flat(what: &str, small: &[(String, f64)], large: &[(String, f64)]) {
    assert!(!small.is_empty(), "{what}: nothing measured");
    for (table, s) in small {
        let l = large
            .iter()
            .find(|(t, _)| t == table)
            .map(|(_, l)| *l)
            .unwrap_or_else(|| panic!("{what}: {table} not measured at {LARGE} rows"));
        assert!(
            l <= s * FLAT,
            "{what} of {table}: {l:.1} VM steps per row at {LARGE} rows vs {s:.1} at {SMALL} ({:.1}x): work grows with the table",
            l / s
        );
    }
}

fn check(name: &str) {
    let m = mode(name);
    let small = measure(m, SMALL);
    let large = measure(m, LARGE);
    eprintln!(
        "{name}: copy {:?} -> {:?}; replay {:.1} -> {:.1} steps/entry; verify {:?} -> {:?}",
        worst(&small.copy),
        worst(&large.copy),
        small.replay.per_row(),
        large.replay.per_row(),
        worst(&small.verify),
        worst(&large.verify),
    );
    assert_flat("copy", &worst(&small.copy), &worst(&large.copy));
    assert!(small.replay.rows > 300, "{:?}", small.replay);
    assert_flat(
        "a replay batch",
        &[("log".into(), small.replay.per_row())],
        &[("log".into(), large.replay.per_row())],
    );
    assert_flat("verify", &worst(&small.verify), &worst(&large.verify));
}

macro_rules! key_mode_guards {
    ($($test:ident => $mode:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($mode);
            }
        )*
    };
}

key_mode_guards! {
    work_per_row_is_flat_with_the_rowid_preserved => "rowid-preserved",
    work_per_row_is_flat_with_the_rowid_kept_as_an_integer_primary_key => "rowid-to-integer-pk",
    work_per_row_is_flat_without_a_primary_key_kept => "no-pk-kept",
    work_per_row_is_flat_with_a_text_key_kept => "text-pk",
    work_per_row_is_flat_with_a_composite_key_kept => "composite-pk",
    work_per_row_is_flat_with_a_null_composite_key_tracked_by_rowid => "null-composite-pk",
    work_per_row_is_flat_for_a_without_rowid_table => "without-rowid",
    work_per_row_is_flat_with_a_nocase_key_kept => "nocase-pk",
    work_per_row_is_flat_with_a_text_key_renumbered => "text-renumbered",
    work_per_row_is_flat_with_a_nocase_key_renumbered => "nocase-renumbered",
    work_per_row_is_flat_without_a_primary_key_renumbered => "no-pk-renumbered",
    work_per_row_is_flat_for_a_child_translated_through_a_renumbered_parent => "translated-child",
    work_per_row_is_flat_for_a_composite_reference_translated_through_a_renumbered_parent => "composite-translated-child",
}
