"""Error paths as the sync Python SDK surfaces them: the exception class it
maps the status to, the status code, and the service error code."""

from __future__ import annotations

import base64
import os
from datetime import timedelta

import pytest

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.communication.identity import CommunicationIdentityClient

from acs_checks import verify_token


def _assert_validation_error(error: HttpResponseError, target: str) -> None:
    assert type(error) is HttpResponseError, f"{type(error).__name__}: {error}"
    assert error.status_code == 400
    assert error.error is not None, "no ACS error body was parsed"
    assert error.error.code == "ValidationError"
    assert error.error.target == target


@pytest.mark.parametrize("minutes", [59, 1441])
def test_get_token_with_an_expiry_outside_60_to_1440_minutes_raises_a_validation_error(client, minutes):
    user = client.create_user()
    with pytest.raises(HttpResponseError) as excinfo:
        client.get_token(user, ["voip"], token_expires_in=timedelta(minutes=minutes))
    _assert_validation_error(excinfo.value, "ExpiresInMinutes")
    assert f"ExpiresInMinutes value {minutes} is invalid" in excinfo.value.error.message


@pytest.mark.parametrize("minutes", [59, 1441])
def test_create_user_and_token_with_an_expiry_outside_60_to_1440_minutes_raises_a_validation_error(client, minutes):
    with pytest.raises(HttpResponseError) as excinfo:
        client.create_user_and_token(["voip"], token_expires_in=timedelta(minutes=minutes))
    _assert_validation_error(excinfo.value, "ExpiresInMinutes")


def test_get_token_with_an_unknown_scope_is_refused_with_400(client):
    user = client.create_user()
    with pytest.raises(HttpResponseError) as excinfo:
        client.get_token(user, ["voip", "not.a.scope"])
    error = excinfo.value
    assert type(error) is HttpResponseError, f"{type(error).__name__}: {error}"
    assert error.status_code == 400
    assert error.error is not None and error.error.code


def test_create_user_and_token_with_an_unknown_scope_is_refused_with_400(client):
    with pytest.raises(HttpResponseError) as excinfo:
        client.create_user_and_token(["chat.write"])
    assert type(excinfo.value) is HttpResponseError
    assert excinfo.value.status_code == 400


def test_get_token_after_delete_user_raises_resource_not_found(client):
    user = client.create_user()
    client.get_token(user, ["voip"])
    client.delete_user(user)
    with pytest.raises(ResourceNotFoundError) as excinfo:
        client.get_token(user, ["voip"])
    assert excinfo.value.status_code == 404
    assert excinfo.value.error is not None and excinfo.value.error.code


def _client_with_wrong_key(server) -> CommunicationIdentityClient:
    wrong_key = base64.b64encode(os.urandom(32)).decode()
    assert wrong_key != server.access_key
    return CommunicationIdentityClient.from_connection_string(
        f"endpoint={server.endpoint};accesskey={wrong_key}"
    )


def test_a_wrong_access_key_makes_create_user_raise_client_authentication_error(server):
    with pytest.raises(ClientAuthenticationError) as excinfo:
        _client_with_wrong_key(server).create_user()
    assert excinfo.value.status_code == 401
    assert excinfo.value.error is not None and excinfo.value.error.code == "Denied"


@pytest.mark.parametrize("operation", ["get_token", "create_user_and_token", "revoke_tokens", "delete_user"])
def test_a_wrong_access_key_is_refused_on_every_operation_and_changes_nothing(client, server, operation):
    user = client.create_user()
    token = client.get_token(user, ["voip"])
    bad = _client_with_wrong_key(server)
    calls = {
        "get_token": lambda: bad.get_token(user, ["voip"]),
        "create_user_and_token": lambda: bad.create_user_and_token(["voip"]),
        "revoke_tokens": lambda: bad.revoke_tokens(user),
        "delete_user": lambda: bad.delete_user(user),
    }
    with pytest.raises(ClientAuthenticationError) as excinfo:
        calls[operation]()
    assert excinfo.value.status_code == 401
    # Nothing was revoked or deleted: the earlier token still verifies.
    assert verify_token(client, token.token)["valid"] is True
