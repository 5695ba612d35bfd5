"""Bill24's two products and what their transaction endpoints require.

``/transaction/v2/init`` and ``/transaction/v2/verify`` exist for Checkout (with
Deeplink) and for KHQR, with different request schemas. A fake validates one of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import UsageValueError

if TYPE_CHECKING:
    from ..._types import JSONObject

__all__ = ["PRODUCTS", "Product", "missing_field", "product_named"]


@dataclass(frozen=True)
class Product:
    """One product's schema: the fields ``init`` requires (in its field table's order),
    those of them the vendor's own example sends as ``""`` (present, so not missing),
    and what ``verify`` needs: every field of ``verify_all``, or one of ``verify_any``.
    Absent or ``null`` is missing; so is a blank string, except where an example sends
    one."""

    name: str
    init_required: tuple[str, ...]
    may_be_empty: frozenset[str] = frozenset()
    verify_all: tuple[str, ...] = ()
    verify_any: tuple[str, ...] = ()
    #: ``init`` requires customers, each with an amount.
    customers: bool = False

    def missing_in_init(self, body: JSONObject) -> str | None:
        """The first required field ``init`` lacks (in the schema's order), or ``None``."""
        for name in self.init_required:
            if self._absent(name, body):
                return name
        if self.customers:
            return _missing_in_customers(body.get("customers"))
        return None

    def missing_in_verify(self, body: JSONObject) -> str | None:
        """What ``verify`` lacks, or ``None``: the first absent field of ``verify_all``,
        or, when none of ``verify_any`` is given, the alternatives."""
        for name in self.verify_all:
            if self._absent(name, body):
                return name
        if self.verify_any and all(self._absent(name, body) for name in self.verify_any):
            *first, last = self.verify_any
            return f"{'], ['.join(first)}] or [{last}"
        return None

    def _absent(self, name: str, body: JSONObject) -> bool:
        value = body.get(name)
        if value is None:
            return True
        return isinstance(value, str) and not value.strip() and name not in self.may_be_empty


def _absent(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _missing_in_customers(customers: object) -> str | None:
    if not isinstance(customers, list) or not customers:
        return "customers"
    for index, customer in enumerate(customers):
        if not isinstance(customer, dict) or _absent(customer.get("amount")):
            return f"customers[{index}].amount"
    return None


def missing_field(field: str) -> str:
    """Bill24's ``ERR_MISSED_FIELD`` message, as its own test suite shows it."""
    return f"Please provide [{field}]."


#: Checkout and Deeplink (business-docs.bill24.io, api-5411398): its example sends
#: ``"cancel_url": ""`` and ``"channel_code": ""``.
CHECKOUT = Product(
    "checkout",
    init_required=(
        "identity_code",
        "currency",
        "amount",
        "cancel_url",
        "redirect_url",
        "channel_code",
    ),
    may_be_empty=frozenset({"cancel_url", "channel_code"}),
    verify_any=("tran_id", "identity_code", "bank_ref"),
    customers=True,
)
#: KHQR (business-docs.bill24.io, transaction-initiation-13886310e0 and
#: transaction-verification-13886311e0), in its field table's order.
KHQR = Product(
    "khqr",
    init_required=("identity_code", "currency", "amount", "channel_code", "purpose_of_transaction"),
    verify_all=("identity_code", "purpose_of_transaction"),
)
PRODUCTS = {product.name: product for product in (CHECKOUT, KHQR)}


def product_named(value: object, name: str = "product") -> Product:
    """The product called ``value`` (``"checkout"`` or ``"khqr"``, any case)."""
    if isinstance(value, Product):
        return value
    found = PRODUCTS.get(value.strip().lower()) if isinstance(value, str) else None
    if found is None:
        choices = " or ".join(repr(p) for p in PRODUCTS)
        raise UsageValueError(f"{name} must be {choices}, not {value!r}")
    return found
