#!/usr/bin/env python3
"""Apache Airflow 2.10's metadata database, written through Airflow's own
models in this process (the scheduler's and the CLI's code paths).

  writer.py fill N          # N manual runs spread over the DAGs in dags/ (each
                            # creates its task instances), xcom, log, variables, connections
  writer.py write CURRENT LOG STOP
      # until the file STOP exists: per transaction one audit log row, one
      # variable set, and every 3rd try a DAG run with its task instances and an xcom,
      # on the database named in CURRENT (re-read after every refused write, as a
      # redeployed scheduler would); LOG gets "ok <time> <tag> <db>" or "err <time> <msg>"
"""
import os, sys, time, random, datetime as dt
from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session
from airflow.models import DagBag, Variable, Connection, Log, XCom
from airflow.utils.types import DagRunType
from airflow.utils.state import DagRunState, TaskInstanceState

BAG = DagBag(os.path.join(os.environ["AIRFLOW_HOME"], "dags"), include_examples=False)
DAGS = [BAG.dags[k] for k in sorted(BAG.dags)]


def engine_for(path):
    eng = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.2})

    @event.listens_for(eng, "connect")
    def _fk(conn, _):
        conn.execute("PRAGMA foreign_keys=ON")

    return eng


def one_run(session, tag, n, when):
    dag = DAGS[n % len(DAGS)]
    run = dag.create_dagrun(run_id=f"manual__{tag}", run_type=DagRunType.MANUAL,
                            execution_date=when, data_interval=(when, when),
                            state=DagRunState.SUCCESS, external_trigger=True, session=session)
    for ti in run.get_task_instances(session=session):
        ti.state = TaskInstanceState.SUCCESS
        ti.start_date, ti.end_date, ti.duration = when, when, 0.5
    session.flush()
    XCom.set(key="return_value", value={"rows": n, "tag": tag}, dag_id=dag.dag_id,
             task_id="extract", run_id=run.run_id, session=session)


def fill(count):
    from airflow.settings import Session as S
    session = S()
    for d in DAGS:
        d.sync_to_db(session=session)
    base = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    for n in range(count):
        one_run(session, f"fill{n}", n, base + dt.timedelta(hours=n))
        session.add(Log(event="cli_trigger", dag_id=DAGS[n % len(DAGS)].dag_id, extra=f"fill{n}"))
        if n % 10 == 0:
            Variable.set(f"var_{n}", {"n": n}, serialize_json=True, session=session)
            session.add(Connection(conn_id=f"conn_{n}", conn_type="http", host=f"h{n}.example",
                                   port=8000 + n % 100, login="svc"))
        if n % 100 == 99:
            session.commit()
    session.commit()


def write(current, log, stop):
    out = open(log, "a", buffering=1)
    n, path, eng, session = random.randrange(10**6) * 1000, None, None, None
    while not os.path.exists(stop):
        want = open(current).read().strip()
        if want != path:
            if eng is not None:
                session.close()
                eng.dispose()
            path, eng = want, engine_for(want)
            session = Session(eng)
        tag = f"w{n}"
        try:
            session.add(Log(event="writer", extra=tag))
            Variable.set(f"writer_{n % 50}", tag, session=session)
            if n % 3 == 0:
                one_run(session, tag, n, dt.datetime.now(dt.timezone.utc))
            session.commit()
            out.write(f"ok {time.time():.6f} {tag} {path}\n")
            n += 1
        except Exception as e:  # a refused or locked write: roll back, try again
            session.rollback()
            msg = str(getattr(e, "orig", None) or e).splitlines()[0][:160]
            out.write(f"err {time.time():.6f} {msg}\n")
            time.sleep(0.002)
        time.sleep(0.01)


if __name__ == "__main__":
    if sys.argv[1] == "fill":
        fill(int(sys.argv[2]))
    else:
        write(sys.argv[2], sys.argv[3], sys.argv[4])
