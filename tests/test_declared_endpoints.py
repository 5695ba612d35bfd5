"""Endpoints a test declares on a fake: the vendor's bearer check, the call log, faults,
and every transport."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest
import requests

from pytest_bizauth import FakeBizMail, Refusal, Reply

CUSTOMER = "/customer/create"
TEMPLATES = "/api/1.0/mail/templates"


def _bizmail_token(bizmail_client):
    return {"Authorization": f"Bearer {bizmail_client.access_token()}"}


def test_a_declared_bizmail_endpoint_checks_the_bearer_as_mail_store(
    bizmail_mock, bizmail_client, bizmail_tokens, bizauth_clock
):
    name = bizmail_mock.add_endpoint("GET", TEMPLATES, json={"success": True, "data": []})
    assert name == TEMPLATES
    url = bizmail_mock.base_url + TEMPLATES
    good = requests.get(url, headers=_bizmail_token(bizmail_client), timeout=5)
    assert (good.status_code, good.json()) == (200, {"success": True, "data": []})
    missing = requests.get(url, timeout=5)
    assert (missing.status_code, missing.json()) == (
        401,
        {"success": False, "message": "Missing or invalid token"},
    )
    stale = {"Authorization": f"Bearer {bizmail_tokens.expired_access()}"}
    expired = requests.get(url, headers=stale, timeout=5)
    assert (expired.status_code, expired.json()["message"]) == (401, "Token expired")
    assert bizmail_mock.auth_events == ["login", "resource", "resource 401", "resource 401"]
    assert [c.note for c in bizmail_mock.calls_to(TEMPLATES)] == [None, "invalid", "expired"]


def test_a_declared_bill24_endpoint_answers_the_empty_401(bill24_mock, bill24_client):
    bill24_mock.add_endpoint(
        "POST", CUSTOMER, json={"code": "SUCCESS", "data": {"customer_code": "C-1"}}
    )
    url = bill24_mock.base_url + CUSTOMER
    refused = requests.post(url, json={}, headers={"Authorization": "Bearer nope"}, timeout=5)
    assert (refused.status_code, refused.content) == (401, b"")
    assert refused.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    token = bill24_client.access_token()
    for header in ("Authorization", "token"):
        answer = requests.post(url, json={}, headers={header: f"Bearer {token}"}, timeout=5)
        assert answer.json()["data"] == {"customer_code": "C-1"}


def test_a_handler_gets_the_parsed_request_and_the_claims(bill24_mock, bill24_client):
    seen = []

    def create(request, claims):
        seen.append((request.json_object(), claims["sub"], claims["client_id"]))
        if not request.json_object().get("customer_name"):
            raise Refusal(200, {"code": "ERR_MISSED_FIELD", "data": None})
        return {"code": "SUCCESS", "data": {"customer_code": "C-2"}}

    bill24_mock.add_endpoint("POST", CUSTOMER, handler=create, name="customer")
    headers = {"Authorization": f"Bearer {bill24_client.access_token()}"}
    url = bill24_mock.base_url + CUSTOMER
    assert requests.post(url, json={}, headers=headers, timeout=5).json()["code"] == (
        "ERR_MISSED_FIELD"
    )
    body = {"customer_name": "Dara"}
    assert requests.post(url, json=body, headers=headers, timeout=5).json()["data"] == {
        "customer_code": "C-2"
    }
    user = bill24_mock.user
    assert seen == [({}, user.user_id, user.client_id), (body, user.user_id, user.client_id)]


def test_a_handler_may_answer_a_whole_reply(bizmail_mock, bizmail_client):
    bizmail_mock.add_endpoint(
        "POST",
        "/api/1.0/mail/schedule",
        handler=lambda request, claims: Reply(202, b"queued", {"X-Queue": claims["username"]}),
    )
    answer = requests.post(
        bizmail_mock.base_url + "/api/1.0/mail/schedule",
        headers=_bizmail_token(bizmail_client),
        timeout=5,
    )
    assert (answer.status_code, answer.content) == (202, b"queued")
    assert answer.headers["X-Queue"] == bizmail_mock.user.username


def test_status_body_and_headers(bizmail_mock, bizmail_client):
    bizmail_mock.add_endpoint(
        "DELETE", "/api/1.0/mail/7", status=204, headers={"X-Deleted": "7"}, name="delete"
    )
    bizmail_mock.add_endpoint(
        "GET", "/api/1.0/stats", body="<ok/>", headers={"Content-Type": "text/xml"}
    )
    headers = _bizmail_token(bizmail_client)
    deleted = requests.delete(bizmail_mock.base_url + "/api/1.0/mail/7", headers=headers, timeout=5)
    assert (deleted.status_code, deleted.content, deleted.headers["X-Deleted"]) == (204, b"", "7")
    stats = requests.get(bizmail_mock.base_url + "/api/1.0/stats", headers=headers, timeout=5)
    assert (stats.text, stats.headers["Content-Type"]) == ("<ok/>", "text/xml")


@pytest.mark.parametrize("target", ["customer", CUSTOMER])
def test_faults_target_a_declared_endpoint_by_name_or_path(bill24_mock, bill24_client, target):
    bill24_mock.add_endpoint("POST", CUSTOMER, json={"code": "SUCCESS"}, name="customer")
    bill24_mock.fail_next(target, 503)
    headers = {"Authorization": f"Bearer {bill24_client.access_token()}"}
    url = bill24_mock.base_url + CUSTOMER
    assert requests.post(url, json={}, headers=headers, timeout=5).status_code == 503
    assert requests.post(url, json={}, headers=headers, timeout=5).status_code == 200
    assert bill24_mock.auth_events == ["login", "resource 503", "resource"]


def test_a_client_renews_and_retries_on_a_declared_endpoint(
    bizmail_mock, bizmail_client, bizauth_clock
):
    bizmail_mock.add_endpoint("GET", TEMPLATES, json={"success": True})
    bizmail_client.access_token()
    bizmail_mock.expire_access_tokens()
    answer = requests.get(bizmail_mock.base_url + TEMPLATES, auth=bizmail_client.auth, timeout=5)
    assert answer.status_code == 200
    assert bizmail_mock.auth_events == ["login", "resource 401", "refresh", "resource"]


def test_declared_endpoints_over_httpx_sync_and_async(bizmail_mock, bizmail_client):
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("httpx")
    bizmail_mock.add_endpoint("GET", TEMPLATES, json={"success": True})
    url = bizmail_mock.base_url + TEMPLATES
    headers = _bizmail_token(bizmail_client)
    assert httpx.get(url, headers=headers).json() == {"success": True}

    async def call():
        async with httpx.AsyncClient() as http:
            return (await http.get(url)).status_code

    assert asyncio.run(call()) == 401


def test_declared_endpoints_over_the_loopback_server(bizauth_server, bill24_mock, bill24_client):
    bill24_mock.add_endpoint("POST", CUSTOMER, json={"code": "SUCCESS"})
    url = bizauth_server.url_for(bill24_mock) + CUSTOMER
    token = bill24_client.access_token()
    request = urllib.request.Request(
        url, data=b"{}", headers={"Authorization": f"Bearer {token}"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert json.loads(answer.read()) == {"code": "SUCCESS"}
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, data=b"{}", method="POST"), timeout=5)
    refused.value.close()
    assert refused.value.code == 401


def test_bad_declarations_say_what_is_wrong(frozen):
    fake = FakeBizMail()
    with pytest.raises(ValueError, match=r"already serves POST /api/1\.0/mail/store"):
        fake.add_endpoint("post", "/api/1.0/mail/store")
    fake.add_endpoint("GET", "/a", name="one")
    with pytest.raises(ValueError, match="already has an endpoint named 'one'"):
        fake.add_endpoint("GET", "/b", name="one")
    with pytest.raises(ValueError, match="at most one of json=, body= and handler="):
        fake.add_endpoint("GET", "/c", json={}, body=b"")
    for path in ("c", "/c?x=1", None):
        with pytest.raises(ValueError, match="path must start with '/'"):
            fake.add_endpoint("GET", path)
    with pytest.raises(ValueError, match="HTTP method"):
        fake.add_endpoint("GE T", "/c")
    with pytest.raises(ValueError, match="status must be an HTTP status code"):
        fake.add_endpoint("GET", "/c", status=1000)
    with pytest.raises(TypeError, match="handler must be callable"):
        fake.add_endpoint("GET", "/c", handler="nope")
    assert "GET /a" in fake.routes
    assert fake.route("one").path == "/a"
