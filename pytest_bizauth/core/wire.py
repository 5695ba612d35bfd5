"""What crosses between a transport and a fake: the parsed request, the reply, the
refusal a rule raises, and the record of one call."""

from __future__ import annotations

import enum
import functools
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from .._redact import redact
from ..errors import UsageTypeError

if TYPE_CHECKING:
    from collections.abc import Mapping


__all__ = [
    "EventKind",
    "FakeRequest",
    "Form",
    "NetworkError",
    "Note",
    "Refusal",
    "Reply",
    "Upload",
]

#: What a call to a fake is, as an auth event.
EventKind = Literal["login", "refresh", "resource", "discovery"]
#: Why a protected endpoint refused a bearer token.
Note = Literal["expired", "invalid"]


class NetworkError(str, enum.Enum):
    """A failure with no HTTP answer at all; each transport raises its own library's
    exception for it."""

    CONNECTION = "connection"
    TIMEOUT = "timeout"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body."""

    name: str
    filename: str
    content: bytes = field(repr=False)
    content_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class Form:
    """The fields of a request body (JSON object, multipart or urlencoded)."""

    values: dict[str, list[object]] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)

    def add(self, name: str, value: object) -> None:
        self.values.setdefault(name, []).append(value)

    def text(self, name: str) -> str | None:
        """The field's first value if it is a string, else ``None``."""
        found = self.values.get(name)
        if not found:
            return None
        first = found[0]
        return first if isinstance(first, str) else None

    def texts(self, *names: str) -> list[str]:
        """Every string value of any of these field names (``to`` and ``to[]`` say)."""
        out: list[str] = []
        for name in names:
            for value in self.values.get(name, ()):
                if isinstance(value, str):
                    out.append(value)
                elif isinstance(value, list):
                    out.extend(v for v in value if isinstance(v, str))
        return out

    def first_values(self) -> dict[str, object]:
        """Each field's first value: the body as one flat object."""
        return {name: values[0] for name, values in self.values.items()}


def _parse_json(body: bytes) -> Form | None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    form = Form()
    for key, value in data.items():
        form.add(str(key), value)
    return form


def _parse_urlencoded(body: bytes) -> Form | None:
    from urllib.parse import parse_qs

    try:
        pairs = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None
    return Form(values={k: list(v) for k, v in pairs.items()})


def _parse_multipart(body: bytes, boundary: str) -> Form | None:
    """A multipart body read by ``multipart``'s push parser (no per-request compilation,
    though each request's boundary is new; no temporary files); ``None`` when it is not
    complete, well-formed multipart with that boundary."""
    from multipart import MultipartError, MultipartSegment, PushMultipartParser

    parts: list[tuple[Any, bytearray]] = []
    try:
        parser = PushMultipartParser(boundary, len(body), max_header_count=64)
        for event in (*parser.parse(body), *parser.parse(b"")):
            if isinstance(event, MultipartSegment):
                parts.append((event, bytearray()))
            elif event:
                parts[-1][1].extend(event)
        parser.close()  # raises when the body ended before the closing boundary
    except (MultipartError, ValueError, UnicodeError):
        return None
    form = Form(values={})
    for segment, content in parts:
        if segment.filename is None:
            form.values.setdefault(segment.name, []).append(content.decode("utf-8", "replace"))
        else:
            declared = any(name == "Content-Type" for name, _ in segment.headerlist)
            kind = segment.content_type if declared else None  # as sent, not a default
            form.uploads.append(Upload(segment.name, segment.filename, bytes(content), kind))
    return form


def content_type(value: str) -> tuple[str, dict[str, str]]:
    """A ``Content-Type`` header's media type (lower case) and parameters."""
    if not value:
        return "", {}
    kind, params = _content_type(value)
    return kind, dict(params)


@functools.lru_cache(maxsize=256)
def _content_type(value: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    # Most requests send one of a few values; a multipart boundary is new each time,
    # and the cache is bounded.
    from werkzeug.http import parse_options_header

    kind, params = parse_options_header(value)
    return kind.lower(), tuple(params.items())


class FakeRequest:
    """What a fake's rules receive: a method, a path, lower-cased headers and the body.
    The body is parsed once, on first use."""

    __slots__ = ("_form", "_parsed", "body", "headers", "method", "path", "query")

    def __init__(
        self, method: str, path: str, headers: dict[str, str], body: bytes, query: str
    ) -> None:
        """Use :meth:`build`, which takes what a transport has."""
        self.method, self.path, self.headers, self.body, self.query = (
            method, path, headers, body, query
        )  # fmt: skip
        self._parsed = False
        self._form: Form | None = None

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        headers: Mapping[str, str] | None = None,
        body: object = b"",
        query: str = "",
    ) -> FakeRequest:
        """A request from what a transport has: any header case, a ``str`` or bytes-like
        body (``None`` for none)."""
        if body is None:
            raw = b""
        elif isinstance(body, str):
            raw = body.encode("utf-8")
        elif isinstance(body, (bytes, bytearray, memoryview)):
            raw = bytes(body)
        elif hasattr(body, "__iter__"):  # a chunked body: an iterable of chunks
            raw = b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in body)
        else:
            raise UsageTypeError(
                f"a request body must be bytes, str or an iterable of chunks, "
                f"not {type(body).__name__}"
            )
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        return cls(method.upper(), path or "/", lowered, raw, query)

    def __repr__(self) -> str:
        return f"FakeRequest(method={self.method!r}, path={self.path!r}, query={self.query!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FakeRequest):
            return NotImplemented
        mine = (self.method, self.path, self.headers, self.body, self.query)
        return mine == (other.method, other.path, other.headers, other.body, other.query)

    __hash__ = None  # type: ignore[assignment]

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def bearer(self, *header_names: str) -> str | None:
        """The token of the first ``Bearer`` credential among these headers
        (``Authorization`` when none are named)."""
        for name in header_names or ("authorization",):
            value = self.header(name)
            if value is None:
                continue
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
        return None

    def form(self) -> Form | None:
        """The body's fields, or ``None`` when the body cannot be parsed as its
        Content-Type says (a missing Content-Type is read as JSON). Parsed once."""
        if not self._parsed:
            self._form = self._parse()
            self._parsed = True
        return self._form

    def is_form(self) -> bool:
        """Whether the body is declared as a form (multipart or urlencoded), not JSON."""
        kind, _ = content_type(self.header("content-type") or "")
        return kind in ("multipart/form-data", "application/x-www-form-urlencoded")

    def is_multipart(self) -> bool:
        """Whether the body is declared as ``multipart/form-data``."""
        kind, _ = content_type(self.header("content-type") or "")
        return kind == "multipart/form-data"

    def json_object(self) -> dict[str, object] | None:
        """The body as one flat object (each field's first value), or ``None`` when it
        cannot be parsed or carries files."""
        form = self.form()
        if form is None or form.uploads:
            return None
        return form.first_values()

    def _parse(self) -> Form | None:
        kind, params = content_type(self.header("content-type") or "")
        if kind == "multipart/form-data":
            boundary = params.get("boundary")
            return _parse_multipart(self.body, boundary) if boundary else None
        if kind == "application/x-www-form-urlencoded":
            return _parse_urlencoded(self.body)
        if kind in ("", "application/json", "text/json") or kind.endswith("+json"):
            return _parse_json(self.body)
        return None


class Refusal(Exception):
    """What a rule raises to refuse a request: the vendor's status, body and headers,
    and why a bearer token was refused (``note``). The fake renders it as a reply."""

    def __init__(
        self,
        status: int,
        body: object = None,
        headers: Mapping[str, str] | None = None,
        note: Note | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.note = note
        #: Why, in one line and the fake's words (``call.reason``); never a secret.
        self.reason = reason

    def reply(self) -> Reply:
        return Reply(self.status, self.body, self.headers, note=self.note, reason=self.reason)

    def __repr__(self) -> str:
        return f"Refusal(status={self.status!r}, note={self.note!r})"


@dataclass(frozen=True)
class Reply:
    """A fake's answer. ``body`` is JSON-encoded unless it is ``bytes`` (sent as is) or
    ``None`` (an empty body). ``fault`` asks the transport for a network failure instead."""

    status: int
    body: object = None
    headers: Mapping[str, str] = field(default_factory=dict)
    fault: NetworkError | None = None
    injected: bool = False
    note: Note | None = None
    reason: str | None = None

    def __repr__(self) -> str:
        body = self.body if isinstance(self.body, bytes) else redact(self.body)
        extra = f", fault={self.fault.value!r}" if self.fault else ""
        return f"Reply(status={self.status!r}, body={body!r}{extra})"

    def content(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()

    def all_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.body is not None and not isinstance(self.body, bytes):
            headers.setdefault("Content-Type", "application/json")
        return headers
