#!/usr/bin/env python3
"""Home Assistant's recorder schema (homeassistant.components.recorder.db_schema),
written through its own SQLAlchemy models in this process.

  recorder.py create DB N        # the schema (create_all) and N state changes with their events
  recorder.py write CURRENT LOG STOP
      # writes until the file STOP exists: one state change (event + state + attributes
      # + a short-term statistic) per transaction, on the database named in the file
      # CURRENT (re-read after every refused write, as a redeployed service would);
      # LOG gets "ok <time> <context_id hex> <db>" or "err <time> <message>" per try
"""
import os, sys, time, uuid, random
from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session
from homeassistant.components.recorder import db_schema as s

ENTITIES = [f"sensor.room_{i}_temperature" for i in range(40)] + [
    f"light.lamp_{i}" for i in range(20)]


def engine_for(path):
    eng = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.2})

    @event.listens_for(eng, "connect")
    def _wal(conn, _):
        conn.execute("PRAGMA journal_mode=WAL")

    return eng


def ids(session):
    etype = session.scalar(select(s.EventTypes).where(s.EventTypes.event_type == "state_changed"))
    if etype is None:
        etype = s.EventTypes(event_type="state_changed")
        session.add(etype)
    metas = {m.entity_id: m for m in session.scalars(select(s.StatesMeta))}
    smeta = session.scalar(select(s.StatisticsMeta).where(s.StatisticsMeta.statistic_id == "sensor.room_0_temperature"))
    if smeta is None:
        smeta = s.StatisticsMeta(statistic_id="sensor.room_0_temperature", source="recorder",
                                 unit_of_measurement="°C", has_mean=True, has_sum=False, name=None)
        session.add(smeta)
    for e in ENTITIES:
        if e not in metas:
            metas[e] = s.StatesMeta(entity_id=e)
            session.add(metas[e])
    session.flush()
    return etype, metas, smeta


def one_change(session, etype, metas, smeta, n, now):
    ent = ENTITIES[n % len(ENTITIES)]
    ctx = uuid.uuid4().bytes
    value = f"{random.uniform(15, 25):.1f}" if ent.startswith("sensor") else random.choice(["on", "off"])
    data = s.EventData(hash=n, shared_data=f'{{"entity_id":"{ent}"}}')
    attrs = s.StateAttributes(hash=n, shared_attrs=f'{{"friendly_name":"{ent}","unit":"C"}}')
    ev = s.Events(event_type_rel=etype, event_data_rel=data, origin_idx=0, time_fired_ts=now,
                  context_id_bin=ctx, context_user_id_bin=None, context_parent_id_bin=None)
    st = s.States(states_meta_rel=metas[ent], state=value, attributes=None,
                  last_changed_ts=now, last_updated_ts=now, old_state_id=None,
                  state_attributes=attrs, origin_idx=0, context_id_bin=ctx)
    session.add_all([data, attrs, ev, st])
    if n % 10 == 0:
        session.add(s.StatisticsShortTerm(metadata_id=smeta.id, created_ts=now, start_ts=now,
                                          mean=float(n % 30), min=0.0, max=30.0))
    return ctx


def create(path, count):
    eng = engine_for(path)
    s.Base.metadata.create_all(eng)
    with Session(eng) as session:
        session.add(s.RecorderRuns(start=s.dt_util.utcnow(), created=s.dt_util.utcnow()))
        session.add(s.SchemaChanges(schema_version=s.SCHEMA_VERSION, changed=s.dt_util.utcnow()))
        etype, metas, smeta = ids(session)
        t = time.time() - count
        for n in range(count):
            one_change(session, etype, metas, smeta, n, t + n)
            if n % 2000 == 1999:
                session.commit()
        session.commit()


def write(current, log, stop):
    n = 10_000_000 + random.randrange(1_000_000) * 100
    out = open(log, "a", buffering=1)
    path, eng = None, None
    while not os.path.exists(stop):
        want = open(current).read().strip()
        if want != path:
            if eng is not None:
                eng.dispose()
            path, eng = want, engine_for(want)
            session = Session(eng)
            etype = metas = None
        try:
            if etype is None:
                etype, metas, smeta = ids(session)
                session.commit()
            ctx = one_change(session, etype, metas, smeta, n, time.time())
            session.commit()
            out.write(f"ok {time.time():.6f} {ctx.hex()} {path}\n")
            n += 1
        except Exception as e:  # a refused or locked write: roll back, try again
            session.rollback()
            etype = None
            msg = str(getattr(e, "orig", None) or e).splitlines()[0][:160]
            out.write(f"err {time.time():.6f} {msg}\n")
            time.sleep(0.002)
        time.sleep(0.005)


if __name__ == "__main__":
    if sys.argv[1] == "create":
        create(sys.argv[2], int(sys.argv[3]))
    else:
        write(sys.argv[2], sys.argv[3], sys.argv[4])
