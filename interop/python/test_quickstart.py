"""The ACS access-token quickstart for Python, step by step, with the sync
CommunicationIdentityClient built by `from_connection_string`."""

from __future__ import annotations

import contextlib
import io
import time
import uuid
from datetime import timedelta

import pytest

from azure.core.exceptions import ResourceNotFoundError
from azure.communication.identity import CommunicationIdentityClient, CommunicationUserIdentifier

from acs_checks import (
    USER_ID,
    assert_accepted_by_token_credential,
    assert_acs_user,
    assert_expires_in,
    parse_expires_on,
    resource_of,
    verify_token,
)


def test_create_user_returns_a_communication_user_whose_id_is_8_acs_guid_underscore_guid(client):
    user = client.create_user()
    assert_acs_user(user)


def test_two_created_users_get_distinct_ids_under_the_same_resource(client):
    first = assert_acs_user(client.create_user())
    second = assert_acs_user(client.create_user())
    assert first != second
    assert resource_of(first) == resource_of(second)


def test_get_token_with_the_voip_scope_returns_a_token_that_expires_in_24_hours_by_default(client):
    user = client.create_user()
    before = time.time()
    token = client.get_token(user, ["voip"])
    after = time.time()
    assert_expires_in(token.expires_on, 1440, before, after)
    assert_accepted_by_token_credential(token)


def test_get_token_with_token_expires_in_one_hour_returns_a_token_that_expires_about_an_hour_ahead(client):
    user = client.create_user()
    before = time.time()
    token = client.get_token(user, ["voip"], token_expires_in=timedelta(hours=1))
    after = time.time()
    assert_expires_in(token.expires_on, 60, before, after)
    assert_accepted_by_token_credential(token)


@pytest.mark.parametrize("minutes", [60, 61, 720, 1439, 1440])
def test_get_token_accepts_expiries_from_60_up_to_1440_minutes(client, minutes):
    user = client.create_user()
    before = time.time()
    token = client.get_token(user, ["chat"], token_expires_in=timedelta(minutes=minutes))
    after = time.time()
    assert_expires_in(token.expires_on, minutes, before, after)
    assert_accepted_by_token_credential(token)


def test_create_user_and_token_returns_a_new_user_and_a_voip_token_in_one_call(client):
    before = time.time()
    user, token = client.create_user_and_token(["voip"])
    after = time.time()
    user_id = assert_acs_user(user)
    assert_expires_in(token.expires_on, 1440, before, after)
    assert_accepted_by_token_credential(token)
    verdict = verify_token(client, token.token)
    assert verdict["valid"] is True, verdict
    assert verdict["identity"]["id"] == user_id
    assert verdict["scopes"] == ["voip"]


def test_create_user_and_token_honours_token_expires_in(client):
    before = time.time()
    user, token = client.create_user_and_token(["chat"], token_expires_in=timedelta(hours=2))
    after = time.time()
    assert_acs_user(user)
    assert_expires_in(token.expires_on, 120, before, after)
    assert_accepted_by_token_credential(token)


def test_a_token_is_refreshed_through_a_communication_user_identifier_built_from_the_stored_id(client):
    stored_id = client.create_user().properties["id"]
    first = client.get_token(CommunicationUserIdentifier(stored_id), ["voip"])
    # The quickstart's refresh: a new identifier object from the stored string.
    identity = CommunicationUserIdentifier(stored_id)
    refreshed = client.get_token(identity, ["voip"])
    assert refreshed.token != first.token
    assert parse_expires_on(refreshed.expires_on) >= parse_expires_on(first.expires_on)
    assert_accepted_by_token_credential(refreshed)
    for token in (first, refreshed):
        verdict = verify_token(client, token.token)
        assert verdict["valid"] is True, verdict
        assert verdict["identity"]["id"] == stored_id


def test_a_token_with_the_chat_and_voip_scopes_carries_both_scopes(client):
    user = client.create_user()
    token = client.get_token(user, ["chat", "voip"])
    assert_accepted_by_token_credential(token)
    verdict = verify_token(client, token.token)
    assert verdict["valid"] is True, verdict
    assert sorted(verdict["scopes"]) == ["chat", "voip"]


@pytest.mark.parametrize("scope", ["chat", "voip", "chat.join", "chat.join.limited", "voip.join"])
def test_every_documented_scope_is_issued(client, scope):
    user = client.create_user()
    token = client.get_token(user, [scope])
    assert_accepted_by_token_credential(token)
    assert verify_token(client, token.token)["scopes"] == [scope]


def test_revoke_tokens_invalidates_the_tokens_issued_before_it(client):
    user = client.create_user()
    token = client.get_token(user, ["voip"])
    assert verify_token(client, token.token)["valid"] is True
    assert client.revoke_tokens(user) is None
    verdict = verify_token(client, token.token)
    assert verdict == {"valid": False, "reason": "revoked"}


def test_a_token_issued_after_revoke_is_accepted_by_the_server_and_by_communication_token_credential(client):
    user = client.create_user()
    client.get_token(user, ["voip"])
    client.revoke_tokens(user)
    token = client.get_token(user, ["voip"])
    assert_accepted_by_token_credential(token)
    verdict = verify_token(client, token.token)
    assert verdict["valid"] is True, verdict
    assert verdict["identity"]["id"] == user.properties["id"]


def test_delete_user_makes_get_token_raise_resource_not_found(client):
    user = client.create_user()
    token = client.get_token(user, ["voip"])
    assert client.delete_user(user) is None
    with pytest.raises(ResourceNotFoundError) as excinfo:
        client.get_token(user, ["voip"])
    assert excinfo.value.status_code == 404
    assert verify_token(client, token.token) == {"valid": False, "reason": "deleted"}


def test_revoke_tokens_of_a_deleted_user_raises_resource_not_found(client):
    user = client.create_user()
    client.delete_user(user)
    with pytest.raises(ResourceNotFoundError) as excinfo:
        client.revoke_tokens(user)
    assert excinfo.value.status_code == 404


def test_a_repeated_delete_user_succeeds_as_a_retried_delete_must(client):
    user = client.create_user()
    client.delete_user(user)
    assert client.delete_user(user) is None
    with pytest.raises(ResourceNotFoundError):
        client.get_token(user, ["voip"])


def test_get_token_for_a_well_formed_id_that_was_never_created_raises_resource_not_found(client):
    resource = resource_of(client.create_user().properties["id"])
    unknown = CommunicationUserIdentifier(f"8:acs:{resource}_{uuid.uuid4()}")
    assert USER_ID.match(unknown.properties["id"])
    with pytest.raises(ResourceNotFoundError) as excinfo:
        client.get_token(unknown, ["voip"])
    assert excinfo.value.status_code == 404


def test_the_python_quickstart_runs_as_written(connection_string):
    """The quickstart's statements, in order, with its own prints (it
    concatenates `expires_on` to a str, so expires_on must be a str)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print("Azure Communication Services - Access Tokens Quickstart")
        client = CommunicationIdentityClient.from_connection_string(connection_string)

        identity = client.create_user()
        print("\nCreated an identity with ID: " + identity.properties['id'])

        token_result = client.get_token(identity, ["voip"])
        print("\nIssued an access token with 'voip' scope that expires at " + token_result.expires_on + ":")
        print(token_result.token)

        token_expires_in = timedelta(hours=1)
        token_result = client.get_token(identity, ["voip"], token_expires_in=token_expires_in)

        identity_token_result = client.create_user_and_token(["voip"])
        identity = identity_token_result[0]
        token = identity_token_result[1].token
        expires_on = identity_token_result[1].expires_on
        print("\nCreated an identity with ID: " + identity.properties['id'])
        print("\nIssued an access token with 'voip' scope that expires at " + expires_on + ":")
        print(token)

        existingIdentity = identity.properties['id']
        identity = CommunicationUserIdentifier(existingIdentity)
        token_result = client.get_token(identity, ["voip"])

        client.revoke_tokens(identity)
        print("\nSuccessfully revoked all access tokens for identity with ID: " + identity.properties['id'])

        client.delete_user(identity)
        print("\nDeleted the identity with ID: " + identity.properties['id'])

    lines = [line for line in out.getvalue().splitlines() if line]
    assert lines[0] == "Azure Communication Services - Access Tokens Quickstart"
    created = [line.removeprefix("Created an identity with ID: ") for line in lines if line.startswith("Created")]
    assert len(created) == 2 and all(USER_ID.match(i) for i in created), created
    assert lines[-2] == "Successfully revoked all access tokens for identity with ID: " + created[1]
    assert lines[-1] == "Deleted the identity with ID: " + created[1]
    issued = [line for line in lines if line.startswith("Issued an access token")]
    assert len(issued) == 2
    for line in issued:
        parse_expires_on(line.removeprefix("Issued an access token with 'voip' scope that expires at ").removesuffix(":"))


def test_each_quickstart_operation_answers_the_exact_status_the_sdk_expects(client):
    statuses = []

    def hook(response):
        statuses.append(
            (response.http_request.method, response.http_response.status_code,
             response.http_response.headers.get("Content-Type"))
        )

    user = client.create_user(raw_response_hook=hook)
    client.get_token(user, ["voip"], raw_response_hook=hook)
    client.create_user_and_token(["voip"], raw_response_hook=hook)
    client.revoke_tokens(user, raw_response_hook=hook)
    client.delete_user(user, raw_response_hook=hook)
    assert [(m, s) for m, s, _ in statuses] == [
        ("POST", 201), ("POST", 200), ("POST", 201), ("POST", 204), ("DELETE", 204)
    ]
    for _, status, content_type in statuses:
        if status != 204:
            assert content_type and content_type.startswith("application/json"), content_type
