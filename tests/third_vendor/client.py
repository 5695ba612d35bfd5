"""Acme's client, built from ``pytest_bizauth.extend``: the same cache, renewal and
retry as the built-in clients."""

from __future__ import annotations

from typing import Any

from pytest_bizauth.extend import AuthFlow, Send, SyncClient, driven, read_json, received

from .fake import API_KEY


class AcmeAuth(AuthFlow):
    vendor = "Acme"

    def login(self) -> Any:
        answer = yield Send("POST", "/login", json={"api_key": API_KEY})
        if answer.status != 200:
            raise KeyError(f"Acme refused the login: HTTP {answer.status}")
        return self._tokens(answer, "/login", "login")

    def refresh(self, refresh_token: str) -> Any:
        answer = yield Send("POST", "/refresh", json={"refresh_token": refresh_token})
        return self._tokens(answer, "/refresh", "refresh")

    def _tokens(self, answer: Any, path: str, by: str) -> Any:
        body = read_json(self.vendor, answer, path)
        fields = (body.get("access_token"), body.get("refresh_token"), body.get("expires_in"))
        return received(self.vendor, answer, path, fields, by)

    def things(self) -> Any:
        answer = yield from self.call(Send("GET", "/things"))
        return read_json(self.vendor, answer, "/things")


class AcmeClient(SyncClient):
    def __init__(self, base_url: str, *, leeway: float = 60) -> None:
        super().__init__(AcmeAuth(base_url, leeway=leeway), timeout=5, session=None)

    things = driven(AcmeAuth.things)
