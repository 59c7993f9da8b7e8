#!/usr/bin/env python3
"""Synapse (the Matrix homeserver) on SQLite, written by its own process: this
script drives the homeserver over its client-server HTTP API (stdlib only).

  writer.py fill BASE SECRET USERS ROOMS MESSAGES
      # registers USERS users with the shared secret, USERS/ROOMS-ish rooms, joins,
      # profiles, then MESSAGES messages with read receipts spread over them
  writer.py write BASE SECRET LOG STOP
      # until the file STOP exists: per try one message (body = its tag) in a room,
      # every 5th try a display-name change, every 7th a read receipt; LOG gets
      # "ok <time> <tag> <event_id>" or "err <time> <status> <msg>"
BASE is e.g. http://127.0.0.1:18616 ; tokens are kept in tokens.json beside LOG.
"""
import hashlib, hmac, json, os, random, sys, time, urllib.error, urllib.request

TIMEOUT = 10


def call(base, method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
        return json.loads(r.read() or b"{}")


def register(base, secret, user):
    nonce = call(base, "GET", "/_synapse/admin/v1/register")["nonce"]
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    for part in (nonce, user, "pw-" + user, "notadmin"):
        mac.update(part.encode() + (b"\x00" if part != "notadmin" else b""))
    body = {"nonce": nonce, "username": user, "password": "pw-" + user,
            "admin": False, "mac": mac.hexdigest()}
    return call(base, "POST", "/_synapse/admin/v1/register", body)["access_token"]


def send(base, tok, room, tag):
    path = f"/_matrix/client/v3/rooms/{room}/send/m.room.message/{tag}"
    return call(base, "PUT", path, {"msgtype": "m.text", "body": f"message {tag}"}, tok)["event_id"]


def fill(base, secret, users, rooms, messages, state):
    toks = {f"u{i}": register(base, secret, f"u{i}") for i in range(users)}
    room_ids = []
    for r in range(rooms):
        owner = f"u{r % users}"
        rid = call(base, "POST", "/_matrix/client/v3/createRoom",
                   {"name": f"room {r}", "preset": "public_chat"}, toks[owner])["room_id"]
        room_ids.append(rid)
        for u in random.sample(sorted(toks), min(8, users)):
            if u != owner:
                call(base, "POST", f"/_matrix/client/v3/join/{rid}", {}, toks[u])
    members = {rid: [u for u in toks if joined(base, toks[u], rid)] for rid in room_ids}
    json.dump({"tokens": toks, "rooms": members}, open(state, "w"))
    for n in range(messages):
        rid = room_ids[n % rooms]
        u = members[rid][n % len(members[rid])]
        ev = send(base, toks[u], rid, f"fill{n}")
        if n % 10 == 0:
            call(base, "POST", f"/_matrix/client/v3/rooms/{rid}/receipt/m.read/{ev}", {}, toks[u])
        if n % 50 == 0:
            call(base, "PUT", f"/_matrix/client/v3/profile/@{u}:localhost/displayname",
                 {"displayname": f"{u} at fill{n}"}, toks[u])


def joined(base, tok, rid):
    rooms = call(base, "GET", "/_matrix/client/v3/joined_rooms", None, tok)["joined_rooms"]
    return rid in rooms


def write(base, log, stop, state):
    st = json.load(open(state))
    toks, rooms = st["tokens"], st["rooms"]
    out = open(log, "a", buffering=1)
    n = random.randrange(10**6) * 1000
    while not os.path.exists(stop):
        rid = sorted(rooms)[n % len(rooms)]
        u = rooms[rid][n % len(rooms[rid])]
        tag = f"w{n}"
        try:
            ev = send(base, toks[u], rid, tag)
            if n % 5 == 0:
                call(base, "PUT", f"/_matrix/client/v3/profile/@{u}:localhost/displayname",
                     {"displayname": f"{u} {tag}"}, toks[u])
            if n % 7 == 0:
                call(base, "POST", f"/_matrix/client/v3/rooms/{rid}/receipt/m.read/{ev}", {}, toks[u])
            out.write(f"ok {time.time():.6f} {tag} {ev}\n")
            n += 1
        except urllib.error.HTTPError as e:
            out.write(f"err {time.time():.6f} {e.code} {e.read()[:160]!r}\n")
            time.sleep(0.005)
        except OSError as e:  # the homeserver restarting: connection refused
            out.write(f"err {time.time():.6f} conn {str(e)[:160]}\n")
            time.sleep(0.05)
        time.sleep(0.01)


if __name__ == "__main__":
    cmd, base, secret = sys.argv[1], sys.argv[2], sys.argv[3]
    if cmd == "fill":
        fill(base, secret, int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]),
             os.path.join(os.getcwd(), "writer-state.json"))
    else:
        write(base, sys.argv[4], sys.argv[5], os.path.join(os.getcwd(), "writer-state.json"))
