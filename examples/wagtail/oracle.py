"""Independent check of a Wagtail migration, plain SQL only.

    python3 oracle.py OLD.sqlite3 NEW.sqlite3 writer.log

Every old table (its old columns) must be found in the new database row for
row (EXCEPT both ways for tables the new schema keeps unchanged; old rows
contained in the new for all); home_homepage's new columns must hold their
DEFAULTs; every page the writer logged as committed must be in the new
database with its revision and its live revision; the FTS index must cover
every index entry. Prints the writer's longest gaps. Exit 1 on any problem.
"""
import sqlite3
import sys

old, new, log = sys.argv[1:4]
db = sqlite3.connect(new)
db.execute("ATTACH ? AS o", (old,))
problems = 0
skip = ("sqlite_", "_mig", "_migration", "wagtailsearch_indexentry_fts")
tables = [r[0] for r in db.execute("SELECT name FROM o.sqlite_master WHERE type='table'")
          if not r[0].startswith(skip)]
for t in tables:
    # numchild: the parent's counter moves on with pages added after cutover; checked below
    cols = ", ".join(f'"{r[1]}"' for r in db.execute(f'PRAGMA o.table_info("{t}")')
                     if (t, r[1]) != ("wagtailcore_page", "numchild"))
    missing = db.execute(f'SELECT count(*) FROM (SELECT {cols} FROM o."{t}" EXCEPT SELECT {cols} FROM main."{t}")').fetchone()[0]
    n = db.execute(f'SELECT count(*) FROM o."{t}"').fetchone()[0]
    if missing:
        problems += 1
        print(f"{t}: {missing} of {n} old rows missing or different in the new database")
tree = db.execute("SELECT count(*) FROM wagtailcore_page p WHERE numchild != (SELECT count(*) FROM "
                  "wagtailcore_page c WHERE c.depth = p.depth + 1 AND substr(c.path, 1, length(p.path)) = p.path)").fetchone()[0]
if tree:
    problems += 1
    print(f"wagtailcore_page: {tree} pages whose numchild disagrees with the tree")
bad = db.execute("SELECT count(*) FROM home_homepage h JOIN o.home_homepage USING (page_ptr_id) "
                 "WHERE h.featured IS NOT 0 OR h.subtitle IS NOT ''").fetchone()[0]
if bad:
    problems += 1
    print(f"home_homepage: {bad} copied rows without the DEFAULTs")
ok, prev, gaps, errs = 0, None, [], {}
for line in open(log):
    p = line.split()
    if p[0] == "err":
        errs[p[2]] = errs.get(p[2], 0) + 1
        continue
    ok += 1
    page, rev, t = int(p[2]), int(p[3]), float(p[4])
    found = db.execute("SELECT count(*) FROM wagtailcore_page p JOIN wagtailcore_revision r ON r.id = ? "
                       "WHERE p.id = ? AND p.live_revision_id = r.id AND r.object_id = CAST(p.id AS TEXT)",
                       (rev, page)).fetchone()[0]
    if not found:
        problems += 1
        print(f"writer page {page} (revision {rev}) missing from the new database")
    if prev:
        gaps.append((t - prev, prev))
    prev = t
unindexed = db.execute("SELECT count(*) FROM wagtailsearch_indexentry e LEFT JOIN wagtailsearch_indexentry_fts f "
                       "ON f.rowid = e.id WHERE f.rowid IS NULL").fetchone()[0]
if unindexed:
    problems += 1
    print(f"wagtailsearch_indexentry_fts: {unindexed} entries not searchable")
gaps.sort(reverse=True)
print(f"{len(tables)} old tables checked; writer pages {ok} committed, errors {errs}")
print("longest writer gaps (s, at):", [(round(g, 3), round(t, 3)) for g, t in gaps[:5]])
print(f"problems: {problems}")
sys.exit(1 if problems else 0)
