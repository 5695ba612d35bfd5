"""BizMailClient against the fake, through the plugin's own fixtures."""

from __future__ import annotations

import threading

import pytest
import requests

from pytest_bizauth import (
    BizMailClient,
    InvalidCredentialsError,
    ProviderError,
    RequestRejectedError,
    TokenRejectedError,
)

from .conftest import DAY
from .helpers import MAIL

TOKEN_URL = "https://smtp-api.bizfly.vn/api/1.0/auth/token"


def test_the_cached_path_makes_no_call(bizmail_client, bizmail_mock):
    token = bizmail_client.access_token()
    assert all(bizmail_client.access_token() == token for _ in range(100))
    assert len(bizmail_mock.calls) == 1


def test_it_renews_exactly_at_the_leeway(bizmail_client, bizmail_mock, bizauth_clock):
    token = bizmail_client.access_token()
    bizauth_clock.travel_into_refresh_window(token, leeway=61, inside=0)
    assert bizmail_client.access_token() == token
    bizmail_mock.assert_not_refreshed()
    bizauth_clock.travel_into_refresh_window(token, leeway=60, inside=0)
    assert bizmail_client.access_token() != token
    bizmail_mock.assert_refreshed(times=1)


@pytest.mark.bizauth(leeway=300)
def test_the_leeway_comes_from_the_marker(bizmail_client, bizmail_mock, bizauth_clock):
    token = bizmail_client.access_token()
    bizauth_clock.travel_into_refresh_window(token, leeway=300)
    bizmail_client.access_token()
    bizmail_mock.assert_refreshed(times=1)


@pytest.mark.bizauth(access_ttl=60)
def test_a_short_token_is_used_for_half_its_life(bizmail_client, bizmail_mock, bizauth_clock):
    token = bizmail_client.access_token()
    bizauth_clock.shift(29)
    assert bizmail_client.access_token() == token
    bizauth_clock.shift(1)
    assert bizmail_client.access_token() != token


def test_the_full_journey(bizmail_client, bizmail_mock, bizauth_clock):
    """login -> 1 day -> refresh -> 90 days -> log in again."""
    first = bizmail_client.access_token()
    bizauth_clock.shift(DAY)
    second = bizmail_client.access_token()
    bizauth_clock.shift(91 * DAY)
    third = bizmail_client.access_token()
    assert len({first, second, third}) == 3
    assert [(c.endpoint, c.status) for c in bizmail_mock.calls] == [
        ("/api/1.0/auth/token", 200),
        ("/api/1.0/auth/refresh", 200),
        ("/api/1.0/auth/refresh", 401),
        ("/api/1.0/auth/token", 200),
    ]
    assert bizmail_mock.calls[2].response["message"] == "Refresh token expired"
    bizmail_mock.assert_logged_in(times=2)
    bizmail_mock.assert_refreshed(times=1)


def test_a_removed_user_ends_in_invalid_credentials(bizmail_client, bizmail_mock, bizauth_clock):
    token = bizmail_client.access_token()
    bizmail_mock.remove_user(bizmail_mock.user.username)
    bizauth_clock.travel_past(token)
    with pytest.raises(InvalidCredentialsError, match="Invalid credentials") as error:
        bizmail_client.access_token()
    assert error.value.status == 401
    assert bizmail_mock.refresh_calls[0].response["message"] == "User not found"


def test_wrong_credentials(bizmail_mock):
    client = BizMailClient(bizmail_mock.base_url, bizmail_mock.user.username, "not-the-password")
    with pytest.raises(InvalidCredentialsError) as error:
        client.access_token()
    assert "not-the-password" not in str(error.value) + repr(error.value) + repr(client)
    assert str(error.value) == (
        "Invalid credentials (HTTP 401 from /api/1.0/auth/token). "
        "Check the username 'bizauth-user@example.com' and its password".replace("Check", "check")
    )


def test_a_401_from_the_resource_refreshes_and_retries_once(
    bizmail_client, bizmail_mock, bizauth_clock
):
    bizmail_client.access_token()
    bizauth_clock.shift(1)  # at the very same instant the refreshed token would be identical
    bizmail_mock.fail_next("mail", 401)
    assert bizmail_client.send_mail(**MAIL)["success"] is True
    bizmail_mock.assert_refreshed(times=1)
    assert [c.status for c in bizmail_mock.mail_calls] == [401, 200]
    first, second = bizmail_mock.mail_calls
    assert first.request["authorization"] != second.request["authorization"]


def test_a_second_401_raises_token_rejected(bizmail_client, bizmail_mock):
    bizmail_mock.fail_next("mail", 401, times=2)
    with pytest.raises(TokenRejectedError) as error:
        bizmail_client.send_mail(**MAIL)
    assert error.value.status == 401
    assert len(bizmail_mock.mail_calls) == 2


def test_an_expired_token_is_renewed_before_sending(bizmail_client, bizmail_mock, bizauth_clock):
    bizauth_clock.travel_past(bizmail_client.access_token())
    bizmail_client.send_mail(**MAIL)
    assert [c.status for c in bizmail_mock.mail_calls] == [200]


def test_the_auth_works_with_any_session(bizmail_client, bizmail_mock):
    response = requests.post(
        bizmail_mock.base_url + "/api/1.0/mail/store",
        files={
            "from": (None, "a@x.io"),
            "from_name": (None, "A"),
            "to": (None, "b@x.io"),
            "subject": (None, "s"),
            "text": (None, "t"),
        },
        auth=bizmail_client.auth,
        timeout=5,
    )
    assert response.json()["success"] is True


def test_mail_fields_and_attachments_arrive(bizmail_client, bizmail_mock):
    bizmail_client.send_mail(
        from_email="a@example.com",
        from_name="A",
        to=["b@example.com", "c@example.com"],
        cc="d@example.com",
        bcc=["e@example.com"],
        reply_to="r@example.com",
        subject="S",
        html="<b>hi</b>",
        attachments=[("a.txt", b"abc"), ("b.csv", b"1,2", "text/csv")],
    )
    mail = bizmail_mock.mails[0]
    assert mail.fields["to"] == ["b@example.com", "c@example.com"]
    assert (mail["from_name"], mail["cc"], mail["bcc"], mail["reply_to"], mail["html"]) == (
        "A",
        "d@example.com",
        "e@example.com",
        "r@example.com",
        "<b>hi</b>",
    )
    assert [(a.filename, a.content, a.content_type) for a in mail.attachments] == [
        ("a.txt", b"abc", None),
        ("b.csv", b"1,2", "text/csv"),
    ]


def test_a_validation_error_is_request_rejected(bizmail_client):
    with pytest.raises(RequestRejectedError, match="Validation error") as error:
        bizmail_client.send_mail(
            from_email="", from_name="A", to="b@example.com", subject="s", text="t"
        )
    assert error.value.status == 400


def test_send_mail_needs_a_body(bizmail_client):
    with pytest.raises(ValueError, match="needs a body"):
        bizmail_client.send_mail(from_email="a@x.io", from_name="A", to="b@x.io", subject="s")


# -- what real servers do -----------------------------------------------------------------


@pytest.mark.parametrize("error", ["timeout", "connection"])
def test_network_failures_are_provider_errors(bizmail_client, bizmail_mock, error):
    bizmail_mock.fail_next("token", error=error)
    with pytest.raises(ProviderError) as failure:
        bizmail_client.access_token()
    assert failure.value.status is None
    assert failure.value.endpoint == "/api/1.0/auth/token"
    assert bizmail_client.access_token()


def test_a_500_carries_the_providers_message(bizmail_client, bizmail_mock):
    bizmail_mock.fail_next("token", 500)
    with pytest.raises(
        ProviderError, match=r"^Internal server error \(HTTP 500 from /api/1.0/auth/token\)$"
    ):
        bizmail_client.access_token()


def test_a_refresh_that_fails_with_5xx_is_an_error_not_a_relogin(
    bizmail_client, bizmail_mock, bizauth_clock
):
    bizauth_clock.travel_past(bizmail_client.access_token())
    bizmail_mock.fail_next("refresh", 503)
    with pytest.raises(ProviderError) as failure:
        bizmail_client.access_token()
    assert failure.value.status == 503
    bizmail_mock.assert_logged_in(times=1)


@pytest.mark.parametrize(
    ("status", "body", "content_type", "message"),
    [
        (502, b"<html><body>Bad Gateway</body></html>", "text/html", r"not JSON \(text/html"),
        (200, b'{"success": true, "access_', "application/json", "not JSON"),
        (200, b"[]", "application/json", "not an object"),
        (
            200,
            b'{"success": true, "expires_in": 86400}',
            "application/json",
            "without an access token",
        ),
        (
            200,
            b'{"access_token": "x", "refresh_token": "y"}',
            "application/json",
            "positive 'expires_in'",
        ),
        (
            200,
            b'{"access_token": "x", "refresh_token": 5, "expires_in": 9}',
            "application/json",
            "not a string",
        ),
    ],
    ids=["html-502", "truncated", "array", "no-token", "no-expiry", "bad-refresh"],
)
def test_unexpected_bodies_are_provider_errors(
    bizmail_client, bizauth_responses, status, body, content_type, message
):
    bizauth_responses.post(TOKEN_URL, body=body, status=status, content_type=content_type)
    with pytest.raises(ProviderError, match=message) as failure:
        bizmail_client.access_token()
    assert failure.value.status == status


def test_threads_crossing_expiry_refresh_once(bizmail_client, bizmail_mock, bizauth_clock):
    bizauth_clock.travel_past(bizmail_client.access_token())
    barrier = threading.Barrier(16)
    tokens, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            tokens.append(bizmail_client.access_token())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert len(tokens) == 16
    assert len(set(tokens)) == 1
    bizmail_mock.assert_refreshed(times=1)


def test_on_token_sees_each_new_token_set(bizmail_mock, bizauth_clock):
    seen = []
    user = bizmail_mock.user
    client = BizMailClient(
        bizmail_mock.base_url, user.username, user.password, on_token=seen.append
    )
    token = client.access_token()
    bizauth_clock.travel_past(token)
    client.access_token()
    assert [s.obtained_by for s in seen] == ["login", "refresh"]
    assert seen[0].access_token == token
    assert seen[0].expires_at == bizauth_clock.expiry_of(token)
    assert token not in repr(seen[0])


def test_forget_tokens_logs_in_again(bizmail_client, bizmail_mock):
    bizmail_client.access_token()
    bizmail_client.forget_tokens()
    assert not bizmail_client.has_token
    bizmail_client.access_token()
    bizmail_mock.assert_logged_in(times=2)


def test_nothing_secret_in_repr(bizmail_client, bizmail_mock, bizauth_clock):
    token = bizmail_client.access_token()
    text = repr(bizmail_client) + repr(bizmail_client.auth)
    assert bizmail_mock.user.password not in text
    assert token not in text
    assert "renews at 2025-01-01T23:59:00Z" in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "smtp-api.bizfly.vn"}, "http"),
        ({"username": ""}, "non-empty username"),
        ({"password": ""}, "non-empty password"),
        ({"leeway": -1}, "leeway"),
        ({"on_token": "print"}, "on_token"),
    ],
)
def test_bad_construction_is_explained(kwargs, message):
    arguments = {"base_url": "https://smtp-api.bizfly.vn", "username": "u", "password": "p"}
    arguments.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=message):
        BizMailClient(**arguments)
