"""A soak: one `commid serve` on SQLite (or PostgreSQL with --database-url)
under a mixed workload at a fixed rate for a long time, printing at
intervals what would show a leak or unbounded growth: resident memory, open
file descriptors, database and WAL size, and latency percentiles.

The workload, open loop (a request's latency counts from when it was due, so
a stall is not hidden by the clients waiting): create 20 %, issue 25 %,
verify 20 %, list 10 %, feed poll 10 % (following the cursor), revoke 8 %,
delete 7 % (of identities it created earlier: the live set grows by about
13 % of the rate, as a directory in use does).

    python3 bench/soak.py [--minutes 30] [--rate 100] [--every 60] [--binary target/release/commid]
                          [--database-url postgres://…]   # a fresh schema of it, dropped after

Stops early (exit 1) when a request fails with a 5xx or gets no answer."""

import argparse
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
import http.client

sys.path.insert(0, os.path.dirname(__file__))
from lib import free_port, sign  # noqa: E402

API = "api-version=2023-10-01"
MIX = [("create", 20), ("issue", 25), ("verify", 20), ("list", 10), ("feed", 10), ("revoke", 8), ("delete", 7)]


def args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--rate", type=float, default=100, help="requests per second")
    p.add_argument("--every", type=float, default=60, help="seconds between report lines")
    p.add_argument("--binary", default=None, help="default: target/release/commid, else target/debug/commid")
    p.add_argument("--database-url", default=None, help="PostgreSQL; default: SQLite in a temporary data dir")
    return p.parse_args()


class Server:
    def __init__(self, binary, data_dir, database_url):
        self.port = free_port()
        cmd = [binary, "serve", "--http", "--listen", f"127.0.0.1:{self.port}", "--show-connection-string",
               "--data-dir", data_dir]
        if database_url:
            cmd += ["--database-url", database_url]
        env = dict(os.environ, RUST_LOG="warn", COMMID_RATE_LIMIT_PER_SECOND="100000")
        env.pop("COMMID_CONFIG", None)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(os.path.join(data_dir, "server.log"), "w"),
                                     env=env, text=True)
        for line in self.proc.stdout:
            if line.startswith("Connection string: "):
                parts = dict(p.split("=", 1) for p in line.split(": ", 1)[1].strip().split(";"))
                self.key = parts["accesskey"]
                break
        else:
            raise SystemExit("soak: the server did not start: see server.log")
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)


class Client:
    def __init__(self, port, key):
        self.port, self.key, self.conn = port, key, None

    def call(self, method, path, body=None):
        target = f"{path}&{API}" if "?" in path else f"{path}?{API}"
        data = b"" if body is None else json.dumps(body).encode()
        headers = sign(method, target, f"127.0.0.1:{self.port}", data, self.key)
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.request(method, target, body=data, headers=headers)
            r = self.conn.getresponse()
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None)
        except (OSError, http.client.HTTPException, ValueError) as e:
            self.conn = None
            return None, repr(e)


class Workload:
    """What the operations share: identities to act on, tokens to verify,
    the feed's cursor, and the latencies and failures of this interval."""

    def __init__(self):
        self.lock = threading.Lock()
        self.live = []
        self.tokens = []
        self.cursor = None
        self.latencies = []
        self.counts = {}
        self.failures = []

    def pick(self, pop=False):
        with self.lock:
            if not self.live:
                return None
            i = random.randrange(len(self.live))
            if pop:
                self.live[i], self.live[-1] = self.live[-1], self.live[i]
                return self.live.pop()
            return self.live[i]

    def run(self, client, op):
        quoted = lambda i: urllib.parse.quote(i, safe="")  # noqa: E731
        if op == "create":
            status, body = client.call("POST", "/identities", {})
            if status == 201:
                with self.lock:
                    self.live.append(body["identity"]["id"])
            return status
        if op == "list":
            return client.call("GET", "/identities?maxPageSize=50")[0]
        if op == "feed":
            with self.lock:
                cursor = self.cursor
            path = "/identityEvents?maxPageSize=100" + (f"&since={urllib.parse.quote(cursor)}" if cursor else "")
            status, body = client.call("GET", path)
            if status == 200 and body.get("cursor"):
                with self.lock:
                    self.cursor = body["cursor"]
            return status
        if op == "verify":
            with self.lock:
                token = random.choice(self.tokens) if self.tokens else None
            if token is None:
                op = "issue"
            else:
                return client.call("POST", "/accessTokens/:verify", {"token": token})[0]
        identity = self.pick(pop=(op == "delete"))
        if identity is None:
            return self.run(client, "create")
        if op == "issue":
            status, body = client.call("POST", f"/identities/{quoted(identity)}/:issueAccessToken",
                                       {"scopes": ["chat"]})
            if status == 200:
                with self.lock:
                    self.tokens.append(body["token"])
                    del self.tokens[:-500]
            return status
        if op == "revoke":
            return client.call("POST", f"/identities/{quoted(identity)}/:revokeAccessTokens")[0]
        return client.call("DELETE", f"/identities/{quoted(identity)}")[0]


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def sizes(pid, data_dir, database_url):
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    if database_url:
        out = subprocess.run(["psql", "-X", "-t", "-A", database_url, "-c",
                              "SELECT pg_database_size(current_database())"], capture_output=True, text=True)
        db, wal = int(out.stdout.strip() or 0) / 2**20, float("nan")
    else:
        path = os.path.join(data_dir, "commid.sqlite3")
        db = os.path.getsize(path) / 2**20
        wal = os.path.getsize(path + "-wal") / 2**20 if os.path.exists(path + "-wal") else 0.0
    return rss, fds, db, wal


def report(work, server, data_dir, database_url, elapsed):
    """Prints one line for the interval just ended; says whether a request failed."""
    with work.lock:
        lat, work.latencies = work.latencies, []
        failures = list(work.failures)
        live = len(work.live)
    rss, fds, db, wal = sizes(server.proc.pid, data_dir, database_url)
    print(f"{elapsed / 60:6.1f} {len(lat):8d} {percentile(lat, 50) * 1000:7.1f} "
          f"{percentile(lat, 99) * 1000:7.1f} {max(lat, default=0) * 1000:7.1f} {rss:8.1f} {fds:4d} "
          f"{db:7.2f} {wal:7.2f} {live:8d}", flush=True)
    if failures:
        print(f"soak: {len(failures)} requests failed, e.g. {failures[:5]}", flush=True)
    return bool(failures)


def main():
    a = args()
    binary = a.binary or next((b for b in ("target/release/commid", "target/debug/commid") if os.path.exists(b)), None)
    if not binary:
        raise SystemExit("soak: build commid first (cargo build --release)")
    data_dir = tempfile.mkdtemp(prefix="commid-soak-")
    database_url, schema = a.database_url, None
    if database_url:
        schema = f"soak_{uuid.uuid4().hex[:12]}"
        subprocess.run(["psql", "-X", "-q", database_url, "-c", f"CREATE SCHEMA {schema}"], check=True)
        sep = "&" if "?" in database_url else "?"
        database_url = f"{database_url}{sep}options=-c%20search_path%3D{schema}"
    server = Server(binary, data_dir, database_url)
    work = Workload()
    jobs = queue.Queue()
    stop = threading.Event()

    def worker():
        client = Client(server.port, server.key)
        while True:
            item = jobs.get()
            if item is None:
                return
            due, op = item
            status = work.run(client, op)
            latency = time.monotonic() - due
            with work.lock:
                work.latencies.append(latency)
                work.counts[op] = work.counts.get(op, 0) + 1
                if status is None or status >= 500:
                    work.failures.append((op, status))
            jobs.task_done()

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(16)]
    for w in workers:
        w.start()
    ops = [op for op, weight in MIX for _ in range(weight)]
    print(f"soak: {binary} on {'PostgreSQL' if database_url else 'SQLite'}, {a.rate:g} requests/s for "
          f"{a.minutes:g} min, a line every {a.every:g} s", flush=True)
    print(f"{'minute':>6} {'requests':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'RSS MiB':>8} {'fds':>4} "
          f"{'db MiB':>7} {'WAL MiB':>7} {'live ids':>8}", flush=True)
    started = time.monotonic()
    end = started + a.minutes * 60
    next_report = started + a.every
    sent = 0
    failed = False
    try:
        while not stop.is_set():
            now = time.monotonic()
            if now >= end:
                break
            if now >= next_report:
                next_report += a.every
                failed = report(work, server, data_dir, database_url, now - started)
                if failed:
                    break
            due = started + sent / a.rate
            if due > now:
                time.sleep(min(due - now, 0.05))
                continue
            jobs.put((due, random.choice(ops)))
            sent += 1
        if not failed and time.monotonic() >= end:
            jobs.join()
            failed = report(work, server, data_dir, database_url, time.monotonic() - started)
    finally:
        for _ in workers:
            jobs.put(None)
        for w in workers:
            w.join(timeout=30)
        server.stop()
        if schema:
            subprocess.run(["psql", "-X", "-q", a.database_url, "-c", f"DROP SCHEMA IF EXISTS {schema} CASCADE"])
        shutil.rmtree(data_dir, ignore_errors=True)
    print("soak: " + ", ".join(f"{op} {n}" for op, n in sorted(work.counts.items())), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
