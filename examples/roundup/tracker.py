"""A Roundup issue tracker's own writes, for mig's new-user runs and tests.

  python tracker.py TRACKER_HOME DB_DIR populate ISSUES
      create users, keywords and ISSUES issues with their messages through
      Roundup's own API (a real tracker's rows: _issue, _msg, the link
      tables, every class's journal, the native full-text index)
  python tracker.py TRACKER_HOME DB_DIR write SECONDS LOG
      write as a tracker's users do for SECONDS (or until LOG.stop exists):
      new issues with a message, status changes, nosy additions; each
      committed write is one line of LOG (`<t> issue <id> <title>` or
      `<t> status <id> <status>`), each refused write a `<t> refused <why>`
      line (rolled back; the next write is new).
  python tracker.py TRACKER_HOME DB_DIR gaps LOG
      the writer's longest gaps between two committed writes (ms), each
      with the refusals inside it: the outage it felt

DB_DIR is the folder of the tracker's SQLite file (Roundup names it `db`):
the tracker's own folder before cutover, the new database's after it;
LOG.dir, when it exists, names the folder to switch to (the service moved).
A refusal saying the database was reverted moves the writer to the folder
of the old database it names, as the message tells a service to.

The tracker, as the run in docs/reliability.md made it (pip install
roundup==2.6.0): `roundup-admin -i HOME install classic sqlite`, set
`[tracker] web` and `[mail] domain` in HOME/config.ini, remove
HOME/detectors/nosyreaction.py (no mail), `roundup-admin -i HOME
initialise PASSWORD`; the new schema is schema.sql beside this file, with
`ignore_tables = ["__fts"]` (Roundup's FTS5 table, which mig cannot record).
"""
import os
import random
import re
import sys
import time

import roundup.instance


def open_db(home, db_dir, tracker=None):
    """The tracker's database in db_dir (the tracker loaded once: a
    refused write reopens only the database, as a service would)."""
    tracker = tracker or roundup.instance.open(home)
    tracker.config.DATABASE = db_dir
    return tracker.open("admin")


REVERTED = re.compile(r"was reverted by mig to the old database (.+?): writes are refused here")


def populate(db, issues):
    rnd = random.Random(7)
    users = [db.user.create(username="user%d" % i, realname="User %d" % i,
                            address="user%d@example.org" % i, roles="User")
             for i in range(200)]
    keywords = [db.keyword.create(name="kw%d" % i) for i in range(20)]
    statuses, priorities = db.status.list(), db.priority.list()
    for n in range(issues):
        author = rnd.choice(users)
        msgs = [db.msg.create(author=author, content="report %d part %d: %s" % (
            n, k, " ".join(rnd.choice(["crash", "slow", "login", "export", "sqlite",
                                       "timeout", "unicode é", "page"]) for _ in range(12))),
            date=roundup.date.Date("."))
            for k in range(rnd.randint(1, 3))]
        db.issue.create(title="issue %d: %s" % (n, rnd.choice(["crash", "slow page", "typo"])),
                        status=rnd.choice(statuses), priority=rnd.choice(priorities),
                        assignedto=rnd.choice(users), messages=msgs,
                        nosy=rnd.sample(users, 3), keyword=rnd.sample(keywords, 2))
        if n % 100 == 99:
            db.commit()
    db.commit()


def committed(db, log, line):
    """Commits and logs the line once the write is in (a refusal raises)."""
    db.commit()
    log.write("%.6f %s\n" % (time.time(), line))
    log.flush()


def write(home, db_dir, seconds, log_path):
    rnd = random.Random(os.getpid())
    end = time.time() + seconds
    tracker = roundup.instance.open(home)
    with open(log_path, "a") as log:
        db = open_db(home, db_dir, tracker)
        while time.time() < end and not os.path.exists(log_path + ".stop"):
            if os.path.exists(log_path + ".dir"):  # switched to another database
                with open(log_path + ".dir") as f:
                    target = f.read().strip()
                if target and target != db_dir:
                    db.close()
                    db_dir = target
                    db = open_db(home, db_dir, tracker)
            try:
                one_write(db, rnd, log)
            except Exception as e:  # refused at the statement, not the commit
                why = str(e).replace("\n", " ")
                log.write("%.6f refused %s\n" % (time.time(), why[:200]))
                log.flush()
                db.rollback()  # a failed statement's transaction keeps the write lock
                moved = REVERTED.search(why)
                if moved:  # the service moves to the old database
                    db.close()
                    db_dir = os.path.dirname(moved.group(1))
                    db = open_db(home, db_dir, tracker)
                else:  # the same database again, soon
                    time.sleep(0.002)
        db.close()


def one_write(db, rnd, log):
    kind = rnd.random()
    ids = db.issue.list()
    if kind < 0.4 or not ids:
        title = "live %d %d" % (os.getpid(), rnd.getrandbits(40))
        m = db.msg.create(author="1", content="written live " + title,
                          date=roundup.date.Date("."))
        i = db.issue.create(title=title, messages=[m], status="1", priority="3")
        committed(db, log, "issue %s %s" % (i, title))
    elif kind < 0.8:
        i = rnd.choice(ids)
        # Another status: setting the same one writes nothing, and a commit
        # that wrote nothing would pass a freeze unnoticed.
        s = rnd.choice([s for s in db.status.list() if s != db.issue.get(i, "status")])
        db.issue.set(i, status=s)
        committed(db, log, "status %s %s" % (i, s))
    else:
        i = rnd.choice(ids)
        nosy = db.issue.get(i, "nosy")
        u = rnd.choice([u for u in db.user.list() if u not in nosy])
        db.issue.set(i, nosy=nosy + [u])
        committed(db, log, "nosy %s %s" % (i, u))


def gaps(log_path, top=5):
    """The longest gaps between committed writes, with the refusals in each."""
    last, found, refused = None, [], []
    with open(log_path) as f:
        for line in f:
            t, kind = line.split(" ", 2)[:2]
            t = float(t)
            if kind == "refused":
                refused.append(line.strip())
                continue
            if last is not None:
                found.append(((t - last) * 1000.0, last, refused))
            last, refused = t, []
    for ms, at, inside in sorted(found, reverse=True)[:top]:
        print("%.1f ms after %.6f, %d refused%s" % (
            ms, at, len(inside), (": " + inside[0][:160]) if inside else ""))


if __name__ == "__main__":
    import roundup.date
    home, db_dir, cmd = sys.argv[1:4]
    if cmd == "populate":
        d = open_db(home, db_dir)
        populate(d, int(sys.argv[4]))
        d.close()
    elif cmd == "gaps":
        gaps(sys.argv[4])
    elif cmd == "write":
        write(home, db_dir, float(sys.argv[4]), sys.argv[5])
    else:
        sys.exit("unknown command %r" % cmd)
