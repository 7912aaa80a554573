"""Fixtures of the Python interop suite.

The suite talks to a real commid server over HTTPS, through the published
Azure SDK for Python, exactly as the ACS access-token quickstart does.

Two ways to get a server:

* ``interop/run`` starts one and exports ``COMMUNICATION_SERVICES_CONNECTION_STRING``
  and ``REQUESTS_CA_BUNDLE`` (the server's self-signed CA); the suite uses it.
* Without that variable, the ``server`` fixture starts ``target/debug/commid``
  (or ``$COMMID_BIN``) itself on a free loopback port with a fresh data
  directory, points ``REQUESTS_CA_BUNDLE`` at its CA, and stops it at the end.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from azure.communication.identity import CommunicationIdentityClient
from azure.communication.identity.aio import (
    CommunicationIdentityClient as AsyncCommunicationIdentityClient,
)

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 60


@dataclass(frozen=True)
class Server:
    connection_string: str
    ca_bundle: str

    def _part(self, name: str) -> str:
        for element in self.connection_string.split(";"):
            key, _, value = element.partition("=")
            if key.strip().lower() == name:
                return value
        raise AssertionError(f"connection string has no {name}: {self.connection_string!r}")

    @property
    def endpoint(self) -> str:
        return self._part("endpoint")

    @property
    def access_key(self) -> str:
        return self._part("accesskey")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server():
    binary = Path(os.environ.get("COMMID_BIN", REPO / "target" / "debug" / "commid"))
    if not binary.is_file():
        pytest.exit(f"{binary} not found: run `cargo build` first, or use interop/run", 2)
    data_dir = tempfile.mkdtemp(prefix="commid-interop-py-")
    port = _free_port()
    proc = subprocess.Popen(
        [str(binary), "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    connection_string = ca = None
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while connection_string is None or ca is None:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            proc.kill()
            shutil.rmtree(data_dir, ignore_errors=True)
            pytest.exit("commid did not print its connection string and certificate in time", 2)
        if line.startswith("Connection string: "):
            connection_string = line.removeprefix("Connection string: ").strip()
        elif line.startswith("TLS certificate: "):
            ca = line.removeprefix("TLS certificate: ").strip()
    return proc, data_dir, Server(connection_string, ca)


@pytest.fixture(scope="session")
def server():
    connection_string = os.environ.get("COMMUNICATION_SERVICES_CONNECTION_STRING")
    if connection_string:
        ca = os.environ.get("REQUESTS_CA_BUNDLE")
        if not ca:
            pytest.exit("COMMUNICATION_SERVICES_CONNECTION_STRING is set but REQUESTS_CA_BUNDLE is not", 2)
        yield Server(connection_string, ca)
        return

    proc, data_dir, srv = _start_server()
    previous = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = srv.ca_bundle
    try:
        yield srv
    finally:
        if previous is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = previous
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def connection_string(server) -> str:
    return server.connection_string


@pytest.fixture
def client(server):
    """The sync client, built as the quickstart builds it."""
    return CommunicationIdentityClient.from_connection_string(server.connection_string)


@pytest_asyncio.fixture
async def async_client(server):
    """The async client. Its aiohttp transport does not read REQUESTS_CA_BUNDLE
    (only `requests` does), so the CA is handed over as `connection_verify`,
    the azure-core option for a custom CA bundle."""
    async with AsyncCommunicationIdentityClient.from_connection_string(
        server.connection_string, connection_verify=server.ca_bundle
    ) as c:
        yield c
