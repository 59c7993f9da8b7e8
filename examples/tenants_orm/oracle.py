"""The outside check: oracle.py LOG DIR... — plain SQL over every tenant. For each old file
`<dir>/<name>` and its new file `<dir>-<hash>/<name>` (if any): every old row is in the new file
unchanged (invoices with status 'open'), every row in one file only is a writer's (tagged
nu18-...), webhooks is empty; and every write the log records is in the tenant's serving file
(the new one if it says ready, else the old one). Prints one line per problem and the totals."""
import glob
import os
import sqlite3
import sys

TAGGED = {"invoices": "number", "invoice_lines": "description", "audit_log": "detail"}


def cols(c, schema, table):
    return [r[1] for r in c.execute(f'PRAGMA {schema}.table_info("{table}")')]


def compare(c, name):
    problems, rows = [], 0
    tables = [r[0] for r in c.execute(
        "SELECT name FROM o.sqlite_master WHERE type='table' AND name NOT LIKE '\\_%' ESCAPE '\\' "
        "AND name NOT LIKE 'sqlite_%'")]
    for t in tables:
        cs = ",".join(f'"{x}"' for x in cols(c, "o", t))
        rows += c.execute(f'SELECT count(*) FROM o."{t}"').fetchone()[0]
        for a, b in (("o", "n"), ("n", "o")):
            q = f'SELECT {cs} FROM {a}."{t}" EXCEPT SELECT {cs} FROM {b}."{t}"'
            tagcol = TAGGED.get(t)
            extra = f'SELECT count(*) FROM ({q})'
            if tagcol:
                extra = f'SELECT count(*) FROM ({q}) WHERE "{tagcol}" NOT LIKE \'nu18-%\''
            n = c.execute(extra).fetchone()[0]
            if n:
                problems.append(f"{name}: {t}: {n} row(s) in {a} only, not a writer's")
    bad = c.execute("SELECT count(*) FROM n.invoices WHERE status IS NOT 'open'").fetchone()[0]
    if bad:
        problems.append(f"{name}: {bad} invoice(s) not 'open' in the new file")
    if c.execute("SELECT count(*) FROM n.webhooks").fetchone()[0]:
        problems.append(f"{name}: webhooks not empty")
    return problems, rows


def serving(old):
    d, name = os.path.split(old)
    for cand in sorted(glob.glob(f"{d}-*/{name}")):
        try:
            c = sqlite3.connect(f"file:{cand}?mode=ro", uri=True)
            if c.execute("SELECT status FROM _migration_status").fetchone()[0] == "ready":
                return cand
        except (sqlite3.Error, TypeError):
            pass
    return old


def main():
    log, dirs = sys.argv[1], sys.argv[2:]
    writes = {}
    for line in open(log):
        f = line.rstrip("\n").split("\t")
        if f[0] == "W":
            writes.setdefault(f[1], []).append(f[2])
    problems, tenants, rows, checked, found = [], 0, 0, 0, 0
    for d in dirs:
        for old in sorted(glob.glob(f"{d}/*.db")):
            name = os.path.basename(old)
            tenants += 1
            news = [p for p in glob.glob(f"{d}-*/{name}")]
            c = sqlite3.connect(f"file:{old}?mode=ro", uri=True)
            c.execute("ATTACH ? AS o", (f"file:{old}?mode=ro",))
            for new in news:
                c.execute("ATTACH ? AS n", (f"file:{new}?mode=ro",))
                p, r = compare(c, name)
                problems += p
                rows += r
                checked += 1
                c.execute("DETACH n")
            srv = sqlite3.connect(f"file:{serving(old)}?mode=ro", uri=True)
            have = {r[0] for r in srv.execute("SELECT detail FROM audit_log WHERE detail LIKE 'nu18-%'")}
            for tag in writes.get(name, []):
                if tag in have:
                    found += 1
                else:
                    problems.append(f"{name}: write {tag} missing from {serving(old)}")
    for p in problems:
        print(p)
    total = sum(len(v) for v in writes.values())
    print(f"{tenants} tenants, {checked} old/new pairs, {rows} old rows compared, "
          f"{len(problems)} problem(s); writes: {found} of {total} found")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
