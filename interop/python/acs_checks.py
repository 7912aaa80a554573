"""Assertions shared by the sync and async tests: identity id shape,
``expires_on`` format and value, and acceptance of a token by the consumer
side of the SDK (``CommunicationTokenCredential``, which decodes the JWT
payload and reads ``exp``)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from azure.core.credentials import AccessToken
from azure.core.rest import HttpRequest
from azure.communication.chat import CommunicationTokenCredential
from azure.communication.chat.aio import (
    CommunicationTokenCredential as AsyncCommunicationTokenCredential,
)
from azure.communication.identity import (
    CommunicationIdentifierKind,
    CommunicationUserIdentifier,
    identifier_from_raw_id,
)

GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
USER_ID = re.compile(rf"^8:acs:(?P<resource>{GUID})_(?P<suffix>{GUID})$")
# ISO-8601 as the live service writes it (`2023-10-10T21:39:39.3244584+00:00`):
# a date, a time, optional fraction, and an explicit offset.
EXPIRES_ON = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?(Z|[+-]\d{2}:\d{2})$"
)

SCOPES = ("chat", "voip", "chat.join", "chat.join.limited", "voip.join")
API_VERSION = "2023-10-01"


def assert_acs_user(user) -> str:
    """The user is a CommunicationUserIdentifier whose id is `8:acs:<guid>_<guid>`;
    returns the id."""
    assert isinstance(user, CommunicationUserIdentifier), type(user)
    assert user.kind == CommunicationIdentifierKind.COMMUNICATION_USER
    user_id = user.properties["id"]
    assert USER_ID.match(user_id), f"id {user_id!r} is not 8:acs:<guid>_<guid>"
    assert user.raw_id == user_id
    # The SDK's own parser must read it back as an ACS user (three `_` parts
    # would make it a Teams extension user, a wrong count of `:` unknown).
    assert identifier_from_raw_id(user_id).kind == CommunicationIdentifierKind.COMMUNICATION_USER
    return user_id


def resource_of(user_id: str) -> str:
    return USER_ID.match(user_id).group("resource").lower()


def parse_expires_on(value) -> Decimal:
    """`expires_on` as azure-communication-identity returns it: the service's
    ISO-8601 string. Returns its POSIX time (with fraction)."""
    assert isinstance(value, str), f"expires_on is {type(value).__name__} {value!r}, not a string"
    m = EXPIRES_ON.match(value)
    assert m, f"expires_on {value!r} is not ISO-8601 with an offset"
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    if offset == "Z":
        tz = timezone.utc
    else:
        sign = 1 if offset[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    whole = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=tz)
    return Decimal(int(whole.timestamp())) + (Decimal("0." + fraction) if fraction else Decimal(0))


def assert_expires_in(expires_on, minutes: int, before: float, after: float, slack: float = 5.0):
    """The expiry lies `minutes` after the moment of the request (taken
    between `before` and `after`), within `slack` seconds."""
    ts = float(parse_expires_on(expires_on))
    low = before + minutes * 60 - slack
    high = after + minutes * 60 + slack
    assert low <= ts <= high, (
        f"expires_on {expires_on} is {ts - before:.1f}s after the request, expected ~{minutes * 60}s"
    )


def assert_access_token(access_token) -> None:
    assert isinstance(access_token, AccessToken), type(access_token)
    assert isinstance(access_token.token, str) and access_token.token
    assert access_token.token.count(".") == 2, "the token is not a compact JWS (header.payload.signature)"


def _check_credential_token(access_token, got) -> None:
    assert got.token == access_token.token
    expected = parse_expires_on(access_token.expires_on)
    # `exp` is whole seconds; the service's expiresOn may carry a fraction.
    assert isinstance(got.expires_on, int)
    assert 0 <= expected - got.expires_on < 1, (
        f"JWT exp {got.expires_on} does not match expires_on {access_token.expires_on} ({expected})"
    )


def assert_accepted_by_token_credential(access_token) -> None:
    """The token is accepted by the sync CommunicationTokenCredential (what the
    Chat SDK uses), and its `exp` matches `expires_on`."""
    assert_access_token(access_token)
    credential = CommunicationTokenCredential(access_token.token)
    _check_credential_token(access_token, credential.get_token())


async def assert_accepted_by_async_token_credential(access_token) -> None:
    assert_access_token(access_token)
    async with AsyncCommunicationTokenCredential(access_token.token) as credential:
        _check_credential_token(access_token, await credential.get_token())


def _verify_request(token: str) -> HttpRequest:
    return HttpRequest(
        "POST", "/accessTokens/:verify", params={"api-version": API_VERSION}, json={"token": token}
    )


def verify_token(client, token: str) -> dict:
    """commid's own `POST /accessTokens/:verify` (not part of ACS), sent through
    the identity client's pipeline so that it is HMAC-signed by the SDK."""
    response = client._identity_service_client.send_request(_verify_request(token))
    assert response.status_code == 200, (response.status_code, response.text())
    return response.json()


async def verify_token_async(client, token: str) -> dict:
    response = await client._identity_service_client.send_request(_verify_request(token))
    assert response.status_code == 200, (response.status_code, response.text())
    await response.read()
    return response.json()
