#!/usr/bin/env python3
"""Waits until mig has cut a database over, as a new service does before it
writes. Two ways; use either:

  wait_ready.py health 127.0.0.1:8081 shop    # the agent's [health] listener
                                              # (reveal = "databases")
  wait_ready.py sql /srv/shop/new.db          # poll the new database itself

Prints `waiting` when it first finds the database not ready, then `ready`
and exits 0 once it is. The health watch needs `pip install grpcio
grpcio-health-checking`; the SQL poll nothing.
"""

import sqlite3
import sys
import time


def wait_health(address, database):
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest(service=f"mig.db.{database}")
        # The agent pushes SERVING the moment the cutover commits.
        for reply in health.Watch(request):
            if reply.status == health_pb2.HealthCheckResponse.SERVING:
                return
            waiting()


def wait_sql(path, every=0.01):
    while True:
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = db.execute("SELECT status FROM _migration_status").fetchone()
            finally:
                db.close()
            if row and row[0] == "ready":
                return
            waiting()
        except sqlite3.Error:
            pass  # not there yet, or busy: ask again
        time.sleep(every)


_said = False


def waiting():
    global _said
    if not _said:
        print("waiting", flush=True)
        _said = True


if __name__ == "__main__":
    if sys.argv[1:2] == ["health"]:
        wait_health(sys.argv[2], sys.argv[3])
    else:
        wait_sql(sys.argv[2])
    print("ready", flush=True)
