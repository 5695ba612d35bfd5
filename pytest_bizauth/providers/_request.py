"""A parsed HTTP request, as every fake's rules see it, whatever carried it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs

__all__ = ["FakeRequest", "Form", "Upload"]

_PARAM = re.compile(r';\s*([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    main, _, rest = value.partition(";")
    params = {
        m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
        for m in _PARAM.finditer(";" + rest)
    }
    return main.strip().lower(), params


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


def _parse_json(body: bytes) -> Form | None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    form = Form()
    for key, value in data.items():
        form.add(str(key), value)
    return form


def _parse_urlencoded(body: bytes) -> Form | None:
    try:
        pairs = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None
    return Form(values={k: list(v) for k, v in pairs.items()})


def _parse_multipart(body: bytes, boundary: str) -> Form | None:
    delimiter = b"--" + boundary.encode("latin-1")
    sections = body.split(delimiter)
    if len(sections) < 3:
        return None
    form = Form()
    for section in sections[1:]:
        if section.startswith(b"--"):
            return form
        if section.startswith(b"\r\n"):
            section = section[2:]
        elif section.startswith(b"\n"):
            section = section[1:]
        head, sep, content = section.partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = section.partition(b"\n\n")
            if not sep:
                return None
        if content.endswith(b"\r\n"):
            content = content[:-2]
        elif content.endswith(b"\n"):
            content = content[:-1]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").splitlines():
            name, colon, value = line.partition(":")
            if colon:
                headers[name.strip().lower()] = value.strip()
        kind, params = _header_params(headers.get("content-disposition", ""))
        field_name = params.get("name")
        if kind != "form-data" or field_name is None:
            return None
        if "filename" in params:
            form.uploads.append(
                Upload(field_name, params["filename"], content, headers.get("content-type"))
            )
            continue
        try:
            form.add(field_name, content.decode("utf-8"))
        except UnicodeDecodeError:
            return None
    return None  # no closing delimiter: a truncated body


@dataclass(frozen=True)
class FakeRequest:
    """What a fake's rules receive: a method, a path, lower-cased headers and the body."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    body: bytes = field(default=b"", repr=False)
    query: str = ""
    _parsed: list[Form | None] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: object = b"",
        query: str = "",
    ) -> FakeRequest:
        if body is None:
            raw = b""
        elif isinstance(body, str):
            raw = body.encode("utf-8")
        elif isinstance(body, (bytes, bytearray, memoryview)):
            raw = bytes(body)
        else:
            raise TypeError(f"a request body must be bytes or str, not {type(body).__name__}")
        lowered = {k.lower(): v for k, v in (headers or {}).items()}
        return cls(method.upper(), path or "/", lowered, raw, query)

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
        Content-Type says (a missing Content-Type is read as JSON)."""
        kind, params = _header_params(self.header("content-type") or "")
        if kind == "multipart/form-data":
            boundary = params.get("boundary")
            return _parse_multipart(self.body, boundary) if boundary else None
        if kind == "application/x-www-form-urlencoded":
            return _parse_urlencoded(self.body)
        if kind in ("", "application/json", "text/json") or kind.endswith("+json"):
            return _parse_json(self.body)
        return None
