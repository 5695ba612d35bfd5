"""FakeBizMail's rules, called directly: no HTTP involved."""

from __future__ import annotations

import json

import jwt
import pytest

from pytest_bizauth import FakeBizMail
from pytest_bizauth.core.wire import FakeRequest
from pytest_bizauth.vendors.bizmail.fake import MAIL_PATH, REFRESH_PATH, TOKEN_PATH

from .conftest import DAY, EPOCH_TS, NINETY_DAYS
from .helpers import json_request, multipart_request, urlencoded_request


@pytest.fixture
def fake(frozen):
    return FakeBizMail()


def login(fake, username=None, password=None):
    user = fake.user
    return fake.handle(
        json_request(
            TOKEN_PATH,
            {"username": username or user.username, "password": password or user.password},
        )
    )


def refresh(fake, token):
    return fake.handle(json_request(REFRESH_PATH, {"refresh_token": token}))


MAIL = {
    "from": "a@example.com",
    "from_name": "A",
    "to": "b@example.com",
    "subject": "Hi",
    "text": "Hello",
}


def store(fake, token, fields=None):
    fields = fields if fields is not None else MAIL
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return fake.handle(multipart_request(MAIL_PATH, fields, **headers))


def body_text(reply):
    return reply.content().decode()


# -- /api/1.0/auth/token ------------------------------------------------------------------


def test_login_answers_the_documented_body_in_the_documented_order(fake):
    reply = login(fake)
    assert reply.status == 200
    assert list(reply.body) == [
        "success",
        "access_token",
        "refresh_token",
        "token_type",
        "expires_in",
    ]
    assert reply.body["success"] is True
    assert reply.body["token_type"] == "Bearer"
    assert reply.body["expires_in"] == 86400
    assert reply.all_headers()["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "build",
    [
        lambda u, p: json_request(TOKEN_PATH, {"username": u, "password": p}),
        lambda u, p: urlencoded_request(TOKEN_PATH, f"username={u}&password={p}"),
        lambda u, p: multipart_request(TOKEN_PATH, {"username": u, "password": p}),
    ],
    ids=["json", "urlencoded", "hand-built-multipart"],
)
def test_login_accepts_every_content_type(fake, build):
    reply = fake.handle(build(fake.user.username, fake.user.password))
    assert reply.status == 200


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"username": "bizauth-user@example.com"},
        {"password": "x"},
        {"username": "", "password": "x"},
        {"username": "u", "password": ""},
        {"username": 5, "password": "x"},
        {"username": None, "password": "x"},
    ],
    ids=repr,
)
def test_login_without_both_fields_is_the_documented_400(fake, fields):
    reply = fake.handle(json_request(TOKEN_PATH, fields))
    assert (reply.status, body_text(reply)) == (
        400,
        '{"success":false,"message":"username and password are required"}',
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"username=a", "text/plain"),
        (b"garbage", "multipart/form-data; boundary=xyz"),
        (
            b'--xyz\r\nContent-Disposition: form-data; name="username"\r\n\r\nu\r\n',
            "multipart/form-data; boundary=xyz",
        ),
        (b"", "multipart/form-data"),
    ],
    ids=[
        "bad-json",
        "json-array",
        "not-utf8",
        "unknown-type",
        "no-parts",
        "truncated",
        "no-boundary",
    ],
)
def test_an_unparseable_body_is_treated_as_missing_fields(fake, body, content_type):
    reply = fake.handle(FakeRequest.build("POST", TOKEN_PATH, {"Content-Type": content_type}, body))
    assert reply.status == 400
    assert reply.body == {"success": False, "message": "username and password are required"}


@pytest.mark.parametrize(
    ("username", "password"),
    [("bizauth-user@example.com", "wrong"), ("nobody@example.com", "correct-horse-battery")],
)
def test_wrong_credentials_are_the_documented_401(fake, username, password):
    reply = login(fake, username, password)
    assert (reply.status, body_text(reply)) == (
        401,
        '{"success":false,"message":"Invalid credentials"}',
    )


def test_tokens_carry_the_documented_header_and_claims_in_order(fake):
    body = login(fake).body
    for token, kind, lifetime in (
        (body["access_token"], "access", DAY),
        (body["refresh_token"], "refresh", NINETY_DAYS),
    ):
        header_segment, payload_segment, _ = token.split(".")
        assert jwt.utils.base64url_decode(header_segment) == b'{"alg":"HS256","typ":"JWT"}'
        claims = json.loads(jwt.utils.base64url_decode(payload_segment))
        assert list(claims) == ["user_id", "username", "domain_uuid", "type", "iat", "exp"]
        assert claims["type"] == kind
        assert claims["iat"] == EPOCH_TS
        assert claims["exp"] - claims["iat"] == lifetime
        assert claims["username"] == fake.user.username
        assert claims["user_id"] == fake.user.user_id
        assert claims["domain_uuid"] == fake.user.domain_uuid


def test_derived_ids_are_shaped_like_the_vendors():
    # the seed's: an ObjectId ("61d64e2f...", made in 2022) and a version 4 UUID
    import datetime as dt
    import re
    import uuid

    fake = FakeBizMail()
    for user in (fake.user, fake.add_user("bizfly", "pw"), fake.add_user("ü", "pw")):
        assert re.fullmatch(r"[0-9a-f]{24}", user.user_id)
        made = dt.datetime.fromtimestamp(int(user.user_id[:8], 16), dt.timezone.utc)
        assert made.year == 2022
        assert uuid.UUID(user.domain_uuid).version == 4


def test_two_logins_at_one_instant_are_byte_identical(fake):
    assert login(fake).body == login(fake).body


def test_the_lifetimes_follow_the_clock(frozen):
    fake = FakeBizMail(access_ttl=60, refresh_ttl=120)
    body = login(fake).body
    assert body["expires_in"] == 60
    assert (
        jwt.decode(body["refresh_token"], options={"verify_signature": False})["exp"]
        == EPOCH_TS + 120
    )


def test_an_injected_500_answers_the_documented_body(fake):
    fake.fail_next("token")
    reply = login(fake)
    assert (reply.status, body_text(reply)) == (
        500,
        '{"success":false,"message":"Internal server error"}',
    )
    assert login(fake).status == 200


# -- /api/1.0/auth/refresh ----------------------------------------------------------------


def test_refresh_rotates_the_pair(fake, frozen):
    first = login(fake).body
    frozen.shift(10)
    second = refresh(fake, first["refresh_token"])
    assert second.status == 200
    assert list(second.body) == list(first)
    assert second.body["refresh_token"] != first["refresh_token"]
    assert second.body["access_token"] != first["access_token"]


def test_the_old_refresh_token_stays_valid_by_default(fake, frozen):
    old = login(fake).body["refresh_token"]
    frozen.shift(10)
    assert refresh(fake, old).status == 200
    frozen.shift(10)
    assert refresh(fake, old).status == 200


@pytest.mark.parametrize("fields", [{}, {"refresh_token": ""}, {"refresh_token": 7}], ids=repr)
def test_refresh_without_a_token_is_the_documented_400(fake, fields):
    reply = fake.handle(json_request(REFRESH_PATH, fields))
    assert (reply.status, body_text(reply)) == (
        400,
        '{"success":false,"message":"refresh_token is required"}',
    )


def test_refresh_token_is_valid_until_one_second_before_exp(fake, frozen):
    token = login(fake).body["refresh_token"]
    frozen.travel_to_just_before(token)
    assert refresh(fake, token).status == 200


@pytest.mark.parametrize("past", [0, 1])
def test_an_expired_refresh_token_is_the_documented_401(fake, frozen, past):
    token = login(fake).body["refresh_token"]
    frozen.travel_past(token, by=past)
    reply = refresh(fake, token)
    assert (reply.status, body_text(reply)) == (
        401,
        '{"success":false,"message":"Refresh token expired"}',
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda f, t: f.tokens.tampered(t),
        lambda f, t: "not-a-jwt",
        lambda f, t: login(f).body["access_token"],
        lambda f, t: f.tokens.signed_with("another-secret-of-at-least-32-bytes!!", "refresh"),
        lambda f, t: f.tokens.expired_access(),
    ],
    ids=["tampered", "not-a-jwt", "access-token", "other-secret", "expired-access-token"],
)
def test_a_bad_refresh_token_is_the_documented_401(fake, make):
    token = login(fake).body["refresh_token"]
    reply = refresh(fake, make(fake, token))
    assert (reply.status, body_text(reply)) == (
        401,
        '{"success":false,"message":"Invalid refresh token"}',
    )


def test_a_removed_users_refresh_token_gets_user_not_found(fake):
    token = login(fake).body["refresh_token"]
    fake.remove_user(fake.user.username)
    reply = refresh(fake, token)
    assert (reply.status, body_text(reply)) == (401, '{"success":false,"message":"User not found"}')
    assert login(fake).status == 401


def test_single_use_refresh_tokens_can_be_spent_once(frozen):
    fake = FakeBizMail(single_use_refresh=True)
    first = login(fake).body["refresh_token"]
    frozen.shift(1)
    second = refresh(fake, first).body["refresh_token"]
    assert refresh(fake, first).body == {"success": False, "message": "Invalid refresh token"}
    assert refresh(fake, second).status == 200


def test_single_use_still_works_at_one_frozen_instant(frozen):
    """At one instant the re-issued token is byte-identical: each issued copy is spendable."""
    fake = FakeBizMail(single_use_refresh=True)
    token = login(fake).body["refresh_token"]
    again = refresh(fake, token).body["refresh_token"]
    assert again == token
    assert refresh(fake, again).status == 200
    fake_two = FakeBizMail(single_use_refresh=True)
    minted = fake_two.tokens.refresh()
    assert refresh(fake_two, minted).status == 200
    assert refresh(fake_two, fake_two.tokens.refresh(issued_at=EPOCH_TS - 5)).status == 200
    assert refresh(fake_two, fake_two.tokens.refresh(issued_at=EPOCH_TS - 5)).status == 401


# -- /api/1.0/mail/store ------------------------------------------------------------------


def test_a_mail_is_stored_with_a_valid_access_token(fake):
    reply = store(fake, login(fake).body["access_token"])
    assert reply.status == 200
    assert reply.body["success"] is True
    assert reply.body["data"]["id"] == fake.mails[0].id
    assert fake.mails[0]["subject"] == "Hi"


@pytest.mark.parametrize("header", [None, "Basic abc", "Bearer", "Bearer not.a.jwt"])
def test_a_missing_or_invalid_bearer_is_401(fake, header):
    headers = {} if header is None else {"Authorization": header}
    reply = fake.handle(multipart_request(MAIL_PATH, MAIL, **headers))
    assert reply.body == {"success": False, "message": "Missing or invalid token"}
    assert reply.status == 401


def test_a_refresh_token_as_bearer_is_invalid(fake):
    reply = store(fake, login(fake).body["refresh_token"])
    assert (reply.status, reply.body["message"]) == (401, "Missing or invalid token")


def test_an_access_token_expires_at_exp(fake, frozen):
    token = login(fake).body["access_token"]
    frozen.travel_to_just_before(token)
    assert store(fake, token).status == 200
    frozen.travel_past(token)
    reply = store(fake, token)
    assert (reply.status, reply.body) == (401, {"success": False, "message": "Token expired"})


def test_a_tampered_expired_token_is_invalid_not_expired(fake, frozen):
    token = login(fake).body["access_token"]
    frozen.travel_past(token)
    assert store(fake, fake.tokens.tampered(token)).body["message"] == "Missing or invalid token"


@pytest.mark.parametrize("missing", ["from", "from_name", "to", "subject", "text"])
def test_missing_mail_fields_are_a_validation_400(fake, missing):
    fields = dict(MAIL)
    del fields[missing]
    reply = store(fake, login(fake).body["access_token"], fields)
    assert reply.status == 400
    assert reply.body["success"] is False
    assert reply.body["message"] == "Validation error"
    assert missing in reply.body["errors"]


@pytest.mark.parametrize(("length", "status"), [(255, 200), (256, 400)])
def test_from_name_is_at_most_255_characters(fake, length, status):
    fields = {**MAIL, "from_name": "n" * length}
    reply = store(fake, login(fake).body["access_token"], fields)
    assert reply.status == status
    if status == 400:
        assert reply.body["errors"] == {"from_name": "from_name must be at most 255 characters"}


def test_the_refresh_pages_500_is_served_by_a_fault(fake):
    refresh_token = login(fake).body["refresh_token"]
    fake.fail_next("refresh", 500)
    reply = fake.handle(json_request("/api/1.0/auth/refresh", {"refresh_token": refresh_token}))
    assert (reply.status, reply.body) == (
        500,
        {"success": False, "message": "Internal server error"},
    )


@pytest.mark.parametrize(
    "sender",
    ["not-an-email", "a@b", "a b@example.com", "a@@example.com", "x" * 244 + "@example.com"],
)
def test_an_invalid_or_overlong_from_is_a_validation_400(fake, sender):
    fields = {**MAIL, "from": sender}
    reply = store(fake, login(fake).body["access_token"], fields)
    assert (reply.status, reply.body["message"]) == (400, "Validation error")
    assert "255 characters" in reply.body["errors"]["from"]


def test_a_from_of_exactly_255_characters_is_accepted(fake):
    sender = "x" * 243 + "@example.com"
    assert len(sender) == 255
    assert store(fake, login(fake).body["access_token"], {**MAIL, "from": sender}).status == 200


def test_a_json_mail_is_a_validation_400_unless_accepted(fake):
    token = login(fake).body["access_token"]
    reply = fake.handle(json_request(MAIL_PATH, MAIL, Authorization=f"Bearer {token}"))
    assert (reply.status, reply.body["errors"]) == (
        400,
        {"body": "send the mail as multipart/form-data"},
    )
    fake.accept_json_mail = True
    reply = fake.handle(json_request(MAIL_PATH, MAIL, Authorization=f"Bearer {token}"))
    assert reply.status == 200


def test_a_urlencoded_mail_is_refused_as_the_page_requires_multipart(fake):
    from urllib.parse import urlencode

    token = login(fake).body["access_token"]
    request = urlencoded_request(MAIL_PATH, urlencode(MAIL), Authorization=f"Bearer {token}")
    reply = fake.handle(request)
    assert (reply.status, reply.body["errors"]) == (
        400,
        {"body": "send the mail as multipart/form-data"},
    )


def test_html_alone_is_a_body_and_to_brackets_are_recipients(fake):
    fields = {
        "from": "a@example.com",
        "from_name": "A",
        "to[]": "b@example.com",
        "subject": "s",
        "html": "<p>",
    }
    assert store(fake, login(fake).body["access_token"], fields).status == 200
    assert fake.mails[0].fields["to"] == ["b@example.com"]


def test_attachments_over_20_mb_are_refused(fake):
    token = login(fake).body["access_token"]
    boundary = "b0undary"
    big = b"x" * (20 * 1024 * 1024 + 1)
    fields = {"from": "a@x.io", "from_name": "A", "to": "b@x.io", "subject": "s", "text": "t"}
    body = b"".join(
        [
            *(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode()
                + f"{v}\r\n".encode()
                for k, v in fields.items()
            ),
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments[]"; '
            f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode(),
            big,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    request = FakeRequest.build(
        "POST",
        MAIL_PATH,
        {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Bearer {token}",
        },
        body,
    )
    reply = fake.handle(request)
    assert (reply.status, reply.body) == (
        400,
        {"success": False, "message": "Attachment too large"},
    )


def test_a_removed_users_access_token_is_refused(fake):
    token = login(fake).body["access_token"]
    fake.remove_user(fake.user.username)
    assert store(fake, token).status == 401


# -- accounts, routes, call log -----------------------------------------------------------


def test_added_users_log_in_and_carry_their_ids(fake):
    user = fake.add_user(
        "ops@example.com",
        "pw-1",
        user_id="a" * 24,
        domain_uuid="12345678-1234-5678-1234-567812345678",
    )
    body = login(fake, "ops@example.com", "pw-1").body
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert (claims["user_id"], claims["domain_uuid"]) == (user.user_id, user.domain_uuid)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"user_id": "XYZ"}, "24 lower-case hexadecimal"),
        ({"domain_uuid": "nope"}, "is not a UUID"),
    ],
)
def test_bad_account_ids_are_refused_clearly(fake, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fake.add_user("x@example.com", "pw", **kwargs)


def test_duplicate_and_unknown_users_are_clear_errors(fake):
    with pytest.raises(ValueError, match="already has a user"):
        fake.add_user(fake.user.username, "pw")
    with pytest.raises(KeyError, match="has no user 'ghost'"):
        fake.remove_user("ghost")


def test_an_unknown_path_is_not_answered_and_is_remembered(fake):
    assert fake.handle(FakeRequest.build("GET", "/api/1.0/nope")) is None
    with pytest.raises(AssertionError, match=r"GET /api/1.0/nope(.|\n)*POST /api/1.0/auth/token"):
        fake.verify()


def test_the_call_log_redacts_passwords_and_tokens(fake):
    body = login(fake).body
    refresh(fake, body["refresh_token"])
    store(fake, body["access_token"])
    log = repr(fake.calls) + fake.format_calls()
    assert fake.user.password not in log
    for token in (body["access_token"], body["refresh_token"]):
        assert token not in log
        assert token[:20] not in log
    assert fake.token_calls[0].request["password"] == "***"
    assert fake.refresh_calls[0].request["refresh_token"].startswith("eyJhbG...")
    assert fake.mail_calls[0].request["authorization"].startswith("Bearer eyJhbG...")


def test_assertions_count_successes_and_explain_failures(fake, frozen):
    login(fake, password="wrong")
    with pytest.raises(AssertionError, match="at least once") as failure:
        fake.assert_logged_in()
    assert "-> 401 'Invalid credentials'" in str(failure.value)
    token = login(fake).body["refresh_token"]
    fake.assert_logged_in(times=1)
    fake.assert_not_refreshed()
    refresh(fake, token)
    fake.assert_refreshed()
    fake.assert_refreshed(times=1)
    with pytest.raises(AssertionError, match="refreshed 2 times, but it refreshed once"):
        fake.assert_refreshed(times=2)
    with pytest.raises(AssertionError, match="refreshed 0 times"):
        fake.assert_not_refreshed()
    with pytest.raises(ValueError, match="whole number"):
        fake.assert_refreshed(times=-1)


@pytest.mark.parametrize("endpoint", ["token", "/api/1.0/auth/token", "POST /api/1.0/auth/token"])
def test_endpoints_are_named_by_name_or_path(fake, endpoint):
    fake.fail_next(endpoint, 503, times=2)
    assert [login(fake).status for _ in range(3)] == [503, 503, 200]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"endpoint": "nope"}, "has no endpoint 'nope'; use one of: 'token'"),
        ({"endpoint": "token", "status": 42}, "HTTP status code"),
        ({"endpoint": "token", "times": 0}, "times must be"),
        ({"endpoint": "token", "error": "dns"}, "error must be one of"),
    ],
)
def test_fault_injection_refuses_bad_input(fake, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fake.fail_next(**kwargs)


def test_a_network_fault_is_logged_without_a_status(fake):
    fake.fail_next("token", error="timeout")
    assert login(fake).fault == "timeout"
    assert fake.calls[0].status is None
    assert "-> timeout" in fake.format_calls()


def test_unfired_faults_fail_verification_and_can_be_cleared(fake):
    fake.fail_next("refresh")
    with pytest.raises(AssertionError, match="never fired"):
        fake.verify()
    fake.clear_faults("refresh")
    fake.verify()


def test_a_long_running_fake_keeps_the_latest_mails(fake, monkeypatch):
    from pytest_bizauth.vendors.bizmail import state

    monkeypatch.setattr(state, "MAX_MAILS", 2)
    token = login(fake).body["access_token"]
    for n in range(4):
        assert store(fake, token, {**MAIL, "subject": f"s{n}"}).status == 200
    assert [mail["subject"] for mail in fake.mails] == ["s2", "s3"]
