"""Calibre's own API writing a library: `create` fills one, `write` is the service.

Run with calibre-debug (it puts calibre on the path):
  calibre-debug -e library.py create LIB/metadata.db N
  calibre-debug -e library.py write CURRENT LOG STOP
CURRENT is a file naming the database file to use (its folder holds the books); `write` re-reads
it after every refused write, as a redeployed service would, and logs each try.
"""
import os, random, sys, time, shutil

from calibre.db.cache import Cache
from calibre.db.backend import DB
from calibre.ebooks.metadata.book.base import Metadata

WORDS = ("river stone night garden winter empire silver glass harbor forest "
         "shadow lantern crown ember tide orchard falcon meadow compass ledger").split()
AUTHORS = [f"{f} {l}" for f in ("Ada", "Boris", "Chen", "Dana", "Emil", "Farah", "Goran", "Hana")
           for l in ("Ilves", "Jansen", "Kowal", "Lindqvist", "Moreau", "Nakamura")]
TAGS = ["fiction", "history", "science", "poetry", "travel", "mystery", "essays", "children"]
SERIES = [f"The {w.title()} Cycle" for w in WORDS[:12]]


def book(rng, i):
    mi = Metadata(f"{rng.choice(WORDS).title()} of the {rng.choice(WORDS).title()} {i}",
                  rng.sample(AUTHORS, rng.choice((1, 1, 2))))
    mi.tags = rng.sample(TAGS, rng.randint(0, 3))
    if rng.random() < 0.4:
        mi.series, mi.series_index = rng.choice(SERIES), float(rng.randint(1, 20))
    mi.identifiers = {"isbn": f"978{i:010d}"}
    if rng.random() < 0.3:
        mi.publisher = rng.choice(("Penguin", "Tor", "Faber", "Gollancz"))
    mi.rating = rng.choice((0, 2, 4, 6, 8, 10))
    mi.comments = f"<p>Book {i}: {' '.join(rng.sample(WORDS, 6))}</p>"
    mi.languages = [rng.choice(("eng", "fra", "deu"))]
    return mi


def open_cache(dbfile):
    """Calibre's own DB on DBFILE, its books in DBFILE's folder (calibre's override variable)."""
    os.environ["CALIBRE_OVERRIDE_DATABASE_PATH"] = os.path.abspath(dbfile)
    c = Cache(DB(os.path.dirname(os.path.abspath(dbfile))))
    c.init()
    return c


def create(dbfile, n):
    rng = random.Random(14)
    os.makedirs(os.path.dirname(os.path.abspath(dbfile)), exist_ok=True)
    c = open_cache(dbfile)
    batch = []
    for i in range(1, n + 1):
        batch.append((book(rng, i), {}))
        if len(batch) == 500:
            c.add_books(batch, add_duplicates=True)
            batch = []
    if batch:
        c.add_books(batch, add_duplicates=True)
    c.close()
    print("created", n, "books in", dbfile)


def write(current, log, stop):
    rng = random.Random(os.getpid())
    libdir, c, i = None, None, 0
    with open(log, "a", buffering=1) as out:
        while not os.path.exists(stop):
            want = open(current).read().strip()
            if want != libdir:
                if c is not None:
                    try:
                        c.close()
                    except Exception:
                        pass
                libdir, c = want, None
            try:
                if c is None:
                    c = open_cache(libdir)
                i += 1
                op = rng.random()
                t = time.time()
                if op < 0.6:
                    mi = book(rng, 900000 + i)
                    mi.title = f"W{os.getpid()}-{i} {mi.title}"
                    bid = c.add_books([(mi, {})], add_duplicates=True)[0][0]
                    out.write(f"{t:.6f} ok add {bid} {mi.title!r} {libdir}\n")
                elif op < 0.9:
                    ids = list(c.all_book_ids())
                    bid = rng.choice(ids)
                    tags = rng.sample(TAGS, 2)
                    c.set_field("tags", {bid: tags})
                    c.set_field("title", {bid: f"W{os.getpid()}-{i} retitled"})
                    out.write(f"{t:.6f} ok set {bid} {','.join(tags)} {libdir}\n")
                else:
                    ids = sorted(c.all_book_ids())
                    bid = rng.choice(ids[: max(1, len(ids) // 2)])
                    c.remove_books((bid,), permanent=True)
                    out.write(f"{t:.6f} ok remove {bid} {libdir}\n")
            except Exception as e:
                msg = str(e).splitlines()[0] if str(e) else type(e).__name__
                out.write(f"{time.time():.6f} refused {i} {msg!r} {libdir}\n")
                try:
                    c.close()
                except Exception:
                    pass
                c = None
                time.sleep(0.01)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "create":
        create(sys.argv[2], int(sys.argv[3]))
    elif cmd == "write":
        write(sys.argv[2], sys.argv[3], sys.argv[4])
