"""What JSON Schema cannot say, told to schemathesis.

The OpenAPI document states every constraint one value can carry; these
hooks cover the ones that tie values together or to the server's own state.
Each is also written in the operation's description, and each is tested by
the Rust tests (tests/api/), so nothing here hides a refusal nobody checks.

- `since` (the feed and triggers) and `continuationToken` of GET
  /identities are sealed by the server: only a value it gave back is valid.
  No generator can make one, so generated values are left out.
- A `tenant` assignment of Entra ID users is for the tenant itself: its
  object id (path, or the merge patch member's name) is its `tenantId`.
- `customId` and `externalId` are two names for one value: when a generated
  body has both, they are made the same.
- A webhook's `callbackUrl` must be on the server's `webhook_allowed_hosts`
  and resolve to addresses it may call: `run` allows `localhost:9` (with
  private addresses allowed), and a generated URL becomes one there.

The last two touch positive cases only: a negative case must stay invalid.
"""

import schemathesis

# The callback URL tools/contract/run lets subscriptions name.
CALLBACK = "https://localhost:9/hook"
SUBSCRIBING = {
    "/webhookSubscriptions",
    "/triggers/identityCreated/subscriptions",
    "/triggers/identityDeleted/subscriptions",
    "/triggers/identityTokensRevoked/subscriptions",
}

SEALED = {
    "/identityEvents": "since",
    "/triggers/identityCreated": "since",
    "/triggers/identityDeleted": "since",
    "/triggers/identityTokensRevoked": "since",
    "/identities": "continuationToken",
}


def _positive(case):
    meta = getattr(case, "meta", None)
    generation = getattr(meta, "generation", None)
    mode = getattr(generation, "mode", None)
    return mode is not None and not mode.is_negative


def _tenant_is_object(assignment, object_id):
    if isinstance(assignment, dict) and assignment.get("principalType") == "tenant":
        assignment["tenantId"] = object_id


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    path = case.operation.path
    sealed = SEALED.get(path)
    if sealed and isinstance(case.query, dict):
        case.query.pop(sealed, None)
    if not _positive(case):
        return
    method = case.method.upper()
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
