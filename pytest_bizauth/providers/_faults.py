"""Injected faults: what a fake answers instead of its rules, for a number of calls."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Union

if TYPE_CHECKING:
    from ._base import Reply

__all__ = ["ERRORS", "NETWORK_ERRORS", "Fault", "Step"]

NETWORK_ERRORS = ("connection", "timeout")
#: Every kind of failure ``error=`` can name.
ERRORS = (*NETWORK_ERRORS, "html", "not_json", "truncated", "missing_fields")
#: The keys a body "missing fields" keeps: the envelope, not the payload.
_ENVELOPE_KEYS = ("success", "code", "message", "message_kh")

Step = Union[int, str]

_HTML = (
    "<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def check_status(status: object) -> int:
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError(f"status must be an HTTP status code (100-599), not {status!r}")
    return status


def check_error(error: object) -> str:
    if error not in ERRORS:
        raise ValueError(f"error must be one of {', '.join(map(repr, ERRORS))}, not {error!r}")
    return str(error)


@dataclass
class Fault:
    """``status``/``error`` for ``remaining`` calls (``None``: every call until cleared)."""

    status: int | None
    error: str | None
    remaining: int | None
    fired: int = 0

    @classmethod
    def from_step(cls, step: Step) -> Fault:
        """A one-call fault from a sequence step: a status code or an error name."""
        if isinstance(step, str):
            return cls(None, check_error(step), 1)
        return cls(check_status(step), None, 1)

    def describe(self) -> str:
        what = self.error or f"HTTP {self.status}"
        if self.error and self.status:
            what = f"{self.error} {self.status}"
        if self.remaining is None:
            return f"{what} (every call)"
        return what if self.remaining == 1 else f"{what} (x{self.remaining})"

    @property
    def unfired(self) -> bool:
        """Whether the test asked for calls that never came."""
        return self.fired == 0 if self.remaining is None else self.remaining > 0

    def take(self) -> bool:
        """Count one call; whether the fault is used up."""
        self.fired += 1
        if self.remaining is None:
            return False
        self.remaining -= 1
        return self.remaining <= 0

    def answer(
        self,
        rules: Callable[[], Reply],
        error_body: Callable[[int], Any],
        reply_type: type[Reply],
    ) -> Reply:
        """What the fake sends instead. ``truncated`` and ``missing_fields`` corrupt the
        real answer, so the rules run (and change state) as they would have."""
        from http import HTTPStatus

        if self.error in NETWORK_ERRORS:
            return reply_type(0, fault=self.error, injected=True)
        if self.error == "html":
            status = self.status or 502
            phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
            page = _HTML.format(status=status, phrase=phrase).encode()
            return reply_type(status, page, {"Content-Type": "text/html"}, injected=True)
        if self.error == "not_json":
            return reply_type(
                self.status or 200, b"OK", {"Content-Type": "text/plain"}, injected=True
            )
        if self.error is None:
            status = self.status or 500
            return reply_type(status, error_body(status), injected=True)
        real = rules()
        if self.error == "truncated":
            content = real.content()
            return dataclasses.replace(
                real,
                body=content[: len(content) // 2],
                headers={**real.all_headers()},
                injected=True,
            )
        body = real.body
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k in _ENVELOPE_KEYS}
        return dataclasses.replace(real, body=body, injected=True)
