"""The outside check of a Calibre migration: plain SQL over the final old database, and every logged write.

  python3 oracle.py OLD NEW LOG T_CUTOVER
OLD is the retired old database, NEW the new one, LOG the writer's log and T_CUTOVER
the epoch second the last cutover began: writes logged on NEW after it are the only
rows allowed to differ. Exit 0: no table differs otherwise, every logged write found.
"""
import os, sqlite3, sys
from collections import defaultdict

old, new, log, t_cut = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
db = sqlite3.connect(new)
db.execute("ATTACH ? AS o", (old,))
skip = ("sqlite_", "_mig", "_migration", "annotations_fts")
tables = [r[0] for r in db.execute("SELECT name FROM o.sqlite_master WHERE type='table'")
          if not r[0].startswith(skip)]
touched, last = set(), {}
for line in open(log):
    f = line.split()
    if len(f) < 4 or f[1] != "ok":
        continue
    ts, op, bid = float(f[0]), f[2], int(f[3])
    if ts > t_cut and os.path.abspath(f[-1]) == os.path.abspath(new):
        touched.add(bid)
    last[bid] = (op, line)
bad, rows = 0, 0
keyed = {}
for t in tables:
    cols = [r[1] for r in db.execute(f'PRAGMA o.table_info("{t}")')]
    key = "id" if t == "books" else ("book" if "book" in cols else None)
    keyed[t] = key
    sel = ", ".join(f'"{c}"' for c in cols)
    where = f' WHERE "{key}" NOT IN ({",".join(map(str, touched)) or "-1"})' if key else ""
    # the transform: every old column is copied as is; new columns take their DEFAULT
    a = f'SELECT {sel} FROM o."{t}"{where}'
    b = f'SELECT {sel} FROM main."{t}"{where}'
    n = db.execute(f"SELECT count(*) FROM ({a})").fetchone()[0]
    rows += n
    d1 = db.execute(f"SELECT count(*) FROM ({a} EXCEPT {b})").fetchone()[0]
    d2 = db.execute(f"SELECT count(*) FROM ({b} EXCEPT {a})").fetchone()[0]
    if d1 or d2:
        bad += 1
        print(f"table {t}: {d1} old rows missing from new, {d2} new rows not in old (key {key})")
odd = db.execute("SELECT count(*) FROM books WHERE reading_status <> 'unread'").fetchone()[0]
missing = 0
for bid, (op, line) in last.items():
    row = db.execute("SELECT title FROM books WHERE id=?", (bid,)).fetchone()
    if op == "remove":
        ok = row is None
    elif op == "add":
        ok = row is not None and repr(row[0]) in line
    else:
        tags = line.split()[4].split(",")
        got = [r[0] for r in db.execute(
            "SELECT t.name FROM books_tags_link l JOIN tags t ON t.id=l.tag WHERE l.book=?", (bid,))]
        ok = row is not None and sorted(got) == sorted(tags)
    if not ok:
        missing += 1
        if missing <= 5:
            print("write not found:", line.strip(), "->", row)
print(f"oracle: {len(tables)} tables, {rows} old rows compared, {bad} differing tables; "
      f"{len(last)} books written ({len(touched)} after cutover), {missing} writes not found; "
      f"{odd} books off the reading_status default")
sys.exit(1 if bad or missing or odd else 0)
