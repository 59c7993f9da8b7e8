//! Mapping one new table: which old table feeds it, the expression of each
//! column, what those expressions read, and the table's key mode.

use std::collections::HashMap;

use super::checks::{count_rows, own_row_only};
use super::expr_text::{row_value, single_expression};
use super::keys::rowid_instead_of;
use super::references::Inferred;
use super::{Builder, ColumnPlan, ColumnSource, KeyMode, OldKey, Reads, SourceColumn, TablePlan};
use crate::engine::catalog::{Catalog, Column, Table};
use crate::engine::error::Result;
use crate::engine::schema::{lexer, Directives, SetDirective, Statement};

impl<'a> Builder<'a> {
    pub(super) fn table(
        &mut self,
        t: &Table,
        stmt: &Statement,
        target: &Catalog,
    ) -> Result<TablePlan> {
        let d = &stmt.directives;
        let source = self.source(t, d);
        self.check_sets(t, d, source);
        let old_key = source.map(|o| self.tracking_key(o));
        let mut columns: Vec<ColumnPlan> = t
            .columns
            .iter()
            .map(|c| self.column(t, c, d, source, stmt))
            .collect();
        let col_reads = match source {
            Some(o) => self.column_reads(t, o, &columns, d, stmt),
            None => HashMap::new(),
        };
        let (mut key_mode, new_key, rowid_expr) =
            self.key_mode(t, source, old_key.as_ref(), &columns, &col_reads, stmt);
        if d.from.is_some() && source.is_none() {
            // mig:from names no old table (a blocker): not "new, starts empty".
            key_mode = KeyMode::Refused;
        }
        let constant_key = match key_mode {
            KeyMode::Renumbered => constant_key(t, &columns, &col_reads),
            _ => Vec::new(),
        };
        if key_mode == KeyMode::Renumbered {
            surrogate_alias(t, &mut columns);
        }
        if let (Some(o), Some(key)) = (source, old_key.as_ref()) {
            self.check_old_key(o, key)?;
        }
        if source.is_some() && self.count {
            self.check_fixed_values(t, &columns, stmt)?;
        }
        let rows = match source {
            Some(o) if self.count => count_rows(self.conn, &o.name)?,
            _ => 0,
        };
        let rowid_kept = key_mode == KeyMode::Preserved
            && matches!(old_key, Some(OldKey::Rowid { .. }))
            && source.is_some_and(|o| rowid_kept(t, o, &columns, rowid_expr.is_some()));
        let deferred_indexes = target
            .indexes
            .iter()
            .filter(|i| i.table.eq_ignore_ascii_case(&t.name))
            .map(|i| i.name.clone())
            .collect();
        Ok(TablePlan {
            name: t.name.clone(),
            source: source.map(|o| o.name.clone()),
            old_key,
            key_mode,
            columns,
            rowid_expr,
            new_key,
            rowid_kept,
            without_rowid: t.without_rowid,
            rows,
            deferred_indexes,
            constant_key,
        })
    }

    /// Warns of an old table tracked by rowid (VACUUM would renumber it)
    /// and refuses old rows with a NULL key.
    fn check_old_key(&mut self, o: &Table, key: &OldKey) -> Result<()> {
        if o.pk.is_empty() && !o.without_rowid {
            self.warnings.push(format!(
                "old table {} has no primary key: its rows are tracked by rowid, so do not VACUUM the old database until cutover",
                o.name
            ));
        }
        if rowid_instead_of(o, key) {
            self.warnings.push(format!(
                "old table {} is tracked by rowid: its PRIMARY KEY ({}) can hold NULLs, so do not VACUUM the old database until cutover",
                o.name,
                o.pk.join(", ")
            ));
        }
        self.null_keys(o, key)
    }

    /// The old table named by `mig:from`, else the one of the same name.
    fn source(&mut self, t: &Table, d: &Directives) -> Option<&'a Table> {
        let Some((name, line)) = &d.from else {
            return self.old.table(&t.name);
        };
        if let Some(o) = self.old.table(name) {
            return Some(o);
        }
        let known: Vec<&str> = self.old.tables.iter().map(|t| t.name.as_str()).collect();
        self.blockers.push(format!(
            "{}: mig:from {name}: the old database has no table {name} (it has: {})",
            self.at(*line),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ));
        None
    }

    /// Every `mig:set` names a writable column and has an old row to read.
    fn check_sets(&mut self, t: &Table, d: &Directives, source: Option<&Table>) {
        for s in &d.sets {
            match t.column(&s.column) {
                None => self.blockers.push(format!(
                    "{}: mig:set {} = {}: table {} has no column {}",
                    self.at(s.line), s.column, s.expr, t.name, s.column
                )),
                Some(c) if c.generated => self.blockers.push(format!(
                    "{}: mig:set {}: {} is a generated column; SQLite computes it, remove the mig:set",
                    self.at(s.line), s.column, s.column
                )),
                Some(_) => {}
            }
            if source.is_none() && d.from.is_none() {
                self.blockers.push(format!(
                    "{}: mig:set {}: table {} has no old table to read from; add `-- mig:from OLD_TABLE`",
                    self.at(s.line), s.column, t.name
                ));
            }
        }
    }

    /// Where column `c` of new table `t` gets its value.
    fn column(
        &mut self,
        t: &Table,
        c: &Column,
        d: &Directives,
        source: Option<&Table>,
        stmt: &Statement,
    ) -> ColumnPlan {
        let plan = |expr: Option<String>, source: ColumnSource| ColumnPlan {
            name: c.name.clone(),
            expr,
            source,
            translate: None,
            null_default: null_default(c),
        };
        let set = d
            .sets
            .iter()
            .find(|s| s.column.eq_ignore_ascii_case(&c.name));
        let is_alias = t
            .rowid_alias
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(&c.name));
        if c.generated {
            return plan(None, ColumnSource::Generated);
        }
        if let (Some(s), Some(o)) = (set, source) {
            return self.set_column(c, s, o);
        }
        if let Some((o, oc)) = source.and_then(|o| o.column(&c.name).map(|oc| (o, oc))) {
            let from = SourceColumn::new(&o.name, &oc.name);
            return plan(Some(from.quoted.clone()), ColumnSource::Copy(from));
        }
        if is_alias && source.is_some() {
            return plan(None, ColumnSource::Surrogate);
        }
        if let Some(o) = source {
            match self.inferred_reference(t, &c.name, o) {
                Inferred::Row(e) => return plan(Some(e), ColumnSource::Computed),
                Inferred::Ambiguous => return plan(None, ColumnSource::Refused),
                Inferred::Nothing => {}
            }
        }
        if c.default.is_some() {
            return plan(None, ColumnSource::Default);
        }
        if c.notnull && source.is_some() {
            self.blockers.push(format!(
                "{}: column {}.{} is NOT NULL but has no source: {} has no column {} and it has no DEFAULT; add `-- mig:set {} = <expression>` above CREATE TABLE {}",
                self.at(stmt.line), t.name, c.name,
                source.map(|s| s.name.as_str()).unwrap_or("the old table"), c.name, c.name, t.name
            ));
        }
        plan(None, ColumnSource::Null)
    }

    /// A column given by `mig:set`: a plain old column name is a copy or a
    /// rename (qualified with the old table), anything else an expression.
    fn set_column(&mut self, c: &Column, s: &SetDirective, o: &Table) -> ColumnPlan {
        // Only an identifier names a column: `'abc'` is a constant, even
        // when the old table has a column abc.
        let plain = lexer::tokenize(&s.expr)
            .ok()
            .filter(|t| t.len() == 1 && t[0].kind != lexer::Kind::String)
            .and_then(|t| t[0].ident())
            .and_then(|n| o.column(&n).map(|oc| oc.name.clone()));
        let (expr, kind) = match plain.map(|n| SourceColumn::new(&o.name, &n)) {
            Some(from) if from.name.eq_ignore_ascii_case(&c.name) => {
                (from.quoted.clone(), ColumnSource::Copy(from))
            }
            Some(from) => (from.quoted.clone(), ColumnSource::Rename(from)),
            None => (s.expr.clone(), ColumnSource::Computed),
        };
        if let Err(m) = single_expression(&expr) {
            self.blockers.push(format!(
                "{}: mig:set {} = {}: {m}",
                self.at(s.line),
                c.name,
                expr
            ));
        }
        ColumnPlan {
            name: c.name.clone(),
            expr: Some(expr),
            source: kind,
            translate: None,
            null_default: null_default(c),
        }
    }

    /// Compiles each column expression against old table `o` to learn which
    /// old columns it reads; an expression that does not compile, or reads
    /// another table, blocks the plan.
    fn column_reads(
        &mut self,
        t: &Table,
        o: &Table,
        columns: &[ColumnPlan],
        d: &Directives,
        stmt: &Statement,
    ) -> HashMap<String, Reads> {
        let mut col_reads = HashMap::new();
        for c in columns {
            let Some(expr) = &c.expr else { continue };
            // A row value (a composite reference) reads what its parts read.
            let parts = row_value(expr).unwrap_or_else(|| vec![expr.clone()]);
            let compiled = parts.iter().try_fold(Reads::new(), |mut all, e| {
                let r = self
                    .compile(e, &o.name)
                    .and_then(|r| own_row_only(r, &o.name))?;
                all.extend(r);
                Ok::<_, String>(all)
            });
            match compiled {
                Ok(r) => {
                    self.reads.extend(r.iter().cloned());
                    col_reads.insert(c.name.to_ascii_lowercase(), r);
                }
                Err(msg) => {
                    let line = d
                        .sets
                        .iter()
                        .find(|s| s.column.eq_ignore_ascii_case(&c.name))
                        .map(|s| s.line)
                        .unwrap_or(stmt.line);
                    self.blockers.push(format!(
                        "{}: {}.{} = {expr}: {msg}",
                        self.at(line),
                        t.name,
                        c.name
                    ));
                }
            }
        }
        col_reads
    }
}

/// The DEFAULT a NULL written into NOT NULL column `c` becomes, when that
/// DEFAULT is a constant (a literal, or an expression calling no function
/// and reading no time): SQLite's REPLACE substitutes it on insert, and
/// copy, replay and verify must all write and compare that same value. A
/// DEFAULT that changes with time (`CURRENT_TIMESTAMP`) cannot be compared
/// later, so it is left to SQLite.
fn null_default(c: &Column) -> Option<String> {
    let d = c.default.as_deref()?.trim();
    if !c.notnull || c.generated || d.is_empty() {
        return None;
    }
    let lower = d.to_ascii_lowercase();
    let calls_a_function = lower
        .char_indices()
        .filter(|(_, ch)| *ch == '(')
        .any(|(i, _)| {
            lower[..i]
                .trim_end()
                .chars()
                .last()
                .is_some_and(|p| p.is_ascii_alphanumeric() || p == '_')
        });
    if lower.contains("current_") || calls_a_function {
        return None;
    }
    Some(if d.starts_with('(') {
        d.to_string()
    } else {
        format!("({d})")
    })
}

/// The declared key of new table `t` when every column of it is set by a
/// `mig:set` reading no old column (a constant); empty otherwise. A rowid
/// alias is not one: mig assigns it in a renumbered table.
fn constant_key(t: &Table, columns: &[ColumnPlan], reads: &HashMap<String, Reads>) -> Vec<String> {
    if t.pk.is_empty() || t.rowid_alias.is_some() {
        return Vec::new();
    }
    let constant = |k: &String| {
        columns.iter().any(|c| {
            c.name.eq_ignore_ascii_case(k)
                && c.source == ColumnSource::Computed
                && c.translate.is_none()
                && reads
                    .get(&k.to_ascii_lowercase())
                    .is_none_or(|r| r.is_empty())
        })
    };
    if t.pk.iter().all(constant) {
        t.pk.clone()
    } else {
        Vec::new()
    }
}

/// A renumbered table's rowid alias is assigned by mig, not copied.
fn surrogate_alias(t: &Table, columns: &mut [ColumnPlan]) {
    for c in columns.iter_mut() {
        if t.rowid_alias
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(&c.name))
        {
            c.expr = None;
            c.source = ColumnSource::Surrogate;
        }
    }
}

/// Whether new table `t`'s rowid is old table `o`'s, value for value: the
/// old rowid carried over (`rowid_expr`), or the new INTEGER PRIMARY KEY
/// copied unchanged from the old one. Neither side WITHOUT ROWID.
fn rowid_kept(t: &Table, o: &Table, columns: &[ColumnPlan], rowid_expr: bool) -> bool {
    if t.without_rowid || o.without_rowid {
        return false;
    }
    if rowid_expr {
        return true;
    }
    let (Some(new), Some(old)) = (&t.rowid_alias, &o.rowid_alias) else {
        return false;
    };
    columns.iter().any(|c| {
        c.name.eq_ignore_ascii_case(new)
            && c.translate.is_none()
            && c.null_default.is_none()
            && c.source
                .old_column()
                .is_some_and(|s| s.name.eq_ignore_ascii_case(old))
    })
}
