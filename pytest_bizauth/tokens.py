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

    from .accounts import Bill24Merchant, Bill24User
    from .keys import SigningKey

__all__ = ["DEFAULT_BIZMAIL_SECRET", "Bill24Tokens", "BizMailTokens"]

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

    def use_secret(self, secret: str) -> None:
        """Sign with another secret from now on (what ``FakeBizMail.rotate_keys`` does)."""
        self._secret = check_hmac_secret(secret)

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


# -- Bill24 ---------------------------------------------------------------------------------

BILL24_ACCESS_TTL = 21_600
BILL24_REFRESH_TTL = 30 * 86_400
DEFAULT_BILL24_ISSUER = "http://dc.oone.bz:40011"
BILL24_APIS = ("bank_api", "khqr_api", "notification_api", "security_api")
#: Bill24 writes times in Indochina Time.
ICT = _dt.timezone(_dt.timedelta(hours=7))


def bill24_expire_time(instant: _dt.datetime) -> str:
    """``tokenExpireTime`` as Bill24 writes it: +07:00, seven fractional digits."""
    local = instant.astimezone(ICT)
    return f"{local.strftime('%Y-%m-%dT%H:%M:%S')}.{local.microsecond:06d}0+07:00"


def parse_bill24_expire_time(text: str) -> _dt.datetime:
    """Read a ``tokenExpireTime`` (any number of fractional digits, any offset)."""
    import re

    match = re.fullmatch(
        r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text.strip()
    )
    if match is None:
        raise ValueError(f"{text!r} is not a Bill24 tokenExpireTime")
    fraction = (match.group(2) or "0")[:6].ljust(6, "0")
    offset = "+00:00" if match.group(3) == "Z" else match.group(3)
    return _dt.datetime.fromisoformat(f"{match.group(1)}.{fraction}{offset}")


@functools.lru_cache(maxsize=1024)
def _sign_rs256(payload: str, key: Any) -> str:
    """RS256 (PKCS#1 v1.5) is deterministic too: each token is signed once per process."""
    import jwt

    headers = {"kid": key.kid, "typ": "at+jwt", "x5t": key.x5t}
    return jwt.encode(json.loads(payload), key.private_key, algorithm="RS256", headers=headers)


class Bill24Tokens:
    """Mints Bill24 access tokens as its IdentityServer does: RS256, header ``alg``,
    ``kid``, ``typ: at+jwt``, ``x5t``; claims per variant (portal user or merchant).

    Refresh tokens are opaque; a fake knows only those it issued
    (``FakeBill24.issue_refresh_token``).
    """

    def __init__(
        self,
        key: SigningKey | None = None,
        *,
        issuer: str = DEFAULT_BILL24_ISSUER,
        user: Bill24User | None = None,
        merchant: Bill24Merchant | None = None,
        access_ttl: int = BILL24_ACCESS_TTL,
    ) -> None:
        from .accounts import DEFAULT_BILL24_MERCHANT, DEFAULT_BILL24_USER

        self._key = key
        self.issuer = issuer
        self.user = user or DEFAULT_BILL24_USER
        self.merchant = merchant or DEFAULT_BILL24_MERCHANT
        self.access_ttl = positive_seconds(access_ttl, what="access_ttl")

    @property
    def key(self) -> SigningKey:
        """The signing key (the shared default one is made on first use)."""
        if self._key is None:
            from .keys import default_signing_key

            self._key = default_signing_key()
        return self._key

    def use_key(self, key: SigningKey) -> None:
        """Sign with another key from now on (what ``FakeBill24.rotate_keys`` does)."""
        from .keys import SigningKey

        if not isinstance(key, SigningKey):
            raise TypeError(f"expected a SigningKey, not {type(key).__name__}")
        self._key = key

    def __repr__(self) -> str:
        return f"Bill24Tokens(issuer={self.issuer!r}, access_ttl={self.access_ttl})"

    def claims(
        self,
        *,
        subject: Bill24User | Bill24Merchant | None = None,
        issued_at: IssuedAt | None = None,
        lifetime: int | None = None,
        extra_claims: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The claims of an access token for a portal user (the default) or a merchant."""
        from .accounts import Bill24Merchant

        who = self.user if subject is None else subject
        iat = _epoch(issued_at)
        life = self.access_ttl if lifetime is None else positive_seconds(lifetime, what="lifetime")
        claims: dict[str, Any] = {
            "nbf": iat,
            "exp": iat + life,
            "iss": self.issuer,
            "aud": [*BILL24_APIS, f"{self.issuer}/resources"],
            "client_id": who.client_id,
        }
        if isinstance(who, Bill24Merchant):
            claims.update(
                sub=who.merchant_id,
                auth_time=iat,
                idp="local",
                merchant_token=who.token,
                email="",
                username="API Integration",
                iat=iat,
                scope=[*BILL24_APIS, "offline_access"],
                amr=["merchant_token"],
            )
        else:
            claims.update(
                sub=who.user_id,
                auth_time=iat,
                idp="local",
                role=who.role,
                email=who.email,
                username=who.username,
                iat=iat,
                scope=[*BILL24_APIS, "offline_access"],
                amr=["password"],
            )
        if extra_claims:
            claims.update(extra_claims)
        return claims

    def encode(self, claims: Mapping[str, Any], *, key: SigningKey | None = None) -> str:
        """Sign claims as Bill24 does."""
        return _sign_rs256(json.dumps(dict(claims), separators=(",", ":")), key or self.key)

    def access(self, **options: Any) -> str:
        """A portal user's access token; takes the options of :meth:`claims` and ``key``."""
        key = options.pop("key", None)
        return self.encode(self.claims(**options), key=key)

    def merchant_access(self, **options: Any) -> str:
        """A merchant's access token (the fake's default merchant unless ``subject``)."""
        options.setdefault("subject", self.merchant)
        return self.access(**options)

    def expired_access(self, *, by: int = 1, **options: Any) -> str:
        """An access token that expired ``by`` seconds ago."""
        by = positive_seconds(by, what="by")
        life = positive_seconds(options.pop("lifetime", self.access_ttl), what="lifetime")
        return self.access(issued_at=int(timestamp()) - by - life, lifetime=life, **options)

    def signed_with(self, key: SigningKey, **options: Any) -> str:
        """A well-formed token signed with another key (the fake rejects it)."""
        return self.access(key=key, **options)

    tampered = staticmethod(BizMailTokens.tampered)

    @staticmethod
    def refresh_token() -> str:
        """A refresh token of the right shape (64 hex digits) that no fake issued."""
        import secrets

        return secrets.token_hex(32).upper()

    def expire_time(self, token: str) -> str:
        """The ``tokenExpireTime`` Bill24 would send with this token."""
        return bill24_expire_time(_dt.datetime.fromtimestamp(_jwt.expiry(token), _dt.timezone.utc))

    def decode(self, token: str, *, verify_exp: bool = True) -> dict[str, Any]:
        """Verify the signature (and expiry, by the clock) and return the claims."""
        import jwt

        claims: dict[str, Any] = jwt.decode(
            token,
            self.key.public_key,
            algorithms=["RS256"],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
            },
        )
        if verify_exp and claims.get("exp", 0) <= timestamp():
            raise jwt.ExpiredSignatureError("Signature has expired")
        return claims
