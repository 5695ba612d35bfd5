"""Token factories: mint exactly the tokens the fakes mint, for any user and instant."""

from __future__ import annotations

import datetime as _dt
import functools
import json
from typing import TYPE_CHECKING, Any, Union

from . import _jwt
from .accounts import DEFAULT_BIZMAIL_USER, BizMailUser
from .clock import Instant, parse_instant, timestamp

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["DEFAULT_BIZMAIL_SECRET", "BizMailTokens"]

#: The HS256 secret a :class:`~pytest_bizauth.FakeBizMail` signs with unless told otherwise.
DEFAULT_BIZMAIL_SECRET = "pytest-bizauth/bizmail/hs256-test-secret/not-for-production"
BIZMAIL_ACCESS_TTL = 86_400
BIZMAIL_REFRESH_TTL = 7_776_000
_MIN_SECRET_BYTES = 32
_TOKEN_TYPES = ("access", "refresh")

IssuedAt = Union[Instant, int, float]


def _epoch(value: IssuedAt | None) -> int:
    if value is None:
        return int(timestamp())
    if isinstance(value, bool):
        raise TypeError("issued_at must be a datetime, an ISO 8601 string or epoch seconds")
    if isinstance(value, (int, float)):
        return int(value)
    return int(parse_instant(value, what="issued_at").timestamp())


def positive_seconds(value: object, *, what: str) -> int:
    """A whole, positive number of seconds (a timedelta is accepted too)."""
    if isinstance(value, _dt.timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise TypeError(f"{what} must be a whole number of seconds, not {value!r}")
    if value <= 0:
        raise ValueError(f"{what} must be more than 0 seconds, not {value!r}")
    return int(value)


def check_hmac_secret(secret: object, *, what: str = "secret") -> str:
    if not isinstance(secret, str):
        raise TypeError(f"the {what} must be a string, not {type(secret).__name__}")
    if len(secret.encode()) < _MIN_SECRET_BYTES:
        raise ValueError(
            f"the {what} must be at least {_MIN_SECRET_BYTES} bytes long for HS256 "
            f"(it has {len(secret.encode())}); pyjwt warns about shorter keys"
        )
    return secret


def _sign_hs256_uncached(claims: dict[str, Any], key: str) -> str:
    import jwt

    return jwt.encode(claims, key, algorithm="HS256")


@functools.lru_cache(maxsize=1024)
def _sign_hs256(payload: str, key: str) -> str:
    """Signing is deterministic: at one frozen instant every test mints the same tokens,
    so each is signed once per process."""
    return _sign_hs256_uncached(json.loads(payload), key)


class BizMailTokens:
    """Mints BizMail Delivery JWTs: HS256, claims ``user_id``, ``username``,
    ``domain_uuid``, ``type``, ``iat``, ``exp`` in that order, exactly as the vendor's.

    Every method reads "now" from the clock when no ``issued_at`` is given, so under the
    frozen clock two tokens minted for the same user at the same instant are identical,
    as the real (stateless) service's are within one second.
    """

    def __init__(
        self,
        secret: str = DEFAULT_BIZMAIL_SECRET,
        *,
        user: BizMailUser = DEFAULT_BIZMAIL_USER,
        access_ttl: int = BIZMAIL_ACCESS_TTL,
        refresh_ttl: int = BIZMAIL_REFRESH_TTL,
    ) -> None:
        self._secret = check_hmac_secret(secret)
        self.user = user
        self.access_ttl = positive_seconds(access_ttl, what="access_ttl")
        self.refresh_ttl = positive_seconds(refresh_ttl, what="refresh_ttl")

    def __repr__(self) -> str:
        return (
            f"BizMailTokens(user={self.user.username!r}, access_ttl={self.access_ttl}, "
            f"refresh_ttl={self.refresh_ttl})"
        )

    def claims(
        self,
        token_type: str,
        *,
        user: BizMailUser | None = None,
        username: str | None = None,
        user_id: str | None = None,
        domain_uuid: str | None = None,
        issued_at: IssuedAt | None = None,
        lifetime: int | None = None,
        extra_claims: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The claims a token of ``token_type`` ("access" or "refresh") would carry."""
        if token_type not in _TOKEN_TYPES:
            raise ValueError(f"token_type must be 'access' or 'refresh', not {token_type!r}")
        who = user or self.user
        iat = _epoch(issued_at)
        if lifetime is None:
            lifetime = self.access_ttl if token_type == "access" else self.refresh_ttl
        else:
            lifetime = positive_seconds(lifetime, what="lifetime")
        claims: dict[str, Any] = {
            "user_id": who.user_id if user_id is None else user_id,
            "username": who.username if username is None else username,
            "domain_uuid": who.domain_uuid if domain_uuid is None else domain_uuid,
            "type": token_type,
            "iat": iat,
            "exp": iat + lifetime,
        }
        if extra_claims:
            claims.update(extra_claims)
        return claims

    def encode(self, claims: Mapping[str, Any], *, secret: str | None = None) -> str:
        """Sign any claims as the vendor does (HS256, ``{"alg": "HS256", "typ": "JWT"}``)."""
        key = self._secret if secret is None else check_hmac_secret(secret)
        try:
            payload = json.dumps(dict(claims), separators=(",", ":"))
        except TypeError:  # a claim JSON cannot hold; let pyjwt say which
            return _sign_hs256_uncached(dict(claims), key)
        return _sign_hs256(payload, key)

    def access(self, **options: Any) -> str:
        """An access token; takes the keyword options of :meth:`claims` and ``secret``."""
        secret = options.pop("secret", None)
        return self.encode(self.claims("access", **options), secret=secret)

    def refresh(self, **options: Any) -> str:
        """A refresh token; takes the keyword options of :meth:`claims` and ``secret``."""
        secret = options.pop("secret", None)
        return self.encode(self.claims("refresh", **options), secret=secret)

    def expired_access(self, *, by: int = 1, **options: Any) -> str:
        """An access token that expired ``by`` seconds ago."""
        return self._expired("access", by, options)

    def expired_refresh(self, *, by: int = 1, **options: Any) -> str:
        """A refresh token that expired ``by`` seconds ago."""
        return self._expired("refresh", by, options)

    def _expired(self, token_type: str, by: int, options: dict[str, Any]) -> str:
        by = positive_seconds(by, what="by")
        lifetime = options.pop("lifetime", None)
        if lifetime is None:
            lifetime = self.access_ttl if token_type == "access" else self.refresh_ttl
        issued = int(timestamp()) - by - positive_seconds(lifetime, what="lifetime")
        secret = options.pop("secret", None)
        claims = self.claims(token_type, issued_at=issued, lifetime=lifetime, **options)
        return self.encode(claims, secret=secret)

    def wrong_type(self, token: str) -> str:
        """The same token re-signed with its ``type`` swapped (an access token posing as a
        refresh token, or the other way round)."""
        claims = _jwt.unverified_claims(token)
        claims["type"] = "refresh" if claims.get("type") == "access" else "access"
        return self.encode(claims)

    def signed_with(self, secret: str, token_type: str = "access", **options: Any) -> str:
        """A token of the right shape signed with another secret (the fake rejects it)."""
        return self.encode(self.claims(token_type, **options), secret=secret)

    @staticmethod
    def tampered(token: str) -> str:
        """The same token with one character of its signature changed."""
        head, dot, signature = token.rpartition(".")
        if not dot or not signature:
            raise ValueError(f"{_jwt.mask(token)} is not a JWT: it has no signature to tamper with")
        first = "B" if signature[0] == "A" else "A"
        return f"{head}.{first}{signature[1:]}"

    def decode(self, token: str, *, verify_exp: bool = True) -> dict[str, Any]:
        """Verify a token's signature (and, by default, its expiry against the clock) and
        return its claims. Raises pyjwt's errors."""
        import jwt

        claims: dict[str, Any] = jwt.decode(
            token,
            self._secret,
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
        if verify_exp and claims.get("exp", 0) <= timestamp():
            raise jwt.ExpiredSignatureError("Signature has expired")
        return claims
