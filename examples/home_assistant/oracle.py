#!/usr/bin/env python3
"""Independent oracle: the new schema's transform in plain SQL over the final old
database, compared with the new one table by table (rows the service wrote on the
new database after cutover, keys above the old table's largest, left out), and every
write the writer logged on the old database looked up in the new one.

  oracle.py OLD NEW WRITER_LOG
"""
import sqlite3, sys

old, new, log = sys.argv[1:4]
import os
old_abs = os.path.abspath(old)
c = sqlite3.connect(f"file:{new}?mode=ro", uri=True)
c.execute(f"ATTACH 'file:{old}?mode=ro' AS o")
KEYS = {"event_data": "data_id", "event_types": "event_type_id", "state_attributes": "attributes_id",
        "states_meta": "metadata_id", "statistics_meta": "id", "recorder_runs": "run_id",
        "schema_changes": "change_id", "statistics_runs": "run_id", "events": "event_id",
        "states": "state_id", "statistics": "id", "statistics_short_term": "id"}
bad = 0
total = 0
for t, k in KEYS.items():
    ocols = [r[1] for r in c.execute(f"PRAGMA o.table_info({t})")]
    ncols = [r[1] for r in c.execute(f"PRAGMA main.table_info({t})")]
    # the transform: same-named columns copied, `quality` its DEFAULT, others NULL
    sel = ", ".join(f'o.{t}."{n}"' if n in ocols else ("'good'" if n == "quality" else "NULL")
                    for n in ncols)
    cols = ", ".join(f'"{n}"' for n in ncols)
    top = c.execute(f"SELECT coalesce(max({k}), 0) FROM o.{t}").fetchone()[0]
    a = c.execute(f"SELECT count(*) FROM (SELECT {sel} FROM o.{t} EXCEPT SELECT {cols} FROM main.{t})").fetchone()[0]
    b = c.execute(f"SELECT count(*) FROM (SELECT {cols} FROM main.{t} WHERE {k} <= {top} "
                  f"EXCEPT SELECT {sel} FROM o.{t})").fetchone()[0]
    n = c.execute(f"SELECT count(*) FROM o.{t}").fetchone()[0]
    total += n
    if a or b:
        print(f"{t}: {a} old rows missing or different in new, {b} new rows not in old")
        bad += 1
print(f"oracle: {total} old rows in {len(KEYS)} tables, {bad} tables differ")
wrote = [l.split()[2] for l in open(log) if l.startswith("ok ") and os.path.abspath(l.split()[3]) == old_abs]
miss = sum(1 for h in wrote if not c.execute(
    "SELECT 1 FROM events e JOIN states s USING (context_id_bin) WHERE e.context_id_bin = ?",
    (bytes.fromhex(h),)).fetchone())
print(f"writes on the old database: {len(wrote)}, missing from the new: {miss}")
sys.exit(1 if bad or miss else 0)
