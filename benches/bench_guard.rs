//! The replay guard's cost (issue 12): the same backlog of customer updates
//! replayed into a new `customer` whose email index is UNIQUE (the replay
//! guard's TEMP trigger records every row REPLACE removes) and into one
//! whose index is plain (no guard), alternated; CPU time of the replaying
//! thread, so the machine's other load does not blur it.

use std::path::Path;

use mig::engine::open::Busy;
use mig::engine::ops::{self, MigrateOptions};
use mig::engine::paths::DatabaseSpec;
use mig::engine::schema::SchemaFile;
use rusqlite::Connection;

use super::{data, fig, quiet, remove_db, stats, Figure};

fn side(dir: &Path, name: &str, schema: &str, rows: u64) -> DatabaseSpec {
    let (old, new) = (
        dir.join(format!("{name}-old.db")),
        dir.join(format!("{name}-new.db")),
    );
    remove_db(&old);
    remove_db(&new);
    data::generate(&old, rows);
    let schema = SchemaFile::parse("schema.sql", schema).expect("schema");
    let spec = DatabaseSpec {
        old: Some(old),
        new: Some(new),
        project: None,
    };
    quiet(|ctx| ops::migrate(&spec, &schema, &MigrateOptions::default(), ctx)).expect("migrate");
    spec
}

/// Writes a backlog (every customer updated once), then replays it; CPU
/// seconds of the replay.
fn replay_cpu(spec: &DatabaseSpec) -> f64 {
    let old = spec.old.as_ref().expect("old");
    let c = Connection::open(old).expect("writer");
    c.execute("UPDATE customer SET Score = Score + 1", [])
        .expect("backlog");
    let cpu = cpu_time::ThreadTime::now();
    loop {
        let s = ops::catch_up_slice(spec, Busy::default(), 50_000)
            .expect("replay")
            .expect("recording");
        if s.pending == 0 {
            break;
        }
    }
    cpu.elapsed().as_secs_f64()
}

/// Replay CPU time with the guard over without it, on `rows`-row databases
/// (a tenth of them customers).
pub fn cost(dir: &Path, rows: u64, reps: usize) -> Figure {
    let unique = data::NEW_SCHEMA.replace(
        "CREATE INDEX customer_email ON customer(email);",
        "CREATE UNIQUE INDEX customer_email ON customer(email);",
    );
    let guarded = side(dir, "guarded", &unique, rows);
    let plain = side(dir, "plain", data::NEW_SCHEMA, rows);
    let mut ratio = Vec::new();
    for rep in 0..reps.max(3) {
        let (g, p) = if rep % 2 == 0 {
            let g = replay_cpu(&guarded);
            (g, replay_cpu(&plain))
        } else {
            let p = replay_cpu(&plain);
            (replay_cpu(&guarded), p)
        };
        ratio.push(g / p);
    }
    for s in [&guarded, &plain] {
        remove_db(s.old.as_ref().expect("old"));
        remove_db(s.new.as_ref().expect("new"));
    }
    let (m, lo, hi) = stats(&mut ratio);
    fig(
        "replay guard",
        rows,
        "replay CPU, UNIQUE index (guarded) / plain index",
        m,
        lo,
        hi,
        "(report)",
    )
}
