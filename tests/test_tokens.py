from __future__ import annotations

import jwt
import pytest

from pytest_bizauth import BizMailTokens, BizMailUser

from .conftest import DAY, EPOCH_TS, NINETY_DAYS


@pytest.fixture
def tokens(frozen):
    return BizMailTokens()


def claims_of(token):
    return jwt.decode(token, options={"verify_signature": False})


def test_access_and_refresh_lifetimes(tokens):
    assert claims_of(tokens.access())["exp"] == EPOCH_TS + DAY
    assert claims_of(tokens.refresh())["exp"] == EPOCH_TS + NINETY_DAYS
    assert claims_of(tokens.access(lifetime=5))["exp"] == EPOCH_TS + 5


def test_any_user_and_instant(tokens):
    token = tokens.access(
        username="x@y.z", user_id="b" * 24, domain_uuid="d", issued_at="2024-01-01T00:00:00Z"
    )
    claims = claims_of(token)
    assert claims["username"] == "x@y.z"
    assert claims["user_id"] == "b" * 24
    assert claims["domain_uuid"] == "d"
    assert claims["iat"] == 1704067200
    other = BizMailUser.create("other@example.com", "pw")
    assert claims_of(tokens.refresh(user=other))["user_id"] == other.user_id


def test_extra_claims_keep_the_documented_order_and_append(tokens):
    claims = claims_of(tokens.access(extra_claims={"type": "weird", "scope": "x"}))
    assert list(claims) == ["user_id", "username", "domain_uuid", "type", "iat", "exp", "scope"]
    assert claims["type"] == "weird"


def test_expired_variants(tokens):
    assert claims_of(tokens.expired_access())["exp"] == EPOCH_TS - 1
    assert claims_of(tokens.expired_refresh(by=60))["exp"] == EPOCH_TS - 60
    with pytest.raises(jwt.ExpiredSignatureError):
        tokens.decode(tokens.expired_access())


def test_tampered_and_foreign_tokens_fail_verification(tokens):
    token = tokens.access()
    assert tokens.decode(token)["type"] == "access"
    for bad in (
        tokens.tampered(token),
        tokens.signed_with("a-completely-different-secret-32-bytes"),
    ):
        with pytest.raises(jwt.InvalidSignatureError):
            tokens.decode(bad)


def test_wrong_type_swaps_and_resigns(tokens):
    swapped = tokens.wrong_type(tokens.access())
    assert tokens.decode(swapped)["type"] == "refresh"
    assert tokens.decode(tokens.wrong_type(swapped))["type"] == "access"


def test_same_instant_same_token(tokens, frozen):
    assert tokens.access() == tokens.access()
    frozen.shift(1)
    assert tokens.access() != BizMailTokens().access(issued_at=EPOCH_TS)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"secret": "short"}, ValueError, "at least 32 bytes"),
        ({"secret": b"x" * 40}, TypeError, "must be a string"),
        ({"access_ttl": 0}, ValueError, "more than 0"),
        ({"refresh_ttl": 1.5}, TypeError, "whole number of seconds"),
    ],
)
def test_bad_configuration_is_explained(kwargs, error, message):
    with pytest.raises(error, match=message):
        BizMailTokens(**kwargs)


def test_bad_token_types_and_issue_instants_are_explained(tokens):
    with pytest.raises(ValueError, match="'access' or 'refresh'"):
        tokens.claims("id")
    with pytest.raises(TypeError, match="issued_at"):
        tokens.access(issued_at=True)
    with pytest.raises(ValueError, match="no signature"):
        tokens.tampered("abc")


def test_repr_shows_no_secret(tokens):
    assert "secret" not in repr(tokens).lower()
