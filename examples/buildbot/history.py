"""A Buildbot master's own database writes, for mig's new-user runs.

  python history.py MASTER_DIR DB populate BUILDS
      BUILDS finished builds through Buildbot's own database API (the
      master's `BuildMaster.db`, as `buildbot copy-db` uses it): a buildset
      with properties, its build request claimed and completed, the build
      with properties, five steps each with a log of 64 KiB chunks
  python history.py MASTER_DIR DB write SECONDS LOG
      write as a running master does for SECONDS (or until LOG.stop
      exists): a build as above, every fifth one's log compressed
      (`compressLog`: its chunks deleted and rewritten), every 25th
      build's chunks older than an hour deleted (`deleteOldLogChunks`,
      the janitor's horizon); each committed build is one line of LOG
      (`<t> build <id> <steps> <lines>`), each refused write a
      `<t> refused <why>` line (the next build is new).

DB is the SQLite file (the master's `state.sqlite`, or the new database
after cutover); LOG.dir, when it exists, names the file to switch to (the
service moved). MASTER_DIR is a master made by `buildbot create-master`
(Buildbot 4.3) whose master.cfg reads its `db_url` from $BB_DB.
"""
import os
import sys
import time

from twisted.internet import defer, reactor, task

from buildbot.master import BuildMaster
from buildbot.scripts import base


async def open_master(basedir, db):
    os.environ.setdefault("BB_LOGCOMP", "gz")
    os.environ["BB_DB"] = "sqlite:///" + os.path.abspath(db)
    master = BuildMaster(basedir)
    master.config = base.loadConfig({"quiet": True, "basedir": basedir})
    await master.db.setup(check_version=True, verbose=False)
    await master.db.logs.startService()
    return master


async def close_master(master):
    await master.db.logs.stopService()
    await master.db.pool.stop()


async def one_build(db, n, ids):
    ssid = await db.sourcestamps.findSourceStampId(
        branch="main", revision="%040x" % (n * 7919), repository="https://example.org/app.git",
        codebase="", project="app")
    bsid, brids = await db.buildsets.addBuildset(
        sourcestamps=[ssid], reason="history %d" % n, properties={"team": ("t%d" % (n % 3), "history")},
        builderids=[ids["builder"]], waited_for=False)
    brid = brids[ids["builder"]]
    db.master.masterid = ids["master"]  # the claim is this master's
    await db.buildrequests.claimBuildRequests([brid])
    bid, _number = await db.builds.addBuild(ids["builder"], brid, ids["worker"], ids["master"], "building")
    await db.builds.setBuildProperty(bid, "got_revision", "%040x" % (n * 7919), "Git")
    await db.builds.setBuildProperty(bid, "buildnumber", _number, "Build")
    lines = 0
    for k, name in enumerate(["checkout", "compile", "test", "lint", "package"]):
        stepid, _, _ = await db.steps.addStep(bid, name, "pending")
        await db.steps.startStep(stepid, int(time.time()), True)
        logid = await db.logs.addLog(stepid, "stdio", "stdio", "s")
        count = 200 + (n * 37 + k * 101) % 1800
        text = "".join("%s %d line %d: %s\n" % (name, n, i, "x" * (i % 60)) for i in range(count))
        await db.logs.appendLog(logid, text)
        await db.logs.finishLog(logid)
        if k == 4 and n % 5 == 0:
            await db.logs.compressLog(logid, force=True)
        lines += count
        await db.steps.finishStep(stepid, (n + k) % 7 == 0 and 2 or 0, False)
    await db.builds.finishBuild(bid, 0)
    await db.buildrequests.completeBuildRequests([brid], 0)
    await db.buildsets.completeBuildset(bsid, 0)
    return bid, lines


async def find_ids(db, n):
    return {"master": await db.masters.findMasterId("history-writer"),
            "builder": await db.builders.findBuilderId("history%d" % (n % 4)),
            "worker": await db.workers.findWorkerId("history-worker")}


async def populate(basedir, path, builds):
    master = await open_master(basedir, path)

    async def lane(first):
        for n in range(first, builds, 8):
            await one_build(master.db, n, await find_ids(master.db, n))

    await defer.gatherResults([defer.ensureDeferred(lane(k)) for k in range(8)], consumeErrors=True)
    await close_master(master)


def target(path, log):
    moved = log + ".dir"
    return open(moved).read().strip() if os.path.exists(moved) else path


async def write(basedir, path, seconds, log):
    out = open(log, "a", buffering=1)
    current = target(path, log)
    master = await open_master(basedir, current)
    end, n = time.time() + seconds, 100000 + int(time.time()) % 100000 * 10
    while time.time() < end and not os.path.exists(log + ".stop"):
        n += 1
        if target(path, log) != current:
            await close_master(master)
            current = target(path, log)
            master = await open_master(basedir, current)
        try:
            bid, lines = await one_build(master.db, n, await find_ids(master.db, n))
            out.write("%.3f build %d 5 %d\n" % (time.time(), bid, lines))
            if n % 25 == 0:
                await master.db.logs.deleteOldLogChunks(int(time.time()) - 3600)
        except Exception as e:  # a refused write: logged, the next build is new
            out.write("%.3f refused %s\n" % (time.time(), str(e).splitlines()[0][:200]))
            await task.deferLater(reactor, 0.05, lambda: None)
    await close_master(master)


def main(reactor, basedir, path, cmd, *args):
    if cmd == "populate":
        return defer.ensureDeferred(populate(basedir, path, int(args[0])))
    return defer.ensureDeferred(write(basedir, path, float(args[0]), args[1]))


if __name__ == "__main__":
    task.react(main, sys.argv[1:])
