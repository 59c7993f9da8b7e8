#!/usr/bin/env python3
"""Checks Prefect's migrated database from the outside, in plain SQL.

  oracle.py OLD NEW T RUN_LOG PROBE_LOG
  T: epoch when the last cutover (`drain --cutover`) began; what the logs
  record after it went to NEW only.
Every old table is compared with the new one over the old columns (the
transform: alembic_version's row becomes the next revision, flow_run's new
cost_center is 'default' on every copied row, flow_run_note is new and
empty); an old row differing in new must have been updated there after the
last cutover (its id, a later `updated`); every flow run the flows logged as done is looked up by its name,
every variable the probe set by its name.
"""
import sqlite3, sys

old, new, t, runs, probes = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
db = sqlite3.connect(f"file:{old}?mode=ro", uri=True)
db.execute(f"ATTACH 'file:{new}?mode=ro' AS n")
tables = [r[0] for r in db.execute(
    "SELECT name FROM main.sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
    "AND name NOT LIKE '\\_mig%' ESCAPE '\\' AND name <> '_id_mapping' ORDER BY name")]
rows = differing = lost_total = 0
for tb in tables:
    cols = ", ".join(f'"{c[1]}"' for c in db.execute(f'PRAGMA main.table_info("{tb}")'))
    rows += db.execute(f'SELECT count(*) FROM main."{tb}"').fetchone()[0]
    if tb == "alembic_version":
        got = db.execute("SELECT version_num FROM n.alembic_version").fetchall()
        ok = got == [("27d8f4e1a6c9",)]
        print(f"alembic_version: {got} {'ok' if ok else 'WRONG'}"); differing += not ok
        continue
    gone = db.execute(f'SELECT count(*) FROM (SELECT {cols} FROM main."{tb}" EXCEPT SELECT {cols} FROM n."{tb}")').fetchone()[0]
    extra = db.execute(f'SELECT count(*) FROM (SELECT {cols} FROM n."{tb}" EXCEPT SELECT {cols} FROM main."{tb}")').fetchone()[0]
    if gone:
        # an old row that differs must be one the service updated after the
        # last cutover (same id, a later `updated` in new), never one lost
        lost = db.execute(f'SELECT count(*) FROM (SELECT {cols} FROM main."{tb}" EXCEPT SELECT {cols} FROM n."{tb}") o '
                          f'WHERE NOT EXISTS (SELECT 1 FROM n."{tb}" x WHERE x.id = o.id AND x.updated >= o.updated)').fetchone()[0]
        lost_total += lost
    if gone or extra:
        print(f"{tb}: {gone} old rows differ in new (updated there after the cutover unless lost), {extra} new rows not in old")
        differing += 1
odd = db.execute("SELECT count(*) FROM n.flow_run WHERE cost_center <> 'default'").fetchone()[0]
notes = db.execute("SELECT count(*) FROM n.flow_run_note").fetchone()[0]
print(f"cost_center not 'default': {odd}; flow_run_note rows: {notes}")


def look(log, table, column):
    before = after = missing = 0
    for line in open(log):
        f = line.split()
        if f[0] != "ok":
            continue
        when, tag = float(f[1]), f[2]
        q = f'SELECT count(*) FROM {{}}."{table}" WHERE "{column}"=?'
        in_old = db.execute(q.format("main"), (tag,)).fetchone()[0]
        in_new = db.execute(q.format("n"), (tag,)).fetchone()[0]
        if when > t:
            after += 1; missing += in_new != 1
        else:
            before += 1; missing += (in_old != 1 or in_new != 1)
    return before, after, missing


print(f"{len(tables)} tables, {rows} old rows, {differing} differing tables, {lost_total} old rows lost")
for what, log, table, column in (("flow runs", runs, "flow_run", "name"), ("variables", probes, "variable", "name")):
    b, a, m = look(log, table, column)
    print(f"{what}: {b} before the last cutover (in both), {a} after (in new), {m} missing")
