"""Webhooks a fake sends to the code under test: to a URL over real HTTP, or to a WSGI or
ASGI application called in-process (no socket, and no mock of the test's in the way).
Every delivery is recorded; one the receiver did not accept fails the test at teardown
unless failures are allowed."""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Union

from ..clock import now
from ..errors import UsageTypeError, UsageValueError
from .values import check_times

if TYPE_CHECKING:
    import datetime as _dt
    from collections.abc import Iterable, Mapping

    from .._types import JSONObject, JSONView

__all__ = ["Delivery", "Target", "WebhookSender", "send_once"]

#: Where webhooks go: a URL, a WSGI application or an ASGI application.
Target = Union[str, Callable[..., Any]]
#: How long a URL may take to answer, in real seconds.
URL_TIMEOUT = 10.0


@dataclass(frozen=True)
class Delivery:
    """One webhook sent: what was sent, what came back, and whether it was accepted.
    ``status`` is ``None`` when no answer came (``error`` says why)."""

    event: str
    target: str
    body: Any
    headers: Mapping[str, str]
    status: int | None
    answer: Any
    ok: bool
    attempt: int = 1
    error: str | None = None
    at: _dt.datetime | None = field(default=None, compare=False)

    def describe(self) -> str:
        outcome = self.error or f"HTTP {self.status}, answered {self.answer!r}"
        verdict = "accepted" if self.ok else "not accepted"
        return f"{self.event} to {self.target} (attempt {self.attempt}): {outcome}; {verdict}"


def _is_asgi(app: Callable[..., Any]) -> bool:
    call = getattr(app, "__call__", None)  # noqa: B004  (a class's instances too)
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)


def _decoded(content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return content.decode("utf-8", "replace")[:500]


def _to_url(url: str, content: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    class _NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None  # a webhook answered by a redirect is not accepted, not followed

    opener = urllib.request.build_opener(_NoRedirects)
    request = urllib.request.Request(url, data=content, headers=dict(headers), method="POST")
    try:
        with opener.open(request, timeout=URL_TIMEOUT) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as answered:
        return answered.code, answered.read()


def _to_wsgi(
    app: Callable[..., Any], content: bytes, headers: Mapping[str, str]
) -> tuple[int, bytes]:
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    builder = EnvironBuilder(path="/", method="POST", headers=list(headers.items()), data=content)
    try:
        app_iter, status, _ = run_wsgi_app(app, builder.get_environ(), buffered=True)
        body = b"".join(app_iter)
    finally:
        builder.close()
    return int(status.split()[0]), body


def _to_asgi(
    app: Callable[..., Any], content: bytes, headers: Mapping[str, str]
) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
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


def send_once(target: Target, content: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
    """POST ``content`` to a URL, or call a WSGI or ASGI application with it; the
    receiver's status and body."""
    if isinstance(target, str):
        return _to_url(target, content, headers)
    if _is_asgi(target):
        return _to_asgi(target, content, headers)
    return _to_wsgi(target, content, headers)


def _check_target(target: object) -> Target:
    if isinstance(target, str):
        if not target.startswith(("http://", "https://")):
            raise UsageValueError(f"a webhook URL must be http(s), not {target!r}")
        return target
    if not callable(target):
        raise UsageTypeError(
            "webhooks go to a URL, a WSGI application (environ, start_response) or an "
            f"ASGI application (scope, receive, send), not {target!r}"
        )
    return target


def _name(target: Target) -> str:
    return target if isinstance(target, str) else getattr(target, "__name__", repr(target))


class WebhookSender:
    """Where one fake's webhooks go, by event, and every delivery it made. ``retries``:
    how many times a delivery the receiver did not accept is sent again (at once, as
    the clock is frozen)."""

    def __init__(self, vendor: str, *, retries: int = 0, allow_failures: bool = False) -> None:
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise UsageValueError(
                f"webhook retries must be a whole number, 0 or more, not {retries!r}"
            )
        self.vendor = vendor
        self.retries = retries
        self.allow_failures = allow_failures
        self._lock = threading.Lock()
        self._targets: dict[str, Target] = {}
        self.deliveries: list[Delivery] = []

    def deliver_to(self, target: object, events: Iterable[str]) -> None:
        checked = _check_target(target)
        with self._lock:
            for event in events:
                self._targets[event] = checked

    def target_of(self, event: str) -> Target | None:
        return self._targets.get(event)

    def send(
        self,
        event: str,
        body: Any,
        headers: Mapping[str, str],
        accepted: Callable[[int, Any], bool],
    ) -> list[Delivery]:
        """Deliver ``body`` for ``event`` (nothing when no target is set for it), again
        up to ``retries`` times while the receiver does not accept it."""
        target = self._targets.get(event)
        if target is None:
            return []
        content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        made = []
        for attempt in range(1, self.retries + 2):
            delivery = self._attempt(event, target, body, content, headers, accepted, attempt)
            made.append(delivery)
            if delivery.ok:
                break
        with self._lock:
            self.deliveries.extend(made)
        return made

    @staticmethod
    def _attempt(
        event: str,
        target: Target,
        body: Any,
        content: bytes,
        headers: Mapping[str, str],
        accepted: Callable[[int, Any], bool],
        attempt: int,
    ) -> Delivery:
        common = {"event": event, "target": _name(target), "body": body, "headers": headers}
        try:
            status, answer = send_once(target, content, headers)
        except OSError as exc:  # no answer: refused, unreachable, timed out
            error = f"no answer: {type(exc).__name__}: {exc}"
            return Delivery(**common, status=None, answer=None, ok=False, attempt=attempt,
                            error=error, at=now())  # fmt: skip
        decoded = _decoded(answer)
        ok = accepted(status, decoded)
        return Delivery(**common, status=status, answer=decoded, ok=ok, attempt=attempt,
                        at=now())  # fmt: skip

    def refused(self) -> list[Delivery]:
        """The deliveries whose last attempt the receiver did not accept."""
        with self._lock:
            deliveries = list(self.deliveries)
        return [d for i, d in enumerate(deliveries) if not d.ok and _last_attempt(deliveries, i)]

    def problems(self) -> list[str]:
        """What the teardown check reports, unless failures are allowed."""
        refused = [] if self.allow_failures else self.refused()
        if not refused:
            return []
        listed = "\n".join(f"  - {d.describe()}\n    sent: {d.body!r}" for d in refused)
        return [
            f"{len(refused)} webhook(s) from the {self.vendor} fake were not accepted:\n{listed}"
        ]


def _last_attempt(deliveries: list[Delivery], index: int) -> bool:
    """Whether no later attempt of the same delivery follows."""
    following = deliveries[index + 1] if index + 1 < len(deliveries) else None
    return following is None or following.attempt == 1


class WebhookVerbs:
    """A fake's verbs on its webhooks."""

    _webhooks: WebhookSender
    vendor: ClassVar[str]
    #: The events a vendor sends webhooks for.
    webhook_events: ClassVar[tuple[str, ...]] = ()

    def _set_up_webhooks(self, settings: Any) -> None:
        """Take a vendor settings object's ``webhook_retries``, ``allow_failed_webhooks``
        and ``webhook_url``."""
        self._webhooks = WebhookSender(
            self.vendor,
            retries=settings.webhook_retries,
            allow_failures=settings.allow_failed_webhooks,
        )
        if settings.webhook_url is not None:
            self.deliver_webhooks_to(settings.webhook_url)

    def deliver_webhooks_to(self, target: object, events: Iterable[str] | None = None) -> None:
        """Send webhooks to ``target`` from now on: a URL (POSTed over real HTTP), a WSGI
        application or an ASGI application (called in-process, no socket). ``events``:
        the events it takes (every event of the vendor's when ``None``)."""
        chosen = list(self.webhook_events if events is None else events)
        unknown = sorted(set(chosen) - set(self.webhook_events))
        if unknown or not chosen:
            raise UsageValueError(
                f"the {self.vendor} fake sends webhooks for {', '.join(self.webhook_events)}; "
                f"not {', '.join(unknown) or 'none'}"
            )
        self._webhooks.deliver_to(target, chosen)

    @property
    def webhooks(self) -> list[Delivery]:
        """Every webhook delivery, in order (each with ``body``, ``status``, ``answer``
        and ``ok``)."""
        return self._webhooks.deliveries

    def assert_webhook_delivered(self, times: int | None = None) -> None:
        """Webhooks the receiver accepted: ``times`` exactly, or at least one."""
        __tracebackhide__ = True
        check_times(times)
        count = sum(1 for d in self.webhooks if d.ok)
        if (times is None and count >= 1) or count == times:
            return
        expected = "at least once" if times is None else f"{times} time(s)"
        listed = "\n".join(f"  {i}. {d.describe()}" for i, d in enumerate(self.webhooks, 1))
        raise AssertionError(
            f"expected the {self.vendor} fake to have delivered a webhook {expected}, but "
            f"{count} were accepted.\nDeliveries:\n{listed or '  (none)'}"
        )
