"""An independent check of a Buildbot migration, in plain SQL.

  python oracle.py OLD NEW
      every table of NEW against OLD with schema.sql's changes applied
      by hand: the common columns row for row (a multiset, both ways),
      `builds.triage` the default on every copied row, `steps.duration_s`
      the difference it is generated from, `logchunks` compared without its
      new `id` (the old table has only a rowid); prints one line per table
      and exits 1 on any difference
  python oracle.py OLD NEW carried LOG
      after `mig revert`: every build LOG says was written on NEW (lines
      after a `moved new` line, before `moved old`) is in OLD with the same
      build row, steps, logs and log chunks
"""
import sqlite3
import sys


def columns(db, schema, table):
    rows = db.execute("SELECT name, hidden FROM pragma_table_xinfo(?, ?)", (table, schema))
    return [n for n, hidden in rows if hidden == 0]


def differing(db, table, cols):
    sel = ", ".join('"%s"' % c for c in cols)
    one = db.execute("SELECT count(*) FROM (SELECT %s, count(*) FROM old.\"%s\" GROUP BY %s EXCEPT "
                     "SELECT %s, count(*) FROM main.\"%s\" GROUP BY %s)" % (sel, table, sel, sel, table, sel)).fetchone()[0]
    two = db.execute("SELECT count(*) FROM (SELECT %s, count(*) FROM main.\"%s\" GROUP BY %s EXCEPT "
                     "SELECT %s, count(*) FROM old.\"%s\" GROUP BY %s)" % (sel, table, sel, sel, table, sel)).fetchone()[0]
    return one + two


def compare(old, new):
    db = sqlite3.connect("file:%s?mode=ro" % new, uri=True)
    db.execute("ATTACH ? AS old", ("file:%s?mode=ro" % old,))
    tables = [t for (t,) in db.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    bad, rows = 0, 0
    for t in tables:
        if not db.execute("SELECT 1 FROM old.sqlite_master WHERE type = 'table' AND name = ?", (t,)).fetchone():
            print("%-24s new table, %d rows" % (t, db.execute('SELECT count(*) FROM "%s"' % t).fetchone()[0]))
            continue
        common = [c for c in columns(db, "main", t) if c in columns(db, "old", t)]
        n = db.execute('SELECT count(*) FROM old."%s"' % t).fetchone()[0]
        diff = differing(db, t, common)
        rows += n
        extra = ""
        if t == "builds":
            extra = ", triage not default: %d" % db.execute(
                "SELECT count(*) FROM builds WHERE triage <> 'untriaged'").fetchone()[0]
            diff += int(extra.split(": ")[1])
        if t == "steps":
            wrong = db.execute("SELECT count(*) FROM steps WHERE duration_s IS NOT complete_at - started_at").fetchone()[0]
            extra = ", duration_s wrong: %d" % wrong
            diff += wrong
        print("%-24s %7d old rows, %d differing%s" % (t, n, diff, extra))
        bad += diff > 0
    print("oracle: %d tables, %d old rows, %d tables differ" % (len(tables), rows, bad))
    return 1 if bad else 0


def carried(old, new, log):
    db = sqlite3.connect("file:%s?mode=ro" % old, uri=True)
    db.execute("ATTACH ? AS new", ("file:%s?mode=ro" % new,))
    on_new, ids = False, []
    for line in open(log):
        parts = line.split()
        if parts[1:3] == ["moved", "new"]:
            on_new = True
        elif parts[1:3] == ["moved", "old"]:
            on_new = False
        elif on_new and parts[1] == "build":
            ids.append(int(parts[2]))
    missing = 0
    queries = [
        "SELECT id, number, builderid, buildrequestid, started_at, complete_at, results, state_string FROM {s}.builds WHERE id = ?",
        "SELECT id, number, name, started_at, complete_at, results FROM {s}.steps WHERE buildid = ?",
        "SELECT l.id, l.slug, l.num_lines, l.complete FROM {s}.logs AS l JOIN {s}.steps AS s ON s.id = l.stepid WHERE s.buildid = ?",
        "SELECT c.logid, c.first_line, c.last_line, c.content, c.compressed FROM {s}.logchunks AS c "
        "JOIN {s}.logs AS l ON l.id = c.logid JOIN {s}.steps AS s ON s.id = l.stepid WHERE s.buildid = ?",
        "SELECT name, value, source FROM {s}.build_properties WHERE buildid = ?",
    ]
    for bid in ids:
        for q in queries:
            a = sorted(db.execute(q.format(s="main"), (bid,)).fetchall())
            b = sorted(db.execute(q.format(s="new"), (bid,)).fetchall())
            if a != b or not b:
                missing += 1
                print("build %d differs: %s" % (bid, q.split(" FROM ")[1][:40]))
                break
    print("carried back: %d builds written on the new database, %d missing or different in the old" % (len(ids), missing))
    return 1 if missing else 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[3] == "carried":
        sys.exit(carried(sys.argv[1], sys.argv[2], sys.argv[4]))
    sys.exit(compare(sys.argv[1], sys.argv[2]))
