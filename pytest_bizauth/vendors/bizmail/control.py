"""BizMail's verbs over HTTP: a delivery event for a stored mail, sent to the webhook
receiver. Each endpoint names the Python verb it translates; :data:`PYTHON_ONLY` says
why the others have none."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...core.control import ControlVerb, delivery_data, keywords

if TYPE_CHECKING:
    from ..._types import JSONObject

__all__ = ["PYTHON_ONLY", "VERBS"]

_DELIVER = ("event", "recipient", "response", "category")


def _deliver(fake: Any, body: JSONObject) -> object:
    given = keywords(body, _DELIVER, path=("message_id",))
    return [delivery_data(made) for made in fake.deliver(body["message_id"], **given)]


#: BizMail's endpoints of the control API.
VERBS = (
    ControlVerb(
        "POST",
        "deliveries/<message_id>",
        '{"event"?: name, "recipient"?, "response"?, "category"?} -> the deliveries',
        _deliver,
        ("deliver",),
    ),
)

#: BizMail's Python verbs with no endpoint, and why.
PYTHON_ONLY = {
    "mail": "a stored mail holds its attachments as bytes; GET calls shows each request",
    "remove_user": "POST reset starts the accounts again",
}
