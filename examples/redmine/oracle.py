"""Checks a Redmine migration from the outside, with plain SQL.

python3 oracle.py OLD NEW WRITER_LOG T
  OLD, NEW   the final old database (retired by the last cutover) and the new one
  WRITER_LOG writer.rb's log; T the epoch at which the last cutover began

1. Every old table against the new one over the old table's columns: rows
   differing must be explained by the writes the log says went to NEW after T
   (their issues, journals and details, time entries, watchers, and the fill
   time entries they deleted).
2. Every logged write found: issue `w-N` and time entry `w-N` in NEW, and in
   OLD too when written before T; every deleted time entry gone from NEW.
"""
import sqlite3, sys

old_path, new_path, log_path, t_cut = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
db = sqlite3.connect(new_path)
db.execute("ATTACH ? AS o", (old_path,))
ok, gone, after = [], [], set()
for line in open(log_path):
    f = line.split()
    if f[2] != "ok":
        continue
    i, t = int(f[1]), float(f[0])
    ok.append((i, t, f[3]))
    g = f[4].split("=")[1]
    if g:
        gone.append(int(g))
    if t >= t_cut:
        after.add(f"w-{i}")
tags = list(after)
q = lambda sql, *a: [r[0] for r in db.execute(sql, a)]
marks = ",".join("?" * len(tags)) or "NULL"
issues = set(q(f"SELECT id FROM issues WHERE subject IN ({marks})", *tags))
journals = set(q(f"SELECT id FROM journals WHERE notes IN ({marks}) OR notes IN ({','.join('?' * len(tags)) or 'NULL'})", *tags, *["closing " + t for t in tags]))
issues |= set(q(f"SELECT journalized_id FROM journals WHERE id IN ({','.join(map(str, journals)) or 'NULL'})"))
explained = {
    "issues": ("id", issues), "journals": ("id", journals),
    "journal_details": ("journal_id", journals), "watchers": ("watchable_id", issues),
    "time_entries": ("issue_id", issues),
}
tables = q("SELECT name FROM o.sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_mig%' ESCAPE '\\' AND name NOT LIKE '\\_migration%' ESCAPE '\\' AND name NOT IN ('_schema_identity','_id_mapping')")
bad, rows = 0, 0
for t in tables:
    cols = ",".join(f'"{c}"' for c in q(f"SELECT name FROM pragma_table_info('{t}', 'o')"))
    rows += db.execute(f'SELECT count(*) FROM o."{t}"').fetchone()[0]
    diff = db.execute(f'SELECT {cols} FROM o."{t}" EXCEPT SELECT {cols} FROM main."{t}" UNION ALL SELECT {cols} FROM main."{t}" EXCEPT SELECT {cols} FROM o."{t}"').fetchall()
    if not diff:
        continue
    key, ids = explained.get(t, (None, set()))
    names = q(f"SELECT name FROM pragma_table_info('{t}', 'o')")
    unexplained = [r for r in diff if key is None or (r[names.index(key)] not in ids and not (t == "time_entries" and r[0] in gone))]
    print(f"{t}: {len(diff)} differing rows, {len(unexplained)} unexplained")
    bad += len(unexplained)
missing = 0
for i, t, path in ok:
    for table, col in (("issues", "subject"), ("time_entries", "comments")):
        if not q(f"SELECT 1 FROM main.{table} WHERE {col} = ?", f"w-{i}"):
            missing += 1; print(f"missing in new: {table} w-{i}")
        if t < t_cut and not q(f"SELECT 1 FROM o.{table} WHERE {col} = ?", f"w-{i}"):
            missing += 1; print(f"missing in old: {table} w-{i}")
still = q(f"SELECT id FROM main.time_entries WHERE id IN ({','.join(map(str, gone)) or 'NULL'})")
print(f"{len(tables)} tables, {rows} old rows, {bad} unexplained differences; {len(ok)} logged writes ({len(after)} after T), {missing} missing; {len(gone)} deletes, {len(still)} still present")
sys.exit(1 if bad or missing or still else 0)
