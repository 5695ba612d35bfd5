"""The sync and async clients of both vendors, as one parametrized suite: the same
calls, the same answers, the same errors."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from pytest_bizauth import (
    InvalidCredentialsError,
    ProviderError,
    RequestRejectedError,
    TokenRejectedError,
)

from .helpers import MAIL, new_transaction, unlocked_async_bizmail

pytest.importorskip("httpx")


class Subject:
    """One vendor's client, sync or async, with its calls made synchronous."""

    def __init__(self, vendor, flavour, request):
        self.vendor, self.flavour = vendor, flavour
        self.mock = request.getfixturevalue(f"{vendor}_mock")
        name = f"{vendor}_client" if flavour == "sync" else f"{vendor}_async_client"
        self.client = request.getfixturevalue(name)
        self.login = "token" if vendor == "bizmail" else "authorize"
        self.refresh = "refresh" if vendor == "bizmail" else "authorize"
        self.resource = "mail" if vendor == "bizmail" else "init"
        self.login_path = self.mock.route(self.login).path

    def __call__(self, method, *args, **kwargs):
        result = getattr(self.client, method)(*args, **kwargs)
        return asyncio.run(_awaited(result)) if inspect.isawaitable(result) else result

    def token(self):
        return self("access_token")

    def use_resource(self):
        if self.vendor == "bizmail":
            return self("send_mail", **MAIL)
        return self("init_transaction", **new_transaction())


async def _awaited(awaitable):
    return await awaitable


@pytest.fixture(
    params=[(v, f) for v in ("bizmail", "bill24") for f in ("sync", "async")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def subject(request, bizauth_clock):
    return Subject(*request.param, request)


def test_the_cached_path_makes_no_call(subject):
    token = subject.token()
    assert subject.token() == token
    assert len(subject.mock.calls) == 1


def test_it_renews_at_the_leeway_by_refresh(subject, bizauth_clock):
    token = subject.token()
    bizauth_clock.travel_into_refresh_window(token, leeway=61, inside=0)
    assert subject.token() == token
    bizauth_clock.travel_into_refresh_window(token, leeway=60, inside=0)
    assert subject.token() != token
    subject.mock.assert_logged_in(times=1)
    subject.mock.assert_refreshed(times=1)


def test_a_revoked_refresh_token_means_logging_in_again(subject, bizauth_clock):
    bizauth_clock.travel_past(subject.token())
    subject.mock.revoke_refresh_tokens()
    subject.token()
    assert subject.mock.auth_events == ["login", "refresh 401", "login"]


def test_a_resource_401_refreshes_and_retries_once(subject):
    subject.token()
    subject.mock.expire_access_tokens()
    subject.use_resource()
    assert subject.mock.auth_events == ["login", "resource 401", "refresh", "resource"]


def test_a_second_401_is_token_rejected(subject):
    subject.token()
    subject.mock.fail_next(subject.resource, 401, times=2)
    with pytest.raises(TokenRejectedError):
        subject.use_resource()


def test_wrong_credentials(subject):
    subject.mock.remove_user(
        subject.mock.user.username if subject.vendor == "bizmail" else subject.mock.user.email
    )
    with pytest.raises(InvalidCredentialsError):
        subject.token()


@pytest.mark.parametrize(
    ("fault", "status", "message"),
    [
        ({"error": "html"}, 502, r"not JSON \(text/html"),
        ({"error": "truncated"}, 200, "not JSON"),
        ({"error": "not_json"}, 200, "not JSON"),
        ({"error": "missing_fields"}, 200, "without"),
        ({"status": 503}, 503, "HTTP 503"),
        ({"error": "timeout"}, None, "did not answer in time"),
        ({"error": "connection"}, None, "could not be reached"),
    ],
    ids=["html", "truncated", "not-json", "missing-fields", "5xx", "timeout", "connection"],
)
def test_hostile_answers_are_provider_errors(subject, fault, status, message):
    subject.mock.fail_next(subject.login, **fault)
    with pytest.raises(ProviderError, match=message) as failure:
        subject.token()
    assert failure.value.status == status
    assert subject.token()  # and the next call works


@pytest.mark.parametrize("status", [307, 308, 302])
def test_a_redirect_on_login_is_refused_and_never_followed(subject, bizauth_responses, status):
    respx = pytest.importorskip("respx")

    url = subject.mock.base_url + subject.login_path
    headers = {"Location": "https://attacker.example/steal"}
    bizauth_responses.post(url, status=status, headers=headers)  # what requests sees
    with respx.mock(assert_all_called=False) as router:  # what httpx sees
        router.post(url).respond(status, headers=headers)
        with pytest.raises(ProviderError, match=r"redirect to attacker\.example") as failure:
            subject.token()
    assert failure.value.status == status
    assert "attacker" not in str(subject.mock.calls)


def test_429_is_request_rejected_with_retry_after(subject):
    subject.mock.fail_next(subject.login, 429)
    with pytest.raises(RequestRejectedError) as failure:
        subject.token()
    assert failure.value.status == 429


def test_a_refresh_5xx_is_an_error_not_a_relogin(subject, bizauth_clock):
    bizauth_clock.travel_past(subject.token())
    subject.mock.fail_next(subject.refresh, 503)
    with pytest.raises(ProviderError) as failure:
        subject.token()
    assert failure.value.status == 503
    subject.mock.assert_logged_in(times=1)


def test_on_token_sees_each_token_set(subject, bizauth_clock):
    seen = []
    subject.client.on_token = seen.append
    token = subject.token()
    bizauth_clock.travel_past(token)
    subject.token()
    assert [s.obtained_by for s in seen] == ["login", "refresh"]
    assert seen[0].expires_at == bizauth_clock.expiry_of(token)


def test_same_instant_renewals_are_told_apart_by_generation(subject, bizauth_race):
    """After expire_access_tokens() at one frozen instant the refreshed token may equal
    the rejected one; many callers still cause a single refresh."""
    subject.token()
    subject.mock.expire_access_tokens()
    if subject.flavour == "sync":
        result = bizauth_race(subject.use_resource, threads=16)
    else:

        async def call():
            if subject.vendor == "bizmail":
                return await subject.client.send_mail(**MAIL)
            return await subject.client.init_transaction(**new_transaction())

        result = bizauth_race(call, threads=16)
    result.raise_errors()
    subject.mock.assert_refreshed(times=1)


def test_the_repr_shows_no_secret(subject):
    token = subject.token()
    text = repr(subject.client) + repr(subject.client.auth)
    assert token not in text
    assert subject.mock.user.password not in text


# -- races of coroutines ------------------------------------------------------------------


@pytest.mark.parametrize("vendor", ["bizmail", "bill24"])
def test_64_tasks_across_expiry_refresh_once_every_time(request, vendor, bizauth_race):
    mock = request.getfixturevalue(f"{vendor}_mock")
    client = request.getfixturevalue(f"{vendor}_async_client")
    for _ in range(100):
        token = asyncio.run(client.access_token())
        before = len([c for c in mock.calls if c.kind == "refresh"])
        result = bizauth_race(client.access_token, threads=64, past=token)
        result.raise_errors()
        assert len(result.distinct) == 1
        assert len([c for c in mock.calls if c.kind == "refresh"]) - before == 1


def test_the_race_catches_an_async_client_without_a_lock(bizmail_mock, bizauth_race):
    caught = 0
    for _ in range(20):
        client = unlocked_async_bizmail(bizmail_mock)
        token = asyncio.run(client.access_token())
        before = len(bizmail_mock.refresh_calls)
        bizauth_race(client.access_token, threads=8, past=token).raise_errors()
        caught += len(bizmail_mock.refresh_calls) - before > 1
    assert caught == 20  # every time: each task awaits between its check and its refresh


def test_race_tasks_inside_a_running_loop(bizmail_async_client, bizmail_mock, bizauth_race):
    async def main():
        token = await bizmail_async_client.access_token()
        return await bizauth_race.tasks(bizmail_async_client.access_token, threads=8, past=token)

    result = asyncio.run(main())
    assert result.ok
    assert len(result.distinct) == 1
    bizmail_mock.assert_refreshed(times=1)
    with pytest.raises(RuntimeError, match="await race_tasks"):
        asyncio.run(_race_inside(bizauth_race, bizmail_async_client.access_token))


async def _race_inside(bizauth_race, fn):
    return bizauth_race(fn, threads=2)


def test_the_async_auth_works_with_any_async_client(bizmail_async_client, bizmail_mock):
    import httpx

    async def call():
        async with httpx.AsyncClient(auth=bizmail_async_client.auth) as http:
            first = await http.post(bizmail_mock.base_url + "/api/1.0/mail/store", files=FORM)
            bizmail_mock.expire_access_tokens()
            second = await http.post(bizmail_mock.base_url + "/api/1.0/mail/store", files=FORM)
            return first.status_code, second.status_code

    assert asyncio.run(call()) == (200, 200)
    assert bizmail_mock.auth_events == ["login", "resource", "resource 401", "refresh", "resource"]


FORM = [
    ("from", (None, b"a@example.com")),
    ("from_name", (None, b"A")),
    ("to", (None, b"b@example.com")),
    ("subject", (None, b"s")),
    ("text", (None, b"t")),
]


# -- one policy for both vendors ------------------------------------------------------------


def test_retry_after_is_carried_on_the_error(subject, bizauth_responses):
    respx = pytest.importorskip("respx")

    url = subject.mock.base_url + subject.login_path
    bizauth_responses.post(url, status=429, headers={"Retry-After": "3"}, json={})
    with respx.mock(assert_all_called=False) as router:
        router.post(url).respond(429, headers={"Retry-After": "3"}, json={})
        with pytest.raises(RequestRejectedError) as failure:
            subject.token()
    assert failure.value.retry_after == 3


def test_a_bizmail_success_false_is_never_success(request, bizauth_responses):
    client = request.getfixturevalue("bizmail_client")
    mock = request.getfixturevalue("bizmail_mock")
    bizauth_responses.post(
        mock.base_url + "/api/1.0/auth/token",
        json={
            "success": False,
            "access_token": "a" * 30,
            "refresh_token": "b" * 30,
            "expires_in": 60,
        },
    )
    with pytest.raises(ProviderError, match="success: false"):
        client.access_token()
    bizauth_responses.remove("POST", mock.base_url + "/api/1.0/auth/token")
    bizauth_responses.post(mock.base_url + "/api/1.0/mail/store", json={"success": False})
    with pytest.raises(RequestRejectedError):
        client.send_mail(**MAIL)


def test_a_fault_on_a_bill24_refresh_is_logged_as_a_refresh(
    bill24_client, bill24_mock, bizauth_clock
):
    bizauth_clock.travel_past(bill24_client.access_token())
    bill24_mock.fail_next("authorize", 503)
    with pytest.raises(ProviderError):
        bill24_client.access_token()
    assert bill24_mock.auth_events == ["login", "refresh 503"]


def test_64_threads_after_a_same_instant_expiry_refresh_once(
    bizmail_client, bizmail_mock, bizauth_race
):
    for _ in range(20):
        bizmail_client.access_token()
        bizmail_mock.expire_access_tokens()
        before = len(bizmail_mock.refresh_calls)
        bizauth_race(lambda: bizmail_client.send_mail(**MAIL), threads=64).raise_errors()
        assert len(bizmail_mock.refresh_calls) - before == 1


# -- the timeout is a deadline ---------------------------------------------------------------


def _trickling(httpserver):
    """A vendor that answers its login one byte every 0.2 s, for as long as it is read."""
    import time

    from werkzeug.wrappers import Response

    def trickle(request):
        def body():
            yield b'{"success": true, '
            for _ in range(100):
                time.sleep(0.2)
                yield b" "

        return Response(body(), 200, content_type="application/json")

    httpserver.expect_request("/api/1.0/auth/token").respond_with_handler(trickle)
    return httpserver.url_for("").rstrip("/")


def test_a_trickling_vendor_holds_the_sync_client_no_longer_than_its_timeout(httpserver):
    import time

    from pytest_bizauth import BizMailClient

    client = BizMailClient(_trickling(httpserver), "a@example.com", "pw", timeout=1)
    started = time.monotonic()
    with pytest.raises(ProviderError, match="did not answer in time"):
        client.access_token()
    assert time.monotonic() - started < 3


def test_a_trickling_vendor_holds_the_async_client_no_longer_than_its_timeout(httpserver):
    import asyncio
    import time

    pytest.importorskip("httpx")
    from pytest_bizauth import AsyncBizMailClient

    async def login():
        async with AsyncBizMailClient(
            _trickling(httpserver), "a@example.com", "pw", timeout=1
        ) as client:
            return await client.access_token()

    started = time.monotonic()
    with pytest.raises(ProviderError, match="did not answer in time"):
        asyncio.run(login())
    assert time.monotonic() - started < 3


def test_a_gzipped_answer_is_read_as_json(httpserver):
    import gzip
    import json as json_module

    from werkzeug.wrappers import Response

    from pytest_bizauth import BizMailClient

    body = {"success": True, "access_token": "a" * 40, "refresh_token": "r" * 40,
            "token_type": "Bearer", "expires_in": 3600}  # fmt: skip
    httpserver.expect_request("/api/1.0/auth/token").respond_with_response(
        Response(gzip.compress(json_module.dumps(body).encode()), 200,
                 {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    )  # fmt: skip
    client = BizMailClient(httpserver.url_for("").rstrip("/"), "a@example.com", "pw")
    assert client.access_token() == "a" * 40
