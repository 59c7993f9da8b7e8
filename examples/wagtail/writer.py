"""Wagtail's own writer for the mig run: pages created, edited and published
through Wagtail's API (Page.add_child, save_revision().publish()), which also
writes revisions, references and the search index. Run inside the site:

    WRITER_MODE="fill 300 5" python manage.py shell -c "exec(open('writer.py').read())"
    WRITER_LOG=w.log WRITER_STOP=stop WRITER_SERVING=serving python manage.py shell -c "exec(open('writer.py').read())"

In write mode it follows the file named in WRITER_SERVING (the database the
site serves from; switched by the operator at cutover/revert) and logs one
line per committed page: `ok SEQ PAGE_ID REVISION_ID t`; each failure:
`err t CLASS message`.
"""
import os
import time

from django.db import connections, transaction
from home.models import HomePage
from wagtail.models import Page


def home():
    return HomePage.objects.filter(depth=2).first()


@transaction.atomic
def publish_new(parent, title, edits):
    page = parent.add_child(instance=HomePage(title=title, slug=title.lower()))
    rev = page.save_revision()
    rev.publish()
    for i in range(edits):
        page.title = f"{title} edit {i}"
        rev = page.save_revision()
        rev.publish()
    return page, rev


def fill(n, edits):
    parent = home()
    for i in range(n):
        publish_new(parent, f"Fill-{os.getpid()}-{i:05d}", edits)


def follow(serving, current):
    name = open(serving).read().strip()
    if name != current:
        connections["default"].close()
        connections["default"].settings_dict["NAME"] = name
    return name


def write(log, stop, serving):
    out = open(log, "a", buffering=1)
    seq, current = 0, None
    while not os.path.exists(stop):
        try:
            current = follow(serving, current)
            parent = home()
            page, rev = publish_new(parent, f"W-{os.getpid()}-{seq:06d}", 1)
            out.write(f"ok {seq} {page.id} {rev.id} {time.time():.3f} {current}\n")
            seq += 1
        except Exception as e:  # the site's view of an outage
            connections["default"].close()
            seq += 1  # a fresh slug: the failed page was rolled back as a whole
            msg = str(e).replace("\n", " ")[:120]
            out.write(f"err {time.time():.3f} {type(e).__name__} {msg}\n")
            time.sleep(0.02)


args = os.environ.get("WRITER_MODE", "").split()
if args and args[0] == "fill":
    fill(int(args[1]), int(args[2]))
else:
    write(os.environ["WRITER_LOG"], os.environ["WRITER_STOP"], os.environ["WRITER_SERVING"])
