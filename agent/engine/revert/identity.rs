//! Which old row a touched new row descends from, when its key is the old
//! key (a preserved single-column key) and a reverse batch holds several
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

/// `temp._mig_rev_left` (a key a row left or was deleted from) and
/// `temp._mig_rev_arrived` (a key a row arrived at: from the key it left,
/// NULL for an insert; only keys a row left or moved onto), of `tbl`'s log
/// entries in `(lo, hi]`. Reads `temp._mig_rev_moved` (`apply.rs`).
pub(super) fn collect(log: &str, tbl: &str, lo: u64, hi: u64) -> String {
    let within = format!("seq > {lo} AND seq <= {hi} AND tbl = {tbl}");
    let moved = "(op = 'U' AND k0 IS NOT o0)";
    format!(
        "DROP TABLE IF EXISTS temp._mig_rev_left; CREATE TEMP TABLE _mig_rev_left AS \
         SELECT CASE op WHEN 'U' THEN o0 ELSE k0 END AS key, seq FROM new.{log} \
         WHERE {within} AND (op IN ('D', 'R') OR {moved});\n\
         CREATE INDEX temp._mig_rev_left_key ON _mig_rev_left(key, seq);\n\
         DROP TABLE IF EXISTS temp._mig_rev_arrived; CREATE TEMP TABLE _mig_rev_arrived AS \
         SELECT k0 AS key, CASE op WHEN 'U' THEN o0 END AS src, seq FROM new.{log} \
         WHERE EXISTS (SELECT 1 FROM temp._mig_rev_left) AND {within} AND ({moved} OR (op = 'I' AND \
         (k0 IN (SELECT key FROM temp._mig_rev_left) OR k0 IN (SELECT k0 FROM temp._mig_rev_moved))));\n\
         CREATE INDEX temp._mig_rev_arrived_key ON _mig_rev_arrived(key, seq);"
    )
}

/// Sets `p0` of each row of `temp._mig_rev_rows` that arrived at its key
/// in this batch ([`collect`]) to the key its old row has, or NULL for a
/// new row. Each step goes to an earlier entry, so the walk ends; an insert
/// is new when the last entry at its key before it is one the key's row
/// left by.
pub(super) const WALK: &str = "UPDATE temp._mig_rev_rows AS r SET p0 = (\
     WITH RECURSIVE walk(key, bound, depth, fresh) AS (\
       SELECT r.n0, NULL, 0, 0 \
       UNION ALL \
       SELECT coalesce(a.src, walk.key), a.seq, walk.depth + 1, \
         a.src IS NULL AND coalesce((SELECT max(l.seq) FROM temp._mig_rev_left AS l \
             WHERE l.key = walk.key AND l.seq < a.seq), 0) \
           > coalesce((SELECT max(a3.seq) FROM temp._mig_rev_arrived AS a3 \
             WHERE a3.key = walk.key AND a3.seq < a.seq), 0) \
       FROM walk JOIN temp._mig_rev_arrived AS a ON a.key = walk.key AND a.seq = (\
         SELECT max(a2.seq) FROM temp._mig_rev_arrived AS a2 \
         WHERE a2.key = walk.key AND (walk.bound IS NULL OR a2.seq < walk.bound)) \
       WHERE NOT walk.fresh) \
     SELECT CASE WHEN fresh THEN NULL ELSE key END FROM walk ORDER BY depth DESC LIMIT 1) \
     WHERE EXISTS (SELECT 1 FROM temp._mig_rev_arrived) \
       AND EXISTS (SELECT 1 FROM temp._mig_rev_arrived AS a WHERE a.key = r.n0);";
