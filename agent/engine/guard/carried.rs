//! Recording triggers that carry the standby and retired refusals
//! themselves (through the helper view `record::REFUSAL`, installed by
//! migrate, or inline as the mig before it made them): with
//! them the old database has one trigger per table and write, drain arms
//! nothing, and cutover refuses writes by updating the marker's row. A
//! recording made by an older mig carries only draining's refusal; drain
//! then arms guards beside it (`guard::arm`, the fallback). Also counts
//! what refuses the old database's writes now (status, reports).

use rusqlite::Connection;

use super::{guard_sql, OPS};
use crate::engine::catalog::{q, with_prefix, Catalog, TRIGGER_PREFIX};
use crate::engine::error::{Result, SqlContext};
use crate::engine::owners::LeftToOwner;
use crate::engine::record::{self, carries, MarkerStatus, CARRIED, CARRIED_INLINE, REFUSAL};

/// `Some(triggers)` when every table recording covers (all but those left
/// to their owner) has its three write triggers carrying the refusals and
/// no guard exists beside them (and the helper view's trigger, which ones
/// refusing through it need); `None` otherwise (a recording by an older
/// mig, a table not recorded, guards an arm left). Reads only.
pub fn carried(conn: &Connection) -> Result<Option<u32>> {
    let Some(marker) = record::read_marker(conn, "main")? else {
        return Ok(None);
    };
    if !guard_sql(conn)?.is_empty() {
        return Ok(None);
    }
    let triggers: std::collections::HashMap<String, String> =
        with_prefix(conn, "trigger", TRIGGER_PREFIX)?
            .into_iter()
            .collect();
    let mut catalog = Catalog::read(conn, "main")?;
    catalog.leave(&LeftToOwner::from_recorded(&marker.catalog));
    let mut n = 0;
    for t in &catalog.tables {
        for (op, _) in OPS {
            let name = format!("{TRIGGER_PREFIX}{op}_{}", t.name);
            let Some(sql) = triggers.get(&name).filter(|sql| carries(sql)) else {
                return Ok(None);
            };
            if sql.contains(CARRIED) && !triggers.contains_key(REFUSAL) {
                return Ok(None);
            }
            n += 1;
        }
    }
    Ok((n > 0).then_some(n))
}

/// The recording triggers of `schema` that carry the refusals (they refuse
/// every write once the marker says standby or retired; the helper view's
/// trigger is not one).
pub fn count_carrying(conn: &Connection, schema: &str) -> Result<u64> {
    let n: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM {}.sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_%' ESCAPE '\\' AND (instr(sql, ?1) > 0 OR instr(sql, ?2) > 0)",
                q(schema)
            ),
            [CARRIED, CARRIED_INLINE],
            |r| r.get(0),
        )
        .ctx(|| "counting the recording triggers".into())?;
    Ok(n.max(0) as u64)
}

/// Triggers refusing the old database's writes as a standby or retired
/// database now: none while its marker says recording or draining (they
/// wait for cutover), otherwise every guard and every recording trigger
/// that carries the refusals ([`carried`]).
pub fn count(conn: &Connection, schema: &str) -> Result<u64> {
    let waiting = record::read_marker(conn, schema)?
        .is_some_and(|m| matches!(m.status, MarkerStatus::Recording | MarkerStatus::Draining));
    if waiting {
        return Ok(0);
    }
    let n: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM {}.sqlite_schema WHERE type = 'trigger' AND name LIKE '\\_mig\\_guard\\_%' ESCAPE '\\'",
                q(schema)
            ),
            [],
            |r| r.get(0),
        )
        .ctx(|| "counting guard triggers".into())?;
    Ok(n.max(0) as u64 + count_carrying(conn, schema)?)
}

/// The old database's guard triggers alone (not the recording triggers
/// that carry the refusals).
pub fn count_guards(conn: &Connection) -> Result<u32> {
    Ok(guard_sql(conn)?.len() as u32)
}
