"""The one store of what a fake knows about the tokens it issued: whose they are, when
opaque ones expire, and which a test has revoked, expired early or a client has spent."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal

from .._redact import mask
from .latest import Latest

if TYPE_CHECKING:
    import datetime as _dt

__all__ = ["MAX_TOKENS", "Issued", "RefreshRecord", "RefreshRefusal", "TokenStore"]

#: Why a refresh token is not taken: never issued (when the vendor keeps records of
#: opaque tokens), revoked by a test, spent (single-use), or expired.
RefreshRefusal = Literal["unknown", "revoked", "spent", "expired"]


@dataclass(frozen=True)
class Issued:
    """A token pair a fake has just issued, for its rule to answer in the vendor's shape:
    to whom, the access and refresh tokens, and the instant they were issued at (by the
    provider's clock: a skew the test set is included)."""

    subject: Any
    access: str
    refresh: str
    issued_at: _dt.datetime

    def __repr__(self) -> str:
        return f"Issued(subject={self.subject!r}, access={mask(self.access)}, refresh=...)"


@dataclass
class RefreshRecord:
    """What a fake knows of one refresh token.

    ``issued`` counts the copies the fake handed out: at one frozen instant a fake that
    signs its tokens issues byte-identical ones, and each copy may be spent once when
    refresh tokens are single-use. ``expires_at`` (epoch seconds) is set for opaque
    tokens, whose expiry cannot be read off the token itself.
    """

    owner: str
    expires_at: float | None = None
    subject: Any = None
    client_id: str | None = None
    issued: int = 0
    spent: int = 0
    revoked: bool = False


class _MaskedKeys(dict[str, RefreshRecord]):
    """Records by token; the repr shows tokens masked."""

    def __repr__(self) -> str:
        return repr({mask(k): v for k, v in self.items()})


#: How many tokens of each kind a store remembers, the latest, at least (at most two
#: generations more, see :class:`~.latest.Latest`): what a long-running fake (``bizauth
#: serve`` under steady traffic) holds levels off. An older refresh token is refused as
#: one the fake never issued; no test comes near it.
MAX_TOKENS = 50_000


class TokenStore:
    """Issued access and refresh tokens, their owners, and their state.

    Issuing a token again brings it back to life, as a fresh copy would be.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Access tokens issued since the last expire_access(), by owner: what it expires.
        self._alive: Latest[str] = Latest(MAX_TOKENS)
        self._expired: Latest[None] = Latest(MAX_TOKENS)
        self._refresh: Latest[RefreshRecord] = Latest(MAX_TOKENS)

    # -- issuing -------------------------------------------------------------------------

    def issued_access(self, token: str, owner: str) -> None:
        with self._lock:
            if self._alive.get(token) != owner:
                self._alive[token] = owner
            if token in self._expired:
                self._expired.pop(token)

    def issued_refresh(
        self,
        token: str,
        owner: str,
        *,
        expires_at: float | None = None,
        subject: Any = None,
        client_id: str | None = None,
        new_copy: bool = True,
    ) -> RefreshRecord:
        """Record a refresh token handed to ``owner``: a new copy, or (``new_copy=False``)
        the presented one handed back by a refresh that does not rotate."""
        with self._lock:
            record = self._refresh.get(token)
            if record is None:
                record = RefreshRecord(owner)
                self._refresh.add(token, record)
            record.owner = owner
            record.revoked = False
            if expires_at is not None:
                record.expires_at = expires_at
            if subject is not None:
                record.subject = subject
            if client_id is not None:
                record.client_id = client_id
            if new_copy:
                record.issued += 1
            return record

    # -- reading -------------------------------------------------------------------------

    def refresh_record(self, token: str) -> RefreshRecord | None:
        return self._refresh.get(token)

    @property
    def refresh_records(self) -> dict[str, RefreshRecord]:
        """Every refresh token the store knows, with its record (repr masks the tokens)."""
        return _MaskedKeys(self._refresh.items())

    def is_expired(self, access: str) -> bool:
        """Whether a test expired this access token early."""
        return access in self._expired

    def is_revoked(self, refresh: str) -> bool:
        record = self._refresh.get(refresh)
        return record is not None and record.revoked

    def expiry_of(self, refresh: str) -> float | None:
        record = self._refresh.get(refresh)
        return None if record is None else record.expires_at

    # -- refreshing ----------------------------------------------------------------------

    def refusal(
        self, refresh: str, *, single_use: bool, now: float, issued_only: bool = False
    ) -> RefreshRefusal | None:
        """Why a refresh with this token may not go ahead, or ``None`` when it may. A
        token the store never saw is ``"unknown"`` only with ``issued_only`` (a vendor
        whose refresh tokens are opaque); otherwise the token speaks for itself."""
        record = self._refresh.get(refresh)
        if record is None and issued_only:
            return "unknown"
        if record is not None and record.revoked:
            return "revoked"
        if not self.may_spend(refresh, single_use=single_use):
            return "spent"
        if record is not None and record.expires_at is not None and record.expires_at <= now:
            return "expired"
        return None

    def answered_refresh(
        self,
        presented: str | None,
        owner: str,
        *,
        rotate: bool,
        mint: Callable[[], str],
        **record: Any,
    ) -> str:
        """The refresh token a login or refresh answers with: a new one from ``mint``
        (recorded with ``record``'s fields), or, for a refresh that does not ``rotate``,
        the presented one handed back."""
        if presented is not None and not rotate:
            self.issued_refresh(presented, owner, new_copy=False)
            return presented
        token = mint()
        self.issued_refresh(token, owner, **record)
        return token

    # -- spending ------------------------------------------------------------------------

    def may_spend(self, refresh: str, *, single_use: bool) -> bool:
        """Whether a refresh with this token may go ahead: always, unless refresh tokens
        are single-use and every issued copy (one for a token the fake never issued, such
        as a factory's) is spent."""
        record = self._refresh.get(refresh)
        spent, issued = (0, 0) if record is None else (record.spent, record.issued)
        return not single_use or spent < max(issued, 1)

    def spend(self, refresh: str) -> None:
        """Count one use of a refresh token."""
        with self._lock:
            record = self._refresh.get(refresh)
            if record is None:
                record = RefreshRecord("")
                self._refresh.add(refresh, record)
            record.spent += 1

    # -- what tests do -------------------------------------------------------------------

    def expire_access(self) -> int:
        """Every access token issued so far now counts as expired; how many were alive."""
        with self._lock:
            alive = len(self._alive)
            for token in self._alive:
                self._expired[token] = None
            self._alive.clear()
            return alive

    def revoke(self, refresh: str) -> None:
        with self._lock:
            record = self._refresh.get(refresh)
            if record is None:
                record = RefreshRecord("")
                self._refresh.add(refresh, record)
            record.revoked = True

    def revoke_owned_by(self, owner: str) -> int:
        """Revoke every refresh token of ``owner``; how many were alive."""
        with self._lock:
            owned = [r for r in self._refresh.values() if r.owner == owner]
            alive = sum(1 for r in owned if not r.revoked)
            for record in owned:
                record.revoked = True
            return alive
