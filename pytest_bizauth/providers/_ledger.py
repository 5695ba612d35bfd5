"""What a fake remembers of the tokens it issued, so a test can revoke or expire them."""

from __future__ import annotations

import threading

__all__ = ["TokenLedger"]


class TokenLedger:
    """Issued tokens, whom they belong to, and which of them a test has killed.

    At one frozen instant a fake issues byte-identical tokens; issuing a token again
    brings it back to life, as a fresh copy would be.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._access: dict[str, str] = {}
        self._refresh: dict[str, str] = {}
        self._expired: set[str] = set()
        self._revoked: set[str] = set()

    def issued(self, access: str, refresh: str | None, owner: str) -> None:
        with self._lock:
            self._access[access] = owner
            self._expired.discard(access)
            if refresh is not None:
                self._refresh[refresh] = owner
                self._revoked.discard(refresh)

    def expire_access(self) -> int:
        """Every access token issued so far now counts as expired."""
        with self._lock:
            alive = set(self._access) - self._expired
            self._expired |= alive
            return len(alive)

    def revoke(self, refresh: str) -> None:
        with self._lock:
            self._revoked.add(refresh)

    def revoke_owned_by(self, owner: str) -> int:
        with self._lock:
            owned = {token for token, who in self._refresh.items() if who == owner}
            fresh = owned - self._revoked
            self._revoked |= owned
            return len(fresh)

    def is_expired(self, access: str) -> bool:
        return access in self._expired

    def is_revoked(self, refresh: str) -> bool:
        return refresh in self._revoked
