"""A fake's call log keeps the latest calls up to a limit, and the assertions still
count every call."""

from __future__ import annotations

import pytest
import requests

from .conftest import QUIET_PLUGINS

LOGIN = {"username": "bizauth-user@example.com", "password": "correct-horse-battery"}


def _logins(bizmail_mock, count):
    url = bizmail_mock.base_url + "/api/1.0/auth/token"
    for _ in range(count):
        assert requests.post(url, data=LOGIN, timeout=5).status_code == 200


def test_the_log_keeps_the_latest_calls_and_counts_them_all(bizmail_mock):
    bizmail_mock.max_calls = 10
    _logins(bizmail_mock, 35)
    assert 0 < len(bizmail_mock.calls) <= 10
    assert len(bizmail_mock.auth_events) <= 10
    bizmail_mock.assert_logged_in(times=35)
    with pytest.raises(AssertionError) as failure:
        bizmail_mock.assert_logged_in(times=36)
    message = str(failure.value)
    assert "it logged in 35 times" in message
    assert "earlier calls not kept: the log keeps 10" in message
    assert "  35. " in message  # numbered from the first call
    assert "  1. POST" not in message


def test_the_limit_can_be_lifted_and_cleared_logs_start_over(bizmail_mock):
    bizmail_mock.max_calls = None
    _logins(bizmail_mock, 12)
    assert len(bizmail_mock.calls) == 12
    bizmail_mock.max_calls = 5
    _logins(bizmail_mock, 1)
    assert len(bizmail_mock.calls) <= 5
    bizmail_mock.calls.clear()
    bizmail_mock.assert_not_refreshed()
    _logins(bizmail_mock, 2)
    bizmail_mock.assert_logged_in(times=2)


@pytest.mark.parametrize("limit", [0, -1, 2.5, True, "10"])
def test_a_bad_limit_names_what_it_takes(bizmail_mock, limit):
    with pytest.raises(ValueError, match=r"max_calls must be a whole number, 1 or more, or None"):
        bizmail_mock.max_calls = limit


def test_the_option_sets_every_fake_and_zero_keeps_all(pytester):
    pytester.makepyfile("""
        import pytest

        def test_default(bizmail_mock, bill24_mock):
            assert bizmail_mock.max_calls == bill24_mock.max_calls == 10_000

        @pytest.mark.bizauth(max_calls=3)
        def test_three(bizmail_mock, bill24_mock):
            assert bizmail_mock.max_calls == bill24_mock.max_calls == 3

        @pytest.mark.bizauth(max_calls=0)
        def test_all(bizmail_mock):
            assert bizmail_mock.max_calls is None
    """)
    result = pytester.runpytest("-W", "error", *QUIET_PLUGINS)
    result.assert_outcomes(passed=3)


def test_the_log_keeps_exactly_its_bound_once_full(bizmail_mock):
    bizmail_mock.max_calls = 10
    for _ in range(3):  # 11 calls, then 18, then 25: never fewer kept than the bound
        _logins(bizmail_mock, 11 if not bizmail_mock.calls else 7)
        assert len(bizmail_mock.calls) == 10
        assert len(bizmail_mock.auth_events) == 10
