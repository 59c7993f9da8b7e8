//! Constraint pre-check on real data: for every NOT NULL, UNIQUE, CHECK,
//! FOREIGN KEY and STRICT column type of the new schema, the old rows that would violate it under
//! the mapping, counted by SQLite over the old table (read-only) with the
//! plan's own column expressions.
//!
//! Each new table's rows are the *mapped subquery* `SELECT <old key> AS
//! _mig_k0.., <column expression> AS "col", .. FROM old."Src"`: a column fed
//! by its DEFAULT gets the DEFAULT expression, a renumbered key gets the old
//! key (which `_id_mapping` turns into the new one, so references compare
//! with it). A violation the copy cannot get past blocks the plan:
//! `INSERT OR REPLACE` aborts on CHECK, on a STRICT type and on NOT NULL
//! without a DEFAULT,
//! and silently merges rows on UNIQUE (drain would then fail its row count).
//! Foreign keys are off while copying, so a dangling reference is a risk,
//! not a blocker.

use rusqlite::Connection;

use super::mapped::{check_clauses, count_with_examples, mapped, old_column, table_sql};
use super::quoted::{Disclosure, Quoted, QuotedText};
use super::{ColumnSource, KeyMode, OldKey, Plan, TablePlan};
use crate::engine::catalog::{q, Table};
use crate::engine::error::{Result, SqlContext};
use crate::engine::schema::lexer;

pub use super::mapped::EXAMPLES;

mod foreign_keys;
mod proven;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    NotNull,
    Unique,
    Check,
    ForeignKey,
    /// A STRICT table's column type.
    StrictType,
}

/// One constraint of the new schema, checked against the old rows.
#[derive(Debug, Clone)]
pub struct Checked {
    pub table: String,
    pub old_table: String,
    pub kind: ConstraintKind,
    /// `UNIQUE(email)`, `NOT NULL(name)`, `CHECK(qty > 0)`, ...
    pub constraint: String,
    /// The old schema did not already guarantee it.
    pub new: bool,
    /// Old rows that would violate it, and up to [`EXAMPLES`] of their keys.
    pub rows: u64,
    pub examples: Quoted,
    /// The copy could not get past a violation.
    pub blocks: bool,
    /// A FOREIGN KEY whose renumbered parent the references are translated
    /// through: a missing parent key gets an id no row holds.
    pub renumbered_parent: Option<String>,
}

impl Checked {
    /// The line, and the same line with the old keys withheld.
    pub fn quoted(&self) -> QuotedText {
        let mut withheld = self.clone();
        withheld.examples.for_caller(Disclosure::CountsOnly);
        QuotedText::rows(self.message(), withheld.message())
    }

    /// One line: `3 rows in Customer would violate UNIQUE(email) of customer; old keys 4, 9, 12`.
    pub fn message(&self) -> String {
        let what = match (self.kind, self.blocks) {
            (ConstraintKind::Unique, _) => {
                "; the copy would merge them (INSERT OR REPLACE keeps one), fix the duplicates in the old database or change the mapping"
            }
            (ConstraintKind::ForeignKey, _) => {
                "; foreign keys are not enforced while copying, so the new database would hold dangling references"
            }
            (_, true) => "; the copy would stop at the first one, fix those rows or change the mapping",
            (_, false) => "; they would take the column's DEFAULT",
        };
        let what = match &self.renumbered_parent {
            Some(parent) => format!(
                "; {parent} is renumbered: each missing {parent} key gets a new {parent} id that no row holds (one id per distinct key, the one a {parent} row inserted with that key before cutover takes; see docs/plan.md)"
            ),
            None => what.to_string(),
        };
        format!(
            "{} row{} in {} would violate {} of {} (old keys: {}){what}",
            self.rows,
            if self.rows == 1 { "" } else { "s" },
            self.old_table,
            self.constraint,
            self.table,
            self.examples.text(),
        )
    }
}

/// Checks every constraint of every sourced new table. `conn` holds the
/// target schema as `main` and the old database attached as `old`.
/// Returns the checked constraints and the ones that could not be checked
/// (as warnings).
pub fn check(conn: &Connection, plan: &Plan) -> Result<(Vec<Checked>, Vec<String>)> {
    let catalogs = super::Catalogs::of(conn, plan)?;
    let (target, old) = (&catalogs.target, &catalogs.old);
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for t in &plan.tables {
        let (Some(src), Some(key), Some(tt)) = (&t.source, &t.old_key, target.table(&t.name))
        else {
            continue;
        };
        if t.key_mode == KeyMode::Refused {
            continue; // already a blocker
        }
        let Some(ot) = old.table(src) else { continue };
        let c = Checker {
            conn,
            plan,
            t,
            tt,
            ot,
            key,
        };
        c.not_null(&mut out)?;
        c.strict_types(&mut out)?;
        c.unique(&mut out)?;
        c.checks(&mut out, &mut skipped)?;
        c.foreign_keys(&mut out, target, &mut skipped)?;
    }
    Ok((out, skipped))
}

struct Checker<'a> {
    conn: &'a Connection,
    plan: &'a Plan,
    t: &'a TablePlan,
    tt: &'a Table,
    ot: &'a Table,
    key: &'a OldKey,
}

/// A constraint of the new schema whose violations by the mapped old rows
/// are counted.
struct Check<'a> {
    kind: ConstraintKind,
    constraint: String,
    /// The old table did not have it.
    new: bool,
    /// A violating row stops the copy (a NOT NULL with a DEFAULT takes the
    /// DEFAULT instead; a foreign key is reported, not enforced).
    blocks: bool,
    /// `<FROM clause> WHERE …` of the violating rows.
    from_where: &'a str,
}

impl Checker<'_> {
    /// `(SELECT <key> AS _mig_k0, .., <expr> AS "col", .. FROM old."src") AS alias`.
    fn mapped(&self, alias: &str) -> String {
        mapped(self.t, self.tt, self.key, alias)
    }

    /// Counts the mapped old rows that violate `c`, with example keys.
    fn record(&self, out: &mut Vec<Checked>, c: Check<'_>) -> Result<()> {
        let (rows, examples) = count_with_examples(self.conn, c.from_where, self.key.width())?;
        self.push(out, c, rows, examples);
        Ok(())
    }

    /// Records `c` as checked: `rows` old rows violate it.
    fn push(&self, out: &mut Vec<Checked>, c: Check<'_>, rows: u64, examples: Vec<String>) {
        out.push(Checked {
            table: self.t.name.clone(),
            old_table: self.ot.name.clone(),
            kind: c.kind,
            constraint: c.constraint,
            new: c.new,
            rows,
            examples: Quoted::Shown(examples),
            blocks: c.blocks && rows > 0,
            renumbered_parent: None,
        });
    }

    fn not_null(&self, out: &mut Vec<Checked>) -> Result<()> {
        for c in &self.t.columns {
            let Some(col) = self.tt.column(&c.name) else {
                continue;
            };
            if !col.notnull || c.expr.is_none() || c.source == ColumnSource::Surrogate {
                continue;
            }
            let new = old_column(self.ot, &c.source).is_none_or(|oc| !oc.notnull);
            let from = format!("{} WHERE m.{} IS NULL", self.mapped("m"), q(&c.name));
            let check = Check {
                kind: ConstraintKind::NotNull,
                constraint: format!("NOT NULL({})", c.name),
                new,
                blocks: col.default.is_none(),
                from_where: &from,
            };
            // Proven by the old table's own NOT NULLs: no row to read (a
            // translated reference is the id mapping's value, not the expression's).
            let proven = c.translate.is_none()
                && c.expr
                    .as_deref()
                    .is_some_and(|e| proven::never_null(e, self.ot));
            match proven {
                true => self.push(out, check, 0, Vec::new()),
                false => self.record(out, check)?,
            }
        }
        Ok(())
    }

    /// A STRICT column refuses a value its type's affinity cannot convert
    /// (TEXT 'abc' into INTEGER): the copy would stop there. Only values
    /// whose type differs from the column's are stored, with the column's
    /// declared type, in a temp table: SQLite applies the affinity, the
    /// ones still of another type are counted.
    fn strict_types(&self, out: &mut Vec<Checked>) -> Result<()> {
        if !self.tt.strict {
            return Ok(());
        }
        for c in &self.t.columns {
            let Some(col) = self.tt.column(&c.name) else {
                continue;
            };
            let decl = col.decl_type.to_ascii_uppercase();
            let expected = match decl.as_str() {
                "INT" | "INTEGER" => "integer",
                "REAL" => "real",
                "TEXT" => "text",
                "BLOB" => "blob",
                _ => continue, // ANY takes every value
            };
            if c.expr.is_none() || c.source == ColumnSource::Surrogate {
                continue;
            }
            let keys: Vec<String> = (0..self.key.width())
                .map(|i| format!("_mig_k{i}"))
                .collect();
            let v = format!("m.{}", q(&c.name));
            let ctx = || format!("pre-checking the STRICT type of {}.{}", self.t.name, c.name);
            self.conn
                .execute_batch(&format!(
                    "DROP TABLE IF EXISTS temp._mig_strict;
                     CREATE TEMP TABLE _mig_strict({}, v {decl});
                     INSERT INTO temp._mig_strict SELECT {}, {v} FROM {} WHERE {v} IS NOT NULL AND typeof({v}) <> '{expected}';",
                    keys.join(", "),
                    keys.iter().map(|k| format!("m.{k}")).collect::<Vec<_>>().join(", "),
                    self.mapped("m"),
                ))
                .ctx(ctx)?;
            let new = !(self.ot.strict
                && old_column(self.ot, &c.source)
                    .is_some_and(|oc| oc.decl_type.eq_ignore_ascii_case(&col.decl_type)));
            self.record(
                out,
                Check {
                    kind: ConstraintKind::StrictType,
                    constraint: format!("STRICT {decl}({})", c.name),
                    new,
                    blocks: true,
                    from_where: &format!("temp._mig_strict WHERE typeof(v) <> '{expected}'"),
                },
            )?;
            self.conn
                .execute_batch("DROP TABLE temp._mig_strict")
                .ctx(ctx)?;
        }
        Ok(())
    }

    fn unique(&self, out: &mut Vec<Checked>) -> Result<()> {
        for (cols, word) in self.unique_sets() {
            let surrogate = cols.iter().any(|(n, _)| {
                self.t.columns.iter().any(|c| {
                    c.name.eq_ignore_ascii_case(n)
                        && matches!(c.source, ColumnSource::Surrogate | ColumnSource::Generated)
                })
            });
            if surrogate {
                continue;
            }
            let names: Vec<&str> = cols.iter().map(|(n, _)| n.as_str()).collect();
            let keys: String = (0..self.key.width())
                .map(|i| format!("m._mig_k{i}, "))
                .collect();
            let partition: Vec<String> = cols
                .iter()
                .map(|(n, coll)| super::collate(&format!("m.{}", q(n)), coll))
                .collect();
            let not_null: Vec<String> = cols
                .iter()
                .map(|(n, _)| format!("m.{} IS NOT NULL", q(n)))
                .collect();
            let from = format!(
                "(SELECT {keys}count(*) OVER (PARTITION BY {}) AS _mig_n FROM {} WHERE {}) WHERE _mig_n > 1",
                partition.join(", "),
                self.mapped("m"),
                not_null.join(" AND ")
            );
            let new = !self.old_has_unique(&names);
            self.record(
                out,
                Check {
                    kind: ConstraintKind::Unique,
                    constraint: format!("{word}({})", names.join(", ")),
                    new,
                    blocks: true,
                    from_where: &from,
                },
            )?;
        }
        Ok(())
    }

    /// The new table's UNIQUE column sets (with their collations) and the
    /// word naming each: its primary key, its UNIQUE indexes (not partial,
    /// not over expressions), and a rowid alias computed by an expression.
    fn unique_sets(&self) -> Vec<(Vec<(String, String)>, &'static str)> {
        let mut sets: Vec<(Vec<(String, String)>, &'static str)> = Vec::new();
        for i in self.tt.indexes.iter().filter(|i| i.unique && !i.partial) {
            let cols: Option<Vec<(String, String)>> = i
                .columns
                .iter()
                .map(|c| c.name.clone().map(|n| (n, c.collation.clone())))
                .collect();
            sets.extend(cols.map(|c| {
                (
                    c,
                    if i.origin == "pk" {
                        "PRIMARY KEY"
                    } else {
                        "UNIQUE"
                    },
                )
            }));
        }
        // A preserved INTEGER PRIMARY KEY computed by an expression may collide.
        if let Some(alias) = &self.tt.rowid_alias {
            let computed =
                self.t.columns.iter().any(|c| {
                    c.name.eq_ignore_ascii_case(alias) && c.source == ColumnSource::Computed
                });
            if computed {
                sets.push((vec![(alias.clone(), "BINARY".into())], "PRIMARY KEY"));
            }
        }
        sets
    }

    /// The old table already has a UNIQUE index on the old columns these
    /// new columns copy.
    fn old_has_unique(&self, new_cols: &[&str]) -> bool {
        let olds: Option<Vec<String>> = new_cols
            .iter()
            .map(|n| {
                let c = self
                    .t
                    .columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(n))?;
                old_column(self.ot, &c.source).map(|oc| oc.name.to_ascii_lowercase())
            })
            .collect();
        let Some(mut olds) = olds else { return false };
        olds.sort();
        let rowid_key = olds.len() == 1
            && self
                .ot
                .rowid_alias
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(&olds[0]));
        rowid_key
            || self
                .ot
                .indexes
                .iter()
                .filter(|i| i.unique && !i.partial)
                .any(|i| {
                    let mut cols: Vec<String> = i
                        .columns
                        .iter()
                        .filter_map(|c| c.name.as_ref().map(|n| n.to_ascii_lowercase()))
                        .collect();
                    cols.sort();
                    cols == olds
                })
    }

    fn checks(&self, out: &mut Vec<Checked>, skipped: &mut Vec<String>) -> Result<()> {
        let old_sql = lexer::normalize(&table_sql(self.conn, "old", &self.ot.name)?);
        for expr in check_clauses(&table_sql(self.conn, "main", &self.tt.name)?) {
            let from = format!("{} WHERE NOT ({expr})", self.mapped(&q(&self.t.name)));
            if let Err(e) = self.conn.prepare(&format!("SELECT count(*) FROM {from}")) {
                skipped.push(format!(
                    "CHECK({expr}) of {} could not be pre-checked on the old rows: {e}",
                    self.t.name
                ));
                continue;
            }
            let new = !old_sql.contains(&lexer::normalize(&expr));
            self.record(
                out,
                Check {
                    kind: ConstraintKind::Check,
                    constraint: format!("CHECK({expr})"),
                    new,
                    blocks: true,
                    from_where: &from,
                },
            )?;
        }
        Ok(())
    }
}
