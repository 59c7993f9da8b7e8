"""A service writing to the shop fixture's old database, in its own process.

Usage: shop_writer.py DB STOPFILE

Commits small IMMEDIATE transactions (a new order, a customer's email, a
tag removed) until STOPFILE exists; a write refused because the database
is draining for a migration is counted and retried later, any other error
ends the writer with a non-zero exit. Prints one JSON line at the end:
{"committed": N, "refused": N}. Products are never deleted, so every order
keeps a product to reference.
"""

import json
import os
import random
import sqlite3
import sys
import time


def main():
    db, stop = sys.argv[1], sys.argv[2]
    conn = sqlite3.connect(db, timeout=10, isolation_level=None)
    rnd = random.Random(7)
    customers = conn.execute("SELECT max(CustomerId) FROM Customer").fetchone()[0]
    products = conn.execute("SELECT count(*) FROM Product").fetchone()[0]
    committed = refused = 0
    while not os.path.exists(stop):
        try:
            conn.execute("BEGIN IMMEDIATE")
            c = rnd.randint(1, customers)
            conn.execute(
                "INSERT INTO Orders(CustomerId, ProductCode, Qty, Note) VALUES (?, ?, ?, ?)",
                (c, "P-%05d" % rnd.randint(1, products), rnd.randint(1, 9), "w%d" % committed),
            )
            conn.execute("UPDATE Customer SET Email = ? WHERE CustomerId = ?", ("W%d@Example.com" % committed, c))
            conn.execute("DELETE FROM Tag WHERE OrderId = ? AND Label = 'b'", (rnd.randint(1, customers),))
            conn.execute("COMMIT")
            committed += 1
        except sqlite3.DatabaseError as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if "draining for a migration" not in str(e):
                raise
            refused += 1
            time.sleep(0.005)
        time.sleep(0.002)
    print(json.dumps({"committed": committed, "refused": refused}))


if __name__ == "__main__":
    main()
