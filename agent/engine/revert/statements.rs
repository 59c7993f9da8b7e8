//! The SQL reverse replay runs for one table: the statements that make
//! the old rows of a set of touched new keys (`touched`, `temp.rs`)
//! equal to the inverse of the new rows now (or delete them), keeping the
//! values of columns the new schema dropped, keeping revert maps current
//! and renaming old child references when a renumbered parent's old key
//! changed. Run by `apply.rs` inside a savepoint, one of two ways
//! ([`Way`]): in place (`in_place.rs`) where no old key moves, or by
//! deleting and inserting the rows again; `identity.rs` finds the old row
//! each touched row descends from; `rebuild.rs` the rebuilt way's
//! statements.

use rusqlite::Connection;

use super::apply::{run, Failure};
use super::inverse::{ColumnValue, Inverse, KeySource, TableInverse, ROW};
use super::temp::Temp;
use crate::engine::catalog::q;
use crate::engine::plan::OldKey;

/// How a set of touched keys is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Way {
    /// Rows whose old key stays are updated where they are (their rowid,
    /// dropped columns and untouched index entries kept), gone ones
    /// deleted, new ones inserted: three statements. Taken only when no
    /// old key moves and no two new rows share an old key; otherwise, in
    /// the same savepoint, [`Way::Rebuild`].
    InPlace,
    /// Every old row of a touched key deleted, then inserted again (the
    /// existing ones with their dropped columns' values): a batch whose
    /// keys move or swap a UNIQUE value among themselves, which updating
    /// row by row would refuse on the way.
    Rebuild,
}

/// The statements that apply a set of touched keys (`touched`, [`Temp`])
/// of one table.
pub(super) struct Statements {
    /// The temporary tables they fill, created (once per connection)
    /// before any of them runs.
    pub(super) creates: Vec<String>,
    /// Shared by both ways: the revert map's new keys, the rows' values.
    prelude: Vec<String>,
    /// True when [`Way::InPlace`] may be taken.
    in_place_fits: String,
    in_place: Vec<String>,
    rebuild: Vec<String>,
    /// The prelude walks the batch's log ([`super::identity::walk`]).
    walks: bool,
}

impl Statements {
    pub(super) fn new(_inv: &Inverse, t: &TableInverse, tmp: Temp) -> Statements {
        let n = Names::new(t, tmp);
        let mut creates = Vec::new();
        let mut prelude = Vec::new();
        // The old key now (cur) and the one the old row had (prev).
        let (cur, prev): (Vec<String>, Vec<String>) = match &t.key {
            KeySource::OfNewKey(ex) => (ex.clone(), ex.clone()),
            KeySource::Mapped { natural } => {
                if natural.is_none() {
                    prelude.push(n.map_new_keys());
                }
                let prev: Vec<String> = (0..n.ow).map(|i| n.map_of(i, &n.nk)).collect();
                (natural.clone().unwrap_or_else(|| prev.clone()), prev)
            }
        };
        let rows = n.rows(&cur, &prev);
        creates.push(rows.create);
        prelude.push(rows.fill);
        // The new key is the old one: a row that moved, or was written
        // again, in this batch takes the old row it descends from.
        let walks = n.key_is_old_key();
        if walks {
            prelude.push(super::identity::walk(n.w, tmp));
        }
        let keep = n.keep();
        creates.push(keep.create);
        let mut rebuild = vec![keep.fill];
        // Every old row a touched key had goes; the existing ones come back.
        rebuild.push(n.delete());
        rebuild.push(n.insert());
        if let KeySource::Mapped { natural } = &t.key {
            rebuild.extend(n.maps(natural.as_deref(), &mut creates));
        }
        let (gone, in_place) = n.in_place();
        creates.push(gone);
        Statements {
            creates,
            walks,
            prelude,
            in_place_fits: n.in_place_fits(),
            in_place,
            rebuild,
        }
    }

    /// Runs every stage inside a savepoint; rolls it back on failure.
    /// The batch's log must be collected first ([`super::identity::collect`]).
    pub(super) fn walks(&self) -> bool {
        self.walks
    }

    pub(super) fn attempt(
        &self,
        tx: &Connection,
        savepoint: &str,
        way: Way,
    ) -> std::result::Result<(), Failure> {
        run(
            tx,
            &format!("SAVEPOINT {savepoint}"),
            "starting a reverse replay step",
        )?;
        let done = self.stages(tx, way);
        if done.is_err() {
            run(
                tx,
                &format!("ROLLBACK TO {savepoint}; RELEASE {savepoint}"),
                "undoing a reverse replay step",
            )?;
            return done;
        }
        run(
            tx,
            &format!("RELEASE {savepoint}"),
            "finishing a reverse replay step",
        )
    }

    fn stages(&self, tx: &Connection, way: Way) -> std::result::Result<(), Failure> {
        for s in &self.prelude {
            run(tx, s, "reverse replay")?;
        }
        let fits = way == Way::InPlace
            && tx
                .query_row(&self.in_place_fits, [], |r| r.get::<_, bool>(0))
                .map_err(|e| {
                    Failure::Other(crate::engine::error::classify(
                        "checking reverse replay keys".into(),
                        e,
                    ))
                })?;
        let stages = if fits { &self.in_place } else { &self.rebuild };
        for s in stages {
            run(tx, s, "reverse replay")?;
        }
        Ok(())
    }
}

/// What every stage of one table's statements reads: the keys, tables and
/// columns, named once.
pub(super) struct Names<'a> {
    pub(super) t: &'a TableInverse,
    /// The new key's width, and its expressions over the new row.
    pub(super) w: usize,
    pub(super) nk: Vec<String>,
    /// `k0..`: the touched key's columns in `temp._mig_rev_touched`.
    pub(super) ks: Vec<String>,
    pub(super) old: String,
    pub(super) map: String,
    /// The old key's width, and its columns.
    pub(super) ow: usize,
    pub(super) okeys: Vec<String>,
    /// Non-key old columns given by an expression, and those kept as they are.
    pub(super) values: Vec<(&'a str, &'a str)>,
    pub(super) keeps: Vec<&'a str>,
    /// The condition that the new row's key was touched.
    pub(super) touched: String,
    /// The table's temporary tables.
    pub(super) tmp: Temp,
}

impl<'a> Names<'a> {
    fn new(t: &'a TableInverse, tmp: Temp) -> Names<'a> {
        let w = t.new_key.width();
        let nk = t.new_key.exprs(ROW);
        let ks: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
        let okeys = t.old_key_columns();
        let alias = match &t.old_key {
            OldKey::Rowid { alias } => alias.clone(),
            OldKey::Columns(_) => None,
        };
        let is_key = |n: &str| {
            okeys.iter().any(|k| k.eq_ignore_ascii_case(n))
                || alias.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(n))
        };
        let values: Vec<(&str, &str)> = t
            .columns
            .iter()
            .filter(|c| !is_key(&c.name))
            .filter_map(|c| match &c.value {
                ColumnValue::Expr(e) => Some((c.name.as_str(), e.as_str())),
                ColumnValue::Keep => None,
            })
            .collect();
        let keeps: Vec<&str> = t
            .columns
            .iter()
            .filter(|c| !is_key(&c.name) && c.value == ColumnValue::Keep)
            .map(|c| c.name.as_str())
            .collect();
        let touched = format!(
            "({}) IN (SELECT {} FROM {})",
            nk.join(", "),
            ks.join(", "),
            tmp.name("touched")
        );
        Names {
            t,
            w,
            nk,
            ks,
            old: q(&t.old_table),
            map: q(&t.map_table()),
            ow: t.old_key.width(),
            okeys,
            values,
            keeps,
            touched,
            tmp,
        }
    }

    /// Old key column `i` the revert map gives the new key `probe`.
    pub(super) fn map_of(&self, i: usize, probe: &[String]) -> String {
        let cond: Vec<String> = probe
            .iter()
            .enumerate()
            .map(|(j, p)| format!("m.n{j} = +({p})"))
            .collect();
        format!(
            "(SELECT m.o{i} FROM main.{} AS m WHERE {})",
            self.map,
            cond.join(" AND ")
        )
    }

    /// A mapped key with no natural old key: touched new keys the map
    /// lacks get the next free old rowids.
    fn map_new_keys(&self) -> String {
        let (old, map, w, nk, touched) = (&self.old, &self.map, self.w, &self.nk, &self.touched);
        format!(
            "INSERT INTO main.{map}({}, o0) SELECT {}, (SELECT max(coalesce((SELECT max(rowid) FROM main.{old}), 0), coalesce((SELECT max(o0) FROM main.{map}), 0))) + row_number() OVER (ORDER BY {}) \
             FROM new.{} AS {ROW} WHERE {touched} AND NOT EXISTS (SELECT 1 FROM main.{map} AS m WHERE {});",
            (0..w).map(|i| format!("n{i}")).collect::<Vec<_>>().join(", "),
            nk.join(", "),
            nk.join(", "),
            q(&self.t.new_table),
            nk.iter().enumerate().map(|(j, p)| format!("m.n{j} = +({p})")).collect::<Vec<_>>().join(" AND ")
        )
    }

    /// `rows`: each touched new row's key, its old key now and before, and
    /// its values.
    fn rows(&self, cur: &[String], prev: &[String]) -> super::temp::Fill {
        let mut sel: Vec<String> = self
            .nk
            .iter()
            .enumerate()
            .map(|(i, e)| format!("{e} AS n{i}"))
            .collect();
        sel.extend(cur.iter().enumerate().map(|(i, e)| format!("{e} AS o{i}")));
        sel.extend(prev.iter().enumerate().map(|(i, e)| format!("{e} AS p{i}")));
        sel.extend(
            self.values
                .iter()
                .enumerate()
                .map(|(i, (_, e))| format!("{e} AS c{i}")),
        );
        let select = format!(
            "SELECT {} FROM new.{} AS {ROW} WHERE {}",
            sel.join(", "),
            q(&self.t.new_table),
            self.touched
        );
        self.tmp.fill("rows", &select, None)
    }

    /// Each old key column is the new key's column at the same place
    /// ([`super::identity::walk`]).
    pub(super) fn key_is_old_key(&self) -> bool {
        match &self.t.key {
            KeySource::OfNewKey(ex) => {
                self.ow == self.w
                    && ex.len() == self.w
                    && ex
                        .iter()
                        .enumerate()
                        .all(|(i, e)| project(e, self.t, &self.ks) == format!("tk.k{i}"))
            }
            KeySource::Mapped { .. } => false,
        }
    }

    /// The old key a touched key's old row had, over a touched key row `tk`.
    pub(super) fn prev_of_touched(&self) -> Vec<String> {
        match &self.t.key {
            KeySource::OfNewKey(ex) => ex.iter().map(|e| project(e, self.t, &self.ks)).collect(),
            KeySource::Mapped { .. } => (0..self.ow)
                .map(|i| {
                    self.map_of(
                        i,
                        &self
                            .ks
                            .iter()
                            .map(|k| format!("tk.{k}"))
                            .collect::<Vec<_>>(),
                    )
                })
                .collect(),
        }
    }
}

/// A quoted old key column, or `rowid`.
pub(super) fn q_key(k: &str) -> String {
    if k == "rowid" {
        k.to_string()
    } else {
        q(k)
    }
}

/// An old key expression that reads only the new key (`"id"` or
/// `_mig_n.rowid`), over a touched key row `tk` instead of the new row.
pub(super) fn project(expr: &str, t: &TableInverse, ks: &[String]) -> String {
    if expr == format!("{ROW}.rowid") {
        return "tk.k0".into();
    }
    let names: Vec<String> = match &t.new_key {
        OldKey::Rowid { alias } => {
            let mut v = vec!["rowid".to_string(), "oid".into(), "_rowid_".into()];
            v.extend(alias.iter().cloned());
            return if v
                .iter()
                .any(|n| format!("{ROW}.{}", q(n)).eq_ignore_ascii_case(expr))
            {
                "tk.k0".into()
            } else {
                "NULL".into()
            };
        }
        OldKey::Columns(c) => c.iter().map(|k| k.name.clone()).collect(),
    };
    names
        .iter()
        .position(|n| format!("{ROW}.{}", q(n)).eq_ignore_ascii_case(expr))
        .map(|i| format!("tk.{}", ks[i]))
        .unwrap_or_else(|| "NULL".into())
}
