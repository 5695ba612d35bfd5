"""What a vendor's fake provides the shared front: a few class attributes that say what
its bodies look like, and the hooks its rules and state answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from .._redact import HIDDEN_FIELDS, TOKEN_FIELDS
from .faults import phrase

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .._types import JSONObject, JSONView
    from .routes import Route
    from .tokens import TokenStore
    from .wire import FakeRequest

__all__ = ["VendorHooks", "derived", "error_message"]


def derived(seed: str, purpose: str, length: int = 24) -> str:
    """A credential made from a tenant's ``seed`` for one ``purpose`` (hex)."""
    import hashlib

    return hashlib.sha256(f"{seed}:{purpose}".encode()).hexdigest()[:length]


class VendorHooks:
    """The part of a fake a vendor writes. Subclass :class:`~.fake.FakeProvider`, which
    subclasses this, and override what the vendor needs."""

    store: TokenStore

    #: The vendor's name, as messages print it.
    vendor: ClassVar[str] = "provider"
    #: The keys of the vendor's JSON envelope (what ``error="missing_fields"`` keeps).
    envelope_keys: ClassVar[frozenset[str]] = frozenset({"message"})
    #: Body fields never shown in the call log, not even in part.
    hidden_fields: ClassVar[frozenset[str]] = HIDDEN_FIELDS
    #: Body fields and headers holding tokens: logged as a prefix and a digest.
    token_fields: ClassVar[frozenset[str]] = TOKEN_FIELDS
    #: Headers that may carry a bearer token.
    bearer_headers: ClassVar[tuple[str, ...]] = ("authorization",)
    #: The body field a refresh request presents its refresh token in.
    refresh_token_field: ClassVar[str] = "refresh_token"

    @classmethod
    def _route_table(cls) -> Iterable[Route]:
        """The vendor's endpoints; their rules are the class's functions, called with the
        fake and the request."""
        raise NotImplementedError

    @staticmethod
    def tenant_accounts(seed: str) -> dict[str, object]:
        """The settings fields of a tenant's fake on ``bizauth serve`` that give it
        accounts and credentials of the tenant's own, made from ``seed`` (the same seed
        makes the same ones), so that no other tenant's credentials or tokens pass. The
        default changes none: a vendor overrides it."""
        return {}

    @classmethod
    def tenant_settings(cls, settings: Any, seed: str) -> Any:
        """``settings`` with the tenant's own accounts (:meth:`tenant_accounts`)."""
        import dataclasses

        return dataclasses.replace(settings, **cls.tenant_accounts(seed))

    def _error_body(self, route: Route, status: int) -> JSONObject | None:
        """The body a faulted call answers with (the vendor's documented one where known)."""
        return {"message": error_message(status)}

    def _owner_of(self, account: object) -> str:
        """The token store's owner key for an account (the default one when ``None``)."""
        raise NotImplementedError

    def accounts(self) -> list[JSONObject]:
        """The accounts that can log in, with their credentials, as plain data (each
        with its ``kind``)."""
        raise NotImplementedError

    def add_account(self, fields: JSONView) -> JSONObject:
        """Add an account from plain data (``kind`` and the fields :meth:`accounts`
        lists); returns it as :meth:`accounts` lists it."""
        raise NotImplementedError

    def _use_key(self, key: object) -> None:
        """Sign from now on with ``key`` (a new one when ``None``)."""
        raise NotImplementedError

    def _authenticate(self, request: FakeRequest) -> JSONObject:
        """The claims of the request's good bearer token, as the vendor's protected
        endpoints check it; else raise the vendor's :class:`~.wire.Refusal`."""
        raise NotImplementedError

    def _refresh_key(self, token: str) -> str:
        """The form a refresh token is stored in (a vendor may compare them loosely)."""
        return token

    def _secrets(self) -> frozenset[str]:
        """Every value this fake knows to be secret (passwords, client secrets), hidden
        from the call log wherever it appears."""
        return frozenset()

    def expiry_of(self, token: str) -> float | None:
        """When a refresh token this fake issued expires (epoch seconds), if the token
        itself cannot tell; ``None`` when unknown."""
        return self.store.expiry_of(self._refresh_key(token))


def error_message(status: int) -> str:
    """The message of a faulted call's body where the vendor documents none."""
    return phrase(status) or "Error"
