"""Acme's fake: JSON login with an API key, opaque tokens, one protected endpoint."""

from __future__ import annotations

import itertools
from typing import Any

import requests

from pytest_bizauth.clock import timestamp
from pytest_bizauth.core.fake import FakeProvider, Route
from pytest_bizauth.core.wire import Refusal, Reply

from . import ACCESS_TTL, BASE_URL, REFRESH_TTL

API_KEY = "acme-key"


class AcmeTokens:
    """Acme's tokens are numbered opaque strings."""

    def __init__(self, access_ttl: int, refresh_ttl: int) -> None:
        self.access_ttl, self.refresh_ttl = access_ttl, refresh_ttl
        self._numbers = itertools.count(1)

    def access(self) -> str:
        return f"acme-access-{next(self._numbers)}"

    def refresh(self) -> str:
        return f"acme-refresh-{next(self._numbers)}"


def _refused(status: int, message: str, **options: Any) -> Refusal:
    return Refusal(status, {"error": message}, **options)


class FakeAcme(FakeProvider):
    vendor = "Acme"
    envelope_keys = frozenset({"error"})

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        access_ttl: int = ACCESS_TTL,
        refresh_ttl: int = REFRESH_TTL,
        single_use_refresh: bool = False,
        rotate_refresh_tokens: bool = True,
    ) -> None:
        super().__init__(
            base_url,
            single_use_refresh=single_use_refresh,
            rotate_refresh_tokens=rotate_refresh_tokens,
        )
        self.tokens = AcmeTokens(access_ttl, refresh_ttl)
        self._access_expiry: dict[str, float] = {}

    @classmethod
    def _route_table(cls) -> list[Route]:
        return [
            Route("login", "POST", "/login", "login", cls._login),
            Route("refresh", "POST", "/refresh", "refresh", cls._refresh),
            Route("things", "GET", "/things", "resource", cls._things),
        ]

    def _owner_of(self, account: Any) -> str:
        return "acme"

    def _issue(self, presented: str | None = None) -> Reply:
        access = self.tokens.access()
        self._access_expiry[access] = timestamp() + self.tokens.access_ttl
        self.store.issued_access(access, "acme")
        if presented is not None and not self.rotate_refresh_tokens:
            refresh = presented
        else:
            refresh = self.tokens.refresh()
            expires = timestamp() + self.tokens.refresh_ttl
            self.store.issued_refresh(refresh, "acme", expires_at=expires)
        return Reply(200, {"access_token": access, "refresh_token": refresh})

    def _login(self, request: Any) -> Reply:
        body = request.json_object() or {}
        if body.get("api_key") != API_KEY:
            raise _refused(401, "bad key")
        return self._issue()

    def _refresh(self, request: Any) -> Reply:
        token = (request.json_object() or {}).get("refresh_token")
        record = self.store.refresh_record(str(token))
        if record is None or record.revoked or not self._may_refresh(str(token)):
            raise _refused(401, "bad refresh token")
        if record.expires_at is not None and record.expires_at <= timestamp():
            raise _refused(401, "refresh token expired")
        return self._issue(str(token))

    def _things(self, request: Any) -> Reply:
        token = request.bearer()
        expires = self._access_expiry.get(token or "")
        if expires is None:
            raise _refused(401, "no token", note="invalid")
        if expires <= timestamp() or self.store.is_expired(str(token)):
            raise _refused(401, "expired", note="expired")
        return Reply(200, {"things": [1, 2, 3]})


class AcmeClient:
    """Just enough of a client: logs in once, then calls."""

    def __init__(self, fake: FakeAcme, leeway: float) -> None:
        self.base_url, self.leeway = fake.base_url, leeway

    def things(self) -> Any:
        login = requests.post(f"{self.base_url}/login", json={"api_key": API_KEY}, timeout=5)
        token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        return requests.get(f"{self.base_url}/things", headers=headers, timeout=5).json()
