//! Which old row a touched new row descends from, when its key is the old
//! key (a preserved single-column key) and a reverse batch holds several
//! writes to the same keys. The old row lends the new one what the new
//! schema dropped (its columns, its rowid), so it must be the row's own:
//! the log is walked back from the row's key — a row that arrived there by
//! a key change came from the key it left, one inserted there after the
//! key's previous row was deleted or moved away is new (no old row), one
//! inserted over a row still there (`INSERT OR REPLACE`) continues it. A
//! batch per write gives the same answer, since each write then sees the
//! old rows the writes before it left.

/// `temp._mig_rev_arrived` (a key a row arrived at: from the key it left,
/// NULL for an insert) and `temp._mig_rev_left` (a key a row left or was
/// deleted from), of `tbl`'s log entries in `(lo, hi]`.
pub(super) fn collect(log: &str, tbl: &str, lo: u64, hi: u64) -> String {
    let within = format!("seq > {lo} AND seq <= {hi} AND tbl = {tbl}");
    format!(
        "DROP TABLE IF EXISTS temp._mig_rev_arrived; CREATE TEMP TABLE _mig_rev_arrived AS \
         SELECT k0 AS key, CASE op WHEN 'U' THEN o0 END AS src, seq FROM new.{log} \
         WHERE {within} AND (op = 'I' OR (op = 'U' AND k0 IS NOT o0));\n\
         CREATE INDEX temp._mig_rev_arrived_key ON _mig_rev_arrived(key, seq);\n\
         DROP TABLE IF EXISTS temp._mig_rev_left; CREATE TEMP TABLE _mig_rev_left AS \
         SELECT CASE op WHEN 'U' THEN o0 ELSE k0 END AS key, seq FROM new.{log} \
         WHERE {within} AND (op IN ('D', 'R') OR (op = 'U' AND k0 IS NOT o0));\n\
         CREATE INDEX temp._mig_rev_left_key ON _mig_rev_left(key, seq);"
    )
}

/// Sets `p0` of each row of `temp._mig_rev_rows` that arrived at its key
/// in this batch to the key its old row has, or NULL for a new row.
pub(super) const WALK: &str = "UPDATE temp._mig_rev_rows AS r SET p0 = (\
     WITH RECURSIVE walk(key, bound, depth, fresh) AS (\
       SELECT r.n0, NULL, 0, 0 \
       UNION ALL \
       SELECT coalesce(a.src, walk.key), a.seq, walk.depth + 1, \
         a.src IS NULL AND EXISTS (SELECT 1 FROM temp._mig_rev_left AS l WHERE l.key = walk.key AND l.seq < a.seq) \
       FROM walk JOIN temp._mig_rev_arrived AS a ON a.key = walk.key AND a.seq = (\
         SELECT max(a2.seq) FROM temp._mig_rev_arrived AS a2 \
         WHERE a2.key = walk.key AND (walk.bound IS NULL OR a2.seq < walk.bound)) \
       WHERE NOT walk.fresh AND walk.depth < 10000) \
     SELECT CASE WHEN fresh THEN NULL ELSE key END FROM walk ORDER BY depth DESC LIMIT 1) \
     WHERE EXISTS (SELECT 1 FROM temp._mig_rev_arrived AS a WHERE a.key = r.n0);";
