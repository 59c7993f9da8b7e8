#!/usr/bin/env python3
"""An event-ingest service on SQLite written with sqlite-utils (its own process).

  events.py create DB USERS EVENTS
      # users, sources, events (JSON payload, FTS5 over body with sqlite-utils'
      # triggers), event_tags (composite key), daily_counts (WITHOUT ROWID,
      # upserted), settings; a view recent_events; foreign keys added by sqlite-utils
  events.py write CURRENT LOG STOP
      # until the file STOP exists: per try one event (tag in `tag`), its tags, an
      # upsert of daily_counts, every 10th an upsert of a user's JSON profile; one
      # transaction each on the file CURRENT names (re-read after every refusal);
      # LOG gets "ok <time> <tag>" or "err <time> <msg>"
"""
import json, os, random, sys, time
import sqlite_utils

KINDS = ["click", "view", "buy", "signup", "error", "search"]


def create(path, users, events):
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA journal_mode=WAL")
    db["sources"].insert_all(({"id": i, "name": f"src{i}", "meta": json.dumps({"region": i % 4})}
                              for i in range(50)), pk="id")
    db["users"].insert_all(({"id": i, "name": f"User {i}", "email": f"User{i}@Example.COM",
                             "profile": json.dumps({"plan": ["free", "pro"][i % 2], "n": i})}
                            for i in range(users)), pk="id")
    rnd = random.Random(7)
    db["events"].insert_all(({"id": i, "user_id": rnd.randrange(users), "source_id": rnd.randrange(50),
                              "kind": KINDS[i % 6], "tag": f"fill{i}", "body": f"event {i} {KINDS[i % 6]} text",
                              "payload": json.dumps({"v": i % 97, "sev": i % 5}), "created_at": 1700000000 + i}
                             for i in range(events)), pk="id", batch_size=5000)
    db["event_tags"].insert_all(({"event_id": i, "label": KINDS[(i + j) % 6]}
                                 for i in range(0, events, 3) for j in range(2)), pk=("event_id", "label"))
    db.execute("CREATE TABLE daily_counts (day TEXT, kind TEXT, n INTEGER NOT NULL, "
               "PRIMARY KEY (day, kind)) WITHOUT ROWID")
    db["daily_counts"].insert_all(({"day": f"2023-11-{d:02}", "kind": k, "n": d}
                                   for d in range(1, 29) for k in KINDS))
    db["settings"].insert_all([{"key": "retention_days", "value": "30"}], pk="key")
    db["events"].add_foreign_key("user_id", "users", "id")
    db["events"].add_foreign_key("source_id", "sources", "id")
    db["event_tags"].add_foreign_key("event_id", "events", "id")
    db["events"].enable_fts(["body"], fts_version="FTS5", create_triggers=True)
    db["events"].create_index(["user_id"])
    db.create_view("recent_events", "SELECT e.id, e.tag, u.name, e.kind FROM events e "
                   "JOIN users u ON u.id = e.user_id ORDER BY e.id DESC LIMIT 100")


def one(db, n, users, v2):
    tag = f"w{n}"
    row = {"user_id": n % users, "source_id": n % 50, "kind": KINDS[n % 6], "tag": tag,
           "body": f"written {tag}", "payload": json.dumps({"v": n % 97, "sev": n % 5}),
           "created_at": int(time.time())}
    if v2:  # the v2 service fills what schema.sql's mig:set computed for old rows
        row["severity"] = n % 5
    with db.atomic():  # one transaction: sqlite-utils 4 commits on its own inside `with db.conn`
        db["events"].insert(row)
        eid = db.execute("SELECT last_insert_rowid()").fetchone()[0]
        db["event_tags"].insert_all([{"event_id": eid, "label": "live"}, {"event_id": eid, "label": tag}])
        db.execute("INSERT INTO daily_counts (day, kind, n) VALUES (date('now'), ?, 1) "
                   "ON CONFLICT (day, kind) DO UPDATE SET n = n + 1", [KINDS[n % 6]])
        if n % 10 == 0:
            db["users"].upsert({"id": n % users, "profile": json.dumps({"plan": "pro", "last": tag})}, pk="id")
    return tag


def write(current, log, stop):
    out = open(log, "a", buffering=1)
    n, db, path = random.randrange(10**6) * 1000, None, None
    while not os.path.exists(stop):
        want = open(current).read().strip()
        if want != path:
            path, db = want, sqlite_utils.Database(want)
            db.execute("PRAGMA busy_timeout=5000")
            v2 = "severity" in db["events"].columns_dict
        users = 1000
        try:
            tag = one(db, n, users, v2)
            out.write(f"ok {time.time():.6f} {tag}\n")
            n += 1
        except Exception as e:  # a refused write: log it, re-read CURRENT
            out.write(f"err {time.time():.6f} {str(e)[:160]}\n")
            path = None
            time.sleep(0.002)
        time.sleep(0.005)


if __name__ == "__main__":
    if sys.argv[1] == "create":
        create(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        write(sys.argv[2], sys.argv[3], sys.argv[4])
