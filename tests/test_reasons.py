"""Why a fake refused a call (``call.reason``) and what a request that matched no
endpoint was probably meant for (near misses)."""

from __future__ import annotations

import pytest
import requests

from pytest_bizauth import RequestRejectedError

from .conftest import QUIET_PLUGINS
from .helpers import new_transaction

TOKEN, REFRESH, STORE = "/api/1.0/auth/token", "/api/1.0/auth/refresh", "/api/1.0/mail/store"


def _post(mock, path, **kwargs):
    return requests.post(mock.base_url + path, timeout=10, **kwargs)


def _credentials(mock):
    user = mock.user
    return {"username": user.username, "password": user.password}


def _reasons(mock):
    return [call.reason for call in mock.calls if call.reason]


def test_an_expired_bearer_names_its_expiry_and_the_clock(
    bizmail_mock, bizmail_client, bizauth_clock
):
    token = bizmail_client.access_token()
    bizauth_clock.travel_past(token, by=7)
    _post(
        bizmail_mock, STORE, headers={"Authorization": f"Bearer {token}"}, files={"a": (None, "b")}
    )
    assert bizmail_mock.calls[-1].reason == (
        "access token expired at 2025-01-02T00:00:00Z; the clock reads 2025-01-02T00:00:07Z"
    )


def test_bill24_names_the_expiry_and_the_missing_field(bill24_mock, bill24_client, bizauth_clock):
    token = bill24_client.access_token()
    bizauth_clock.travel_past(token)
    answer = requests.post(
        bill24_mock.base_url + "/transaction/v2/init",
        json=new_transaction(),
        headers={"token": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 401
    assert bill24_mock.calls[-1].reason.startswith("access token expired at 2025-01-01T06:00:00Z")
    assert bill24_mock.calls[-1].reason.endswith("the clock reads 2025-01-01T06:00:01Z")

    body = new_transaction()
    del body["cancel_url"]
    with pytest.raises(RequestRejectedError):
        bill24_client.init_transaction(**body)
    assert bill24_mock.calls[-1].reason == "[cancel_url] is missing"


@pytest.mark.bizauth(single_use_refresh=True)
def test_a_spent_refresh_token_names_the_switch(bizmail_mock, bizauth_clock):
    first = _post(bizmail_mock, TOKEN, data=_credentials(bizmail_mock)).json()["refresh_token"]
    bizauth_clock.shift(1)  # the new refresh token differs from the one spent
    assert _post(bizmail_mock, REFRESH, data={"refresh_token": first}).status_code == 200
    assert _post(bizmail_mock, REFRESH, data={"refresh_token": first}).status_code == 401
    assert bizmail_mock.calls[-1].reason == "refresh token already used (single_use_refresh)"


def test_a_missing_credential_names_the_field_and_a_rotated_key_says_so(bizmail_mock):
    _post(bizmail_mock, TOKEN, data={"username": "bizauth-user@example.com"})
    assert bizmail_mock.calls[-1].reason == "[password] is missing"
    token = _post(bizmail_mock, TOKEN, data=_credentials(bizmail_mock)).json()["access_token"]
    bizmail_mock.rotate_keys()
    _post(
        bizmail_mock, STORE, headers={"Authorization": f"Bearer {token}"}, files={"a": (None, "b")}
    )
    assert (
        bizmail_mock.calls[-1].reason
        == "access token signed with a key rotated out by rotate_keys()"
    )


def test_bill24_names_the_key_id_a_token_was_signed_with(bill24_mock, bill24_client):
    token = bill24_client.access_token()
    kid = bill24_mock.tokens.key.kid
    bill24_mock.rotate_keys()
    requests.post(
        bill24_mock.base_url + "/transaction/v2/init",
        json=new_transaction(),
        headers={"token": f"Bearer {token}"},
        timeout=10,
    )
    reason = bill24_mock.calls[-1].reason
    assert (
        reason == f"access token signed with key {kid[:12]} with a key rotated out by rotate_keys()"
    )


def test_no_reason_holds_a_credential_or_a_whole_token(bizmail_mock, bizmail_client, bizauth_clock):
    credentials = _credentials(bizmail_mock)
    token = bizmail_client.access_token()
    refresh = bizmail_client.cached_tokens.refresh
    _post(bizmail_mock, TOKEN, data={**credentials, "password": credentials["password"] + "x"})
    bizauth_clock.travel_past(token)
    _post(
        bizmail_mock, STORE, headers={"Authorization": f"Bearer {token}"}, files={"a": (None, "b")}
    )
    bizmail_mock.revoke_refresh_token(refresh)
    _post(bizmail_mock, REFRESH, data={"refresh_token": refresh})
    reasons = _reasons(bizmail_mock)
    assert len(reasons) == 3, reasons
    for secret in (credentials["password"], token, refresh):
        assert not any(secret in reason for reason in reasons)
    assert reasons[0] == "wrong password for this account"
    assert reasons[2].startswith("refresh token revoked")


def test_the_reason_shows_in_assertion_messages(bizmail_mock, bizmail_client, bizauth_clock):
    token = bizmail_client.access_token()
    bizauth_clock.travel_past(token)
    _post(
        bizmail_mock, STORE, headers={"Authorization": f"Bearer {token}"}, files={"a": (None, "b")}
    )
    with pytest.raises(AssertionError, match=r"-> 401 'Token expired' \(access token expired at"):
        bizmail_mock.assert_refreshed()


def test_an_unmatched_request_names_the_closest_endpoint(pytester):
    pytester.makepyfile(
        """
import requests

def test_slash(bizmail_mock):
    requests.post(bizmail_mock.base_url + "/api/1.0/auth/token/", data={}, timeout=5)

"""
    )
    result = pytester.runpytest(*QUIET_PLUGINS)
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*- POST /api/1.0/auth/token/: closest: POST /api/1.0/auth/token "
            "(differs by a trailing slash)"
        ]
    )


@pytest.mark.parametrize(
    ("method", "path", "hint"),
    [
        (
            "POST",
            "/api/1.0/auth/token/",
            "closest: POST /api/1.0/auth/token (differs by a trailing slash)",
        ),
        (
            "GET",
            "/api/1.0/auth/token",
            "closest: POST /api/1.0/auth/token (differs by the method (POST, not GET))",
        ),
        (
            "POST",
            "/auth/token",
            "closest: POST /api/1.0/auth/token (differs by a missing prefix /api/1.0)",
        ),
        (
            "POST",
            "/v1/api/1.0/auth/token",
            "closest: POST /api/1.0/auth/token (differs by an extra prefix /v1)",
        ),
        (
            "POST",
            "/API/1.0/auth/TOKEN",
            "closest: POST /api/1.0/auth/token (differs by letter case)",
        ),
        ("POST", "/api/1.0/auth/tokens", "closest: POST /api/1.0/auth/token (differs by the path)"),
        (
            "POST",
            "/merchantsecurity/authorize",
            "an endpoint of the Bill24 fake: send it to that fake's base URL",
        ),
        ("POST", "/nothing/like/it", None),
    ],
)
def test_near_misses(bizmail_mock, bill24_mock, method, path, hint):
    assert bizmail_mock.near_miss(method, path) == hint
    with pytest.raises(requests.ConnectionError, match="no endpoint"):
        requests.request(method, bizmail_mock.base_url + path, timeout=5)
    assert bizmail_mock.near_misses.get(f"{method} {path}") == hint
    bizmail_mock.unmatched.clear()


def test_the_control_api_lists_each_calls_reason(bizmail_mock, bizauth_server):
    url = bizauth_server.url_for(bizmail_mock)
    requests.post(url + REFRESH, data={"refresh_token": "nope"}, timeout=5)
    calls = requests.get(url + "/_bizauth/calls", timeout=5).json()
    assert calls[-1]["reason"] == "refresh token cannot be decoded: not a JWT this fake issued"
