//! References to renumbered tables: which new child columns hold an old key
//! of a renumbered parent, from which old columns, and how the plan
//! translates them through the parent's id mapping — a single-column key
//! (`state_id`) or a composite one (PROJ's `datum_auth_name, datum_code`).
//!
//! A composite reference is named by a row value, `mig:set datum_id =
//! (datum_auth_name, datum_code)`, or inferred from the old table's only
//! FOREIGN KEY to the parent's old table when the new column has no other
//! source. Whatever its width, a reference becomes one [`Translation`]:
//! copy, replay, verify and the pre-check all read it.

use std::collections::HashMap;

use super::expr_text::row_value;
use super::keys::{nullable_composite_key, old_key_columns};
use super::{Builder, ColumnPlan, KeyMode, OldKey, TablePlan, Translation};
use crate::engine::catalog::{q, Catalog, ForeignKey, Table};

/// A renumbered table as its references see it.
struct Renumbered {
    /// The new table's name.
    name: String,
    /// The key references name: the declared key, even where the table is
    /// tracked (and its mapping keyed) by its rowid.
    referenced: Option<OldKey>,
    /// The key its id mapping is keyed by.
    mapped: Option<OldKey>,
}

impl Builder<'_> {
    /// Marks child columns that hold a key of a renumbered parent.
    pub(super) fn translate_foreign_keys(&mut self, tables: &mut [TablePlan], target: &Catalog) {
        let old = self.old;
        let renumbered: HashMap<String, Renumbered> = tables
            .iter()
            .filter(|t| t.key_mode == KeyMode::Renumbered)
            .map(|t| {
                let referenced = match t.source.as_deref().and_then(|s| old.table(s)) {
                    Some(o) if nullable_composite_key(o) => Some(old_key_columns(o)),
                    _ => t.old_key.clone(),
                };
                let r = Renumbered {
                    name: t.name.clone(),
                    referenced,
                    mapped: t.old_key.clone(),
                };
                (t.name.to_ascii_lowercase(), r)
            })
            .collect();
        for child in tables.iter_mut() {
            let Some(tt) = target.table(&child.name) else {
                continue;
            };
            for fk in &tt.foreign_keys {
                let Some(parent) = renumbered.get(&fk.parent.to_ascii_lowercase()) else {
                    continue;
                };
                if !to_new_key(fk, target) {
                    continue;
                }
                if let Err(why) = translate(child, &fk.from[0], parent) {
                    self.blockers.push(why);
                }
            }
            self.stray_row_values(child);
        }
    }

    /// A row value set on a column that translates nothing: refused, since
    /// SQLite has no single value for it.
    fn stray_row_values(&mut self, child: &TablePlan) {
        for c in &child.columns {
            let Some(expr) = &c.expr else { continue };
            if c.translate.is_some() || row_value(expr).is_none() {
                continue;
            }
            let line = self
                .schema
                .table(&child.name)
                .and_then(|s| {
                    s.directives
                        .sets
                        .iter()
                        .find(|d| d.column.eq_ignore_ascii_case(&c.name))
                })
                .map(|d| d.line);
            let at = line.map_or_else(|| child.name.clone(), |l| self.at(l));
            self.blockers.push(format!(
                "{at}: {}.{} = {expr}: a list of old columns sets only a reference to a renumbered table whose old key has as many columns (declare {} REFERENCES that table's INTEGER PRIMARY KEY)",
                child.name, c.name, c.name
            ));
        }
    }

    /// The old columns a new column without a source of its own holds a
    /// reference from, as a row value: the old table's only FOREIGN KEY of
    /// two or more columns to the old table that feeds the new parent the
    /// column references. `None` when there is none; a blocker when there
    /// are several (say which with `mig:set`).
    pub(super) fn inferred_reference(&mut self, t: &Table, column: &str, o: &Table) -> Inferred {
        self.inferred(t, column, o).unwrap_or(Inferred::Nothing)
    }

    fn inferred(&mut self, t: &Table, column: &str, o: &Table) -> Option<Inferred> {
        let fk = t
            .foreign_keys
            .iter()
            .find(|fk| fk.from.len() == 1 && fk.from[0].eq_ignore_ascii_case(column))?;
        let parent_source = self
            .schema
            .table(&fk.parent)
            .and_then(|s| s.directives.from.as_ref().map(|(f, _)| f.clone()))
            .unwrap_or_else(|| fk.parent.clone());
        let parent_old = self.old.table(&parent_source)?;
        let candidates: Vec<Vec<String>> = o
            .foreign_keys
            .iter()
            .filter(|ofk| ofk.from.len() > 1 && ofk.parent.eq_ignore_ascii_case(&parent_old.name))
            .filter_map(|ofk| in_key_order(ofk, parent_old))
            .collect();
        match candidates.as_slice() {
            [] => None,
            [one] => {
                let cols: Vec<String> = one
                    .iter()
                    .map(|c| format!("{}.{}", q(&o.name), q(c)))
                    .collect();
                Some(Inferred::Row(format!("({})", cols.join(", "))))
            }
            several => {
                let lists: Vec<String> = several
                    .iter()
                    .map(|c| format!("({})", c.join(", ")))
                    .collect();
                let likely = likeliest(column, several);
                // The blocker says which of them to read: none is lost
                // data, whichever the operator picks.
                let table = o.name.to_ascii_lowercase();
                self.reads.extend(
                    several
                        .iter()
                        .flatten()
                        .map(|c| (table.clone(), c.to_ascii_lowercase())),
                );
                self.blockers.push(format!(
                    "{}.{column} references {} and old table {} has several foreign keys to {}: {}; say which with `-- mig:set {column} = ({})` above CREATE TABLE {}",
                    t.name, fk.parent, o.name, parent_old.name, lists.join(", "), likely.join(", "), t.name
                ));
                Some(Inferred::Ambiguous)
            }
        }
    }
}

/// What the old table says a new reference column holds.
pub(super) enum Inferred {
    /// No composite foreign key to the parent's old table.
    Nothing,
    /// The row value of the only one.
    Row(String),
    /// Several: a blocker says which `mig:set` to write.
    Ambiguous,
}

/// The candidate foreign key (its child columns) the blocker suggests for
/// new column `column`: the one whose first column shares the longest
/// prefix with it (`ensemble_id` -> `ensemble_auth_name, ensemble_code`),
/// the first declared on a tie (SQLite lists foreign keys last declared
/// first).
fn likeliest<'a>(column: &str, candidates: &'a [Vec<String>]) -> &'a [String] {
    let shared = |c: &Vec<String>| {
        let first = c.first().map_or("", String::as_str);
        column
            .bytes()
            .zip(first.bytes())
            .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
            .count()
    };
    candidates
        .iter()
        .max_by_key(|c| shared(c))
        .map_or(&[], Vec::as_slice)
}

/// Whether `fk` is a single column referencing its parent's new key (the
/// rowid alias, or the primary key implied).
fn to_new_key(fk: &ForeignKey, target: &Catalog) -> bool {
    let alias = target.table(&fk.parent).and_then(|p| p.rowid_alias.clone());
    fk.from.len() == 1
        && fk.to.len() == 1
        && match &fk.to[0] {
            None => true,
            Some(c) => alias.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(c)),
        }
}

/// The child columns of old foreign key `fk`, ordered as the primary key of
/// `parent` (the order of its id mapping), if it references that key.
fn in_key_order(fk: &ForeignKey, parent: &Table) -> Option<Vec<String>> {
    let OldKey::Columns(key) = old_key_columns(parent) else {
        return None;
    };
    if key.len() != fk.from.len() {
        return None;
    }
    key.iter()
        .map(|k| {
            let i = fk.to.iter().enumerate().position(|(i, to)| {
                let named = to.as_deref().or(parent.pk.get(i).map(String::as_str));
                named.is_some_and(|n| n.eq_ignore_ascii_case(&k.name))
            })?;
            fk.from.get(i).cloned()
        })
        .collect()
}

/// Makes child column `name` a translated reference to `parent`, or says
/// why it cannot be one.
fn translate(child: &mut TablePlan, name: &str, parent: &Renumbered) -> Result<(), String> {
    let Some(at) = child
        .columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(name))
    else {
        return Ok(());
    };
    let col = &child.columns[at];
    let Some(expr) = col.expr.clone() else {
        return Ok(());
    };
    let probes = row_value(&expr).unwrap_or_else(|| vec![expr.clone()]);
    let Some(key) = parent.referenced.as_ref() else {
        return Ok(());
    };
    if parent.mapped.as_ref() != Some(key) {
        return Err(format!(
            "{}.{} references renumbered table {}, whose old key ({}) can be NULL: mig tracks that table by its rowid and cannot translate a reference by its key; give those rows a NOT NULL key first, or keep {} keyed by its old key",
            child.name, col.name, parent.name, key_names(key), parent.name
        ));
    }
    if probes.len() != key.width() {
        return Err(width_message(child, col, parent, key, probes.len()));
    }
    let tr = Translation {
        parent: parent.name.clone(),
        probes,
        collations: key.collations(),
    };
    // A translated column in the new primary key: replayed deletes find
    // their row through the translated value too.
    let col_name = col.name.clone();
    for (k, e) in child.new_key.iter_mut() {
        if k.eq_ignore_ascii_case(&col_name) {
            *e = tr.lookup();
        }
    }
    child.columns[at].translate = Some(tr);
    Ok(())
}

fn key_names(key: &OldKey) -> String {
    key.readable_names()
        .into_iter()
        .take(key.width())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A reference naming a different number of columns than the parent's
/// old key has.
fn width_message(
    child: &TablePlan,
    col: &ColumnPlan,
    parent: &Renumbered,
    key: &OldKey,
    given: usize,
) -> String {
    format!(
        "{}.{} references renumbered table {}, whose old key has {} column(s) ({}), but is set from {given}: set it from the old columns holding that key, in that order, with `-- mig:set {} = (col1, col2, …)` above CREATE TABLE {}",
        child.name,
        col.name,
        parent.name,
        key.width(),
        key_names(key),
        col.name,
        child.name
    )
}
