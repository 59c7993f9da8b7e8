//! Revert of a table tracked by its rowid because its composite key can be
//! NULL (PROJ's `usage`, issue 22 point 1): the revert window records the
//! new database's writes by rowid, and `mig revert` carries them back by
//! rowid — rows whose key is NULL, rows given a key, rows whose key part
//! is set to NULL. Before this, the inverse keyed the table by its declared
//! key and revert verification failed (nothing made writable). A writer
//! process writes the old database until the drain and another the new one
//! during the window; run by `mig` on local files and through a real
//! `mig-agent` over mTLS, each checked forward at cutover and backward
//! after the revert against plain SQL over the other database.

use std::path::Path;
use std::time::Duration;

use super::harness::{mig_in, Run};
use super::real_agent::operator_on;
use crate::engine_realkeys::{case, Case};
use crate::support::agent::TestAgent;
use crate::support::oracle::{self, Oracle};
use crate::support::writer_process::{Outcome, WriterProcess, WriterSpec, NEXT_WRITE};

const OLD: &str = "
    CREATE TABLE usage (auth_name TEXT, code TEXT, object_table_name TEXT NOT NULL, object_code TEXT NOT NULL,
      scope TEXT, CONSTRAINT pk_usage PRIMARY KEY (auth_name, code));
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
    INSERT INTO usage SELECT CASE WHEN i % 3 = 0 THEN 'EPSG' END, CASE WHEN i % 3 = 0 THEN CAST(i AS TEXT) END,
      'geodetic_crs', CAST(i AS TEXT), 'scope ' || i FROM n;";

/// The same table with a column more: its rows keep their rowids.
const NEW: &str = "CREATE TABLE usage (auth_name TEXT, code TEXT, object_table_name TEXT NOT NULL, object_code TEXT NOT NULL,
      scope TEXT, remarks TEXT, CONSTRAINT pk_usage PRIMARY KEY (auth_name, code));";

/// A service's writes, taking turns: rows without a key and with one,
/// updates, deletes, a key given to a NULL-key row and a key part NULLed.
/// `{who}` tells the two services' rows apart.
const WRITES: [&str; 6] = [
    "INSERT INTO usage (object_table_name, object_code, scope) VALUES ('{who}', CAST(?1 AS TEXT), '{who} service')",
    "INSERT INTO usage (auth_name, code, object_table_name, object_code) VALUES ('{who}', CAST(?1 AS TEXT), '{who}', 'keyed')",
    "UPDATE usage SET scope = '{who} ' || ?1 WHERE rowid = ?1 % 600 + 1",
    "DELETE FROM usage WHERE rowid = (?1 * 7) % 600 + 1",
    "UPDATE usage SET auth_name = 'K{who}', code = CAST(?1 AS TEXT) WHERE rowid = (?1 * 11) % 600 + 1 AND auth_name IS NULL",
    "UPDATE usage SET code = NULL WHERE rowid = (?1 * 13) % 600 + 1",
];

fn writes(who: &str) -> String {
    WRITES.map(|w| w.replace("{who}", who)).join(NEXT_WRITE)
}

/// Every row by rowid: `db` is attached as `old`, `other` as `new`.
fn same_rows(db: &Path, other: &Path) -> usize {
    oracle::compare(
        db,
        other,
        &Oracle {
            transform: "CREATE TABLE usage AS SELECT rowid AS r, auth_name, code, object_table_name, object_code, scope FROM old.usage;",
            checks: &[(
                "SELECT quote(r), quote(auth_name), quote(code), quote(object_table_name), quote(object_code), quote(scope) FROM main.usage ORDER BY r",
                "SELECT quote(rowid), quote(auth_name), quote(code), quote(object_table_name), quote(object_code), quote(scope) FROM new.usage ORDER BY rowid",
            )],
        },
    )
}

/// A writer process on `db` running `sql` once it has written 20 times;
/// `ready` is the database it asks when refused.
fn writer(c: &Case, db: &Path, ready: &Path, sql: &str) -> WriterProcess {
    let mut w = WriterProcess::start(
        c.dir.path(),
        &WriterSpec {
            old: db,
            new: ready,
            sql,
            pace: Duration::from_millis(1),
        },
    );
    w.wait_for(Outcome::Ok, 20);
    w
}

/// migrate, drain and cutover with a window (the old service writing until
/// the drain), the new service writing during the window, then revert.
fn revert_with_writers(c: &Case, mig: impl Fn(&[&str]) -> Run, both: &[&str]) {
    let old_service = writes("old");
    let mut w = writer(c, &c.old, &c.new, &old_service);
    mig(&[&["migrate"], both, &["--schema", "schema.sql"]].concat())
        .ok()
        .line_starting("copied ");
    let before = w.log().count(Outcome::Ok);
    w.wait_for(Outcome::Ok, before + 60);
    mig(&[&["drain"], both].concat()).ok();
    mig(&[&["cutover"], both, &["--revert-window", "1h"]].concat())
        .ok()
        .line_starting("revert window: open until ");
    w.wait_for(Outcome::Ready, 1);
    w.stop();
    assert!(same_rows(&c.old, &c.new) > 500, "forward");

    let new_service = writes("new");
    let mut w = writer(c, &c.new, &c.old, &new_service);
    w.wait_for(Outcome::Ok, 150);
    let written = w.stop().count(Outcome::Ok);
    let out = mig(&[&["revert"], both].concat()).ok();
    out.line_starting("reverted: ");
    // At most one log entry per write (each touches one row at most); an
    // agent carries some back during the window, before `revert` runs.
    let carried: usize = out
        .line_starting("carried back: ")
        .split_whitespace()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(carried <= written, "{carried} of {written}");
    assert!(same_rows(&c.new, &c.old) > 500, "backward");
    let null_keys: i64 = rusqlite::Connection::open(&c.old)
        .and_then(|conn| {
            conn.query_row(
                "SELECT count(*) FROM usage WHERE object_table_name = 'new' AND code IS NULL",
                [],
                |r| r.get(0),
            )
        })
        .expect("count");
    assert!(null_keys > 0, "no row without a key came back");
}

fn proj_usage() -> Case {
    let c = case(OLD, NEW);
    std::fs::write(c.dir.path().join("schema.sql"), NEW).expect("schema.sql");
    c
}

#[test]
fn revert_carries_back_a_table_tracked_by_rowid_for_its_nullable_composite_key_locally() {
    let c = proj_usage();
    let dir = c.dir.path().to_path_buf();
    revert_with_writers(
        &c,
        |args| mig_in(&dir, args),
        &["--old", "old.db", "--new", "new.db"],
    );
}

#[test]
fn revert_carries_back_a_table_tracked_by_rowid_for_its_nullable_composite_key_through_an_agent() {
    let c = proj_usage();
    let dir = c.dir.path().to_path_buf();
    let agent = TestAgent::start(&dir, &[("proj", &c.old, &c.new)]);
    let mig = operator_on(&agent, "proj", dir.clone());
    revert_with_writers(&c, mig, &[]);
}
