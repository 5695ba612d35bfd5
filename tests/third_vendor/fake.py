"""Acme's fake: JSON login with an API key, opaque tokens, one protected endpoint."""

from __future__ import annotations

import itertools
from typing import Any

from pytest_bizauth.extend import FakeProvider, Refusal, Reply, Route, settings_of, timestamp

from . import AcmeSettings

API_KEY = "acme-key"


def _refused(status: int, message: str, **options: Any) -> Refusal:
    return Refusal(status, {"error": message}, **options)


def login(fake: FakeAcme, request: Any) -> Reply:
    body = request.json_object() or {}
    if body.get("api_key") != API_KEY:
        raise _refused(401, "bad key")
    return fake.issue()


def refresh(fake: FakeAcme, request: Any) -> Reply:
    token = str((request.json_object() or {}).get("refresh_token"))
    why_not = fake.store.refusal(
        token, single_use=fake.single_use_refresh, now=timestamp(), issued_only=True
    )
    if why_not == "expired":
        raise _refused(401, "refresh token expired")
    if why_not is not None:
        raise _refused(401, "bad refresh token")
    fake.store.spend(token)
    return fake.issue(token)


def things(fake: FakeAcme, request: Any) -> Reply:
    fake._authenticate(request)
    return Reply(200, {"things": [1, 2, 3]})


class FakeAcme(FakeProvider):
    vendor = "Acme"
    envelope_keys = frozenset({"error"})

    def __init__(self, settings: AcmeSettings | None = None, /, **options: Any) -> None:
        chosen = settings_of(AcmeSettings, settings, options)
        super().__init__(chosen)
        self.access_ttl, self.refresh_ttl = chosen.access_ttl, chosen.refresh_ttl
        self.tokens = self  # the fixture acme_tokens: this fake mints its own tokens
        self._numbers = itertools.count(1)
        self._access_expiry: dict[str, float] = {}

    @classmethod
    def _route_table(cls) -> list[Route]:
        return [
            Route("login", "POST", "/login", "login", login),
            Route("refresh", "POST", "/refresh", "refresh", refresh),
            Route("things", "GET", "/things", "resource", things),
        ]

    def _owner_of(self, account: Any) -> str:
        return "acme"

    def _authenticate(self, request: Any) -> dict[str, Any]:
        token = request.bearer()
        expires = self._access_expiry.get(token or "")
        if expires is None:
            raise _refused(401, "no token", note="invalid")
        if expires <= timestamp() or self.store.is_expired(str(token)):
            raise _refused(401, "expired", note="expired")
        return {"sub": "acme"}

    def issue(self, presented: str | None = None) -> Reply:
        access = f"acme-access-{next(self._numbers)}"
        self._access_expiry[access] = timestamp() + self.access_ttl
        self.store.issued_access(access, "acme")
        refresh_token = self.store.answered_refresh(
            presented,
            "acme",
            rotate=self.rotate_refresh_tokens,
            mint=lambda: f"acme-refresh-{next(self._numbers)}",
            expires_at=timestamp() + self.refresh_ttl,
        )
        return Reply(
            200,
            {
                "access_token": access,
                "refresh_token": refresh_token,
                "expires_in": self.access_ttl,
            },
        )
