"""Webhooks a fake sends to the code under test, and every attempt it made.

A webhook the receiver does not accept is sent again, as the vendor retries it: each
retry falls due on the test's clock (the first ``retry_delay`` seconds after the first
attempt, each next one twice as long after the one before), and is sent when the test
moves the clock past it. A webhook still not accepted at the end of the test fails it
unless failures are allowed. A forged webhook (one no event produced) is never retried
and never fails the test by itself: whether the receiver trusted it is the test's
question. While a receiver handles a webhook, the vendor's rules tell the sender when
the receiver checked it with the vendor (``Delivery.verified``).
"""

from __future__ import annotations

import datetime as _dt
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Protocol

from ..clock import now
from ..errors import UsageTypeError, UsageValueError
from .receivers import TIMEOUT, Target, Undelivered, decoded, send_once, where
from .values import check_times

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


__all__ = ["Delivery", "Target", "WebhookSender", "WebhookVerbs"]

#: Who decides whether an answer accepts a webhook: ``accepted(status, answer)``.
Acceptance = Callable[[int, Any], bool]


@dataclass(frozen=True)
class Delivery:
    """One attempt at sending a webhook: what was sent where, what came back, and whether
    it was accepted. ``status`` is ``None`` when no answer came (``error`` says why).
    ``webhook`` numbers the webhook (its retries share it), ``attempt`` the attempt.
    ``verified``: whether the receiver checked this webhook with the vendor while it
    handled it (``None`` where the vendor offers no such check). ``forged``: sent by
    the test, not produced by an event."""

    event: str
    target: str
    body: object
    headers: Mapping[str, str]
    status: int | None
    answer: object
    ok: bool
    attempt: int = 1
    error: str | None = None
    at: _dt.datetime | None = field(default=None, compare=False)
    webhook: int = 0
    path: str = "/"
    verified: bool | None = None
    forged: bool = False

    def describe(self) -> str:
        outcome = self.error or f"HTTP {self.status}, answered {_short(self.answer)}"
        verdict = "accepted" if self.ok else "not accepted"
        where = self.target if self.path == "/" else f"{self.target} at {self.path}"
        kind = "forged " if self.forged else ""
        return f"{kind}{self.event} to {where} (attempt {self.attempt}): {outcome}; {verdict}"


def _short(value: object, most: int = 200) -> str:
    """A value's repr, cut to ``most`` characters (an answer or a body can be long)."""
    text = repr(value)
    return text if len(text) <= most else f"{text[:most]}... ({len(text)} characters)"


@dataclass
class _Webhook:
    """A webhook being sent: what, where, and when its next attempt is due."""

    number: int
    event: str
    target: Target
    path: str
    body: object
    content: bytes
    headers: Mapping[str, str]
    accepted: Acceptance
    about: frozenset[str]
    forged: bool
    attempts: int = 0
    due: _dt.datetime | None = None


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


def _check_path(target: Target, path: str | None) -> str:
    if path is None:
        return "/"
    if isinstance(target, str):
        raise UsageValueError(
            "a webhook URL carries its own path: give it in the URL, not as path=..."
        )
    if not isinstance(path, str) or not path.startswith("/"):
        raise UsageValueError(f"path must start with '/', such as '/webhook', not {path!r}")
    return path


class _Bounded(Protocol):
    """What bounds the deliveries kept: the fake's call log and its ``limit``."""

    @property
    def limit(self) -> int | None: ...


class _Unbounded:
    limit = None


class WebhookSender:
    """Where one fake's webhooks go, by event, and every attempt it made. ``retries``:
    how many times a webhook the receiver did not accept is sent again; ``retry_delay``:
    seconds on the test's clock before the first retry (each next one waits twice as
    long; 0 sends them at once)."""

    def __init__(
        self,
        vendor: str,
        *,
        retries: int = 0,
        retry_delay: float = 0.0,
        allow_failures: bool = False,
        timeout: float = TIMEOUT,
        bound: _Bounded | None = None,
    ) -> None:
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise UsageValueError(
                f"webhook retries must be a whole number, 0 or more, not {retries!r}"
            )
        self.vendor = vendor
        self.retries = retries
        self.retry_delay = float(retry_delay)
        self.allow_failures = allow_failures
        #: Real seconds a whole delivery may take.
        self.timeout = timeout
        self._lock = threading.RLock()
        self._targets: dict[str, tuple[Target, str]] = {}
        self._waiting: list[_Webhook] = []
        self._numbers = 0
        self._handling: tuple[frozenset[str], list[bool]] | None = None
        #: Every attempt, the latest ``bound.limit`` of them (``None``: all).
        self.deliveries: list[Delivery] = []
        self.bound: _Bounded = bound or _Unbounded()
        #: How many attempts were made, and accepted, kept or not.
        self.attempts = self.accepted = 0
        # The last attempt of each webhook not yet accepted (bounded alike).
        self._open: dict[int, Delivery] = {}

    def deliver_to(self, target: object, events: Iterable[str], path: str | None = None) -> None:
        checked = _check_target(target)
        where = _check_path(checked, path)
        with self._lock:
            for event in events:
                self._targets[event] = (checked, where)

    def stop(self) -> None:
        """Send no more webhooks (retries due later are dropped with them)."""
        with self._lock:
            self._targets.clear()
            self._waiting.clear()

    def target_of(self, event: str) -> Target | None:
        found = self._targets.get(event)
        return None if found is None else found[0]

    def send(
        self,
        event: str,
        body: object,
        headers: Mapping[str, str],
        accepted: Acceptance,
        *,
        about: Iterable[str] = (),
        forged: bool = False,
        required: bool = False,
    ) -> list[Delivery]:
        """Send ``body`` for ``event`` now (nothing when no target is set for it, or,
        when ``required``, an error saying how to set one); a webhook not accepted waits
        for its retries. ``about``: what identifies the webhook's subject when the
        receiver checks it (:meth:`checked`)."""
        found = self._targets.get(event)
        if found is None and required:
            raise UsageValueError(
                f"the {self.vendor} fake has no target for {event} webhooks: set one with "
                "deliver_webhooks_to(app_or_url) or the webhook_url option"
            )
        if found is None:
            return []
        content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        with self._lock:
            self._numbers += 1
            webhook = _Webhook(self._numbers, event, found[0], found[1], body, content,
                               headers, accepted, frozenset(about), forged)  # fmt: skip
        return self._run(webhook, now())

    def send_due(self, instant: _dt.datetime) -> list[Delivery]:
        """Send every retry due by ``instant`` (the test's clock moved there)."""
        with self._lock:
            due = sorted((w for w in self._waiting if w.due and w.due <= instant),
                         key=lambda w: (w.due, w.number))  # fmt: skip
            for webhook in due:
                self._waiting.remove(webhook)
        made: list[Delivery] = []
        for webhook in due:
            made += self._run(webhook, instant)
        return made

    def _run(self, webhook: _Webhook, instant: _dt.datetime) -> list[Delivery]:
        made = []
        while True:
            delivery = self._attempt(webhook)
            made.append(delivery)
            if delivery.ok or webhook.forged or webhook.attempts > self.retries:
                return made
            wait = self.retry_delay * 2 ** (webhook.attempts - 1)
            webhook.due = (webhook.due or delivery.at or instant) + _dt.timedelta(seconds=wait)
            if webhook.due > instant:
                with self._lock:
                    self._waiting.append(webhook)
                return made

    def _attempt(self, webhook: _Webhook) -> Delivery:
        webhook.attempts += 1
        checks: list[bool] = []
        with self._lock:
            self._handling = (webhook.about, checks)
        try:
            status, answer = send_once(webhook.target, webhook.content, webhook.headers,
                                       webhook.path, timeout=self.timeout)  # fmt: skip
            error = None
        except Undelivered as failed:  # no usable answer, in time: a refused delivery
            status, answer, error = None, b"", str(failed)
        finally:
            with self._lock:
                self._handling = None
        body = decoded(answer) if status is not None else None
        delivery = Delivery(
            webhook.event, where(webhook.target), webhook.body, webhook.headers, status,
            body, status is not None and webhook.accepted(status, body), webhook.attempts,
            error, now(), webhook.number, webhook.path,
            bool(checks) if webhook.about else None, webhook.forged,
        )  # fmt: skip
        with self._lock:
            self._keep(delivery)
        return delivery

    def checked(self, keys: Iterable[str]) -> None:
        """The receiver asked the vendor about ``keys`` (a transaction's ids): when that
        is the webhook being handled, its delivery is ``verified``."""
        with self._lock:
            handling = self._handling
            if handling is not None and handling[0] & set(keys):
                handling[1].append(True)

    def _keep(self, delivery: Delivery) -> None:
        self.attempts += 1
        self.accepted += delivery.ok
        self.deliveries.append(delivery)
        if delivery.ok:
            self._open.pop(delivery.webhook, None)
        else:
            self._open[delivery.webhook] = delivery
        limit = self.bound.limit
        if limit is not None:
            del self.deliveries[: max(0, len(self.deliveries) - limit)]
            while len(self._open) > limit:
                del self._open[next(iter(self._open))]

    def refused(self) -> list[Delivery]:
        """The last attempt of each webhook the receiver did not accept (forged ones
        aside: refusing those is the receiver's job)."""
        with self._lock:
            return [d for d in self._open.values() if not d.forged]

    def problems(self, answer: str = "", allow: str = "") -> list[str]:
        """What the teardown check reports, unless failures are allowed; ``answer``:
        what the receiver must answer, ``allow``: the option that allows failures."""
        refused = [] if self.allow_failures else self.refused()
        if not refused:
            return []
        with self._lock:
            waiting = {w.number: w.due for w in self._waiting}
        listed = "\n".join(_listed(d, waiting.get(d.webhook)) for d in refused)
        must = f"\nTo accept a webhook, the receiver must answer {answer}." if answer else ""
        off = f"\nTo let a test end with one refused: {allow}." if allow else ""
        return [
            f"{len(refused)} webhook(s) from the {self.vendor} fake were not accepted:\n"
            f"{listed}{must}{off}"
        ]


def _listed(delivery: Delivery, due: _dt.datetime | None) -> str:
    retry = (
        f"\n    next retry due at {due:%Y-%m-%dT%H:%M:%SZ} (move the clock past it)" if due else ""
    )
    return f"  - {delivery.describe()}\n    sent: {_short(delivery.body, 500)}{retry}"


class WebhookVerbs:
    """A fake's verbs on its webhooks."""

    _webhooks: WebhookSender
    vendor: ClassVar[str]
    #: The events a vendor sends webhooks for.
    webhook_events: ClassVar[tuple[str, ...]] = ()
    #: What a receiver must answer to accept a webhook, in words.
    webhook_answer: ClassVar[str] = "a 2xx status"

    def _set_up_webhooks(self, settings: Any, retry_delay: float = 0.0) -> None:
        """Take a vendor settings object's ``webhook_retries``, ``allow_failed_webhooks``
        and ``webhook_url``."""
        sender = self._webhooks
        sender.retries, sender.retry_delay = settings.webhook_retries, float(retry_delay)
        sender.allow_failures = settings.allow_failed_webhooks
        sender.timeout = settings.webhook_timeout
        if settings.webhook_url is not None:
            self.deliver_webhooks_to(settings.webhook_url)

    def deliver_webhooks_to(
        self, target: object, events: Iterable[str] | None = None, *, path: str | None = None
    ) -> None:
        """Send webhooks to ``target`` from now on: a URL (POSTed over real HTTP), a WSGI
        application or an ASGI application (called in-process, no socket, at ``path``:
        the route your handler is served at, ``/`` unless given). ``events``: the events
        it takes (every event of the vendor's when ``None``)."""
        chosen = list(self.webhook_events if events is None else events)
        unknown = sorted(set(chosen) - set(self.webhook_events))
        if unknown or not chosen:
            raise UsageValueError(
                f"the {self.vendor} fake sends webhooks for {', '.join(self.webhook_events)}; "
                f"not {', '.join(unknown) or 'none'}"
            )
        self._webhooks.deliver_to(target, chosen, path)

    def stop_webhooks(self) -> None:
        """Send no more webhooks, until ``deliver_webhooks_to`` names a receiver again."""
        self._webhooks.stop()

    @property
    def webhooks(self) -> list[Delivery]:
        """Every webhook delivery attempt, in order (each with ``body``, ``status``,
        ``answer``, ``ok``, ``attempt`` and ``verified``)."""
        return self._webhooks.deliveries

    def clock_moved(self, instant: _dt.datetime) -> None:
        """The test's clock moved: send the webhook retries now due."""
        self._webhooks.send_due(instant)

    def webhook_checked(self, keys: Iterable[str]) -> None:
        """The code under test asked the vendor about ``keys`` (a rule calls this)."""
        self._webhooks.checked(keys)

    def assert_webhook_delivered(self, times: int | None = None) -> None:
        """Webhooks the receiver accepted: ``times`` exactly, or at least one."""
        __tracebackhide__ = True
        check_times(times)
        count = self._webhooks.accepted
        if (times is None and count >= 1) or count == times:
            return
        expected = "at least once" if times is None else f"{times} time(s)"
        listed = "\n".join(f"  {i}. {d.describe()}" for i, d in enumerate(self.webhooks, 1))
        raise AssertionError(
            f"expected the {self.vendor} fake to have delivered a webhook {expected}, but "
            f"{count} were accepted.\nDeliveries:\n{listed or '  (none)'}"
        )
