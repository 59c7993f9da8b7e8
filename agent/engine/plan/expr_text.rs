//! Expression text read without SQLite: one expression and nothing more
//! (what `mig:set` and `mig:revert` accept), and the parts of a row value
//! `(a, b)` (how a composite reference to a renumbered table is named).

use crate::engine::schema::lexer;

/// Refuses text that is not one expression (a `;`, or unbalanced brackets).
pub(crate) fn single_expression(expr: &str) -> std::result::Result<(), String> {
    let toks = lexer::tokenize(expr).map_err(|e| e.message)?;
    let mut depth: i64 = 0;
    for t in &toks {
        match (t.kind, t.text) {
            (lexer::Kind::Semicolon, _) => return Err("an expression cannot contain `;`".into()),
            (lexer::Kind::Punct, "(") => depth += 1,
            (lexer::Kind::Punct, ")") => {
                depth -= 1;
                if depth < 0 {
                    return Err("unbalanced `)`".into());
                }
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err("unbalanced `(`".into());
    }
    Ok(())
}

/// The parts of a row value `(e1, e2, …)` (two or more, each trimmed), or
/// `None` when `expr` is not one: how `mig:set ref = (auth_name, code)`
/// names the old columns of a composite reference to a renumbered table.
pub(crate) fn row_value(expr: &str) -> Option<Vec<String>> {
    let toks: Vec<_> = lexer::tokenize(expr)
        .ok()?
        .into_iter()
        .filter(|t| !t.is_comment())
        .collect();
    let (first, last) = (toks.first()?, toks.last()?);
    if first.text != "(" || last.text != ")" || toks.len() < 3 {
        return None;
    }
    let mut parts = Vec::new();
    let mut depth = 0i64;
    let mut start = first.offset + 1;
    for t in &toks[1..toks.len() - 1] {
        match (t.kind, t.text) {
            (lexer::Kind::Punct, "(") => depth += 1,
            (lexer::Kind::Punct, ")") => {
                depth -= 1;
                if depth < 0 {
                    return None; // `(a) + (b)`: not one parenthesised list
                }
            }
            (lexer::Kind::Punct, ",") if depth == 0 => {
                parts.push(expr[start..t.offset].trim().to_string());
                start = t.offset + 1;
            }
            _ => {}
        }
    }
    parts.push(expr[start..last.offset].trim().to_string());
    (parts.len() >= 2 && parts.iter().all(|p| !p.is_empty())).then_some(parts)
}
