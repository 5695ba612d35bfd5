"""Tenants of ``bizauth serve``: isolated fakes under ``/t/<id>`` on the same ports."""

from __future__ import annotations

import time

import pytest

from .serving import Served


@pytest.fixture(scope="module")
def served():
    server = Served("--port", "0", "--max-tenants", "3", "--tenant-ttl", "600")
    yield server
    server.stop()


@pytest.fixture
def tenant(served):
    status, made = served.call("bizmail", "POST", "/_bizauth/tenants", {})
    assert status == 201
    yield made
    served.call("bizmail", "DELETE", f"/_bizauth/tenants/{made['tenant']}", {})


def _under(tenant, path):
    return f"/t/{tenant['tenant']}{path}"


def _login(served, tenant, user):
    form = {"username": user["username"], "password": user["password"]}
    return served.call("bizmail", "POST", _under(tenant, "/api/1.0/auth/token"), form=form)


def _mail(served, tenant, tokens):
    """A mail/store call to ``tenant`` with ``tokens``' access token."""
    return served.call(
        "bizmail",
        "POST",
        _under(tenant, "/api/1.0/mail/store"),
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        form={"from": "a@example.com"},
    )


def test_a_tenant_answers_under_its_prefix_on_the_same_ports(served, tenant):
    for vendor in ("bizmail", "bill24"):
        assert tenant[vendor] == f"{served.urls[vendor]}/t/{tenant['tenant']}"
    status, discovery = served.call(
        "bill24", "GET", _under(tenant, "/.well-known/openid-configuration")
    )
    assert status == 200
    assert discovery["jwks_uri"] == tenant["bill24"] + "/.well-known/openid-configuration/jwks"
    assert discovery["token_endpoint"] == tenant["bill24"] + "/security/authorize"


def test_each_tenant_has_its_own_credentials_tokens_and_call_log(served, tenant):
    other = served.call("bizmail", "POST", "/_bizauth/tenants", {})[1]
    try:
        (mine,) = served.call("bizmail", "GET", _under(tenant, "/_bizauth/accounts"))[1]
        (theirs,) = served.call("bizmail", "GET", _under(other, "/_bizauth/accounts"))[1]
        (default,) = served.call("bizmail", "GET", "/_bizauth/accounts")[1]
        assert len({mine["username"], theirs["username"], default["username"]}) == 3
        assert mine["password"] != theirs["password"]

        status, tokens = _login(served, tenant, mine)
        assert status == 200
        assert _login(served, other, mine)[0] == 401  # another tenant's credentials
        assert _mail(served, other, tokens)[0] == 401  # another tenant's token
        assert served.call("bizmail", "GET", _under(tenant, "/_bizauth/events"))[1] == ["login"]
        assert served.call("bizmail", "GET", _under(other, "/_bizauth/events"))[1] == [
            "login 401",
            "resource 401",
        ]
        assert served.call("bizmail", "GET", "/_bizauth/events")[1] == []
    finally:
        served.call("bizmail", "DELETE", f"/_bizauth/tenants/{other['tenant']}", {})


def test_each_tenant_has_its_own_clock(served, tenant):
    (user,) = served.call("bizmail", "GET", _under(tenant, "/_bizauth/accounts"))[1]
    tokens = _login(served, tenant, user)[1]
    moved = served.call("bizmail", "POST", _under(tenant, "/_bizauth/clock"), {"shift": 86_401})[1]
    assert moved["frozen"] is True
    assert served.call("bizmail", "GET", "/_bizauth/clock")[1]["frozen"] is False
    same = served.call("bill24", "GET", _under(tenant, "/_bizauth/clock"))[1]
    assert same["now"] == moved["now"]  # the tenant's fakes share its clock
    expired = _mail(served, tenant, tokens)
    assert expired == (401, {"success": False, "message": "Token expired"})
    calls = served.call("bizmail", "GET", _under(tenant, "/_bizauth/calls"))[1]
    assert calls[-1]["reason"].startswith("access token expired at ")


def test_a_reset_keeps_the_tenants_credentials(served, tenant):
    path = _under(tenant, "/_bizauth/accounts")
    before = served.call("bizmail", "GET", path)[1]
    served.call("bizmail", "POST", _under(tenant, "/_bizauth/clock"), {"shift": 60})
    assert served.call("bizmail", "POST", _under(tenant, "/_bizauth/reset"), {})[0] == 200
    assert served.call("bizmail", "GET", path)[1] == before
    assert served.call("bizmail", "GET", _under(tenant, "/_bizauth/clock"))[1]["frozen"] is False


def test_deleted_and_unknown_tenants_are_a_404_and_the_limit_a_429(served, tenant):
    made = [served.call("bizmail", "POST", "/_bizauth/tenants", {}) for _ in range(3)]
    try:
        assert [status for status, _ in made] == [201, 201, 429]
        assert "3 tenants are live (--max-tenants)" in made[2][1]["error"]
    finally:
        for status, body in made:
            if status == 201:
                served.call("bizmail", "DELETE", f"/_bizauth/tenants/{body['tenant']}", {})
    assert served.call("bizmail", "GET", "/_bizauth/tenants")[1] == [tenant["tenant"]]
    gone = served.call("bizmail", "GET", "/t/0123456789abcdef/_bizauth/clock")
    assert gone[0] == 404
    assert "no tenant '0123456789abcdef' here" in gone[1]["error"]
    assert served.call("bizmail", "DELETE", "/_bizauth/tenants/0123456789abcdef", {})[0] == 404


def test_idle_tenants_expire_after_the_ttl():
    server = Served("--port", "0", "--vendor", "bizmail", "--tenant-ttl", "0.3")
    try:
        made = server.call("bizmail", "POST", "/_bizauth/tenants", {})[1]
        clock = f"/t/{made['tenant']}/_bizauth/clock"
        assert server.call("bizmail", "GET", clock)[0] == 200
        time.sleep(0.5)
        assert server.call("bizmail", "GET", clock)[0] == 404
        assert server.call("bizmail", "GET", "/_bizauth/tenants")[1] == []
    finally:
        server.stop()


def test_a_server_started_frozen_starts_its_tenants_frozen_there():
    server = Served("--port", "0", "--vendor", "bizmail", "--start", "2030-01-01T00:00:00Z")
    try:
        made = server.call("bizmail", "POST", "/_bizauth/tenants", {})[1]
        state = server.call("bizmail", "GET", f"/t/{made['tenant']}/_bizauth/clock")[1]
        assert state == {"now": "2030-01-01T00:00:00Z", "frozen": True}
    finally:
        server.stop()


def test_bizauth_ctl_makes_drives_and_drops_a_tenant(served, capsys, monkeypatch):
    from pytest_bizauth.cli import main

    monkeypatch.setenv("BIZAUTH_URL", served.urls["bizmail"])
    assert main(["ctl", "tenant", "new"]) == 0
    lines = capsys.readouterr().out.splitlines()
    tenant_id = lines[0].split()[1]
    assert lines[1:] == [
        f"bizmail {served.urls['bizmail']}/t/{tenant_id}",
        f"bill24 {served.urls['bill24']}/t/{tenant_id}",
    ]
    assert main(["ctl", "--tenant", tenant_id, "clock", "shift", "60"]) == 0
    assert "frozen: true" in capsys.readouterr().out
    assert main(["ctl", "--json", "clock"]) == 0
    assert '"frozen": false' in capsys.readouterr().out  # the default tenant's clock
    assert main(["ctl", "--json", "tenant", "list"]) == 0
    assert tenant_id in capsys.readouterr().out
    assert main(["ctl", "tenant", "delete", tenant_id]) == 0
    assert main(["ctl", "--tenant", tenant_id, "clock"]) == 1
    assert "no tenant" in capsys.readouterr().err


TENANT_TESTS = """
import json

import pytest
import requests


def login(tenant):
    (user,) = tenant.bizmail.accounts()
    form = {"username": user["username"], "password": user["password"]}
    return requests.post(tenant.urls["bizmail"] + "/api/1.0/auth/token", data=form, timeout=10)


@pytest.mark.parametrize("n", range(6))
def test_each_test_has_a_tenant_of_its_own(bizauth_tenant, n):
    tokens = login(bizauth_tenant).json()
    bizauth_tenant.clock.shift(86_401 * (n + 1))
    stale = requests.post(
        bizauth_tenant.urls["bizmail"] + "/api/1.0/mail/store",
        headers={"Authorization": "Bearer " + tokens["access_token"]},
        files={"from": (None, "a@example.com")},
        timeout=10,
    )
    assert stale.json()["message"] == "Token expired"
    assert bizauth_tenant.bizmail.auth_events == ["login", "resource 401"]
    bizauth_tenant.bizmail.assert_logged_in(times=1)
    bizauth_tenant.bizmail.assert_not_refreshed()


def test_a_payment_reaches_the_handler(bizauth_tenant, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_json(
        {"status": "Success", "message": "SUCCESS"}
    )
    bill24 = bizauth_tenant.bill24
    merchant = next(a for a in bill24.accounts() if a["kind"] == "merchant")
    auth = requests.post(
        bizauth_tenant.urls["bill24"] + "/merchantsecurity/authorize",
        json={"clientId": merchant["client_id"], "secret": merchant["secret"],
              "token": merchant["token"]},
        timeout=10,
    ).json()
    body = {"identity_code": "INV-1", "currency": "USD", "amount": 5,
            "cancel_url": "https://shop.example.com/c", "redirect_url": "https://shop.example.com/d",
            "channel_code": "KHQR", "customers": [{"amount": 5}], "purpose_of_transaction": "13"}
    init = requests.post(
        bizauth_tenant.urls["bill24"] + "/transaction/v2/init", json=body,
        headers={"token": "Bearer " + auth["data"]["token"]}, timeout=10,
    ).json()
    bill24.deliver_webhooks_to(httpserver.url_for("/hook"))
    paid = bill24.pay(init["data"]["tran_id"], bank_code="ABA")
    assert (paid["status"], paid["bank_code"]) == ("success", "ABA")
    assert [d["ok"] for d in bill24.webhooks] == [True]
    bill24.fail_next("init", 503)
    assert bill24.control("GET", "faults") == {"init": ["HTTP 503"]}
"""


@pytest.mark.parametrize("workers", [None, "2"])
def test_the_bizauth_tenant_fixture_isolates_parallel_tests(served, pytester, workers):
    from .conftest import QUIET_PLUGINS

    pytester.makeini(f"[pytest]\nbizauth_serve_url = {served.urls['bill24']}\n")
    pytester.makepyfile(TENANT_TESTS)
    plugins = list(QUIET_PLUGINS)
    if workers:
        pytest.importorskip("xdist")
        plugins = [p for p in plugins if p != "no:xdist"] + ["-n", workers]
    result = pytester.runpytest_subprocess(*plugins)
    result.assert_outcomes(passed=7)
    assert served.call("bizmail", "GET", "/_bizauth/tenants")[1] == []  # all removed


def test_without_a_server_the_fixture_says_what_to_set(pytester):
    from .conftest import QUIET_PLUGINS

    pytester.makepyfile("def test_it(bizauth_tenant):\n    pass\n")
    result = pytester.runpytest(*QUIET_PLUGINS)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*bizauth_tenant needs a running bizauth serve: set the ini*"])
