"""The webhook row of the benchmark: event-to-delivery latency (p50, p99)
with 100 subscriptions while 1,000 events/s happen, and the issue-token
rate beside those deliveries against the same load without subscriptions,
in the same run.

The events are token revocations of 100 identities (custom ids bench-0 …
bench-99), each subscription asking for one identity's: 1,000 deliveries a
second in all, ten per subscription. bench/webhooks.js (Node.js) is the
receiver (HTTPS, with a certificate commid made) and the open-loop load.

    python3 bench/webhooks.py [--quick] [--alone] [BINARY]

BINARY defaults to bench.py's (target/release/commid, or under
CARGO_TARGET_DIR); bench/run calls it after bench.py.
`--alone`: no wrk beside the deliveries, so the CPU per delivery is
measured without a saturated machine's contention (an A/B of two builds
is steadier this way), and the issue-rate line is left out.
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench import BIN as BUILT, Server, wrk  # noqa: E402
from lib import free_port, request  # noqa: E402

QUICK = "--quick" in sys.argv
ALONE = "--alone" in sys.argv
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
BIN = os.path.abspath(ARGS[0]) if ARGS else BUILT
NODE = os.environ.get("BENCH_NODE", "node")
SUBSCRIPTIONS = 100
RATE = 1000
SECONDS = 5 if QUICK else 10


def receiver_certificate(scratch):
    """commid's own self-signed set, made by a short TLS start in `scratch`:
    the receiver presents server.pem, the server under test trusts ca.pem."""
    proc = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{free_port()}", "--data-dir", scratch],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("TLS certificate: "):
            break
    proc.terminate()
    proc.wait(timeout=30)
    tls = os.path.join(scratch, "tls")
    return os.path.join(tls, "server.pem"), os.path.join(tls, "server.key"), os.path.join(tls, "ca.pem")


def load(server, cert, key, ids, port, seconds, issuer_identity):
    """The revocations at RATE for `seconds` with wrk issuing tokens beside
    them: (the receiver's figures, the issue rate)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"port": port, "cert": cert, "key": key, "base": server.base, "host": server.host,
                   "accessKey": server.key, "ids": ids, "rate": RATE, "seconds": seconds}, f)
        config = f.name
    node = subprocess.Popen([NODE, os.path.join(os.path.dirname(__file__), "webhooks.js"), config],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    time.sleep(0.5)
    issue = request("POST", f"/identities/{issuer_identity.replace(':', '%3A')}/:issueAccessToken",
                    server.host, server.key, {"scopes": ["chat"]})
    before = server.cpu_seconds()
    if ALONE:
        time.sleep(seconds - 1)
        rps, bad = 0.0, 0
    else:
        rps, bad, _ = wrk(server, [issue], "issue token", duration=seconds - 1)
    out, _ = node.communicate(timeout=seconds + 60)
    figures = json.loads(out.strip().splitlines()[-1])
    # The server's CPU over the whole load, deliveries drained included.
    figures["server_cpu_s"] = server.cpu_seconds() - before
    os.unlink(config)
    return figures, rps, bad


def main():
    with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryDirectory() as data:
        cert, key, ca = receiver_certificate(scratch)
        port = free_port()
        server = Server(data, binary=BIN, env={
            "COMMID_WEBHOOK_ALLOWED_HOSTS": f"localhost:{port}",
            "COMMID_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
            "COMMID_WEBHOOK_CA_CERT": ca,
        })
        try:
            ids = [server.call("POST", "/identities", {"customId": f"bench-{i}"})["identity"]["id"]
                   for i in range(SUBSCRIPTIONS)]
            issuer_identity = server.call("POST", "/identities")["identity"]["id"]
            print(f"webhooks: {RATE:,} revocations/s of {SUBSCRIPTIONS} users for {SECONDS}s, "
                  "wrk issuing tokens beside them", flush=True)
            print("  without subscriptions:", flush=True)
            plain, without, _ = load(server, cert, key, ids, port, SECONDS, issuer_identity)
            for i in range(SUBSCRIPTIONS):
                server.call("POST", "/webhookSubscriptions", {
                    "callbackUrl": f"https://localhost:{port}/hook/{i}",
                    "eventKinds": ["tokensRevoked"], "customId": f"bench-{i}"})
            time.sleep(1.5)  # every subscription leased
            print(f"  with {SUBSCRIPTIONS} subscriptions delivering:", flush=True)
            figures, beside, _ = load(server, cert, key, ids, port, SECONDS, issuer_identity)
        finally:
            server.stop()
    change = (beside - without) / without * 100 if without else 0.0
    print(f"  event-to-delivery latency: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, "
          f"max {figures['max_ms']} ms; {figures['delivered']:,} delivered of {figures['sent']:,} events "
          f"({figures['failed']} revocations failed)")
    if not ALONE:
        print(f"  issue token beside the deliveries: {beside:,.0f} req/s, without: {without:,.0f} req/s "
              f"({change:+.1f}%; goal: within 5%)")
    # What the deliveries cost, from the processes' own counters: the
    # server's CPU per delivery beyond the same load without them, and the
    # receiver's (Node.js, TLS) per request it took, both on the same 2 cores.
    # ("per request without deliveries" counts the revocations, and the
    # tokens issued unless --alone.)
    issued_plain, issued_beside = without * (SECONDS - 1), beside * (SECONDS - 1)
    per_token = plain["server_cpu_s"] / max(issued_plain + plain["sent"], 1)
    extra = figures["server_cpu_s"] - per_token * (issued_beside + figures["sent"])
    delivered = max(figures["delivered"], 1)
    print(f"  CPU per delivery: server {extra / delivered * 1e6:,.0f} µs, receiver "
          f"{(figures['cpu_s'] - plain['cpu_s']) / delivered * 1e6:,.0f} µs; server CPU per request without "
          f"deliveries {per_token * 1e6:,.0f} µs")
    return figures, beside, without


if __name__ == "__main__":
    main()
