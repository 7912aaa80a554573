"""What JSON Schema cannot say, told to schemathesis, and how requests are
authenticated.

Credentials. COMMID_CONTRACT_AUTH names the pass: `connection-string` sends
the `Connection-String` header (what the Power Automate connector sends),
`hmac` signs every request as the ACS SDKs do (tools/contract/hmac_auth.py).
Either is a `requests` auth, so it runs last, on the request as it goes on
the wire (method, path and query, host, body bytes). Schemathesis knows the
cases as explicitly credentialed (`Credentials`): it generates no other
`Authorization` or `Connection-String` for them (a generated one would get
every request refused before the server looked at anything else), leaves
credentials out or invalid only in its negative cases, and its
`ignored_auth` probes resend a case without them. The two Bearer exchanges
are left to schemathesis' generated tokens: no generator can make a token
an Entra tenant signed, so they only answer 401.

Sealed values. `since` (the feed and triggers) and `continuationToken` of
GET /identities are sealed by the server: only a value it gave back is
valid, and the OpenAPI document states their form only. So
- a positive case carries a value the server gave: one it answered
  before in this run, or, for a list, a token fetched for the case's own
  filters and order; the parameter is left out when there is none;
- a negative case keeps what schemathesis generated (values of another
  form, and well-formed values no server sealed): the server must refuse
  them with 400;
- the check `forged_sealed_values_are_refused` resends each accepted
  positive case with the sealed value altered (tag, payload, cut short,
  empty, the other kind's value, a list token under another order) and
  wants 400 with the parameter as the error's target.
A cursor past the retention (410) needs an hour of retention to age:
tests/api covers it, not this run.

Credentials that must work. The check `credentials_are_accepted` fails a
request that carried this pass' credentials and was answered 401 Denied:
a signature the server computes differently from the SDKs (a query, path
or body byte it reads otherwise) is a finding, not a 401 that
`positive_data_acceptance` would let pass.

Values tied together (positive cases only; a negative case stays invalid):
- a `tenant` assignment of Entra ID users is for the tenant itself: its
  object id (path, or the merge patch member's name) is its `tenantId`;
- `customId` and `externalId` are two names for one value: when a
  generated body has both, they are made the same;
- a webhook's `callbackUrl` must be on the server's `webhook_allowed_hosts`
  and resolve to addresses it may call: `run` allows `localhost:9` (with
  private addresses allowed), and a generated URL becomes one there.
Each rule is also written in the operation's description, and tested by
the Rust tests (tests/api/).
"""

import os
import random
import sys
import urllib.parse

import requests
import schemathesis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hmac_auth import ConnectionStringAuth, HmacAuth  # noqa: E402

CONNECTION_STRING = os.environ["COMMID_CONTRACT_CONNECTION_STRING"]
PASS = os.environ.get("COMMID_CONTRACT_AUTH", "connection-string")
if PASS == "hmac":
    AUTH = HmacAuth(CONNECTION_STRING)
elif PASS == "connection-string":
    AUTH = ConnectionStringAuth(CONNECTION_STRING)
else:
    raise SystemExit(f"COMMID_CONTRACT_AUTH={PASS!r}: use connection-string or hmac")

BEARER_EXCHANGES = ["/access/entra/:exchangeAccessToken", "/access/teamsExtension/:exchangeAccessToken"]
# The ids of the cases schemathesis gave credentials: all but those whose
# credentials it left out or made invalid on purpose (negative cases).
_credentialed = set()


@schemathesis.auth(refresh_interval=None).skip_for(path=BEARER_EXCHANGES)
class Credentials:
    """Tells schemathesis a case carries explicit credentials; `before_call`
    adds them to the request as it is sent, not to the case, so that no
    command schemathesis prints to reproduce a case shows them."""

    def get(self, case, ctx):
        return PASS

    def set(self, case, data, ctx):
        _credentialed.add(case.id)


# The callback URL tools/contract/run lets subscriptions name.
CALLBACK = "https://localhost:9/hook"
SUBSCRIBING = {
    "/webhookSubscriptions",
    "/triggers/identityCreated/subscriptions",
    "/triggers/identityDeleted/subscriptions",
    "/triggers/identityTokensRevoked/subscriptions",
}

FEED = "since"
LIST = "continuationToken"
SEALED = {
    "/identityEvents": FEED,
    "/triggers/identityCreated": FEED,
    "/triggers/identityDeleted": FEED,
    "/triggers/identityTokensRevoked": FEED,
    "/identities": LIST,
}

# Every sealed value the server gave in this run, by kind, in the order seen.
ISSUED = {FEED: [], LIST: []}
_issued = set()
_rng = random.Random(42)
_session = requests.Session()


def _remember(kind, value):
    if value and value not in _issued:
        _issued.add(value)
        ISSUED[kind].append(value)


def _query_value(url, name):
    values = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get(name)
    return values[0] if values else None


def _sealed_values_in(response):
    """The sealed values an answer carries: the feed's cursor and nextLink,
    a trigger's Location, a list's nextLink."""
    for location in response.headers.get("location", []):
        yield FEED, _query_value(location, FEED)
    if response.status_code != 200:
        return
    try:
        body = response.json()
    except ValueError:
        return
    if not isinstance(body, dict):
        return
    if isinstance(body.get("cursor"), str):
        yield FEED, body["cursor"]
    next_link = body.get("nextLink")
    if isinstance(next_link, str):
        yield FEED, _query_value(next_link, FEED)
        yield LIST, _query_value(next_link, LIST)


def _positive(case):
    meta = getattr(case, "meta", None)
    generation = getattr(meta, "generation", None)
    mode = getattr(generation, "mode", None)
    return mode is not None and not mode.is_negative


def _base_url(case):
    return case.operation.base_url.rstrip("/")


def _fetch_list_token(case):
    """A continuation token for the case's own filters and order: the
    nextLink of its first page of one identity (None when one page holds
    them all, or the query is refused)."""
    query = {k: v for k, v in case.query.items() if k != LIST}
    query["maxPageSize"] = 1
    answer = _session.get(f"{_base_url(case)}/identities", params=query, auth=AUTH, timeout=10)
    if answer.status_code != 200:
        return None
    next_link = answer.json().get("nextLink")
    token = _query_value(next_link, LIST) if next_link else None
    _remember(LIST, token)
    return token


def _feed_cursor(case):
    """A cursor the server gave: one seen in this run, or the feed's end."""
    if not ISSUED[FEED] and "api-version" in case.query:
        answer = _session.get(
            f"{_base_url(case)}/identityEvents",
            params={"api-version": case.query["api-version"]},
            auth=AUTH,
            timeout=10,
        )
        if answer.status_code == 200:
            _remember(FEED, answer.json().get("cursor"))
    return _rng.choice(ISSUED[FEED]) if ISSUED[FEED] else None


def _seal(case, name):
    """Gives a positive case's sealed parameter a value the server gave."""
    if not isinstance(case.query, dict) or name not in case.query:
        return
    if case.query[name] in _issued:
        return
    value = _fetch_list_token(case) if name == LIST else _feed_cursor(case)
    if value is None:
        del case.query[name]
    else:
        case.query[name] = value


def _tenant_is_object(assignment, object_id):
    if isinstance(assignment, dict) and assignment.get("principalType") == "tenant":
        assignment["tenantId"] = object_id


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if case.id in _credentialed:
        kwargs["auth"] = AUTH
    if not _positive(case):
        return
    path = case.operation.path
    method = case.method.upper()
    sealed = SEALED.get(path)
    if sealed and method == "GET":
        _seal(case, sealed)
    if path == "/access/entra/assignments/{objectId}" and method == "PUT":
        _tenant_is_object(case.body, (case.path_parameters or {}).get("objectId"))
    elif path == "/access/entra/assignments" and method == "PATCH":
        if isinstance(case.body, dict):
            for object_id, assignment in case.body.items():
                _tenant_is_object(assignment, object_id)
    elif path in SUBSCRIBING and method == "POST":
        if isinstance(case.body, dict) and "callbackUrl" in case.body:
            case.body["callbackUrl"] = CALLBACK
    elif path == "/identities" and method == "POST":
        body = case.body
        if isinstance(body, dict) and "customId" in body and "externalId" in body:
            body["externalId"] = body["customId"]


@schemathesis.hook
def after_call(ctx, case, response):
    for kind, value in _sealed_values_in(response):
        _remember(kind, value)


def _sent(request):
    return f"{request.method} {request.path_url}"


def _error_of(response):
    try:
        error = response.json()["error"]
        return error.get("code"), error.get("target")
    except (ValueError, KeyError, TypeError):
        return None, None


@schemathesis.check
def credentials_are_accepted(ctx, response, case):
    """A request that carried this pass' credentials is never refused as
    unauthenticated."""
    if not AUTH.applied_to(response.request):
        return None
    code, _ = _error_of(response)
    if response.status_code == 401 and code == "Denied":
        raise AssertionError(
            f"{PASS} credentials refused: {_sent(response.request)} answered 401 Denied"
        )
    return None


def _altered(value, kind, order):
    """The forgeries of `value` to try, each with what it is."""

    def swap(text, i):
        if not text:
            return "A"
        c = text[i]
        return text[:i] + ("B" if c == "A" else "A") + text[i + 1:]

    payload, _, tag = value.partition(".")
    other = FEED if kind == LIST else LIST
    forgeries = [
        ("its tag altered", f"{payload}.{swap(tag, 0)}"),
        ("its payload altered", f"{swap(payload, len(payload) // 2)}.{tag}"),
        ("cut short", value[:-1]),
        ("empty", ""),
    ]
    if ISSUED[other]:
        forgeries.append((f"a sealed {other} instead", ISSUED[other][-1]))
    if kind == LIST:
        forgeries.append(("under another order", ("order", "desc" if order == "asc" else "asc")))
    return forgeries


_probes = 0


@schemathesis.check
def forged_sealed_values_are_refused(ctx, response, case):
    """An accepted request with a sealed value the server gave is refused
    with 400, the parameter as target, once that value is altered."""
    global _probes
    name = SEALED.get(case.operation.path)
    request = response.request
    if not name or request.method != "GET" or not 200 <= response.status_code < 300:
        return None
    url = urllib.parse.urlsplit(request.url)
    query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
    value = dict(query).get(name)
    if value is None or value not in _issued:
        return None
    order = dict(query).get("order", "asc")
    forgeries = _altered(value, name, order)
    what, forged = forgeries[_probes % len(forgeries)]
    _probes += 1
    if isinstance(forged, tuple):
        param, new = forged
        query = [(k, v) for k, v in query if k != param] + [(param, new)]
    else:
        query = [(k, forged if k == name else v) for k, v in query]
    probe = requests.Request(
        request.method,
        urllib.parse.urlunsplit(url._replace(query=urllib.parse.urlencode(query))),
        auth=AUTH,
    ).prepare()
    answer = _session.send(probe, timeout=10)
    code, target = _error_of(answer)
    if answer.status_code != 400 or target != name:
        got = " ".join(str(part) for part in (answer.status_code, code, target and f"(target {target})") if part)
        raise AssertionError(
            f"{name} {what} was not refused: {_sent(probe)} answered {got}, not 400 with target {name}"
        )
    return None
