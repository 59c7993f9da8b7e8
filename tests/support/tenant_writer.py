"""A tenant's service writing to its database from its own process, with
Python's sqlite3 (another SQLite build than mig's): small transactions of
inserts, updates and deletes on the shop fixture until the stop file
appears. Writes mig refuses (the old database draining, then retired or a
standby after cutover) are counted, as a service would retry them or turn
to the new database; any other error exits non-zero.

usage: tenant_writer.py DB SEED STOP_FILE
Prints `committed N refused M` when it stops.
"""

import os
import random
import sqlite3
import sys
import time

# mig's refusals on the old database, in the order a rollout gives them.
REFUSALS = (
    "draining for a migration",
    "retired by a migration",
    "standby of a cut-over migration",
)


def transaction(c, rng):
    (top,) = c.execute("SELECT coalesce(max(CustomerId), 0) FROM Customer").fetchone()
    key = rng.randint(1, max(top, 1) + 3)
    pick = rng.randrange(6)
    if pick < 2:
        cur = c.execute(
            "INSERT INTO Customer(FirstName, LastName, Email, Photo) VALUES (?, 'Nøw', ?, ?)",
            (f"P{key}", f"P{key}@Py.ORG", bytes([4, 5, 6])),
        )
        c.execute(
            "INSERT INTO Orders(CustomerId, ProductCode, Qty, Note) VALUES (?, (SELECT Code FROM Product ORDER BY random() LIMIT 1), 2, 'py')",
            (cur.lastrowid,),
        )
    elif pick < 4:
        c.execute(
            "UPDATE Customer SET Email = upper(coalesce(Email, 'none')) || '?' WHERE CustomerId = ?",
            (key,),
        )
    elif pick == 4:
        c.execute("DELETE FROM Tag WHERE OrderId = ?", (key,))
        c.execute("DELETE FROM Orders WHERE OrderId = ?", (key,))
    else:
        c.execute("UPDATE Orders SET Qty = Qty + 1 WHERE OrderId = ?", (key,))


def main():
    db, seed, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(seed)
    c = sqlite3.connect(db, timeout=10, isolation_level=None)
    c.execute("PRAGMA busy_timeout = 10000")
    committed = refused = 0
    while not os.path.exists(stop):
        try:
            c.execute("BEGIN IMMEDIATE")
            transaction(c, rng)
            c.execute("COMMIT")
            committed += 1
        except sqlite3.DatabaseError as e:
            if c.in_transaction:
                c.execute("ROLLBACK")
            if not any(r in str(e) for r in REFUSALS):
                print(f"writer failed: {e}", file=sys.stderr)
                sys.exit(1)
            refused += 1
        time.sleep(0.002)
    print(f"committed {committed} refused {refused}", flush=True)


if __name__ == "__main__":
    main()
