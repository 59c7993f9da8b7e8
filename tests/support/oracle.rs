//! The independent oracle: a mapping written by hand as plain
//! `CREATE TABLE … AS SELECT` over the final old database, then compared
//! with the new database query by query. Renumbered keys are compared
//! through the natural key they were assigned for, never by surrogate value.

use std::path::Path;

use rusqlite::Connection;

/// One case's expected transform and the queries that compare it.
pub struct Oracle<'a> {
    /// SQL run on an in-memory database with `old` and `new` attached:
    /// creates the expected tables in `main` from `old.*`.
    pub transform: &'a str,
    /// (expected, actual) query pairs: the first reads `main` (the oracle's
    /// tables), the second `new`. Each must return rows of TEXT (use `quote()`
    /// so type and bytes are exact) in a deterministic order.
    pub checks: &'a [(&'a str, &'a str)],
}

/// Rows of `sql` as printable strings.
fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn
        .prepare(sql)
        .unwrap_or_else(|e| panic!("oracle query `{sql}`: {e}"));
    let n = stmt.column_count();
    let out = stmt
        .query_map([], |r| {
            let mut parts = Vec::with_capacity(n);
            for i in 0..n {
                // quote() of a text built from a blob may not be UTF-8: keep its bytes.
                parts.push(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Text(b) => match std::str::from_utf8(b) {
                        Ok(s) => s.to_string(),
                        Err(_) => format!("<non-utf8 text {}>", hex::encode(b)),
                    },
                    other => format!("{other:?}"),
                });
            }
            Ok(parts.join("|"))
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .unwrap_or_else(|e| panic!("oracle rows of `{sql}`: {e}"));
    out
}

/// Builds the expected tables from `old` and compares them with `new`;
/// panics with the first difference. Returns the number of rows compared.
pub fn compare(old: &Path, new: &Path, oracle: &Oracle<'_>) -> usize {
    let conn = Connection::open_in_memory().expect("oracle db");
    conn.execute("ATTACH ?1 AS old", [old.to_str().expect("path")])
        .expect("attach old");
    conn.execute("ATTACH ?1 AS new", [new.to_str().expect("path")])
        .expect("attach new");
    conn.execute_batch(oracle.transform)
        .expect("oracle transform");
    let mut compared = 0;
    for (expected_sql, actual_sql) in oracle.checks {
        let expected = rows(&conn, expected_sql);
        let actual = rows(&conn, actual_sql);
        if expected != actual {
            let first = (0..expected.len().max(actual.len()))
                .find(|&i| expected.get(i) != actual.get(i))
                .unwrap_or(0);
            // Small tables (property-test cases) are printed whole.
            let whole = if expected.len().max(actual.len()) <= 40 {
                format!("\nexpected: {expected:#?}\nactual:   {actual:#?}")
            } else {
                String::new()
            };
            panic!(
                "new database differs from the oracle for `{actual_sql}`: expected {} rows, got {}; first difference at row {first}: expected {:?}, got {:?}{whole}",
                expected.len(),
                actual.len(),
                expected.get(first),
                actual.get(first),
            );
        }
        compared += expected.len();
    }
    compared
}

/// The shop fixture's comparison ([`super::fixture::ORACLE`]), as most
/// runbook tests use it.
pub fn assert_matches(old: &Path, new: &Path) -> usize {
    compare(old, new, &super::fixture::ORACLE)
}
