//! Reverse replay in place ([`super::statements::Way::InPlace`]): where no
//! old key of a batch moves, the old rows of touched keys are updated where
//! they are instead of deleted and inserted again: delete the old rows
//! whose new row is gone, update the existing ones (only the columns the
//! inverse computes, an indexed one only where it changes: the rowid, the
//! columns the new schema dropped and untouched index entries stay), insert
//! the rest.
//! The outcome is the one the rebuild gives; any refusal rolls the
//! savepoint back and the batch is rebuilt (a swap of UNIQUE values among
//! the batch's rows passes only that way).

use super::inverse::KeySource;
use super::statements::{q_key, Names};
use crate::engine::catalog::q;

impl Names<'_> {
    /// True when the batch fits in place: no old key moved in the log
    /// (`moved` empty), every row's old key now is the one
    /// its old row had (or it had none), and no two rows share one.
    pub(super) fn in_place_fits(&self) -> String {
        let changed: Vec<String> = (0..self.ow).map(|i| format!("p{i} IS NOT o{i}")).collect();
        let ps: Vec<String> = (0..self.ow).map(|i| format!("p{i}")).collect();
        format!(
            "SELECT NOT EXISTS (SELECT 1 FROM {moved}) \
             AND NOT EXISTS (SELECT 1 FROM {rows} WHERE p0 IS NOT NULL AND ({changed})) \
             AND (SELECT count(*) FROM {rows} WHERE p0 IS NOT NULL) \
                 = (SELECT count(*) FROM (SELECT DISTINCT {ps} FROM {rows} WHERE p0 IS NOT NULL))",
            changed = changed.join(" OR "),
            ps = ps.join(", "),
            moved = self.tmp.name("moved"),
            rows = self.tmp.name("rows"),
        )
    }

    /// The creation of `gone` ([`super::temp::Temp`]) and the statements,
    /// in order.
    pub(super) fn in_place(&self) -> (String, Vec<String>) {
        let gone = self.delete_gone();
        let mut stages = vec![gone.fill];
        stages.extend(self.update());
        stages.push(self.insert_new());
        if let KeySource::Mapped { natural: Some(_) } = &self.t.key {
            stages.push(self.map_inserted());
        }
        (gone.create, stages)
    }

    fn key_cols(&self) -> Vec<String> {
        self.okeys.iter().map(|k| q_key(k)).collect()
    }

    /// The old row at `alias`'s key is the one a row of `rows` `r` had.
    fn at_prev(&self, alias: &str) -> String {
        self.okeys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{alias}.{} = r.p{i}", q_key(k)))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// Old rows of touched keys whose new row is gone (only those keys are
    /// looked up), less the old rows a remaining row descends from. Both
    /// sets are old rows found through the old key's own index (its
    /// collation and affinity; `CROSS JOIN` keeps the batch's side outer),
    /// their difference taken with `EXCEPT` into `gone`: a
    /// row-value `NOT IN` reads its whole list for every key not in it (to
    /// tell false from NULL), quadratic in the batch.
    fn delete_gone(&self) -> super::temp::Fill {
        let ns: Vec<String> = (0..self.w).map(|i| format!("n{i}")).collect();
        let keys = self.key_cols();
        let gs: Vec<String> = self
            .prev_of_touched()
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{p} AS g{i}"))
            .collect();
        let xk: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("x.{k} AS g{i}"))
            .collect();
        let at_g: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("x.{k} = g.g{i}"))
            .collect();
        let g: Vec<String> = (0..keys.len()).map(|i| format!("g{i}")).collect();
        let select = format!(
            "SELECT {xk} FROM (SELECT {gs} FROM \
             (SELECT {ks} FROM {touched} EXCEPT SELECT {ns} FROM {rows}) AS tk) AS g \
             CROSS JOIN main.{old} AS x ON {at_g} \
             EXCEPT SELECT {xk} FROM {rows} AS r CROSS JOIN main.{old} AS x ON {at_prev}",
            old = self.old,
            xk = xk.join(", "),
            gs = gs.join(", "),
            ks = self.ks.join(", "),
            ns = ns.join(", "),
            at_g = at_g.join(" AND "),
            at_prev = self.at_prev("x"),
            touched = self.tmp.name("touched"),
            rows = self.tmp.name("rows"),
        );
        let mut gone = self.tmp.fill("gone", &select, None);
        gone.fill.push_str(&format!(
            "\nDELETE FROM main.{old} WHERE ({k}) IN (SELECT {g} FROM {t});",
            old = self.old,
            k = keys.join(", "),
            g = g.join(", "),
            t = self.tmp.name("gone"),
        ));
        gone
    }

    /// Existing old rows take the inverse's values: the columns no index
    /// reads on every row, the indexed ones only on rows where one of them
    /// changes (compared byte for byte and by type, so nothing a write
    /// would change is skipped); each costs an index seek otherwise.
    fn update(&self) -> Vec<String> {
        let (indexed, plain): (Vec<_>, Vec<_>) = self
            .values
            .iter()
            .enumerate()
            .partition(|(_, (n, _))| self.t.indexed.iter().any(|c| c.eq_ignore_ascii_case(n)));
        let set = |cols: &[(usize, &(&str, &str))], only_changed: bool| {
            let names: Vec<String> = cols.iter().map(|(_, (n, _))| q(n)).collect();
            let vals: Vec<String> = cols.iter().map(|(i, _)| format!("r.c{i}")).collect();
            let changed: Vec<String> = cols
                .iter()
                .map(|(i, (n, _))| {
                    let c = q(n);
                    format!(
                        "x.{c} IS NOT (r.c{i} COLLATE BINARY) OR typeof(x.{c}) <> typeof(r.c{i})"
                    )
                })
                .collect();
            format!(
                "UPDATE main.{old} AS x SET ({}) = ({}) FROM {rows} AS r WHERE {}{};",
                names.join(", "),
                vals.join(", "),
                self.at_prev("x"),
                if only_changed {
                    format!(" AND ({})", changed.join(" OR "))
                } else {
                    String::new()
                },
                old = self.old,
                rows = self.tmp.name("rows"),
            )
        };
        let mut out = Vec::new();
        if !plain.is_empty() {
            out.push(set(&plain, false));
        }
        if !indexed.is_empty() {
            out.push(set(&indexed, true));
        }
        out
    }

    /// Rows whose old row did not exist, at their old key now; the columns
    /// the new schema dropped take their DEFAULT.
    fn insert_new(&self) -> String {
        let mut cols = self.key_cols();
        cols.extend(self.values.iter().map(|(n, _)| q(n)));
        let mut src: Vec<String> = (0..self.ow).map(|i| format!("r.o{i}")).collect();
        src.extend((0..self.values.len()).map(|i| format!("r.c{i}")));
        format!(
            "INSERT INTO main.{old}({}) SELECT {} FROM {rows} AS r \
             WHERE NOT EXISTS (SELECT 1 FROM main.{old} AS x WHERE {});",
            cols.join(", "),
            src.join(", "),
            self.at_prev("x"),
            old = self.old,
            rows = self.tmp.name("rows"),
        )
    }

    /// A natural old key: rows the revert map did not know yet.
    fn map_inserted(&self) -> String {
        let n: Vec<String> = (0..self.w).map(|i| format!("n{i}")).collect();
        let o: Vec<String> = (0..self.ow).map(|i| format!("o{i}")).collect();
        format!(
            "INSERT OR REPLACE INTO main.{}({}, {}) SELECT {}, {} FROM {} WHERE p0 IS NULL;",
            self.map,
            n.join(", "),
            o.join(", "),
            n.join(", "),
            o.join(", "),
            self.tmp.name("rows")
        )
    }
}
