"""Bill24Client against the fake, through the plugin's fixtures."""

from __future__ import annotations

import threading

import pytest

from pytest_bizauth import (
    Bill24Client,
    InvalidCredentialsError,
    ProviderError,
    RequestRejectedError,
    TokenRejectedError,
)

from .helpers import TRANSACTION

SIX_HOURS = 21_600


@pytest.fixture
def merchant_client(bill24_mock):
    m = bill24_mock.merchant
    return Bill24Client.for_merchant(bill24_mock.base_url, m.token, m.client_id, m.secret)


@pytest.mark.parametrize("variant", ["portal", "merchant"])
def test_journey_across_expiry(variant, bill24_client, merchant_client, bill24_mock, bizauth_clock):
    client = bill24_client if variant == "portal" else merchant_client
    first = client.access_token()
    assert client.access_token() == first
    bizauth_clock.travel_into_refresh_window(first, leeway=61, inside=0)
    assert client.access_token() == first
    bizauth_clock.travel_past(first)
    second = client.access_token()
    assert second != first
    bill24_mock.assert_logged_in(times=1)
    bill24_mock.assert_refreshed(times=1)
    assert client.init_transaction(**TRANSACTION)["code"] == "SUCCESS"


def test_it_caches_by_token_expire_time(bill24_client, bill24_mock, bizauth_clock):
    seen = []
    bill24_client.on_token = seen.append
    token = bill24_client.access_token()
    assert seen[0].expires_in == SIX_HOURS
    assert seen[0].expires_at == bizauth_clock.expiry_of(token)


def test_a_refused_refresh_falls_back_to_login(bill24_client, bill24_mock, bizauth_clock):
    token = bill24_client.access_token()
    bizauth_clock.shift(31 * 24 * 3600)  # the refresh token (30 days) is gone too
    assert bill24_client.access_token() != token
    assert bill24_mock.calls[1].kind == "refresh"
    assert bill24_mock.calls[1].response["message"] == "Refresh token expired"
    bill24_mock.assert_logged_in(times=2)
    bill24_mock.assert_not_refreshed()


def test_a_401_from_a_transaction_endpoint_refreshes_and_retries(
    bill24_client, bill24_mock, bizauth_clock
):
    bill24_client.access_token()
    bizauth_clock.shift(1)
    bill24_mock.fail_next("init", 401)
    assert bill24_client.init_transaction(**TRANSACTION)["code"] == "SUCCESS"
    bill24_mock.assert_refreshed(times=1)
    assert [c.status for c in bill24_mock.transaction_calls] == [401, 200]
    assert bill24_mock.transaction_calls[0].response is None


def test_a_second_401_raises(bill24_client, bill24_mock):
    bill24_mock.fail_next("verify", 401, times=2)
    with pytest.raises(TokenRejectedError):
        bill24_client.verify_transaction(tran_id="X")


def test_business_errors_raise_with_their_code(bill24_client):
    with pytest.raises(RequestRejectedError) as error:
        bill24_client.init_transaction(identity_code="only")
    assert error.value.code == "ERR_MISSED_FIELD"
    assert error.value.status == 200
    with pytest.raises(RequestRejectedError, match="ERR_NOT_FOUND"):
        bill24_client.verify_transaction(
            identity_code="INV-9", purpose_of_transaction="13", tran_id="NOPE"
        )


def test_verify_finds_an_initiated_transaction(bill24_client):
    created = bill24_client.init_transaction(**TRANSACTION)["data"]
    found = bill24_client.verify_transaction(
        identity_code="INV-9", purpose_of_transaction="13", tran_id=created["tran_id"]
    )["data"]
    assert (found["identity_code"], found["tran_amount"]) == ("INV-9", 5)


def test_wrong_credentials(bill24_mock):
    user = bill24_mock.user
    client = Bill24Client.for_portal_user(
        bill24_mock.base_url, user.email, "wrong-password", user.client_id, user.secret
    )
    with pytest.raises(InvalidCredentialsError, match="Invalid email or password") as error:
        client.access_token()
    text = str(error.value) + repr(error.value) + repr(client)
    assert "wrong-password" not in text
    assert user.secret not in text


@pytest.mark.bizauth(bill24_error_status=403)
def test_a_configured_error_status_is_still_invalid_credentials(bill24_mock, merchant_client):
    bill24_mock.remove_merchant(bill24_mock.merchant.token)
    with pytest.raises(InvalidCredentialsError) as error:
        merchant_client.access_token()
    assert error.value.status == 403


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (502, b"<html>Bad gateway</html>", "not JSON"),
        (200, b'{"token": "x", "refreshToken": "y"}', "tokenExpireTime"),
        (200, b'{"token": "x", "tokenExpireTime": "tomorrow"}', "tokenExpireTime"),
    ],
    ids=["html", "no-expiry", "bad-expiry"],
)
def test_unexpected_answers_are_provider_errors(
    bill24_client, bill24_mock, bizauth_responses, status, body, message
):
    bizauth_responses.post(bill24_mock.base_url + "/security/authorize", status=status, body=body)
    with pytest.raises(ProviderError, match=message):
        bill24_client.access_token()


def test_a_merchant_answer_without_the_envelope(merchant_client, bill24_mock, bizauth_responses):
    bizauth_responses.post(bill24_mock.base_url + "/merchantsecurity/authorize", json={"x": 1})
    with pytest.raises(ProviderError, match="envelope"):
        merchant_client.access_token()


def test_a_timeout(bill24_client, bill24_mock):
    bill24_mock.fail_next("authorize", error="timeout")
    with pytest.raises(ProviderError) as error:
        bill24_client.access_token()
    assert error.value.status is None


def test_threads_crossing_expiry_refresh_once(bill24_client, bill24_mock, bizauth_clock):
    bizauth_clock.travel_past(bill24_client.access_token())
    barrier = threading.Barrier(16)
    tokens = []

    def work():
        barrier.wait(timeout=10)
        tokens.append(bill24_client.access_token())

    threads = [threading.Thread(target=work) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(tokens) == 16
    assert len(set(tokens)) == 1
    bill24_mock.assert_refreshed(times=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "either merchant_token"),
        ({"email": "a@b.c", "password": "p", "merchant_token": "t"}, "either merchant_token"),
        ({"email": "a@b.c"}, "non-empty email and password"),
        ({"merchant_token": ""}, "non-empty merchant token"),
        ({"merchant_token": "t", "client_id": ""}, "client_id"),
        ({"merchant_token": "t", "secret": ""}, "client secret"),
    ],
    ids=repr,
)
def test_bad_construction_is_explained(kwargs, message):
    arguments = {"client_id": "c", "secret": "s", **kwargs}
    with pytest.raises(ValueError, match=message):
        Bill24Client("https://merchantapi-demo.bill24.io", **arguments)


def test_both_fakes_in_one_test(bill24_client, bizmail_client, bill24_mock, bizmail_mock):
    assert bill24_client.access_token()
    assert bizmail_client.access_token()
    bill24_mock.assert_logged_in(times=1)
    bizmail_mock.assert_logged_in(times=1)
