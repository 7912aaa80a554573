"""CPU per token against the floor (issue 26): what the server spends on one
issued token, against what it cannot avoid spending, both measured in the
same run. The floor is one GET /healthz (the HTTP exchange, routing, the
middleware, the access line) plus one ECDSA P-256 signature
(`openssl speed ecdsap256`, which reports sign/s over its own CPU time).

One server, fresh data dir, access log at info (as `serve` defaults to)
and metrics on: every per-request cost a deployment can have is in both
the floor and the token. Each round runs wrk (one thread, 64 keep-alive
connections, 8 s) against GET /healthz, then against issue token (one
identity, scopes chat and voip, one pre-signed request: a signature is
good for 15 minutes), then `openssl speed`; the server's CPU is its
utime + stime from /proc/PID/stat before and after each wrk run, over the
2xx answers. Rounds interleave so that a disturbance of the shared
machine falls on all three; the ratio is the median of the rounds'.

Usage: python3 bench/floor.py [--rounds N] [--seconds N] [--binary PATH]...
(bench/run adds its rows to the table of docs/BENCHMARKS.md; with several
--binary, the builds take turns within each round, to compare them)."""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from lib import request, wrk_script  # noqa: E402

CONNECTIONS = 64
SECONDS = 8
SIGN_SECONDS = 3


def cpu_per_request(server, requests, label, seconds):
    """Runs wrk with one thread; returns (server CPU µs per 2xx answer, req/s)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        script = f.name
    wrk_script(requests, script, threads=1)
    before = server.cpu_seconds()
    run = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", script, server.base],
                         capture_output=True, text=True, check=True)
    cpu = server.cpu_seconds() - before
    os.unlink(script)
    if run.stderr.strip():
        sys.exit(f"wrk failed on {label}: {run.stderr.strip()}")
    out = run.stdout
    completed = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        sys.exit(f"bench: {label} answered {bad.group(1)} non-2xx: the CPU per request would be void")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    us = cpu / max(completed, 1) * 1e6
    print(f"  {label}: {us:.1f} µs of server CPU per request ({completed:,} answered, {rps:,.0f} req/s)",
          flush=True)
    return us, rps


def signature_us(seconds=SIGN_SECONDS):
    """CPU µs per ECDSA P-256 signature, by `openssl speed` (its CPU time)."""
    run = subprocess.run(["openssl", "speed", "-seconds", str(seconds), "-mr", "ecdsap256"],
                         capture_output=True, text=True, check=True)
    # Machine-readable summary: +F4:<n>:<bits>:<sign/s>:<verify/s>
    m = re.search(r"^\+F4:\d+:256:([\d.]+):([\d.]+)", run.stdout, re.M)
    if not m:
        sys.exit(f"bench: no ecdsap256 result from openssl speed:\n{run.stdout}{run.stderr}")
    us = 1e6 / float(m.group(1))
    print(f"  one ECDSA P-256 signature (openssl speed): {us:.1f} µs", flush=True)
    return us


def issue_request(server):
    identity = server.call("POST", "/identities")["identity"]["id"]
    return request("POST", f"/identities/{identity.replace(':', '%3A')}/:issueAccessToken", server.host,
                   server.key, {"scopes": ["chat", "voip"]})


def run(server_class, work, rounds, seconds, binaries=(None,)):
    """The rounds, each build's server in turn within each round (one
    signature measurement per round serves all); returns, per build,
    {name: [per-round values]}."""
    servers, got = [], []
    try:
        for n, binary in enumerate(binaries):
            data = os.path.join(work, f"data{n}")
            os.mkdir(data)
            extra = {"binary": binary} if binary else {}
            servers.append(server_class(data, ["--metrics"], log_file=os.path.join(work, f"server{n}.log"), **extra))
            got.append({"healthz": [], "issue": [], "signature": [], "ratio": [], "issue_rps": []})
        healthz = [[("GET", "/healthz", {"Host": s.host}, b"")] for s in servers]
        issue = [[issue_request(s)] for s in servers]
        # Not counted: the first requests fill the pool and the caches.
        for s, reqs in zip(servers, issue):
            cpu_per_request(s, reqs, "issue token (warm-up)", 1)
        for r in range(rounds):
            print(f" round {r + 1}/{rounds}", flush=True)
            measured = []
            for n, s in enumerate(servers):
                label = f" ({binaries[n]})" if len(servers) > 1 else ""
                h, _ = cpu_per_request(s, healthz[n], f"GET /healthz{label}", seconds)
                i, rps = cpu_per_request(s, issue[n], f"issue token{label}", seconds)
                measured.append((h, i, rps))
            sig = signature_us()
            for g, (h, i, rps) in zip(got, measured):
                g["healthz"].append(h)
                g["issue"].append(i)
                g["signature"].append(sig)
                g["ratio"].append(i / (h + sig))
                g["issue_rps"].append(rps)
    finally:
        for s in servers:
            s.stop()
    return got


def summary(got, label=""):
    med = {k: statistics.median(v) for k, v in got.items()}
    ratios = ", ".join(f"{v:.2f}" for v in got["ratio"])
    print(f"  {label}healthz {med['healthz']:.1f} µs, signature {med['signature']:.1f} µs, issue token "
          f"{med['issue']:.1f} µs: {med['ratio']:.2f}× the floor (median; rounds: {ratios})", flush=True)
    return med


def measure(server_class, row, rounds=3, seconds=SECONDS):
    """Adds the floor rows to the benchmark table."""
    work = tempfile.mkdtemp(prefix="commid-bench-floor-")
    print(f"CPU per token against the floor ({rounds} rounds)", flush=True)
    med = summary(run(server_class, work, rounds, seconds)[0])
    of = f"median of {rounds}"
    row(f"server CPU per GET /healthz, access log and metrics on ({of})", med["healthz"], "µs")
    row(f"one ECDSA P-256 signature, `openssl speed` ({of})", med["signature"], "µs")
    row(f"server CPU per issued token, same server ({of})", med["issue"], "µs")
    row("… against the floor (healthz + one signature), median of the rounds' ratios", med["ratio"], "×", None,
        "≤ 1.25× (aim 1.1×)", med["ratio"] <= 1.25)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=SECONDS)
    ap.add_argument("--binary", action="append",
                    help="a commid build (default target/release/commid); twice or more: the builds "
                         "interleaved round by round, to compare them")
    args = ap.parse_args()
    from bench import Server  # bench imports this module: import it here
    binaries = args.binary or [None]
    got = run(Server, tempfile.mkdtemp(prefix="commid-bench-floor-"), args.rounds, args.seconds, binaries)
    for binary, g in zip(binaries, got):
        summary(g, f"{binary or 'target/release/commid'}: ")


if __name__ == "__main__":
    main()
