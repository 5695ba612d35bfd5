"""Bill24's transaction rules: ``init`` creates one, the customer pays it (``pay``, what a
test does in the customer's place, before Bill24 calls the merchant's webhook), and
``verify`` reads it back; each in the shape of the fake's product (Checkout or KHQR)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from ...clock import now
from ...core.wire import Reply
from ...errors import UsageTypeError, UsageValueError
from .api import INIT_OK, KHQR_VERIFY_OK, NOT_FOUND, VERIFY_OK, envelope, webhook_body
from .khqr import khqr_string
from .products import VERIFY_KEYS, invalid_field, product_named
from .rules import protected, require, tran_date
from .settings import fee_of

if TYPE_CHECKING:
    from ..._types import JSONObject
    from ...core.wire import FakeRequest
    from .rules import Bill24Side
    from .state import Transaction

__all__ = ["STATUSES", "forged_webhook", "init", "paid_webhook", "pay", "verify"]

#: What a transaction's status may be: ``pending`` and ``success`` are documented; the
#: others are invented (the pages name no failed, cancelled or expired status).
STATUSES = ("pending", "success", "failed", "cancelled", "expired")
#: Invented: the bank names the fake writes for a bank code the test gives alone.
BANK_NAMES = {"AC": "ACLEDA", "ABA": "ABA", "AMK": "AMK", "WING": "WING", "CAB": "CANADIA"}
#: The ``payment_service_type`` of a payment, by product (the pages' own wording).
SERVICE_TYPES = {"checkout": "Deeplink/Checkout", "khqr": "KHQR"}


def init(fake: Bill24Side, request: FakeRequest) -> Reply:
    """``POST /transaction/v2/init``: the body checked against the product's schema, a
    duplicate ``identity_code`` refused (unless the fake allows them), the fee known."""
    body = protected(fake, request)
    settings = fake.settings
    product = product_named(settings.product)
    require(product.init_problem(body, settings.max_code_length))
    identity_code = str(body["identity_code"])
    if settings.duplicate_identity_code == "refuse" and fake.state.has_identity(identity_code):
        require(invalid_field("identity_code", "already exists"))
    fee = fee_of(settings.fee, body["amount"])
    transaction = fake.state.new_transaction(tran_date(), body, product, fee)
    tran_id = transaction.tran_id
    qr = khqr_string(
        identity_code=identity_code,
        currency=str(body["currency"]),
        total=transaction.total_amount,
        fee=fee,
        merchant_id=fake.state.merchant.merchant_id,
        device_code=str(body.get("device_code") or ""),
        created_ms=int(now().timestamp() * 1000),
    )
    data = {
        "tran_id": tran_id,
        "identity_code": identity_code,
        "payment_link": f"https://checkout-demo.bill24.io/checkout/{tran_id}",
        "khqr_string": qr,
    }
    return Reply(200, envelope("SUCCESS", *INIT_OK, data))


def verify(fake: Bill24Side, request: FakeRequest) -> Reply:
    """``POST /transaction/v2/verify``: the latest transaction matching every key given
    (a blank key, as the vendor's examples send, matches anything)."""
    body = protected(fake, request)
    product = product_named(fake.settings.product)
    require(product.verify_problem(body, fake.settings.max_code_length))
    wanted = {k: v for k in VERIFY_KEYS if isinstance(v := body.get(k), str) and v.strip()}
    fake.webhook_checked(wanted.values())
    khqr = product.name == "khqr"
    for transaction in reversed(fake.state.transactions):
        fields = {
            **transaction.request,
            "tran_id": transaction.tran_id,
            "bank_ref": transaction.bank_ref,
        }
        if all(fields.get(k) == v for k, v in wanted.items()):
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
    fee_amount: float | None,
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
    if fee_amount is not None:
        transaction.fee_amount = _number(fee_amount, "fee_amount")
    transaction.tran_no = digest[12:24].upper()
    transaction.service_type = service_type or SERVICE_TYPES[transaction.product]
    transaction.paid_date = tran_date()
    transaction.status = "success"


def paid_webhook(transaction: Transaction) -> JSONObject:
    """The webhook of a transaction that was paid (or given another status)."""
    if transaction.status == "pending":
        raise UsageValueError(
            f"transaction {transaction.tran_id} is pending: Bill24 sends its webhook once it "
            "is paid (pay() first, or forge_webhook() to send one anyway)"
        )
    return webhook_body(transaction)


def forged_webhook(transaction: Transaction | None, fields: JSONObject) -> JSONObject:
    """A webhook no payment produced: ``transaction``'s as it would look paid (whatever
    its status), or one of a transaction that does not exist; ``fields`` changed."""
    if transaction is None:
        digest = hashlib.sha256(f"forged:{tran_date()}".encode()).hexdigest()
        body = {
            "tran_id": digest[:12].upper(),
            "tran_no": digest[12:24].upper(),
            "payment_service_type": SERVICE_TYPES["checkout"],
            "tran_date": tran_date(),
            "tran_amount": 10000,
            "currency": "KHR",
            "bank_code": "AC",
            "bank_name": BANK_NAMES["AC"],
            "bank_ref": f"FT{int(digest[24:36], 16) % 10**10:010d}",
            "identity_code": f"FORGED-{digest[36:44].upper()}",
            "purpose_of_transaction": "",
            "device_code": "",
            "status": "success",
            "customers": [],
        }
    else:
        body = {**webhook_body(transaction), "status": "success"}
    return {**body, **fields}
