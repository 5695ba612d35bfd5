"""``bizauth_tenant``: a tenant of a running ``bizauth serve`` for one test, driven over
the control API with the verbs of the in-process fakes.

A project names the server with the ini option ``bizauth_serve_url`` (any of its fakes'
base URLs) and its control token with ``bizauth_serve_token`` or the environment's
``BIZAUTH_CONTROL_TOKEN``. Each test gets a tenant of its own, removed at teardown, so
tests in parallel (``pytest -n 8``, or several CI jobs) share one server and never see
each other's accounts, clocks, faults or calls.
"""

from __future__ import annotations

import datetime as _dt
import inspect
import os
from typing import TYPE_CHECKING, Any

from ..extend import MARKER, registered

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..core.fake import FakeProvider

__all__ = ["SERVE_INI", "RemoteClock", "RemoteControlError", "RemoteFake", "ServedTenant"]

#: The ini options naming the server and its control token.
SERVE_INI = (f"{MARKER}_serve_url", f"{MARKER}_serve_token")
_TIMEOUT = 10.0


class RemoteControlError(AssertionError):
    """The server refused a control request; the message is its reason."""


def _call(base_url: str, token: str | None, method: str, path: str, body: Any = None) -> Any:
    from ..serve.ctl import refused, send

    try:
        status, answer = send(base_url, method, path, body, token, _TIMEOUT)
    except OSError as exc:
        raise RemoteControlError(f"bizauth serve at {base_url} cannot be reached: {exc}") from None
    refusal = refused(status, answer)
    if refusal is not None:
        raise RemoteControlError(f"{method} /_bizauth/{path}: {refusal}")
    return answer


def _times(events: Iterable[str], kind: str) -> int:
    return sum(1 for event in events if event == kind)


class RemoteFake:
    """One vendor's fake in a tenant: its ``base_url`` and the fake's verbs, each one
    control request. The vendor's own verbs (``pay``, ``deliver``, ...) are those its
    control API translates, called as on the in-process fake."""

    def __init__(self, kind: type[FakeProvider], base_url: str, token: str | None) -> None:
        self._kind = kind
        self.base_url = base_url
        self._token = token

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """One request to this fake's control API (``path`` under ``/_bizauth/``)."""
        return _call(self.base_url, self._token, method, path, body)

    # -- reading --------------------------------------------------------------------------

    def accounts(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.control("GET", "accounts")
        return found

    @property
    def calls(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.control("GET", "calls")
        return found

    @property
    def auth_events(self) -> list[str]:
        found: list[str] = self.control("GET", "events")
        return found

    @property
    def webhooks(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.control("GET", "webhooks")
        return found

    # -- faults and state -----------------------------------------------------------------

    def fail_next(
        self, endpoint: str, status: int | None = None, *, error: str | None = None, times: int = 1
    ) -> None:
        self.control("POST", "faults", _fault(endpoint, status, error, times=times))

    def fail_always(
        self, endpoint: str, status: int | None = None, *, error: str | None = None
    ) -> None:
        self.control("POST", "faults", _fault(endpoint, status, error, always=True))

    def fail_sequence(self, endpoint: str, steps: Iterable[int | str]) -> None:
        self.control("POST", "faults", {"endpoint": endpoint, "sequence": list(steps)})

    def clear_faults(self, endpoint: str | None = None) -> None:
        self.control("DELETE", "faults", {} if endpoint is None else {"endpoint": endpoint})

    def expire_access_tokens(self) -> int:
        return int(self.control("POST", "expire_access_tokens", {})["expired"])

    def rotate_keys(self) -> None:
        self.control("POST", "rotate_keys", {})

    def skew_next_token(self, seconds: float) -> None:
        self.control("POST", "skew_next_token", {"seconds": seconds})

    def deliver_webhooks_to(self, url: str, events: Iterable[str] | None = None) -> None:
        body: dict[str, Any] = {"url": url}
        if events is not None:
            body["events"] = list(events)
        self.control("POST", "webhooks/target", body)

    def stop_webhooks(self) -> None:
        self.control("DELETE", "webhooks/target", {})

    # -- assertions -----------------------------------------------------------------------

    def assert_logged_in(self, times: int | None = None) -> None:
        __tracebackhide__ = True
        self._assert_count("login", "logged in", times)

    def assert_refreshed(self, times: int | None = None) -> None:
        __tracebackhide__ = True
        self._assert_count("refresh", "refreshed", times)

    def assert_not_refreshed(self) -> None:
        __tracebackhide__ = True
        self._assert_count("refresh", "refreshed", 0)

    def _assert_count(self, kind: str, verb: str, times: int | None) -> None:
        __tracebackhide__ = True
        events = self.auth_events
        count = _times(events, kind)
        if (times is None and count >= 1) or count == times:
            return
        expected = "at least once" if times is None else f"{times} time(s)"
        raise AssertionError(
            f"expected the {self._kind.vendor} fake to have {verb} {expected}, but it "
            f"{verb} {count} time(s). Events: {events}"
        )

    # -- the vendor's own verbs -----------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        for verb in getattr(self._kind, "control_verbs", ()):
            if name in verb.verbs:
                return self._verb(name, verb)
        raise AttributeError(
            f"the {self._kind.vendor} fake of a tenant has no verb {name!r} over HTTP"
        )

    def _verb(self, name: str, verb: Any) -> Any:
        signature = inspect.signature(getattr(self._kind, name))

        def call(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(None, *args, **kwargs).arguments
            bound.pop(next(iter(signature.parameters)))  # the fake itself
            path = verb.path
            for part in verb.path.split("/"):
                if part.startswith("<") and part.endswith(">"):
                    from urllib.parse import quote

                    path = path.replace(part, quote(str(bound.pop(part[1:-1])), safe=""))
            extra = bound.pop("fields", None) or bound.pop("options", None) or {}
            return self.control(verb.method, path, {**bound, **extra})

        call.__name__ = name
        call.__doc__ = f"{verb.method} /_bizauth/{verb.path}: as ``{name}`` on the fake."
        return call

    def __repr__(self) -> str:
        return f"RemoteFake({self._kind.vendor!r}, {self.base_url!r})"


def _fault(endpoint: str, status: int | None, error: str | None, **how: object) -> dict[str, Any]:
    body: dict[str, Any] = {"endpoint": endpoint, **how}
    if status is not None:
        body["status"] = status
    if error is not None:
        body["error"] = error
    return body


class RemoteClock:
    """The tenant's clock, shared by its fakes: real time until frozen or moved."""

    def __init__(self, fake: RemoteFake) -> None:
        self._fake = fake

    def now(self) -> _dt.datetime:
        from ..clock import parse_instant

        return parse_instant(self._fake.control("GET", "clock")["now"])

    def shift(self, seconds: float | _dt.timedelta) -> _dt.datetime:
        if isinstance(seconds, _dt.timedelta):
            seconds = seconds.total_seconds()
        return self._moved({"shift": seconds})

    def move_to(self, instant: str | _dt.datetime) -> _dt.datetime:
        text = instant.isoformat() if isinstance(instant, _dt.datetime) else instant
        return self._moved({"move_to": text})

    def freeze(self, on: bool = True) -> None:
        self._fake.control("POST", "clock", {"freeze": on})

    def _moved(self, body: dict[str, Any]) -> _dt.datetime:
        from ..clock import parse_instant

        return parse_instant(self._fake.control("POST", "clock", body)["now"])


class ServedTenant:
    """A tenant of a running ``bizauth serve``: ``tenant.<vendor>`` is its fake of that
    vendor (a :class:`RemoteFake`), ``tenant.clock`` its clock, ``tenant.urls`` each
    fake's base URL (what the code under test is given)."""

    def __init__(self, answer: dict[str, Any], token: str | None) -> None:
        self.id: str = answer["tenant"]
        self.urls: dict[str, str] = {k: v for k, v in answer.items() if k != "tenant"}
        kinds = {spec.name: spec.fake_class() for spec in registered()}
        self.fakes = {
            name: RemoteFake(kinds[name], url, token)
            for name, url in self.urls.items()
            if name in kinds
        }
        self.clock = RemoteClock(next(iter(self.fakes.values())))

    def __getattr__(self, name: str) -> RemoteFake:
        fakes = self.__dict__.get("fakes", {})
        if name in fakes:
            found: RemoteFake = fakes[name]
            return found
        raise AttributeError(f"the tenant serves no {name!r}; it serves {', '.join(fakes)}")

    def reset(self) -> None:
        """Its fakes and clock as at its start (the same credentials)."""
        next(iter(self.fakes.values())).control("POST", "reset", {})

    def __repr__(self) -> str:
        return f"ServedTenant({self.id!r}, {self.urls!r})"


def served_tenant(config: Any) -> tuple[ServedTenant, Any]:
    """A new tenant of the server the ini options name, and what removes it."""
    import pytest

    url = (config.getini(SERVE_INI[0]) or "").strip()
    if not url:
        pytest.fail(
            f"pytest-bizauth: bizauth_tenant needs a running bizauth serve: set the ini "
            f"option {SERVE_INI[0]} to one of its fakes' base URLs (and its control token "
            f"in {SERVE_INI[1]} or BIZAUTH_CONTROL_TOKEN, if it has one)",
            pytrace=False,
        )
    token = (config.getini(SERVE_INI[1]) or "").strip() or os.environ.get("BIZAUTH_CONTROL_TOKEN")
    tenant = ServedTenant(_call(url, token, "POST", "tenants", {}), token)

    def remove() -> None:
        _call(url, token, "DELETE", f"tenants/{tenant.id}", {})

    return tenant, remove
