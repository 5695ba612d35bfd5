"""Bill24's transactions: ``init`` creates one, the customer pays it (``pay``, what a
test does in the customer's place), Bill24 calls the merchant's webhook, and ``verify``
reads it back; each in the shape of the fake's product (Checkout or KHQR)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from ...core.wire import Reply
from ...errors import UsageTypeError, UsageValueError
from .api import (
    INIT_OK,
    KHQR_VERIFY_OK,
    NOT_FOUND,
    VERIFY_OK,
    WEBHOOK_ACCEPTED,
    WEBHOOK_HEADERS,
    envelope,
)
from .rules import protected, require, tran_date

if TYPE_CHECKING:
    import threading

    from ...core.webhooks import WebhookSender
    from ...core.wire import FakeRequest
    from .fake import FakeBill24
    from .state import Bill24State, Transaction

__all__ = ["STATUSES", "PaymentVerbs", "init", "pay", "verify", "webhook_body"]

#: What a transaction's status may be: ``pending`` and ``success`` are documented; the
#: others are invented (the pages name no failed, cancelled or expired status).
STATUSES = ("pending", "success", "failed", "cancelled", "expired")
#: Invented: the bank names the fake writes for a bank code the test gives alone.
BANK_NAMES = {"AC": "ACLEDA", "ABA": "ABA", "AMK": "AMK", "WING": "WING", "CAB": "CANADIA"}
#: The ``payment_service_type`` of a payment, by product (the pages' own wording).
SERVICE_TYPES = {"checkout": "Deeplink/Checkout", "khqr": "KHQR"}


def init(fake: FakeBill24, request: FakeRequest) -> Reply:
    """``POST /transaction/v2/init``."""
    body = protected(fake, request)
    require(fake.product.missing_in_init(body))
    transaction = fake.state.new_transaction(tran_date(), body, fake.product)
    tran_id = transaction.tran_id
    data = {
        "tran_id": tran_id,
        "identity_code": body["identity_code"],
        "payment_link": f"https://checkout-demo.bill24.io/checkout/{tran_id}",
        "khqr_string": f"00020101021230400016bizauth@fake0104{tran_id}",
    }
    return Reply(200, envelope("SUCCESS", *INIT_OK, data))


def verify(fake: FakeBill24, request: FakeRequest) -> Reply:
    """``POST /transaction/v2/verify``: the latest transaction matching every key given
    (a blank key, as the vendor's examples send, matches anything)."""
    body = protected(fake, request)
    require(fake.product.missing_in_verify(body))
    keys = ("tran_id", "identity_code", "purpose_of_transaction", "bank_ref")
    wanted = {k: str(v) for k in keys if (v := body.get(k)) is not None and str(v).strip()}
    khqr = fake.product.name == "khqr"
    for transaction in reversed(fake.transactions):
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


def _amounts(transaction: Transaction) -> dict[str, Any]:
    return {
        "tran_amount": transaction.tran_amount,
        "fee_amount": transaction.fee_amount,
        "total_amount": transaction.total_amount,
    }


def _settlement(transaction: Transaction) -> dict[str, Any]:
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


def _checkout_view(transaction: Transaction) -> dict[str, Any]:
    """Checkout's verify ``data``, in its example's order."""
    asked = transaction.request
    return {
        "device_code": asked.get("device_code", ""),
        "channel_code": asked.get("channel_code", ""),
        "customers": asked.get("customers", []),
        **_settlement(transaction),
        "description": asked.get("description", ""),
    }


def _khqr_view(transaction: Transaction) -> dict[str, Any]:
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


def webhook_body(transaction: Transaction) -> dict[str, Any]:
    """What Bill24 POSTs to the merchant once a transaction is paid, in the order of the
    product's webhook page; ``tran_id`` is the one ``init`` answered, so the merchant
    can find the transaction."""
    asked = transaction.request
    amount = (
        {"total_amount": transaction.total_amount}
        if transaction.product == "khqr"
        else {"tran_amount": transaction.tran_amount}
    )
    body: dict[str, Any] = {
        "tran_id": transaction.tran_id,
        "tran_no": transaction.tran_no,
        "payment_service_type": transaction.service_type,
        "tran_date": transaction.paid_date,
        **amount,
        "currency": asked.get("currency", ""),
        "bank_code": transaction.bank_code,
        "bank_name": transaction.bank_name,
        "bank_ref": transaction.bank_ref,
        "identity_code": asked.get("identity_code", ""),
        "purpose_of_transaction": asked.get("purpose_of_transaction", ""),
        "device_code": asked.get("device_code", ""),
        "status": transaction.status,
    }
    if transaction.product == "checkout":
        body["customers"] = asked.get("customers", [])
    return body


class PaymentVerbs:
    """What a test does to a Bill24 fake's transactions in the customer's place."""

    state: Bill24State
    _webhooks: WebhookSender
    _lock: threading.RLock

    def transaction(self, ref: str) -> Transaction:
        """A transaction by its ``tran_id`` or ``identity_code`` (the latest with it)."""
        return self.state.transaction(ref)

    def pay(
        self,
        ref: str,
        *,
        bank_code: str = "AC",
        bank_ref: str | None = None,
        bank_name: str | None = None,
        fee_amount: float = 0,
        payment_service_type: str | None = None,
    ) -> Transaction:
        """The customer pays transaction ``ref`` (its ``tran_id`` or ``identity_code``):
        it becomes ``success`` with the bank's fields (``total_amount`` is the amount
        plus ``fee_amount``), and Bill24 sends the product's webhook to the merchant's
        target, if one is set (:meth:`deliver_webhooks_to`)."""
        transaction = self.transaction(ref)
        with self._lock:
            pay(
                transaction,
                bank_code=bank_code,
                bank_ref=bank_ref,
                bank_name=bank_name,
                fee_amount=fee_amount,
                service_type=payment_service_type,
            )
        body = webhook_body(transaction)
        self._webhooks.send("payment", body, WEBHOOK_HEADERS, _merchant_accepted)
        return transaction

    def set_status(self, ref: str, status: str) -> Transaction:
        """Give a transaction a status no payment gives it (``failed``, ``cancelled``,
        ``expired``, or back to ``pending``): invented, the pages document only
        ``pending`` and ``success``. No webhook is sent."""
        if status not in STATUSES:
            raise UsageValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        transaction = self.transaction(ref)
        transaction.status = status
        return transaction


def _merchant_accepted(status: int, answer: Any) -> bool:
    """The merchant took the webhook: a 2xx with the documented answer."""
    return 200 <= status < 300 and answer == WEBHOOK_ACCEPTED
