//! The new database's catalog against the schema it was built from, once
//! the copy is done and before cutover: another tool on the new file (an
//! analyst's shell dropping an index, `sqlite-utils enable-fts` adding a
//! table and triggers, a `PRAGMA user_version` bump) would otherwise go live
//! under the schema hash mig printed. Empty when the catalog hashes to the
//! recorded schema hash, which is the cheap common case.

use rusqlite::Connection;

use crate::engine::error::Result;
use crate::engine::new_side::Identity;
use crate::engine::schema::{catalog_hash, catalog_objects, catalog_pragmas, SchemaFile};

/// What differs between the new database (`conn`) and `id`'s schema, one
/// item each ("index x was dropped"); empty when nothing does, or when this
/// build reflects the schema to another hash (a file made by another mig
/// version: nothing to compare against).
pub fn changes(conn: &Connection, id: &Identity) -> Result<Vec<String>> {
    if catalog_hash(conn, "main")? == id.schema_hash {
        return Ok(Vec::new());
    }
    let (scratch, hash) = SchemaFile::parse(&id.schema_file, &id.schema_sql)?.reflect()?;
    if hash != id.schema_hash {
        return Ok(Vec::new());
    }
    let (want, have) = (
        catalog_objects(&scratch, "main")?,
        catalog_objects(conn, "main")?,
    );
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
    for ((pragma, wanted), (_, now)) in catalog_pragmas(&scratch, "main")?.iter().zip(&pragmas) {
        if wanted != now {
            out.push(format!(
                "PRAGMA {pragma} was set to {now} (the schema sets {wanted})"
            ));
        }
    }
    Ok(out)
}

/// The line naming changes made to the new database outside mig.
pub(super) fn refusal(changed: &[String]) -> String {
    format!(
        "the new database was changed outside mig since `mig migrate` copied it ({}): it is no longer the schema file's schema; undo the change on the new database, or `mig reset` and migrate again",
        changed.join(", ")
    )
}
