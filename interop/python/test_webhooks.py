"""Real webhook deliveries of a real commid server, verified with the
published Standard Webhooks library (``standardwebhooks`` from PyPI),
unchanged: proof that commid's signatures are Standard Webhooks'.

``interop/run`` starts the server allowed to deliver to
``localhost:$COMMID_HOOK_PORT`` and gives this receiver the server's own
certificate (``COMMID_HOOK_CERT``, ``COMMID_HOOK_KEY``), which the server
trusts; the subscription is made with ``commid identity subscription``
(``COMMID_BIN``), the events with the Azure SDK.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

PORT = os.environ.get("COMMID_HOOK_PORT")
pytestmark = pytest.mark.skipif(
    not PORT, reason="interop/run sets COMMID_HOOK_PORT: the server must be allowed to deliver here"
)


class Receiver:
    """HTTPS on localhost:PORT; records each delivery's headers and body."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        received = self.deliveries

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", int(PORT)), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.environ["COMMID_HOOK_CERT"], os.environ["COMMID_HOOK_KEY"])
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, n: int, within: float = 20.0) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + within
        while len(self.deliveries) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.deliveries)

    def stop(self) -> None:
        self.httpd.shutdown()


def commid(server, *args: str) -> dict:
    env = dict(os.environ, COMMUNICATION_SERVICES_CONNECTION_STRING=server.connection_string)
    # The run exports COMMID_ENDPOINT for the Bearer suites; this one signs with the key.
    env.pop("COMMID_ENDPOINT", None)
    run = subprocess.run(
        [os.environ["COMMID_BIN"], "identity", *args, "--ca-cert", server.ca_bundle],
        env=env, capture_output=True, text=True, check=False, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout) if run.stdout.strip() else {}


def test_real_deliveries_verify_with_the_standard_webhooks_library(server, client):
    receiver = Receiver()
    try:
        url = f"https://localhost:{PORT}/commid"
        created = commid(server, "subscription", "create", "--url", url, "--event", "created", "tokensRevoked")
        secret = created["secret"]
        assert secret.startswith("whsec_")
        time.sleep(1.0)  # the deliverer picks the new subscription up

        user = client.create_user()
        client.revoke_tokens(user)
        deliveries = receiver.wait_for(2)
        assert len(deliveries) == 2, deliveries

        webhook = Webhook(secret)
        payloads = [webhook.verify(body, headers) for headers, body in deliveries]
        assert [p["type"] for p in payloads] == ["identity.created", "identity.tokensRevoked"]
        assert all(p["data"]["id"] == user.properties["id"] for p in payloads)
        assert payloads[0]["data"]["sequence"] < payloads[1]["data"]["sequence"]
        headers, body = deliveries[0]
        assert headers["webhook-id"].startswith("evt_")

        with pytest.raises(WebhookVerificationError):
            webhook.verify(body.replace(b"created", b"deleted"), headers)
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").verify(body, headers)

        commid(server, "subscription", "delete", "--id", created["id"])
    finally:
        receiver.stop()
