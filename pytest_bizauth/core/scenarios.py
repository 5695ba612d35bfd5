"""Scenarios a suite may exercise against a fake, each recognised from what the fake
saw during a test (its calls and webhooks), never from a test's name.

Each vendor declares its catalogue (``VendorSpec.scenarios``): the auth and webhook
scenarios every fake shares (:data:`SHARED_SCENARIOS`) and its own. The run summary
and ``--bizauth-report`` list, for each, the tests that exercised it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .call import Call
    from .webhooks import Delivery

__all__ = ["WEBHOOKS", "Scenario", "Seen", "SHARED_SCENARIOS", "exercised", "tally"]

#: What a scenario that only webhook deliveries can show needs (see ``Scenario.needs``).
WEBHOOKS = "webhooks"


class Seen:
    """What one fake saw during one test: its calls and webhook deliveries, in order."""

    def __init__(self, fake: Any) -> None:
        self.fake = fake
        self.calls: list[Call] = list(fake.calls)
        self.webhooks: list[Delivery] = list(fake.webhooks)
        #: The kinds and endpoints of the calls, and ``WEBHOOKS`` if any was delivered:
        #: what the scenarios' ``needs`` are checked against.
        self.present = {field for call in self.calls for field in (call.kind, call.endpoint)}
        if self.webhooks:
            self.present.add(WEBHOOKS)

    def any_call(self, test: Callable[[Call], bool]) -> bool:
        for call in self.calls:  # noqa: SIM110  (a loop is faster than any() here)
            if test(call):
                return True
        return False

    def in_order(self, *tests: Callable[[Call], bool]) -> bool:
        """Whether calls passing each test came one after the other (others between)."""
        step = 0
        for call in self.calls:
            if tests[step](call):
                step += 1
                if step == len(tests):
                    return True
        return False

    def delivered(self, test: Callable[[Delivery], bool]) -> bool:
        for delivery in self.webhooks:  # noqa: SIM110
            if test(delivery):
                return True
        return False


@dataclass(frozen=True)
class Scenario:
    """One scenario: its name (unique within its vendor), one line saying what it
    is, and how a test's :class:`Seen` shows it was exercised. ``needs``, when given,
    is what ``seen`` cannot be true without: a call kind or endpoint among the test's
    calls, or :data:`WEBHOOKS` (a delivery); a test without it is not asked."""

    name: str
    description: str
    seen: Callable[[Seen], bool]
    needs: str = ""


def _ok(kind: str) -> Callable[[Call], bool]:
    return lambda call: call.kind == kind and call.ok


def _renewed(call: Call) -> bool:
    return call.kind in ("login", "refresh") and call.ok


def _refused_bearer(call: Call) -> bool:
    return call.kind == "resource" and call.status == 401


def _auth_failed(call: Call) -> bool:
    return call.kind in ("login", "refresh") and (
        call.fault is not None or (call.status is not None and call.status >= 500)
    )


def _duplicated(seen: Seen) -> bool:
    bodies: dict[str, set[int]] = {}
    for delivery in seen.webhooks:
        if not delivery.forged:
            bodies.setdefault(repr(delivery.body), set()).add(delivery.webhook)
    return any(len(numbers) > 1 for numbers in bodies.values())


#: The auth and webhook scenarios every fake recognises.
SHARED_SCENARIOS = (
    Scenario("login", "logged in", lambda s: s.any_call(_ok("login")), "login"),
    Scenario(
        "refresh",
        "renewed an access token with a refresh token",
        lambda s: s.any_call(_ok("refresh")),
        "refresh",
    ),
    Scenario(
        "refresh_refused_then_login",
        "a refresh was refused, and the code logged in again",
        lambda s: s.in_order(lambda c: c.kind == "refresh" and not c.ok, _ok("login")),
        "refresh",
    ),
    Scenario(
        "renew_after_401",
        "a resource refused the bearer (401); the code renewed it and tried again",
        lambda s: s.in_order(_refused_bearer, _renewed, _ok("resource")),
        "resource",
    ),
    Scenario(
        "auth_server_error",
        "a login or refresh got a 5xx, a timeout or a dropped connection",
        lambda s: s.any_call(_auth_failed),
    ),
    Scenario(
        "rotated_keys",
        "a token signed with a key rotate_keys() replaced was refused",
        lambda s: s.any_call(lambda c: "rotated out by rotate_keys()" in (c.reason or "")),
    ),
    Scenario(
        "clock_skew",
        "a token was issued with the vendor's clock off (skew_next_token)",
        lambda s: bool(getattr(s.fake, "skewed_issues", 0)),
    ),
    Scenario(
        "webhook_delivered",
        "a webhook reached the receiver and was accepted",
        lambda s: s.delivered(lambda d: d.ok and not d.forged),
        WEBHOOKS,
    ),
    Scenario(
        "webhook_refused",
        "the receiver refused or failed a webhook",
        lambda s: s.delivered(lambda d: not d.ok and not d.forged),
        WEBHOOKS,
    ),
    Scenario(
        "webhook_retried",
        "a webhook was sent again after a refusal (a retry)",
        lambda s: s.delivered(lambda d: d.attempt > 1),
        WEBHOOKS,
    ),
    Scenario("webhook_duplicated", "the same webhook arrived twice", _duplicated, WEBHOOKS),
    Scenario(
        "webhook_forged",
        "a forged webhook (no event made it) reached the receiver",
        lambda s: s.delivered(lambda d: d.forged),
        WEBHOOKS,
    ),
)


def tally(seen: Seen) -> dict[str, int]:
    """The counts the run summary adds up for one fake in one test."""
    logins = refreshes = renewals = refusals = 0
    waiting = False
    for call in seen.calls:
        if call.reason is not None:
            refusals += 1
        if call.ok:
            if call.kind == "login":
                logins += 1
            elif call.kind == "refresh":
                refreshes += 1
        if _refused_bearer(call):
            waiting = True
        elif waiting and _renewed(call):
            renewals += 1
            waiting = False
    delivered = sum(1 for d in seen.webhooks if d.ok) if seen.webhooks else 0
    return {
        "logins": logins,
        "refreshes": refreshes,
        "renewals_after_401": renewals,
        "refusals": refusals,
        "webhooks_delivered": delivered,
        "webhooks_refused": len(seen.webhooks) - delivered,
    }


def exercised(catalogue: Iterable[Scenario], seen: Seen) -> list[str]:
    """The names of the scenarios ``seen`` shows (those whose ``needs`` it lacks are
    not asked)."""
    present = seen.present
    return [
        scenario.name
        for scenario in catalogue
        if (not scenario.needs or scenario.needs in present) and scenario.seen(seen)
    ]
