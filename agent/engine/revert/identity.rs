//! Which old row a touched new row descends from, when its key is the old
//! key (a preserved key, of one column or several) and a reverse batch holds several
//! writes to the same keys. The old row lends the new one what the new
//! schema dropped (its columns, its rowid), so it must be the row's own:
//! the log is walked back from the row's key — a row that arrived there by
//! a key change came from the key it left, one inserted there while the
//! key was free (its previous row deleted or moved away) is new (no old
//! row), one inserted over a row still there (`INSERT OR REPLACE`)
//! continues it. A batch per write gives the same answer, since each write
//! then sees the old rows the writes before it left.
//!
//! Only keys a row left in the batch (deleted, replaced, moved away) or
//! moved onto are walked: a key only inserted or updated in place is its
//! own row's key, so a batch without a delete or a move does no walk.

use super::temp::{Fill, Temp};

/// A key of `w` columns `{prefix}0..` as one value: the column itself for
/// one column; for a composite key, each column's SQL literal (`quote`,
/// which tells NULL, 1, '1' and 1.0 apart) joined by commas.
fn enc(prefix: &str, w: usize) -> String {
    if w == 1 {
        return format!("{prefix}0");
    }
    let each: Vec<String> = (0..w).map(|i| format!("quote({prefix}{i})")).collect();
    each.join(" || ',' || ")
}

/// `left` (a key a row left or was deleted from) and `arrived` (a key a
/// row arrived at: from the key it left, NULL for an insert; only keys a
/// row left or moved onto), of `tbl`'s log entries in `(lo, hi]`, keys of
/// width `w` as one value ([`enc`]); for a composite key also `keys` (each
/// such value and its columns). Reads `moved` (`apply.rs`). Table `tmp`'s
/// temporary tables ([`Temp`]).
pub(super) fn collect(
    log: &str,
    tbl: &str,
    (lo, hi): (u64, u64),
    w: usize,
    tmp: Temp,
) -> Vec<Fill> {
    let within = format!("seq > {lo} AND seq <= {hi} AND tbl = {tbl}");
    let same: Vec<String> = (0..w).map(|i| format!("k{i} IS o{i}")).collect();
    let moved = if w == 1 {
        "(op = 'U' AND k0 IS NOT o0)".to_string()
    } else {
        format!("(op = 'U' AND NOT ({}))", same.join(" AND "))
    };
    let (k, o) = (enc("k", w), enc("o", w));
    let (left, moved_t) = (tmp.name("left"), tmp.name("moved"));
    let mut out = vec![
        tmp.fill(
            "left",
            &format!(
                "SELECT CASE op WHEN 'U' THEN {o} ELSE {k} END AS key, seq FROM new.{log} \
                 WHERE {within} AND (op IN ('D', 'R') OR {moved})"
            ),
            Some("key, seq"),
        ),
        tmp.fill(
            "arrived",
            &format!(
                "SELECT {k} AS key, CASE op WHEN 'U' THEN {o} END AS src, seq FROM new.{log} \
                 WHERE EXISTS (SELECT 1 FROM {left}) AND {within} AND ({moved} OR (op = 'I' AND \
                 ({k} IN (SELECT key FROM {left}) OR {k} IN (SELECT {k} FROM {moved_t}))))"
            ),
            Some("key, seq"),
        ),
    ];
    if w > 1 {
        let ks: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
        let os: Vec<String> = (0..w).map(|i| format!("o{i}")).collect();
        out.push(tmp.fill(
            "keys",
            &format!(
                "SELECT {k} AS enc, {ks} FROM new.{log} WHERE {within} \
                 UNION SELECT {o}, {os} FROM new.{log} WHERE {within} AND op = 'U'",
                ks = ks.join(", "),
                os = os.join(", "),
            ),
            Some("enc"),
        ));
    }
    out
}

/// Sets the `p` columns of each row of `rows` ([`Temp`]) (keys of width
/// `w`) that arrived at its key in this batch ([`collect`]) to the key its
/// old row has, or NULL for a new row. Each step goes to an earlier entry,
/// so the walk ends; an insert is new when the last entry at its key
/// before it is one the key's row left by.
pub(super) fn walk(w: usize, tmp: Temp) -> String {
    let (left, arrived, rows) = (tmp.name("left"), tmp.name("arrived"), tmp.name("rows"));
    let key = enc("r.n", w);
    let found = format!(
        "WITH RECURSIVE walk(key, bound, depth, fresh) AS (\
       SELECT {key}, NULL, 0, 0 \
       UNION ALL \
       SELECT coalesce(a.src, walk.key), a.seq, walk.depth + 1, \
         a.src IS NULL AND coalesce((SELECT max(l.seq) FROM {left} AS l \
             WHERE l.key = walk.key AND l.seq < a.seq), 0) \
           > coalesce((SELECT max(a3.seq) FROM {arrived} AS a3 \
             WHERE a3.key = walk.key AND a3.seq < a.seq), 0) \
       FROM walk JOIN {arrived} AS a ON a.key = walk.key AND a.seq = (\
         SELECT max(a2.seq) FROM {arrived} AS a2 \
         WHERE a2.key = walk.key AND (walk.bound IS NULL OR a2.seq < walk.bound)) \
       WHERE NOT walk.fresh) \
     SELECT CASE WHEN fresh THEN NULL ELSE key END FROM walk ORDER BY depth DESC LIMIT 1"
    );
    let set = if w == 1 {
        format!("p0 = ({found})")
    } else {
        let ps: Vec<String> = (0..w).map(|i| format!("p{i}")).collect();
        let ks: Vec<String> = (0..w).map(|i| format!("k{i}")).collect();
        format!(
            "({}) = (SELECT {} FROM {} WHERE enc = ({found}))",
            ps.join(", "),
            ks.join(", "),
            tmp.name("keys")
        )
    };
    format!(
        "UPDATE {rows} AS r SET {set} \
     WHERE EXISTS (SELECT 1 FROM {arrived}) \
       AND EXISTS (SELECT 1 FROM {arrived} AS a WHERE a.key = +({key}));"
    )
}
