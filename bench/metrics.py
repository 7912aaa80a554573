"""The metrics row of the benchmark: issue token on a server with metrics on
(and scraped every second, as a busy Prometheus would) against the same
server with metrics off, on copies of one data dir, interleaved round by
round, each first in turn, so that a disturbance of the shared machine
falls on both; each is the median of the rounds, and the server CPU per
issued token is compared too. The target: within 3% of the metrics-off
rate."""

import shutil
import statistics
import tempfile
import threading
import urllib.request


def scrape_every_second(server, stop):
    while not stop.wait(1.0):
        try:
            urllib.request.urlopen(f"{server.base}/metrics", timeout=5).read()
        except OSError:
            pass


def measure(server_class, wrk, issue_requests, row, ceiling, data_dir, ids, rounds):
    """Adds the metrics-on row and its ratio to metrics off."""
    rounds = max(4, rounds + rounds % 2)  # even: each server first equally often
    on_dir = tempfile.mkdtemp(prefix="commid-bench-metrics-")
    shutil.copytree(data_dir, on_dir, dirs_exist_ok=True)
    servers = {}
    stop = threading.Event()
    try:
        servers["metrics off"] = server_class(data_dir)
        servers["metrics on"] = server_class(on_dir, ["--metrics"])
        reqs = {n: issue_requests(s, ids) for n, s in servers.items()}
        threading.Thread(target=scrape_every_second, args=(servers["metrics on"], stop), daemon=True).start()
        for n, s in servers.items():
            wrk(s, reqs[n], f"issue token, {n} (warm-up)", duration=1)
        rps = {n: [] for n in servers}
        cpu = {n: [0.0, 0] for n in servers}
        failed = 0
        for r in range(rounds):
            # Each goes first in turn, so that neither always follows the other.
            order = list(servers.items()) if r % 2 == 0 else list(servers.items())[::-1]
            for n, s in order:
                value, bad, _ = wrk(s, reqs[n], f"round {r + 1}/{rounds}: issue token, {n}")
                rps[n].append(value)
                cpu[n][0] += s.last_cpu
                cpu[n][1] += s.last_ok
                failed += bad
    finally:
        stop.set()
        for s in servers.values():
            s.stop()
        shutil.rmtree(on_dir, ignore_errors=True)
    on, off = statistics.median(rps["metrics on"]), statistics.median(rps["metrics off"])
    # Server CPU per token: less disturbed by the machine's other load than throughput.
    us = {n: c / max(ok, 1) * 1e6 for n, (c, ok) in cpu.items()}
    print(f"  metrics on/off: {on / off:.3f} (on {', '.join(f'{v:,.0f}' for v in rps['metrics on'])}; "
          f"off {', '.join(f'{v:,.0f}' for v in rps['metrics off'])}); server CPU per token "
          f"{us['metrics on']:.1f} µs on, {us['metrics off']:.1f} µs off", flush=True)
    row(f"issue token with metrics on, scraped every second (median of {rounds})", on, "req/s", on / ceiling)
    row("… vs metrics off, interleaved", on / off, "× the metrics-off rate", None, "within 3%",
        on / off >= 0.97 and failed == 0)
    row("… server CPU per issued token, metrics on vs off", us["metrics on"] / us["metrics off"], "×", None)
