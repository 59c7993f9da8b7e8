"""The service: writer.py LOG STOP N_TENANTS DIR... — writes through SQLAlchemy sessions to N
random tenants until STOP exists. One transaction per try (an invoice with two lines and an
audit row, tagged); a refused try is retried and, after a refusal, the tenant's file is looked
up again: the ready new file `<dir>-<hash>/<name>` if one says ready, else the old one."""
import glob
import os
import random
import sqlite3
import sys
import time

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from models import AuditLog, Invoice, InvoiceLine, engine_for


def current_file(old):
    d, name = os.path.split(old)
    for cand in sorted(glob.glob(f"{d}-*/{name}")):
        try:
            c = sqlite3.connect(f"file:{cand}?mode=ro", uri=True, timeout=1)
            row = c.execute("SELECT status FROM _migration_status").fetchone()
            c.close()
            if row and row[0] == "ready":
                return cand
        except sqlite3.Error:
            continue
    return old


def main():
    log_path, stop, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files = sorted(f for d in sys.argv[4:] for f in glob.glob(f"{d}/*.db"))
    rng = random.Random(os.getpid())
    tenants = rng.sample(files, min(n, len(files)))
    where = {t: t for t in tenants}
    engines = {}
    refused_since = {}
    log = open(log_path, "a", buffering=1)
    seq = 0
    while not os.path.exists(stop):
        t = rng.choice(tenants)
        path = where[t]
        eng = engines.get(path) or engines.setdefault(path, engine_for(path, timeout=2.0))
        seq += 1
        tag = f"nu18-{os.getpid()}-{seq}"
        try:
            with Session(eng) as s, s.begin():
                inv = Invoice(account_id=1, number=tag, total_cents=seq % 1000)
                inv.lines = [InvoiceLine(description=tag, quantity=1, unit_cents=5),
                             InvoiceLine(description=tag, quantity=2, unit_cents=7)]
                s.add(inv)
                s.add(AuditLog(actor="writer", action="invoice", detail=tag))
            now = time.time()
            if t in refused_since:
                start, msg = refused_since.pop(t)
                log.write(f"R\t{os.path.basename(t)}\t{start:.6f}\t{now:.6f}\t{msg}\n")
            log.write(f"W\t{os.path.basename(t)}\t{tag}\t{path}\t{now:.6f}\n")
        except DBAPIError as e:
            msg = str(e.orig).replace("\t", " ").replace("\n", " ")[:160]
            refused_since.setdefault(t, (time.time(), msg))
            where[t] = current_file(t)
            time.sleep(0.005)
    for start, msg in refused_since.values():
        log.write(f"R\t?\t{start:.6f}\tend\t{msg}\n")


if __name__ == "__main__":
    main()
