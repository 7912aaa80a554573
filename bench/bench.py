"""Runs the benchmark table of docs/BENCHMARKS.md. Called by bench/run after
the release build and the tools' installs; uses wrk (closed loop), oha (open
loop at a fixed rate) and node-oidc-provider (the peer, compare.py)."""

import datetime
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import compare  # noqa: E402
import bearer  # noqa: E402
import directory  # noqa: E402
import floor as cpu_floor  # noqa: E402
import flood  # noqa: E402
import metrics  # noqa: E402
import openloop  # noqa: E402
import postgres  # noqa: E402
from lib import cpu_seconds, free_port, request, seed, wrk_script  # noqa: E402

# cargo builds into CARGO_TARGET_DIR when it is set (bench/run builds first).
BIN = os.path.abspath(os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "commid"))
QUICK = "--quick" in sys.argv
# `--only NAME`: one group of rows (flood, bearer, floor, or peer: the floor and
# the peer comparison from one run), printed and not written to docs/.
ONLY = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
SECTIONS = ("flood", "bearer", "floor", "peer")
DURATION = 5 if QUICK else 10
CONNECTIONS = 64
RATE = 5000
BIG = 100_000 if QUICK else 1_000_000
# Rounds of the interleaved peer comparison: three for the table, one for a smoke run.
ROUNDS = 1 if QUICK else 3


class Server:
    def __init__(self, data_dir, extra=(), log_file=None, binary=BIN, env=None):
        """With `log_file`, the access log is on (RUST_LOG=info, as `serve`
        defaults to) and stderr goes to that file; otherwise only warnings.
        `binary`: another build of commid, to compare with."""
        port = free_port()
        started = time.monotonic()
        self.log = open(log_file, "w") if log_file else None
        self.proc = subprocess.Popen(
            [binary, "serve", "--http", "--listen", f"127.0.0.1:{port}", "--workers", "2", "--data-dir", data_dir, *extra],
            stdout=subprocess.PIPE, stderr=self.log or subprocess.DEVNULL, text=True,
            env={**os.environ, "RUST_LOG": "info" if log_file else "warn", "COMMID_RATE_LIMIT_PER_SECOND": "0", "COMMID_DRAIN_SECONDS": "0",
                 # Data dirs are reused: the connection string on every start.
                 "COMMID_SHOW_CONNECTION_STRING": "true", **(env or {})})
        for line in self.proc.stdout:
            if line.startswith("Connection string: "):
                cs = dict(p.split("=", 1) for p in line.strip()[len("Connection string: "):].split(";") if p)
                self.base = cs["endpoint"].rstrip("/")
                self.key = cs["accesskey"]
                break
        self.host = self.base.split("://", 1)[1]
        while True:
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.005)
        self.startup_seconds = time.monotonic() - started
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()

    def rss_mb(self, field="VmRSS"):
        """VmRSS, or RssAnon (private memory) or RssFile (mapped file pages)."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            kb = int(re.search(field + r":\s+(\d+)", f.read()).group(1))
        return kb / 1024

    def call(self, method, path, body=None):
        m, target, headers, data = request(method, path, self.host, self.key, body)
        req = urllib.request.Request(f"{self.base}{target}", data=data or None, method=m, headers=headers)
        with urllib.request.urlopen(req) as r:
            text = r.read()
            return json.loads(text) if text else None

    def cpu_seconds(self):
        return cpu_seconds(self.proc.pid)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        if self.log:
            self.log.close()


def wrk(server, requests, label, sample_rss=False, once=False, duration=DURATION):
    """Closed-loop throughput; returns (requests/s, non-2xx count, peak RSS MB
    or 0). Leaves the server's CPU seconds over the run in server.last_cpu
    and its count of 2xx responses in server.last_ok."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        script = f.name
    wrk_script(requests, script, once=once)
    peak = [server.rss_mb() if sample_rss else 0]
    if sample_rss:
        server.peak_anon = server.rss_mb("RssAnon")
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], server.rss_mb())
            server.peak_anon = max(server.peak_anon, server.rss_mb("RssAnon"))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_rss:
        sampler.start()
    cpu_before = server.cpu_seconds()
    run = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "-s", script, server.base],
                         capture_output=True, text=True, check=True)
    server.last_cpu = server.cpu_seconds() - cpu_before
    if run.stderr.strip():
        sys.exit(f"wrk failed on {label}: {run.stderr.strip()}")
    out = run.stdout
    stop.set()
    os.unlink(script)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    completed = int(re.search(r"(\d+) requests in", out).group(1))
    if once and completed >= len(requests):
        # Every request was sent before the time was up: wrk still divides by
        # the whole duration, so this is only a lower bound.
        label += " (all sent: a lower bound)"
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    server.last_ok = completed - (int(bad.group(1)) if bad else 0)
    errors = re.search(r"Socket errors: .*", out)
    print(f"  {label}: {rps:,.0f} req/s" + (f", non-2xx {bad.group(1)}" if bad else "") + (f", {errors.group(0)}" if errors else ""),
          flush=True)
    return rps, int(bad.group(1)) if bad else 0, peak[0]


def verify_rps(server, identity, label):
    token = server.call("POST", f"/identities/{identity.replace(':', '%3A')}/:issueAccessToken",
                        {"scopes": ["chat"]})["token"]
    rps, bad, _ = wrk(server, [request("POST", "/accessTokens/:verify", server.host, server.key, {"token": token})],
                      label)
    return rps, bad


def cache_rows(row):
    """The verification cache at BIG distinct tokens (examples/verify_cache.rs)."""
    print(f"verifying {BIG:,} distinct tokens through the default cache", flush=True)
    run = subprocess.run(["cargo", "run", "--quiet", "--release", "--example", "verify_cache", "--", str(BIG)],
                         capture_output=True, text=True, check=True)
    r = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"  {r}", flush=True)
    limit = r["cache_bytes"] / 2**20
    row(f"verification cache after {r['tokens']:,} distinct tokens: entries kept", r["entries"], "tokens")
    row("… their weight", r["weight"] / 2**20, "MB", None, f"≤ {limit:.0f} MB (the default bound)",
        r["weight"] <= r["cache_bytes"])
    row("… the process's private memory growth", r["rss_anon_growth"] / 2**20, "MB")
    row("… verify, first time (signature checked), one core", r["miss_us"], "µs")
    row("… verify, again (from the cache), one core", r["hit_us"], "µs")


def issue_requests(server, ids):
    return [request("POST", f"/identities/{i.replace(':', '%3A')}/:issueAccessToken", server.host, server.key,
                    {"scopes": ["voip"]}) for i in ids]


def fresh_dir():
    return tempfile.mkdtemp(prefix="commid-bench-")


def resource_id(server):
    return server.call("POST", "/identities")["identity"]["id"].split(":")[2].split("_")[0]


def seeded(count, keep=1000):
    """A data dir with `count` identities; returns (dir, `keep` of their ids, db bytes)."""
    d = fresh_dir()
    s = Server(d)
    rid = resource_id(s)
    s.stop()
    ids = seed(os.path.join(d, "commid.sqlite3"), rid, count, keep=keep)
    return d, ids, os.path.getsize(os.path.join(d, "commid.sqlite3"))


def main():
    rows = []
    started = cpu_times()

    def row(name, value, unit, ratio=None, target=None, met=None):
        rows.append((name, value, unit, ratio, target, met))

    print("seeding 1,000 identities", flush=True)
    small_dir, small_ids, _ = seeded(1000)
    if ONLY:
        if ONLY not in SECTIONS:
            sys.exit(f"bench: --only takes one of {', '.join(SECTIONS)}")
        if ONLY == "flood":
            flood.measure(Server, row, small_dir, small_ids, DURATION)
        elif ONLY == "floor":
            cpu_floor.measure(Server, row, ROUNDS)
        else:
            s = Server(small_dir)
            ceiling, _, _ = wrk(s, [("GET", "/healthz", {"Host": s.host}, b"")], "ceiling GET /healthz")
            s.stop()
            if ONLY == "peer":
                cpu_floor.measure(Server, row, ROUNDS)
                compare.measure(Server, wrk, issue_requests, row, ceiling, small_dir, small_ids, ROUNDS)
            else:
                bearer.measure(Server, BIN, wrk, issue_requests, row, ceiling, small_dir, small_ids, ROUNDS)
        report(rows, started, write=False)
        return
    server = Server(small_dir)
    row("start-up time (existing data dir)", server.startup_seconds * 1000, "ms")
    idle = server.rss_mb()
    row("resident memory, idle", idle, "MB")

    ceiling, _, _ = wrk(server, [("GET", "/healthz", {"Host": server.host}, b"")], "ceiling GET /healthz")
    row("framework ceiling: GET /healthz", ceiling, "req/s", 1.0)

    issue, bad, peak = wrk(server, issue_requests(server, small_ids), "issue token", sample_rss=True)
    row("issue token (signed, existing identity)", issue, "req/s", issue / ceiling, "≥ 0.40 × ceiling",
        issue / ceiling >= 0.40 and bad == 0)

    lat, achieved, failed = openloop.latency(server.base, issue_requests(server, small_ids[:1])[0], RATE, DURATION)
    row(f"issue token latency at {RATE:,} req/s, open loop (achieved {achieved:,.0f}/s): p50", lat[50], "ms")
    row("… p99", lat[99], "ms", None, "≤ 3 ms", lat[99] <= 3 and failed == 0)
    row("… p99.9", lat[99.9], "ms", None, "≤ 6 ms", lat[99.9] <= 6 and failed == 0)
    # The same schedule against a request that does no work: what the
    # machine, the load tool and the framework add to every latency.
    floor, achieved, _ = openloop.latency(server.base, ("GET", "/healthz", {"Host": server.host}, b""), RATE, DURATION)
    row(f"GET /healthz latency at {RATE:,} req/s, open loop (achieved {achieved:,.0f}/s): p50", floor[50], "ms")
    row("… p99", floor[99], "ms")
    row("… p99.9", floor[99.9], "ms")

    verify, bad = verify_rps(server, small_ids[0], "verify a token already seen")
    row("verify a token already seen (revocation checked on every call)", verify, "req/s", verify / ceiling,
        "≥ 0.5 × ceiling", verify / ceiling >= 0.5 and bad == 0)

    create, bad, peak2 = wrk(server, [request("POST", "/identities", server.host, server.key)],
                             f"create identity ({CONNECTIONS} clients)", sample_rss=True)
    row(f"create identity, durable ({CONNECTIONS} clients)", create, "req/s", create / ceiling, "≥ 2,000/s",
        create >= 2000 and bad == 0)
    cwt, _, _ = wrk(server, [request("POST", "/identities", server.host, server.key, {"createTokenWithScopes": ["chat"]})],
                    "create with token")
    row("create identity with token", cwt, "req/s", cwt / ceiling)
    revoke, _, _ = wrk(server, [request("POST", f"/identities/{i.replace(':', '%3A')}/:revokeAccessTokens", server.host,
                                        server.key) for i in small_ids], "revoke")
    row("revoke", revoke, "req/s", revoke / ceiling)
    peak = max(peak, peak2)
    row("resident memory under load (peak)", peak, "MB", None, "< 64 MB", peak < 64)
    server.stop()

    # A never-seen token costs a signature check on every call: a server
    # with the cache off pays exactly that for the same token.
    uncached = Server(small_dir, env={"COMMID_VERIFY_CACHE_BYTES": "0"})
    never, bad = verify_rps(uncached, small_ids[0], "verify, cache off (as a token never seen)")
    row("verify a token never seen (cache off: the signature checked on every call)", never, "req/s",
        never / ceiling, "≥ 0.2 × ceiling", never / ceiling >= 0.2 and bad == 0)
    uncached.stop()
    cache_rows(row)

    cpu_floor.measure(Server, row, ROUNDS)
    compare.measure(Server, wrk, issue_requests, row, ceiling, small_dir, small_ids, ROUNDS)
    directory.cost_rows(Server, wrk, issue_requests, row, small_dir, small_ids, ROUNDS)
    directory.create_rows(Server, wrk, row, fresh_dir, ROUNDS)
    metrics.measure(Server, wrk, issue_requests, row, ceiling, small_dir, small_ids, ROUNDS)
    flood.measure(Server, row, small_dir, small_ids, DURATION)
    bearer.measure(Server, BIN, wrk, issue_requests, row, ceiling, small_dir, small_ids, ROUNDS)

    victims = 100_000
    print(f"seeding {victims:,} identities to delete", flush=True)
    del_dir, del_ids, del_bytes = seeded(victims, keep=victims)
    row(f"database bytes per identity ({victims:,} identities)", del_bytes / victims, "bytes")
    s = Server(del_dir)
    # Each identity deleted once, in no particular order: every delete is a real one.
    random.shuffle(del_ids)
    deletes = [request("DELETE", f"/identities/{i.replace(':', '%3A')}", s.host, s.key) for i in del_ids]
    delete, _, _ = wrk(s, deletes, "delete", once=True)
    exhausted = delete * DURATION >= 0.99 * victims
    name = f"delete (each identity once{', all sent early: a lower bound' if exhausted else ''})"
    row(name, delete, "req/s", delete / ceiling)
    s.stop()

    postgres.measure(Server, wrk, issue_requests, row, ceiling, fresh_dir())

    print(f"seeding {BIG:,} identities", flush=True)
    big_dir, big_ids, big_bytes = seeded(BIG)
    row(f"database bytes per identity ({BIG:,} identities)", big_bytes / BIG, "bytes")
    # Best of two interleaved runs each: single runs on a shared machine drift.
    best, big_peak, big_anon = {}, 0, 0
    for _ in range(2):
        for d, ids, size in [(big_dir, big_ids, BIG), (small_dir, small_ids, 1000)]:
            s = Server(d)
            rps, _, peak = wrk(s, issue_requests(s, ids), f"issue token, {size:,} identities", sample_rss=size == BIG)
            best[size] = max(best.get(size, 0), rps)
            if size == BIG:
                big_peak, big_anon = max(big_peak, peak), max(big_anon, s.peak_anon)
            s.stop()
    # Readers map the database file: its pages count in VmRSS but are the
    # kernel's shared, reclaimable page cache; the private memory is RssAnon.
    row(f"resident memory issuing tokens, {BIG:,} identities (peak): private (RssAnon)", big_anon, "MB", None,
        "< 64 MB", big_anon < 64)
    row("… VmRSS, mapped database pages included", big_peak, "MB")
    directory.latency_rows(Server, row, big_dir, BIG, QUICK)
    issue_big, issue_small = best[BIG], best[1000]
    drop = 1 - issue_big / issue_small
    row(f"issue token at {BIG:,} vs 1,000 identities", issue_big / issue_small, "× the 1k rate", None,
        "within 10%", drop <= 0.10)

    report(rows, started)


def cpu_times():
    """The machine's CPU time so far, all cores: (total, stolen by the hypervisor), in ticks."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest times are in user already)
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0


def load_note(started):
    total, steal = (b - a for a, b in zip(started, cpu_times()))
    with open("/proc/loadavg") as f:
        load15 = f.read().split()[2]
    return (f"During the run the hypervisor took {steal / max(total, 1):.1%} of the CPU time (steal), "
            f"and the 15-minute load average at its end was {load15} (the server and the load tools make about 3). ")


def report(rows, started, write=True):
    machine = f"{os.cpu_count()} cores, {cpu_model()}, {mem_gb():.0f} GiB, Linux {platform.release()}"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [
        "| measurement | value | ratio to ceiling | target | met |",
        "|---|---:|---:|---|---|",
    ]
    for name, value, unit, ratio, target, met in rows:
        v = f"{value:,.0f} {unit}" if value >= 100 else f"{value:,.2f} {unit}"
        r = f"{ratio:.2f}" if ratio is not None else ""
        m = "" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {name} | {v} | {r} | {target or ''} | {m} |")
    table = "\n".join(lines)
    print("\n" + table)
    if not write:
        return
    header = (f"# Benchmarks\n\nMade by `bench/run`{' --quick' if QUICK else ''} on "
              f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit}, on {machine}. "
              f"The load tools share the CPU with the server (2 HTTP workers; SQLite store unless a row says PostgreSQL): wrk with 2 threads and "
              f"{CONNECTIONS} connections for {DURATION} s per row, oha in open loop at a fixed {RATE:,} requests/s "
              f"for latency, and the peer rows in {ROUNDS} interleaved round{'s' if ROUNDS > 1 else ''}. "
              f"{load_note(started)}"
              "Throughput rows are also given as a ratio to the framework ceiling measured in the same run, "
              "because absolute numbers drift between runs on shared machines.\n\n")
    path = os.path.join("docs", "BENCHMARKS.md")
    notes = ""
    if os.path.exists(path):
        text = open(path).read()
        if "\n## Notes" in text:
            notes = text[text.index("\n## Notes"):]
    with open(path, "w") as f:
        f.write(header + table + "\n" + notes)
    print(f"\nwritten to {path}")


def cpu_model():
    with open("/proc/cpuinfo") as f:
        m = re.search(r"model name\s*:\s*(.*)", f.read())
    return m.group(1).strip() if m else platform.processor()


def mem_gb():
    with open("/proc/meminfo") as f:
        return int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1)) / 1024 / 1024


if __name__ == "__main__":
    main()
