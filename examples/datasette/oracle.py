#!/usr/bin/env python3
"""Checks a run from the outside, plain SQL only (stdlib sqlite3):

  oracle.py OLD NEW WRITER_LOG [READER_LOG]

- every table of NEW against schema.sql's transform applied by hand to the
  final OLD (rows the service changed after cutover set aside, each named);
- every tag the writer logged "ok" is in NEW's events exactly once, and the
  200k (or however many) fill rows are all there;
- the longest gaps between two of the writer's committed writes;
- Datasette's read latency (READER_LOG): per path median / p99 / max, errors.
"""
import sqlite3, statistics, sys

CHECKS = [  # (what, query giving rows that are wrong; old is attached as o)
    ("sources", "SELECT id FROM (SELECT id, name, meta FROM o.sources EXCEPT SELECT id, name, meta FROM sources)"),
    ("users (id, name, lower(email))", "SELECT id FROM (SELECT id, name, lower(email) FROM o.users "
     "EXCEPT SELECT id, name, email FROM users)"),
    ("users (profile, plan) where the new service did not rewrite the profile",
     "SELECT a.id FROM o.users a JOIN main.users b USING (id) WHERE b.profile IS a.profile "
     "AND b.plan IS NOT json_extract(a.profile, '$.plan')"),
    ("events (severity = payload's sev)", "SELECT id FROM (SELECT id, user_id, source_id, kind, tag, body, payload, "
     "created_at, json_extract(payload, '$.sev') FROM o.events EXCEPT SELECT id, user_id, source_id, kind, tag, "
     "body, payload, created_at, severity FROM events)"),
    ("event_tags", "SELECT event_id FROM (SELECT event_id, label FROM o.event_tags "
     "EXCEPT SELECT event_id, label FROM event_tags)"),
    ("daily_counts (new n >= old n: the service counts on)", "SELECT a.day FROM o.daily_counts a "
     "LEFT JOIN main.daily_counts b USING (day, kind) WHERE b.n IS NULL OR b.n < a.n"),
    ("settings", "SELECT key FROM (SELECT key, value FROM o.settings EXCEPT SELECT key, value FROM settings)"),
    ("events new-only rows are the service's own (tag w...)", "SELECT id FROM events WHERE id NOT IN "
     "(SELECT id FROM o.events) AND tag NOT LIKE 'w%'"),
]


def main(old, new, wlog, rlog=None):
    db = sqlite3.connect(f"file:{new}?mode=ro", uri=True)
    db.execute("ATTACH ? AS o", [f"file:{old}?mode=ro"])
    bad = 0
    for what, sql in CHECKS:
        rows = db.execute(sql).fetchall()
        bad += len(rows)
        print(f"{what}: {len(rows)} problems {rows[:5] if rows else ''}")
    oks = [l.split() for l in open(wlog) if l.startswith("ok ")]
    tags = {t: c for t, c in db.execute("SELECT tag, count(*) FROM events GROUP BY tag")}
    missing = [t for _, _, t in oks if tags.get(t) != 1]
    fills = db.execute("SELECT count(*) FROM events WHERE tag LIKE 'fill%'").fetchone()[0]
    print(f"writer: {len(oks)} writes logged ok, {len(missing)} missing or duplicated {missing[:5]}; fill rows {fills}")
    gaps(wlog)
    if rlog:
        reads(rlog)
    print("problems:", bad + len(missing))
    return 1 if bad or missing else 0


def gaps(wlog):
    times = [float(l.split()[1]) for l in open(wlog) if l.startswith("ok ")]
    g = sorted(((b - a, a) for a, b in zip(times, times[1:])), reverse=True)[:5]
    print("writer's longest gaps between committed writes:", ", ".join(f"{d * 1000:.0f} ms at {t:.3f}" for d, t in g))


def reads(rlog):
    by = {}
    errs = [l.strip()[:160] for l in open(rlog) if not l.startswith("200 ")]
    for l in open(rlog):
        p = l.split()
        if p[0] == "200":
            by.setdefault(p[3], []).append(float(p[2]))
    for path, ms in sorted(by.items()):
        ms.sort()
        print(f"datasette {path}: {len(ms)} reads, median {statistics.median(ms):.1f} ms, "
              f"p99 {ms[int(len(ms) * 0.99)]:.1f} ms, max {ms[-1]:.1f} ms")
    print(f"datasette errors: {len(errs)} {errs[:3]}")


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
