"""The second half of every SDK quickstart: the identity client built from an
endpoint and a TokenCredential (as with DefaultAzureCredential), sync and
async, with managed identities' tokens of the stand-in issuer that
interop/run makes (interop/teams-issuer.js); interop/run grants each its
role. Each role runs what it may and gets 403 for the rest. Skipped when
the suite runs without it."""

from __future__ import annotations

import os
import time

import pytest

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError
from azure.communication.identity import (
    CommunicationIdentityClient,
    CommunicationTokenScope,
)
from azure.communication.identity.aio import (
    CommunicationIdentityClient as AsyncCommunicationIdentityClient,
)

ENDPOINT = os.environ.get("COMMID_ENDPOINT")
TOKENS = {role: os.environ.get(f"COMMID_{role.upper()}_TOKEN") for role in ("owner", "issuer", "reader", "nobody")}

pytestmark = pytest.mark.skipif(
    not (ENDPOINT and all(TOKENS.values())),
    reason="needs interop/run's stand-in issuer and its granted roles",
)


class FixedCredential:
    """A TokenCredential that returns the issuer's token, and records the
    scopes the SDK asks for."""

    def __init__(self, token: str):
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes, **kwargs) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


class AsyncFixedCredential(FixedCredential):
    async def get_token(self, *scopes, **kwargs) -> AccessToken:  # type: ignore[override]
        return FixedCredential.get_token(self, *scopes, **kwargs)

    async def close(self) -> None:
        pass

    async def __aenter__(self):
        return self

    async def __aexit__(self, *args) -> None:
        pass


def client(role: str) -> tuple[CommunicationIdentityClient, FixedCredential]:
    credential = FixedCredential(TOKENS[role])
    return CommunicationIdentityClient(ENDPOINT, credential), credential


def refused(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as e:
        call()
    assert e.value.status_code == 403, e.value
    assert "AuthorizationFailed" in str(e.value)
    return e.value


def test_an_owners_token_runs_the_quickstart_and_the_sdk_asks_for_communication_services():
    identity_client, credential = client("owner")
    user = identity_client.create_user()
    token = identity_client.get_token(user, [CommunicationTokenScope.VOIP])
    assert token.token.count(".") == 2
    user2, token2 = identity_client.create_user_and_token([CommunicationTokenScope.CHAT])
    assert token2.token
    identity_client.revoke_tokens(user)
    identity_client.delete_user(user)
    identity_client.delete_user(user2)
    assert ("https://communication.azure.com//.default",) in credential.scopes


def test_an_issuer_creates_and_issues_but_may_not_revoke_or_delete():
    identity_client, _ = client("issuer")
    user = identity_client.create_user()
    identity_client.get_token(user, [CommunicationTokenScope.CHAT])
    refused(lambda: identity_client.revoke_tokens(user))
    refused(lambda: identity_client.delete_user(user))


def test_a_reader_and_a_principal_without_a_role_may_not_create():
    for role in ("reader", "nobody"):
        identity_client, _ = client(role)
        error = refused(identity_client.create_user)
        assert TOKENS[role] not in str(error)


@pytest.mark.asyncio
async def test_the_async_client_with_a_token_credential_as_each_role(server):
    async with AsyncCommunicationIdentityClient(
        ENDPOINT, AsyncFixedCredential(TOKENS["owner"]), connection_verify=server.ca_bundle
    ) as owner:
        user = await owner.create_user()
        await owner.get_token(user, [CommunicationTokenScope.VOIP])
        await owner.revoke_tokens(user)
    async with AsyncCommunicationIdentityClient(
        ENDPOINT, AsyncFixedCredential(TOKENS["issuer"]), connection_verify=server.ca_bundle
    ) as issuer:
        await issuer.get_token(user, [CommunicationTokenScope.CHAT])
        with pytest.raises(HttpResponseError) as e:
            await issuer.delete_user(user)
        assert e.value.status_code == 403
    async with AsyncCommunicationIdentityClient(
        ENDPOINT, AsyncFixedCredential(TOKENS["reader"]), connection_verify=server.ca_bundle
    ) as reader:
        with pytest.raises(HttpResponseError) as e:
            await reader.create_user()
        assert e.value.status_code == 403
