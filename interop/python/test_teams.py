"""The Teams exchange (`get_token_for_teams_user`) through the sync and async
Python SDKs, with Entra-like tokens of the stand-in issuer that interop/run
makes (interop/teams-issuer.js) and the server trusts. Skipped when the
suite runs without it (a server started by conftest trusts no issuer)."""

from __future__ import annotations

import base64
import json
import os

import pytest

from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from acs_checks import (
    assert_accepted_by_async_token_credential,
    assert_accepted_by_token_credential,
    parse_expires_on,
    verify_token,
)

TOKEN = os.environ.get("COMMID_TEAMS_TOKEN")
EXPIRED_TOKEN = os.environ.get("COMMID_TEAMS_EXPIRED_TOKEN")
APP_ID = os.environ.get("COMMID_TEAMS_APP_ID")
USER_ID = os.environ.get("COMMID_TEAMS_USER_ID")
OTHER_GUID = "6fd0ee0c-6a18-4bd5-a4b9-8b3b2b0e4d21"

pytestmark = pytest.mark.skipif(
    not (TOKEN and EXPIRED_TOKEN and APP_ID and USER_ID),
    reason="no test issuer: run interop/run",
)


def _claims(token: str) -> dict:
    """The payload, decoded with standard base64 as the Python token readers do."""
    part = token.split(".")[1]
    return json.loads(base64.b64decode(part + "=" * (-len(part) % 4)))


def test_get_token_for_teams_user_returns_a_token_of_the_teams_user_expiring_with_the_entra_token(client):
    access_token = client.get_token_for_teams_user(TOKEN, APP_ID, USER_ID)
    assert_accepted_by_token_credential(access_token)
    ours = _claims(access_token.token)
    assert ours["sub"] == f"8:orgid:{USER_ID}"
    assert ours["exp"] == _claims(TOKEN)["exp"]
    assert int(parse_expires_on(access_token.expires_on)) == ours["exp"]
    verdict = verify_token(client, access_token.token)
    assert verdict["valid"] is True, verdict
    assert verdict["identity"]["id"] == f"8:orgid:{USER_ID}"


def test_get_token_for_teams_user_with_another_users_object_id_raises_a_validation_error(client):
    with pytest.raises(HttpResponseError) as excinfo:
        client.get_token_for_teams_user(TOKEN, APP_ID, OTHER_GUID)
    error = excinfo.value
    assert type(error) is HttpResponseError, f"{type(error).__name__}: {error}"
    assert error.status_code == 400
    assert error.error.code == "ValidationError"
    assert error.error.target == "userId"
    assert error.error.message == "Provided AAD token issued for unexpected user."


def test_get_token_for_teams_user_with_another_client_id_raises_a_validation_error(client):
    with pytest.raises(HttpResponseError) as excinfo:
        client.get_token_for_teams_user(TOKEN, OTHER_GUID, USER_ID)
    assert excinfo.value.status_code == 400
    assert excinfo.value.error.target == "appId"


@pytest.mark.parametrize("name", ["expired", "empty", "invalid"])
def test_get_token_for_teams_user_with_a_token_that_is_not_valid_raises_client_authentication_error(client, name):
    token = {"expired": EXPIRED_TOKEN, "empty": "", "invalid": "invalid"}[name]
    with pytest.raises(ClientAuthenticationError) as excinfo:
        client.get_token_for_teams_user(token, APP_ID, USER_ID)
    assert excinfo.value.status_code == 401
    assert excinfo.value.error.code == "InvalidAccessToken"
    assert excinfo.value.error.message == "Provided access token is not valid."


@pytest.mark.asyncio
async def test_the_async_client_exchanges_a_teams_users_token_too(async_client):
    access_token = await async_client.get_token_for_teams_user(TOKEN, APP_ID, USER_ID)
    await assert_accepted_by_async_token_credential(access_token)
    assert _claims(access_token.token)["sub"] == f"8:orgid:{USER_ID}"
    with pytest.raises(ClientAuthenticationError):
        await async_client.get_token_for_teams_user(EXPIRED_TOKEN, APP_ID, USER_ID)
