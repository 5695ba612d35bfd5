"""A fake's endpoints: the route table a fake class declares, and the endpoints a test
declares on one fake (``add_endpoint``), protected by the vendor's bearer check."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Union

from ..errors import UnknownNameError, UsageTypeError, UsageValueError
from .wire import Reply

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping

    from .._types import JSONObject
    from .wire import EventKind, FakeRequest

__all__ = ["Handler", "Route", "RouteTable", "Rule", "declared_route"]

#: How a route answers: a function of the fake and the request (unbound, so a fake and
#: its route table hold no cycle of references).
Rule = Callable[[Any, "FakeRequest"], Reply]
#: What answers a declared endpoint: the request and its token's claims in, a reply out.
Handler = Callable[["FakeRequest", "JSONObject"], Any]


@dataclass(frozen=True)
class Route:
    """One endpoint of a fake: its short ``name``, what kind of auth event a call is
    (``login``, ``refresh``, ``resource``, ``discovery``; or a function of the request,
    for an endpoint that both logs in and refreshes), and the rule that answers it."""

    name: str
    method: str
    path: str
    kind: Union[EventKind, Callable[[FakeRequest], EventKind]]  # noqa: UP007
    rule: Rule

    def event(self, request: FakeRequest) -> EventKind:
        return self.kind(request) if callable(self.kind) else self.kind

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


class RouteTable:
    """One fake's routes, by method and path and by name. Read and written under one
    lock: a test may declare an endpoint while another thread's call is answered."""

    def __init__(self, routes: Iterable[Route], vendor: str) -> None:
        self._vendor = vendor
        self._lock = threading.Lock()
        self._routes = {(route.method, route.path): route for route in routes}
        self._by_name = {route.name: route for route in self._routes.values()}

    def __iter__(self) -> Iterator[Route]:
        with self._lock:
            return iter(list(self._routes.values()))

    def find(self, method: str, path: str) -> Route | None:
        with self._lock:
            return self._routes.get((method, path))

    def near_miss(self, method: str, path: str) -> str | None:
        """The closest endpoint to a request that matched none, and how it differs."""
        from .near import near_miss

        with self._lock:
            served = list(self._routes)
        return near_miss(method, path, served)

    def named(self, endpoint: str) -> Route:
        """A route by its short name (``"token"``) or path (``"/api/1.0/auth/token"``)."""
        with self._lock:
            found = self._by_name.get(endpoint)
            routes = list(self._routes.values())
        if found is not None:
            return found
        for route in routes:
            if endpoint in (route.path, str(route)):
                return route
        names = ", ".join(f"{r.name!r} ({r.path})" for r in routes)
        raise UnknownNameError(f"{self._vendor} has no endpoint {endpoint!r}; use one of: {names}")

    def add(self, route: Route) -> None:
        with self._lock:
            clash = self._routes.get((route.method, route.path))
            if clash is not None:
                raise UsageValueError(f"the {self._vendor} fake already serves {clash}")
            if route.name in self._by_name:
                raise UsageValueError(
                    f"the {self._vendor} fake already has an endpoint named {route.name!r}; "
                    "give this one another name="
                )
            self._routes[(route.method, route.path)] = route
            self._by_name[route.name] = route


def _check_declared(method: object, path: object, status: object, name: object) -> None:
    if not isinstance(method, str) or not method.isalpha():
        raise UsageValueError(f"method must be an HTTP method such as 'POST', not {method!r}")
    if not isinstance(path, str) or not path.startswith("/") or "?" in path or "#" in path:
        raise UsageValueError(f"path must start with '/' and hold no query, not {path!r}")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise UsageValueError(f"status must be an HTTP status code, not {status!r}")
    if name is not None and (not isinstance(name, str) or not name):
        raise UsageValueError(f"name must be a non-empty string, not {name!r}")


def declared_route(
    method: str,
    path: str,
    *,
    json: object,
    status: int,
    body: bytes | str | None,
    headers: Mapping[str, str] | None,
    handler: Handler | None,
    name: str | None,
) -> Route:
    """The route ``add_endpoint`` declares, its arguments checked. Its rule checks the
    bearer token as the fake's protected endpoints do."""
    _check_declared(method, path, status, name)
    if sum(x is not None for x in (json, body, handler)) > 1:
        raise UsageValueError("give at most one of json=, body= and handler=")
    if body is not None and not isinstance(body, (bytes, str)):
        raise UsageTypeError(f"body must be bytes or str, not {type(body).__name__}")
    if handler is not None and not callable(handler):
        raise UsageTypeError(
            f"handler must be callable as handler(request, claims), not {handler!r}"
        )
    sent = dict(headers or {})
    raw = body.encode() if isinstance(body, str) else body
    answer = Reply(status, raw if raw is not None else json, sent)

    def rule(fake: Any, request: FakeRequest) -> Reply:
        claims = fake._authenticate(request)
        if handler is None:
            return _as_now(answer)
        result = handler(request, claims)
        return _as_now(result if isinstance(result, Reply) else Reply(status, result, sent))

    return Route(name or path, method.upper(), path, "resource", rule)


def _as_now(reply: Reply) -> Reply:
    """A reply whose body is the test's own object (``json=``, a handler's result) with
    a body of its own: what was answered then, in the call log (which reads it later)
    and on the wire, whatever the test changes in its object afterwards."""
    if isinstance(reply.body, (dict, list)):
        return replace(reply, body=copy.deepcopy(reply.body))
    return reply
