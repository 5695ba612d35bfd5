"""How a webhook reaches its receiver: POSTed to a URL over real HTTP, or handed to a
WSGI or ASGI application in-process (no socket, and no mock of the test's in the way),
at the path the receiver's route expects."""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from typing import TYPE_CHECKING, Any, Callable, Union

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._types import JSONObject, JSONView

__all__ = ["URL_TIMEOUT", "Target", "decoded", "send_once"]

#: Where webhooks go: a URL, a WSGI application or an ASGI application.
Target = Union[str, Callable[..., object]]
#: How long a URL may take to answer, in real seconds.
URL_TIMEOUT = 10.0


def _is_asgi(app: Callable[..., object]) -> bool:
    call = getattr(app, "__call__", None)  # noqa: B004  (a class's instances too)
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)


def decoded(content: bytes) -> Any:
    """A receiver's answer: its JSON, else its text (the first 500 characters)."""
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return content.decode("utf-8", "replace")[:500]


def _to_url(url: str, content: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    class _NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None  # a webhook answered by a redirect is not accepted, not followed

    opener = urllib.request.build_opener(_NoRedirects)
    request = urllib.request.Request(url, data=content, headers=dict(headers), method="POST")
    try:
        with opener.open(request, timeout=URL_TIMEOUT) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as answered:
        return answered.code, answered.read()


def _to_wsgi(
    app: Callable[..., Any], content: bytes, headers: Mapping[str, str], path: str
) -> tuple[int, bytes]:
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    builder = EnvironBuilder(path=path, method="POST", headers=list(headers.items()), data=content)
    try:
        app_iter, status, _ = run_wsgi_app(app, builder.get_environ(), buffered=True)
        body = b"".join(app_iter)
    finally:
        builder.close()
    return int(status.split()[0]), body


def _to_asgi(
    app: Callable[..., Any], content: bytes, headers: Mapping[str, str], path: str
) -> tuple[int, bytes]:
    route, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 80),
    }
    answered: JSONObject = {"status": 500, "body": b""}

    async def receive() -> JSONObject:
        return {"type": "http.request", "body": content, "more_body": False}

    async def send(message: JSONView) -> None:
        if message["type"] == "http.response.start":
            answered["status"] = int(message["status"])
        elif message["type"] == "http.response.body":
            answered["body"] += bytes(message.get("body", b""))

    failure: list[BaseException] = []

    def run() -> None:  # its own thread and loop, whether or not a loop runs here
        try:
            asyncio.run(app(scope, receive, send))
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=run, name="bizauth-webhook")
    worker.start()
    worker.join()
    if failure:
        raise failure[0]
    return answered["status"], answered["body"]


def send_once(
    target: Target, content: bytes, headers: Mapping[str, str], path: str = "/"
) -> tuple[int, bytes]:
    """POST ``content`` to a URL, or call a WSGI or ASGI application with it at
    ``path``; the receiver's status and body."""
    if isinstance(target, str):
        return _to_url(target, content, headers)
    if _is_asgi(target):
        return _to_asgi(target, content, headers, path)
    return _to_wsgi(target, content, headers, path)
