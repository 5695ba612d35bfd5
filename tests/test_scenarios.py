"""Scenario control: faults, state changes, token-aware time, events, the race helper."""

from __future__ import annotations

import threading
import time

import jwt
import pytest
import requests

from pytest_bizauth import BizMailClient, ProviderError, race
from pytest_bizauth.clock import timestamp

MAIL = {
    "from_email": "a@example.com",
    "from_name": "A",
    "to": "b@example.com",
    "subject": "s",
    "text": "t",
}
TRANSACTION = {
    "identity_code": "I",
    "currency": "KHR",
    "amount": 1,
    "cancel_url": "https://shop.example.com/cancel",
    "redirect_url": "https://shop.example.com/done",
    "channel_code": "KHQR",
    "customers": [{"amount": 5}],
}
VENDORS = ["bizmail", "bill24"]


class Vendor:
    """One fake, its client and its endpoints, so a test runs against both."""

    def __init__(self, name, request):
        self.name = name
        self.mock = request.getfixturevalue(f"{name}_mock")
        self.client = request.getfixturevalue(f"{name}_client")
        self.login = "token" if name == "bizmail" else "authorize"
        self.resource = "mail" if name == "bizmail" else "init"

    def use(self):
        if self.name == "bizmail":
            return self.client.send_mail(**MAIL)
        return self.client.init_transaction(**TRANSACTION)

    def raw_resource(self, token):
        path = "/api/1.0/mail/store" if self.name == "bizmail" else "/transaction/v2/init"
        return requests.post(
            self.mock.base_url + path,
            json=TRANSACTION,
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )

    def last_refresh_token(self):
        issued = [c for c in self.mock.calls if c.ok and c.kind in ("login", "refresh")]
        return issued[-1]


@pytest.fixture(params=VENDORS)
def vendor(request, bizauth_clock):
    return Vendor(request.param, request)


# -- faults --------------------------------------------------------------------------------


def test_fail_next_times_then_normal(vendor):
    vendor.mock.fail_next(vendor.login, 503, times=2)
    for _ in range(2):
        with pytest.raises(ProviderError) as error:
            vendor.client.access_token()
        assert error.value.status == 503
    assert vendor.client.access_token()
    assert vendor.mock.auth_events == ["login 503", "login 503", "login"]


def test_fail_sequence_then_normal(vendor):
    vendor.mock.fail_sequence(vendor.login, [503, "timeout", 502])
    outcomes = []
    for _ in range(4):
        try:
            vendor.client.access_token()
            outcomes.append("ok")
        except ProviderError as error:
            outcomes.append(error.status)
    assert outcomes == [503, None, 502, "ok"]
    assert vendor.mock.auth_events == ["login 503", "login timeout", "login 502", "login"]


def test_fail_always_until_cleared(vendor):
    vendor.mock.fail_always(vendor.login, 500)
    for _ in range(3):
        with pytest.raises(ProviderError):
            vendor.client.access_token()
    assert vendor.mock.pending_faults == {}
    vendor.mock.clear_faults(vendor.login)
    assert vendor.client.access_token()


def test_an_always_fault_that_never_fires_is_pending(vendor):
    vendor.mock.fail_always(vendor.resource, error="timeout")
    assert vendor.mock.pending_faults == {vendor.resource: ["timeout (every call)"]}
    with pytest.raises(AssertionError, match="never fired"):
        vendor.mock.verify()
    vendor.mock.clear_faults()


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        ("html", 502, "not JSON (text/html"),
        ("not_json", 200, "not JSON (text/plain"),
        ("truncated", 200, "not JSON (application/json"),
        ("missing_fields", 200, "without"),
    ],
)
def test_broken_bodies_reach_the_client_as_provider_errors(vendor, error, status, message):
    vendor.mock.fail_next(vendor.login, error=error)
    with pytest.raises(ProviderError) as failure:
        vendor.client.access_token()
    assert message in str(failure.value)
    assert failure.value.status == status
    call = vendor.mock.calls[-1]
    assert call.injected
    assert call.status == status
    vendor.mock.assert_logged_in(times=0)


def test_html_pages_take_a_given_status(vendor):
    vendor.mock.fail_next(vendor.login, 504, error="html")
    with pytest.raises(ProviderError) as failure:
        vendor.client.access_token()
    assert failure.value.status == 504
    assert "504 Gateway Time-out" in vendor.mock.calls[-1].response.decode() or (
        "504" in vendor.mock.calls[-1].response.decode()
    )


def test_fault_arguments_are_checked(vendor):
    with pytest.raises(ValueError, match="at least one step"):
        vendor.mock.fail_sequence(vendor.login, [])
    with pytest.raises(ValueError, match="error must be one of"):
        vendor.mock.fail_sequence(vendor.login, ["slow"])
    with pytest.raises(ValueError, match="HTTP status code"):
        vendor.mock.fail_always(vendor.login, 700)
    with pytest.raises(ValueError, match="a 1xx is no answer"):
        vendor.mock.fail_next(vendor.login, 101)


# -- state changes -------------------------------------------------------------------------


def test_revoke_one_refresh_token(vendor, bizauth_clock):
    token = vendor.client.access_token()
    refresh_token = vendor.client.cached_tokens.refresh
    vendor.mock.revoke_refresh_token(
        refresh_token.lower() if vendor.name == "bill24" else refresh_token
    )
    bizauth_clock.travel_past(token)
    vendor.client.access_token()
    assert vendor.mock.auth_events == ["login", "refresh 401", "login"]


def test_revoke_every_refresh_token_of_a_user(vendor, bizauth_clock):
    token = vendor.client.access_token()
    assert vendor.mock.revoke_refresh_tokens() == 1
    bizauth_clock.travel_past(token)
    vendor.client.access_token()
    assert vendor.mock.auth_events == ["login", "refresh 401", "login"]


def test_revoking_another_users_tokens_leaves_ours(vendor, bizauth_clock):
    token = vendor.client.access_token()
    assert vendor.mock.revoke_refresh_tokens("someone-else@example.com") == 0
    bizauth_clock.travel_past(token)
    vendor.client.access_token()
    assert vendor.mock.auth_events == ["login", "refresh"]


@pytest.mark.parametrize("move", [0, 1], ids=["same-instant", "a-second-later"])
def test_expire_every_access_token_now(vendor, bizauth_clock, move):
    token = vendor.client.access_token()
    assert vendor.mock.expire_access_tokens() == 1
    assert vendor.raw_resource(token).status_code == 401
    bizauth_clock.shift(move)
    vendor.use()
    assert vendor.mock.auth_events == [
        "login",
        "resource 401",
        "resource 401",
        "refresh",
        "resource",
    ]


def test_rotate_keys(vendor, bizauth_clock):
    token = vendor.client.access_token()
    vendor.mock.rotate_keys()
    assert vendor.raw_resource(token).status_code == 401
    bizauth_clock.travel_past(token)
    fresh = vendor.client.access_token()
    if vendor.name == "bizmail":  # its refresh tokens are signed JWTs too
        assert vendor.mock.auth_events == ["login", "resource 401", "refresh 401", "login"]
    else:  # Bill24's are opaque handles the provider keeps: rotation leaves them valid
        assert vendor.mock.auth_events == ["login", "resource 401", "refresh"]
    assert vendor.mock.tokens.decode(fresh)
    with pytest.raises(jwt.InvalidSignatureError):
        vendor.mock.tokens.decode(token, verify_exp=False)


def test_skew_next_token(vendor, bizauth_clock):
    vendor.mock.skew_next_token(120)
    token = vendor.client.access_token()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iat"] == int(timestamp()) + 120
    assert vendor.client.access_token() == token
    bizauth_clock.shift(1)
    vendor.client.forget_tokens()  # the next token is issued without skew
    again = vendor.client.access_token()
    assert jwt.decode(again, options={"verify_signature": False})["iat"] == int(timestamp())


def test_a_not_yet_valid_bill24_token_is_refused_then_refreshed(
    bill24_client, bill24_mock, bizauth_clock
):
    bill24_mock.skew_next_token(300)
    bill24_client.init_transaction(**TRANSACTION)
    assert bill24_mock.auth_events == ["login", "resource 401", "refresh", "resource"]


def test_rotation_and_single_use_switch_mid_test(vendor, bizauth_clock):
    token = vendor.client.access_token()
    first_refresh = vendor.client.cached_tokens.refresh
    vendor.mock.rotate_refresh_tokens = False
    bizauth_clock.travel_past(token)
    token = vendor.client.access_token()
    assert vendor.client.cached_tokens.refresh == first_refresh
    vendor.mock.rotate_refresh_tokens = True
    vendor.mock.single_use_refresh = True
    bizauth_clock.travel_past(token)
    vendor.client.access_token()
    assert vendor.client.cached_tokens.refresh != first_refresh
    body = (
        {"refresh_token": first_refresh}
        if vendor.name == "bizmail"
        else {
            "clientId": vendor.mock.user.client_id,
            "secret": vendor.mock.user.secret,
            "refreshToken": first_refresh,
        }
    )
    path = "/api/1.0/auth/refresh" if vendor.name == "bizmail" else "/security/authorize"
    reused = requests.post(vendor.mock.base_url + path, json=body, timeout=5)
    assert reused.json()["message"] == "Invalid refresh token"


# -- token-aware time ----------------------------------------------------------------------


def test_time_travel_by_bill24_expire_time_and_opaque_refresh_token(
    bill24_mock, bill24_client, bizauth_clock
):
    bill24_client.access_token()
    login = bill24_mock.calls[-1]
    expire_time = login.response["tokenExpireTime"]
    assert bizauth_clock.expiry_of(expire_time) == bizauth_clock.expiry_of(
        bill24_client.access_token()
    )
    refresh_token = bill24_client.cached_tokens.refresh
    bizauth_clock.travel_to_just_before(refresh_token)
    assert timestamp() == bill24_mock.refresh_tokens[refresh_token].expires_at - 1
    bizauth_clock.travel_past(refresh_token)
    bill24_client.access_token()
    assert bill24_mock.auth_events == ["login", "refresh 401", "login"]


def test_an_unknown_opaque_token_is_a_clear_error(bill24_mock, bizauth_clock):
    with pytest.raises(ValueError, match="no fake in this test issued it"):
        bizauth_clock.travel_past("F" * 64)


def test_travel_into_refresh_window(vendor, bizauth_clock):
    token = vendor.client.access_token()
    bizauth_clock.travel_into_refresh_window(token, leeway=60)
    assert vendor.client.access_token() != token


# -- assertions ----------------------------------------------------------------------------


def test_assert_bearer_used(vendor, bizauth_clock):
    first = vendor.client.access_token()
    vendor.use()
    vendor.mock.assert_bearer_used(first)
    bizauth_clock.travel_past(first)
    second = vendor.client.access_token()
    with pytest.raises(AssertionError, match="none carried it") as failure:
        vendor.mock.assert_bearer_used(second)
    assert second not in str(failure.value)


def test_assert_last_refresh_used(vendor, bizauth_clock):
    with pytest.raises(AssertionError, match="no refresh call was made"):
        vendor.mock.assert_last_refresh_used("anything")
    token = vendor.client.access_token()
    refresh_token = vendor.client.cached_tokens.refresh
    bizauth_clock.travel_past(token)
    vendor.client.access_token()
    vendor.mock.assert_last_refresh_used(refresh_token)
    with pytest.raises(AssertionError, match="but it used"):
        vendor.mock.assert_last_refresh_used(vendor.client.cached_tokens.refresh)


def test_unretried_expiries_are_found(vendor, bizauth_clock):
    token = vendor.client.access_token()
    bizauth_clock.travel_past(token)
    vendor.raw_resource(token)
    with pytest.raises(AssertionError, match="never renewed the token and tried again"):
        vendor.mock.verify(retries=True)
    vendor.use()
    vendor.mock.verify(retries=True)


# -- the race helper -----------------------------------------------------------------------


class UnlockedClient(BizMailClient):
    """A client that forgot its lock: threads crossing expiry may all refresh."""

    def access_token(self):
        cached = self.cached_tokens
        if cached is not None and timestamp() < cached.renew_at:
            return cached.access
        return self._driver.run(self._flow.renew()).access


def test_the_race_helper_proves_one_refresh(bizmail_mock, bizauth_clock, bizauth_race):
    user = bizmail_mock.user
    for _ in range(50):
        client = BizMailClient(bizmail_mock.base_url, user.username, user.password)
        token = client.access_token()
        before = len(bizmail_mock.refresh_calls)
        result = bizauth_race(client.access_token, threads=32, past=token)
        result.raise_errors()
        assert len(result.distinct) == 1
        assert len(bizmail_mock.refresh_calls) - before == 1


def _caught(mock, race, attempts, **options):
    """How many of ``attempts`` races of a lockless client made more than one refresh."""
    user = mock.user
    caught = 0
    for _ in range(attempts):
        client = UnlockedClient(mock.base_url, user.username, user.password)
        token = client.access_token()
        before = len(mock.refresh_calls)
        race(client.access_token, past=token, **options).raise_errors()
        caught += len(mock.refresh_calls) - before > 1
    return caught


def test_the_race_helper_catches_a_missing_lock(bizmail_mock, bizauth_clock, bizauth_race):
    assert _caught(bizmail_mock, bizauth_race, 50, threads=32) >= 1


def test_the_race_holds_renewals_until_every_racer_has_looked(bizmail_mock, bizauth_race):
    # A generous bound: a client without its lock is released as soon as every thread
    # has arrived, so only a machine too busy to schedule 8 threads in 2 s could miss.
    assert _caught(bizmail_mock, bizauth_race, 20, threads=8, hold=2.0) == 20


def test_a_hold_ends_when_the_other_racers_finish():
    from pytest_bizauth.core.inflight import Hold, hold_in_flight, holding

    hold = Hold(racers=2, bound=30.0)
    with holding(hold):
        waiting = threading.Thread(target=hold_in_flight, args=("refresh",))
        waiting.start()
        hold_in_flight("resource")  # not a renewal: never held
        hold.finished()
        waiting.join(10)
    assert not waiting.is_alive()
    hold_in_flight("login")  # no race: never held


@pytest.mark.parametrize("hold", [-1, 11, float("nan"), True, "0.1"])
def test_race_refuses_an_absurd_hold(bizauth_race, hold):
    with pytest.raises(ValueError, match="hold must be a number of seconds from 0 to 10"):
        bizauth_race(lambda: None, threads=2, hold=hold)


def test_racing_code_that_reads_time_time_sees_the_frozen_clock(bizauth_clock, bizauth_race):
    result = bizauth_race(time.time, threads=8)
    assert result.distinct == [bizauth_clock.timestamp()]


def test_race_reports_errors_and_checks_arguments(bizauth_race):
    def boom():
        raise RuntimeError("boom")

    result = bizauth_race(boom, threads=4)
    assert not result.ok
    assert len(result.errors) == 4
    with pytest.raises(RuntimeError, match="boom"):
        result.raise_errors()
    with pytest.raises(ValueError, match="2 or more"):
        bizauth_race(boom, threads=1)
    with pytest.raises(ValueError, match="needs the clock"):
        race(boom, past="x")


def test_race_switches_threads_often_and_restores_the_interval(bizauth_race):
    import sys

    before = sys.getswitchinterval()
    result = bizauth_race(sys.getswitchinterval, threads=4, switch_interval=1e-5)
    assert result.distinct == [pytest.approx(1e-5)]
    assert sys.getswitchinterval() == before


def test_assertions_follow_a_call_log_a_test_changed(bizmail_client, bizmail_mock):
    bizmail_client.access_token()
    bizmail_client.forget_tokens()
    bizmail_client.access_token()
    bizmail_mock.assert_logged_in(times=2)
    bizmail_mock.calls.clear()
    assert bizmail_mock.auth_events == []
    bizmail_mock.assert_logged_in(times=0)
    bizmail_client.forget_tokens()
    bizmail_client.access_token()
    assert bizmail_mock.auth_events == ["login"]
    bizmail_mock.assert_logged_in(times=1)
