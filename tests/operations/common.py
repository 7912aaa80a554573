"""What the operations scenarios share: commid processes, signed requests
over keep-alive connections, a steady load that counts every answer, and
databases on the shared PostgreSQL server or on one of the test's own."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
from lib import sign  # noqa: E402  (HMAC-SHA256 as the ACS SDKs sign)

API = "api-version=2023-10-01"


def log(*parts):
    print("operations:", *parts, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Commid:
    """`commid serve --http` on a fixed loopback port (a restart keeps it)."""

    def __init__(self, binary, name, port, database_url, workdir, env=None):
        self.binary, self.name, self.port = binary, name, port
        self.database_url, self.workdir = database_url, workdir
        self.env = env or {}
        self.proc = None
        self.connection_string = None
        self.starts = 0

    def start(self):
        self.starts += 1
        data_dir = os.path.join(self.workdir, self.name)
        os.makedirs(data_dir, exist_ok=True)
        logfile = open(os.path.join(self.workdir, f"{self.name}.{self.starts}.log"), "w")
        env = dict(os.environ, RUST_LOG="info", **self.env)
        env.pop("COMMID_CONFIG", None)
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--http", "--listen", f"127.0.0.1:{self.port}", "--workers", "2",
             "--show-connection-string", "--data-dir", data_dir, "--database-url", self.database_url],
            stdout=subprocess.PIPE, stderr=logfile, env=env, text=True)
        deadline = time.time() + 60
        for line in self.proc.stdout:
            if line.startswith("Connection string: "):
                self.connection_string = line.split(": ", 1)[1].strip()
                break
            if time.time() > deadline:
                break
        if self.connection_string is None:
            raise SystemExit(f"{self.name} did not start: see {logfile.name}")
        threading.Thread(target=lambda out: [None for _ in out], args=(self.proc.stdout,), daemon=True).start()

    def key(self):
        return dict(p.split("=", 1) for p in self.connection_string.split(";"))["accesskey"]

    def terminate(self):
        """SIGTERM; returns the seconds until the process exited, and its status."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(timeout=60)
        return time.monotonic() - started, status

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def status(self, path):
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            c.request("GET", path)
            return c.getresponse().status
        except OSError:
            return None


class Client:
    """Signed ACS requests over one keep-alive connection, reopened when the
    server closes it."""

    def __init__(self, host, port, key, timeout=30):
        self.host, self.port, self.key, self.timeout = host, port, key, timeout
        self.conn = None

    def call(self, method, path, body=None):
        """(status, headers, parsed body); status None when the request got no answer."""
        target = f"{path}&{API}" if "?" in path else f"{path}?{API}"
        data = b"" if body is None else json.dumps(body).encode()
        authority = f"{self.host}:{self.port}"
        headers = sign(method, target, authority, data, self.key)
        for attempt in range(2):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, target, body=data, headers=headers)
                r = self.conn.getresponse()
                raw = r.read()
                if (r.getheader("connection") or "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                try:
                    parsed = json.loads(raw) if raw else None
                except ValueError:
                    parsed = raw.decode(errors="replace")
                return r.status, r.headers, parsed
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                self.conn.close()
                self.conn = None
                # A kept-alive connection the server closed before this
                # request reached it: HTTP clients resend on a new one.
                if fresh or attempt:
                    return None, {}, repr(e)
            except OSError as e:
                self.conn.close()
                self.conn = None
                return None, {}, repr(e)
        return None, {}, "unreachable"


class Load:
    """Clients in threads, each creating an identity and issuing it a token
    in a loop; counts every answer by operation and status."""

    def __init__(self, make_client, clients=4, pause=0.0):
        self.make_client, self.clients, self.pause = make_client, clients, pause
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counts = {}
        self.failures = []
        self.created = []
        self.latencies = []
        self.threads = []

    def record(self, op, status, headers, body, seconds):
        with self.lock:
            self.counts[(op, status)] = self.counts.get((op, status), 0) + 1
            self.latencies.append((time.monotonic(), op, status, seconds))
            if status is None or status >= 500:
                retry_after = headers.get("retry-after") if status else None
                self.failures.append((time.monotonic(), op, status, retry_after, str(body)[:200]))

    def run_one(self):
        client = self.make_client()
        while not self.stop.is_set():
            t = time.monotonic()
            status, headers, body = client.call("POST", "/identities", {})
            self.record("create", status, headers, body, time.monotonic() - t)
            if status == 201:
                identity = body["identity"]["id"]
                with self.lock:
                    self.created.append(identity)
                path = f"/identities/{urllib.parse.quote(identity, safe='')}"
                t = time.monotonic()
                status, headers, body = client.call("POST", f"{path}/:issueAccessToken", {"scopes": ["chat"]})
                self.record("issue", status, headers, body, time.monotonic() - t)
                t = time.monotonic()
                status, headers, body = client.call("GET", path)
                self.record("get", status, headers, body, time.monotonic() - t)
            if self.pause:
                time.sleep(self.pause)

    def start(self):
        for _ in range(self.clients):
            t = threading.Thread(target=self.run_one, daemon=True)
            t.start()
            self.threads.append(t)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)

    def total(self):
        return sum(self.counts.values())

    def summary(self):
        return ", ".join(f"{op} {status}: {n}" for (op, status), n in sorted(
            self.counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)))


def psql(url, sql):
    return subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def which(names, dirs=()):
    for name in names:
        for d in dirs:
            p = os.path.join(d, name)
            if os.access(p, os.X_OK):
                return p
        p = shutil.which(name)
        if p:
            return p
    return None
