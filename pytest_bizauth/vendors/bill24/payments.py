"""Bill24's transaction rules: ``init`` creates one, the customer pays it (``pay``, what a
test does in the customer's place, before Bill24 calls the merchant's webhook), and
``verify`` reads it back; each in the shape of the fake's product (Checkout or KHQR)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from ...core.wire import Reply
from ...errors import UsageTypeError, UsageValueError
from .api import INIT_OK, KHQR_VERIFY_OK, NOT_FOUND, VERIFY_OK, envelope
from .products import product_named
from .rules import protected, require, tran_date

if TYPE_CHECKING:
    from ..._types import JSONObject
    from ...core.wire import FakeRequest
    from .rules import Bill24Side
    from .state import Transaction

__all__ = ["STATUSES", "init", "pay", "verify"]

#: What a transaction's status may be: ``pending`` and ``success`` are documented; the
#: others are invented (the pages name no failed, cancelled or expired status).
STATUSES = ("pending", "success", "failed", "cancelled", "expired")
#: Invented: the bank names the fake writes for a bank code the test gives alone.
BANK_NAMES = {"AC": "ACLEDA", "ABA": "ABA", "AMK": "AMK", "WING": "WING", "CAB": "CANADIA"}
#: The ``payment_service_type`` of a payment, by product (the pages' own wording).
SERVICE_TYPES = {"checkout": "Deeplink/Checkout", "khqr": "KHQR"}


def init(fake: Bill24Side, request: FakeRequest) -> Reply:
    """``POST /transaction/v2/init``."""
    body = protected(fake, request)
    product = product_named(fake.settings.product)
    require(product.missing_in_init(body))
    transaction = fake.state.new_transaction(tran_date(), body, product)
    tran_id = transaction.tran_id
    data = {
        "tran_id": tran_id,
        "identity_code": body["identity_code"],
        "payment_link": f"https://checkout-demo.bill24.io/checkout/{tran_id}",
        "khqr_string": f"00020101021230400016bizauth@fake0104{tran_id}",
    }
    return Reply(200, envelope("SUCCESS", *INIT_OK, data))


def verify(fake: Bill24Side, request: FakeRequest) -> Reply:
    """``POST /transaction/v2/verify``: the latest transaction matching every key given
    (a blank key, as the vendor's examples send, matches anything)."""
    body = protected(fake, request)
    product = product_named(fake.settings.product)
    require(product.missing_in_verify(body))
    keys = ("tran_id", "identity_code", "purpose_of_transaction", "bank_ref")
    wanted = {k: str(v) for k in keys if (v := body.get(k)) is not None and str(v).strip()}
    khqr = product.name == "khqr"
    for transaction in reversed(fake.state.transactions):
        fields = {
            **transaction.request,
            "tran_id": transaction.tran_id,
            "bank_ref": transaction.bank_ref,
        }
        if all(str(fields.get(k, "")) == v for k, v in wanted.items()):
            if khqr:
                found = {"code": "SUCCESS", "message": KHQR_VERIFY_OK}
                return Reply(200, {**found, "data": _khqr_view(transaction)})
            return Reply(200, envelope("SUCCESS", *VERIFY_OK, _checkout_view(transaction)))
    if khqr:
        return Reply(200, {"code": "ERR_NOT_FOUND", "message": NOT_FOUND[0], "data": None})
    return Reply(200, envelope("ERR_NOT_FOUND", *NOT_FOUND, None))


def _amounts(transaction: Transaction) -> JSONObject:
    return {
        "tran_amount": transaction.tran_amount,
        "fee_amount": transaction.fee_amount,
        "total_amount": transaction.total_amount,
    }


def _settlement(transaction: Transaction) -> JSONObject:
    """The fields both products' verify ``data`` share, in their examples' order."""
    asked = transaction.request
    return {
        "tran_id": transaction.tran_id,
        "tran_date": transaction.tran_date,
        **_amounts(transaction),
        "currency": asked.get("currency", ""),
        "identity_code": asked.get("identity_code", ""),
        "bank_code": transaction.bank_code,
        "bank_ref": transaction.bank_ref,
        "purpose_of_transaction": asked.get("purpose_of_transaction", ""),
        "status": transaction.status,
    }


def _checkout_view(transaction: Transaction) -> JSONObject:
    """Checkout's verify ``data``, in its example's order."""
    asked = transaction.request
    return {
        "device_code": asked.get("device_code", ""),
        "channel_code": asked.get("channel_code", ""),
        "customers": asked.get("customers", []),
        **_settlement(transaction),
        "description": asked.get("description", ""),
    }


def _khqr_view(transaction: Transaction) -> JSONObject:
    """KHQR's verify ``data``, in its example's order: flat customer fields."""
    asked = transaction.request
    return {
        **_settlement(transaction),
        "customer_code": asked.get("customer_code", ""),
        "customer_name": asked.get("customer_name", ""),
        "customer_phone": asked.get("customer_phone", ""),
        "description": asked.get("description", ""),
    }


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise UsageTypeError(f"{what} must be a number, 0 or more, not {value!r}")
    return value


def pay(
    transaction: Transaction,
    *,
    bank_code: str,
    bank_ref: str | None,
    bank_name: str | None,
    fee_amount: float,
    service_type: str | None,
) -> None:
    """Mark a pending transaction paid, with the bank's fields."""
    if transaction.status != "pending":
        raise UsageValueError(
            f"transaction {transaction.tran_id} is {transaction.status}, not pending: "
            "only a pending transaction can be paid"
        )
    if not isinstance(bank_code, str) or not bank_code.strip():
        raise UsageValueError(f"bank_code must be a bank's code such as 'AC', not {bank_code!r}")
    digest = hashlib.sha256(f"bank-ref:{transaction.tran_id}".encode()).hexdigest()
    transaction.bank_code = bank_code
    transaction.bank_name = bank_name or BANK_NAMES.get(bank_code.upper(), bank_code)
    transaction.bank_ref = bank_ref or f"FT{int(digest[:12], 16) % 10**10:010d}"
    transaction.fee_amount = _number(fee_amount, "fee_amount")
    transaction.tran_no = digest[12:24].upper()
    transaction.service_type = service_type or SERVICE_TYPES[transaction.product]
    transaction.paid_date = tran_date()
    transaction.status = "success"
