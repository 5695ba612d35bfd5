"""Every client library against every fake, as a user project uses them: httpx sync and
async in-process; urllib, http.client, aiohttp, curl and node through the loopback
server; the guard on the real hosts; asyncio under the frozen clock."""

from __future__ import annotations

import shutil
import sys

import pytest

from .conftest import QUIET_PLUGINS


def run(pytester, *args):
    return pytester.runpytest("-W", "error", "--strict-markers", *QUIET_PLUGINS, *args)


LOGIN = {
    "bizmail": (
        "bizmail_mock",
        "/api/1.0/auth/token",
        "{'username': fake.user.username, 'password': fake.user.password}",
        "access_token",
    ),
    "bill24": (
        "bill24_mock",
        "/security/authorize",
        "{'email': fake.user.email, 'password': fake.user.password, "
        "'clientId': fake.user.client_id, 'secret': fake.user.secret, 'refreshToken': ''}",
        "token",
    ),
}


def vendor_login(vendor):
    fixture, path, body, field = LOGIN[vendor]
    return fixture, path, body, field


# -- httpx, in-process ------------------------------------------------------------------


@pytest.mark.parametrize("vendor", sorted(LOGIN))
def test_httpx_sync_async_and_module_functions_reach_each_fake(pytester, vendor):
    pytest.importorskip("httpx")
    fixture, path, body, field = vendor_login(vendor)
    pytester.makepyfile(f"""
        import asyncio
        import httpx

        def test_sync({fixture}):
            fake = {fixture}
            with httpx.Client() as client:
                answer = client.post(fake.base_url + "{path}", json={body})
            assert answer.status_code == 200 and answer.json()["{field}"]
            assert httpx.post(fake.base_url + "{path}", json={body}).status_code == 200
            fake.assert_logged_in(times=2)

        def test_async({fixture}, bizauth_clock):
            fake = {fixture}

            async def login():
                async with httpx.AsyncClient() as client:
                    return await client.post(fake.base_url + "{path}", json={body})

            assert asyncio.run(login()).json()["{field}"]
            fake.assert_logged_in(times=1)
    """)
    run(pytester).assert_outcomes(passed=2)


def test_httpx_faults_raise_httpx_own_errors(pytester):
    pytest.importorskip("httpx")
    pytester.makepyfile("""
        import asyncio
        import httpx
        import pytest

        def test_faults(bizmail_mock):
            url = bizmail_mock.base_url + "/api/1.0/auth/token"
            bizmail_mock.fail_sequence("token", ["timeout", "connection", 503, "html"])
            with pytest.raises(httpx.ReadTimeout, match="injected by pytest-bizauth"):
                httpx.post(url, json={})
            with pytest.raises(httpx.ConnectError):
                httpx.post(url, json={})
            assert httpx.post(url, json={}).status_code == 503
            answer = httpx.post(url, json={})
            assert answer.status_code == 502 and "nginx" in answer.text

        def test_async_timeout(bill24_mock):
            bill24_mock.fail_next("authorize", error="timeout")

            async def call():
                async with httpx.AsyncClient() as client:
                    await client.post(bill24_mock.base_url + "/security/authorize", json={})

            with pytest.raises(httpx.TimeoutException):
                asyncio.run(call())
    """)
    run(pytester).assert_outcomes(passed=2)


def test_httpx_to_other_hosts_behaves_as_always(pytester):
    pytest.importorskip("httpx")
    pytester.makepyfile("""
        import httpx

        def test_other_host(bizmail_mock, httpserver):
            httpserver.expect_request("/status").respond_with_json({"up": True})
            assert httpx.get(httpserver.url_for("/status")).json() == {"up": True}
            assert bizmail_mock.calls == []
    """)
    run(pytester).assert_outcomes(passed=1)


def test_a_users_respx_routes_work_beside_the_fakes(pytester):
    pytest.importorskip("respx")
    pytester.makepyfile("""
        import httpx
        import respx

        TOKEN = "/api/1.0/auth/token"

        def body(fake):
            return {"username": fake.user.username, "password": fake.user.password}

        def test_respx_mock_inside(bizmail_mock):
            with respx.mock() as router:
                router.get("https://api.example.com/status").respond(json={"ok": True})
                assert httpx.get("https://api.example.com/status").json() == {"ok": True}
                answer = httpx.post(bizmail_mock.base_url + TOKEN, json=body(bizmail_mock))
                assert answer.status_code == 200
            bizmail_mock.assert_logged_in(times=1)

        def test_respx_mock_fixture_first(respx_mock, bizmail_mock):
            respx_mock.get("https://api.example.com/status").respond(json={"ok": 1})
            assert httpx.get("https://api.example.com/status").json() == {"ok": 1}
            assert httpx.post(bizmail_mock.base_url + TOKEN, json=body(bizmail_mock)).is_success

        def test_a_user_route_for_a_fake_endpoint_wins(respx_mock, bizmail_mock):
            respx_mock.post(bizmail_mock.base_url + TOKEN).respond(503)
            assert httpx.post(bizmail_mock.base_url + TOKEN, json={}).status_code == 503
            assert bizmail_mock.calls == []

        def test_also_when_it_started_after_the_fake(bizmail_mock):
            with respx.mock(assert_all_called=False) as router:
                router.post(bizmail_mock.base_url + TOKEN).respond(418)
                assert httpx.post(bizmail_mock.base_url + TOKEN, json={}).status_code == 418
                refresh = httpx.post(bizmail_mock.base_url + "/api/1.0/auth/refresh", json={})
            assert refresh.status_code == 400  # the fake's: no route of the user's matched
            assert [c.endpoint for c in bizmail_mock.calls] == ["/api/1.0/auth/refresh"]
    """)
    run(pytester).assert_outcomes(passed=4)


def test_an_unserved_path_over_httpx_fails_at_once_and_at_teardown(pytester):
    pytest.importorskip("httpx")
    pytester.makepyfile("""
        import httpx
        import pytest

        def test_nope(bizmail_mock):
            with pytest.raises(httpx.ConnectError, match="has no endpoint GET /nope"):
                httpx.get(bizmail_mock.base_url + "/nope")
    """)
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*matched no endpoint*", "*GET /nope*"])


def test_requests_reaches_loopback_servers_beside_the_fakes(pytester):
    pytester.makepyfile("""
        import pytest
        import requests

        def test_local(bizmail_mock, bizauth_responses, httpserver):
            httpserver.expect_request("/status").respond_with_json({"up": True})
            assert requests.get(httpserver.url_for("/status"), timeout=5).json() == {"up": True}
            with pytest.raises(requests.ConnectionError, match="Connection refused by Responses"):
                requests.get("https://api.example.com/status", timeout=5)
    """)
    run(pytester).assert_outcomes(passed=1)


# -- the loopback server ------------------------------------------------------------------

CLIENTS = {
    "urllib": """
        import json, urllib.request

        def login(url, body):
            request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5) as answer:
                return answer.status, json.load(answer)
    """,
    "http.client": """
        import http.client, json
        from urllib.parse import urlsplit

        def login(url, body):
            parts = urlsplit(url)
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
            connection.request("POST", parts.path, json.dumps(body),
                               {"Content-Type": "application/json"})
            answer = connection.getresponse()
            result = answer.status, json.loads(answer.read())
            connection.close()
            return result
    """,
    "aiohttp": """
        import asyncio
        import aiohttp

        def login(url, body):
            async def call():
                async with aiohttp.ClientSession() as session:
                    async with session.post(url, json=body) as answer:
                        return answer.status, await answer.json()
            return asyncio.run(call())
    """,
    "requests-chunked": """
        import json, requests

        def login(url, body):
            chunks = (part.encode() for part in [json.dumps(body)[:5], json.dumps(body)[5:]])
            answer = requests.post(url, data=chunks, timeout=5,
                                   headers={"Content-Type": "application/json"})
            return answer.status_code, answer.json()
    """,
}


@pytest.mark.parametrize("vendor", sorted(LOGIN))
@pytest.mark.parametrize("library", sorted(CLIENTS))
def test_each_library_logs_in_through_the_server(pytester, library, vendor):
    if library == "aiohttp":
        pytest.importorskip("aiohttp")
    fixture, path, body, field = vendor_login(vendor)
    pytester.makepyfile(
        CLIENTS[library]
        + f"""
        def test_login(bizauth_server, {fixture}, bizauth_clock):
            fake = {fixture}
            url = bizauth_server.url_for(fake)
            assert url.startswith("http://127.0.0.1:")
            status, answer = login(url + "{path}", {body})
            assert status == 200 and answer["{field}"]
            fake.assert_logged_in(times=1)
            assert fake.calls[0].at == bizauth_clock.now()
    """
    )
    run(pytester).assert_outcomes(passed=1)


def test_curl_posts_the_vendors_multipart_sample(pytester):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    pytester.makepyfile("""
        import json, subprocess

        def test_curl(bizauth_server, bizmail_mock):
            url = bizauth_server.url_for(bizmail_mock) + "/api/1.0/auth/token"
            out = subprocess.run(
                ["curl", "-s", "--request", "POST", "--url", url,
                 "--header", "Content-Type: multipart/form-data",
                 "--form", f"username={bizmail_mock.user.username}",
                 "--form", f"password={bizmail_mock.user.password}"],
                capture_output=True, text=True, check=True, timeout=30)
            assert json.loads(out.stdout)["token_type"] == "Bearer"
    """)
    run(pytester).assert_outcomes(passed=1)


def test_node_fetch_with_formdata_as_the_vendor_sample(pytester):
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    pytester.makepyfile("""
        import json, subprocess

        SAMPLE = '''
        const url = process.argv[2] + '/api/1.0/auth/token';
        const form = new FormData();
        form.append('username', process.argv[3]);
        form.append('password', process.argv[4]);

        const options = {method: 'POST'};

        options.body = form;

        try {
          const response = await fetch(url, options);
          const data = await response.json();
          console.log(JSON.stringify(data));
        } catch (error) {
          console.error(error);
        }
        '''

        def test_node(bizauth_server, bizmail_mock, tmp_path):
            script = tmp_path / "sample.mjs"
            script.write_text(SAMPLE)
            user = bizmail_mock.user
            out = subprocess.run(
                ["node", str(script), bizauth_server.url_for(bizmail_mock), user.username,
                 user.password], capture_output=True, text=True, check=True, timeout=60)
            assert json.loads(out.stdout)["success"] is True, out.stderr
            bizmail_mock.assert_logged_in(times=1)
    """)
    run(pytester).assert_outcomes(passed=1)


def test_server_faults_unserved_paths_and_thread_errors(pytester):
    pytester.makepyfile("""
        import http.client, socket, urllib.error, urllib.request
        import pytest

        def post(url, timeout=5):
            request = urllib.request.Request(url, data=b"{}",
                                             headers={"Content-Type": "application/json"})
            return urllib.request.urlopen(request, timeout=timeout)

        def test_timeout_and_connection(bizauth_server, bill24_mock):
            url = bizauth_server.url_for(bill24_mock) + "/security/authorize"
            bill24_mock.fail_sequence("authorize", ["timeout", "connection", 503])
            with pytest.raises((socket.timeout, TimeoutError)):
                post(url, timeout=0.3)
            with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
                post(url)
            with pytest.raises(urllib.error.HTTPError) as refused:
                post(url)
            assert refused.value.code == 503
            refused.value.close()

        def test_a_timeout_is_bounded(bizauth_server, bizmail_mock):
            bizauth_server.hold = 0.2
            bizmail_mock.fail_next("token", error="timeout")
            with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
                post(bizauth_server.url_for(bizmail_mock) + "/api/1.0/auth/token", timeout=30)

        def test_unserved(bizauth_server, bizmail_mock):
            with pytest.raises(urllib.error.HTTPError) as missing:
                urllib.request.urlopen(bizauth_server.url_for(bizmail_mock) + "/nope")
            assert missing.value.code == 404
            missing.value.close()

        def test_thread_error(bizauth_server, bizmail_mock):
            def broken(request):
                raise RuntimeError("rules broke")
            bizmail_mock.handle = broken
            with pytest.raises(urllib.error.HTTPError) as failed:
                post(bizauth_server.url_for(bizmail_mock) + "/api/1.0/auth/token")
            failed.value.close()

        def test_one_port_per_fake_and_reuse(bizauth_server, bizmail_mock, bill24_mock):
            first = bizauth_server.url_for(bizmail_mock)
            assert bizauth_server.url_for(bizmail_mock) == first
            assert bizauth_server.url_for(bill24_mock) != first
    """)
    result = run(pytester, "-p", "no:randomly")
    result.assert_outcomes(passed=5, errors=2)
    result.stdout.fnmatch_lines(["*test_unserved*", "*matched no endpoint*"])
    result.stdout.fnmatch_lines(["*RuntimeError: rules broke*"])


def test_the_server_governs_refresh_by_the_frozen_clock(pytester):
    pytester.makepyfile("""
        import json, urllib.request

        def post(url, body):
            request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5) as answer:
                return json.load(answer)

        def test_expiry(bizauth_server, bizmail_mock, bizauth_clock):
            url = bizauth_server.url_for(bizmail_mock)
            user = bizmail_mock.user
            tokens = post(url + "/api/1.0/auth/token",
                          {"username": user.username, "password": user.password})
            bizauth_clock.travel_past(tokens["access_token"])
            request = urllib.request.Request(
                url + "/api/1.0/mail/store", data=b"{}", method="POST",
                headers={"Authorization": "Bearer " + tokens["access_token"],
                         "Content-Type": "application/json"})
            try:
                urllib.request.urlopen(request, timeout=5)
            except urllib.error.HTTPError as refused:
                with refused:
                    assert json.load(refused)["message"] == "Token expired"
            post(url + "/api/1.0/auth/refresh", {"refresh_token": tokens["refresh_token"]})
            assert bizmail_mock.auth_events == ["login", "resource 401", "refresh"]
    """)
    run(pytester).assert_outcomes(passed=1)


# -- the guard ----------------------------------------------------------------------------


def test_the_guard_stops_real_hosts_from_any_library(pytester):
    pytester.makepyfile("""
        import socket, urllib.error, urllib.request
        import pytest
        import requests
        from pytest_bizauth.transport.guard import active_hosts

        def test_urllib(bizmail_mock):
            with pytest.raises(urllib.error.URLError) as stopped:
                urllib.request.urlopen("https://smtp-api.bizfly.vn/api/1.0/auth/token", timeout=5)
            message = str(stopped.value.reason)
            assert "pytest-bizauth stopped a connection to smtp-api.bizfly.vn" in message
            assert "from urllib" not in message and "cannot reach into urllib" in message
            assert "bizauth_server.url_for(bizmail_mock)" in message
            assert "@pytest.mark.bizauth(guard=False)" in message
            assert "bizauth_guard = false" in message

        def test_every_real_host_of_the_vendor(bill24_mock):
            for host in ("merchantapi.bill24.io", "merchantapi-demo.bill24.io"):
                with pytest.raises(socket.gaierror, match="real Bill24 host"):
                    socket.getaddrinfo(host, 443)

        def test_a_configured_host_too(bizmail_mock):
            pass

        @pytest.mark.bizauth(bizmail_base_url="https://mail.internal.example")
        def test_configured(bizmail_mock):
            with pytest.raises(socket.gaierror, match="mail.internal.example"):
                socket.gethostbyname("mail.internal.example")

        def test_requests_around_responses(bizmail_mock):
            session = requests.Session()
            session.mount("https://", requests.adapters.HTTPAdapter())
            bizmail_mock  # responses patches the adapter class, so this still reaches it
            assert session.post(bizmail_mock.base_url + "/api/1.0/auth/token",
                                json={}).status_code == 400

        @pytest.mark.bizauth(guard=False)
        def test_off(bizmail_mock):
            assert active_hosts() == {}

        def test_not_without_a_fake():
            assert active_hosts() == {}

        def test_on_again(bill24_mock):
            assert "merchantapi.bill24.io" in active_hosts()
            assert "smtp-api.bizfly.vn" not in active_hosts()
    """)
    run(pytester, "-p", "no:randomly").assert_outcomes(passed=8)


def test_the_guards_wrappers_stay_for_the_session_and_go_with_it(pytester):
    # Installed at the session's first guard, passing everything through between tests
    # and with the guard off; the originals are back once the session ends.
    import socket

    before, connect = socket.getaddrinfo, socket.socket.connect
    pytester.makepyfile("""
        import socket
        import pytest

        def test_first(bizmail_mock):
            assert socket.getaddrinfo.__module__ == "pytest_bizauth.transport.guard"
            assert socket.socket.connect.__module__ == "pytest_bizauth.transport.guard"

        def test_between():
            assert socket.getaddrinfo.__module__ == "pytest_bizauth.transport.guard"
            assert socket.getaddrinfo("127.0.0.1", 80)  # passed straight through

        @pytest.mark.bizauth(guard=False)
        def test_off(bizmail_mock):
            assert socket.getaddrinfo("localhost", 80)
    """)
    run(pytester, "-p", "no:randomly").assert_outcomes(passed=3)
    assert socket.getaddrinfo is before
    assert socket.socket.connect is connect


def _aiohttp_to_the_vendor(imported_at_the_top: bool) -> str:
    """A test module whose aiohttp session posts to Bill24's real host."""
    top, inside = ("import aiohttp", "") if imported_at_the_top else ("", "import aiohttp")
    return f"""
        import asyncio
        import pytest
        {top}

        def test_aiohttp(bill24_mock):
            {inside}
            async def call():
                async with aiohttp.ClientSession() as session:
                    await session.post("https://merchantapi-demo.bill24.io/security/authorize")
            with pytest.raises(aiohttp.ClientError) as stopped:
                asyncio.run(call())
            text = str(stopped.value)
            assert "pytest-bizauth stopped" in text
            assert "bizauth_server.url_for(bill24_mock)" in text
    """


def test_the_guard_names_bizauth_server_for_aiohttp_without_h11(pytester, monkeypatch):
    pytest.importorskip("aiohttp")
    from pytest_bizauth.transport import guard

    monkeypatch.setitem(sys.modules, "h11", None)  # as if not installed
    guard._installed.cache_clear()
    pytester.makepyfile(_aiohttp_to_the_vendor(imported_at_the_top=True))
    try:
        run(pytester).assert_outcomes(passed=1)
    finally:
        guard._installed.cache_clear()


def test_aiohttp_imported_after_the_fixtures_reaches_the_fake_not_the_vendor(pytester):
    pytest.importorskip("aiohttp")
    pytest.importorskip("h11")
    # In a process of its own: aiohttp is first imported inside the test.
    pytester.makepyfile("""
        import asyncio

        def test_aiohttp(bill24_mock):
            import aiohttp

            async def call():
                async with aiohttp.ClientSession() as session:
                    url = "https://merchantapi-demo.bill24.io/security/authorize"
                    async with session.post(url, json={}) as answer:
                        return answer.status

            assert asyncio.run(call()) == 400  # the fake's answer: no client id
            assert len(bill24_mock.authorize_calls) == 1
    """)
    pytester.runpytest_subprocess(*QUIET_PLUGINS).assert_outcomes(passed=1)


# -- asyncio under the clock --------------------------------------------------------------


def test_asyncio_timers_run_while_the_clock_is_frozen(pytester):
    pytester.makepyfile("""
        import asyncio, datetime

        def test_sleep_and_wait_for(bizauth_clock):
            async def main():
                await asyncio.sleep(0.01)
                loop = asyncio.get_running_loop()
                fired = loop.create_future()
                loop.call_later(0.01, fired.set_result, "fired")
                assert await asyncio.wait_for(fired, timeout=5) == "fired"
                try:
                    await asyncio.wait_for(asyncio.sleep(10), timeout=0.01)
                except asyncio.TimeoutError:
                    pass
                return datetime.datetime.now(datetime.timezone.utc)

            assert asyncio.run(asyncio.wait_for(main(), timeout=10)) == bizauth_clock.now()
    """)
    run(pytester, "-p", "no:timeout").assert_outcomes(passed=1)


def test_httpx_async_timeouts_work_under_the_frozen_clock(pytester):
    pytest.importorskip("httpx")
    pytester.makepyfile("""
        import asyncio
        import httpx

        def test_async_timeout(bizauth_clock, httpserver):
            import time
            httpserver.expect_request("/slow").respond_with_handler(
                lambda request: time.sleep(0.5) or __import__("werkzeug").Response("late"))

            async def call():
                async with httpx.AsyncClient(timeout=0.1) as client:
                    await client.get(httpserver.url_for("/slow"))

            try:
                asyncio.run(asyncio.wait_for(call(), timeout=5))
            except httpx.TimeoutException:
                pass
            else:
                raise AssertionError("no timeout")
    """)
    run(pytester).assert_outcomes(passed=1)


def test_requests_gets_the_answer_as_urllib3_hands_it(bizmail_mock):
    # Status line, headers, an unread body to stream, and cookies in the session's jar.
    import requests

    bizmail_mock.add_endpoint(
        "GET", "/api/1.0/profile", json={"plan": "pro"}, name="profile",
        headers={"Set-Cookie": "sid=abc; Path=/", "X-Request-Id": "r1"},
    )  # fmt: skip
    session = requests.Session()
    token = bizmail_mock.tokens.access()
    answer = session.get(
        bizmail_mock.base_url + "/api/1.0/profile",
        headers={"Authorization": f"Bearer {token}"},
        stream=True,
    )
    assert (answer.status_code, answer.reason) == (200, "OK")
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.headers["x-request-id"] == "r1"
    assert session.cookies.get("sid") == "abc"
    assert b"".join(answer.iter_content(3)) == b'{"plan":"pro"}'
    refused = session.get(bizmail_mock.base_url + "/api/1.0/profile")
    assert (refused.status_code, refused.reason) == (401, "Unauthorized")


# -- the guard's other doors -------------------------------------------------------------


VENDOR_HOST = "smtp-api.bizfly.vn"


@pytest.mark.parametrize("method", ["connect", "connect_ex"])
def test_a_socket_connecting_by_name_is_stopped(bizmail_mock, method):
    import socket

    from pytest_bizauth.transport.guard import GuardedHostError

    with socket.socket() as sock, pytest.raises(GuardedHostError, match="stopped a connection"):
        getattr(sock, method)((VENDOR_HOST, 443))


def test_asyncios_resolver_is_stopped(bizmail_mock):
    import asyncio

    from pytest_bizauth.transport.guard import GuardedHostError

    async def resolve():
        return await asyncio.get_running_loop().getaddrinfo(VENDOR_HOST, 443)

    with pytest.raises(GuardedHostError):
        asyncio.run(resolve())


try:  # loaded before the test's fixtures, as the code under test would have it
    from aiohttp.resolver import AsyncResolver
except ImportError:
    AsyncResolver = None


@pytest.mark.skipif(AsyncResolver is None, reason="aiohttp is not installed")
def test_aiohttps_own_resolver_is_stopped(bizmail_mock):
    import asyncio

    from pytest_bizauth.transport.guard import GuardedHostError

    # aiodns need not be installed: the guard answers before the resolver is used.
    with pytest.raises(GuardedHostError):
        asyncio.run(AsyncResolver.resolve(object(), VENDOR_HOST, 443))


def test_aiohttps_resolver_loaded_after_the_wrappers_went_in_is_guarded_too(pytester):
    # A subprocess: aiohttp is not loaded there until a test imports it.
    pytest.importorskip("aiohttp")
    pytester.makepyfile("""
        import asyncio, sys
        import pytest
        from pytest_bizauth.transport.guard import GuardedHostError

        def test_first(bizmail_mock):
            if "aiohttp.resolver" in sys.modules:
                pytest.skip("aiohttp was loaded before the first test")

        def test_imports_aiohttp():
            import aiohttp.resolver  # noqa: F401

        def test_later(bizmail_mock):
            from aiohttp.resolver import AsyncResolver

            with pytest.raises(GuardedHostError):
                asyncio.run(AsyncResolver.resolve(object(), "smtp-api.bizfly.vn", 443))
    """)
    result = pytester.runpytest_subprocess("-p", "no:randomly", *QUIET_PLUGINS)
    result.assert_outcomes(passed=3)


@pytest.mark.parametrize(
    ("library", "patched", "needs"),
    [  # (the guard's wrappers stay for the session: see the test above on them)
        ("httpx", "httpx.HTTPTransport.handle_request", ()),
        ("httpx2", "httpx2.HTTPTransport.handle_request", ()),
        ("aiohttp", "aiohttp.TCPConnector._create_connection", ("h11",)),
    ],
)
def test_every_patch_ends_with_the_test(pytester, library, patched, needs):
    for module in (library, *needs):
        pytest.importorskip(module)
    pytester.makepyfile(
        f"""
        import {library}

        ORIGINAL = {patched}

        def test_patched(bizmail_mock):
            assert {patched} is not ORIGINAL

        def test_restored():
            assert {patched} is ORIGINAL
        """
    )
    pytester.runpytest(*QUIET_PLUGINS).assert_outcomes(passed=2)


def test_the_c_modules_resolver_is_stopped(bizmail_mock):
    import _socket

    from pytest_bizauth.transport.guard import GuardedHostError

    with pytest.raises(GuardedHostError):
        _socket.getaddrinfo(VENDOR_HOST, 443)


# -- bizauth_server's control API --------------------------------------------------------


def _control(url, method, verb, body=None):
    import json
    import urllib.request

    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(
        f"{url}/_bizauth/{verb}", data=data, headers=headers, method=method
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_a_subprocess_can_drive_the_fake_through_bizauth_server(
    bizauth_server, bizmail_mock, bizmail_client, bizauth_clock
):
    import subprocess
    import sys

    url = bizauth_server.url_for(bizmail_mock)
    token = bizmail_client.access_token()
    script = (
        "import json, sys, urllib.request\n"
        "url = sys.argv[1]\n"
        "request = urllib.request.Request(url + '/_bizauth/clock', method='POST',\n"
        "    data=json.dumps({'shift': 86401}).encode(),\n"
        "    headers={'Content-Type': 'application/json'})\n"
        "print(urllib.request.urlopen(request, timeout=10).read().decode())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, url], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert bizauth_clock.timestamp() == bizauth_clock.expiry_of(token).timestamp() + 1
    assert bizmail_client.access_token() != token  # the test's clock moved: a refresh
    assert _control(url, "GET", "events") == ["login", "refresh"]


def test_the_control_api_freezes_a_clock_of_its_own_for_the_test(bizauth_server, bizmail_mock):
    from pytest_bizauth.clock import running_clock

    url = bizauth_server.url_for(bizmail_mock)
    assert _control(url, "GET", "clock")["frozen"] is False
    state = _control(url, "POST", "clock", {"move_to": "2031-01-01T00:00:00Z"})
    assert state == {"now": "2031-01-01T00:00:00Z", "frozen": True}
    assert running_clock() is not None


def test_the_clock_it_froze_stops_with_the_test():
    from pytest_bizauth.clock import running_clock

    assert running_clock() is None


def test_an_unreadable_body_is_a_400_and_never_the_tests_failure(pytester):
    # The test passes at teardown too: nothing is blamed on the fake.
    pytester.makepyfile("""
        import socket
        from urllib.parse import urlsplit

        HEAD = b"POST /api/1.0/auth/token HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n"

        def send_raw(base_url, payload, *, read):
            target = urlsplit(base_url)
            with socket.create_connection((target.hostname, target.port), timeout=5) as sock:
                sock.sendall(payload)
                answer = b""
                while read and (chunk := sock.recv(65536)):
                    answer += chunk  # until the server closes: it answers Connection: close
                return answer

        def test_bad_bodies(bizauth_server, bizmail_mock):
            url = bizauth_server.url_for(bizmail_mock)
            chunked = HEAD + b"Transfer-Encoding: chunked\\r\\n\\r\\nZZZ\\r\\nabc\\r\\n"
            answer = send_raw(url, chunked, read=True)
            assert answer.startswith(b"HTTP/1.1 400")  # the server's, before any fake
            for _ in range(20):  # clients that go away mid-body
                send_raw(url, HEAD + b"Content-Length: 1000\\r\\n\\r\\nusername=", read=False)
            assert bizmail_mock.calls == []
            assert bizmail_mock.unmatched == []
    """)
    result = pytester.runpytest("-W", "error", *QUIET_PLUGINS)
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("order", ["httpx_mock, bizmail_mock", "bizmail_mock, httpx_mock"])
def test_beside_pytest_httpx_in_either_order(pytester, order):
    pytest.importorskip("pytest_httpx")
    pytester.makepyfile(f"""
        import httpx
        import pytest

        @pytest.mark.httpx_mock(should_mock=lambda request: request.url.host == "api.example.com")
        def test_both({order}):
            httpx_mock.add_response(url="https://api.example.com/status", json={{"up": True}})
            assert httpx.get("https://api.example.com/status").json() == {{"up": True}}
            user = bizmail_mock.user
            body = {{"username": user.username, "password": user.password}}
            assert httpx.post(bizmail_mock.base_url + "/api/1.0/auth/token", json=body).is_success
            bizmail_mock.assert_logged_in(times=1)

        def test_after():
            assert httpx.HTTPTransport.handle_request.__module__ == "httpx._transports.default"
    """)
    result = pytester.runpytest("-p", "no:randomly", "-p", "no:asyncio", "-p", "pytest_httpx")
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize("name", ["responses", "httpx", "httpx2", "aiohttp"])
def test_each_in_process_transport_is_one_row_naming_its_class(name):
    from pytest_bizauth.transport.base import IN_PROCESS, available, load
    from pytest_bizauth.transport.guard import _libraries

    row = IN_PROCESS[name]
    assert [(prefix, row.how) for prefix, library, _ in _libraries() if library == row.library] \
        == [(prefix, row.how) for prefix in row.prefixes]  # fmt: skip
    if not available(name):
        pytest.skip(f"{', '.join(row.needs)} not installed")
    transport = load(name)
    assert all(callable(getattr(transport, verb)) for verb in ("start", "stop", "mount", "verify"))


def test_a_library_first_imported_during_the_test_reaches_the_fakes(pytester):
    pytest.importorskip("aiohttp")
    pytest.importorskip("h11")
    pytester.makepyfile(
        """
        import asyncio
        import sys

        def test_imported_late(bizmail_mock):
            assert "aiohttp" not in sys.modules
            import aiohttp  # as a library does inside a function, after set-up

            async def login():
                async with aiohttp.ClientSession() as session:
                    url = bizmail_mock.base_url + "/api/1.0/auth/token"
                    login = {"username": bizmail_mock.user.username,
                             "password": bizmail_mock.user.password}
                    async with session.post(url, json=login) as answer:
                        return answer.status

            assert asyncio.run(login()) == 200
            bizmail_mock.assert_logged_in(times=1)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-p", "no:cacheprovider",
                                           "-p", "no:asyncio")  # fmt: skip
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("hold", [float("nan"), float("inf"), -1, 0, 3601, True, "5"])
def test_the_servers_hold_takes_only_a_sensible_number_of_seconds(bizauth_server, hold):
    with pytest.raises(ValueError, match="hold must be a number of seconds above 0"):
        bizauth_server.hold = hold
