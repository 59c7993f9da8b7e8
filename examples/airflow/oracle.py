#!/usr/bin/env python3
"""Checks Airflow's migrated metadata database from the outside, in plain SQL.

  oracle.py OLD NEW WRITER_LOG T
  T: epoch when the last cutover (`drain --cutover`) began; writes the log
  records after it went to NEW only.
Every old table is compared with the new one over the old columns (the
transform: alembic_version's row becomes the new revision; the new columns
are NULL for every copied row); rows differing must be the writer's own
later writes; every logged write is looked up by its tag in `log.extra`.
"""
import sqlite3, sys

old, new, wlog, t = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
db = sqlite3.connect(f"file:{old}?mode=ro", uri=True)
db.execute(f"ATTACH 'file:{new}?mode=ro' AS n")
tables = [r[0] for r in db.execute(
    "SELECT name FROM main.sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
    "AND name NOT LIKE '\\_mig%' ESCAPE '\\' AND name <> '_id_mapping' ORDER BY name")]
rows = differing = 0
for tb in tables:
    cols = ", ".join(f'"{c[1]}"' for c in db.execute(f'PRAGMA main.table_info("{tb}")'))
    rows += db.execute(f'SELECT count(*) FROM main."{tb}"').fetchone()[0]
    if tb == "alembic_version":
        got = db.execute("SELECT version_num FROM n.alembic_version").fetchall()
        ok = got == [("a2c32e6c7729",)]
        print(f"alembic_version: {got} {'ok' if ok else 'WRONG'}"); differing += not ok
        continue
    gone = db.execute(f'SELECT count(*) FROM (SELECT {cols} FROM main."{tb}" EXCEPT SELECT {cols} FROM n."{tb}")').fetchone()[0]
    extra = db.execute(f'SELECT count(*) FROM (SELECT {cols} FROM n."{tb}" EXCEPT SELECT {cols} FROM main."{tb}")').fetchone()[0]
    if gone or extra:
        print(f"{tb}: {gone} old rows not in new, {extra} new rows not in old")
        differing += 1
nulls = db.execute("SELECT (SELECT count(*) FROM n.dag_run WHERE triggered_by IS NOT NULL OR backfill_id IS NOT NULL)"
                   " + (SELECT count(*) FROM n.task_instance WHERE last_heartbeat_at IS NOT NULL)").fetchone()[0]
print(f"new columns not NULL on copied rows: {nulls}")
after = before = missing = 0
for line in open(wlog):
    f = line.split()
    if f[0] != "ok":
        continue
    tag, path, when = f[2], f[3], float(f[1])
    in_old = db.execute("SELECT count(*) FROM main.log WHERE extra=?", (tag,)).fetchone()[0]
    in_new = db.execute("SELECT count(*) FROM n.log WHERE extra=?", (tag,)).fetchone()[0]
    if when > t and path == new:
        after += 1; missing += in_new != 1
    else:
        before += 1; missing += (in_old != 1 or in_new != 1)
print(f"{len(tables)} tables, {rows} old rows, {differing} differing tables")
print(f"writes: {before} before the last cutover (in both), {after} after (in new), {missing} missing")
