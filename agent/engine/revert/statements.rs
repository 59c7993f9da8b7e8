//! The SQL reverse replay runs for one table: the statements that make
//! the old rows of a set of touched new keys (`temp._mig_rev_touched`)
//! equal to the inverse of the new rows now (or delete them), keeping the
//! values of columns the new schema dropped, keeping revert maps current
//! and renaming old child references when a renumbered parent's old key
//! changed. Run by `apply.rs` inside a savepoint.

use rusqlite::Connection;

use super::apply::{run, Failure};
use super::inverse::{ColumnValue, Inverse, KeySource, TableInverse, ROW};
use crate::engine::catalog::q;
use crate::engine::plan::OldKey;

/// The statements that apply a set of touched keys (`temp._mig_rev_touched`)
/// of one table.
pub(super) struct Statements {
    stages: Vec<String>,
}

impl Statements {
    pub(super) fn new(_inv: &Inverse, t: &TableInverse) -> Statements {
        let w = t.new_key.width();
        let nk = t.new_key.exprs(ROW);
        let ks: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
        let old = q(&t.old_table);
        let map = q(&t.map_table());
        let ow = t.old_key.width();
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
            "({}) IN (SELECT {} FROM temp._mig_rev_touched)",
            nk.join(", "),
            ks.join(", ")
        );
        let map_of = |i: usize, probe: &[String]| {
            let cond: Vec<String> = probe
                .iter()
                .enumerate()
                .map(|(j, p)| format!("m.n{j} = {p}"))
                .collect();
            format!(
                "(SELECT m.o{i} FROM main.{map} AS m WHERE {})",
                cond.join(" AND ")
            )
        };
        let mut stages = Vec::new();
        // The old key now (cur) and the one the old row had (prev).
        let (cur, prev): (Vec<String>, Vec<String>) = match &t.key {
            KeySource::OfNewKey(ex) => (ex.clone(), ex.clone()),
            KeySource::Mapped { natural } => {
                if natural.is_none() {
                    stages.push(format!(
                        "INSERT INTO main.{map}({}, o0) SELECT {}, (SELECT max(coalesce((SELECT max(rowid) FROM main.{old}), 0), coalesce((SELECT max(o0) FROM main.{map}), 0))) + row_number() OVER (ORDER BY {}) \
                         FROM new.{} AS {ROW} WHERE {touched} AND NOT EXISTS (SELECT 1 FROM main.{map} AS m WHERE {});",
                        (0..w).map(|i| format!("n{i}")).collect::<Vec<_>>().join(", "),
                        nk.join(", "),
                        nk.join(", "),
                        q(&t.new_table),
                        nk.iter().enumerate().map(|(j, p)| format!("m.n{j} = {p}")).collect::<Vec<_>>().join(" AND ")
                    ));
                }
                let prev: Vec<String> = (0..ow).map(|i| map_of(i, &nk)).collect();
                (natural.clone().unwrap_or_else(|| prev.clone()), prev)
            }
        };
        let mut sel: Vec<String> = nk
            .iter()
            .enumerate()
            .map(|(i, e)| format!("{e} AS n{i}"))
            .collect();
        sel.extend(cur.iter().enumerate().map(|(i, e)| format!("{e} AS o{i}")));
        sel.extend(prev.iter().enumerate().map(|(i, e)| format!("{e} AS p{i}")));
        sel.extend(
            values
                .iter()
                .enumerate()
                .map(|(i, (_, e))| format!("{e} AS c{i}")),
        );
        stages.push(format!(
            "DROP TABLE IF EXISTS temp._mig_rev_rows; CREATE TEMP TABLE _mig_rev_rows AS SELECT {} FROM new.{} AS {ROW} WHERE {touched};",
            sel.join(", "),
            q(&t.new_table)
        ));
        // A preserved key that moved in this batch: the old row is still at
        // the key it moved from.
        if let (KeySource::OfNewKey(_), 1) = (&t.key, ow) {
            stages.push(format!(
                "UPDATE temp._mig_rev_rows SET p0 = (SELECT mv.o0 FROM temp._mig_rev_moved AS mv WHERE mv.k0 = n0) \
                 WHERE NOT EXISTS (SELECT 1 FROM main.{old} AS x WHERE x.{} = p0) AND EXISTS (SELECT 1 FROM temp._mig_rev_moved AS mv WHERE mv.k0 = n0);",
                q_key(&okeys[0])
            ));
        }
        let on: Vec<String> = okeys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("o.{} = r.p{i}", q_key(k)))
            .collect();
        let mut keep_sel: Vec<String> = vec![
            "r.rowid AS r".into(),
            format!("o.{} IS NOT NULL AS existed", q_key(&okeys[0])),
        ];
        keep_sel.extend(
            keeps
                .iter()
                .enumerate()
                .map(|(i, c)| format!("o.{} AS v{i}", q(c))),
        );
        stages.push(format!(
            "DROP TABLE IF EXISTS temp._mig_rev_keep; CREATE TEMP TABLE _mig_rev_keep AS SELECT {} FROM temp._mig_rev_rows AS r LEFT JOIN main.{old} AS o ON {};",
            keep_sel.join(", "),
            on.join(" AND ")
        ));
        // Every old row a touched key had goes; the existing ones come back.
        let prev_of_touched: Vec<String> = match &t.key {
            KeySource::OfNewKey(ex) => ex.iter().map(|e| project(e, t, &ks)).collect(),
            KeySource::Mapped { .. } => (0..ow)
                .map(|i| map_of(i, &ks.iter().map(|k| format!("tk.{k}")).collect::<Vec<_>>()))
                .collect(),
        };
        let okq: Vec<String> = okeys.iter().map(|k| q_key(k)).collect();
        stages.push(format!(
            "DELETE FROM main.{old} WHERE ({}) IN (SELECT {} FROM temp._mig_rev_touched AS tk);\n\
             DELETE FROM main.{old} WHERE ({}) IN (SELECT {} FROM temp._mig_rev_rows);",
            okq.join(", "),
            prev_of_touched.join(", "),
            okq.join(", "),
            (0..ow)
                .map(|i| format!("p{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let mut cols: Vec<String> = okq.clone();
        cols.extend(values.iter().map(|(n, _)| q(n)));
        let mut src: Vec<String> = (0..ow).map(|i| format!("r.o{i}")).collect();
        src.extend((0..values.len()).map(|i| format!("r.c{i}")));
        let mut cols_keep = cols.clone();
        cols_keep.extend(keeps.iter().map(|c| q(c)));
        let mut src_keep = src.clone();
        src_keep.extend((0..keeps.len()).map(|i| format!("kp.v{i}")));
        stages.push(format!(
            "INSERT INTO main.{old}({}) SELECT {} FROM temp._mig_rev_rows AS r JOIN temp._mig_rev_keep AS kp ON kp.r = r.rowid WHERE kp.existed;\n\
             INSERT INTO main.{old}({}) SELECT {} FROM temp._mig_rev_rows AS r JOIN temp._mig_rev_keep AS kp ON kp.r = r.rowid WHERE NOT kp.existed;",
            cols_keep.join(", "),
            src_keep.join(", "),
            cols.join(", "),
            src.join(", ")
        ));
        if let KeySource::Mapped { natural } = &t.key {
            let n: Vec<String> = (0..w).map(|i| format!("n{i}")).collect();
            let o: Vec<String> = (0..ow).map(|i| format!("o{i}")).collect();
            stages.push(format!(
                "INSERT OR REPLACE INTO main.{map}({}, {}) SELECT {}, {} FROM temp._mig_rev_rows;",
                n.join(", "),
                o.join(", "),
                n.join(", "),
                o.join(", ")
            ));
            if natural.is_some() && ow == 1 && !t.children.is_empty() {
                stages.push("DROP TABLE IF EXISTS temp._mig_rev_changed; CREATE TEMP TABLE _mig_rev_changed AS SELECT p0 AS prev, o0 AS cur FROM temp._mig_rev_rows WHERE p0 IS NOT NULL AND p0 IS NOT o0;".into());
                for (child, col) in &t.children {
                    let c = q(col);
                    stages.push(format!(
                        "UPDATE main.{} SET {c} = (SELECT ch.cur FROM temp._mig_rev_changed AS ch WHERE ch.prev = {c}) WHERE {c} IN (SELECT prev FROM temp._mig_rev_changed);",
                        q(child)
                    ));
                }
            }
        }
        Statements { stages }
    }

    /// Runs every stage inside a savepoint; rolls it back on failure.
    pub(super) fn attempt(
        &self,
        tx: &Connection,
        savepoint: &str,
    ) -> std::result::Result<(), Failure> {
        run(
            tx,
            &format!("SAVEPOINT {savepoint}"),
            "starting a reverse replay step",
        )?;
        for s in &self.stages {
            if let Err(f) = run(tx, s, "reverse replay") {
                run(
                    tx,
                    &format!("ROLLBACK TO {savepoint}; RELEASE {savepoint}"),
                    "undoing a reverse replay step",
                )?;
                return Err(f);
            }
        }
        run(
            tx,
            &format!("RELEASE {savepoint}"),
            "finishing a reverse replay step",
        )
    }
}

/// A quoted old key column, or `rowid`.
fn q_key(k: &str) -> String {
    if k == "rowid" {
        k.to_string()
    } else {
        q(k)
    }
}

/// An old key expression that reads only the new key (`"id"` or
/// `_mig_n.rowid`), over a touched key row `tk` instead of the new row.
fn project(expr: &str, t: &TableInverse, ks: &[String]) -> String {
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
