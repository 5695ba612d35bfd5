"""Bill24 token factory: mints access tokens as its IdentityServer does, and reads and
writes its ``tokenExpireTime``."""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
from typing import TYPE_CHECKING, Any

from ..._jwt import expiry, tampered, verified
from ..._redact import Secret
from ...clock import parse_instant, timestamp
from ...core.values import IssuedAt, epoch, positive_seconds
from ...errors import UsageTypeError
from .accounts import DEFAULT_MERCHANT, DEFAULT_USER, Bill24Merchant
from .api import ACCESS_TTL, ISSUER, MERCHANT_ISSUER

if TYPE_CHECKING:
    from ..._types import JSONObject, JSONView
    from .accounts import Bill24User
    from .keys import SigningKey

__all__ = ["APIS", "ICT", "MERCHANT_APIS", "Bill24Tokens", "expire_time", "parse_expire_time"]

#: The APIs a portal user's token is for (the seed's 2023 token).
APIS = ("bank_api", "khqr_api", "notification_api", "security_api")
#: The APIs a merchant's token is for (a real 2025 merchant token).
MERCHANT_APIS = ("bill_gateway_api", "khqr_api", "notification_api", "subscription_management_api")
#: Bill24 writes times in Indochina Time.
ICT = _dt.timezone(_dt.timedelta(hours=7))


def expire_time(instant: _dt.datetime) -> str:
    """``tokenExpireTime`` as Bill24 writes it: +07:00, seven fractional digits (.NET's
    ticks). The clock has microseconds; the seventh digit, a tenth of one, is made from
    the instant, so the same instant always writes the same text."""
    local = instant.astimezone(ICT)
    tick = int(hashlib.sha256(local.isoformat().encode()).hexdigest(), 16) % 10
    return f"{local.strftime('%Y-%m-%dT%H:%M:%S')}.{local.microsecond:06d}{tick}+07:00"


def parse_expire_time(text: str) -> _dt.datetime:
    """Read a ``tokenExpireTime`` (any number of fractional digits, any offset)."""
    return parse_instant(text, what="tokenExpireTime")


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
        issuer: str = ISSUER,
        merchant_issuer: str = MERCHANT_ISSUER,
        user: Bill24User | None = None,
        merchant: Bill24Merchant | None = None,
        access_ttl: int = ACCESS_TTL,
    ) -> None:
        self._key = key
        #: The issuer of portal users' tokens, and of merchants'.
        self.issuer = issuer
        self.merchant_issuer = merchant_issuer
        self.user = user or DEFAULT_USER
        self.merchant = merchant or DEFAULT_MERCHANT
        self.access_ttl = positive_seconds(access_ttl, what="access_ttl")

    @property
    def key(self) -> SigningKey:
        """The signing key (the shared default one is made on first use)."""
        if self._key is None:
            from .keys import default_signing_key

            self._key = default_signing_key()
        return self._key

    def use_key(self, key: object) -> None:
        """Sign with another key from now on (what ``FakeBill24.rotate_keys`` does)."""
        from .keys import SigningKey

        if not isinstance(key, SigningKey):
            raise UsageTypeError(f"expected a SigningKey, not {type(key).__name__}")
        self._key = key

    def __repr__(self) -> str:
        return (
            f"Bill24Tokens(issuer={self.issuer!r}, merchant_issuer={self.merchant_issuer!r}, "
            f"access_ttl={self.access_ttl})"
        )

    def issuer_of(self, subject: Bill24User | Bill24Merchant | None = None) -> str:
        """The issuer of a subject's tokens: each authorize route has its own."""
        return self.merchant_issuer if isinstance(subject, Bill24Merchant) else self.issuer

    def claims(
        self,
        *,
        subject: Bill24User | Bill24Merchant | None = None,
        issued_at: IssuedAt | None = None,
        lifetime: int | None = None,
        extra_claims: JSONView | None = None,
    ) -> JSONObject:
        """The claims of an access token for a portal user (the default) or a merchant."""
        who = self.user if subject is None else subject
        iat = epoch(issued_at)
        life = self.access_ttl if lifetime is None else positive_seconds(lifetime, what="lifetime")
        apis = MERCHANT_APIS if isinstance(who, Bill24Merchant) else APIS
        issuer = self.issuer_of(who)
        claims: JSONObject = {
            "nbf": iat,
            "exp": iat + life,
            "iss": issuer,
            "aud": [*apis, f"{issuer}/resources"],
            "client_id": who.client_id,
        }
        if isinstance(who, Bill24Merchant):
            claims.update(
                sub=who.merchant_id,
                auth_time=iat,
                idp="local",
                email="",
                username="API Integration",
                merchant_token=who.token,
                iat=iat,
                scope=[*apis, "offline_access"],
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
                scope=[*apis, "offline_access"],
                amr=["password"],
            )
        if extra_claims:
            claims.update(extra_claims)
        return claims

    def encode(self, claims: JSONView, *, key: SigningKey | None = None) -> str:
        """Sign claims as Bill24 does."""
        signed = _sign_rs256(json.dumps(dict(claims), separators=(",", ":")), key or self.key)
        return Secret(signed, token=True)  # masked wherever it is printed

    def access(self, **options: Any) -> str:
        """A portal user's access token; takes the options of :meth:`claims` and ``key``."""
        key = options.pop("key", None)
        return self.encode(self.claims(**options), key=key)

    def merchant_access(self, **options: Any) -> str:
        """A merchant's access token (the fake's default merchant unless ``subject``)."""
        options.setdefault("subject", self.merchant)
        return self.access(**options)

    def expired_access(self, *, by: int = 1, **options: object) -> str:
        """An access token that expired ``by`` seconds ago."""
        by = positive_seconds(by, what="by")
        life = positive_seconds(options.pop("lifetime", self.access_ttl), what="lifetime")
        return self.access(issued_at=int(timestamp()) - by - life, lifetime=life, **options)

    def signed_with(self, key: SigningKey, **options: object) -> str:
        """A well-formed token signed with another key (the fake rejects it)."""
        return self.access(key=key, **options)

    tampered = staticmethod(tampered)

    @staticmethod
    def refresh_token() -> str:
        """A refresh token of the right shape (64 hex digits) that no fake issued."""
        import secrets

        return secrets.token_hex(32).upper()

    def expire_time(self, token: str) -> str:
        """The ``tokenExpireTime`` Bill24 would send with this token."""
        return expire_time(_dt.datetime.fromtimestamp(expiry(token), _dt.timezone.utc))

    def decode(self, token: str, *, verify_exp: bool = True) -> JSONObject:
        """Verify the signature (and expiry, by the clock) and return the claims."""
        return self.decode_complete(token, verify_exp=verify_exp)[1]

    def decode_complete(
        self, token: str, *, verify_exp: bool = True
    ) -> tuple[JSONObject, JSONObject]:
        """As :meth:`decode`, with the token's header first."""
        import jwt

        key = self.key
        header, claims = verified(token, key.public_key, key_id=key.kid, algorithm="RS256")
        if verify_exp and claims.get("exp", 0) <= timestamp():
            raise jwt.ExpiredSignatureError("Signature has expired")
        return header, claims
