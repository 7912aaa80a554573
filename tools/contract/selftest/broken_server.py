"""A commid that is broken on purpose, for tools/contract/selftest: runs
the real binary (COMMID_REAL_BINARY) with the arguments it was given and
puts a proxy in front of it that breaks one thing, named by
COMMID_BROKEN:

  none            nothing (the control: the gate must pass through it)
  unsatisfiable   /openapi.json gives /identityEvents a maxPageSize no
                  value satisfies (a schema schemathesis cannot generate)
  dropped         GET /identities/:count answers nothing: the connection
                  is closed (a network error)
  forged-accepted a well-formed `since` or `continuationToken` the server
                  never gave is dropped from the query, as a server that
                  checks the form but not the seal would
  malformed-500   a `since` or `continuationToken` not of the documented
                  form answers 500, as a server whose parser panics would
  signature       a signed request whose path or query holds a
                  percent-escape answers 401 Denied, as a server that
                  verifies the decoded target instead of the one sent
                  would

It prints what `commid serve` prints, with the proxy's address, and stops
the server when it is stopped."""

import base64
import http.client
import http.server
import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from hmac_auth import parse_connection_string, signed_headers  # noqa: E402

MODE = os.environ.get("COMMID_BROKEN", "none")
MODES = {"none", "unsatisfiable", "dropped", "forged-accepted", "malformed-500", "signature"}
if MODE not in MODES:
    sys.exit(f"COMMID_BROKEN={MODE!r}: one of {', '.join(sorted(MODES))}")

SEALED_NAMES = ("since", "continuationToken")
SEALED_FORM = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}

server = subprocess.Popen([os.environ["COMMID_REAL_BINARY"], *sys.argv[1:]], stdout=subprocess.PIPE, text=True)
lines = []
for line in server.stdout:
    lines.append(line)
    if line.startswith("Connection string: "):
        break
upstream = urllib.parse.urlsplit(next(line for line in lines if line.startswith("Listening on "))[13:].strip())
connection_string = next(line for line in lines if line.startswith("Connection string: "))[19:].strip()
key = base64.b64decode(parse_connection_string(connection_string)["accesskey"])
issued = set()
issued_lock = threading.Lock()


def remember_issued(headers, body):
    """The sealed values an answer carries (cursor, nextLink, Location)."""
    found = re.findall(rb"(?:since|continuationToken)=([A-Za-z0-9_.%-]+)", body)
    found += re.findall(r"(?:since|continuationToken)=([A-Za-z0-9_.%-]+)", headers.get("Location", ""))
    found += re.findall(rb'"cursor":"([A-Za-z0-9_.-]+)"', body)
    with issued_lock:
        for value in found:
            value = value.decode() if isinstance(value, bytes) else value
            issued.add(urllib.parse.unquote(value))


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, code, message):
        body = json.dumps({"error": {"code": code, "message": message}}).encode()
        self.answer(status, body, [("Content-Type", "application/json")])

    def forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        sealed = [(name, value) for name, value in query if name in SEALED_NAMES]
        target = self.path
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}

        if MODE == "dropped" and url.path == "/identities/:count":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if MODE == "signature" and "%" in self.path and self.headers.get("Authorization", "").startswith("HMAC"):
            return self.error(401, "Denied", "Denied by the resource provider.")
        if MODE == "malformed-500" and any(not SEALED_FORM.match(value) for _, value in sealed):
            return self.error(500, "InternalError", "The server could not read the cursor.")
        if MODE == "forged-accepted":
            with issued_lock:
                forged = {n for n, v in sealed if SEALED_FORM.match(v) and v not in issued}
            if forged:
                kept = [(n, v) for n, v in query if n not in forged]
                target = urllib.parse.urlunsplit(("", "", url.path, urllib.parse.urlencode(kept), ""))
                if headers.get("Authorization", "").startswith("HMAC"):
                    resign(self.command, headers, target, body)

        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        try:
            connection.request(self.command, target, body=body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        finally:
            connection.close()
        remember_issued(response.headers, payload)
        if MODE == "unsatisfiable" and url.path == "/openapi.json" and response.status == 200:
            payload = unsatisfiable(payload)
        kept_headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP | {"content-length"}]
        self.answer(response.status, payload, kept_headers)

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.forward
        raise AttributeError(name)


def resign(method, headers, target, body):
    """Signs a request the proxy altered as its client would have."""
    for name, value in signed_headers(key, method, target, headers.get("Host"), body).items():
        for old in [k for k in headers if k.lower() == name.lower()]:
            del headers[old]
        headers[name] = value


def unsatisfiable(payload):
    document = json.loads(payload)
    for parameter in document["paths"]["/identityEvents"]["get"]["parameters"]:
        if parameter["name"] == "maxPageSize":
            parameter["required"] = True
            parameter["schema"] = {"type": "integer", "minimum": 10, "maximum": 1}
    return json.dumps(document).encode()


proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
threading.Thread(target=proxy.serve_forever, daemon=True).start()


def stop(*_):
    server.terminate()
    server.wait()
    os._exit(0)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
for line in lines:
    if line.startswith("Listening on "):
        line = f"Listening on http://127.0.0.1:{proxy.server_address[1]}/\n"
    sys.stdout.write(line)
sys.stdout.flush()
for line in server.stdout:
    sys.stdout.write(line)
    sys.stdout.flush()
server.wait()
