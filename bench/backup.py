"""`commid backup` of a large SQLite store while clients write: how long the
copy takes, and what the writers see meanwhile (latency before and during
it, failures). Prints one line per phase.

    python3 bench/backup.py [IDENTITIES] [--bin target/release/commid]

The store is seeded straight into SQLite (lib.seed), then served; four
threads create identities as fast as the server answers; after 3 s the
backup runs; 2 s after it ends the writers stop. docs/deployment.md
("Backup and restore") shows the figures."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

BIN = os.path.abspath(sys.argv[sys.argv.index("--bin") + 1] if "--bin" in sys.argv else "target/debug/commid")
COUNT = int(next((a for a in sys.argv[1:] if a.isdigit()), "1000000"))


def serve(data):
    p = subprocess.Popen([BIN, "serve", "--http", "--listen", "127.0.0.1:0", "--data-dir", data,
                          "--show-connection-string"], stdout=subprocess.PIPE,
                         stderr=open(os.path.join(os.path.dirname(data), "server.log"), "w"), text=True)
    for line in p.stdout:
        if line.startswith("Connection string: "):
            cs = line.split(": ", 1)[1].strip()
            break
    threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
    return p, cs


def stats(rows):
    lat = sorted(r[1] for r in rows)
    if not lat:
        return "no requests"
    ms = lambda q: round(lat[min(len(lat) - 1, int(len(lat) * q))] * 1000, 1)
    failed = sum(1 for r in rows if r[2] != 201)
    return f"{len(lat)} creates, p50 {ms(0.5)} ms, p99 {ms(0.99)} ms, max {ms(1.0)} ms, {failed} failed"


def main():
    tmp = tempfile.mkdtemp(prefix="commid-backup-bench-")
    data = os.path.join(tmp, "data")
    p, _ = serve(data)
    p.terminate()
    p.wait()
    resource = json.loads(subprocess.check_output([BIN, "resource", "list", "--data-dir", data]))[0]["id"]
    lib.seed(os.path.join(data, "commid.sqlite3"), resource, COUNT)
    p, cs = serve(data)
    endpoint = cs.split("endpoint=")[1].split(";")[0].rstrip("/")
    key = cs.split("accesskey=")[1]
    host = endpoint.split("//")[1]
    stop, results = threading.Event(), []

    def writer():
        while not stop.is_set():
            method, target, headers, body = lib.request("POST", "/identities", host, key, {})
            t0 = time.time()
            try:
                status = urllib.request.urlopen(urllib.request.Request(
                    endpoint + target, data=body, headers=headers, method=method)).status
            except urllib.error.HTTPError as e:
                status = e.code
            results.append((t0, time.time() - t0, status))

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(3)
    b0 = time.time()
    out = subprocess.run([BIN, "backup", "--out", os.path.join(tmp, "copy.sqlite3"), "--data-dir", data],
                         capture_output=True, text=True, check=True)
    b1 = time.time()
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join()
    p.terminate()
    p.wait()
    copy = json.loads(out.stdout)
    print(f"backup: {b1 - b0:.2f} s, {copy['sizeBytes'] / 1e6:.1f} MB, {copy['identities']} identities")
    print("writes before:", stats([r for r in results if r[0] + r[1] < b0]))
    print("writes during:", stats([r for r in results if r[0] < b1 and r[0] + r[1] > b0]))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
