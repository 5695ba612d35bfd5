"""FakeBill24's rules, called directly: no HTTP involved."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import jwt
import pytest

from pytest_bizauth import Bill24Tokens, FakeBill24, SigningKey
from pytest_bizauth.core.wire import FakeRequest
from pytest_bizauth.vendors.bill24.fake import (
    INIT_PATH,
    JWKS_PATH,
    MERCHANT_PATH,
    PORTAL_PATH,
    VERIFY_PATH,
)
from pytest_bizauth.vendors.bill24.tokens import parse_expire_time

from .conftest import DAY, EPOCH_TS
from .helpers import json_request

SIX_HOURS = 21_600
SEED_PORTAL_KEYS = [
    "issuer",
    "token",
    "refreshToken",
    "tokenExpireTime",
    "userId",
    "email",
    "fullname",
    "permissions",
    "isNeedChangePassword",
    "passwordNeverExpire",
    "passwordExpireIn",
    "isPasswordExpire",
]
PORTAL_CLAIMS = [
    "nbf",
    "exp",
    "iss",
    "aud",
    "client_id",
    "sub",
    "auth_time",
    "idp",
    "role",
    "email",
    "username",
    "iat",
    "scope",
    "amr",
]
MERCHANT_CLAIMS = [
    "nbf",
    "exp",
    "iss",
    "aud",
    "client_id",
    "sub",
    "auth_time",
    "idp",
    "email",
    "username",
    "merchant_token",
    "iat",
    "scope",
    "amr",
]


def lookup(**keys):
    """A Checkout verify body: all four keys, as the verify page requires them."""
    return {"identity_code": "INV-1", "purpose_of_transaction": "13", "tran_id": "",
            "bank_ref": "", **keys}  # fmt: skip


TRANSACTION = {
    "identity_code": "INV-1",
    "currency": "KHR",
    "amount": 10000,
    "cancel_url": "https://shop.example.com/cancel",
    "redirect_url": "https://shop.example.com/done",
    "channel_code": "KHQR",
    "customers": [{"amount": 10000}],
    "purpose_of_transaction": "13",
}


@pytest.fixture(scope="module")
def other_key():
    return SigningKey.generate()


@pytest.fixture
def fake(frozen):
    return FakeBill24()


def portal(fake, **fields):
    user = fake.user
    body = {
        "email": user.email,
        "password": user.password,
        "clientId": user.client_id,
        "secret": user.secret,
        "refreshToken": "",
    }
    body.update(fields)
    return fake.handle(json_request(PORTAL_PATH, body))


def merchant(fake, **fields):
    m = fake.merchant
    body = {"token": m.token, "clientId": m.client_id, "secret": m.secret, "refreshToken": ""}
    body.update(fields)
    return fake.handle(json_request(MERCHANT_PATH, body))


def b64json(segment):
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def resource(fake, path, token, header="Authorization", fields=None):
    headers = {} if token is None else {header: f"Bearer {token}"}
    return fake.handle(json_request(path, TRANSACTION if fields is None else fields, **headers))


# -- the portal route ---------------------------------------------------------------------


def test_the_portal_answer_follows_the_seed_field_for_field(fake):
    reply = portal(fake)
    assert reply.status == 200
    assert list(reply.body) == SEED_PORTAL_KEYS
    body = reply.body
    assert body["issuer"] == "http://dc.oone.bz:40011"
    assert body["permissions"] is None
    assert body["passwordExpireIn"] == 2147483647
    assert (
        body["isNeedChangePassword"],
        body["passwordNeverExpire"],
        body["isPasswordExpire"],
    ) == (False, False, False)
    assert (body["userId"], body["email"]) == (fake.user.user_id, fake.user.email)


def test_the_schema_spelling_is_an_option(frozen):
    assert "passwordNeverExprie" in portal(FakeBill24(schema_spelling=True)).body


def test_the_access_token_header_and_claims(fake):
    token = portal(fake).body["token"]
    header_segment, payload_segment, _ = token.split(".")
    header = b64json(header_segment)
    assert list(header) == ["alg", "kid", "typ", "x5t"]
    assert header["alg"] == "RS256"
    assert header["typ"] == "at+jwt"
    assert header["kid"] == fake.tokens.key.kid
    assert len(header["kid"]) == 45
    assert header["kid"].endswith("RS256")
    assert header["kid"][:40] == header["kid"][:40].upper()
    assert base64.urlsafe_b64decode(header["x5t"] + "=").hex().upper() == header["kid"][:40]
    claims = b64json(payload_segment)
    assert list(claims) == PORTAL_CLAIMS
    assert claims["exp"] - claims["nbf"] == SIX_HOURS
    assert claims["nbf"] == claims["iat"] == claims["auth_time"] == EPOCH_TS
    assert claims["idp"] == "local"
    assert claims["amr"] == ["password"]
    assert claims["scope"][-1] == "offline_access"
    assert isinstance(claims["aud"], list)
    assert claims["sub"] == fake.user.user_id


def test_token_expire_time_is_exp_in_ict_with_seven_digits(fake, frozen):
    frozen.shift(0.9110603)
    body = portal(fake).body
    exp = jwt.decode(body["token"], options={"verify_signature": False})["exp"]
    assert re.fullmatch(r"2025-01-01T13:00:00\.911060\d\+07:00", body["tokenExpireTime"])
    assert int(parse_expire_time(body["tokenExpireTime"]).timestamp()) == exp


def test_refresh_tokens_are_64_hex_and_rotate(fake, frozen):
    first = portal(fake).body["refreshToken"]
    assert len(first) == 64
    assert first == first.upper()
    int(first, 16)
    frozen.shift(60)
    second = portal(fake, email="", password="", refreshToken=first.lower()).body
    assert second["refreshToken"] != first
    assert portal(fake, email="", password="", refreshToken=first).status == 200


def test_single_use_refresh_tokens(frozen):
    fake = FakeBill24(single_use_refresh=True)
    first = portal(fake).body["refreshToken"]
    assert portal(fake, refreshToken=first).status == 200
    reply = portal(fake, refreshToken=first)
    assert (reply.status, reply.body["message"]) == (401, "Invalid refresh token")


def test_a_refresh_token_expires_after_thirty_days_by_default(fake, frozen):
    token = portal(fake).body["refreshToken"]
    frozen.shift(30 * DAY - 1)
    assert portal(fake, refreshToken=token).status == 200
    frozen.shift(1)
    reply = portal(fake, refreshToken=token)
    assert reply.body == {
        "code": 401,
        "message": "Refresh token expired",
        "message_kh": "Refresh token expired",
        "data": None,
    }


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"password": "wrong"}, 401, "Invalid email or password"),
        ({"email": "nobody@example.com"}, 401, "Invalid email or password"),
        ({"secret": "wrong"}, 401, "Invalid client"),
        ({"clientId": "unknown"}, 401, "Invalid client"),
        (
            {"clientId": "bizauth_merchant_client", "secret": "merchant-client-secret"},
            401,
            "Invalid email or password",
        ),
        ({"email": ""}, 400, "email and password are required"),
        ({"password": None}, 400, "email and password are required"),
        ({"clientId": ""}, 400, "clientId and secret are required"),
        ({"secret": 5}, 400, "clientId and secret are required"),
        ({"refreshToken": "F" * 64}, 401, "Invalid refresh token"),
    ],
    ids=repr,
)
def test_portal_errors_use_the_invented_envelope(fake, fields, status, message):
    reply = portal(fake, **fields)
    assert reply.status == status
    assert reply.body == {"code": status, "message": message, "message_kh": message, "data": None}


@pytest.mark.parametrize("body", [b"{oops", b"[]", b"\xff"])
def test_unparseable_bodies_are_400(fake, body):
    request = FakeRequest.build("POST", PORTAL_PATH, {"Content-Type": "application/json"}, body)
    reply = fake.handle(request)
    assert (reply.status, reply.body["message"]) == (400, "Invalid request body")


def test_the_error_status_is_configurable(frozen):
    assert portal(FakeBill24(error_status=403), password="wrong").status == 403
    with pytest.raises(ValueError, match="4xx"):
        FakeBill24(error_status=500)


def test_a_refresh_token_is_bound_to_its_client(fake):
    token = portal(fake).body["refreshToken"]
    fake.add_client("other", "other-secret")
    reply = portal(fake, clientId="other", secret="other-secret", refreshToken=token)
    assert reply.body["message"] == "Invalid refresh token"


def test_a_removed_user_cannot_refresh_or_log_in(fake):
    token = portal(fake).body["refreshToken"]
    fake.remove_user(fake.user.email)
    assert portal(fake, refreshToken=token).body["message"] == "Invalid refresh token"
    assert portal(fake).status == 401


# -- the merchant route -------------------------------------------------------------------


def test_the_merchant_answer_is_the_envelope(fake):
    reply = merchant(fake)
    assert reply.status == 200
    assert list(reply.body) == ["code", "message", "data"]
    assert (reply.body["code"], reply.body["message"]) == (200, "")
    assert list(reply.body["data"]) == ["issuer", "token", "refreshToken", "tokenExpireTime"]


def test_merchant_claims(fake):
    claims = b64json(merchant(fake).body["data"]["token"].split(".")[1])
    assert list(claims) == MERCHANT_CLAIMS
    assert claims["amr"] == ["merchant_token"]
    assert claims["merchant_token"] == fake.merchant.token
    assert (claims["email"], claims["username"]) == ("", "API Integration")
    assert "role" not in claims
    merchant_apis = [
        "bill_gateway_api",
        "khqr_api",
        "notification_api",
        "subscription_management_api",
    ]
    assert claims["iss"] == fake.tokens.merchant_issuer == "http://192.168.197.18:23030"
    assert claims["aud"] == [*merchant_apis, f"{fake.tokens.merchant_issuer}/resources"]
    assert claims["scope"] == [*merchant_apis, "offline_access"]
    assert claims["exp"] - claims["nbf"] == SIX_HOURS


def test_portal_tokens_keep_the_seeds_audience(fake):
    claims = b64json(portal(fake).body["token"].split(".")[1])
    apis = ["bank_api", "khqr_api", "notification_api", "security_api"]
    assert claims["aud"] == [*apis, f"{fake.tokens.issuer}/resources"]
    assert claims["scope"] == [*apis, "offline_access"]


def test_refresh_through_either_route(fake, frozen):
    token = merchant(fake).body["data"]["refreshToken"]
    frozen.shift(1)
    reply = merchant(fake, token="", refreshToken=token)
    assert reply.status == 200
    fake.assert_refreshed(times=1)
    fake.assert_logged_in(times=1)


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"token": "00000000-0000-0000-0000-000000000000"}, 401, "Invalid merchant token"),
        ({"token": "not-a-uuid"}, 401, "Invalid merchant token"),
        ({"token": ""}, 400, "token is required"),
        ({"secret": "nope"}, 401, "Invalid client"),
    ],
    ids=repr,
)
def test_merchant_errors(fake, fields, status, message):
    reply = merchant(fake, **fields)
    assert (reply.status, reply.body["message"]) == (status, message)


def test_merchant_tokens_compare_case_insensitively(fake):
    assert merchant(fake, token=fake.merchant.token.upper()).status == 200


# -- protected endpoints ------------------------------------------------------------------


@pytest.mark.parametrize("header", ["Authorization", "token"])
def test_init_takes_the_bearer_in_either_header(fake, header):
    reply = resource(fake, INIT_PATH, portal(fake).body["token"], header)
    assert reply.status == 200
    assert reply.body["code"] == "SUCCESS"
    assert reply.body["message"] == "Transaction init successful"
    assert reply.body["message_kh"] == "បង្កើតប្រតិបត្តិការជោគជ័យ"
    assert reply.body["data"]["identity_code"] == "INV-1"


def test_verify_finds_what_init_created(fake):
    token = portal(fake).body["token"]
    tran_id = resource(fake, INIT_PATH, token).body["data"]["tran_id"]
    for query in (lookup(tran_id=tran_id), lookup(), lookup(bank_ref="")):
        reply = resource(fake, VERIFY_PATH, token, fields=query)
        assert (reply.body["code"], reply.body["message"]) == ("SUCCESS", "Transaction found")
        assert reply.body["data"]["tran_id"] == tran_id
    missing = resource(fake, VERIFY_PATH, token, fields=lookup(tran_id="NOPE"))
    assert (missing.status, missing.body["code"], missing.body["data"]) == (
        200,
        "ERR_NOT_FOUND",
        None,
    )


def _documented_checkout_fields():
    """What the fidelity page says Checkout's init requires (not imported from the fake:
    the test holds the fake to the page, which cites the vendor's)."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "fidelity.md").read_text()
    row = next(line for line in page.splitlines() if "/verify`, Checkout" in line)
    required = row.split("`init` requires", 1)[1].split(";", 1)[0]
    return list(dict.fromkeys(re.findall(r"`(\w+)`", required.split("(each")[0])))


CHECKOUT_REQUIRED = _documented_checkout_fields()
KHQR = {
    "identity_code": "INV-7",
    "currency": "USD",
    "amount": 5,
    "channel_code": "1",
    "purpose_of_transaction": "13",
}


def missed(reply):
    assert (reply.status, reply.body["code"], reply.body["data"]) == (200, "ERR_MISSED_FIELD", None)
    assert reply.body["message"] == reply.body["message_kh"]
    return reply.body["message"]


# What the vendor's own Checkout example sends as "": present, so not missing.
SENT_EMPTY = {"cancel_url", "channel_code"}


@pytest.mark.parametrize("missing", CHECKOUT_REQUIRED)
@pytest.mark.parametrize("how", ["absent", "null", "empty"])
def test_checkout_init_names_the_missing_field(fake, missing, how):
    fields = {k: v for k, v in TRANSACTION.items() if k != missing}
    if how != "absent":
        fields[missing] = None if how == "null" else ""
    reply = resource(fake, INIT_PATH, portal(fake).body["token"], fields=fields)
    if how == "empty" and missing in SENT_EMPTY:
        assert reply.body["code"] == "SUCCESS"
    else:
        assert missed(reply) == f"Please provide [{missing}]."


def test_several_missing_fields_name_the_first_in_the_schemas_order(fake):
    fields = {"amount": 5, "customers": [{"amount": 5}]}
    reply = resource(fake, INIT_PATH, portal(fake).body["token"], fields=fields)
    assert missed(reply) == "Please provide [identity_code]."


@pytest.mark.parametrize(
    ("customers", "says"),
    [
        ([], "Please provide [customers]."),
        ("C-1", "[customers] must be a list of customers. Please adjust and retry."),
        ([{"code": "C-1"}], "Please provide [customers[0].amount]."),
        (["C-1"], "[customers[0]] must be an object. Please adjust and retry."),
    ],
)
def test_checkout_customers_each_need_an_amount(fake, customers, says):
    fields = {**TRANSACTION, "customers": customers}
    reply = resource(fake, INIT_PATH, portal(fake).body["token"], fields=fields)
    assert missed(reply) == says


@pytest.mark.parametrize("key", ["identity_code", "purpose_of_transaction", "tran_id", "bank_ref"])
def test_checkout_verify_needs_all_four_keys_as_its_page_marks_them(fake, key):
    token = portal(fake).body["token"]
    resource(fake, INIT_PATH, token)
    without = {k: v for k, v in lookup().items() if k != key}
    assert missed(resource(fake, VERIFY_PATH, token, fields=without)) == f"Please provide [{key}]."
    blank = resource(fake, VERIFY_PATH, token, fields=lookup(**{key: ""}))
    if key in ("tran_id", "bank_ref"):  # the page's example sends these two as ""
        assert blank.body["code"] == "SUCCESS"
    else:
        assert missed(blank) == f"Please provide [{key}]."


def test_the_khqr_product_has_its_own_schema(frozen):
    fake = FakeBill24(product="khqr")
    token = portal(fake).body["token"]
    created = resource(fake, INIT_PATH, token, fields=KHQR)
    assert created.body["code"] == "SUCCESS"
    for missing in KHQR:
        fields = {k: v for k, v in KHQR.items() if k != missing}
        assert missed(resource(fake, INIT_PATH, token, fields=fields)) == (
            f"Please provide [{missing}]."
        )
    only_code = resource(fake, VERIFY_PATH, token, fields={"identity_code": "INV-7"})
    assert missed(only_code) == "Please provide [purpose_of_transaction]."
    both = {"identity_code": "INV-7", "purpose_of_transaction": "13"}
    found = resource(fake, VERIFY_PATH, token, fields=both)
    assert found.body["data"]["tran_id"] == created.body["data"]["tran_id"]


def test_a_checkout_request_without_a_purpose_is_refused_by_khqr(frozen):
    fake = FakeBill24(product="khqr")
    fields = {k: v for k, v in TRANSACTION.items() if k != "purpose_of_transaction"}
    reply = resource(fake, INIT_PATH, portal(fake).body["token"], fields=fields)
    assert missed(reply) == "Please provide [purpose_of_transaction]."


@pytest.mark.parametrize("product", ["", "deeplink", None, 3])
def test_an_unknown_product_names_the_choices(frozen, product):
    with pytest.raises(ValueError, match="'checkout' or 'khqr'"):
        FakeBill24(product=product)


def test_tran_date_has_microseconds_in_local_time(fake, frozen):
    token = portal(fake).body["token"]
    tran_id = resource(fake, INIT_PATH, token).body["data"]["tran_id"]
    found = resource(fake, VERIFY_PATH, token, fields=lookup(tran_id=tran_id)).body["data"]
    # the clock starts at 2025-01-01T00:00:00Z: 07:00 in Phnom Penh
    assert found["tran_date"] == "2025-01-01T07:00:00.000000"
    frozen.shift(1.253174)
    resource(fake, INIT_PATH, token, fields={**TRANSACTION, "identity_code": "INV-2"})
    assert fake.transactions[-1].tran_date == "2025-01-01T07:00:01.253174"


def test_token_expire_time_fractions_follow_the_clock(fake, frozen):
    frozen.shift(0.9110603)
    body = portal(fake).body
    assert body["tokenExpireTime"][:26] == "2025-01-01T13:00:00.911060"
    assert portal(fake).body["tokenExpireTime"] == body["tokenExpireTime"]  # deterministic


def test_the_seventh_fractional_digit_is_not_always_zero(fake, frozen):
    digits = set()
    for _ in range(40):
        frozen.shift(0.000001)
        digits.add(portal(fake).body["tokenExpireTime"][26])
    assert len(digits) > 3


STATIC = "khqr-static-3f9a"


def test_a_static_token_is_taken_only_when_configured(frozen):
    headers = {"token": STATIC}
    plain = FakeBill24()
    reply = plain.handle(json_request(INIT_PATH, TRANSACTION, **headers))
    assert (reply.status, reply.content()) == (401, b"")
    fake = FakeBill24(static_token=STATIC)
    for path, body in ((INIT_PATH, TRANSACTION), (VERIFY_PATH, lookup())):
        reply = fake.handle(json_request(path, body, **headers))
        assert (reply.status, reply.body["code"]) == (200, "SUCCESS")
    for wrong in (
        {"token": STATIC + "x"},
        {"token": f"Bearer {STATIC}"},
        {"Authorization": STATIC},
    ):
        reply = fake.handle(json_request(INIT_PATH, TRANSACTION, **wrong))
        assert reply.status == 401, wrong
    assert STATIC not in repr(fake.calls)


@pytest.mark.parametrize(
    "make",
    [
        lambda f, t: None,
        lambda f, t: "not.a.jwt",
        lambda f, t: f.tokens.tampered(t),
        lambda f, t: f.tokens.expired_access(),
        lambda f, t: "OTHER-KEY",
        lambda f, t: portal(f).body["refreshToken"],
        lambda f, t: f.tokens.access(issued_at=EPOCH_TS + 60),
    ],
    ids=["missing", "malformed", "tampered", "expired", "other-key", "refresh-token", "not-yet"],
)
def test_a_bad_bearer_is_an_empty_401_with_www_authenticate(fake, make, other_key):
    token = portal(fake).body["token"]
    bad = make(fake, token)
    if bad == "OTHER-KEY":
        bad = fake.tokens.signed_with(other_key)
    for path in (INIT_PATH, VERIFY_PATH):
        reply = resource(fake, path, bad)
        assert (reply.status, reply.content()) == (401, b"")
        challenge = reply.headers["WWW-Authenticate"]
        if bad == fake.tokens.expired_access():
            assert challenge == (
                'Bearer error="invalid_token", error_description="The token expired at '
                "'12/31/2024 23:59:59'\""
            )
        else:
            assert challenge == 'Bearer error="invalid_token"'


def test_an_access_token_is_valid_until_exp(fake, frozen):
    token = portal(fake).body["token"]
    frozen.travel_to_just_before(token)
    assert resource(fake, INIT_PATH, token).status == 200
    frozen.travel_past(token, by=0)
    assert resource(fake, INIT_PATH, token).status == 401


# -- keys, discovery, factory --------------------------------------------------------------


def test_jwks_verifies_the_issued_tokens(fake):
    token = portal(fake).body["token"]
    jwks = jwt.PyJWKSet.from_dict(fake.handle(FakeRequest.build("GET", JWKS_PATH)).body)
    key = jwks[jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience="bank_api",
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )
    assert claims["email"] == fake.user.email


def test_discovery_points_at_the_jwks(fake):
    document = fake.handle(FakeRequest.build("GET", "/.well-known/openid-configuration")).body
    assert document["jwks_uri"] == "https://merchantapi-demo.bill24.io" + JWKS_PATH
    assert document["issuer"] == fake.tokens.issuer


def test_the_factory_mints_what_the_fake_mints(fake):
    body = portal(fake).body
    assert body["token"] == fake.tokens.access()
    assert body["tokenExpireTime"] == fake.tokens.expire_time(body["token"])
    assert fake.tokens.merchant_access() == merchant(fake).body["data"]["token"]


def test_own_keys_and_lifetimes(frozen, other_key):
    fake = FakeBill24(signing_key=other_key, access_ttl=600, issuer="https://id.example.com")
    claims = Bill24Tokens(other_key).decode(portal(fake).body["token"])
    assert claims["exp"] - claims["nbf"] == 600
    assert claims["iss"] == "https://id.example.com"
    assert claims["aud"][-1] == "https://id.example.com/resources"
    with pytest.raises(jwt.InvalidSignatureError):
        Bill24Tokens().decode(portal(fake).body["token"])


def test_keys_load_from_pem_and_refuse_garbage(other_key):
    from cryptography.hazmat.primitives import serialization

    key = other_key
    pem = key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert SigningKey.from_pem(pem).kid == key.kid
    with pytest.raises(ValueError, match="could not load the PEM"):
        SigningKey.from_pem(b"not a key")


def test_the_call_log_hides_secrets_and_tokens(fake):
    body = merchant(fake).body["data"]
    log = repr(fake.calls) + fake.format_calls()
    for secret in (fake.merchant.secret, fake.merchant.token, body["token"], body["refreshToken"]):
        assert secret not in log
    assert fake.merchant.token not in repr(fake.merchant)
    assert fake.user.password not in repr(fake.user)


def test_discovery_names_the_host_it_was_asked_on(fake):
    asked = FakeRequest.build(
        "GET", "/.well-known/openid-configuration", {"Host": "127.0.0.1:8002"}
    )
    document = fake.handle(asked).body
    assert document["jwks_uri"] == "http://127.0.0.1:8002/.well-known/openid-configuration/jwks"
    own = FakeRequest.build(
        "GET", "/.well-known/openid-configuration", {"Host": "merchantapi-demo.bill24.io"}
    )
    assert fake.handle(own).body["jwks_uri"].startswith("https://merchantapi-demo.bill24.io/")
