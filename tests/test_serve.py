"""``bizauth serve``, tested from outside as a user's project would: the command line
and HTTP only."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from urllib.parse import urlsplit

import pytest

from .serving import Served

PASSWORD = "correct-horse-battery"
PORTAL_LOGIN = {
    "email": "bizauth-user@example.com",
    "password": PASSWORD,
    "clientId": "bizauth_portal_client",
    "secret": "portal-client-secret",
}


@pytest.fixture
def served():
    running = []

    def start(*args: str) -> Served:
        running.append(Served("--port", "0", *args))
        return running[-1]

    yield start
    for server in running:
        if server.process.poll() is None:
            server.stop()


def test_help_lists_the_serve_command():
    for command in (["bizauth"], [sys.executable, "-m", "pytest_bizauth"]):
        if command == ["bizauth"] and shutil.which("bizauth") is None:
            continue
        out = subprocess.run(
            [*command, "--help"], capture_output=True, text=True, timeout=60, check=True
        )
        assert "serve" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "pytest_bizauth", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for flag in ("--host", "--port", "--vendor", "--account", "--start", "--verbose"):
        assert flag in out.stdout
    assert "--bill24-product" in out.stdout
    # Options that mean something only inside pytest are left out.
    for flag in ("--bill24-login", "--bill24-allow-failed-webhooks", "--leeway", "--guard"):
        assert flag not in out.stdout


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_it_announces_each_fake_first_and_stops_on_a_signal(served, sig):
    server = served()
    assert re.fullmatch(r"bizmail http://127\.0\.0\.1:\d+", server.lines[0])
    assert re.fullmatch(r"bill24 http://127\.0\.0\.1:\d+", server.lines[1])
    accounts = server.lines[2]
    assert "bizauth-user@example.com" in accounts
    assert PASSWORD not in accounts
    for url in server.urls.values():  # each fake's credentials are on its own server
        assert f"GET {url}/_bizauth/accounts" in accounts
    code, took = server.stop(sig)
    assert code == 0
    assert took < 1.5


def test_one_vendor_and_quiet_by_default(served):
    server = served("--vendor", "bill24")
    assert list(server.urls) == ["bill24"]
    server.call("bill24", "GET", "/.well-known/openid-configuration")
    server.stop()
    assert server.stderr == ""


def test_a_login_clock_and_refresh_flow(served):
    server = served()
    user = {"username": "bizauth-user@example.com", "password": PASSWORD}
    status, clock = server.call("bizmail", "POST", "/_bizauth/clock", {"freeze": True})
    assert (status, clock["frozen"]) == (200, True)
    status, tokens = server.call("bizmail", "POST", "/api/1.0/auth/token", form=user)
    assert status == 200
    status, moved = server.call("bizmail", "POST", "/_bizauth/clock", {"shift": 86_401})
    assert moved["now"] > clock["now"]
    mail = urllib.request.Request(
        server.urls["bizmail"] + "/api/1.0/mail/store",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        method="POST",
        data=b"",
    )
    with pytest.raises(urllib.error.HTTPError) as expired:
        urllib.request.urlopen(mail, timeout=10)
    with expired.value:
        assert json.loads(expired.value.read())["message"] == "Token expired"
    status, renewed = server.call(
        "bizmail", "POST", "/api/1.0/auth/refresh", form={"refresh_token": tokens["refresh_token"]}
    )
    assert status == 200
    assert renewed["access_token"] != tokens["access_token"]
    assert server.call("bizmail", "GET", "/_bizauth/events") == (
        200,
        ["login", "resource 401", "refresh"],
    )
    status, calls = server.call("bizmail", "GET", "/_bizauth/calls")
    assert [c["kind"] for c in calls] == ["login", "resource", "refresh"]
    assert calls[0]["request"] == {"username": user["username"], "password": "***"}
    assert PASSWORD not in json.dumps(calls)
    assert tokens["access_token"] not in json.dumps(calls)


def test_accounts_can_be_read_and_added(served):
    server = served("--account", "bizmail", "username=ops@example.com", "password=s3cret-pw")
    status, accounts = server.call("bizmail", "GET", "/_bizauth/accounts")
    assert status == 200
    assert [a["username"] for a in accounts] == ["bizauth-user@example.com", "ops@example.com"]
    assert accounts[1]["password"] == "s3cret-pw"
    status, added = server.call(
        "bill24",
        "POST",
        "/_bizauth/accounts",
        {"email": "cfo@example.com", "password": "pw-2", "client_id": "finance", "secret": "s"},
    )
    assert (status, added["kind"], added["client_id"]) == (201, "user", "finance")
    login = {"email": "cfo@example.com", "password": "pw-2", "clientId": "finance", "secret": "s"}
    assert server.call("bill24", "POST", "/security/authorize", login)[0] == 200
    # reset goes back to the start, the command line's accounts included
    server.call("bizmail", "POST", "/_bizauth/reset")
    server.call("bill24", "POST", "/_bizauth/reset")
    _, accounts = server.call("bizmail", "GET", "/_bizauth/accounts")
    assert [a["username"] for a in accounts] == ["bizauth-user@example.com", "ops@example.com"]
    assert server.call("bill24", "POST", "/security/authorize", login)[0] == 401


def test_faults_state_changes_and_reset(served):
    server = served()
    assert server.call(
        "bill24", "POST", "/_bizauth/faults", {"endpoint": "authorize", "sequence": [503, 502]}
    ) == (200, {"pending": {"authorize": ["HTTP 503", "HTTP 502"]}})
    assert server.call("bill24", "GET", "/_bizauth/faults")[1] == {
        "authorize": ["HTTP 503", "HTTP 502"]
    }
    assert server.call("bill24", "DELETE", "/_bizauth/faults") == (200, {"pending": {}})
    server.call("bizmail", "POST", "/_bizauth/faults", {"endpoint": "token", "always": True})
    user = {"username": "bizauth-user@example.com", "password": PASSWORD}
    assert server.call("bizmail", "POST", "/api/1.0/auth/token", form=user)[0] == 500
    assert server.call("bizmail", "POST", "/api/1.0/auth/token", form=user)[0] == 500
    status, switches = server.call(
        "bizmail", "POST", "/_bizauth/switches", {"single_use_refresh": True}
    )
    assert switches == {"single_use_refresh": True, "rotate_refresh_tokens": True}
    assert server.call("bizmail", "POST", "/_bizauth/clock", {"move_to": "2031-05-01T00:00:00Z"})[
        1
    ]["now"] == ("2031-05-01T00:00:00Z")
    status, reset = server.call("bizmail", "POST", "/_bizauth/reset")
    assert (status, reset["frozen"]) == (200, False)
    assert server.call("bizmail", "GET", "/_bizauth/events") == (200, [])
    assert server.call("bizmail", "POST", "/api/1.0/auth/token", form=user)[0] == 200
    _, switches = server.call("bizmail", "POST", "/_bizauth/switches", {})
    assert switches["single_use_refresh"] is False


def test_token_state_changes(served):
    server = served()
    login = dict(PORTAL_LOGIN)
    _, first = server.call("bill24", "POST", "/security/authorize", login)
    assert server.call("bill24", "POST", "/_bizauth/expire_access_tokens") == (
        200,
        {"expired": 1},
    )
    token = {"Authorization": f"Bearer {first['token']}"}
    request = urllib.request.Request(
        server.urls["bill24"] + "/transaction/v2/verify", b"{}", token, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    refused.value.close()
    assert refused.value.code == 401
    assert server.call(
        "bill24", "POST", "/_bizauth/revoke_refresh_token", {"token": first["refreshToken"]}
    ) == (200, {"revoked": 1})
    refresh = {**login, "refreshToken": first["refreshToken"]}
    assert server.call("bill24", "POST", "/security/authorize", refresh)[0] == 401
    assert server.call("bill24", "POST", "/_bizauth/rotate_keys")[0] == 200
    assert server.call("bill24", "POST", "/_bizauth/skew_next_token", {"seconds": 60})[0] == 200
    assert server.call("bill24", "POST", "/_bizauth/revoke_refresh_tokens")[1] == {"revoked": 0}


@pytest.mark.parametrize(
    ("method", "path", "body", "says"),
    [
        ("POST", "/_bizauth/clock", {"shift": "soon"}, "shift is a number of seconds"),
        ("POST", "/_bizauth/clock", {"shift": 1, "freeze": True}, "exactly one of"),
        ("POST", "/_bizauth/clock", {"move_to": "tomorrow"}, "not an ISO 8601"),
        ("POST", "/_bizauth/faults", {"status": 503}, "endpoint is a non-empty string"),
        ("POST", "/_bizauth/faults", {"endpoint": "nope"}, "has no endpoint 'nope'"),
        ("POST", "/_bizauth/faults", {"endpoint": "token", "times": 0}, "times must be"),
        ("POST", "/_bizauth/accounts", {"username": "x"}, "non-empty password"),
        ("POST", "/_bizauth/switches", {"single_use_refresh": "yes"}, "true or false"),
        ("POST", "/_bizauth/revoke_refresh_token", {}, "token is a non-empty string"),
    ],
)
def test_a_malformed_control_request_is_a_400_saying_the_right_form(
    served_once, method, path, body, says
):
    status, answer = served_once.call("bizmail", method, path, body)
    assert status == 400
    assert says in answer["error"]
    assert answer["form"]


def test_not_json_and_unknown_control_paths(served_once):
    request = urllib.request.Request(
        served_once.urls["bizmail"] + "/_bizauth/clock",
        b"[1,",
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(request, timeout=10)
    with bad.value:
        assert json.loads(bad.value.read())["error"] == "the body must be a JSON object"
    status, answer = served_once.call("bizmail", "GET", "/_bizauth/nope")
    assert status == 404
    assert any("POST /_bizauth/clock" in line for line in answer["endpoints"])
    status, index = served_once.call("bill24", "GET", "/_bizauth/")
    assert (status, index["vendor"]) == (200, "Bill24")


@pytest.fixture(scope="module")
def served_once():
    server = Served("--port", "0")
    yield server
    server.stop()


def test_verbose_logs_one_line_per_request_with_no_secret(served):
    server = served("--verbose")
    user = {"username": "bizauth-user@example.com", "password": PASSWORD}
    server.call("bizmail", "POST", "/api/1.0/auth/token", form=user)
    server.call("bizmail", "POST", "/api/1.0/auth/refresh", form={"refresh_token": "x"})
    server.call("bizmail", "POST", "/api/1.0/auth/token/", form=user)
    server.stop()
    log = server.stderr.splitlines()
    assert log == [
        "bizmail POST /api/1.0/auth/token -> 200",
        "bizmail POST /api/1.0/auth/refresh -> 401 (refresh token cannot be decoded: not a "
        "JWT this fake issued)",
        "bizmail POST /api/1.0/auth/token/ -> 404 (closest: POST /api/1.0/auth/token "
        "(differs by a trailing slash))",
    ]
    assert PASSWORD not in "\n".join(log)


def _free_ports(count: int) -> int:
    """A port ``p`` with ``p`` .. ``p + count - 1`` free just now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + count > 65_535:
            continue
        try:
            for port in range(first, first + count):
                with socket.socket() as taken:
                    taken.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first
    pytest.skip("no run of free ports")


def test_fixed_ports_and_a_port_in_use():
    first = _free_ports(2)
    server = Served("--port", str(first))
    try:
        assert server.urls == {
            "bizmail": f"http://127.0.0.1:{first}",
            "bill24": f"http://127.0.0.1:{first + 1}",
        }
        clash = subprocess.run(
            [sys.executable, "-m", "pytest_bizauth", "serve", "--port", str(first)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert clash.returncode == 2
        assert f"cannot listen on 127.0.0.1:{first}" in clash.stderr
        assert "--port 0" in clash.stderr
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--bill24-product", "deeplink"], "'checkout' or 'khqr'"),
        (["--start", "yesterday"], "not an ISO 8601"),
        (["--account", "bizmail", "username"], "FIELD=VALUE"),
        (["--vendor", "bill24", "--account", "bizmail", "a=b"], "not served"),
    ],
)
def test_bad_start_options_exit_2_with_a_message(args, says):
    out = subprocess.run(
        [sys.executable, "-m", "pytest_bizauth", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert says in out.stderr
    assert out.stdout == ""


def test_options_and_a_frozen_start(served):
    server = served("--start", "2030-01-01T00:00:00Z", "--bill24-product", "khqr")
    assert server.call("bill24", "GET", "/_bizauth/clock")[1] == {
        "now": "2030-01-01T00:00:00Z",
        "frozen": True,
    }
    login = dict(PORTAL_LOGIN)
    _, tokens = server.call("bill24", "POST", "/security/authorize", login)
    assert tokens["tokenExpireTime"][:26] == "2030-01-01T13:00:00.000000"
    request = urllib.request.Request(
        server.urls["bill24"] + "/transaction/v2/init",
        json.dumps(
            {"identity_code": "I", "currency": "USD", "amount": 1, "channel_code": "1"}
        ).encode(),
        {"Authorization": f"Bearer {tokens['token']}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.loads(answer.read())["message"] == "Please provide [purpose_of_transaction]."
    _, discovery = server.call("bill24", "GET", "/.well-known/openid-configuration")
    assert discovery["jwks_uri"] == server.urls["bill24"] + "/.well-known/openid-configuration/jwks"


def _logins(base_url: str, count: int) -> list[int]:
    """``count`` logins over one keep-alive connection; their statuses."""
    target = urlsplit(base_url)
    connection = HTTPConnection(target.hostname, target.port, timeout=30)
    body = "username=bizauth-user%40example.com&password=correct-horse-battery"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    statuses = []
    try:
        for _ in range(count):
            connection.request("POST", "/api/1.0/auth/token", body, headers)
            answer = connection.getresponse()
            answer.read()
            statuses.append(answer.status)
    finally:
        connection.close()
    return statuses


def test_concurrent_keep_alive_logins_lose_no_call_and_log_nothing(served):
    server = served()
    # More clients than the server has threads: requests wait their turn, unannounced.
    clients, each = 40, int(os.environ.get("BIZAUTH_SERVE_LOGINS", "25"))
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda _: _logins(server.urls["bizmail"], each), range(clients)))
    assert {status for statuses in results for status in statuses} == {200}
    assert server.call("bizmail", "GET", "/_bizauth/events") == (
        200,
        ["login"] * (clients * each),
    )
    server.stop()
    assert server.stderr == ""


def test_the_call_log_keeps_at_most_max_calls(served):
    server = served("--vendor", "bizmail", "--max-calls", "20")
    assert _logins(server.urls["bizmail"], 100) == [200] * 100
    status, calls = server.call("bizmail", "GET", "/_bizauth/calls")
    assert status == 200
    assert 0 < len(calls) <= 20


# -- who may drive the control API ----------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "127.attacker.example:8001", "localhost.evil"])
def test_on_loopback_the_control_api_refuses_another_host(served, host):
    served = served("--port", "0", "--vendor", "bizmail")
    status, body = served.call("bizmail", "GET", "/_bizauth/clock", headers={"Host": host})
    assert status == 403
    assert "loopback Host" in body["error"]
    status, _ = served.call("bizmail", "GET", "/_bizauth/clock", headers={"Host": "localhost:1"})
    assert status == 200


def test_beyond_loopback_a_token_is_made_and_required():
    server = Served("--host", "0.0.0.0", "--port", "0", "--vendor", "bizmail")
    try:
        token = server.control_token
        assert token
        assert len(token) >= 16
        status, body = server.call("bizmail", "GET", "/_bizauth/accounts")
        assert status == 401
        assert "Authorization: Bearer <token>" in body["error"]
        bearer = {"Authorization": f"Bearer {token}"}
        status, accounts = server.call("bizmail", "GET", "/_bizauth/accounts", headers=bearer)
        assert status == 200
        assert accounts[0]["password"] == "correct-horse-battery"
        login = {"username": accounts[0]["username"], "password": accounts[0]["password"]}
        assert server.call("bizmail", "POST", "/api/1.0/auth/token", login)[0] == 200
    finally:
        server.stop()


def test_a_given_token_is_required_on_loopback_too(monkeypatch):
    monkeypatch.setenv("BIZAUTH_CONTROL_TOKEN", "a-control-token-of-mine")
    server = Served("--port", "0", "--vendor", "bizmail")
    try:
        assert server.control_token is None  # given, so not printed
        assert server.call("bizmail", "GET", "/_bizauth/clock")[0] == 401
        bearer = {"Authorization": "Bearer a-control-token-of-mine"}
        assert server.call("bizmail", "GET", "/_bizauth/clock", headers=bearer)[0] == 200
    finally:
        server.stop()


def test_a_short_control_token_is_refused():
    done = subprocess.run(
        [sys.executable, "-m", "pytest_bizauth", "serve", "--port", "0", "--control-token", "x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "at least 16 characters" in done.stderr


@pytest.mark.parametrize(
    ("headers", "status", "says"),
    [
        ({"Origin": "https://evil.example", "Content-Type": "application/json"}, 403,
         "no page of another origin"),
        ({"Content-Type": "text/plain"}, 415, "takes a JSON body"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415, "takes a JSON body"),
    ],
)  # fmt: skip
def test_a_page_of_another_origin_cannot_drive_the_control_api(served_once, headers, status,
                                                               says):  # fmt: skip
    before = served_once.call("bizmail", "GET", "/_bizauth/accounts")[1]
    request = urllib.request.Request(
        served_once.urls["bizmail"] + "/_bizauth/accounts",
        json.dumps({"username": "page@evil.example", "password": "x"}).encode(),
        headers=headers,
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    with refused.value:
        assert refused.value.code == status
        assert says in json.loads(refused.value.read())["error"]
    assert served_once.call("bizmail", "GET", "/_bizauth/accounts")[1] == before
    own = {"Origin": served_once.urls["bizmail"], "Content-Type": "application/json"}
    assert served_once.call("bizmail", "GET", "/_bizauth/clock", headers=own)[0] == 200
