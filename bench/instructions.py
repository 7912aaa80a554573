"""Instructions per request, by component: the release server under
valgrind's callgrind answers N requests on one keep-alive connection
(after a warm-up that is not counted), then the inclusive instruction
counts of the functions that make up a request are printed per request.
Instruction counts do not depend on what else the machine runs, unlike
time. Build with line tables so that callgrind can name functions:

    CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build --release --bin commid

Usage: python3 bench/instructions.py [--requests N] [--healthz] [--binary PATH] [--out FILE]
Needs valgrind (Debian package). The access log is at info and metrics on,
as in bench/floor.py."""

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench import BIN  # noqa: E402
from lib import free_port, request  # noqa: E402

# (label, regex on callgrind_annotate's function names); inclusive counts.
PARTS = [
    ("HTTP/1 dispatcher outside the request's task (read, parse, write)", r"actix_http::h1::dispatcher::Dispatcher.*::poll$"),
    ("middleware `observe`: spawned task, request ids, metrics, access line", r"commid::http::middleware::served::\{\{closure\}\}$"),
    ("ApiRequest extraction (body, authentication, api-version)", r"<commid::http::extract::ApiRequest as actix_web::extract::FromRequest>::from_request::\{\{closure\}\}$"),
    ("… request authentication (HMAC)", r"^commid::auth::authenticate$"),
    ("… … HMAC-SHA256 of the string to sign", r"^commid::acs::hmac::verify(_request)?$"),
    ("… … content hash of the body", r"^commid::acs::hmac::content_hash_is$"),
    ("… … Authorization header parse", r"^commid::acs::hmac::Authorization::parse$"),
    ("… … date parse", r"^httpdate::parse_http_date$"),
    ("… query string", r"url::form_urlencoded"),
    ("handler `issue_token`", r"^commid::http::issue_token::issue_token::\{\{closure\}\}$"),
    ("… body JSON", r"serde_json::de::from_slice"),
    ("… revocation epoch", r"live_epoch"),
    ("… tokens::issue (claims, encoding, signature)", r"^commid::tokens::issue$"),
    ("… … ES256 signature (aws-lc ECDSA_sign)", r"ECDSA_sign$|ecdsa_sign_with_nonce|aws_lc_0_\d+_\d+_ECDSA_do_sign$"),
    ("… token_issued (lastTokenIssuedAt)", r"token_issued$"),
    ("… response JSON", r"^commid::http::respond::(token_json|access_token)"),
    ("access line", r"^commid::http::middleware::access_line$"),
    ("metrics observe", r"^commid::metrics::http::HttpMetrics::observe$"),
    ("route template for metrics", r"document_template$"),
    ("route matching", r"actix_router::resource::ResourceDef::capture_match_info_fn"),
    ("malloc + free (own instructions, all callers)", r"^(malloc|free|_int_malloc|_int_free|realloc|__libc_malloc|cfree|__libc_free|_int_realloc|malloc_consolidate)$"),
    ("kernel entries: send / recv / epoll (user side only)", r"^(__libc_send|__libc_recv|send|recv|__send|__recv|epoll_wait|writev|read|write)$"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--healthz", action="store_true")
    ap.add_argument("--binary", default=BIN)
    ap.add_argument("--out", default=None, help="keep the callgrind output here")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="commid-callgrind-")
    out = args.out or os.path.join(work, "callgrind.out")
    port = free_port()
    data = os.path.join(work, "data")
    os.mkdir(data)
    env = {**os.environ, "RUST_LOG": "info", "COMMID_RATE_LIMIT_PER_SECOND": "0",
           "COMMID_SHOW_CONNECTION_STRING": "true"}
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--instr-atstart=no",
                             args.binary, "serve", "--http", "--listen", f"127.0.0.1:{port}", "--workers", "1",
                             "--metrics", "--data-dir", data],
                            stdout=subprocess.PIPE, stderr=open(os.path.join(work, "server.log"), "w"), text=True,
                            env=env)
    key = host = None
    for line in proc.stdout:
        if line.startswith("Connection string: "):
            cs = dict(p.split("=", 1) for p in line.strip()[len("Connection string: "):].split(";") if p)
            host = cs["endpoint"].rstrip("/").split("://", 1)[1]
            key = cs["accesskey"]
            break
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    conn = None
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            break
        except OSError:
            time.sleep(0.1)

    def send(req):
        method, target, headers, body = req
        conn.request(method, target, body=body or None, headers=headers)
        r = conn.getresponse()
        text = r.read()
        if r.status // 100 != 2:
            sys.exit(f"{method} {target}: {r.status} {text[:300]!r}")
        return text

    import json
    if args.healthz:
        req = ("GET", "/healthz", {"Host": host}, b"")
    else:
        identity = json.loads(send(request("POST", "/identities", host, key)))["identity"]["id"]
        req = request("POST", f"/identities/{identity.replace(':', '%3A')}/:issueAccessToken", host, key,
                      {"scopes": ["chat", "voip"]})
    for _ in range(200):
        send(req)
    subprocess.run(["callgrind_control", "-i", "on", str(proc.pid)], check=True, capture_output=True)
    for _ in range(args.requests):
        send(req)
    subprocess.run(["callgrind_control", "-i", "off", str(proc.pid)], check=True, capture_output=True)
    conn.close()
    proc.terminate()
    proc.wait(timeout=120)
    annotate = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", out],
                              capture_output=True, text=True, check=True).stdout
    report(annotate, args.requests, "GET /healthz" if args.healthz else "issue token (chat, voip)")
    print(f"callgrind output: {out}")


def report(annotate, n, label):
    rows = []
    total = None
    for line in annotate.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(.*)", line)
        if not m:
            continue
        count = int(m.group(1).replace(",", ""))
        name = m.group(2).strip()
        if "PROGRAM TOTALS" in name:
            total = count
            continue
        # "file:function [object]" → function
        fn = re.sub(r"\s*\[[^\]]*\]$", "", name)
        fn = fn.split(":", 1)[1] if re.match(r"^[^ ]*\.(rs|c|h|S|s)?:|^\?\?\?:", fn) else fn
        rows.append((count, fn))
    print(f"{label}: {n} requests; instructions per request (inclusive)")
    if total:
        print(f"  {'all threads, all code (background threads too)':<70} {total / n:>10,.0f}")
    for lbl, pattern in PARTS:
        rx = re.compile(pattern)
        hits = [(c, f) for c, f in rows if rx.search(f)]
        if not hits:
            continue
        # Several monomorphisations or symbols: the largest, unless all are leaves (malloc): sum.
        c = sum(c for c, _ in hits) if lbl.startswith(("malloc", "kernel")) else max(c for c, _ in hits)
        print(f"  {lbl:<70} {c / n:>10,.0f}")


if __name__ == "__main__":
    main()
