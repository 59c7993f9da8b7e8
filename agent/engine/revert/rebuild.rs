//! Reverse replay rebuilt ([`super::statements::Way::Rebuild`]): every old
//! row of a touched key (and of the key it had before) deleted, then the
//! rows inserted again, the existing ones with the values of the columns
//! the new schema dropped (`keep`) and their rowid; for a mapped key the
//! revert map kept current and, when a natural single-column old key
//! changed, the old child references renamed.

use super::statements::{q_key, Names};
use crate::engine::catalog::q;

impl Names<'_> {
    /// `keep`: whether each row's old row existed, and the values of the
    /// columns the new schema dropped.
    pub(super) fn keep(&self) -> super::temp::Fill {
        let on: Vec<String> = self
            .okeys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("o.{} = r.p{i}", q_key(k)))
            .collect();
        let mut keep_sel: Vec<String> = vec![
            "r.rowid AS r".into(),
            format!("o.{} IS NOT NULL AS existed", q_key(&self.okeys[0])),
        ];
        if self.t.keeps_rowid {
            keep_sel.push("o.rowid AS rid".into());
        }
        keep_sel.extend(
            self.keeps
                .iter()
                .enumerate()
                .map(|(i, c)| format!("o.{} AS v{i}", q(c))),
        );
        let select = format!(
            "SELECT {} FROM {} AS r LEFT JOIN main.{} AS o ON {}",
            keep_sel.join(", "),
            self.tmp.name("rows"),
            self.old,
            on.join(" AND ")
        );
        self.tmp.fill("keep", &select, None)
    }

    /// Deletes the old rows of every touched key and of every previous key.
    pub(super) fn delete(&self) -> String {
        let prev_of_touched = self.prev_of_touched();
        let okq: Vec<String> = self.okeys.iter().map(|k| q_key(k)).collect();
        format!(
            "DELETE FROM main.{old} WHERE ({}) IN (SELECT {} FROM {touched} AS tk);\n\
             DELETE FROM main.{old} WHERE ({}) IN (SELECT {} FROM {rows});",
            okq.join(", "),
            prev_of_touched.join(", "),
            okq.join(", "),
            (0..self.ow)
                .map(|i| format!("p{i}"))
                .collect::<Vec<_>>()
                .join(", "),
            old = self.old,
            touched = self.tmp.name("touched"),
            rows = self.tmp.name("rows"),
        )
    }

    /// Inserts the rows back: those whose old row existed with its kept
    /// values (and rowid), the others without.
    pub(super) fn insert(&self) -> String {
        let mut cols: Vec<String> = self.okeys.iter().map(|k| q_key(k)).collect();
        cols.extend(self.values.iter().map(|(n, _)| q(n)));
        let mut src: Vec<String> = (0..self.ow).map(|i| format!("r.o{i}")).collect();
        src.extend((0..self.values.len()).map(|i| format!("r.c{i}")));
        let mut cols_keep = cols.clone();
        cols_keep.extend(self.keeps.iter().map(|c| q(c)));
        let mut src_keep = src.clone();
        src_keep.extend((0..self.keeps.len()).map(|i| format!("kp.v{i}")));
        if self.t.keeps_rowid {
            cols_keep.push("rowid".into());
            src_keep.push("kp.rid".into());
        }
        format!(
            "INSERT INTO main.{old}({}) SELECT {} FROM {rows} AS r JOIN {keep} AS kp ON kp.r = r.rowid WHERE kp.existed;\n\
             INSERT INTO main.{old}({}) SELECT {} FROM {rows} AS r JOIN {keep} AS kp ON kp.r = r.rowid WHERE NOT kp.existed;",
            cols_keep.join(", "),
            src_keep.join(", "),
            cols.join(", "),
            src.join(", "),
            old = self.old,
            rows = self.tmp.name("rows"),
            keep = self.tmp.name("keep"),
        )
    }

    /// A mapped key: the revert map kept current and, when a natural
    /// single-column old key changed, old child references renamed.
    pub(super) fn maps(
        &self,
        natural: Option<&[String]>,
        creates: &mut Vec<String>,
    ) -> Vec<String> {
        let rows = self.tmp.name("rows");
        let n: Vec<String> = (0..self.w).map(|i| format!("n{i}")).collect();
        let o: Vec<String> = (0..self.ow).map(|i| format!("o{i}")).collect();
        let mut stages = vec![format!(
            "INSERT OR REPLACE INTO main.{}({}, {}) SELECT {}, {} FROM {rows};",
            self.map,
            n.join(", "),
            o.join(", "),
            n.join(", "),
            o.join(", ")
        )];
        if natural.is_some() && self.ow == 1 && !self.t.children.is_empty() {
            let changed = self.tmp.fill(
                "changed",
                &format!("SELECT p0 AS prev, o0 AS cur FROM {rows} WHERE p0 IS NOT NULL AND p0 IS NOT o0"),
                None,
            );
            creates.push(changed.create);
            stages.push(changed.fill);
            let ch = self.tmp.name("changed");
            for (child, col) in &self.t.children {
                let c = q(col);
                stages.push(format!(
                    "UPDATE main.{} SET {c} = (SELECT ch.cur FROM {ch} AS ch WHERE ch.prev = {c}) WHERE {c} IN (SELECT prev FROM {ch});",
                    q(child)
                ));
            }
        }
        stages
    }
}
