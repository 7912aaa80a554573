"""The peer rows of the benchmark: commid's issue token against the token
endpoint of node-oidc-provider (bench/peer/server.js) in one process and on
one node:cluster worker per core, and commid with its access log at info.
The four run interleaved, round by round, with the same wrk settings, so that
a disturbance of the shared machine falls on all of them; each row is the
median of the rounds. docs/BENCHMARKS.md ("The peer") says how the peer is
configured and why that is a fair comparison."""

import base64
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

from lib import cpu_seconds, free_port

PEER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer")


def node():
    """The Node.js (22 or newer) that bench/run found or installed."""
    path = os.environ.get("BENCH_NODE")
    if not path or not os.access(path, os.X_OK):
        sys.exit("bench: BENCH_NODE is not a Node.js 22+ binary: run bench/run, which installs one and the peer")
    if not os.path.isdir(os.path.join(PEER_DIR, "node_modules", "oidc-provider")):
        sys.exit("bench: bench/peer/node_modules is missing: run bench/run, which installs oidc-provider")
    return path


class Peer:
    """node-oidc-provider on a free loopback port, `workers` processes."""

    def __init__(self, workers):
        self.workers = workers
        port = free_port()
        # Its own session, so that stop() reaches the cluster's workers too.
        self.proc = subprocess.Popen([node(), os.path.join(PEER_DIR, "server.js"), str(port), str(workers)],
                                     stdout=subprocess.PIPE, text=True, start_new_session=True,
                                     env={**os.environ, "NODE_ENV": "production"})
        line = self.proc.stdout.readline()
        if not line:
            sys.exit(f"bench: the peer ({workers} workers) did not start; its errors are above")
        info = json.loads(line)
        self.base = info["issuer"]
        self.host = self.base.split("://", 1)[1]
        self.kid = info["kid"]
        self.resource = info["resource"]
        # client_secret_basic: id and secret form-encoded, then Base64 (RFC 6749, 2.3.1).
        creds = f"{urllib.parse.quote(info['client_id'], safe='')}:{urllib.parse.quote(info['client_secret'], safe='')}"
        self.authorization = "Basic " + base64.b64encode(creds.encode()).decode()

    def request(self):
        """The token request: (method, target, headers, body), as lib.request makes."""
        body = urllib.parse.urlencode({"grant_type": "client_credentials", "resource": self.resource, "scope": "voip"})
        return ("POST", "/token", {"Host": self.host, "Authorization": self.authorization,
                                   "Content-Type": "application/x-www-form-urlencoded"}, body.encode())

    def cpu_seconds(self):
        return cpu_seconds(self.proc.pid, children=True)

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


def b64json(segment):
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def check_token(peer):
    """One token from the peer, checked to be what the comparison assumes: an
    ES256-signed JWT access token for the resource, with the scope asked
    for. Exits the benchmark if it is not."""
    method, target, headers, body = peer.request()
    req = urllib.request.Request(peer.base + target, data=body, method=method,
                                 headers={k: v for k, v in headers.items() if k != "Host"})
    with urllib.request.urlopen(req) as r:
        token = json.load(r)["access_token"]
    head, claims, signature = token.split(".")
    header, payload = b64json(head), b64json(claims)
    raw_signature = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    problems = [
        header.get("alg") != "ES256" and f"alg {header.get('alg')}",
        header.get("typ") != "at+jwt" and f"typ {header.get('typ')}",
        header.get("kid") != peer.kid and "kid is not the key made at start",
        len(raw_signature) != 64 and f"a {len(raw_signature)}-byte signature (ES256's is 64)",
        payload.get("aud") != peer.resource and f"aud {payload.get('aud')}",
        payload.get("scope") != "voip" and f"scope {payload.get('scope')}",
    ]
    problems = [p for p in problems if p]
    if problems:
        sys.exit(f"bench: the peer's token is not an ES256 JWT access token as configured: {', '.join(problems)}")
    label = "1 process" if peer.workers == 1 else f"{peer.workers} workers"
    print(f"  peer ({label}): token header {json.dumps(header)}", flush=True)


def measure(server_class, wrk, issue_requests, row, ceiling, data_dir, ids, rounds):
    """Adds the peer and access-log rows."""
    workers = os.cpu_count()
    # The log-on server gets its own copy of the data dir: two servers on one
    # store would share its writer.
    logged_dir = tempfile.mkdtemp(prefix="commid-bench-log-")
    shutil.copytree(data_dir, logged_dir, dirs_exist_ok=True)
    log_path = os.path.join(logged_dir, "stderr.log")
    names = ["commid", "commid, access log at info", "peer, 1 process", f"peer, {workers} workers"]
    started = []
    try:
        for name in names:
            if name == "commid":
                started.append(server_class(data_dir))
            elif name.startswith("commid"):
                started.append(server_class(logged_dir, log_file=log_path))
            else:
                started.append(Peer(1 if "1 process" in name else workers))
                check_token(started[-1])
        contenders = dict(zip(names, started))
        reqs = {n: issue_requests(s, ids) if n.startswith("commid") else [s.request()] for n, s in contenders.items()}
        # One second each first, not counted: V8 compiles the peer's hot paths
        # as it runs, and commid gets the same.
        for n, s in contenders.items():
            wrk(s, reqs[n], f"{n} (warm-up)", duration=1)
        rps = {n: [] for n in names}
        cpu = {n: [0.0, 0] for n in names}
        failed = {n: 0 for n in names}
        for r in range(rounds):
            for n, s in contenders.items():
                value, bad, _ = wrk(s, reqs[n], f"round {r + 1}/{rounds}: {n}")
                rps[n].append(value)
                failed[n] += bad
                cpu[n][0] += s.last_cpu
                cpu[n][1] += s.last_ok
    finally:
        for s in started:
            s.stop()
    log_lines = sum(1 for _ in open(log_path, "rb"))
    shutil.rmtree(logged_dir, ignore_errors=True)
    if log_lines < cpu["commid, access log at info"][1]:
        sys.exit(f"bench: the log-on server wrote {log_lines} log lines: is the access log at info?")
    if failed["peer, 1 process"] or failed[f"peer, {workers} workers"]:
        sys.exit("bench: the peer answered non-2xx under load: the comparison would be void")

    med = {n: statistics.median(v) for n, v in rps.items()}
    per_token = {n: c / max(ok, 1) * 1e6 for n, (c, ok) in cpu.items()}
    for n in names:
        print(f"  {n}: median {med[n]:,.0f} req/s of {', '.join(f'{v:,.0f}' for v in rps[n])}; "
              f"server CPU {per_token[n]:.1f} µs per 2xx response", flush=True)
    commid, peer1, peer_n = med["commid"], med["peer, 1 process"], med[f"peer, {workers} workers"]
    print(f"  commid/peer: {commid / peer1:.2f}× the one-process peer, "
          f"{commid / peer_n:.2f}× the {workers}-worker peer", flush=True)
    ok = failed["commid"] == 0
    of = f"median of {rounds}"
    row(f"issue token, interleaved with the peer ({of})", commid, "req/s", commid / ceiling)
    row(f"node-oidc-provider token endpoint, 1 process ({of})", peer1, "req/s", peer1 / ceiling)
    row(f"node-oidc-provider token endpoint, {workers} workers ({of})", peer_n, "req/s", peer_n / ceiling)
    row("issue token vs node-oidc-provider (1 process)", commid / peer1, "× the peer", None, "≥ 8×",
        commid / peer1 >= 8 and ok)
    row(f"… ({workers} workers)", commid / peer_n, "× the peer", None, "≥ 5×", commid / peer_n >= 5 and ok)
    logged = med["commid, access log at info"]
    row(f"issue token with the access log on at info ({of})", logged, "req/s", logged / ceiling)
    row("… vs off", logged / commid, "× the log-off rate", None, "within 10%",
        logged / commid >= 0.90 and failed["commid, access log at info"] == 0)
    us = per_token["commid, access log at info"]
    row("server CPU per issued token (access log at info)", us, "µs", None, "≤ 40 µs", us <= 40)
