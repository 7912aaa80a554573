"""The PostgreSQL rows of the benchmark: the same operations against a server
whose store is a fresh schema of COMMID_TEST_POSTGRES_URL (dropped after)."""

import os
import subprocess
import uuid

from lib import request

IDENTITIES = 1000


def psql(url, sql):
    subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True, capture_output=True)


def measure(server_class, wrk, issue_requests, row, ceiling, data_dir):
    """Adds the PostgreSQL rows, or says why there are none."""
    url = os.environ.get("COMMID_TEST_POSTGRES_URL")
    if not url:
        print("PostgreSQL rows skipped: set COMMID_TEST_POSTGRES_URL=postgres://… to measure them", flush=True)
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    psql(url, f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in url else "?"
    database = f"{url}{separator}options=-c%20search_path%3D{schema}"
    s = None
    try:
        s = server_class(data_dir, ["--database-url", database])
        print(f"PostgreSQL: creating {IDENTITIES:,} identities", flush=True)
        ids = [s.call("POST", "/identities")["identity"]["id"] for _ in range(IDENTITIES)]
        issue, _, _ = wrk(s, issue_requests(s, ids), "PostgreSQL: issue token")
        row("PostgreSQL: issue token", issue, "req/s", issue / ceiling)
        create, bad, _ = wrk(s, [request("POST", "/identities", s.host, s.key)], "PostgreSQL: create identity")
        row("PostgreSQL: create identity, durable (64 clients)", create, "req/s", create / ceiling, "≥ 2,000/s",
            create >= 2000 and bad == 0)
        revoke, _, _ = wrk(s, [request("POST", f"/identities/{i.replace(':', '%3A')}/:revokeAccessTokens", s.host,
                                       s.key) for i in ids], "PostgreSQL: revoke")
        row("PostgreSQL: revoke", revoke, "req/s", revoke / ceiling)
    finally:
        if s is not None:
            s.stop()
        psql(url, f"DROP SCHEMA IF EXISTS {schema} CASCADE")
