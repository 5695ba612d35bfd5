"""httpx2 reaches the fakes in-process, sync and async, as httpx does; a user's own
transports and every other host are left alone."""

from __future__ import annotations

import asyncio

import pytest

httpx2 = pytest.importorskip("httpx2")

LOGIN = {"username": "bizauth-user@example.com", "password": "correct-horse-battery"}


def test_a_sync_login(bizmail_mock):
    with httpx2.Client() as client:
        answer = client.post(bizmail_mock.base_url + "/api/1.0/auth/token", json=LOGIN)
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
    bizmail_mock.assert_logged_in(times=1)


def test_an_async_login_and_a_refresh(bizmail_mock, bizauth_clock):
    async def journey():
        async with httpx2.AsyncClient(base_url=bizmail_mock.base_url) as client:
            first = (await client.post("/api/1.0/auth/token", json=LOGIN)).json()
            bizauth_clock.travel_past(first["access_token"])
            refresh = {"refresh_token": first["refresh_token"]}
            return await client.post("/api/1.0/auth/refresh", json=refresh)

    assert asyncio.run(journey()).status_code == 200
    bizmail_mock.assert_refreshed(times=1)


def test_injected_faults_are_httpx2s_own_exceptions(bizmail_mock):
    bizmail_mock.fail_next("token", error="timeout")
    bizmail_mock.fail_next("refresh", error="connection")
    with httpx2.Client() as client:
        with pytest.raises(httpx2.ReadTimeout, match="injected by pytest-bizauth"):
            client.post(bizmail_mock.base_url + "/api/1.0/auth/token", json=LOGIN)
        with pytest.raises(httpx2.ConnectError):
            client.post(bizmail_mock.base_url + "/api/1.0/auth/refresh", json={})


def test_a_users_mock_transport_is_left_alone(bizmail_mock):
    def handler(request):
        return httpx2.Response(418, json={"mine": True})

    with httpx2.Client(transport=httpx2.MockTransport(handler)) as client:
        answer = client.post(bizmail_mock.base_url + "/api/1.0/auth/token", json=LOGIN)
    assert answer.status_code == 418
    bizmail_mock.assert_logged_in(times=0)


def test_other_hosts_go_to_the_network_as_before(bizmail_mock, httpserver):
    httpserver.expect_request("/status").respond_with_json({"up": True})
    with httpx2.Client() as client:
        assert client.get(httpserver.url_for("/status")).json() == {"up": True}


def test_authlibs_async_client_logs_in_and_refreshes(bizmail_mock, bizauth_clock):
    authlib = pytest.importorskip("authlib.integrations.httpx_client")
    user, base = bizmail_mock.user, bizmail_mock.base_url

    async def journey():
        async with authlib.AsyncOAuth2Client(token_endpoint=f"{base}/api/1.0/auth/refresh") as c:
            token = await c.fetch_token(
                f"{base}/api/1.0/auth/token", username=user.username, password=user.password
            )
            bizauth_clock.travel_into_refresh_window(token["access_token"], leeway=60)
            await c.ensure_active_token(c.token)
            return token["access_token"], c.token["access_token"]

    first, second = asyncio.run(journey())
    assert first != second
    bizmail_mock.assert_refreshed(times=1)
