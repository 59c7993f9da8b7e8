//! What the new schema replaces: an old index or foreign key that reads a
//! renamed table or column is no broken dependency when the new schema has
//! its counterpart on the new names — an index over the same columns as
//! mapped (unique if the old one was, with the same collations; a plain
//! index may be served by one that leads with them), a foreign
//! key from the mapped columns to the table the old parent's rows go to.
//! Used by `deps` so a finding is only what really goes away.

use super::{Plan, TablePlan};
use crate::engine::catalog::{q, Catalog, Index};

/// The new column of `t` that copies (or renames) old column
/// `old_table.old_column` unchanged.
fn mapped_column<'a>(t: &'a TablePlan, old_table: &str, old_column: &str) -> Option<&'a str> {
    let fed = t
        .source
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(old_table));
    t.columns
        .iter()
        .filter(|c| fed && c.translate.is_none())
        .find(|c| {
            c.source
                .old_column()
                .is_some_and(|o| o.name.eq_ignore_ascii_case(old_column))
        })
        .map(|c| c.name.as_str())
}

/// The new column of `t` that holds old reference `child(from)` translated
/// through the id mapping of a table in `parents` (those the old parent's
/// rows go to): the counterpart of the old foreign key, on the new key.
fn translated_column<'a>(
    t: &'a TablePlan,
    child: &str,
    from: &[String],
    parents: &[&str],
) -> Option<&'a str> {
    let fed = t
        .source
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(child));
    t.columns
        .iter()
        .filter(|_| fed)
        .find(|c| {
            c.translate.as_ref().is_some_and(|tr| {
                parents.iter().any(|p| p.eq_ignore_ascii_case(&tr.parent))
                    && tr.probes.len() == from.len()
                    && tr
                        .probes
                        .iter()
                        .zip(from)
                        .all(|(probe, c)| names_column(probe, child, c))
            })
        })
        .map(|c| c.name.as_str())
}

/// Whether expression `probe` is just old column `table.column` (`column`,
/// quoted or not, qualified or not).
fn names_column(probe: &str, table: &str, column: &str) -> bool {
    let probe = probe.trim();
    [
        column.to_string(),
        q(column),
        format!("{table}.{column}"),
        format!("{}.{}", q(table), q(column)),
    ]
    .iter()
    .any(|form| form.eq_ignore_ascii_case(probe))
}

/// Whether old index `name` (on `old_table`) has a counterpart in the new
/// schema on every new table that takes any of its columns: in a split,
/// on the table its columns move to, as `schema.sql` declares it there;
/// the split's other tables need none. Columns spread over several tables
/// have no counterpart.
pub fn index(plan: &Plan, old: &Catalog, target: &Catalog, old_table: &str, name: &str) -> bool {
    let Some(index) = old
        .table(old_table)
        .and_then(|t| t.indexes.iter().find(|i| i.name.eq_ignore_ascii_case(name)))
    else {
        return false;
    };
    // An expression or a partial index cannot be matched column by column.
    if index.partial || index.columns.iter().any(|c| c.name.is_none()) {
        return false;
    }
    let takers: Vec<&TablePlan> = plan
        .fed_by(old_table)
        .filter(|t| {
            index.columns.iter().any(|c| {
                c.name
                    .as_deref()
                    .is_some_and(|c| mapped_column(t, old_table, c).is_some())
            })
        })
        .collect();
    !takers.is_empty() && takers.iter().all(|t| index_on(t, old_table, index, target))
}

/// Whether new table `t` has an index serving what `index` served: a
/// unique one over exactly the mapped columns (it keeps them unique), or,
/// for a plain index, any index whose leading columns are the mapped ones
/// (it serves the same lookups; e.g. `(feed_url, pubDate)` for `(feedurl)`).
fn index_on(t: &TablePlan, old_table: &str, index: &Index, target: &Catalog) -> bool {
    let Some(wanted) = index
        .columns
        .iter()
        .map(|c| mapped_column(t, old_table, c.name.as_deref()?))
        .collect::<Option<Vec<&str>>>()
    else {
        return false;
    };
    let Some(new_table) = target.table(&t.name) else {
        return false;
    };
    new_table.indexes.iter().any(|n| {
        (n.unique || !index.unique)
            && !n.partial
            && (n.columns.len() == wanted.len() || !index.unique && n.columns.len() > wanted.len())
            && n.columns
                .iter()
                .zip(&wanted)
                .zip(&index.columns)
                .all(|((nc, w), oc)| {
                    nc.name
                        .as_deref()
                        .is_some_and(|c| c.eq_ignore_ascii_case(w))
                        && nc.collation.eq_ignore_ascii_case(&oc.collation)
                })
    })
}

/// Whether the old foreign key of `child` over `from` to `parent` has a
/// counterpart: each new table taking the child's rows references a table
/// taking the parent's rows, from the mapped columns.
pub fn foreign_key(
    plan: &Plan,
    target: &Catalog,
    child: &str,
    from: &[String],
    parent: &str,
) -> bool {
    let parents: Vec<&str> = plan.fed_by(parent).map(|t| t.name.as_str()).collect();
    let mut fed = plan.fed_by(child).peekable();
    fed.peek().is_some()
        && fed.all(|t| {
            let Some(mapped) = from
                .iter()
                .map(|c| mapped_column(t, child, c))
                .collect::<Option<Vec<&str>>>()
                .or_else(|| translated_column(t, child, from, &parents).map(|c| vec![c]))
            else {
                return false;
            };
            target.table(&t.name).is_some_and(|nt| {
                nt.foreign_keys.iter().any(|fk| {
                    parents.iter().any(|p| p.eq_ignore_ascii_case(&fk.parent))
                        && fk.from.len() == mapped.len()
                        && fk
                            .from
                            .iter()
                            .zip(&mapped)
                            .all(|(a, b)| a.eq_ignore_ascii_case(b))
                })
            })
        })
}
