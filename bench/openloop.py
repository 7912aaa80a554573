"""Fixed-rate latency in open loop, with oha (bench/run installs it into
bench/.tools). oha sends requests on a schedule (-q) whether or not earlier
ones have been answered, and with --latency-correction it measures each one
from the moment it was due, not from the moment a free connection sent it:
when the server stalls, every request that the stall delayed counts the
delay (coordinated omission). hey -q, which bench used before, paces each
worker separately and starts the clock when the worker gets to send, so a
stall hid the wait of the requests queued behind it."""

import json
import os
import subprocess
import sys

OHA = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".tools", "bin", "oha")


def oha():
    path = os.environ.get("BENCH_OHA", OHA)
    if not os.access(path, os.X_OK):
        sys.exit(f"bench: oha not found at {path}: run bench/run, which installs it")
    return path


def latency(base, req, rate, duration, connections=50, statuses=None):
    """Percentiles (ms) of the 2xx responses to `req` sent at `rate` requests/s
    for `duration` s; returns (percentiles, achieved rate, failed count), and
    fills `statuses` (a dict), when given, with the count of each status.

    Every request is the same pre-signed one: commid accepts a signature for
    15 minutes either side of its date, far longer than a run, and the body
    (hence its content hash) never changes."""
    method, target, headers, body = req
    args = [oha(), "--no-tui", "--output-format", "json", "--stats-success-breakdown",
            "-z", f"{duration}s", "-q", str(rate), "--latency-correction",
            # Requests still in flight at the end are waited for, not counted as failures.
            "--wait-ongoing-requests-after-deadline",
            # No Accept-Encoding, as wrk's requests in the other rows.
            "--disable-compression",
            "-c", str(connections), "-m", method]
    for k, v in headers.items():
        if k.lower() == "content-type":
            args += ["-T", v]
        elif k.lower() == "host":
            args += ["--host", v]
        else:
            args += ["-H", f"{k}: {v}"]
    if body:
        args += ["-d", body.decode()]
    run = subprocess.run(args + [base + target], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"bench: oha failed: {run.stderr.strip()}")
    out = json.loads(run.stdout)
    counts = out["statusCodeDistribution"]
    if statuses is not None:
        statuses.update(counts)
    failed = sum(n for code, n in counts.items() if not code.startswith("2")) + sum(out["errorDistribution"].values())
    ok = out.get("latencyPercentilesSuccessful") or {}
    return ({p: (ok.get(f"p{p}") or float("nan")) * 1000 for p in (50, 99, 99.9)},
            out["summary"]["requestsPerSec"], failed)
