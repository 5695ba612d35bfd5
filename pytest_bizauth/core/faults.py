"""Injected faults: what a fake answers instead of its rules, for a number of calls.

Each kind of failure ``error=`` can name is one function in :data:`KINDS`, registered
with :func:`fault_kind`; adding a kind means writing one function here. Network kinds
answer with a :class:`~.wire.NetworkError` that every transport maps to its own
library's exception.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Callable, NamedTuple, Union

from ..errors import UsageValueError
from .wire import NetworkError, Reply

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from .._types import JSONObject

__all__ = [
    "KINDS",
    "Fault",
    "FaultBook",
    "FaultTarget",
    "Step",
    "check_error",
    "check_status",
    "fault_kind",
]

Step = Union[int, str]


class FaultTarget(NamedTuple):
    """What a fault needs to know of the fake and endpoint it is injected into."""

    #: The keys of the vendor's envelope, kept by ``missing_fields``.
    envelope_keys: Collection[str]
    #: The vendor's error body for an injected status.
    error_body: Callable[[int], JSONObject | None]


#: ``answer(fault, rules, target)``: what a kind of fault sends.
Answer = Callable[["Fault", Callable[[], Reply], FaultTarget], Reply]


class _Kind(NamedTuple):
    answer: Answer
    help: str


#: Every kind of failure ``error=`` can name, in the order the docs list them.
KINDS: dict[str, _Kind] = {}


def fault_kind(name: str, help: str) -> Callable[[Answer], Answer]:
    """Register ``fn(fault, rules, target) -> Reply`` as the answer of ``error=name``.
    ``rules()`` runs the fake's real rules (and changes its state) when the kind needs
    the real answer."""

    def register(fn: Answer) -> Answer:
        KINDS[name] = _Kind(fn, help)
        return fn

    return register


def phrase(status: int) -> str:
    """The reason phrase of a status code, empty for one HTTP does not name."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def check_status(status: object) -> int:
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
        raise UsageValueError(
            f"status must be a final HTTP status code (200-599; a 1xx is no answer), not {status!r}"
        )
    return status


def check_error(error: object) -> str:
    if not isinstance(error, str) or error not in KINDS:
        names = ", ".join(f"{name!r} ({kind.help})" for name, kind in KINDS.items())
        raise UsageValueError(f"error must be one of {names}; not {error!r}")
    return error


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

    def answer(self, rules: Callable[[], Reply], target: FaultTarget) -> Reply:
        """What the fake sends instead of (or made from) its rules' answer."""
        if self.error is None:
            status = self.status or 500
            return Reply(status, target.error_body(status), injected=True)
        return KINDS[self.error].answer(self, rules, target)


def _network(error: NetworkError) -> Answer:
    def answer(fault: Fault, rules: Callable[[], Reply], target: FaultTarget) -> Reply:
        return Reply(0, fault=error, injected=True)

    return answer


fault_kind("connection", "no response: the connection fails")(_network(NetworkError.CONNECTION))
fault_kind("timeout", "no response: the read times out")(_network(NetworkError.TIMEOUT))

_HTML = (
    "<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@fault_kind("html", "a gateway's HTML page, 502 unless a status is given")
def _html(fault: Fault, rules: Callable[[], Reply], target: FaultTarget) -> Reply:
    status = fault.status or 502
    page = _HTML.format(status=status, phrase=phrase(status)).encode()
    return Reply(status, page, {"Content-Type": "text/html"}, injected=True)


@fault_kind("not_json", "a plain-text body, 200 unless a status is given")
def _not_json(fault: Fault, rules: Callable[[], Reply], target: FaultTarget) -> Reply:
    return Reply(fault.status or 200, b"OK", {"Content-Type": "text/plain"}, injected=True)


@fault_kind("truncated", "the real answer cut in half")
def _truncated(fault: Fault, rules: Callable[[], Reply], target: FaultTarget) -> Reply:
    real = rules()
    content = real.content()
    return dataclasses.replace(
        real, body=content[: len(content) // 2], headers=real.all_headers(), injected=True
    )


@fault_kind("missing_fields", "the real answer without its payload, only the envelope")
def _missing_fields(fault: Fault, rules: Callable[[], Reply], target: FaultTarget) -> Reply:
    real = rules()
    body = real.body
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k in target.envelope_keys}
    return dataclasses.replace(real, body=body, injected=True)


class FaultBook:
    """The faults injected into one fake, queued by endpoint name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, deque[Fault]] = {}

    def add(self, endpoint: str, status: int | None, error: str | None, times: int | None) -> None:
        """Queue a fault: ``status`` (500 when neither is given) or ``error``, for
        ``times`` calls (``None``: every call until cleared)."""
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 1
        ):
            raise UsageValueError(
                f"times must be a whole number of calls, 1 or more, not {times!r}"
            )
        if status is not None:
            check_status(status)
        if error is not None:
            check_error(error)
        elif status is None:
            status = 500
        with self._lock:
            self._faults.setdefault(endpoint, deque()).append(Fault(status, error, times))

    def add_steps(self, endpoint: str, steps: Iterable[Step]) -> None:
        """Queue one single-call fault a step: a status code or an error name."""
        faults = [Fault.from_step(step) for step in steps]
        if not faults:
            raise UsageValueError("fail_sequence() needs at least one step, e.g. [503, 'timeout']")
        with self._lock:
            self._faults.setdefault(endpoint, deque()).extend(faults)

    def clear(self, endpoint: str | None = None) -> None:
        with self._lock:
            if endpoint is None:
                self._faults.clear()
            else:
                self._faults.pop(endpoint, None)

    def pending(self) -> dict[str, list[str]]:
        """Faults that calls never reached, by endpoint name."""
        with self._lock:
            found = {k: [f.describe() for f in v if f.unfired] for k, v in self._faults.items()}
        return {k: v for k, v in found.items() if v}

    def take(self, endpoint: str) -> Fault | None:
        """The fault the next call to ``endpoint`` meets, counted as fired."""
        with self._lock:
            queue = self._faults.get(endpoint)
            if not queue:
                return None
            fault = queue[0]
            if fault.take():
                queue.popleft()
            return fault
