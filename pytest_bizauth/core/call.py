"""The record of one call a fake answered, as its call log keeps it: redacted when
first read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import datetime as _dt

    from .._types import JSONView
    from .wire import EventKind, Note

__all__ = ["Call"]

# A view not made yet.
_UNREAD = object()

# A call's fields besides its request and response, in the constructor's order.
_CALL_FIELDS = ("endpoint", "method", "kind", "status", "at", "fault", "injected", "note",
                "reason")  # fmt: skip


class Call:
    """One request a fake answered, with secrets redacted.

    A fake logs the request and answer as they were and redacts them the first time
    ``request`` or ``response`` is read: a call nobody reads costs no redaction. Read
    only, like the record it is."""

    __slots__ = ("_raw", "_shown", "at", "endpoint", "fault", "injected", "kind", "method",
                 "note", "reason", "status")  # fmt: skip

    endpoint: str
    method: str
    kind: EventKind
    status: int | None
    at: _dt.datetime
    fault: str | None
    injected: bool
    note: Note | None
    #: Why the fake refused the call, in one line (None when it did not).
    reason: str | None
    _raw: tuple[Any, object, Callable[[Any], Any] | None]
    _shown: tuple[Any, object]

    def __init__(
        self,
        endpoint: str,
        method: str,
        kind: EventKind,
        request: JSONView,
        status: int | None,
        response: object,
        at: _dt.datetime,
        fault: str | None = None,
        injected: bool = False,
        note: Note | None = None,
        reason: str | None = None,
        *,
        redact: Callable[[Any], Any] | None = None,
    ) -> None:
        """``request`` and ``response`` as shown, or (``redact``) as they were, for
        ``redact`` to make them fit to show when first read."""
        fields = (endpoint, method, kind, status, at, fault, injected, note, reason)
        for name, value in zip(_CALL_FIELDS, fields):
            object.__setattr__(self, name, value)
        shown = (request, response) if redact is None else (_UNREAD, _UNREAD)
        object.__setattr__(self, "_raw", (request, response, redact))
        object.__setattr__(self, "_shown", shown)

    @property
    def request(self) -> JSONView:
        """The request's fields (and bearer header), secrets redacted."""
        return self._view(0)  # type: ignore[no-any-return]

    @property
    def response(self) -> object:
        """The answer's body, secrets redacted."""
        return self._view(1)

    def _view(self, which: int) -> Any:
        """The request (0) or the answer (1) as shown, redacted on first reading: the
        same from any thread (the raw values stay as they were)."""
        shown = self._shown
        if shown[which] is _UNREAD:
            raw = self._raw
            redact = raw[2]
            assert redact is not None
            view = redact(raw[which])
            shown = self._shown  # another thread may have redacted the other meanwhile
            shown = (view, shown[1]) if which == 0 else (shown[0], view)
            object.__setattr__(self, "_shown", shown)
        return shown[which]

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Call is a record: {name} cannot be set")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a Call is a record: {name} cannot be deleted")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Call):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def _fields(self) -> tuple[object, ...]:
        return (*(getattr(self, name) for name in _CALL_FIELDS), self.request, self.response)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in ("endpoint", "method", "kind", "request", "status", "response", "at",
                         "fault", "injected", "note", "reason")
        )  # fmt: skip
        return f"Call({shown})"

    @property
    def ok(self) -> bool:
        """A 2xx that no injected fault touched."""
        return self.status is not None and 200 <= self.status < 300 and not self.injected

    @property
    def event(self) -> str:
        """The call as an auth event: ``"login"``, ``"refresh 401"``, ``"resource timeout"``."""
        if self.ok:
            return self.kind
        return f"{self.kind} {self.fault or self.status}"

    def describe(self) -> str:
        outcome = self.fault or str(self.status)
        if self.injected:
            outcome += " (injected)"
        message = ""
        if isinstance(self.response, dict) and self.response.get("message"):
            message = f" {self.response['message']!r}"
        why = f" ({self.reason})" if self.reason else ""
        return (
            f"{self.at.strftime('%Y-%m-%dT%H:%M:%SZ')} {self.method} {self.endpoint} "
            f"-> {outcome}{message}{why}"
        )
