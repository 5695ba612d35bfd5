"""A call log keeps each call as it was and redacts it when first read: the same view
from any thread, with the secrets known when the call was answered, and read only."""

from __future__ import annotations

import json
import threading

import pytest

from pytest_bizauth import Call, FakeBizMail
from pytest_bizauth.core.wire import FakeRequest


def _login(fake: FakeBizMail, password: str, **extra: str) -> None:
    body = {"username": fake.user.username, "password": password, **extra}
    fake.handle(
        FakeRequest.build(
            "POST", "/api/1.0/auth/token", {"Content-Type": "application/json"},
            json.dumps(body).encode(),
        )
    )  # fmt: skip


def test_a_secret_known_when_the_call_was_answered_stays_hidden_after_it_is_forgotten():
    fake = FakeBizMail()
    user = fake.add_user("other@example.com", "a-password-of-theirs")
    _login(fake, "wrong", note="a-password-of-theirs")  # a secret in a field of no name
    fake.remove_user(user.username)
    call = fake.calls[-1]
    assert call.request["note"] == "***"
    assert call.request["password"] == "***"
    assert "a-password-of-theirs" not in repr(call)


def test_a_token_in_an_answer_is_masked_and_every_reader_sees_one_view():
    fake = FakeBizMail()
    _login(fake, fake.user.password)
    call = fake.calls[-1]
    views: list[object] = []
    threads = [threading.Thread(target=lambda: views.append(call.response)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len(views) == 8
    assert all(view is views[0] for view in views)
    shown = views[0]["access_token"]  # type: ignore[index]
    assert "..." in shown
    assert len(shown) < 20


def test_a_call_is_read_only_and_compares_by_what_it_shows():
    fake = FakeBizMail()
    _login(fake, "wrong")
    call = fake.calls[-1]
    with pytest.raises(AttributeError, match="a Call is a record"):
        call.status = 200  # type: ignore[misc]
    with pytest.raises(AttributeError, match="a Call is a record"):
        del call.reason
    same = Call(
        call.endpoint, call.method, call.kind, call.request, call.status, call.response,
        call.at, call.fault, call.injected, call.note, call.reason,
    )  # fmt: skip
    assert same == call
    assert call != Call(call.endpoint, call.method, call.kind, {}, 500, None, call.at)
    assert repr(same) == repr(call)
    with pytest.raises(TypeError):
        hash(call)


def test_a_call_shows_what_was_answered_then_whatever_the_test_changes_later(bizmail_mock):
    import requests

    plan = {"plan": "free", "limits": [1]}
    bizmail_mock.add_endpoint("GET", "/api/1.0/profile", json=plan, name="profile")
    bearer = {"Authorization": f"Bearer {bizmail_mock.tokens.access()}"}
    url = bizmail_mock.base_url + "/api/1.0/profile"
    first = requests.get(url, headers=bearer, timeout=5).json()
    plan["plan"] = "pro"
    plan["limits"].append(2)
    second = requests.get(url, headers=bearer, timeout=5).json()
    assert (first, second) == ({"plan": "free", "limits": [1]}, {"plan": "pro", "limits": [1, 2]})
    logged = [call.response for call in bizmail_mock.calls]
    assert logged == [first, second]
