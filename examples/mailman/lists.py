"""Mailman 3 core's own writes, for mig's new-user run (docs/reliability.md).

  python lists.py MAILMAN_CFG populate USERS
      through Mailman's own API: 12 mailing lists on two domains, USERS
      users with their addresses and preferences, memberships (members,
      some moderators and owners), bans and bounce events, as a site's
      lists accumulate them
  python lists.py MAILMAN_CFG write SECONDS LOG
      write as a list site does for SECONDS (or until LOG.stop exists):
      subscriptions of new users, delivery-mode changes, unsubscriptions,
      bounce events; each committed write is one line of LOG
      (`<t> sub <member_id> <email> <list_id>`, `<t> mode <member_id> <n>`,
      `<t> unsub <member_id>`, `<t> bounce <email> <message_id>`), each
      refused write a `<t> refused <why>` line (rolled back; the next write
      is a new one).

LOG.db, when it exists, names the SQLite file to write to from then on
(the service moved to the new database, or back after a revert): the
database url is pushed onto Mailman's config and its engine re-made.

Set up (pip install mailman==3.3.10): a mailman.cfg with `layout: here`,
`[paths.here] var_dir`, `[database] class:
mailman.database.sqlite.SQLiteDatabase` and its `url`; `mailman -C
mailman.cfg --run-as-root info` creates the database (alembic at head).
"""
import os
import random
import sys
import time
from email.message import Message


def start(cfg):
    from mailman.core.initialize import initialize
    initialize(cfg)


def use_db(path):
    from mailman.config import config
    config.push("db-%f" % time.time(), "[database]\nurl: sqlite:///%s\n" % path)
    config.db.initialize()


def populate(users):
    from mailman.app.lifecycle import create_list
    from mailman.config import config
    from mailman.interfaces.bans import IBanManager
    from mailman.interfaces.bounce import IBounceProcessor
    from mailman.interfaces.domain import IDomainManager
    from mailman.interfaces.member import DeliveryMode, MemberRole
    from mailman.interfaces.usermanager import IUserManager
    from mailman.utilities.datetime import now
    from zope.component import getUtility
    rnd = random.Random(7)
    for host in ("example.org", "lists.example.net"):
        getUtility(IDomainManager).add(host)
    lists = [create_list("%s@%s" % (name, host)) for host in ("example.org", "lists.example.net")
             for name in ("announce", "devel", "users", "security", "jobs", "social")]
    for mlist in lists:
        mlist.send_welcome_message = False  # no mail is sent in this run
        mlist.admin_notify_mchanges = False
    manager, bounces = getUtility(IUserManager), getUtility(IBounceProcessor)
    for n in range(users):
        user = manager.create_user("user%d@mail%d.example.com" % (n, n % 50), "User %d é" % n)
        address = list(user.addresses)[0]
        if rnd.random() < 0.8:
            address.verified_on = now()
        for mlist in rnd.sample(lists, rnd.randint(1, 4)):
            member = mlist.subscribe(address, MemberRole.member)
            if rnd.random() < 0.2:
                member.preferences.delivery_mode = rnd.choice(list(DeliveryMode))
        if n % 97 == 0:
            lists[n % len(lists)].subscribe(address, MemberRole.moderator)
        if n % 31 == 0:
            bounces.register(rnd.choice(lists), address.email, bounce_message(n))
        if n % 211 == 0:
            IBanManager(rnd.choice(lists)).ban("spam%d@bad.example" % n)
        if n % 200 == 199:
            config.db.commit()
    config.db.commit()


def bounce_message(n):
    msg = Message()
    msg["Message-ID"] = "<bounce-%s@mail.example.com>" % n
    msg["Subject"] = "Undelivered Mail Returned to Sender"
    return msg


def write(cfg, seconds, log_path):
    from mailman.config import config
    rnd = random.Random(os.getpid())
    end, db = time.time() + seconds, None
    with open(log_path, "a") as log:
        while time.time() < end and not os.path.exists(log_path + ".stop"):
            if os.path.exists(log_path + ".db"):
                with open(log_path + ".db") as f:
                    target = f.read().strip()
                if target and target != db:
                    config.db.abort()
                    use_db(target)
                    db = target
            try:
                line = one_write(rnd)
                config.db.commit()
                log.write("%.6f %s\n" % (time.time(), line))
            except Exception as e:  # refused at the statement or the commit
                config.db.abort()
                log.write("%.6f refused %s\n" % (time.time(), str(e).replace("\n", " ")[:200]))
                time.sleep(0.005)
            log.flush()


def one_write(rnd):
    from mailman.interfaces.bounce import IBounceProcessor
    from mailman.interfaces.listmanager import IListManager
    from mailman.interfaces.member import DeliveryMode, MemberRole
    from mailman.interfaces.usermanager import IUserManager
    from zope.component import getUtility
    lists = list(getUtility(IListManager).mailing_lists)
    mlist, kind = rnd.choice(lists), rnd.random()
    if kind < 0.4:
        email = "live%d.%d@mail.example.com" % (os.getpid(), rnd.getrandbits(40))
        user = getUtility(IUserManager).create_user(email, "Live é %d" % rnd.getrandbits(16))
        member = mlist.subscribe(list(user.addresses)[0], MemberRole.member)
        return "sub %s %s %s" % (member.member_id.hex, email, mlist.list_id)
    member = rnd.choice(list(mlist.members.members))
    if kind < 0.75:
        mode = rnd.choice(list(DeliveryMode))
        member.preferences.delivery_mode = mode
        return "mode %s %d" % (member.member_id.hex, mode.value)
    if kind < 0.85:
        member.unsubscribe()
        return "unsub %s" % member.member_id.hex
    n = "%d.%d" % (os.getpid(), rnd.getrandbits(40))
    getUtility(IBounceProcessor).register(mlist, member.address.email, bounce_message(n))
    return "bounce %s <bounce-%s@mail.example.com>" % (member.address.email, n)


if __name__ == "__main__":
    cfg, cmd = sys.argv[1:3]
    start(cfg)
    if cmd == "populate":
        populate(int(sys.argv[3]))
    elif cmd == "write":
        write(cfg, float(sys.argv[3]), sys.argv[4])
    else:
        sys.exit("unknown command %r" % cmd)
