"""A Bill24 transaction end to end, as the vendor's pages document it: init with the
vendor's own example bodies, the customer pays, Bill24 calls the merchant's webhook, the
merchant verifies. The example bodies are data (tests/data), sent unchanged."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import requests

from pytest_bizauth import FakeBill24, UnknownNameError, UsageValueError

from .conftest import QUIET_PLUGINS

EXAMPLES = json.loads((Path(__file__).parent / "data" / "bill24_examples.json").read_text())
INIT, VERIFY = "/transaction/v2/init", "/transaction/v2/verify"


def _post_requests(base_url, path, body, token):
    headers = {"token": f"Bearer {token}"}
    return requests.post(base_url + path, json=body, headers=headers, timeout=10).json()


def _post_httpx(base_url, path, body, token):
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("httpx")
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.post(base_url + path, json=body, headers=headers).json()


def _post_urllib(base_url, path, body, token):
    request = urllib.request.Request(
        base_url + path,
        json.dumps(body).encode(),
        {"Content-Type": "application/json", "token": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


TRANSPORTS = {"requests": _post_requests, "httpx": _post_httpx, "server": _post_urllib}


PRODUCTS = [
    pytest.param("checkout"),
    pytest.param("khqr", marks=pytest.mark.bizauth(bill24_product="khqr")),
]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("product", PRODUCTS)
def test_the_vendors_examples_pass_unchanged_over_every_transport(
    request, bill24_mock, bill24_client, transport, product
):
    base_url = bill24_mock.base_url
    if transport == "server":
        base_url = request.getfixturevalue("bizauth_server").url_for(bill24_mock)
    token = bill24_client.access_token()
    post = TRANSPORTS[transport]
    created = post(base_url, INIT, EXAMPLES[f"{product}_init"], token)
    assert (created["code"], created["message"]) == ("SUCCESS", "Transaction init successful")
    found = post(base_url, VERIFY, EXAMPLES[f"{product}_verify"], token)
    assert found["code"] == "SUCCESS"
    assert list(found["data"]) == EXAMPLES[f"{product}_verify_keys"]
    assert found["data"]["tran_id"] == created["data"]["tran_id"]
    assert found["data"]["status"] == "pending"


def test_khqr_verify_answers_in_the_khqr_pages_shape(frozen):
    fake = FakeBill24(product="khqr")
    token = fake.tokens.merchant_access()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    from pytest_bizauth.core.wire import FakeRequest

    def call(path, body):
        return fake.handle(FakeRequest.build("POST", path, headers, json.dumps(body))).body

    call(INIT, EXAMPLES["khqr_init"])
    found = call(VERIFY, EXAMPLES["khqr_verify"])
    assert list(found) == ["code", "message", "data"]
    assert found["message"] == "Transaction found."
    assert found["data"]["customer_name"] == "Chea Samnang"
    assert "customers" not in found["data"]
    missing = call(VERIFY, {"identity_code": "nope", "purpose_of_transaction": "x"})
    assert (missing["code"], missing["data"]) == ("ERR_NOT_FOUND", None)


# -- paying and the webhook ------------------------------------------------------------------


class Merchant:
    """A merchant's webhook handler as a WSGI application: records what it got."""

    def __init__(self, answer=None, status="200 OK"):
        self.received = []
        self.answer = EXAMPLES["merchant_answer"] if answer is None else answer
        self.status = status

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = {k[5:]: v for k, v in environ.items() if k.startswith("HTTP_")}
        headers["CONTENT_TYPE"] = environ.get("CONTENT_TYPE")
        self.received.append((headers, json.loads(environ["wsgi.input"].read(length))))
        start_response(self.status, [("Content-Type", "application/json")])
        return [json.dumps(self.answer).encode()]


def test_a_checkout_payment_reaches_the_merchant_and_verify(bill24_mock, bill24_client):
    merchant = Merchant()
    bill24_mock.deliver_webhooks_to(merchant)
    created = bill24_client.init_transaction(**EXAMPLES["checkout_init"])
    tran_id = created["data"]["tran_id"]

    paid = bill24_mock.pay(tran_id, bank_code="AC", fee_amount=800)

    ((headers, body),) = merchant.received
    assert list(body) == EXAMPLES["checkout_webhook_keys"]
    assert (body["tran_id"], body["status"], body["bank_name"]) == (tran_id, "success", "ACLEDA")
    assert body["payment_service_type"] == "Deeplink/Checkout"
    assert body["customers"] == EXAMPLES["checkout_init"]["customers"]
    assert (headers["CONTENT_TYPE"], headers["ACCEPT"], headers["SUCCESS"]) == (
        "application/json",
        "application/json",
        "success",
    )
    bill24_mock.assert_webhook_delivered(times=1)
    (delivery,) = bill24_mock.webhooks
    assert (delivery.status, delivery.answer, delivery.ok) == (
        200,
        EXAMPLES["merchant_answer"],
        True,
    )

    found = bill24_client.verify_transaction(
        identity_code="test001dfdfA", purpose_of_transaction="13"
    )["data"]
    assert (found["status"], found["bank_code"], found["bank_ref"]) == (
        "success",
        "AC",
        paid.bank_ref,
    )
    assert (found["tran_amount"], found["fee_amount"], found["total_amount"]) == (10000, 800, 10800)
    by_bank_ref = bill24_client.verify_transaction(
        identity_code="test001dfdfA", purpose_of_transaction="13", bank_ref=paid.bank_ref
    )["data"]
    assert by_bank_ref["tran_id"] == tran_id


@pytest.mark.bizauth(bill24_product="khqr")
def test_a_khqr_payment_sends_the_khqr_webhook_to_an_asgi_app(bill24_mock, bill24_client):
    received = []

    async def merchant(scope, receive, send):
        message = await receive()
        received.append(json.loads(message["body"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send(
            {"type": "http.response.body", "body": b'{"status":"Success","message":"SUCCESS"}'}
        )

    bill24_mock.deliver_webhooks_to(merchant)
    bill24_client.init_transaction(**EXAMPLES["khqr_init"])
    bill24_mock.pay("174952172035635", bank_code="AMK", bank_ref="FT1234567890", fee_amount=500)

    (body,) = received
    assert list(body) == EXAMPLES["khqr_webhook_keys"]
    assert (body["total_amount"], body["payment_service_type"]) == (106300, "KHQR")
    found = bill24_client.verify_transaction(**EXAMPLES["khqr_verify"])
    assert found["message"] == "Transaction found."
    assert (found["data"]["status"], found["data"]["bank_ref"]) == ("success", "FT1234567890")
    bill24_mock.assert_webhook_delivered(times=1)


def test_a_webhook_url_gets_a_real_post(bill24_mock, bill24_client, httpserver):
    httpserver.expect_request("/bill24", method="POST").respond_with_json(
        EXAMPLES["merchant_answer"]
    )
    bill24_mock.deliver_webhooks_to(httpserver.url_for("/bill24"))
    tran_id = bill24_client.init_transaction(**EXAMPLES["checkout_init"])["data"]["tran_id"]
    bill24_mock.pay(tran_id)
    (request, _), *_ = httpserver.log
    assert request.get_json()["tran_id"] == tran_id
    bill24_mock.assert_webhook_delivered(times=1)


def test_without_a_target_no_webhook_is_sent(bill24_mock, bill24_client):
    tran_id = bill24_client.init_transaction(**EXAMPLES["checkout_init"])["data"]["tran_id"]
    bill24_mock.pay(tran_id)
    assert bill24_mock.webhooks == []
    with pytest.raises(AssertionError, match="delivered a webhook at least once, but 0"):
        bill24_mock.assert_webhook_delivered()


def test_paying_is_checked(bill24_mock, bill24_client):
    tran_id = bill24_client.init_transaction(**EXAMPLES["checkout_init"])["data"]["tran_id"]
    with pytest.raises(UnknownNameError, match="no transaction with tran_id or identity_code"):
        bill24_mock.pay("NOPE")
    with pytest.raises(UsageValueError, match="bank_code"):
        bill24_mock.pay(tran_id, bank_code="")
    bill24_mock.pay(tran_id)
    with pytest.raises(UsageValueError, match="is success, not pending"):
        bill24_mock.pay(tran_id)


@pytest.mark.parametrize("status", ["failed", "cancelled", "expired"])
def test_invented_statuses_show_in_verify(bill24_mock, bill24_client, status):
    tran_id = bill24_client.init_transaction(**EXAMPLES["checkout_init"])["data"]["tran_id"]
    bill24_mock.set_status(tran_id, status)
    found = bill24_client.verify_transaction(
        identity_code="test001dfdfA", purpose_of_transaction="13", tran_id=tran_id
    )
    assert found["data"]["status"] == status
    with pytest.raises(UsageValueError, match="pending"):
        bill24_mock.pay(tran_id)
    with pytest.raises(ValueError, match="status must be one of"):
        bill24_mock.set_status(tran_id, "paid")


def test_a_refused_webhook_fails_the_test_at_teardown(pytester):
    pytester.makepyfile(
        """
        import pytest

        BODY = {"identity_code": "I-1", "currency": "USD", "amount": 5, "cancel_url": "",
                "redirect_url": "https://shop.test/done", "channel_code": "",
                "customers": [{"amount": 5}]}

        def refusing(environ, start_response):
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"boom"]

        def test_refused(bill24_mock, bill24_client):
            bill24_mock.deliver_webhooks_to(refusing)
            bill24_mock.pay(bill24_client.init_transaction(**BODY)["data"]["tran_id"])

        @pytest.mark.bizauth(bill24_allow_failed_webhooks=True, bill24_webhook_retries=2)
        def test_allowed_and_retried(bill24_mock, bill24_client, bizauth_clock):
            bill24_mock.deliver_webhooks_to(refusing)
            bill24_mock.pay(bill24_client.init_transaction(**BODY)["data"]["tran_id"])
            assert [d.attempt for d in bill24_mock.webhooks] == [1]
            bizauth_clock.shift(60)
            bizauth_clock.shift(120)
            bizauth_clock.shift(3600)
            assert [d.attempt for d in bill24_mock.webhooks] == [1, 2, 3]
            assert not any(d.ok for d in bill24_mock.webhooks)

        @pytest.mark.bizauth(bill24_webhook_url="http://127.0.0.1:9/hook",
                             bill24_allow_failed_webhooks=True)
        def test_an_unreachable_url(bill24_mock, bill24_client):
            bill24_mock.pay(bill24_client.init_transaction(**BODY)["data"]["tran_id"])
            (delivery,) = bill24_mock.webhooks
            assert delivery.status is None and delivery.error.startswith("no answer")
        """
    )
    result = pytester.runpytest(*QUIET_PLUGINS)
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*1 webhook(s) from the Bill24 fake were not accepted*",
            "*payment to refusing (attempt 1): HTTP 500, answered 'boom'; not accepted*",
        ]
    )


@pytest.mark.bizauth(bill24_login="merchant")
def test_the_fixture_client_can_log_in_as_the_merchant(bill24_mock, bill24_client):
    assert bill24_client.is_merchant
    bill24_client.access_token()
    (call,) = bill24_mock.authorize_calls
    assert call.endpoint == "/merchantsecurity/authorize"
    assert call.response["data"]["issuer"] == bill24_mock.tokens.merchant_issuer


def test_each_authorize_route_has_its_issuer(bill24_mock, bill24_client, bizauth_clock):
    bill24_client.access_token()
    (call,) = bill24_mock.authorize_calls
    assert call.response["issuer"] == "http://dc.oone.bz:40011"


@pytest.mark.bizauth(bill24_bearer_clock_skew=300)
def test_a_clock_skew_takes_a_bearer_past_its_exp(bill24_mock, bizauth_clock):
    token = bill24_mock.tokens.merchant_access()
    headers = {"Authorization": f"Bearer {token}"}
    bizauth_clock.travel_past(token, by=299)
    url = bill24_mock.base_url + VERIFY
    body = {"tran_id": "X"}
    assert requests.post(url, json=body, headers=headers, timeout=5).status_code == 200
    bizauth_clock.shift(1)
    refused = requests.post(url, json=body, headers=headers, timeout=5)
    assert refused.status_code == 401
    assert "error_description=\"The token expired at '" in refused.headers["WWW-Authenticate"]


def test_pyjwkclient_verifies_over_the_loopback_server(bill24_mock, bill24_client, bizauth_server):
    import jwt

    base_url = bizauth_server.url_for(bill24_mock)
    document = requests.get(base_url + "/.well-known/openid-configuration", timeout=5).json()
    assert document["jwks_uri"].startswith(base_url)
    token = bill24_client.access_token()
    key = jwt.PyJWKClient(document["jwks_uri"]).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], options={"verify_aud": False})
    assert claims["iss"] == bill24_mock.tokens.issuer
