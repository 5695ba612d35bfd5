"""``bizauth ctl``: the control API from a shell, against the loopback server and a
``bizauth serve`` process."""

from __future__ import annotations

import json

import pytest

from pytest_bizauth.cli import main

from .helpers import new_transaction
from .serving import Served


@pytest.fixture
def ctl(capsys, monkeypatch):
    monkeypatch.delenv("BIZAUTH_URL", raising=False)
    monkeypatch.delenv("BIZAUTH_CONTROL_TOKEN", raising=False)

    def run(*words):
        status = main(["ctl", *words])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def test_pay_over_http_sends_the_webhook_to_the_target(
    bill24_mock, bill24_client, bizauth_server, httpserver, ctl
):
    httpserver.expect_request("/hook", method="POST").respond_with_json(
        {"status": "Success", "message": "SUCCESS"}
    )
    url = bizauth_server.url_for(bill24_mock)
    tran_id = bill24_client.init_transaction(**new_transaction())["data"]["tran_id"]

    assert ctl("--url", url, "target", httpserver.url_for("/hook"))[0] == 0
    status, out, _ = ctl("--url", url, "--json", "pay", tran_id, "bank_code=ABA")

    assert status == 0
    paid = json.loads(out)
    assert (paid["status"], paid["bank_code"]) == ("success", "ABA")
    ((request, _),) = httpserver.log
    assert request.get_json()["tran_id"] == tran_id
    status, out, _ = ctl("--url", url, "--json", "webhooks")
    assert [delivery["ok"] for delivery in json.loads(out)] == [True]
    assert ctl("--url", url, "untarget")[0] == 0


def test_the_clock_and_the_generic_call(bizmail_mock, bizauth_server, bizauth_clock, ctl):
    url = bizauth_server.url_for(bizmail_mock)
    status, out, _ = ctl("--url", url, "clock", "shift", "3600")
    assert status == 0
    assert bizauth_clock.now().isoformat() == "2025-01-01T01:00:00+00:00"
    assert 'now: "2025-01-01T01:00:00Z"' in out
    status, out, _ = ctl("--url", url, "--json", "call", "GET", "routes")
    assert "POST /api/1.0/auth/token" in json.loads(out)


def test_a_refusal_exits_1_with_the_servers_reason(bill24_mock, bizauth_server, ctl):
    url = bizauth_server.url_for(bill24_mock)
    status, out, err = ctl("--url", url, "pay", "no-such-ref")
    assert (status, out) == (1, "")
    assert "HTTP 400" in err
    assert "no transaction" in err


@pytest.mark.parametrize(
    ("words", "says"),
    [
        ((), "give --url or set BIZAUTH_URL"),
        (("--url", "http://127.0.0.1:9", "status", "T"), "status needs 2 argument(s)"),
        (("--url", "http://127.0.0.1:9", "clock", "rewind"), "clock takes nothing"),
        (("--url", "http://127.0.0.1:9", "pay", "T", "bank"), "'bank' is not key=value"),
        (("--url", "ftp://x", "calls"), "not an http:// or https:// URL"),
        (("--url", "http://127.0.0.1:9", "calls"), "cannot reach http://127.0.0.1:9"),
    ],
)
def test_usage_errors_and_unreachable_servers_exit_2(ctl, words, says):
    if not words:
        words = ("calls",)
    status, _, err = ctl(*words)
    assert status == 2
    assert says in err


def test_the_token_comes_from_the_environment_and_is_never_printed(monkeypatch, capsys):
    server = Served("--port", "0", "--vendor", "bizmail", "--control-token", "t" * 24)
    try:
        url = server.urls["bizmail"]
        monkeypatch.delenv("BIZAUTH_CONTROL_TOKEN", raising=False)
        assert main(["ctl", "--url", url, "calls"]) == 1
        err = capsys.readouterr().err
        assert "HTTP 401" in err
        monkeypatch.setenv("BIZAUTH_CONTROL_TOKEN", "t" * 24)
        monkeypatch.setenv("BIZAUTH_URL", url)
        assert main(["ctl", "--json", "calls"]) == 0
        captured = capsys.readouterr()
        assert "t" * 24 not in captured.out + captured.err
    finally:
        server.stop()
