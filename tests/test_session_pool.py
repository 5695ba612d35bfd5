"""The fixture clients' sessions are made once and lent from test to test, and a test
never gets a session an earlier test changed."""

from __future__ import annotations

import pytest
import requests

from pytest_bizauth.client.sessions import SessionPool, new_session

from .conftest import QUIET_PLUGINS

pytest_plugins = ["pytester"]


def test_a_session_left_as_made_goes_to_the_next_test_and_a_changed_one_does_not(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        SEEN = []

        def test_one(bizmail_client):
            bizmail_client.access_token()
            SEEN.append(bizmail_client.session)

        def test_two_gets_the_same_session_and_changes_it(bizmail_client):
            assert bizmail_client.session is SEEN[0]
            assert bizmail_client.session.trust_env is False
            bizmail_client.session.headers["X-Mine"] = "1"
            SEEN.append(bizmail_client.session)

        def test_three_gets_a_new_one(bizmail_client):
            assert bizmail_client.session is not SEEN[1]
            assert "X-Mine" not in bizmail_client.session.headers
            bizmail_client.session.cookies.set("kept", "no", domain="smtp-api.bizfly.vn")
            SEEN.append(bizmail_client.session)

        def test_four_sees_no_cookie_of_an_earlier_test(bizmail_client, bill24_client):
            assert not bizmail_client.session.cookies
            assert bizmail_client.session is not bill24_client.session
        """
    )
    result = pytester.runpytest("-W", "error", *QUIET_PLUGINS)
    result.assert_outcomes(passed=4)


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.headers.update({"Authorization": "Bearer x"}),
        lambda s: s.hooks["response"].append(print),
        lambda s: setattr(s, "auth", ("user", "pw")),
        lambda s: s.proxies.update({"https": "http://proxy.example"}),
        lambda s: s.params.update({"a": "1"}),
        lambda s: setattr(s, "verify", False),
        lambda s: setattr(s, "trust_env", True),
        lambda s: setattr(s, "stream", True),
        lambda s: setattr(s, "max_redirects", 3),
        lambda s: s.mount("https://", requests.adapters.HTTPAdapter()),
        lambda s: s.mount("https://shop.example/", requests.adapters.HTTPAdapter()),
        lambda s: s.adapters["https://"].poolmanager.connection_from_host("127.0.0.1", 1),
    ],
)
def test_a_changed_session_is_closed_not_lent_again(change) -> None:
    pool = SessionPool()
    with pool.lending():
        first = new_session()
    change(first)
    pool.give_back(first)
    with pool.lending():
        second = new_session()
    assert second is not first


def test_only_the_pools_own_sessions_come_back_and_at_most_keep_idle() -> None:
    pool = SessionPool(keep=1)
    stranger = requests.Session()
    pool.give_back(stranger)
    pool.give_back(object())
    with pool.lending():
        lent = [new_session(), new_session()]
    for session in lent:
        pool.give_back(session)
    with pool.lending():
        again = [new_session(), new_session()]
    assert again[0] is lent[0]
    assert again[1] not in lent
    assert new_session() not in (*lent, *again)  # outside a fixture's building: its own
    pool.close()


def test_a_session_never_given_back_is_not_kept_by_the_pool() -> None:
    # (a client whose building failed never gives its session back)
    import gc
    import weakref

    pool = SessionPool()
    with pool.lending():
        session = new_session()
    gone = weakref.ref(session)
    del session
    gc.collect()
    assert gone() is None
