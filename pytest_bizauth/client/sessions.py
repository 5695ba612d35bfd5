"""The ``requests`` sessions of the fixtures' clients, made once and lent from test to
test. A session comes back to the pool at its test's teardown only as it was made
(no cookie, header, hook, adapter or open connection a test added); anything else
is closed and dropped, and the next test gets a new one."""

from __future__ import annotations

import contextvars
import weakref
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from requests.models import DEFAULT_REDIRECT_LIMIT
from requests.utils import default_headers

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["SessionPool", "new_session"]

#: Where a client made while a fixture lends sessions gets its session (a context
#: variable: only the fixture's own building sees the pool).
_lender: contextvars.ContextVar[Callable[[], requests.Session] | None] = contextvars.ContextVar(
    "pytest_bizauth_session_lender", default=None
)

_SCHEMES = ("https://", "http://")


def new_session() -> requests.Session:
    """A session for a client given none: lent by the fixture building it, if any."""
    lend = _lender.get()
    return requests.Session() if lend is None else lend()


class SessionPool:
    """Sessions lent to the clients the fixtures build, kept between tests (at most
    ``keep`` idle)."""

    def __init__(self, keep: int = 4) -> None:
        self._keep = keep
        self._idle: list[requests.Session] = []
        # Each session lent and not back yet (held weakly: a client whose building
        # failed never gives its session back): the adapters it was made with.
        self._out: weakref.WeakKeyDictionary[requests.Session, tuple[object, ...]] = (
            weakref.WeakKeyDictionary()
        )

    def _lend(self) -> requests.Session:
        session = self._idle.pop() if self._idle else self._made()
        self._out[session] = tuple(session.adapters.values())
        return session

    @staticmethod
    def _made() -> requests.Session:
        session = requests.Session()
        # It talks to fakes: no proxy or netrc settings to read from the environment,
        # which costs more than the fake's answer.
        session.trust_env = False
        return session

    @contextmanager
    def lending(self) -> Iterator[None]:
        """Clients made inside get their sessions from this pool."""
        reset = _lender.set(self._lend)
        try:
            yield
        finally:
            _lender.reset(reset)

    def give_back(self, session: object) -> None:
        """Take back a session lent by this pool, when the test left it as made."""
        if not isinstance(session, requests.Session):
            return
        adapters = self._out.pop(session, None)
        if adapters is None:
            return
        if len(self._idle) < self._keep and _as_made(session, adapters):
            session.cookies.clear()
            self._idle.append(session)
        else:
            session.close()

    def close(self) -> None:
        for session in self._idle:
            session.close()
        self._idle.clear()


_DEFAULT_HEADERS = dict(default_headers())


def _as_made(session: requests.Session, adapters: tuple[object, ...]) -> bool:
    """Whether a test left ``session`` as it was lent: its own adapters with no open
    connection, and every setting a fresh session has."""
    if tuple(session.adapters) != _SCHEMES or tuple(session.adapters.values()) != adapters:
        return False
    for adapter in adapters:
        if not isinstance(adapter, HTTPAdapter):
            return False
        if len(adapter.poolmanager.pools) or adapter.proxy_manager:
            return False  # a connection kept open to a server: not for the next test
    return (
        dict(session.headers) == _DEFAULT_HEADERS
        and session.auth is None
        and not session.proxies
        and not session.params
        and session.hooks == {"response": []}
        and session.verify is True
        and session.cert is None
        and session.stream is False
        and session.trust_env is False
        and session.max_redirects == DEFAULT_REDIRECT_LIMIT
        and type(session.cookies) is RequestsCookieJar
    )
