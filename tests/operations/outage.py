"""The database goes away and comes back. One commid instance on a
PostgreSQL server of this test's own (initdb and pg_ctl in a temporary dir,
on a free port; never the shared server), under load:

1. PostgreSQL stops for 10 s: every request answers, in bounded time, 200/201
   or 503 with Retry-After; /readyz answers 503; within seconds of the
   server's return everything answers again; connections do not pile up.
2. pg_terminate_backend ends commid's connections, three times: the pool
   reconnects and no read fails (a read runs again on a new connection).
3. Every identity whose create got 201 can be read afterwards.

Usage: outage.py COMMID_BINARY"""

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from common import Client, Commid, Load, free_port, log, psql

OUTAGE_SECONDS = 10
# commid's database deadline (COMMID_DATABASE_TIMEOUT_MS, default 3 s) is
# doubled for connecting plus the statement: no request may wait longer.
TIMEOUT_MS = 3000
BOUND_SECONDS = 2 * TIMEOUT_MS / 1000 + 2


class Postgres:
    """A throwaway PostgreSQL server; as the postgres user when run as root."""

    def __init__(self, work):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        if not bins:
            raise SystemExit("operations: no PostgreSQL server binaries under /usr/lib/postgresql")
        self.bin = bins[-1]
        self.dir = os.path.join(work, "pg")
        os.makedirs(self.dir)
        self.as_user = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for d in (work, self.dir):
                os.chown(d, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        self.data = os.path.join(self.dir, "data")
        self.url = f"postgres://commid@127.0.0.1:{self.port}/postgres"
        self.run("initdb", "-D", self.data, "-A", "trust", "-U", "commid", "-E", "UTF8", "--no-sync")

    def run(self, tool, *args):
        subprocess.run(self.as_user + [os.path.join(self.bin, tool), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def start(self):
        self.run("pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                 f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self):
        self.run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="commid-outage-")
    pg = Postgres(work)
    pg.start()
    commid, load = None, None
    try:
        commid = Commid(binary, "a", free_port(), pg.url, work,
                        env={"COMMID_DATABASE_TIMEOUT_MS": str(TIMEOUT_MS)})
        commid.start()
        key = commid.key()
        load = Load(lambda: Client("127.0.0.1", commid.port, key), clients=4, pause=0.005)
        load.start()
        time.sleep(3)

        # 1. The server stops for OUTAGE_SECONDS.
        stopped = time.monotonic()
        pg.stop()
        readyz = []
        while time.monotonic() - stopped < OUTAGE_SECONDS:
            readyz.append((time.monotonic() - stopped, commid.status("/readyz")))
            time.sleep(0.5)
        back = time.monotonic()
        pg.start()
        deadline = back + 30
        recovered = None
        while recovered is None and time.monotonic() < deadline:
            time.sleep(0.05)
            with load.lock:
                recovered = next((t for t, op, status, _ in load.latencies
                                  if t > back and op == "create" and status == 201), None)
        time.sleep(3)
        with load.lock:
            during = [f for f in load.failures if stopped <= f[0] <= (recovered or deadline)]
            slowest = max(s for t, _, _, s in load.latencies if stopped <= t <= (recovered or deadline) + 10)
            answers_in_outage = sum(1 for t, *_ in load.latencies if stopped <= t <= back)
        connections = int(psql(pg.url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'commid'"))
        first_503 = min((f[0] - stopped for f in during if f[2] == 503), default=None)
        log(f"PostgreSQL stopped for {back - stopped:.1f} s: {answers_in_outage} answers meanwhile, "
            f"{len(during)} answers 503 until the recovery; first 503 {first_503:.2f} s after the stop; "
            f"slowest answer {slowest:.2f} s (bound {BOUND_SECONDS:.0f} s)")
        log("readyz during the outage: " + " ".join(f"{t:.1f}s:{s}" for t, s in readyz))
        log(f"recovered (first 201) {recovered - back:.2f} s after PostgreSQL's return" if recovered
            else "did not recover")
        log(f"commid's PostgreSQL connections afterwards: {connections}")
        problems = []
        bad = [f for f in during if f[2] != 503 or not f[3]]
        if bad:
            problems.append(f"{len(bad)} answers in the outage were not 503 with Retry-After: {bad[:3]}")
        if slowest > BOUND_SECONDS:
            problems.append(f"an answer took {slowest:.2f} s, over {BOUND_SECONDS} s")
        if not any(s == 503 for _, s in readyz) or any(s != 503 for t, s in readyz if t > 2):
            problems.append(f"readyz did not answer 503 throughout the outage: {readyz}")
        if recovered is None or recovered - back > 10:
            problems.append("no create succeeded within 10 s of PostgreSQL's return")
        if connections > 16:
            problems.append(f"{connections} connections, over the pool size of 16")

        # 2. pg_terminate_backend on commid's connections, three times.
        with load.lock:
            before = len(load.failures)
        started = time.monotonic()
        ended = 0
        for _ in range(3):
            ended += int(psql(pg.url, "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM "
                                      "pg_stat_activity WHERE application_name = 'commid') t"))
            time.sleep(1)
        time.sleep(1)
        with load.lock:
            after = load.failures[before:]
            served = sum(1 for t, *_ in load.latencies if t >= started)
        reads = [f for f in after if f[1] == "get"]
        log(f"pg_terminate_backend ended {ended} connections in 3 rounds: {served} answers meanwhile, "
            f"{len(after)} failed ({len(reads)} reads): {sorted(set((f[1], f[2], f[4][:60]) for f in after))}")
        if reads:
            problems.append(f"{len(reads)} reads failed after pg_terminate_backend")
        bad = [f for f in after if f[2] != 503 or not f[3]]
        if bad:
            problems.append(f"{len(bad)} writes failed otherwise than 503 with Retry-After: {bad[:3]}")
        load.finish()

        # 3. Nothing acknowledged is lost.
        client = Client("127.0.0.1", commid.port, key)
        import urllib.parse
        missing = [i for i in load.created
                   if client.call("GET", f"/identities/{urllib.parse.quote(i, safe='')}")[0] != 200]
        log(f"{load.total()} requests: {load.summary()}")
        log(f"{len(load.created)} identities created (201), {len(missing)} missing afterwards")
        if missing:
            problems.append(f"{len(missing)} created identities are missing: {missing[:3]}")
        for p in problems:
            log("FAILED:", p)
        if problems:
            raise SystemExit(f"operations: the outage scenario failed (logs in {work})")
        log("database outage: every answer bounded and explained, recovery automatic, nothing lost")
    finally:
        if load:
            load.stop.set()
        if commid:
            commid.kill()
        try:
            pg.stop()
        except subprocess.CalledProcessError:
            pass
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
