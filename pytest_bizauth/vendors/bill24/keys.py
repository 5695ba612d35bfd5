"""RSA signing keys for Bill24's RS256 tokens, published the way IdentityServer does.

Making a key costs tens of milliseconds, so the default key is made once per process,
the first time a Bill24 fake needs it, and shared.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from typing import TYPE_CHECKING

from ...errors import UsageTypeError, UsageValueError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

    from ..._types import JSONObject

__all__ = ["SigningKey", "default_signing_key", "load_signing_key"]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SigningKey:
    """An RSA private key named the way IdentityServer names its keys: ``kid`` is a SHA-1
    thumbprint in upper-case hex followed by "RS256", ``x5t`` the same thumbprint
    base64url-encoded. IdentityServer takes the thumbprint of its certificate; the fakes
    have no certificate (building one under a frozen clock is not possible), so the
    thumbprint is of the public key's DER encoding."""

    def __init__(self, private_key: RSAPrivateKey | object) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

        if not isinstance(private_key, RSAPrivateKey):
            raise UsageTypeError(
                f"a Bill24 signing key must be an RSA private key, not {private_key!r}"
            )
        self.private_key = private_key
        public_der = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        thumbprint = hashlib.sha1(public_der).digest()
        self.kid = thumbprint.hex().upper() + "RS256"
        self.x5t = _b64url(thumbprint)

    @classmethod
    def generate(cls, bits: int = 2048) -> SigningKey:
        from cryptography.hazmat.primitives.asymmetric import rsa

        return cls(rsa.generate_private_key(public_exponent=65537, key_size=bits))

    @classmethod
    def from_pem(cls, pem: str | bytes, password: bytes | None = None) -> SigningKey:
        """Load your own RSA private key (PEM)."""
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        data = pem.encode() if isinstance(pem, str) else pem
        try:
            key = load_pem_private_key(data, password=password)
        except (ValueError, TypeError) as exc:
            raise UsageValueError(f"could not load the PEM private key: {exc}") from None
        return cls(key)

    @property
    def public_key(self) -> RSAPublicKey:
        return self.private_key.public_key()

    def jwk(self) -> JSONObject:
        """The public key as IdentityServer lists it in its JWKS."""
        from jwt.algorithms import RSAAlgorithm

        numbers = json.loads(RSAAlgorithm.to_jwk(self.public_key))
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.x5t,
            "e": numbers["e"],
            "n": numbers["n"],
            "alg": "RS256",
        }

    def jwks(self) -> JSONObject:
        return {"keys": [self.jwk()]}

    def __repr__(self) -> str:
        return f"SigningKey(kid={self.kid!r})"


@functools.lru_cache(maxsize=1)
def default_signing_key() -> SigningKey:
    """The key every Bill24 fake signs with unless given another: made once per process."""
    return SigningKey.generate()


@functools.lru_cache(maxsize=8)
def load_signing_key(path: str) -> SigningKey:
    """A key from a PEM file, loaded once per process."""
    with open(path, "rb") as handle:
        return SigningKey.from_pem(handle.read())
