//! Recording on the old database: `_migration_marker`, `_migration_log` and
//! the triggers that log every write and refuse writes while draining.
//!
//! Trigger SQL runs inside the *service's* SQLite library, which may be old:
//! it uses only features SQLite has had for a decade (no row values, no
//! `unixepoch`). Triggers log the key only; replay reads the current row.

use rusqlite::{Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::catalog::{lit, q, Catalog, Table};
use super::error::{EngineError, Result, SqlContext};
use super::lock;
use super::plan::{old_key, OldKey, Plan};

/// The text of the error every write gets while the old database drains.
pub const DRAINING_MESSAGE: &str =
    "database is draining for a migration (mig): writes are refused until the new database takes over";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerStatus {
    Recording,
    Draining,
}

impl MarkerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerStatus::Recording => "recording",
            MarkerStatus::Draining => "draining",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Marker {
    pub status: MarkerStatus,
    pub migration_id: String,
    pub new_path: String,
    pub schema_hash: String,
    pub started_at: String,
    /// The catalog as it was when recording started (see [`catalog_listing`]).
    pub catalog: String,
}

/// Reads the marker of `schema` ("main" on an old-database connection,
/// "old" on a work connection). `None` when there is no marker table.
pub fn read_marker(conn: &Connection, schema: &str) -> Result<Option<Marker>> {
    if !has_table(conn, schema, "_migration_marker")? {
        return Ok(None);
    }
    let row = conn
        .query_row(
            &format!("SELECT status, migration_id, new_path, schema_hash, started_at, catalog FROM {}._migration_marker WHERE id = 1", q(schema)),
            [],
            |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()
        .ctx(|| "reading _migration_marker".into())?;
    let Some((status, migration_id, new_path, schema_hash, started_at, catalog)) = row else {
        return Ok(None);
    };
    let status = match status.as_str() {
        "recording" => MarkerStatus::Recording,
        "draining" => MarkerStatus::Draining,
        other => {
            return Err(EngineError::Drift(format!(
                "_migration_marker has status {other:?}, which mig never writes; someone edited it: run `mig reset` and migrate again"
            )))
        }
    };
    Ok(Some(Marker {
        status,
        migration_id,
        new_path,
        schema_hash,
        started_at,
        catalog,
    }))
}

pub fn has_table(conn: &Connection, schema: &str, name: &str) -> Result<bool> {
    let n: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM {}.sqlite_schema WHERE type = 'table' AND name = ?1",
                q(schema)
            ),
            [name],
            |r| r.get(0),
        )
        .ctx(|| format!("looking for {name}"))?;
    Ok(n > 0)
}

/// The newest log sequence number (0 when empty or absent).
pub fn log_max(conn: &Connection, schema: &str) -> Result<u64> {
    if !has_table(conn, schema, "_migration_log")? {
        return Ok(0);
    }
    let n: i64 = conn
        .query_row(
            &format!(
                "SELECT coalesce(max(seq), 0) FROM {}._migration_log",
                q(schema)
            ),
            [],
            |r| r.get(0),
        )
        .ctx(|| "reading _migration_log".into())?;
    Ok(n.max(0) as u64)
}

/// Entries after `checkpoint`, and the age in seconds of the oldest of them.
pub fn pending(conn: &Connection, schema: &str, checkpoint: u64) -> Result<(u64, f64)> {
    if !has_table(conn, schema, "_migration_log")? {
        return Ok((0, 0.0));
    }
    let (n, age): (i64, Option<f64>) = conn
        .query_row(
            &format!(
                "SELECT count(*), (julianday('now') - min(at)) * 86400.0 FROM {}._migration_log WHERE seq > ?1",
                q(schema)
            ),
            [checkpoint as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ctx(|| "reading _migration_log".into())?;
    Ok((n.max(0) as u64, age.unwrap_or(0.0).max(0.0)))
}

/// One line per object of the old catalog (type, name, hash of its SQL),
/// statistics tables excluded: compared later to detect changes made
/// outside the recorded path.
pub fn catalog_listing(conn: &Connection, schema: &str) -> Result<String> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT type, name, coalesce(sql, '') FROM {}.sqlite_schema WHERE name NOT LIKE 'sqlite\\_stat%' ESCAPE '\\' ORDER BY type, name",
            q(schema)
        ))
        .ctx(|| "reading the old catalog".into())?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .ctx(|| "reading the old catalog".into())?;
    let mut out = String::new();
    for row in rows {
        let (kind, name, sql) = row.ctx(|| "reading the old catalog".into())?;
        let digest = hex::encode(&Sha256::digest(sql.as_bytes())[..8]);
        out.push_str(&format!("{kind}\t{name}\t{digest}\n"));
    }
    Ok(out)
}

/// What changed in the old catalog since recording started, one item each.
pub fn drift(recorded: &str, now: &str) -> Vec<String> {
    let parse = |s: &str| -> Vec<(String, String, String)> {
        s.lines()
            .filter_map(|l| {
                let mut p = l.split('\t');
                Some((
                    p.next()?.to_string(),
                    p.next()?.to_string(),
                    p.next()?.to_string(),
                ))
            })
            .collect()
    };
    let (a, b) = (parse(recorded), parse(now));
    let mut out = Vec::new();
    for (k, n, h) in &a {
        match b.iter().find(|(k2, n2, _)| k2 == k && n2 == n) {
            None => out.push(format!("{k} {n} was dropped")),
            Some((_, _, h2)) if h2 != h => out.push(format!("{k} {n} was altered")),
            Some(_) => {}
        }
    }
    for (k, n, _) in &b {
        if !a.iter().any(|(k2, n2, _)| k2 == k && n2 == n) {
            out.push(format!("{k} {n} was created"));
        }
    }
    out
}

pub struct InstallSpec<'a> {
    pub plan: &'a Plan,
    pub migration_id: &'a str,
    pub new_path: &'a str,
}

/// Creates the marker, the log and the triggers in one transaction: either
/// recording has fully started or nothing changed.
pub fn install(conn: &mut Connection, spec: &InstallSpec<'_>) -> Result<()> {
    let tx = lock::begin_immediate(conn).ctx(|| "starting to record on the old database".into())?;
    let old = Catalog::read(&tx, "main")?;
    let width = spec.plan.key_width;
    let keys: Vec<String> = (0..width).map(|i| format!("k{i}")).collect();
    let olds: Vec<String> = (0..width).map(|i| format!("o{i}")).collect();
    tx.execute_batch(&format!(
        "CREATE TABLE _migration_marker(\n  id INTEGER PRIMARY KEY CHECK (id = 1),\n  status TEXT NOT NULL CHECK (status IN ('recording', 'draining')),\n  migration_id TEXT NOT NULL,\n  new_path TEXT NOT NULL,\n  schema_hash TEXT NOT NULL,\n  started_at TEXT NOT NULL,\n  updated_at TEXT NOT NULL,\n  catalog TEXT NOT NULL\n);\n\
         CREATE TABLE _migration_log(seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, at REAL NOT NULL, {}, {});",
        keys.join(", "),
        olds.join(", ")
    ))
    .ctx(|| "creating _migration_marker and _migration_log".into())?;
    let sourced = spec.plan.source_tables();
    for t in &old.tables {
        let logs = sourced.iter().any(|s| s.eq_ignore_ascii_case(&t.name));
        for sql in trigger_sql(t, logs) {
            tx.execute_batch(&sql)
                .ctx(|| format!("creating recording triggers on {}", t.name))?;
        }
    }
    let catalog = catalog_listing(&tx, "main")?;
    tx.execute(
        "INSERT INTO _migration_marker(id, status, migration_id, new_path, schema_hash, started_at, updated_at, catalog) \
         VALUES (1, 'recording', ?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?4)",
        rusqlite::params![spec.migration_id, spec.new_path, spec.plan.schema_hash, catalog],
    )
    .ctx(|| "writing _migration_marker".into())?;
    tx.commit()
        .ctx(|| "committing the recording setup".into())?;
    Ok(())
}

fn guard() -> String {
    format!(
        "SELECT RAISE(ABORT, {}) WHERE (SELECT status FROM _migration_marker WHERE id = 1) IS NOT 'recording';",
        lit(DRAINING_MESSAGE)
    )
}

/// The triggers for one old table. `logs`: the table feeds the new database
/// (otherwise its triggers only refuse writes while draining).
fn trigger_sql(t: &Table, logs: bool) -> Vec<String> {
    let key = old_key(t);
    let name = |kind: &str| {
        q(&format!(
            "{}{kind}_{}",
            super::catalog::TRIGGER_PREFIX,
            t.name
        ))
    };
    let table = q(&t.name);
    let guard = guard();
    let log = |op: &str, row: &str, with_old: bool| -> String {
        if !logs {
            return String::new();
        }
        let k = key.exprs(row);
        let mut cols: Vec<String> = (0..k.len()).map(|i| format!("k{i}")).collect();
        let mut vals = k;
        if with_old {
            let o = key.exprs("OLD");
            cols.extend((0..o.len()).map(|i| format!("o{i}")));
            vals.extend(o);
        }
        format!(
            "INSERT INTO _migration_log(tbl, op, at, {}) VALUES ({}, '{op}', julianday('now'), {});",
            cols.join(", "),
            lit(&t.name),
            vals.join(", ")
        )
    };
    let mut out = vec![
        format!(
            "CREATE TRIGGER {} AFTER INSERT ON {table} FOR EACH ROW BEGIN {guard} {} END;",
            name("i"),
            log("I", "NEW", false)
        ),
        format!(
            "CREATE TRIGGER {} AFTER UPDATE ON {table} FOR EACH ROW BEGIN {guard} {} END;",
            name("u"),
            log("U", "NEW", true)
        ),
        format!(
            "CREATE TRIGGER {} AFTER DELETE ON {table} FOR EACH ROW BEGIN {guard} {} END;",
            name("d"),
            log("D", "OLD", false)
        ),
    ];
    if logs {
        out.extend(replace_capture(t, &key));
    }
    out
}

/// `INSERT OR REPLACE` deletes rows that conflict on a UNIQUE index without
/// firing delete triggers. These BEFORE triggers log the keys of the rows
/// such a statement is about to remove, so replay notices they are gone.
fn replace_capture(t: &Table, key: &OldKey) -> Vec<String> {
    let table = q(&t.name);
    let uniques: Vec<_> = t
        .indexes
        .iter()
        .filter(|i| i.unique && i.origin != "pk" && i.columns.iter().all(|c| c.name.is_some()))
        .collect();
    if uniques.is_empty() {
        return Vec::new();
    }
    let key_cols: Vec<String> = match key {
        OldKey::Rowid { .. } => vec!["rowid".into()],
        OldKey::Columns(cols) => cols.iter().map(|c| q(&c.name)).collect(),
    };
    let kcols: Vec<String> = (0..key_cols.len()).map(|i| format!("k{i}")).collect();
    let conflict = |row: &str, idx: &super::catalog::Index| -> String {
        idx.columns
            .iter()
            .map(|c| {
                let n = q(c.name.as_deref().unwrap_or_default());
                format!("{n} COLLATE {} = {row}.{n}", q(&c.collation))
            })
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let same_row = match key {
        OldKey::Rowid { .. } => "rowid IS NOT OLD.rowid".to_string(),
        OldKey::Columns(cols) => format!(
            "NOT ({})",
            cols.iter()
                .map(|c| format!("{n} IS OLD.{n}", n = q(&c.name)))
                .collect::<Vec<_>>()
                .join(" AND ")
        ),
    };
    let ins: Vec<String> = uniques
        .iter()
        .map(|idx| {
            format!(
                "INSERT INTO _migration_log(tbl, op, at, {}) SELECT {}, 'R', julianday('now'), {} FROM {table} WHERE {};",
                kcols.join(", "),
                lit(&t.name),
                key_cols.join(", "),
                conflict("NEW", idx)
            )
        })
        .collect();
    let upd: Vec<String> = uniques
        .iter()
        .map(|idx| {
            format!(
                "INSERT INTO _migration_log(tbl, op, at, {}) SELECT {}, 'R', julianday('now'), {} FROM {table} WHERE {} AND {same_row};",
                kcols.join(", "),
                lit(&t.name),
                key_cols.join(", "),
                conflict("NEW", idx)
            )
        })
        .collect();
    let name = |kind: &str| {
        q(&format!(
            "{}{kind}_{}",
            super::catalog::TRIGGER_PREFIX,
            t.name
        ))
    };
    vec![
        format!(
            "CREATE TRIGGER {} BEFORE INSERT ON {table} FOR EACH ROW BEGIN {} END;",
            name("ri"),
            ins.join(" ")
        ),
        format!(
            "CREATE TRIGGER {} BEFORE UPDATE ON {table} FOR EACH ROW BEGIN {} END;",
            name("ru"),
            upd.join(" ")
        ),
    ]
}

/// Moves the marker from `from` to `to`; fails if it is not at `from`.
pub fn set_status(conn: &Connection, from: MarkerStatus, to: MarkerStatus) -> Result<()> {
    let n = lock::with_lock(conn, |c| {
        c.execute(
            "UPDATE _migration_marker SET status = ?2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = 1 AND status = ?1",
            [from.as_str(), to.as_str()],
        )
    })
        .ctx(|| format!("switching the old database to {}", to.as_str()))?;
    if n != 1 {
        return Err(EngineError::Precondition(format!(
            "the old database's marker is no longer {}; another mig is working on it: check `mig status`",
            from.as_str()
        )));
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Removed {
    pub previous_status: Option<MarkerStatus>,
    pub marker: bool,
    pub log: bool,
    pub triggers: u32,
}

/// Drops the triggers, the log and the marker in one transaction.
/// `refuse_if`: statuses that make the call fail, checked inside the
/// transaction so no write can slip in between check and drop.
pub fn remove(conn: &mut Connection, refuse_if: &[MarkerStatus], refusal: &str) -> Result<Removed> {
    let tx = lock::begin_immediate(conn).ctx(|| "locking the old database".into())?;
    let marker = read_marker(&tx, "main")?;
    let previous_status = marker.as_ref().map(|m| m.status);
    if let Some(s) = previous_status {
        if refuse_if.contains(&s) {
            return Err(EngineError::Precondition(refusal.to_string()));
        }
    }
    let triggers: Vec<String> = {
        let mut stmt = tx
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_%' ESCAPE '\\'")
            .ctx(|| "listing recording triggers".into())?;
        let names = stmt
            .query_map([], |r| r.get(0))
            .ctx(|| "listing recording triggers".into())?
            .collect::<std::result::Result<Vec<String>, _>>()
            .ctx(|| "listing recording triggers".into())?;
        names
    };
    for t in &triggers {
        tx.execute_batch(&format!("DROP TRIGGER {}", q(t)))
            .ctx(|| format!("dropping trigger {t}"))?;
    }
    let log = has_table(&tx, "main", "_migration_log")?;
    if log {
        tx.execute_batch("DROP TABLE _migration_log")
            .ctx(|| "dropping _migration_log".into())?;
    }
    let had_marker = has_table(&tx, "main", "_migration_marker")?;
    if had_marker {
        tx.execute_batch("DROP TABLE _migration_marker")
            .ctx(|| "dropping _migration_marker".into())?;
    }
    tx.commit().ctx(|| "committing the cleanup".into())?;
    Ok(Removed {
        previous_status,
        marker: had_marker,
        log,
        triggers: triggers.len() as u32,
    })
}

/// Recording triggers present on the old database.
pub fn trigger_count(conn: &Connection, schema: &str) -> Result<u64> {
    let n: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM {}.sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_%' ESCAPE '\\'", q(schema)),
            [],
            |r| r.get(0),
        )
        .ctx(|| "counting recording triggers".into())?;
    Ok(n.max(0) as u64)
}
