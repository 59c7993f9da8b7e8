//! The recording triggers written into the old database's schema as rows,
//! all in one transaction and one schema change, the way SQLite's own
//! ALTER TABLE edits it (`PRAGMA writable_schema`, then the schema cookie
//! moved on once).
//!
//! Why: a service's connection reloads the whole schema after every
//! commit that changed it, and each CREATE TRIGGER scans the whole schema
//! table to parse the one it added. Created one by one, 15,000 triggers
//! (5,000 tables) cost the install quadratic time and, in paced
//! transactions, made a service's write wait through reload after reload
//! (10.5 s). As rows: the lock is held for the inserts (milliseconds per
//! thousand), and a service reloads once.
//!
//! Safe because every row is exactly what CREATE TRIGGER would have stored
//! (its text from the name on, after `CREATE TRIGGER `; the table's name
//! as `tbl_name`; root page 0), and each statement was compiled by SQLite
//! first ([`validate`]: `EXPLAIN CREATE TRIGGER` parses it, finds its
//! table and refuses a name taken, as the reload will), on the schema the
//! transaction then checks is unchanged (`install.rs`). A crash before the
//! commit leaves nothing; every connection sees the new schema at its next
//! statement, as after any schema change.

use rusqlite::Connection;

use crate::engine::error::{EngineError, Result, SqlContext};

/// One recording trigger, as `sqlite_schema` will hold it.
#[derive(Debug, Clone)]
pub(super) struct SchemaRow {
    /// The trigger's name (`name`).
    pub name: String,
    /// The table it is on (`tbl_name`).
    pub table: String,
    /// The statement as SQLite stores it (`sql`: no trailing `;`).
    pub sql: String,
}

impl SchemaRow {
    /// The row for `create` (`CREATE TRIGGER "name" … END;`) on `table`.
    pub fn new(name: String, table: &str, create: &str) -> Result<SchemaRow> {
        let sql = create.trim_end().trim_end_matches(';').trim_end();
        if !sql.starts_with("CREATE TRIGGER ") || !sql.ends_with(" END") {
            return Err(EngineError::Precondition(format!(
                "mig built a recording trigger it cannot install ({name}); this is a bug in mig: report it"
            )));
        }
        Ok(SchemaRow {
            name,
            table: table.to_string(),
            sql: sql.to_string(),
        })
    }
}

/// Compiles each statement without running it, on `conn`'s schema: an
/// error is what CREATE TRIGGER (and the reload of a schema holding it)
/// would say.
pub(super) fn validate(conn: &Connection, rows: &[SchemaRow]) -> Result<()> {
    // Each is compiled alone, so two rows of one name would both pass and
    // leave a schema no connection can load.
    let mut names = std::collections::HashSet::new();
    if let Some(r) = rows.iter().find(|r| !names.insert(r.name.to_lowercase())) {
        return Err(EngineError::Precondition(format!(
            "mig built two recording triggers named {}; this is a bug in mig: report it",
            r.name
        )));
    }
    for r in rows {
        conn.prepare(&format!("EXPLAIN {}", r.sql))
            .ctx(|| format!("creating recording trigger {} on {}", r.name, r.table))?;
    }
    Ok(())
}

/// Inserts `rows` into `sqlite_schema` inside the caller's write
/// transaction; the schema change is not visible until [`changed_in`].
pub(super) fn insert_in(tx: &Connection, rows: &[SchemaRow]) -> Result<()> {
    let what = || "writing the recording triggers into the old schema".to_string();
    let _writable = WritableSchema::on(tx).ctx(what)?;
    let mut insert = tx
        .prepare("INSERT INTO main.sqlite_schema(type, name, tbl_name, rootpage, sql) VALUES ('trigger', ?1, ?2, 0, ?3)")
        .ctx(what)?;
    for r in rows {
        insert
            .execute([&r.name, &r.table, &r.sql])
            .ctx(|| format!("creating recording trigger {} on {}", r.name, r.table))?;
    }
    Ok(())
}

/// Moves the schema cookie on once, as any schema change does, so that
/// every connection (this one too) reloads the schema at its next
/// statement; returns the new schema version. The last statement of the
/// caller's transaction before its commit: the reload then happens after
/// it, outside the write lock.
pub(super) fn changed_in(tx: &Connection) -> Result<i64> {
    let version = super::schema_version(tx)? + 1;
    tx.pragma_update(None, "schema_version", version)
        .ctx(|| "changing the old database's schema version".into())?;
    Ok(version)
}

/// `PRAGMA writable_schema` on while it lives, off again when dropped
/// (also on an error: the connection lives on).
struct WritableSchema<'a>(&'a Connection);

impl<'a> WritableSchema<'a> {
    fn on(conn: &'a Connection) -> rusqlite::Result<WritableSchema<'a>> {
        conn.pragma_update(None, "writable_schema", true)?;
        Ok(WritableSchema(conn))
    }
}

impl Drop for WritableSchema<'_> {
    fn drop(&mut self) {
        // Turning a flag off does not fail on an open connection; if it
        // did, its next schema write would fail as it does without it.
        let _ = self.0.pragma_update(None, "writable_schema", false);
    }
}

#[cfg(test)]
// Plain connections, as a service opens its database (and as mig's own
// would see it without `open.rs`'s pragmas, which change nothing here).
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    const TABLES: &str = "CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT); \
        CREATE TABLE \"b c\"(id INTEGER PRIMARY KEY, v TEXT); \
        CREATE TABLE log(tbl TEXT, id INTEGER);";

    fn rows() -> Vec<SchemaRow> {
        let mut out = Vec::new();
        for t in ["a", "b c"] {
            for (kind, op, row) in [("i", "INSERT", "NEW"), ("d", "DELETE", "OLD")] {
                let name = format!("_mig_{kind}_{t}");
                let create = format!(
                    "CREATE TRIGGER \"{name}\" AFTER {op} ON \"{t}\" BEGIN INSERT INTO log VALUES ('{t}', {row}.id); END;"
                );
                out.push(SchemaRow::new(name, t, &create).expect("a trigger"));
            }
        }
        out
    }

    fn schema(conn: &Connection) -> Vec<(String, String, String, i64, String)> {
        let mut s = conn
            .prepare("SELECT type, name, tbl_name, rootpage, sql FROM sqlite_schema ORDER BY name")
            .expect("prepare");
        let rows = s
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .expect("query");
        rows.collect::<rusqlite::Result<_>>().expect("the schema")
    }

    fn db(dir: &std::path::Path, name: &str) -> Connection {
        let conn = Connection::open(dir.join(name)).expect("open");
        conn.execute_batch(TABLES).expect("tables");
        conn
    }

    #[test]
    fn rows_written_equal_create_triggers_and_fire_on_a_connection_opened_before() {
        let dir = tempfile::tempdir().expect("tempdir");
        let created = db(dir.path(), "created.db");
        for r in rows() {
            created.execute_batch(&r.sql).expect("CREATE TRIGGER");
        }
        let bulk = db(dir.path(), "bulk.db");
        let service = Connection::open(dir.path().join("bulk.db")).expect("open");
        service
            .execute("INSERT INTO a(v) VALUES ('before')", [])
            .expect("write");
        validate(&bulk, &rows()).expect("valid");
        let tx = bulk.unchecked_transaction().expect("begin");
        insert_in(&tx, &rows()).expect("insert");
        changed_in(&tx).expect("bump");
        tx.commit().expect("commit");
        assert_eq!(schema(&bulk), schema(&created));
        service
            .execute("INSERT INTO a(v) VALUES ('x')", [])
            .expect("write");
        service
            .execute("INSERT INTO \"b c\"(v) VALUES ('y')", [])
            .expect("write");
        service
            .execute("DELETE FROM a WHERE v = 'before'", [])
            .expect("write");
        let logged: String = service
            .query_row("SELECT group_concat(tbl || id, ',') FROM log", [], |r| {
                r.get(0)
            })
            .expect("the log");
        assert_eq!(logged, "a2,b c1,a1");
        let check: String = bulk
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity_check");
        assert_eq!(check, "ok");
    }

    #[test]
    fn a_transaction_not_committed_leaves_the_schema_and_the_connection_as_they_were() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = db(dir.path(), "old.db");
        let before = schema(&conn);
        {
            let tx = conn.unchecked_transaction().expect("begin");
            insert_in(&tx, &rows()).expect("insert");
            changed_in(&tx).expect("bump");
        }
        assert_eq!(schema(&conn), before);
        // writable_schema is off again: the schema table refuses writes.
        let refused = conn.execute("DELETE FROM sqlite_schema WHERE name = 'log'", []);
        assert!(refused.is_err(), "{refused:?}");
        conn.execute("INSERT INTO a(v) VALUES ('x')", [])
            .expect("write");
        let logged: i64 = conn
            .query_row("SELECT count(*) FROM log", [], |r| r.get(0))
            .expect("the log");
        assert_eq!(logged, 0);
    }

    #[test]
    fn a_trigger_sqlite_would_refuse_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = db(dir.path(), "old.db");
        let missing = SchemaRow::new(
            "_mig_i_gone".into(),
            "gone",
            "CREATE TRIGGER \"_mig_i_gone\" AFTER INSERT ON \"gone\" BEGIN SELECT 1; END;",
        )
        .expect("a trigger");
        let err = validate(&conn, &[missing]).expect_err("no such table");
        assert!(err.to_string().contains("gone"), "{err}");
        conn.execute_batch(&rows()[0].sql).expect("CREATE TRIGGER");
        let err = validate(&conn, &rows()).expect_err("already exists");
        assert!(err.to_string().contains("already exists"), "{err}");
        assert!(SchemaRow::new("x".into(), "a", "SELECT 1").is_err());
    }
}
