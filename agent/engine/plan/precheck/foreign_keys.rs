//! The pre-check of the new schema's FOREIGN KEYs: old rows whose
//! reference (under the mapping, translated through a renumbered parent's
//! id mapping) finds no parent row. A dangling reference is a risk, not a
//! blocker: foreign keys are off while copying.

use super::super::mapped::{old_column, reference_part};
use super::super::ColumnSource;
use super::{Check, Checked, Checker, ConstraintKind};
use crate::engine::catalog::{q, Catalog};
use crate::engine::error::Result;

impl Checker<'_> {
    pub(super) fn foreign_keys(
        &self,
        out: &mut Vec<Checked>,
        target: &Catalog,
        skipped: &mut Vec<String>,
    ) -> Result<()> {
        for fk in &self.tt.foreign_keys {
            let parent_cols: Vec<String> = match target.table(&fk.parent) {
                Some(p) => fk
                    .to
                    .iter()
                    .zip(p.pk.iter().map(Some).chain(std::iter::repeat(None)))
                    .filter_map(|(to, pk)| to.clone().or_else(|| pk.cloned()))
                    .collect(),
                None => Vec::new(),
            };
            let child: Vec<String> = fk.from.iter().flat_map(|c| self.child_values(c)).collect();
            let not_null: Vec<String> = child.iter().map(|c| format!("{c} IS NOT NULL")).collect();
            let exists = match self.parent_match(&fk.parent, &parent_cols, &child) {
                Ok(Some(e)) => format!("NOT EXISTS ({e})"),
                // The parent starts empty or is not in the new schema.
                Ok(None) => "1".to_string(),
                Err(why) => {
                    skipped.push(format!(
                        "FOREIGN KEY({}) of {} could not be pre-checked: {why}",
                        fk.from.join(", "),
                        self.t.name
                    ));
                    continue;
                }
            };
            let from = format!(
                "{} WHERE {} AND {exists}",
                self.mapped("c"),
                not_null.join(" AND ")
            );
            let new = !self.ot.foreign_keys.iter().any(|o| {
                o.from.len() == fk.from.len()
                    && fk.from.iter().all(|n| {
                        self.t
                            .columns
                            .iter()
                            .find(|c| c.name.eq_ignore_ascii_case(n))
                            .and_then(|c| old_column(self.ot, &c.source))
                            .is_some_and(|oc| {
                                o.from.iter().any(|f| f.eq_ignore_ascii_case(&oc.name))
                            })
                    })
            });
            self.record(
                out,
                Check {
                    kind: ConstraintKind::ForeignKey,
                    constraint: format!(
                        "FOREIGN KEY({}) REFERENCES {}",
                        fk.from.join(", "),
                        fk.parent
                    ),
                    new,
                    blocks: false,
                    from_where: &from,
                },
            )?;
            if let Some(last) = out.last_mut() {
                last.renumbered_parent = self.translated_parent(&fk.from);
            }
        }
        Ok(())
    }

    /// The renumbered parent the child columns `from` are translated through.
    fn translated_parent(&self, from: &[String]) -> Option<String> {
        let [col] = from else { return None };
        self.t
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(col))
            .and_then(|c| c.translate.as_ref().map(|tr| tr.parent.clone()))
    }

    /// Child column `col` of the mapped rows `c` as the old values a
    /// parent key is matched with: its parts, for a composite reference.
    fn child_values(&self, col: &str) -> Vec<String> {
        let width = self
            .t
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(col))
            .and_then(|c| c.translate.as_ref())
            .map_or(1, |tr| tr.probes.len());
        if width == 1 {
            return vec![format!("c.{}", q(col))];
        }
        (0..width)
            .map(|i| format!("c.{}", q(&reference_part(col, i))))
            .collect()
    }

    /// `SELECT 1 FROM old."P" WHERE <parent expr> = <child value> ..`, or
    /// `None` when the parent has no rows to match.
    fn parent_match(
        &self,
        parent: &str,
        parent_cols: &[String],
        child: &[String],
    ) -> std::result::Result<Option<String>, String> {
        let Some(pt) = self.plan.table(parent) else {
            return Ok(None);
        };
        let (Some(psrc), Some(pkey)) = (&pt.source, &pt.old_key) else {
            return Ok(None);
        };
        // Each parent column's old value; a renumbered key's is its old key,
        // which a composite reference matches column by column.
        let mut parent_exprs = Vec::new();
        for pc in parent_cols {
            let col = pt
                .columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(pc))
                .ok_or_else(|| format!("{parent} has no column {pc}"))?;
            match (&col.expr, &col.source) {
                (Some(e), _) => parent_exprs.push(e.clone()),
                (None, ColumnSource::Surrogate) => parent_exprs.extend(pkey.exprs(&q(psrc))),
                _ => return Err(format!("{parent}.{pc} has no value in the old rows")),
            }
        }
        if parent_exprs.len() != child.len() {
            return Err("the parent's key could not be resolved".into());
        }
        let conds: Vec<String> = parent_exprs
            .iter()
            .zip(child)
            .map(|(e, cv)| format!("({e}) = {cv}"))
            .collect();
        Ok(Some(format!(
            "SELECT 1 FROM old.{} WHERE {}",
            q(psrc),
            conds.join(" AND ")
        )))
    }
}
