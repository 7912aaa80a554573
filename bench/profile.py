"""Where the server spends its CPU issuing tokens: `perf record` on the
release server while wrk issues tokens (as bench.py's issue row does, the
access log on at info), then the hottest functions by their own samples.
Also prints the server's CPU per issued token over the same run.

Usage: python3 bench/profile.py [--seconds N] [--top N] [--verify | --healthz] [--binary PATH]
  --verify: profile POST /accessTokens/:verify of one token, again and again.
  --healthz: profile GET /healthz, the framework's floor.
Needs Debian's linux-perf and wrk, and perf_event_paranoid <= 2 (as root)."""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from bench import BIN, Server, fresh_dir, issue_requests, wrk  # noqa: E402
from lib import perf_samples, request  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--verify", action="store_true")
    ap.add_argument("--healthz", action="store_true")
    ap.add_argument("--binary", default=BIN)
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="commid-profile-")
    server = Server(fresh_dir(), log_file=os.path.join(work, "server.log"), binary=args.binary)
    try:
        ids = [server.call("POST", "/identities")["identity"]["id"] for _ in range(200)]
        if args.healthz:
            requests = [("GET", "/healthz", {"Host": server.host}, b"")]
            label = "GET /healthz"
        elif args.verify:
            token = server.call("POST", f"/identities/{ids[0].replace(':', '%3A')}/:issueAccessToken",
                                {"scopes": ["voip"]})["token"]
            requests = [request("POST", "/accessTokens/:verify", server.host, server.key, {"token": token})]
            label = "verify the same token"
        else:
            requests = issue_requests(server, ids)
            label = "issue token"
        _, lines = perf_samples(server.proc.pid, lambda: wrk(server, requests, label, duration=args.seconds))
        print(f"  server CPU per request: {server.last_cpu / max(server.last_ok, 1) * 1e6:.1f} µs "
              f"({server.last_ok:,} answered 2xx)")
    finally:
        server.stop()
    print(f"  top {args.top} by own samples (% of the server's samples):")
    for line in lines[:args.top]:
        print("   ", " ".join(line.split()))


if __name__ == "__main__":
    main()
