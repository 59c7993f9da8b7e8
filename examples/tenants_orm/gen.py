"""Create tenant files: gen.py DIR_A DIR_B COUNT. Most tiny, 20 of 50k+ rows, one of 500k."""
import random
import sqlite3
import sys
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from models import (Account, AuditLog, Base, Invoice, InvoiceLine, Setting, Tag, ApiKey,
                    account_tags, engine_for)


def fill(path, n_invoices, rng):
    eng = engine_for(path)
    with eng.begin() as c:
        c.exec_driver_sql("PRAGMA journal_mode=WAL")
    Base.metadata.create_all(eng)
    n_acc = max(2, n_invoices // 20)
    now = datetime(2026, 1, 1)
    with Session(eng) as s, s.begin():
        s.execute(insert(Account), [dict(id=i, name=f"acct {i}", email=f"a{i}@x.test", created_at=now)
                                    for i in range(1, n_acc + 1)])
        s.execute(insert(Tag), [dict(id=i, name=f"tag{i}") for i in range(1, 6)])
        s.execute(insert(account_tags), [dict(account_id=a, tag_id=t) for a in range(1, n_acc + 1)
                                         for t in range(1, 6) if (a + t) % 3 == 0])
        s.execute(insert(Setting), [dict(account_id=a, key=k, value="v") for a in range(1, n_acc + 1)
                                    for k in ("plan", "tz")])
        s.execute(insert(ApiKey), [dict(account_id=a, prefix=f"k{a}") for a in range(1, n_acc + 1)])
        for lo in range(0, n_invoices, 20000):
            hi = min(n_invoices, lo + 20000)
            s.execute(insert(Invoice), [dict(id=i, account_id=1 + i % n_acc, number=f"INV-{i}",
                                             total_cents=rng.randint(0, 99999), issued_at=now)
                                        for i in range(lo + 1, hi + 1)])
            s.execute(insert(InvoiceLine), [dict(invoice_id=i, description="item", quantity=1 + i % 4,
                                                 unit_cents=100 + i % 900) for i in range(lo + 1, hi + 1)])
        s.execute(insert(AuditLog), [dict(actor="gen", action="seed", detail=str(i), at=now)
                                     for i in range(n_acc)])
    eng.dispose()


def main():
    dir_a, dir_b, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(18)
    for i in range(count):
        name = f"t{i:04d}.db"
        if i == 7:
            n = 250000  # invoices + as many lines: 500k rows
        elif i % 75 == 3:
            n = 25000 + rng.randint(0, 5000)  # 50k+ rows
        else:
            n = rng.choice([0, 1, 3, 10, 40, 200])
        fill(f"{dir_a if i % 2 == 0 else dir_b}/{name}", n, rng)


if __name__ == "__main__":
    main()
