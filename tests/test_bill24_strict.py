"""Where money moves, the Bill24 fake is no kinder than Bill24: init and verify refuse
what the vendor refuses, in its words; no body makes it fail; a refused webhook is
retried on the test's clock; a handler is tried with repeated and forged webhooks; and
the KHQR string is a real KHQR payload."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pytest_bizauth import FakeBill24

from .conftest import QUIET_PLUGINS
from .helpers import json_request

INIT, VERIFY = "/transaction/v2/init", "/transaction/v2/verify"
CHECKOUT = {
    "identity_code": "INV-1",
    "purpose_of_transaction": "ORDER-1",
    "currency": "KHR",
    "amount": 10000,
    "cancel_url": "",
    "redirect_url": "https://shop.example.com/done",
    "channel_code": "",
    "customers": [{"customer_code": "C01", "amount": 10000}],
}
FOUND = {"identity_code": "INV-1", "purpose_of_transaction": "ORDER-1", "tran_id": "",
         "bank_ref": ""}  # fmt: skip
ACCEPTED = b'{"status": "Success", "message": "SUCCESS"}'


def call(fake, path, body, **headers):
    if not headers:
        token = fake.tokens.access(subject=fake.merchant)
        headers = {"Authorization": f"Bearer {token}"}
    return fake.handle(json_request(path, body, **headers))


def refused_with(reply):
    assert (reply.status, reply.body["code"], reply.body["data"]) == (200, "ERR_MISSED_FIELD", None)
    return reply.body["message"]


@pytest.fixture
def fake(bizauth_clock):
    return FakeBill24()


# -- init and verify refuse what the vendor refuses ----------------------------------------


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"amount": "10000"}, "[amount] must be a whole number (not text)"),
        ({"amount": -5}, "[amount] must be more than 0"),
        ({"amount": 0}, "[amount] must be more than 0"),
        ({"amount": 10.5}, "[amount] must be a whole number"),
        ({"amount": True}, "[amount] must be a whole number"),
        ({"amount": 10**20}, "at most 9999999999"),
        ({"currency": "XYZ"}, "[currency] must be USD or KHR"),
        ({"currency": "khr"}, "[currency] must be USD or KHR"),
        ({"identity_code": "I" * 300}, "[identity_code] must have 50 or fewer characters"),
        ({"identity_code": 12345}, "[identity_code] must be text"),
        ({"language": "fr"}, "[language] must be km or en"),
        ({"customers": [{"amount": "5"}]}, "[customers[0].amount] must be a number"),
    ],
)
def test_checkout_init_refuses_what_bill24_refuses_in_its_words(fake, change, says):
    message = refused_with(call(fake, INIT, {**CHECKOUT, **change}))
    assert says in message
    assert message.endswith("Please adjust and retry.")
    assert fake.transactions == []


def test_a_second_transaction_with_the_same_identity_code_is_refused(fake):
    assert call(fake, INIT, CHECKOUT).body["code"] == "SUCCESS"
    assert refused_with(call(fake, INIT, CHECKOUT)) == (
        "[identity_code] already exists. Please adjust and retry."
    )
    allowing = FakeBill24(duplicate_identity_code="allow")
    for _ in range(2):
        assert call(allowing, INIT, CHECKOUT).body["code"] == "SUCCESS"


def test_khqr_takes_decimal_amounts_and_checks_the_email(bizauth_clock):
    fake = FakeBill24(product="khqr")
    body = {"identity_code": "Q-1", "currency": "USD", "amount": 5.25, "channel_code": "1",
            "purpose_of_transaction": "13"}  # fmt: skip
    assert call(fake, INIT, body).body["code"] == "SUCCESS"
    bad_email = {**body, "identity_code": "Q-2", "customer_email": "not-an-address"}
    assert refused_with(call(fake, INIT, bad_email)) == "'Email' is not a valid email address."


@pytest.mark.parametrize("key", ["identity_code", "purpose_of_transaction", "tran_id", "bank_ref"])
def test_a_checkout_verify_missing_a_required_key_is_refused(fake, key):
    call(fake, INIT, CHECKOUT)
    body = {k: v for k, v in FOUND.items() if k != key}
    assert refused_with(call(fake, VERIFY, body)) == f"Please provide [{key}]."
    assert refused_with(call(fake, VERIFY, {**FOUND, key: 7})) == (
        f"[{key}] must be text. Please adjust and retry."
    )


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=60),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4)
    ),
    max_leaves=12,
)
_FIELDS = st.sampled_from([*CHECKOUT, "tran_id", "bank_ref", "language", "customer_email"])
_BODIES = st.one_of(
    _JSON,
    st.dictionaries(_FIELDS, _JSON, max_size=10),
    st.fixed_dictionaries({}, optional={k: _JSON | st.just(v) for k, v in CHECKOUT.items()}),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_BODIES, product=st.sampled_from(["checkout", "khqr"]))
def test_no_body_makes_init_or_verify_fail(body, product):
    fake = FakeBill24(product=product)
    for path in (INIT, VERIFY):
        reply = call(fake, path, body)
        assert reply.status == 200, reply
        assert reply.body["code"] in ("SUCCESS", "ERR_MISSED_FIELD", "ERR_NOT_FOUND",
                                      "ERR_INVALID_REQUEST")  # fmt: skip
        json.dumps(reply.body)  # every answer is JSON


# -- the fee is known at init ----------------------------------------------------------------


@pytest.mark.parametrize(("fee", "expected"), [("0", 0), ("800", 800), ("8%", 800)])
def test_a_pending_transaction_shows_its_fee(bizauth_clock, fee, expected):
    fake = FakeBill24(fee=fee)
    call(fake, INIT, CHECKOUT)
    found = call(fake, VERIFY, FOUND).body["data"]
    assert (found["status"], found["fee_amount"], found["total_amount"]) == (
        "pending",
        expected,
        10000 + expected,
    )
    assert fake.pay("INV-1", fee_amount=500).total_amount == 10500


# -- the KHQR string --------------------------------------------------------------------------


def decode_emv(payload):
    """Tag-length-value fields, read independently of the fake's own writer."""
    fields, at = {}, 0
    while at < len(payload):
        tag, size = payload[at : at + 2], int(payload[at + 2 : at + 4])
        fields[tag] = payload[at + 4 : at + 4 + size]
        at += 4 + size
    return fields


def crc_ccitt_false(data):
    """CRC-16/CCITT-FALSE bit by bit, as the specification writes it (the fake uses the
    standard library's table-driven one)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def test_the_crc_is_the_one_emvco_names():
    assert crc_ccitt_false(b"123456789") == 0x29B1  # the CRC's published check value


@pytest.mark.parametrize(("currency", "number"), [("KHR", "116"), ("USD", "840")])
def test_the_khqr_string_is_an_emvco_payload_whose_crc_checks(bizauth_clock, currency, number):
    fake = FakeBill24(fee="800")
    qr = call(fake, INIT, {**CHECKOUT, "currency": currency}).body["data"]["khqr_string"]
    fields = decode_emv(qr)
    assert (fields["00"], fields["01"], fields["53"], fields["58"]) == ("01", "12", number, "KH")
    assert (fields["54"], fields["56"]) == ("10800.00", "800.00")
    assert decode_emv(fields["62"])["05"] == "INV-1"
    assert qr[-8:-4] == "6304"
    assert fields["63"] == f"{crc_ccitt_false(qr[:-4].encode()):04X}"


# -- webhooks: retried, repeated, forged, checked ------------------------------------------


class Shop:
    """A merchant's webhook handler (WSGI) that ships an order for each webhook, and may
    verify it with Bill24 first."""

    def __init__(self, fake, *, verify=False, refuse=0):
        self.fake, self.verify, self.refuse = fake, verify, refuse
        self.shipped = []

    def __call__(self, environ, start_response):
        body = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        if self.refuse:
            self.refuse -= 1
            start_response("503 Service Unavailable", [])
            return [b"busy"]
        if self.verify:
            keys = {**FOUND, "identity_code": body["identity_code"], "tran_id": body["tran_id"]}
            found = call(self.fake, VERIFY, keys).body
            if found["code"] != "SUCCESS" or found["data"]["status"] != "success":
                start_response("400 Bad Request", [])
                return [b"unknown payment"]
        if body["identity_code"] not in self.shipped:  # ship each order once
            self.shipped.append(body["identity_code"])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [ACCEPTED]


def test_a_refused_webhook_is_retried_when_the_clock_passes_its_due_time(fake, bizauth_clock):
    shop = Shop(fake, refuse=2)
    fake.deliver_webhooks_to(shop)
    call(fake, INIT, CHECKOUT)
    fake.pay("INV-1")
    assert [(d.attempt, d.ok) for d in fake.webhooks] == [(1, False)]
    bizauth_clock.shift(59)
    assert len(fake.webhooks) == 1
    bizauth_clock.shift(1)  # 60 s after the first attempt
    bizauth_clock.shift(120)  # then twice as long
    assert [(d.webhook, d.attempt, d.ok) for d in fake.webhooks] == [
        (1, 1, False),
        (1, 2, False),
        (1, 3, True),
    ]
    assert shop.shipped == ["INV-1"]


def test_at_most_five_retries_as_documented(bizauth_clock):
    with pytest.raises(ValueError, match="0 to 5"):
        FakeBill24(webhook_retries=6)
    fake = FakeBill24(allow_failed_webhooks=True)
    fake.deliver_webhooks_to(Shop(fake, refuse=99))
    call(fake, INIT, CHECKOUT)
    fake.pay("INV-1")
    bizauth_clock.shift(86_400)
    assert [d.attempt for d in fake.webhooks] == [1, 2, 3, 4, 5, 6]


def test_a_repeated_webhook_is_the_tests_to_send(fake):
    class ShipsTwice(Shop):
        def __call__(self, environ, start_response):
            body = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
            self.shipped.append(body["identity_code"])  # no check for a repeat
            start_response("200 OK", [])
            return [ACCEPTED]

    careless, careful = ShipsTwice(fake), Shop(fake)
    for shop in (careless, careful):
        fake.deliver_webhooks_to(shop)
        fake.state.transactions.clear()
        fake.state._by_ref.clear()
        call(fake, INIT, CHECKOUT)
        fake.pay("INV-1")
        fake.send_webhook("INV-1")  # Bill24 sends it again: an answer was lost
    assert careless.shipped == ["INV-1", "INV-1"]
    assert careful.shipped == ["INV-1"]


def test_a_forged_webhook_catches_a_handler_that_does_not_verify(fake):
    trusting, checking = Shop(fake), Shop(fake, verify=True)
    fake.deliver_webhooks_to(trusting)
    trusted = fake.forge_webhook(identity_code="FREE-STUFF")
    fake.deliver_webhooks_to(checking)
    refused = fake.forge_webhook(identity_code="FREE-STUFF")
    assert (trusted.ok, trusted.verified, trusted.forged) == (True, False, True)
    assert (refused.ok, refused.verified) == (False, True)
    assert trusting.shipped == ["FREE-STUFF"]
    assert checking.shipped == []
    fake.verify()  # a forged webhook, refused or accepted, fails no test by itself


def test_a_paid_webhook_records_that_the_handler_verified_it(fake):
    shop = Shop(fake, verify=True)
    fake.deliver_webhooks_to(shop)
    call(fake, INIT, CHECKOUT)
    fake.pay("INV-1")
    (delivery,) = fake.webhooks
    assert (delivery.ok, delivery.verified) == (True, True)
    call(fake, INIT, {**CHECKOUT, "identity_code": "INV-2"})
    unpaid = fake.forge_webhook("INV-2", tran_amount=1)  # a pending one shown as paid
    assert unpaid.body["status"] == "success"
    assert (unpaid.ok, unpaid.verified) == (False, True)  # the shop verified and refused


def test_pay_without_a_webhook_and_the_send_verbs_say_what_they_need(fake):
    call(fake, INIT, CHECKOUT)
    with pytest.raises(ValueError, match="is pending: Bill24 sends its webhook once it is paid"):
        fake.send_webhook("INV-1")
    fake.pay("INV-1", webhook=False)
    with pytest.raises(ValueError, match="no target for payment webhooks"):
        fake.send_webhook("INV-1")
    assert fake.webhooks == []


def test_the_handlers_own_path(fake):
    flask = pytest.importorskip("flask")
    app = flask.Flask("shop")
    got = []

    @app.post("/bill24/webhook")
    def webhook():
        got.append(flask.request.get_json()["identity_code"])
        return {"status": "Success", "message": "SUCCESS"}

    fake.deliver_webhooks_to(app, path="/bill24/webhook")
    call(fake, INIT, CHECKOUT)
    fake.pay("INV-1")
    assert got == ["INV-1"]
    assert fake.webhooks[0].path == "/bill24/webhook"
    with pytest.raises(ValueError, match="carries its own path"):
        fake.deliver_webhooks_to("https://shop.example.com/hook", path="/x")


def test_an_asgi_handler_gets_its_path_too(fake):
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    got = []

    async def webhook(request):
        got.append((await request.json())["identity_code"])
        return JSONResponse({"status": "Success", "message": "SUCCESS"})

    app = Starlette(routes=[Route("/hooks/bill24", webhook, methods=["POST"])])
    fake.deliver_webhooks_to(app, path="/hooks/bill24")
    call(fake, INIT, CHECKOUT)
    fake.pay("INV-1")
    assert got == ["INV-1"]
    assert fake.webhooks[0].ok


def test_the_refused_webhook_message_says_what_to_answer_and_how_to_allow_it(pytester):
    pytester.makepyfile(
        """
        def refusing(environ, start_response):
            start_response("404 Not Found", [])
            return [b"no route"]

        def test_refused(bill24_mock, bill24_client):
            bill24_mock.deliver_webhooks_to(refusing)
            bill24_client.init_transaction(identity_code="I-1", currency="USD", amount=5,
                cancel_url="", redirect_url="https://shop.test/done", channel_code="",
                customers=[{"amount": 5}])
            bill24_mock.pay("I-1")
        """
    )
    result = pytester.runpytest(*QUIET_PLUGINS)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            '*must answer HTTP 200 with {"status": "Success", "message": "SUCCESS"}*',
            "*@pytest.mark.bizauth(bill24_allow_failed_webhooks=True)*",
        ]
    )
    message = [line for line in result.stdout.lines if line.startswith("E ")]
    assert message
    assert not [line for line in message if "check_unmatched" in line]


def test_khqr_takes_its_token_header_with_or_without_bearer(bizauth_clock):
    fake = FakeBill24(product="khqr")
    token = fake.tokens.access(subject=fake.merchant)
    body = {"identity_code": "Q-1", "currency": "USD", "amount": 5, "channel_code": "1",
            "purpose_of_transaction": "13"}  # fmt: skip
    assert call(fake, INIT, body, token=token).body["code"] == "SUCCESS"
    assert call(fake, VERIFY, body, token=f"Bearer {token}").body["code"] == "SUCCESS"
    checkout = FakeBill24()
    assert call(checkout, INIT, CHECKOUT, token=token).status == 401  # its pages say Bearer


def test_the_khqr_webhook_has_its_customers(bizauth_clock):
    fake = FakeBill24(product="khqr")
    got = []

    def shop(environ, start_response):
        got.append(json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))))
        start_response("200 OK", [])
        return [ACCEPTED]

    fake.deliver_webhooks_to(shop)
    body = {"identity_code": "Q-1", "currency": "USD", "amount": 45, "channel_code": "1",
            "purpose_of_transaction": "13", "customer_code": "37627011",
            "customer_name": "MAO SAMON"}  # fmt: skip
    call(fake, INIT, body)
    fake.pay("Q-1")
    ((customer,),) = [hook["customers"] for hook in got]
    assert (customer["customer_code"], customer["customer_name"], customer["amount"]) == (
        "37627011",
        "MAO SAMON",
        45,
    )


def test_a_merchants_refresh_record_is_owned_by_its_id_never_its_token(bizauth_clock):
    fake = FakeBill24()
    fake.issue_refresh_token(fake.merchant)
    (record,) = fake.refresh_tokens.values()
    assert record.owner == f"merchant:{fake.merchant.merchant_id}"
    assert fake.merchant.token not in repr(fake.refresh_tokens)
    assert fake.revoke_refresh_tokens(fake.merchant) == 1


def test_a_long_running_fake_remembers_the_latest_tokens_and_transactions(
    bizauth_clock, monkeypatch
):
    from pytest_bizauth.core import latest, tokens
    from pytest_bizauth.vendors.bill24 import state

    monkeypatch.setattr(latest, "GENERATION", 2)
    monkeypatch.setattr(tokens, "MAX_TOKENS", 3)
    monkeypatch.setattr(state, "MAX_TRANSACTIONS", 3)
    fake = FakeBill24()
    # At least the latest 3, under two generations more: the oldest go a generation at a time.
    issued = [fake.issue_refresh_token(fake.merchant) for _ in range(7)]
    assert list(fake.refresh_tokens) == issued[2:]
    for n in range(7):
        call(fake, INIT, {**CHECKOUT, "identity_code": f"INV-{n}"})
    assert [t.identity_code for t in fake.transactions] == ["INV-4", "INV-5", "INV-6"]
    found = call(fake, VERIFY, {**FOUND, "identity_code": "INV-0"}).body["code"]
    assert found == "ERR_NOT_FOUND"  # forgotten
    assert call(fake, INIT, {**CHECKOUT, "identity_code": "INV-0"}).body["code"] == "SUCCESS"
