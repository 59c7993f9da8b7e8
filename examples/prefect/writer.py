#!/usr/bin/env python3
"""Drives a Prefect server on SQLite from another process (the server is the writer).

  writer.py fill N            N flow runs (tasks, logs, artifacts, a concurrency limit)
  writer.py run LOG STOP      flow runs until the file STOP exists; one line per run in LOG:
                              "ok EPOCH FLOW_RUN_ID" or "err EPOCH MESSAGE"
  writer.py probe LOG STOP    one API write (a variable set) every ~20 ms; one line per try:
                              "ok EPOCH TAG" or "err EPOCH MESSAGE"; the longest gap
                              between two ok lines is the outage the service saw
Every flow run tags itself (its name) so the oracle can look it up in both files.
"""
import asyncio, os, sys, time, uuid

from prefect import flow, task, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.concurrency.sync import concurrency


@task(retries=2, retry_delay_seconds=0, tags=["etl"])
def extract(n):
    get_run_logger().info("extract %s", n)
    return list(range(n % 7 + 1))


@task(tags=["etl"])
def load(rows, tag):
    with concurrency("warehouse", occupy=1, strict=False):
        get_run_logger().info("load %s rows for %s", len(rows), tag)
    create_markdown_artifact(f"# {tag}\n{len(rows)} rows", key=f"load-{tag[:20]}")
    return len(rows)


@flow(log_prints=True)
def etl(tag: str, n: int = 3):
    rows = extract(n)
    got = load(rows, tag)
    print(f"{tag} loaded {got}")
    return got


def one(i):
    tag = f"w{uuid.uuid4().hex[:12]}"
    state = etl.with_options(flow_run_name=tag)(tag=tag, n=i, return_state=True)
    return tag, state


def fill(n):
    for i in range(n):
        one(i)


def run(log, stop):
    i = 0
    with open(log, "a", buffering=1) as out:
        while not os.path.exists(stop):
            i += 1
            try:
                tag, state = one(i)
                word = "ok" if state.is_completed() else "bad"
                out.write(f"{word} {time.time():.3f} {tag} {state.type.value}\n")
            except Exception as e:  # the API refused or was down: log it, go on
                out.write(f"err {time.time():.3f} {type(e).__name__}: {str(e)[:200]!r}\n")
                time.sleep(0.2)


async def probe(log, stop):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import VariableCreate
    async with get_client() as c:
        with open(log, "a", buffering=1) as out:
            i = 0
            while not os.path.exists(stop):
                i += 1
                tag = f"p{os.getpid()}x{i}"
                try:
                    await c.create_variable(VariableCreate(name=tag, value=i))
                    out.write(f"ok {time.time():.3f} {tag}\n")
                except Exception as e:
                    out.write(f"err {time.time():.3f} {type(e).__name__}: {str(e)[:160]!r}\n")
                await asyncio.sleep(0.02)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "fill":
        fill(int(sys.argv[2]))
    elif cmd == "run":
        run(sys.argv[2], sys.argv[3])
    elif cmd == "probe":
        asyncio.run(probe(sys.argv[2], sys.argv[3]))
