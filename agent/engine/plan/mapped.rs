//! A new table's rows as SQL over the old table (the *mapped subquery*
//! the constraint pre-check counts over), and the small helpers around it:
//! counting rows with example keys, reading a table's definition, finding
//! its CHECK clauses with the schema lexer.

use rusqlite::Connection;

use super::{ColumnSource, OldKey, TablePlan};
use crate::engine::catalog::{q, Column, Table};
use crate::engine::error::{Result, SqlContext};
use crate::engine::schema::lexer;

/// How many violating old keys a violation lists.
pub const EXAMPLES: usize = 5;

/// The old column a new column copies or renames, if it is one.
pub(super) fn old_column<'t>(ot: &'t Table, source: &ColumnSource) -> Option<&'t Column> {
    ot.column(&source.old_column()?.name)
}

/// The mapped rows of new table `t`, named `alias`.
///
/// A reference is its old key (the id mapping turns it into the new one).
/// A composite reference is one value that is NULL exactly when the new
/// column will be (a NULL in any part), and its parts as the columns
/// [`reference_part`] names, which the FOREIGN KEY check compares with the
/// parent's old key.
pub(crate) fn mapped(t: &TablePlan, tt: &Table, key: &OldKey, alias: &str) -> String {
    let Some(src) = &t.source else {
        return format!("(SELECT NULL WHERE 0) AS {alias}");
    };
    let qsrc = q(src);
    let key_exprs = key.exprs(&qsrc);
    let mut cols: Vec<String> = key_exprs
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{e} AS _mig_k{i}"))
        .collect();
    for c in &t.columns {
        let composite = c.translate.as_ref().filter(|tr| tr.probes.len() > 1);
        let expr = match (&c.expr, &c.source, composite) {
            (_, _, Some(tr)) => format!(
                "CASE WHEN {} THEN NULL ELSE json_array({}) END",
                tr.is_null(),
                tr.probes.join(", ")
            ),
            (Some(e), _, None) => format!("({e})"),
            (None, ColumnSource::Surrogate, None) if key_exprs.len() == 1 => key_exprs[0].clone(),
            (None, ColumnSource::Default, None) => tt
                .column(&c.name)
                .and_then(|col| col.default.clone())
                .map_or_else(|| "NULL".to_string(), |d| format!("({d})")),
            _ => "NULL".to_string(),
        };
        cols.push(format!("{expr} AS {}", q(&c.name)));
        for (i, p) in composite.iter().flat_map(|tr| tr.probes.iter().enumerate()) {
            cols.push(format!("({p}) AS {}", q(&reference_part(&c.name, i))));
        }
    }
    format!("(SELECT {} FROM old.{qsrc}) AS {alias}", cols.join(", "))
}

/// The column of the mapped rows holding part `i` of composite reference
/// `column`.
pub(crate) fn reference_part(column: &str, i: usize) -> String {
    format!("_mig_ref{i}_{column}")
}

/// Counts the rows of `FROM <from_where>` and lists up to [`EXAMPLES`] of
/// their old keys (columns `_mig_k0..`) as SQL literals.
pub(super) fn count_with_examples(
    conn: &Connection,
    from_where: &str,
    width: usize,
) -> Result<(u64, Vec<String>)> {
    let ctx = || "pre-checking the new schema's constraints on the old rows".to_string();
    let n: i64 = conn
        .query_row(&format!("SELECT count(*) FROM {from_where}"), [], |r| {
            r.get(0)
        })
        .ctx(ctx)?;
    if n <= 0 {
        return Ok((0, Vec::new()));
    }
    let parts: Vec<String> = (0..width).map(|i| format!("quote(_mig_k{i})")).collect();
    let display = if width == 1 {
        parts.join("")
    } else {
        format!("'(' || {} || ')'", parts.join(" || ', ' || "))
    };
    let order: Vec<String> = (0..width).map(|i| format!("_mig_k{i}")).collect();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {display} FROM {from_where} ORDER BY {} LIMIT {EXAMPLES}",
            order.join(", ")
        ))
        .ctx(ctx)?;
    let examples = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .ctx(ctx)?
        .collect::<std::result::Result<Vec<_>, _>>()
        .ctx(ctx)?;
    Ok((n as u64, examples))
}

pub(super) fn table_sql(conn: &Connection, schema: &str, table: &str) -> Result<String> {
    conn.query_row(
        &format!(
            "SELECT coalesce(sql, '') FROM {}.sqlite_schema WHERE type = 'table' AND name = ?1",
            q(schema)
        ),
        [table],
        |r| r.get(0),
    )
    .ctx(|| format!("reading the definition of {table}"))
}

/// The expressions of the `CHECK (...)` clauses of a CREATE TABLE, found
/// with the schema lexer (strings and comments cannot fool it).
pub(crate) fn check_clauses(sql: &str) -> Vec<String> {
    let Ok(toks) = lexer::tokenize(sql) else {
        return Vec::new();
    };
    let toks: Vec<_> = toks.into_iter().filter(|t| !t.is_comment()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < toks.len() {
        if toks[i].is_word("CHECK")
            && toks[i + 1].kind == lexer::Kind::Punct
            && toks[i + 1].text == "("
        {
            let start = toks[i + 1].offset + 1;
            let mut depth = 0i64;
            let mut j = i + 1;
            while j < toks.len() {
                if toks[j].kind == lexer::Kind::Punct {
                    match toks[j].text {
                        "(" => depth += 1,
                        ")" => depth -= 1,
                        _ => {}
                    }
                }
                if depth == 0 {
                    break;
                }
                j += 1;
            }
            if j < toks.len() {
                out.push(sql[start..toks[j].offset].trim().to_string());
            }
            i = j;
        }
        i += 1;
    }
    out
}
