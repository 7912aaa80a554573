"""Helpers for bench.py: HMAC signing as the ACS SDKs do, wrk scripts,
bulk seeding of the SQLite store, free ports and process CPU."""

import base64
import hashlib
import hmac
import json
import os
import random
import socket
import subprocess
import tempfile
import sqlite3
import time
import uuid
from email.utils import formatdate

API = "api-version=2023-10-01"


def sign(method, target, host, body, key_b64):
    """The headers of a signed request, Host included (wrk formats requests
    before it knows the host)."""
    date = formatdate(usegmt=True)
    content_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
    sts = f"{method}\n{target}\n{date};{host};{content_hash}"
    sig = base64.b64encode(hmac.new(base64.b64decode(key_b64), sts.encode(), hashlib.sha256).digest()).decode()
    return {
        "Host": host,
        "x-ms-date": date,
        "x-ms-content-sha256": content_hash,
        "Authorization": f"HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={sig}",
        "Content-Type": "application/json",
    }


def request(method, path, host, key, body=None):
    """A signed request: (method, target, headers, body bytes). A `path`
    with a query keeps it, api-version added."""
    target = f"{path}&{API}" if "?" in path else f"{path}?{API}"
    data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    return (method, target, sign(method, target, host, data, key), data)


def lua_quote(text):
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\""


def wrk_script(requests, path, threads=2, once=False):
    """A wrk script: the threads take turns through the pre-signed requests
    (thread t sends t, t+threads, …). With `once`, each request is sent once
    and a thread stops when its share is done."""
    # A Lua function holds at most 65,536 constants: fill the table in chunks.
    lines = ["local reqs = {}"]
    chunk = 2000
    for start in range(0, len(requests), chunk):
        lines.append("do local function fill()")
        for method, target, headers, body in requests[start:start + chunk]:
            hdrs = ", ".join(f"[{lua_quote(k)}] = {lua_quote(v)}" for k, v in headers.items())
            lines.append(f"  reqs[#reqs + 1] = wrk.format({lua_quote(method)}, {lua_quote(target)}, {{{hdrs}}}, "
                         f"{lua_quote(body.decode())})")
        lines.append("end fill() end")
    lines += [
        "local next_id = 0",
        "function setup(thread)",
        "  thread:set('tid', next_id)",
        "  next_id = next_id + 1",
        "end",
        "local i",
        "function request()",
        "  i = (i or tid) + " + str(threads),
        "  local n = i - " + str(threads) + " + 1",
        "  if n > #reqs then",
        "    if " + ("true" if once else "false") + " then wrk.thread:stop() end",
        "    n = (n - 1) % #reqs + 1",
        "  end",
        "  return reqs[n]",
        "end",
    ]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def uuid7():
    """A version 7 GUID, time-ordered like the ids commid makes."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms << 80) | (0x7 << 76) | ((rand >> 68) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def seed(db_path, resource_id, count, batch=50_000, keep=1000):
    """Inserts `count` identities straight into the SQLite store (the server
    must be stopped) and returns up to `keep` of their ids, spread out."""
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    now = int(time.time() * 1_000_000)
    sample, done, every = [], 0, max(1, count // keep)
    while done < count:
        n = min(batch, count - done)
        rows = [(f"8:acs:{resource_id}_{uuid7()}", resource_id, now) for _ in range(n)]
        sample += [r[0] for i, r in enumerate(rows) if (done + i) % every == 0][: keep - len(sample)]
        conn.executemany("INSERT INTO identities (id, resource_id, created_at) VALUES (?, ?, ?)", rows)
        # The counter the server keeps with every create (GET /identities/:count).
        conn.execute("INSERT INTO identity_counts (resource_id, live) VALUES (?, ?) "
                     "ON CONFLICT (resource_id) DO UPDATE SET live = live + excluded.live", (resource_id, n))
        conn.commit()
        done += n
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sample


def custom_id(n):
    """The custom ID give_custom_ids gives the n-th identity."""
    return f"user-{n:07d}"


def give_custom_ids(db_path):
    """Gives each identity of the SQLite store without a custom ID one,
    custom_id(n) for n from 0, in random order: no relation to creation
    order (the server must be stopped). Returns how many."""
    conn = sqlite3.connect(db_path)
    # The custom ID index is written in random order: keep it in memory.
    conn.execute("PRAGMA cache_size=-262144")
    ids = [r[0] for r in conn.execute("SELECT id FROM identities WHERE deleted_at IS NULL AND custom_id IS NULL")]
    numbers = list(range(len(ids)))
    random.shuffle(numbers)
    conn.executemany("UPDATE identities SET custom_id = ? WHERE id = ?",
                     ((custom_id(n), i) for n, i in zip(numbers, ids)))
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return len(ids)


def free_port():
    """A loopback port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid, children=False):
    """User + system CPU seconds of a process (all its threads) from
    /proc/PID/stat; with `children`, of its live child processes too (the
    workers of a node:cluster primary, which /proc counts only once they
    have exited and been waited for)."""
    pids = [pid]
    if children:
        for entry in filter(str.isdigit, os.listdir("/proc")):
            stat = _stat(int(entry))
            if stat and stat[1] == pid:
                pids.append(int(entry))
    ticks = sum(s[11] + s[12] for s in map(_stat, pids) if s)
    return ticks / os.sysconf("SC_CLK_TCK")


def perf_samples(pid, during, frequency=999, percent_limit=0.5):
    """Runs `during()` while `perf record` samples process `pid`; returns
    what `during` returned and perf's report of the samples' own shares by
    object and symbol (lines "PCT% DSO [.] SYMBOL"), those under
    `percent_limit` % left out. Needs linux-perf, perf_event_paranoid <= 2."""
    data = os.path.join(tempfile.mkdtemp(prefix="commid-perf-"), "perf.data")
    perf = subprocess.Popen(["perf", "record", "-F", str(frequency), "-o", data, "-p", str(pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        result = during()
    finally:
        perf.terminate()
        perf.wait()
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio",
                             "--percent-limit", str(percent_limit)], capture_output=True, text=True, check=True).stdout
    return result, [line for line in report.splitlines() if line.strip() and not line.startswith("#")]


def _stat(pid):
    """The fields of /proc/PID/stat after the command name, as numbers where
    they are (index 1 is the parent's pid, 11 utime, 12 stime), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    # The command name is in parentheses and may itself hold spaces.
    fields = text[text.rindex(")") + 2:].split()
    return [int(x) if x.lstrip("-").isdigit() else x for x in fields]
