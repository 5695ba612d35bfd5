"""BizMail's delivery events, as its web-hook page documents them: one POST per event
and recipient, each event with its own shape."""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING

from ...clock import timestamp
from ...errors import UsageValueError

if TYPE_CHECKING:
    from ..._types import JSONObject
    from .state import StoredMail

__all__ = ["EVENTS", "event_body", "message_id"]

#: The events the page lists, each with its own webhook URL in the portal.
EVENTS = ("delivered", "bounced", "dropped")
#: What a bounce's ``category`` may be (the page: hard or soft).
CATEGORIES = ("hard_bounce", "soft_bounce")
#: Invented: what the receiving server answered, by event, unless the test says.
RESPONSES = {
    "delivered": "250 OK",
    "bounced": "550 5.1.1 The email account does not exist",
    "dropped": "554 5.7.1 Message rejected",
}


def message_id(number: int) -> str:
    """A mail's ``message_id`` as the vendor shapes it: ``<uuid>@bizfly.vn`` (a version 4
    UUID, made from the clock and the mail's number so that runs repeat)."""
    digest = hashlib.sha256(f"bizmail-mail:{timestamp()}:{number}".encode()).digest()
    return f"{uuid.UUID(bytes=digest[:16], version=4)}@bizfly.vn"


def event_body(
    mail: StoredMail,
    event: str,
    recipient: str,
    *,
    response: str | None,
    category: str,
    bounce_name: str,
    time_unit: str,
) -> JSONObject:
    """The JSON the vendor POSTs for ``event`` on ``mail`` to ``recipient``."""
    if event not in EVENTS:
        raise UsageValueError(f"event must be one of {', '.join(EVENTS)}, not {event!r}")
    if category not in CATEGORIES:
        raise UsageValueError(f"category must be one of {', '.join(CATEGORIES)}, not {category!r}")
    seconds = int(timestamp())
    when = seconds * 1000 if time_unit == "ms" else seconds
    said = RESPONSES[event] if response is None else response
    if event == "delivered":
        domain = recipient.rpartition("@")[2] or "example.com"
        return {
            "event": "delivered",
            "id": mail.id,
            "recipient": recipient,
            "time": when,
            "mxHostname": f"mx.{domain}",
            "response": said,
        }
    body: JSONObject = {
        "event": bounce_name if event == "bounced" else "dropped",
        "id": mail.id,
        "to": recipient,
        "time": when,
        "response": said,
    }
    if event == "bounced":
        body.update(category=category, user="", seq="", returnPath="")
    return body
