"""Checks a Mailman migration from the outside, with plain SQL only.

  python oracle.py compare NEW_DB OLD_DB
      every table of NEW_DB against the same transform of OLD_DB's rows
      (schema.sql beside this file: member.bounce_state 'ok', bounceevent
      processed = coalesce(processed, 0), list_delivery_stats empty), both
      ways with EXCEPT; prints one line per table, exits 1 on a difference
  python oracle.py writes DB LOG...
      every write the writers logged (lists.py write) found in DB as the
      last write left it: a subscription's member row (unless it was later
      unsubscribed), a delivery mode, an unsubscription's absence, a bounce
"""
import sqlite3
import sys

MINE = ("_migration_", "_mig_", "sqlite_")
MINE_NAMES = ("_id_mapping", "_schema_identity")
TRANSFORM = {("member", "bounce_state"): "'ok'",
             ("bounceevent", "processed"): "coalesce(processed, 0)"}


def q(name):
    return '"%s"' % name.replace('"', '""')


def columns(db, schema, table):
    return [r[1] for r in db.execute("PRAGMA %s.table_xinfo(%s)" % (schema, q(table)))]


def compare(new_path, old_path):
    db = sqlite3.connect(new_path)
    db.execute("ATTACH ? AS old", (old_path,))
    tables = [r[0] for r in db.execute("SELECT name FROM main.sqlite_schema WHERE type='table'")
              if not r[0].startswith(MINE) and r[0] not in MINE_NAMES]
    bad, total = 0, 0
    for t in tables:
        new_cols = columns(db, "main", t)
        old_cols = set(columns(db, "old", t))
        exprs = [TRANSFORM.get((t, c), q(c) if c in old_cols else "NULL") for c in new_cols]
        mine = "SELECT %s FROM main.%s" % (", ".join(map(q, new_cols)), q(t))
        theirs = "SELECT %s FROM old.%s" % (", ".join(exprs), q(t)) if old_cols else \
            "SELECT %s WHERE 0" % ", ".join("NULL" for _ in new_cols)
        extra = db.execute("SELECT count(*) FROM (%s EXCEPT %s)" % (mine, theirs)).fetchone()[0]
        missing = db.execute("SELECT count(*) FROM (%s EXCEPT %s)" % (theirs, mine)).fetchone()[0]
        rows = db.execute("SELECT count(*) FROM main.%s" % q(t)).fetchone()[0]
        total += rows
        if extra or missing:
            bad += 1
        print("%-22s %7d rows  %d only in new, %d only in old" % (t, rows, extra, missing))
    print("%d tables, %d rows, %d differing tables" % (len(tables), total, bad))
    return 1 if bad else 0


def writes(path, logs):
    db = sqlite3.connect(path)
    subs, gone, modes, bounces = {}, set(), {}, []
    for log in logs:
        for line in open(log):
            f = line.split()
            if f[1] == "sub":
                subs[f[2]] = f[3]
            elif f[1] == "unsub":
                gone.add(f[2])
            elif f[1] == "mode":
                modes[f[2]] = int(f[3])  # logs are read in time order per writer
            elif f[1] == "bounce":
                bounces.append((f[2], f[3]))
    missing = []
    for mid, email in subs.items():
        row = db.execute("SELECT a.email FROM member m JOIN address a ON a.id = m.address_id "
                         "WHERE m._member_id = ?", (mid,)).fetchone()
        if mid in gone:
            if row:
                missing.append("unsubscribed member still there: %s" % mid)
        elif not row or row[0] != email:
            missing.append("subscription missing: %s %s" % (mid, email))
    for mid in gone - set(subs):
        if db.execute("SELECT 1 FROM member WHERE _member_id = ?", (mid,)).fetchone():
            missing.append("unsubscribed member still there: %s" % mid)
    for mid, mode in modes.items():
        if mid in gone:
            continue
        row = db.execute("SELECT p.delivery_mode FROM member m JOIN preferences p "
                         "ON p.id = m.preferences_id WHERE m._member_id = ?", (mid,)).fetchone()
        if not row or row[0] != mode:
            missing.append("delivery mode of %s: %s, logged %d" % (mid, row, mode))
    for email, message_id in bounces:
        if not db.execute("SELECT 1 FROM bounceevent WHERE email = ? AND message_id = ?",
                          (email, message_id)).fetchone():
            missing.append("bounce missing: %s %s" % (email, message_id))
    for m in missing[:20]:
        print(m)
    print("%d subscriptions, %d unsubscriptions, %d mode changes, %d bounces: %d missing"
          % (len(subs), len(gone), len(modes), len(bounces), len(missing)))
    return 1 if missing else 0


if __name__ == "__main__":
    if sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    sys.exit(writes(sys.argv[2], sys.argv[3:]))
