//! The recording triggers' cost against the physical minimum (issue 20):
//! the same write mix on three copies of one database, alternated — no
//! trigger, a hand-written minimal trigger that logs only the key (one
//! `INSERT` of `NEW.rowid`, and `OLD.rowid` for an update, into a log table
//! with nothing else), and mig's own recording after `migrate`; and a
//! fourth, mig's recording with the refusal a mig before the carried
//! standby and retired refusals wrote (draining's alone), so one run
//! compares the two.

use std::path::Path;

use rusqlite::Connection;

/// Installs the minimal key-logging triggers on every table of `path`.
pub fn install_minimal(path: &Path) {
    let c = Connection::open(path).expect("open minimal db");
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    let mut sql = String::from("CREATE TABLE key_log(seq INTEGER PRIMARY KEY, k0, o0);");
    for t in tables {
        sql.push_str(&format!(
            "CREATE TRIGGER min_i_{t} AFTER INSERT ON {t} BEGIN INSERT INTO key_log(k0) VALUES (NEW.rowid); END;
             CREATE TRIGGER min_u_{t} AFTER UPDATE ON {t} BEGIN INSERT INTO key_log(k0, o0) VALUES (NEW.rowid, OLD.rowid); END;
             CREATE TRIGGER min_d_{t} AFTER DELETE ON {t} BEGIN INSERT INTO key_log(k0) VALUES (OLD.rowid); END;"
        ));
    }
    c.execute_batch(&sql).expect("minimal triggers");
}

/// Rewrites the recording triggers of `path` (migrated) to refuse only
/// while draining, as a mig before the carried refusals made them, and
/// records them in the marker's catalog.
pub fn as_older_recording(path: &Path) {
    use mig::engine::record::{catalog_listing, CARRIED, DRAINING_MESSAGE, REFUSAL};
    let c = Connection::open(path).expect("open recorded db");
    let carrying: Vec<(String, String)> = c
        .prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND instr(sql, ?1) > 0",
        )
        .and_then(|mut s| {
            s.query_map([CARRIED], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .expect("triggers");
    let older = format!(
        "SELECT RAISE(ABORT, '{DRAINING_MESSAGE}') WHERE (SELECT status FROM _migration_marker WHERE id = 1) IS NOT 'recording';"
    );
    let mut sql = String::from("BEGIN;");
    for (name, trigger) in carrying {
        let trigger = trigger.replacen(CARRIED, &older, 1);
        sql.push_str(&format!("DROP TRIGGER \"{name}\"; {trigger};"));
    }
    sql.push_str(&format!("DROP VIEW {REFUSAL}; COMMIT;"));
    c.execute_batch(&sql).expect("older triggers");
    let listing = catalog_listing(&c, "main").expect("listing");
    c.execute("UPDATE _migration_marker SET catalog = ?1", [listing])
        .expect("recorded");
}
