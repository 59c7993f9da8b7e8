//! The new database's catalog against the schema it was built from, once
//! the copy is done and before cutover: another tool on the new file (an
//! analyst's shell dropping an index, `sqlite-utils enable-fts` adding a
//! table and triggers, a `PRAGMA user_version` bump) would otherwise go live
//! under the schema hash mig printed. Empty when the catalog hashes to the
//! recorded schema hash, which is the cheap common case.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use rusqlite::Connection;

use crate::engine::error::Result;
use crate::engine::new_side::Identity;
use crate::engine::schema::{catalog_hash, catalog_objects, catalog_pragmas, SchemaFile};

/// A schema file's catalog as this build reflects it: objects and header
/// pragmas (`None`: it reflects to another hash than the one recorded, so
/// the file was made by another mig version and there is nothing to
/// compare against).
type Reflected = Option<(Vec<(String, String, String)>, Vec<(&'static str, i64)>)>;

/// Reflections by recorded schema hash and schema text, made once per process: a file made
/// by another mig version (its catalog hashes otherwise for a reason that
/// is not a change) or a changed one would else rebuild a scratch database
/// on every state read (each `status` poll). Small: one entry per
/// migration this process read, cleared past [`REFLECTED_KEPT`].
static REFLECTED: OnceLock<Mutex<HashMap<String, Reflected>>> = OnceLock::new();
const REFLECTED_KEPT: usize = 256;

/// What differs between the new database (`conn`) and `id`'s schema, one
/// item each ("index x was dropped"); empty when nothing does, or when this
/// build reflects the schema to another hash (a file made by another mig
/// version: nothing to compare against).
///
/// Read by every state read while migrating after the copy (`status`,
/// `verify`, the start of `drain` and `cutover`, and drain --cutover's read
/// before its freeze), never inside a freeze: one catalog hash in the
/// common case, the reflection of the schema file only when it differs,
/// and that once per process.
pub fn changes(conn: &Connection, id: &Identity) -> Result<Vec<String>> {
    if catalog_hash(conn, "main")? == id.schema_hash {
        return Ok(Vec::new());
    }
    let Some((want, wanted_pragmas)) = reflected(id)? else {
        return Ok(Vec::new());
    };
    let have = catalog_objects(conn, "main")?;
    let find = |list: &[(String, String, String)], k: &str, n: &str| {
        list.iter()
            .find(|(kind, name, _)| kind == k && name == n)
            .map(|(_, _, sql)| sql.clone())
    };
    let mut out = Vec::new();
    for (kind, name, sql) in &want {
        match find(&have, kind, name) {
            None => out.push(format!("{kind} {name} was dropped")),
            Some(now) if &now != sql => out.push(format!("{kind} {name} was altered")),
            Some(_) => {}
        }
    }
    for (kind, name, _) in &have {
        if find(&want, kind, name).is_none() {
            out.push(format!("{kind} {name} was created"));
        }
    }
    let pragmas = catalog_pragmas(conn, "main")?;
    for ((pragma, wanted), (_, now)) in wanted_pragmas.iter().zip(&pragmas) {
        if wanted != now {
            out.push(format!(
                "PRAGMA {pragma} was set to {now} (the schema sets {wanted})"
            ));
        }
    }
    Ok(out)
}

/// `id`'s schema file reflected in a scratch database, or the reflection
/// this process made before.
fn reflected(id: &Identity) -> Result<Reflected> {
    use sha2::{Digest, Sha256};
    // The recorded hash and the schema text: the same text may reflect to
    // another hash under another build.
    let key = format!(
        "{}:{}",
        id.schema_hash,
        hex::encode(Sha256::digest(id.schema_sql.as_bytes()))
    );
    let cache = REFLECTED.get_or_init(Default::default);
    let known = cache.lock().ok().and_then(|c| c.get(&key).cloned());
    if let Some(r) = known {
        return Ok(r);
    }
    let (scratch, hash) = SchemaFile::parse(&id.schema_file, &id.schema_sql)?.reflect()?;
    let r = match hash == id.schema_hash {
        true => Some((
            catalog_objects(&scratch, "main")?,
            catalog_pragmas(&scratch, "main")?,
        )),
        false => None,
    };
    if let Ok(mut c) = cache.lock() {
        if c.len() >= REFLECTED_KEPT {
            c.clear();
        }
        c.insert(key, r.clone());
    }
    Ok(r)
}

/// The line naming changes made to the new database outside mig.
pub(super) fn refusal(changed: &[String]) -> String {
    format!(
        "the new database was changed outside mig since `mig migrate` copied it ({}): it is no longer the schema file's schema; undo the change on the new database, or `mig reset` and migrate again",
        changed.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(schema_hash: &str, schema_sql: &str) -> Identity {
        Identity {
            schema_hash: schema_hash.into(),
            migration_id: "m".into(),
            old_path: "old.db".into(),
            schema_file: "schema.sql".into(),
            schema_sql: schema_sql.into(),
            label: String::new(),
            created_at: String::new(),
        }
    }

    const SCHEMA: &str = "CREATE TABLE t(x);\nCREATE INDEX t_x ON t(x);\n";

    #[test]
    fn a_file_another_build_made_is_reflected_once_and_shows_no_change() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t(x)").unwrap();
        let id = identity("made-by-another-build", SCHEMA);
        assert!(changes(&conn, &id).unwrap().is_empty());
        let cached = REFLECTED.get().unwrap().lock().unwrap();
        assert!(cached
            .iter()
            .any(|(k, r)| k.starts_with("made-by-another-build:") && r.is_none()));
    }

    #[test]
    fn a_dropped_index_is_named_on_every_read_from_one_reflection() {
        let hash = SchemaFile::parse("schema.sql", SCHEMA)
            .unwrap()
            .reflect()
            .unwrap()
            .1;
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t(x)").unwrap();
        let id = identity(&hash, SCHEMA);
        for _ in 0..2 {
            assert_eq!(changes(&conn, &id).unwrap(), ["index t_x was dropped"]);
        }
    }
}
