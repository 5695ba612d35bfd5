"""Who may drive the control API: on a loopback address, only a request whose ``Host``
is a loopback name (a web page cannot drive it by DNS rebinding); with a control token
(always when the server listens on any other address), only a request that presents it
as ``Authorization: Bearer <token>``."""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .._loopback import is_loopback
from ..core.wire import Reply

if TYPE_CHECKING:
    from ..core.wire import FakeRequest

__all__ = ["MIN_TOKEN", "ControlAccess", "new_token"]

#: The shortest control token taken.
MIN_TOKEN = 16


def new_token() -> str:
    return secrets.token_urlsafe(24)


class ControlAccess:
    """The control API's gate. ``token``: the bearer every control request must present
    (``None`` on a loopback server started without one)."""

    def __init__(self, token: str | None) -> None:
        self._token = token

    @property
    def needs_token(self) -> bool:
        return self._token is not None

    def refusal(self, request: FakeRequest) -> Reply | None:
        """The answer to a request that may not drive the control API, or ``None``: no
        token (where one is needed), a Host that is not loopback (where none is), a
        page of another origin (a browser's cross-site request), or a body that is not
        JSON (what a page may send without asking first)."""
        return self._who(request) or _from_a_page(request)

    def _who(self, request: FakeRequest) -> Reply | None:
        if self._token is not None:
            presented = request.bearer() or ""
            if not hmac.compare_digest(presented.encode(), self._token.encode()):
                return Reply(
                    401,
                    {"error": "the control API needs its token: Authorization: Bearer <token>"},
                    {"WWW-Authenticate": "Bearer"},
                )
            return None
        host = urlsplit(f"//{request.header('host') or ''}").hostname or ""
        if not is_loopback(host):
            return Reply(
                403,
                {
                    "error": f"the control API answers only to a loopback Host, not {host!r}; "
                    "start bizauth serve with --control-token to drive it from elsewhere"
                },
            )
        return None


def _from_a_page(request: FakeRequest) -> Reply | None:
    origin = (request.header("origin") or "").strip()
    host = (request.header("host") or "").strip().lower()
    if origin and urlsplit(origin).netloc.lower() != host:
        return Reply(
            403, {"error": f"the control API answers no page of another origin ({origin})"}
        )
    kind = (request.header("content-type") or "").split(";")[0].strip().lower()
    if request.body and kind != "application/json":
        return Reply(
            415,
            {"error": "the control API takes a JSON body: Content-Type: application/json"},
        )
    return None
