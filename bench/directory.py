"""The directory's rows (issue 13): at a million identities, the latency of
a first page and of a page deep in the list, of a count, of a search by
custom ID prefix (issue 23: a page and a count of its matches) and of a
change-feed poll, one request at a time over one kept-alive connection (the
targets are per-call latencies); and what the feed costs the writes and the tokens:
issue token with a poller polling the feed beside it versus without, and
create against the binary before the feed (BENCH_BASELINE_BIN), interleaved."""

import http.client
import json
import os
import statistics
import threading
import time
import urllib.parse

from lib import custom_id, give_custom_ids, request

SAMPLES = 300


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


class Client:
    """One kept-alive connection; each request signed before the clock starts."""

    def __init__(self, server):
        self.server = server
        self.conn = http.client.HTTPConnection(server.host)

    def get(self, path):
        method, target, headers, _ = request("GET", path, self.server.host, self.server.key)
        started = time.perf_counter()
        self.conn.request(method, target, headers=headers)
        r = self.conn.getresponse()
        body = r.read()
        elapsed = time.perf_counter() - started
        if r.status != 200:
            raise SystemExit(f"bench: GET {path} answered {r.status}: {body[:300]!r}")
        return json.loads(body), elapsed * 1000


def latencies(client, path, samples=SAMPLES):
    times = [client.get(path)[1] for _ in range(samples)]
    return percentile(times, 50), percentile(times, 99)


def deep_link(client, pages):
    """The nextLink after `pages` pages of 1,000: a page deep in the list."""
    link = "/identities?maxPageSize=1000"
    for _ in range(pages):
        page, _ = client.get(link)
        link = page["nextLink"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    token = urllib.parse.quote(query["continuationToken"][0])
    return f"/identities?maxPageSize=100&continuationToken={token}"


def latency_rows(Server, row, big_dir, big, quick):
    s = Server(big_dir)
    c = Client(s)
    p50, p99 = latencies(c, "/identities?maxPageSize=100")
    row(f"list, first page of 100, {big:,} identities: p50", p50, "ms")
    row("… p99", p99, "ms", None, "≤ 10 ms", p99 <= 10)
    pages = (big // 1000) // 2
    link = deep_link(c, pages)
    p50, p99 = latencies(c, link)
    row(f"list, a page of 100 after {pages * 1000:,} identities: p50", p50, "ms")
    row("… p99", p99, "ms", None, "≤ 10 ms", p99 <= 10)
    p50, p99 = latencies(c, "/identities/:count")
    row(f"count, {big:,} identities: p50", p50, "ms")
    row("… p99", p99, "ms", None, "≤ 5 ms", p99 <= 5)
    start, _ = c.get("/identityEvents")
    for _ in range(200 if quick else 1000):
        s.call("POST", "/identities", {"customId": os.urandom(8).hex()})
    # A new connection: on a busy machine the creates outlast the server's keep-alive.
    c = Client(s)
    cursor = urllib.parse.quote(start["cursor"])
    p50, p99 = latencies(c, f"/identityEvents?since={cursor}&maxPageSize=100")
    row("change feed poll, 100 events: p50", p50, "ms")
    row("… p99", p99, "ms", None, "≤ 5 ms", p99 <= 5)
    end, _ = c.get("/identityEvents")
    p50, p99 = latencies(c, f"/identityEvents?since={urllib.parse.quote(end['cursor'])}")
    row("change feed poll, nothing new: p50", p50, "ms")
    row("… p99", p99, "ms", None, "≤ 5 ms", p99 <= 5)
    s.stop()
    # Last, so that every row above reads the store as it was: now each
    # identity gets a custom ID.
    print(f"giving the {big:,} identities a custom ID each", flush=True)
    give_custom_ids(os.path.join(big_dir, "commid.sqlite3"))
    s = Server(big_dir)
    prefix_rows(Client(s), row, big)
    s.stop()


def prefix_rows(c, row, big):
    """Search by custom ID prefix, as the portal does while a person types,
    once every identity has a custom ID (lib.give_custom_ids)."""
    # 1,000 matches: user-0042000 to user-0042999 (both sizes have them).
    narrow = custom_id(42_000)[:-3]
    page, _ = c.get(f"/identities?customIdPrefix={narrow}&maxPageSize=100")
    found = [i["customId"] for i in page["value"]]
    if found != [custom_id(42_000 + i) for i in range(100)]:
        raise SystemExit(f"bench: the prefix {narrow} listed {found[:3]}…")
    count, _ = c.get(f"/identities/:count?customIdPrefix={narrow}")
    if count["count"] != 1000:
        raise SystemExit(f"bench: the prefix {narrow} counted {count}")
    p50, p99 = latencies(c, f"/identities?customIdPrefix={narrow}&maxPageSize=100")
    row(f"list by custom ID prefix, first page of 100 of 1,000 matches, {big:,} identities: p50", p50, "ms")
    row("… p99", p99, "ms", None, "≤ 10 ms", p99 <= 10)
    p50, p99 = latencies(c, f"/identities/:count?customIdPrefix={narrow}")
    row("count by custom ID prefix, 1,000 matches: p50", p50, "ms")
    row("… p99", p99, "ms", None, "≤ 5 ms", p99 <= 5)
    # A prefix every identity has: a page still reads only its own rows.
    p50, p99 = latencies(c, "/identities?customIdPrefix=user-&maxPageSize=100")
    row(f"list by custom ID prefix, first page of 100, a prefix all {big:,} identities have: p50", p50, "ms")
    row("… p99", p99, "ms", None, "≤ 10 ms", p99 <= 10)


def poller(server, stop):
    """Polls the feed ten times a second, as a busy trigger would."""
    c = Client(server)
    cursor = c.get("/identityEvents")[0]["cursor"]
    while not stop.is_set():
        page, _ = c.get(f"/identityEvents?since={urllib.parse.quote(cursor)}")
        cursor = page["cursor"]
        time.sleep(0.1)


def cost_rows(Server, wrk, issue_requests, row, small_dir, small_ids, rounds):
    with_poll, without = [], []
    for _ in range(rounds):
        s = Server(small_dir)
        without.append(wrk(s, issue_requests(s, small_ids), "issue token")[0])
        stop = threading.Event()
        t = threading.Thread(target=poller, args=(s, stop), daemon=True)
        t.start()
        with_poll.append(wrk(s, issue_requests(s, small_ids), "issue token, feed polled")[0])
        stop.set()
        t.join()
        s.stop()
    a, b = statistics.median(with_poll), statistics.median(without)
    row("issue token with the change feed polled 10/s beside it", a, "req/s", None,
        "within 5% of without", a >= 0.95 * b)
    row("… without", b, "req/s")


def create_rows(Server, wrk, row, fresh_dir, rounds):
    """Durable create, this binary against the one before the feed."""
    baseline = os.environ.get("BENCH_BASELINE_BIN")
    ours, theirs = [], []
    for _ in range(rounds):
        s = Server(fresh_dir())
        ours.append(wrk(s, [request("POST", "/identities", s.host, s.key)], "create (with the feed)")[0])
        s.stop()
        if baseline:
            s = Server(fresh_dir(), binary=baseline)
            theirs.append(wrk(s, [request("POST", "/identities", s.host, s.key)], "create (before the feed)")[0])
            s.stop()
    a = statistics.median(ours)
    if theirs:
        b = statistics.median(theirs)
        row("create identity, durable, with the feed's event and counter", a, "req/s", None,
            "within 10% of before", a >= 0.90 * b)
        row("… the binary before the feed (same run)", b, "req/s")
    else:
        row("create identity, durable, with the feed's event and counter", a, "req/s")
