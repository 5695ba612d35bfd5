"""BizMail Delivery's scenarios: the shared auth and webhook ones, a refused mail, and
each delivery event its webhook page documents reaching the merchant."""

from __future__ import annotations

from ...core.scenarios import SHARED_SCENARIOS, WEBHOOKS, Scenario
from . import api
from .events import EVENTS

__all__ = ["SCENARIOS"]


def _event(name: str) -> Scenario:
    names = {name, name[:-2]} if name == "bounced" else {name}  # bizmail_bounce_event
    return Scenario(
        f"event_{name}",
        f"a '{name}' delivery event reached the receiver and was accepted",
        lambda seen: seen.delivered(lambda d: d.ok and d.event in names),
        WEBHOOKS,
    )


SCENARIOS = (
    *SHARED_SCENARIOS,
    Scenario(
        "mail_sent",
        "a mail was accepted by mail/store",
        lambda seen: seen.any_call(lambda c: c.endpoint == api.MAIL_PATH and c.ok),
        api.MAIL_PATH,
    ),
    Scenario(
        "mail_refused",
        "mail/store refused a mail (a missing or malformed field, or attachments too large)",
        lambda seen: seen.any_call(lambda c: c.endpoint == api.MAIL_PATH and c.status == 400),
        api.MAIL_PATH,
    ),
    *(_event(name) for name in EVENTS),
)
