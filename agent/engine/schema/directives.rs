//! The `-- mig:` directives above a `CREATE TABLE`: `mig:from`, `mig:set`
//! and `mig:revert`, parsed from the statement's comments, and refused
//! anywhere else in the file.

use super::lexer::{self, Kind};
use super::statements::RawStatement;
use super::{Directives, SetDirective};
use crate::engine::error::{EngineError, Result, SchemaPos};

/// The text after `mig:` when `comment` is a directive (`-- mig:...`).
pub(super) fn directive_text(comment: &str) -> Option<&str> {
    comment
        .strip_prefix("--")?
        .trim_start()
        .strip_prefix("mig:")
}

/// The directives in the comments above one statement; a malformed one is
/// refused with its position in the file.
pub(super) fn parse_directives(raw: &RawStatement<'_>, file: &str) -> Result<Directives> {
    let mut d = Directives::default();
    for t in raw.leading.iter().filter(|t| t.kind == Kind::LineComment) {
        let Some(body) = directive_text(t.text) else {
            continue;
        };
        let err = |column: usize, message: String| EngineError::Schema {
            pos: SchemaPos {
                file: file.to_string(),
                line: t.line,
                column,
            },
            message,
        };
        let body_col = t.column + (t.text.len() - body.len());
        let (verb, rest) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
        let rest_col = body_col + verb.chars().count() + 1;
        match verb {
            "from" => {
                if let Some((_, line)) = &d.from {
                    return Err(err(body_col, format!("a second mig:from for the same table (the first is on line {line}); keep one")));
                }
                let toks =
                    lexer::tokenize(rest).map_err(|e| err(rest_col + e.column - 1, e.message))?;
                match toks.as_slice() {
                    [one] if one.ident().is_some() => {
                        d.from = Some((one.ident().unwrap_or_default(), t.line));
                    }
                    _ => {
                        return Err(err(
                            rest_col,
                            format!("mig:from takes one old table name, got `{}`", rest.trim()),
                        ))
                    }
                }
            }
            "set" | "revert" => {
                let list = if verb == "set" {
                    &mut d.sets
                } else {
                    &mut d.reverts
                };
                let what = Assignment {
                    verb,
                    rest,
                    line: t.line,
                    col: rest_col,
                };
                list.push(assignment(&what, list, &err)?);
            }
            other => {
                return Err(err(body_col, format!("unknown directive mig:{other}; use mig:from OLD_TABLE, mig:set COLUMN = EXPRESSION or mig:revert OLD_COLUMN = EXPRESSION")));
            }
        }
    }
    Ok(d)
}

/// One `mig:set` or `mig:revert` line: `COLUMN = EXPRESSION`.
struct Assignment<'a> {
    verb: &'a str,
    rest: &'a str,
    line: usize,
    col: usize,
}

fn assignment(
    a: &Assignment<'_>,
    seen: &[SetDirective],
    err: &dyn Fn(usize, String) -> EngineError,
) -> Result<SetDirective> {
    let (verb, rest, rest_col) = (a.verb, a.rest, a.col);
    let Some((col, expr)) = rest.split_once('=') else {
        return Err(err(
            rest_col,
            format!(
                "mig:{verb} needs `COLUMN = EXPRESSION`, got `{}`",
                rest.trim()
            ),
        ));
    };
    let toks = lexer::tokenize(col).map_err(|e| err(rest_col + e.column - 1, e.message))?;
    let column = match toks.as_slice() {
        [one] if one.ident().is_some() => one.ident().unwrap_or_default(),
        _ => {
            return Err(err(
                rest_col,
                format!(
                    "mig:{verb} needs one column name before `=`, got `{}`",
                    col.trim()
                ),
            ))
        }
    };
    let expr = expr.trim();
    if expr.is_empty() {
        return Err(err(
            rest_col,
            format!("mig:{verb} {column} has no expression after `=`"),
        ));
    }
    if let Some(prev) = seen.iter().find(|s| s.column.eq_ignore_ascii_case(&column)) {
        return Err(err(
            rest_col,
            format!(
                "column {column} is {} twice (also on line {}); keep one mig:{verb}",
                if verb == "set" {
                    "set"
                } else {
                    "given a revert expression"
                },
                prev.line
            ),
        ));
    }
    Ok(SetDirective {
        column,
        expr: expr.to_string(),
        line: a.line,
    })
}

pub(super) fn reject_directives(raw: &RawStatement<'_>, file: &str, what: &str) -> Result<()> {
    if let Some(t) = raw
        .leading
        .iter()
        .find(|t| t.kind == Kind::LineComment && directive_text(t.text).is_some())
    {
        return Err(EngineError::Schema {
            pos: SchemaPos { file: file.to_string(), line: t.line, column: t.column },
            message: format!("mig: directives apply only to CREATE TABLE, but {what} follows; move the directive above its table"),
        });
    }
    Ok(())
}

pub(super) fn trailing_directive(source: &str) -> Option<(usize, usize)> {
    let tokens = lexer::tokenize(source).ok()?;
    let last_significant = tokens
        .iter()
        .rposition(|t| !t.is_comment() && t.kind != Kind::Semicolon);
    tokens
        .iter()
        .enumerate()
        .filter(|(i, t)| last_significant.is_none_or(|l| *i > l) && t.kind == Kind::LineComment)
        .find(|(_, t)| directive_text(t.text).is_some())
        .map(|(_, t)| (t.line, t.column))
}
