"""Where the CPU of a health check and of an issued token goes, by kind of
code: the kernel (sockets, wakeups), aws-lc (the signature and its hashes),
the allocator and memory copies, and the rest of the server's own code.
Same server and load as bench/floor.py (wrk, one thread, 64 connections,
access log at info, metrics on, one pre-signed request); `perf record`
samples the server during each run, and each kind's share of the samples
is converted to µs of the measured CPU per request.

Usage: python3 bench/split.py [--seconds N] [--binary PATH]...
Needs Debian's linux-perf and wrk, and perf_event_paranoid <= 2 (as root)."""

import argparse
import collections
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from bench import BIN, Server  # noqa: E402
from floor import cpu_per_request, issue_request  # noqa: E402
from lib import perf_samples  # noqa: E402

KINDS = [
    ("aws-lc", r"nistz256|bignum|bn_|ECDSA|ecdsa|sha256_block|sha512_block|aws_lc|EVP_|OPENSSL|p256|^ec_|BN_"),
    ("allocator, memset/memcpy", r"malloc|free|^_?mi_|realloc|memset|memmove|memcpy"),
]


def kind(symbol, dso):
    if dso.startswith("[kernel"):
        return "kernel"
    return next((k for k, rx in KINDS if re.search(rx, symbol)), "the rest of the server's code")


def split(binary, seconds):
    work = tempfile.mkdtemp(prefix="commid-split-")
    data = os.path.join(work, "data")
    os.mkdir(data)
    server = Server(data, ["--metrics"], log_file=os.path.join(work, "server.log"), binary=binary)
    try:
        runs = {"GET /healthz": [("GET", "/healthz", {"Host": server.host}, b"")],
                "issue token": [issue_request(server)]}
        cpu_per_request(server, runs["issue token"], "issue token (warm-up)", 1)
        for label, requests in runs.items():
            (us, _), lines = perf_samples(server.proc.pid, lambda: cpu_per_request(server, requests, label, seconds),
                                          frequency=1999, percent_limit=0)
            shares = collections.Counter()
            for line in lines:
                m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[.\]\s+(.*)", line)
                if m:
                    shares[kind(m.group(3), m.group(2))] += float(m.group(1))
            parts = ", ".join(f"{k} {v / 100 * us:.1f}" for k, v in sorted(shares.items()))
            print(f"  {binary}: {label} {us:.1f} µs: {parts}", flush=True)
    finally:
        server.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("--binary", action="append")
    args = ap.parse_args()
    for binary in args.binary or [BIN]:
        split(binary, args.seconds)


if __name__ == "__main__":
    main()
