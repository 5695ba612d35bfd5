"""Bill24's scenarios: the shared auth and webhook ones, and its payments as its pages
document them: init refused for a field, a payment's webhook accepted, verify after a
payment, and each product (Checkout, KHQR)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.scenarios import SHARED_SCENARIOS, WEBHOOKS, Scenario, Seen
from . import api

if TYPE_CHECKING:
    from ...core.call import Call

__all__ = ["SCENARIOS"]


def _init_ok(call: Call) -> bool:
    return call.endpoint == api.INIT_PATH and call.ok and call.reason is None


def _paid_verify(call: Call) -> bool:
    if call.endpoint != api.VERIFY_PATH or call.reason is not None:
        return False  # (read first: a call's answer is redacted when first read)
    data = call.response.get("data") if isinstance(call.response, dict) else None
    return isinstance(data, dict) and str(data.get("status", "")).lower() == "success"


def _product(name: str) -> Scenario:
    def seen(s: Seen) -> bool:
        return s.fake.settings.product == name and s.any_call(_init_ok)

    title = "Checkout" if name == "checkout" else name.upper()
    return Scenario(name, f"a {title} transaction was made (init)", seen, api.INIT_PATH)


SCENARIOS = (
    *SHARED_SCENARIOS,
    Scenario(
        "init_refused",
        "init refused a transaction for a missing or malformed field (ERR_MISSED_FIELD)",
        lambda s: s.any_call(lambda c: c.endpoint == api.INIT_PATH and c.reason is not None),
        api.INIT_PATH,
    ),
    Scenario(
        "payment_webhook_accepted",
        "a payment's webhook reached the merchant and was accepted",
        lambda s: s.delivered(lambda d: d.ok and not d.forged and d.event == "payment"),
        WEBHOOKS,
    ),
    Scenario(
        "verify_after_payment",
        "verify answered a paid transaction",
        lambda s: s.any_call(_paid_verify),
        api.VERIFY_PATH,
    ),
    _product("checkout"),
    _product("khqr"),
)
