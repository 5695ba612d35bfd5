"""BizMail token factory: mints exactly the tokens the fake mints, for any user and instant."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ..._jwt import tampered, unverified_claims, verified
from ..._redact import Secret, secret as hold
from ...clock import timestamp
from ...core.values import IssuedAt, epoch, positive_seconds
from ...errors import UsageTypeError, UsageValueError
from .accounts import DEFAULT_USER, BizMailUser
from .api import ACCESS_TTL, REFRESH_TTL, SECRET

if TYPE_CHECKING:
    from ..._types import JSONObject, JSONView

__all__ = ["BizMailTokens", "check_hmac_secret"]

_MIN_SECRET_BYTES = 32
_TOKEN_TYPES = ("access", "refresh")


def check_hmac_secret(secret: object, *, what: str = "secret") -> str:
    if not isinstance(secret, str):
        raise UsageTypeError(f"the {what} must be a string, not {type(secret).__name__}")
    if len(secret.encode()) < _MIN_SECRET_BYTES:
        raise UsageValueError(
            f"the {what} must be at least {_MIN_SECRET_BYTES} bytes long for HS256 "
            f"(it has {len(secret.encode())}); pyjwt warns about shorter keys"
        )
    return secret


def _sign_hs256_uncached(claims: JSONObject, key: str) -> str:
    import jwt

    return jwt.encode(claims, key, algorithm="HS256")


@functools.lru_cache(maxsize=1024)
def _sign_hs256(claims: tuple[tuple[str, type, Any], ...], key: str) -> str:
    """Signing is deterministic: at one frozen instant every test mints the same tokens,
    so each is signed once per process. ``claims`` as items, in order, each value with
    its type (``1`` and ``True`` are equal keys, not equal claims)."""
    return _sign_hs256_uncached({name: value for name, _, value in claims}, key)


class BizMailTokens:
    """Mints BizMail Delivery JWTs: HS256, claims ``user_id``, ``username``,
    ``domain_uuid``, ``type``, ``iat``, ``exp`` in that order, exactly as the vendor's.

    Every method reads "now" from the clock when no ``issued_at`` is given, so under the
    frozen clock two tokens minted for the same user at the same instant are identical,
    as the real (stateless) service's are within one second.
    """

    def __init__(
        self,
        secret: str = SECRET,
        *,
        user: BizMailUser = DEFAULT_USER,
        access_ttl: int = ACCESS_TTL,
        refresh_ttl: int = REFRESH_TTL,
    ) -> None:
        self._secret = hold(check_hmac_secret(secret))
        self.user = user
        self.access_ttl = positive_seconds(access_ttl, what="access_ttl")
        self.refresh_ttl = positive_seconds(refresh_ttl, what="refresh_ttl")

    def use_secret(self, secret: object) -> None:
        """Sign with another secret from now on (what ``FakeBizMail.rotate_keys`` does)."""
        self._secret = hold(check_hmac_secret(secret))

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
        extra_claims: JSONView | None = None,
    ) -> JSONObject:
        """The claims a token of ``token_type`` ("access" or "refresh") would carry."""
        if token_type not in _TOKEN_TYPES:
            raise UsageValueError(f"token_type must be 'access' or 'refresh', not {token_type!r}")
        who = user or self.user
        iat = epoch(issued_at)
        if lifetime is None:
            lifetime = self.access_ttl if token_type == "access" else self.refresh_ttl
        else:
            lifetime = positive_seconds(lifetime, what="lifetime")
        claims: JSONObject = {
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

    def encode(self, claims: JSONView, *, secret: str | None = None) -> str:
        """Sign any claims as the vendor does (HS256, ``{"alg": "HS256", "typ": "JWT"}``)."""
        key = self._secret if secret is None else hold(check_hmac_secret(secret))
        items = tuple((name, type(value), value) for name, value in claims.items())
        try:
            signed = _sign_hs256(items, key)
        except TypeError:  # a claim that cannot be a key (a list): signed afresh
            signed = _sign_hs256_uncached(dict(claims), key)
        return Secret(signed, token=True)  # masked wherever it is printed

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
        claims = unverified_claims(token)
        claims["type"] = "refresh" if claims.get("type") == "access" else "access"
        return self.encode(claims)

    def signed_with(self, secret: str, token_type: str = "access", **options: Any) -> str:
        """A token of the right shape signed with another secret (the fake rejects it)."""
        return self.encode(self.claims(token_type, **options), secret=secret)

    tampered = staticmethod(tampered)

    def decode(self, token: str, *, verify_exp: bool = True) -> JSONObject:
        """Verify a token's signature (and, by default, its expiry against the clock) and
        return its claims. Raises pyjwt's errors."""
        import jwt

        _, claims = verified(token, self._secret, key_id=self._secret, algorithm="HS256")
        if verify_exp and claims.get("exp", 0) <= timestamp():
            raise jwt.ExpiredSignatureError("Signature has expired")
        return claims
