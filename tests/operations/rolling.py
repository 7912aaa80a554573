"""Rolling restart behind Caddy: two commid instances on one PostgreSQL
database, behind deploy/Caddyfile with its addresses changed to loopback
ones; clients create identities, issue tokens and read them through Caddy while each
instance in turn gets SIGTERM and is started again. Every request must
succeed. Prints the counts and how long each drain took.

Usage: rolling.py COMMID_BINARY POSTGRES_URL (a server where it may create
and drop a database of its own)."""

import os
import re
import subprocess
import sys
import tempfile
import time

from common import Client, Commid, Load, free_port, log, psql, which, with_database

HERE = os.path.dirname(os.path.abspath(__file__))
CADDYFILE = os.path.join(HERE, "..", "..", "deploy", "Caddyfile")


def caddyfile(upstreams, admin_port):
    """deploy/Caddyfile with loopback upstreams and its admin endpoint on a
    free port; the site address comes from SITE_ADDRESS as in the stack."""
    text = open(CADDYFILE).read()
    text, n = re.subn(r"reverse_proxy commid-a:8080 commid-b:8080",
                      "reverse_proxy " + " ".join(upstreams), text)
    assert n == 1, "deploy/Caddyfile no longer names commid-a:8080 commid-b:8080"
    text = text.replace("\tskip_install_trust\n", f"\tskip_install_trust\n\tadmin 127.0.0.1:{admin_port}\n", 1)
    return text


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise SystemExit(f"operations: {what} within {seconds} s")


def health_interval():
    m = re.search(r"health_interval (\d+)s", open(CADDYFILE).read())
    return int(m.group(1)) if m else 5


def main():
    binary, base_url = sys.argv[1], sys.argv[2]
    caddy = which(["caddy"])
    if not caddy:
        raise SystemExit("operations: caddy is not installed")
    name = f"commid_ops_{os.getpid()}"
    psql(base_url, f"CREATE DATABASE {name}")
    work = tempfile.mkdtemp(prefix="commid-ops-")
    instances, proxy, load = [], None, None
    try:
        url = with_database(base_url, name)
        instances = [Commid(binary, n, free_port(), url, work) for n in ("a", "b")]
        for i in instances:
            i.start()
        caddy_port, admin_port = free_port(), free_port()
        path = os.path.join(work, "Caddyfile")
        with open(path, "w") as f:
            f.write(caddyfile([f"127.0.0.1:{i.port}" for i in instances], admin_port))
        env = dict(os.environ, SITE_ADDRESS=f"http://127.0.0.1:{caddy_port}",
                   HOME=work, XDG_DATA_HOME=work, XDG_CONFIG_HOME=work)
        proxy = subprocess.Popen([caddy, "run", "--config", path, "--adapter", "caddyfile"],
                                 stdout=open(os.path.join(work, "caddy.log"), "w"),
                                 stderr=subprocess.STDOUT, env=env)
        key = instances[0].key()
        probe = Client("127.0.0.1", caddy_port, key)
        wait_for(lambda: probe.call("GET", "/identities?maxPageSize=1")[0] == 200, 30,
                 "Caddy did not answer through to commid")
        # Both instances in rotation: Caddy's first active checks have run.
        time.sleep(health_interval() + 1)

        load = Load(lambda: Client("127.0.0.1", caddy_port, key), clients=4)
        load.start()
        time.sleep(3)
        drains = []
        for i in instances:
            before = load.total()
            seconds, status = i.terminate()
            drains.append(seconds)
            log(f"instance {i.name}: SIGTERM to exit {seconds:.2f} s (status {status}), "
                f"{load.total() - before} requests meanwhile")
            if status != 0:
                raise SystemExit(f"operations: instance {i.name} exited {status} after SIGTERM")
            i.start()
            wait_for(lambda: i.status("/readyz") == 200, 30, f"instance {i.name} did not come back")
            # Until Caddy's next active check, the restarted instance is out
            # of rotation; the next SIGTERM must find it back in.
            time.sleep(health_interval() + 1)
        time.sleep(2)
        load.finish()
        log(f"{load.total()} requests through Caddy during two rolling restarts: {load.summary()}")
        log("drain (SIGTERM to exit): " + ", ".join(f"{d:.2f} s" for d in drains))
        failed = [c for c in load.failures]
        for f in failed[:20]:
            log("failed:", *f[1:])
        if failed:
            raise SystemExit(f"operations: {len(failed)} of {load.total()} requests failed "
                             f"during the rolling restart (logs in {work})")
        count = int(psql(url, "SELECT count(*) FROM identities"))
        if count < len(load.created):
            raise SystemExit(f"operations: {len(load.created)} identities created, {count} stored")
        log(f"rolling restart: 0 failed of {load.total()}; all {len(load.created)} created identities stored")
    finally:
        if load:
            load.stop.set()
        if proxy:
            proxy.terminate()
            proxy.wait()
        for i in instances:
            i.kill()
        psql(base_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
