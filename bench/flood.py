"""The flood rows of the benchmark: legitimate signed requests (issue token,
in open loop at a fixed rate) while another client floods the server with
bad credentials at full speed (wrk: `Authorization: Bearer x` to both Bearer
exchanges and creates signed with a wrong key). The same server and the same
legitimate load first without the flood, then with it, in one run.

Both clients reach the server through loopback, so the server trusts
127.0.0.1 as a proxy (`trusted_proxies`) and each request names its client
in `X-Forwarded-For`, as Caddy would write it: the flood is one address,
the legitimate load another. The resource's rate limit is on and above the
legitimate rate. The goal: no legitimate 429, and its p99 within twice the
one without the flood."""

import os
import re
import subprocess
import tempfile
import threading
import time

import openloop
from lib import request, wrk_script

LEGITIMATE_RATE = 500
RESOURCE_LIMIT = 1000
ATTACKER = "203.0.113.7"
CLIENT = "198.51.100.1"


def bad_requests(server):
    """What the flood sends, from ATTACKER."""
    bearer = {"Host": server.host, "Authorization": "Bearer x", "Content-Type": "application/json",
              "X-Forwarded-For": ATTACKER}
    wrong_key = request("POST", "/identities", server.host, "bm90IHRoZSByZXNvdXJjZSdzIGtleQ==")
    wrong_key[2]["X-Forwarded-For"] = ATTACKER
    return [
        ("POST", "/access/teamsExtension/:exchangeAccessToken?api-version=2025-06-30", bearer, b"{}"),
        ("POST", "/access/entra/:exchangeAccessToken?api-version=2025-03-02-preview", bearer, b"{}"),
        wrong_key,
    ]


def start_flood(server, duration):
    """wrk in the background for `duration` s; returns the process and its script."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        script = f.name
    wrk_script(bad_requests(server), script, threads=1)
    proc = subprocess.Popen(["wrk", "-t1", "-c32", f"-d{duration}s", "-s", script, server.base],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, script


def legitimate(server, ids, duration, statuses):
    req = request("POST", f"/identities/{ids[0].replace(':', '%3A')}/:issueAccessToken", server.host,
                  server.key, {"scopes": ["voip"]})
    req[2]["X-Forwarded-For"] = CLIENT
    return openloop.latency(server.base, req, LEGITIMATE_RATE, duration, statuses=statuses)


def measure(server_class, row, data_dir, ids, duration):
    server = server_class(data_dir, env={"COMMID_RATE_LIMIT_PER_SECOND": str(RESOURCE_LIMIT),
                                         "COMMID_TRUSTED_PROXIES": "127.0.0.1"})
    try:
        quiet_statuses, flood_statuses = {}, {}
        quiet, _, _ = legitimate(server, ids, duration, quiet_statuses)
        print(f"  legitimate issue token at {LEGITIMATE_RATE}/s, no flood: p99 {quiet[99]:.2f} ms, "
              f"statuses {quiet_statuses}", flush=True)
        flood, script = start_flood(server, duration + 2)
        time.sleep(1)
        loud, _, _ = legitimate(server, ids, duration, flood_statuses)
        out, err = flood.communicate(timeout=duration + 30)
        os.unlink(script)
        if err.strip():
            raise SystemExit(f"wrk failed on the flood: {err.strip()}")
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        completed = int(re.search(r"(\d+) requests in", out).group(1))
        refused = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        refused = int(refused.group(1)) if refused else 0
        print(f"  legitimate issue token at {LEGITIMATE_RATE}/s, under the flood: p99 {loud[99]:.2f} ms, "
              f"statuses {flood_statuses}; the flood: {rate:,.0f} req/s, {refused} of {completed} refused",
              flush=True)
    finally:
        server.stop()
    too_many = flood_statuses.get("429", 0)
    ratio = loud[99] / quiet[99]
    row(f"issue token at {LEGITIMATE_RATE} req/s while another address floods bad credentials at full speed: "
        f"legitimate 429s", too_many, "responses", None, "0", too_many == 0)
    row("… its p99 under the flood", loud[99], "ms", None, "≤ 2 × without the flood", ratio <= 2)
    row("… its p99 without the flood (same run)", quiet[99], "ms")
    row(f"… the flood (all refused: {refused == completed})", rate, "req/s")
