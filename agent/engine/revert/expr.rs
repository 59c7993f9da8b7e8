//! The inverse mapping's expressions: what an inverse expression reads or
//! names, how `plan` shows a column, and compiling a `mig:revert` expression under SQLite's
//! authorizer (one expression over the new row alone).

use std::sync::{Arc, Mutex};

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::Connection;

use super::inverse::{ColumnValue, OldColumn, ROW};
use crate::engine::catalog::q;
use crate::engine::plan::expr_text::single_expression;
use crate::engine::plan::OldKey;

/// `expr` (an inverse expression) reads only the new key: a quoted key
/// column name, or the rowid.
pub(super) fn reads_only(expr: &str, new_key: &OldKey) -> bool {
    if expr == format!("{ROW}.rowid") {
        return matches!(new_key, OldKey::Rowid { .. });
    }
    new_key
        .readable_names()
        .iter()
        .any(|n| format!("{ROW}.{}", q(n)).eq_ignore_ascii_case(expr))
}

/// The expression names `column` (as a word, any case or quoting).
pub(super) fn mentions(expr: &str, column: &str) -> bool {
    crate::engine::schema::lexer::tokenize(expr)
        .map(|toks| {
            toks.iter()
                .filter_map(|t| t.ident())
                .any(|n| n.eq_ignore_ascii_case(column))
        })
        .unwrap_or(true)
}

pub(super) fn describe(c: &OldColumn) -> String {
    match &c.value {
        ColumnValue::Expr(_) => format!("{} = {}  [{}]", c.name, c.shown, c.how),
        ColumnValue::Keep => format!("{}  [{}]", c.name, c.how),
    }
}

/// Compiles a `mig:revert` expression over new table `table` (in `main`):
/// one expression, reading only that row (no subquery), one value per row.
pub(super) fn compile(conn: &Connection, table: &str, expr: &str) -> Result<(), String> {
    single_expression(expr)?;
    let selects = Arc::new(Mutex::new(0_usize));
    let sink = Arc::clone(&selects);
    conn.authorizer(Some(move |ctx: AuthContext<'_>| {
        if let AuthAction::Select = ctx.action {
            if let Ok(mut n) = sink.lock() {
                *n += 1;
            }
        }
        Authorization::Allow
    }));
    let r = conn
        .prepare(&format!(
            "SELECT ({expr}) FROM main.{} WHERE ({expr}) IS NULL",
            q(table)
        ))
        .map(|_| ());
    conn.authorizer(None::<fn(AuthContext<'_>) -> Authorization>);
    r.map_err(|e| match e {
        rusqlite::Error::SqlInputError { msg, .. } => msg,
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg,
        other => other.to_string(),
    })?;
    if selects.lock().map(|n| *n > 1).unwrap_or(false) {
        return Err(format!(
            "the expression has a subquery; a revert expression may read only columns of {table}'s own row"
        ));
    }
    Ok(())
}
