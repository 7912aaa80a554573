"""The same quickstart flow and error paths with the async client
(`azure.communication.identity.aio`), which sends the identity id raw
(`8:acs:...`) in the path where the sync client percent-encodes it."""

from __future__ import annotations

import base64
import os
import time
from datetime import timedelta

import pytest

from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.communication.identity import CommunicationUserIdentifier
from azure.communication.identity.aio import CommunicationIdentityClient as AsyncCommunicationIdentityClient

from acs_checks import (
    assert_accepted_by_async_token_credential,
    assert_acs_user,
    assert_expires_in,
    parse_expires_on,
    resource_of,
    verify_token_async,
)

pytestmark = pytest.mark.asyncio


async def test_the_async_client_walks_the_quickstart_from_create_user_to_delete_user(async_client):
    # Create an identity.
    identity = await async_client.create_user()
    user_id = assert_acs_user(identity)

    # Issue an access token (24 hours by default) with the voip scope.
    before = time.time()
    token_result = await async_client.get_token(identity, ["voip"])
    assert_expires_in(token_result.expires_on, 1440, before, time.time())
    await assert_accepted_by_async_token_credential(token_result)

    # A custom expiry of one hour.
    before = time.time()
    one_hour = await async_client.get_token(identity, ["voip"], token_expires_in=timedelta(hours=1))
    assert_expires_in(one_hour.expires_on, 60, before, time.time())
    await assert_accepted_by_async_token_credential(one_hour)

    # Create an identity and a token in one request.
    before = time.time()
    other, other_token = await async_client.create_user_and_token(["voip"])
    other_id = assert_acs_user(other)
    assert other_id != user_id and resource_of(other_id) == resource_of(user_id)
    assert_expires_in(other_token.expires_on, 1440, before, time.time())
    await assert_accepted_by_async_token_credential(other_token)

    # Refresh through a CommunicationUserIdentifier built from the stored id.
    refreshed = await async_client.get_token(CommunicationUserIdentifier(user_id), ["voip"])
    assert refreshed.token != token_result.token
    assert parse_expires_on(refreshed.expires_on) >= parse_expires_on(token_result.expires_on)
    await assert_accepted_by_async_token_credential(refreshed)

    # Multiple scopes.
    multi = await async_client.get_token(identity, ["chat", "voip"])
    await assert_accepted_by_async_token_credential(multi)
    verdict = await verify_token_async(async_client, multi.token)
    assert verdict["valid"] is True and sorted(verdict["scopes"]) == ["chat", "voip"], verdict

    # Revoke: earlier tokens stop verifying, a token issued afterwards is valid.
    assert await async_client.revoke_tokens(identity) is None
    assert await verify_token_async(async_client, refreshed.token) == {"valid": False, "reason": "revoked"}
    after_revoke = await async_client.get_token(identity, ["voip"])
    await assert_accepted_by_async_token_credential(after_revoke)
    assert (await verify_token_async(async_client, after_revoke.token))["valid"] is True

    # Delete: get_token now raises ResourceNotFoundError.
    assert await async_client.delete_user(identity) is None
    with pytest.raises(ResourceNotFoundError) as excinfo:
        await async_client.get_token(identity, ["voip"])
    assert excinfo.value.status_code == 404
    assert await verify_token_async(async_client, after_revoke.token) == {"valid": False, "reason": "deleted"}

    # The other identity is untouched.
    assert (await verify_token_async(async_client, other_token.token))["valid"] is True
    await async_client.delete_user(other)


@pytest.mark.parametrize("minutes", [59, 1441])
async def test_the_async_get_token_with_an_expiry_outside_60_to_1440_minutes_raises_a_validation_error(async_client, minutes):
    user = await async_client.create_user()
    with pytest.raises(HttpResponseError) as excinfo:
        await async_client.get_token(user, ["voip"], token_expires_in=timedelta(minutes=minutes))
    error = excinfo.value
    assert type(error) is HttpResponseError, f"{type(error).__name__}: {error}"
    assert error.status_code == 400
    assert error.error is not None and error.error.code == "ValidationError"
    assert error.error.target == "ExpiresInMinutes"


async def test_the_async_get_token_with_an_unknown_scope_is_refused_with_400(async_client):
    user = await async_client.create_user()
    with pytest.raises(HttpResponseError) as excinfo:
        await async_client.get_token(user, ["voip", "not.a.scope"])
    assert type(excinfo.value) is HttpResponseError
    assert excinfo.value.status_code == 400


async def test_the_async_get_token_after_delete_user_raises_resource_not_found(async_client):
    user = await async_client.create_user()
    await async_client.delete_user(user)
    with pytest.raises(ResourceNotFoundError) as excinfo:
        await async_client.get_token(user, ["voip"])
    assert excinfo.value.status_code == 404


async def test_the_async_client_with_a_wrong_access_key_raises_client_authentication_error(server):
    wrong_key = base64.b64encode(os.urandom(32)).decode()
    async with AsyncCommunicationIdentityClient.from_connection_string(
        f"endpoint={server.endpoint};accesskey={wrong_key}", connection_verify=server.ca_bundle
    ) as bad:
        with pytest.raises(ClientAuthenticationError) as excinfo:
            await bad.create_user()
    assert excinfo.value.status_code == 401
    assert excinfo.value.error is not None and excinfo.value.error.code == "Denied"
