"""Bill24 accounts: portal users and merchants, with the client ids they log in through."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from ..._redact import secret as hold
from ...errors import UsageValueError

__all__ = ["DEFAULT_MERCHANT", "DEFAULT_USER", "Bill24Merchant", "Bill24User"]


def _uuid_for(kind: str, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bill24-{kind}:{name}"))


def _check_credentials(what: str, client_id: str, secret: str) -> None:
    if not isinstance(client_id, str) or not client_id:
        raise UsageValueError(f"{what} needs a non-empty client_id")
    if not isinstance(secret, str) or not secret:
        raise UsageValueError(f"{what} needs a non-empty client secret")


@dataclass(frozen=True)
class Bill24User:
    """A Bill24 portal user, with the client id and secret it logs in through."""

    email: str
    password: str = field(repr=False)
    client_id: str
    secret: str = field(repr=False)
    user_id: str
    fullname: str
    username: str
    role: str = "*"

    @classmethod
    def create(
        cls,
        email: str,
        password: str,
        *,
        client_id: str,
        secret: str,
        user_id: str | None = None,
        fullname: str = "Test User",
        username: str | None = None,
        role: str = "*",
    ) -> Bill24User:
        if not isinstance(email, str) or not email:
            raise UsageValueError("a Bill24 user needs a non-empty email")
        if not isinstance(password, str) or not password:
            raise UsageValueError(f"the Bill24 user {email!r} needs a non-empty password")
        _check_credentials(f"the Bill24 user {email!r}", client_id, secret)
        user_id = _uuid_for("user", email) if user_id is None else str(uuid.UUID(str(user_id)))
        username = email.split("@")[0] if username is None else username
        return cls(email, hold(password), client_id, hold(secret), user_id, fullname, username,
                   role)  # fmt: skip


@dataclass(frozen=True)
class Bill24Merchant:
    """A Bill24 merchant: its merchant token (a UUID) and its client id and secret."""

    token: str = field(repr=False)
    client_id: str
    secret: str = field(repr=False)
    merchant_id: str

    @classmethod
    def create(
        cls,
        token: str | None = None,
        *,
        client_id: str,
        secret: str,
        merchant_id: str | None = None,
    ) -> Bill24Merchant:
        _check_credentials("a Bill24 merchant", client_id, secret)
        if token is None:
            token = _uuid_for("merchant-token", client_id)
        else:
            try:
                token = str(uuid.UUID(str(token)))
            except ValueError:
                raise UsageValueError("a Bill24 merchant token must be a UUID") from None
        if merchant_id is None:
            merchant_id = _uuid_for("merchant", token)
        return cls(hold(token, token=True), client_id, hold(secret), merchant_id)


#: The portal user and merchant every :class:`~pytest_bizauth.FakeBill24` starts with.
DEFAULT_USER = Bill24User.create(
    "bizauth-user@example.com",
    "correct-horse-battery",
    client_id="bizauth_portal_client",
    secret="portal-client-secret",
    fullname="Bizauth Test User",
)
DEFAULT_MERCHANT = Bill24Merchant.create(
    client_id="bizauth_merchant_client", secret="merchant-client-secret"
)


def tenant_accounts(seed: str) -> dict[str, object]:
    """The default user and merchant of a tenant of ``bizauth serve``, made from its
    seed: credentials no other tenant has."""
    from ...core.hooks import derived

    tag = derived(seed, "name", 8)
    user = Bill24User.create(
        f"user-{tag}@example.com",
        derived(seed, "password"),
        client_id=f"portal-{tag}",
        secret=derived(seed, "portal-secret"),
    )
    merchant = Bill24Merchant.create(
        client_id=f"merchant-{tag}", secret=derived(seed, "merchant-secret")
    )
    return {"user": user, "merchant": merchant}
