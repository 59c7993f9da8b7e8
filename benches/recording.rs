//! The recording triggers' cost against the physical minimum (issue 20):
//! the same write mix on three copies of one database, alternated — no
//! trigger, a hand-written minimal trigger that logs only the key (one
//! `INSERT` of `NEW.rowid`, and `OLD.rowid` for an update, into a log table
//! with nothing else), and mig's own recording after `migrate`.

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
