"""Tenants of ``bizauth serve``: isolated sets of fakes on the same ports, each under a
path prefix ``/t/<id>``, with its own accounts (fresh credentials), state, clock,
faults, webhook target and call log.

A tenant's clock is its own: real time until frozen or moved, read by its fakes through
the context clock (:func:`pytest_bizauth.clock.reading`) while the server answers that
tenant. Idle tenants are dropped after ``ttl`` real seconds; at most ``limit`` live.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import secrets
import threading
from typing import TYPE_CHECKING, Any, Callable

from .._compat import real_seconds, real_wall_time
from ..clock import parse_instant, read_by, reading
from ..core.control import ControlVerb, iso
from ..core.wire import Reply

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .._types import JSONObject
    from ..core.fake import FakeProvider

__all__ = [
    "PREFIX",
    "Tenant",
    "TenantClock",
    "Tenants",
    "TooManyTenants",
    "split",
    "tenant_verbs",
]

#: Where a tenant's paths start: ``/t/<id>/...``.
PREFIX = "/t/"
_UTC = _dt.timezone.utc


def split(path: str) -> tuple[str, str] | None:
    """``(tenant id, the rest of the path)`` for a tenant's path, else None."""
    if not path.startswith(PREFIX):
        return None
    tenant, _, rest = path[len(PREFIX) :].partition("/")
    return (tenant, "/" + rest) if tenant else None


class TooManyTenants(Exception):
    """Every tenant slot is taken."""


class TenantClock:
    """One tenant's clock: real time until frozen or moved. Its fakes are told when it
    moves (their webhook retries fall due)."""

    def __init__(self, fakes: Callable[[], list[Any]], start: _dt.datetime | None = None) -> None:
        self._fakes = fakes
        self._start = start
        self._real = real_wall_time()
        self._lock = threading.Lock()
        self._frozen: _dt.datetime | None = start
        self._offset = _dt.timedelta(0)

    def now(self) -> _dt.datetime:
        frozen = self._frozen
        if frozen is not None:
            return frozen
        return _dt.datetime.fromtimestamp(self._real(), _UTC) + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen is not None

    def state(self) -> JSONObject:
        return {"now": iso(self.now()), "frozen": self.frozen}

    def freeze(self, on: bool) -> None:
        with self._lock:
            if on and self._frozen is None:
                self._frozen = self.now()
            elif not on and self._frozen is not None:
                self._offset = self._frozen - _dt.datetime.fromtimestamp(self._real(), _UTC)
                self._frozen = None

    def shift(self, seconds: float) -> None:
        self.move_to(iso(self.now() + _dt.timedelta(seconds=seconds)))

    def move_to(self, instant: str) -> None:
        target = parse_instant(instant, what="move_to")
        with self._lock:
            self._frozen = target  # a moved clock stands still, as bizauth_clock does
        for fake in self._fakes():
            fake.clock_moved(target)

    def reset(self) -> None:
        """Back to the start: frozen at the server's ``--start``, else real time."""
        with self._lock:
            self._frozen, self._offset = self._start, _dt.timedelta(0)


class Tenant:
    """One tenant: its id, the seed of its credentials, its fakes by vendor name, and
    its clock."""

    def __init__(self, tenant_id: str, start: _dt.datetime | None = None) -> None:
        self.id = tenant_id
        #: What the tenant's credentials are made from (the same after a reset).
        self.seed = secrets.token_hex(16)
        self.fakes: dict[str, FakeProvider] = {}
        self.clock = TenantClock(lambda: list(self.fakes.values()), start)
        self.used = real_seconds()()

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """The tenant's fakes read the tenant's clock in this context."""
        token = reading(self.clock.now)
        try:
            yield
        finally:
            read_by(token)

    def answer(self) -> JSONObject:
        """What ``POST /_bizauth/tenants`` answers: the id and each fake's base URL."""
        return {"tenant": self.id, **{name: f.base_url for name, f in self.fakes.items()}}

    def fake_like(self, fake: FakeProvider) -> FakeProvider | None:
        """The tenant's fake of the same vendor as ``fake``."""
        return next((f for f in self.fakes.values() if type(f) is type(fake)), None)


class Tenants:
    """The live tenants. ``build(tenant)`` makes a tenant's fakes by vendor name, their
    accounts made from the tenant's seed."""

    def __init__(
        self,
        build: Callable[[Tenant], dict[str, FakeProvider]],
        *,
        ttl: float,
        limit: int,
        start: _dt.datetime | None = None,
    ) -> None:
        self._build = build
        self._start = start
        self.ttl = ttl
        self.limit = limit
        self._lock = threading.Lock()
        self._live: dict[str, Tenant] = {}
        self._real = real_seconds()

    def create(self) -> Tenant:
        with self._lock:
            self._sweep()
            if len(self._live) >= self.limit:
                raise TooManyTenants(
                    f"{self.limit} tenants are live (--max-tenants): DELETE "
                    "/_bizauth/tenants/<id> one you are done with, or wait until idle ones "
                    f"expire ({self.ttl:g} s idle, --tenant-ttl)"
                )
            tenant_id = secrets.token_hex(8)
            tenant = self._live[tenant_id] = Tenant(tenant_id, self._start)
        try:
            tenant.fakes.update(self._build(tenant))
        except BaseException:
            self.delete(tenant_id)
            raise
        return tenant

    def reset(self, tenant: Tenant) -> None:
        """The tenant's fakes and clock as at its start (the same credentials)."""
        for fake in tenant.fakes.values():
            fake.stop_webhooks()
        tenant.fakes = self._build(tenant)
        tenant.clock.reset()

    def route(
        self, fake: FakeProvider, path: str
    ) -> Reply | tuple[FakeProvider, str, Tenant] | None:
        """The pool's router: a tenant's path to that tenant's fake of ``fake``'s vendor."""
        found = split(path)
        if found is None:
            return None
        tenant = self.get(found[0])
        own = None if tenant is None else tenant.fake_like(fake)
        if tenant is None or own is None:
            return Reply(
                404,
                {"error": f"no tenant {found[0][:40]!r} here: deleted, or idle for longer "
                 f"than {self.ttl:g} s (--tenant-ttl); POST /_bizauth/tenants makes one"},
            )  # fmt: skip
        return own, found[1], tenant

    def get(self, tenant_id: str) -> Tenant | None:
        with self._lock:
            tenant = self._live.get(tenant_id)
            if tenant is not None:
                if self._real() - tenant.used > self.ttl:
                    del self._live[tenant_id]
                    return None
                tenant.used = self._real()
            return tenant

    def delete(self, tenant_id: str) -> bool:
        with self._lock:
            tenant = self._live.pop(tenant_id, None)
        if tenant is None:
            return False
        for fake in tenant.fakes.values():
            fake.stop_webhooks()
        return True

    def listing(self) -> list[str]:
        with self._lock:
            self._sweep()
            return sorted(self._live)

    def _sweep(self) -> None:
        """Drop the tenants idle for longer than the ttl (the lock held)."""
        now = self._real()
        for tenant_id in [t for t, tenant in self._live.items() if now - tenant.used > self.ttl]:
            del self._live[tenant_id]


def tenant_verbs(tenants: Tenants) -> tuple[ControlVerb, ...]:
    """The control API's endpoints that make, list and drop tenants."""

    def create(fake: FakeProvider, body: JSONObject) -> object:
        try:
            return Reply(201, tenants.create().answer())
        except TooManyTenants as exc:
            return Reply(429, {"error": str(exc)})

    def drop(fake: FakeProvider, body: JSONObject) -> object:
        tenant_id = body.get("tenant")
        if not isinstance(tenant_id, str) or not tenants.delete(tenant_id):
            return Reply(404, {"error": f"no tenant {str(tenant_id)[:40]!r} here"})
        return {"deleted": tenant_id}

    return (
        ControlVerb("POST", "tenants", "{} -> {tenant, <vendor>: base URL, ...}", create),
        ControlVerb("GET", "tenants", "the live tenants' ids", lambda f, b: tenants.listing()),
        ControlVerb("DELETE", "tenants/<tenant>", "{}", drop),
    )
