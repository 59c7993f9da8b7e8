#!/usr/bin/env python3
"""Datasette's reader, from outside: GET a view, a table page and an FTS search
in a loop until STOP exists; LOG gets "<status> <time> <ms> <path>" per request.

  reader.py http://127.0.0.1:8001/events LOG STOP
"""
import os, sys, time, urllib.error, urllib.request

PATHS = ["/recent_events.json?_size=20", "/events.json?_size=20&_sort_desc=id",
         "/events.json?_search=written&_size=5", "/daily_counts.json?_size=10"]


def main(base, log, stop):
    out, i = open(log, "a", buffering=1), 0
    while not os.path.exists(stop):
        path, t = PATHS[i % len(PATHS)], time.time()
        try:
            with urllib.request.urlopen(base + path, timeout=10) as r:
                r.read()
                code = r.status
        except urllib.error.HTTPError as e:
            code = f"{e.code}:{e.read()[:120]!r}"
        except OSError as e:
            code = f"conn:{str(e)[:80]}"
        out.write(f"{code} {t:.6f} {(time.time() - t) * 1000:.1f} {path}\n")
        i += 1
        time.sleep(0.01)


if __name__ == "__main__":
    main(*sys.argv[1:4])
