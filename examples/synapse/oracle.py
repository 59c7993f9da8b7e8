#!/usr/bin/env python3
"""Checks a finished Synapse migration from the outside, in plain SQL.

  oracle.py OLD.db NEW.db writer.log
Every old row of the main tables (over the old columns) must be in the new
file unchanged, and every message the writer logged as sent must be there.
"""
import sqlite3, sys

old, new, log = sys.argv[1:4]
c = sqlite3.connect(new)
c.execute("ATTACH ? AS o", (old,))
bad = 0
for tb in ["events", "event_json", "users", "state_events", "room_memberships",
           "current_state_events", "receipts_linearized", "event_search"]:
    cols = ",".join(r[1] for r in c.execute(f"PRAGMA o.table_info({tb})")) or "*"
    if tb == "event_search":
        cols = "event_id,room_id,sender,key,value"
    rows = c.execute(f"SELECT count(*) FROM o.{tb}").fetchone()[0]
    n = c.execute(f"SELECT count(*) FROM (SELECT {cols} FROM o.{tb} EXCEPT SELECT {cols} FROM main.{tb})").fetchone()[0]
    print(f"{tb}: {rows} old rows, {n} missing or different in the new")
    bad += n
ok = [l.split() for l in open(log) if l.startswith("ok ")]
have = {r[0] for r in c.execute("SELECT event_id FROM events")}
missing = [l[2] for l in ok if l[3] not in have]
print(f"writer: {len(ok)} messages sent, {len(missing)} missing {missing[:5]}")
sys.exit(1 if bad or missing else 0)
