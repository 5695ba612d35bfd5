"""aiohttp reaches the fakes in-process: its own request and response code runs against
a connection in memory; injected faults are aiohttp's own exceptions; every other host,
and a connector of the user's own, are left alone."""

from __future__ import annotations

import asyncio

import pytest

aiohttp = pytest.importorskip("aiohttp")
pytest.importorskip("h11")

LOGIN = {"username": "bizauth-user@example.com", "password": "correct-horse-battery"}
TOKEN = "/api/1.0/auth/token"


def run(coroutine_function, *args, **kwargs):
    async def session_run():
        async with aiohttp.ClientSession() as session:
            return await coroutine_function(session, *args, **kwargs)

    return asyncio.run(session_run())


async def post(session, url, **kwargs):
    async with session.post(url, **kwargs) as answer:
        return answer.status, await answer.read(), answer.headers


def test_a_json_login_and_a_form_login(bizmail_mock):
    status, body, headers = run(post, bizmail_mock.base_url + TOKEN, json=LOGIN)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert int(headers["Content-Length"]) == len(body)
    status, _, _ = run(post, bizmail_mock.base_url + TOKEN, data=LOGIN)
    assert status == 200
    bizmail_mock.assert_logged_in(times=2)


def test_a_refused_login_answers_the_vendors_401(bizmail_mock):
    status, body, _ = run(post, bizmail_mock.base_url + TOKEN, json={**LOGIN, "password": "x"})
    assert status == 401
    assert b'"success":false' in body


def test_a_refresh_after_the_clock_moves(bizmail_mock, bizauth_clock):
    async def journey(session):
        async with session.post(bizmail_mock.base_url + TOKEN, json=LOGIN) as answer:
            first = await answer.json()
        bizauth_clock.travel_past(first["access_token"])
        refresh = {"refresh_token": first["refresh_token"]}
        async with session.post(bizmail_mock.base_url + "/api/1.0/auth/refresh", json=refresh) as a:
            return a.status

    assert run(journey) == 200
    bizmail_mock.assert_refreshed(times=1)


def test_a_multipart_mail_with_an_attachment(bizmail_mock, bizmail_client):
    token = bizmail_client.access_token()

    async def send(session):
        form = aiohttp.FormData()
        for name, value in (("from", "news@example.com"), ("from_name", "News"),
                            ("to", "reader@example.com"), ("subject", "Hello"),
                            ("html", "<p>Hi</p>")):  # fmt: skip
            form.add_field(name, value)
        form.add_field("attachments", b"x" * 100_000, filename="a.bin")
        headers = {"Authorization": f"Bearer {token}"}
        url = bizmail_mock.base_url + "/api/1.0/mail/store"
        async with session.post(url, data=form, headers=headers) as answer:
            return answer.status, await answer.text()

    status, text = run(send)
    assert status == 200, text
    assert len(bizmail_mock.mails) == 1


def test_a_chunked_body_is_read_whole(bizmail_mock):
    async def body():
        text = b'{"username": "bizauth-user@example.com", "password": "correct-horse-battery"}'
        for start in range(0, len(text), 7):
            yield text[start : start + 7]

    headers = {"Content-Type": "application/json"}
    status, _, _ = run(post, bizmail_mock.base_url + TOKEN, data=body(), headers=headers)
    assert status == 200
    bizmail_mock.assert_logged_in(times=1)


def test_concurrent_requests_each_get_their_answer(bizmail_mock):
    async def many(session):
        return await asyncio.gather(
            *(post(session, bizmail_mock.base_url + TOKEN, json=LOGIN) for _ in range(20))
        )

    assert [status for status, _, _ in run(many)] == [200] * 20
    bizmail_mock.assert_logged_in(times=20)


def test_injected_faults_are_aiohttps_own_exceptions(bizmail_mock):
    bizmail_mock.fail_next("token", error="timeout")
    with pytest.raises(aiohttp.ServerTimeoutError, match="injected by pytest-bizauth"):
        run(post, bizmail_mock.base_url + TOKEN, json=LOGIN)
    bizmail_mock.fail_next("token", error="connection")
    with pytest.raises(aiohttp.ClientOSError, match="injected by pytest-bizauth"):
        run(post, bizmail_mock.base_url + TOKEN, json=LOGIN)


@pytest.mark.bizauth(check_unmatched=False)
def test_a_path_the_fake_does_not_serve_is_a_refused_connection(bizmail_mock):
    async def get(session):
        async with session.get(bizmail_mock.base_url + "/nowhere") as answer:
            return answer.status

    with pytest.raises(aiohttp.ClientConnectorError, match="has no endpoint GET /nowhere"):
        run(get)
    assert bizmail_mock.unmatched == ["GET /nowhere"]  # refused, not retried


def test_other_hosts_go_to_the_network_as_before(bizmail_mock, httpserver):
    httpserver.expect_request("/status").respond_with_json({"up": True})

    async def get(session):
        async with session.get(httpserver.url_for("/status")) as answer:
            return await answer.json()

    assert run(get) == {"up": True}


def test_the_plugins_own_async_client_is_unaffected(bizmail_mock, bizmail_async_client):
    assert asyncio.run(bizmail_async_client.access_token())
    bizmail_mock.assert_logged_in(times=1)


def test_beside_aioresponses_the_fakes_answer_what_it_passes_through(bizmail_mock):
    aioresponses = pytest.importorskip("aioresponses").aioresponses

    async def both(session):
        status, _, _ = await post(session, bizmail_mock.base_url + TOKEN, json=LOGIN)
        try:
            async with session.get("https://api.example.com/status") as answer:
                mine = await answer.json()
        except TypeError as exc:  # aioresponses 0.7.9 cannot build answers on aiohttp 3.14
            mine = exc
        return status, mine

    with aioresponses(passthrough=[bizmail_mock.base_url]) as mocked:
        mocked.get("https://api.example.com/status", payload={"up": True})
        status, mine = run(both)
    assert status == 200
    bizmail_mock.assert_logged_in(times=1)
    if isinstance(mine, TypeError):
        pytest.skip(f"aioresponses cannot answer on this aiohttp: {mine}")
    assert mine == {"up": True}


def test_a_request_that_waits_for_100_continue_is_answered(bizmail_mock):
    status, _, _ = run(post, bizmail_mock.base_url + TOKEN, json=LOGIN, expect100=True)
    assert status == 200
    bizmail_mock.assert_logged_in(times=1)


@pytest.mark.bizauth(bizmail_base_url="http://bizmail.internal.example")
def test_a_request_through_a_proxy_reaches_the_fake_in_process(bizmail_mock):
    # Over plain http through a proxy, aiohttp asks for the absolute URL; nothing
    # listens on the proxy's port: the fake answers before any proxy is reached.
    proxy = "http://127.0.0.1:9"
    status, _, _ = run(post, bizmail_mock.base_url + TOKEN, json=LOGIN, proxy=proxy)
    assert status == 200
    bizmail_mock.assert_logged_in(times=1)
