"""Bill24's two products and what their transaction endpoints take.

``/transaction/v2/init`` and ``/transaction/v2/verify`` exist for Checkout (with
Deeplink) and for KHQR, with different request schemas. A fake validates one of them,
as the vendor does: each field's presence (absent or ``null`` is missing; so is a
blank string, except where the vendor's own example sends one), then its type, length
and format. Every refusal is Bill24's business error: HTTP 200, ``ERR_MISSED_FIELD``,
its message in the words of the vendor's own test suite, and ``data: null``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...errors import UsageValueError

if TYPE_CHECKING:
    from ..._types import JSONObject

__all__ = [
    "CURRENCIES",
    "MAX_AMOUNT",
    "PRODUCTS",
    "Product",
    "missing_field",
    "product_named",
    "invalid_field",
]

#: Documented: the currencies the pages show.
CURRENCIES = ("USD", "KHR")
#: The largest amount a KHQR string can carry (EMVCo: an amount of at most 13
#: characters, two decimals included).
MAX_AMOUNT = 9_999_999_999
#: What verify searches by.
VERIFY_KEYS = ("identity_code", "purpose_of_transaction", "tran_id", "bank_ref")
#: Documented: the languages of the payment page.
LANGUAGES = ("km", "en")
# A plain address check, as the vendor's validators do: something@domain.tld.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# What each field holds: an identifier (at most the fake's max_code_length
# characters), free text, an address, or one of the kinds below.
CODE, TEXT, EMAIL, CURRENCY, LANGUAGE, AMOUNT, WHOLE_AMOUNT = (
    "code", "text", "email", "currency", "language", "amount", "whole amount",
)  # fmt: skip

_CUSTOMER = {
    "branch_code": CODE,
    "branch_name": TEXT,
    "customer_code": CODE,
    "customer_name": TEXT,
    "customer_name_latin": TEXT,
    "bill_no": CODE,
    "amount": AMOUNT,
}


def missing_field(name: str) -> str:
    """Bill24's message for a missing field, as its own test suite shows it."""
    return f"Please provide [{name}]."


def invalid_field(name: str, rule: str) -> str:
    """Bill24's message for a field it cannot take, in its test suite's shape."""
    return f"[{name}] {rule}. Please adjust and retry."


@dataclass(frozen=True)
class Product:
    """One product's schema: ``init``'s fields and what each holds (in its field
    table's order), those it requires, those of them the vendor's example sends as
    ``""``; the same for ``verify``; and whether ``init`` takes a list of customers."""

    name: str
    init_fields: dict[str, str]
    init_required: tuple[str, ...]
    may_be_empty: frozenset[str] = frozenset()
    verify_required: tuple[str, ...] = ()
    verify_may_be_empty: frozenset[str] = frozenset()
    customers: bool = False
    verify_fields: dict[str, str] = field(default_factory=lambda: dict.fromkeys(VERIFY_KEYS, CODE))

    def init_problem(self, body: JSONObject, max_code: int) -> str | None:
        """What ``init`` refuses in ``body`` (the first problem, in the schema's order),
        or ``None``."""
        for name in self.init_required:
            if _absent(body.get(name), name in self.may_be_empty):
                return missing_field(name)
        if self.customers and (_absent(body.get("customers"), False) or body["customers"] == []):
            return missing_field("customers")
        for name, kind in self.init_fields.items():
            problem = _problem(name, body.get(name), kind, max_code)
            if problem is not None:
                return problem
        return _customers_problem(body.get("customers"), max_code) if self.customers else None

    def verify_problem(self, body: JSONObject, max_code: int) -> str | None:
        """What ``verify`` refuses in ``body``, or ``None``."""
        for name in self.verify_required:
            if _absent(body.get(name), name in self.verify_may_be_empty):
                return missing_field(name)
        for name, kind in self.verify_fields.items():
            problem = _problem(name, body.get(name), kind, max_code)
            if problem is not None:
                return problem
        return None


def _absent(value: object, may_be_empty: bool) -> bool:
    if value is None:
        return True
    return isinstance(value, str) and not value.strip() and not may_be_empty


def _problem(name: str, value: object, kind: str, max_code: int) -> str | None:
    """Why a present field's value is not taken, or ``None`` (absent is not a problem
    here: presence is checked first)."""
    if value is None:
        return None
    if kind in (AMOUNT, WHOLE_AMOUNT):
        return _amount_problem(name, value, whole=kind == WHOLE_AMOUNT)
    if not isinstance(value, str):
        return invalid_field(name, "must be text")
    if kind == CODE and len(value) > max_code:
        return invalid_field(name, f"must have {max_code} or fewer characters")
    if kind == CURRENCY and value not in CURRENCIES:
        return invalid_field(name, f"must be {' or '.join(CURRENCIES)}")
    if kind == LANGUAGE and value and value not in LANGUAGES:
        return invalid_field(name, f"must be {' or '.join(LANGUAGES)}")
    if kind == EMAIL and value and not _EMAIL.fullmatch(value):
        return "'Email' is not a valid email address."
    return None


def _amount_problem(name: str, value: object, *, whole: bool) -> str | None:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or (whole and not isinstance(value, int)):
        kind = "a whole number" if whole else "a number"
        return invalid_field(name, f"must be {kind} (not text)")
    assert isinstance(value, (int, float))
    if not math.isfinite(value) or not 0 < value <= MAX_AMOUNT:
        return invalid_field(name, f"must be more than 0 and at most {MAX_AMOUNT}")
    return None


def _customers_problem(customers: object, max_code: int) -> str | None:
    if not isinstance(customers, list) or not customers:
        return invalid_field("customers", "must be a list of customers")
    for index, customer in enumerate(customers):
        where = f"customers[{index}]"
        if not isinstance(customer, dict):
            return invalid_field(where, "must be an object")
        if _absent(customer.get("amount"), False):
            return missing_field(f"{where}.amount")
        for name, kind in _CUSTOMER.items():
            problem = _problem(f"{where}.{name}", customer.get(name), kind, max_code)
            if problem is not None:
                return problem
    return None


#: Checkout and Deeplink (business-docs.bill24.io, api-5411398 for init: its example
#: sends ``"cancel_url": ""`` and ``"channel_code": ""``, and types ``amount`` as an
#: integer; transaction-verification-5411399e0 for verify: all four keys required, its
#: example sending ``"tran_id": ""`` and ``"bank_ref": ""``).
CHECKOUT = Product(
    "checkout",
    init_fields={
        "identity_code": CODE,
        "purpose_of_transaction": CODE,
        "device_code": CODE,
        "description": TEXT,
        "currency": CURRENCY,
        "amount": WHOLE_AMOUNT,
        "language": LANGUAGE,
        "cancel_url": TEXT,
        "redirect_url": TEXT,
        "channel_code": CODE,
        "user_ref": CODE,
    },
    init_required=(
        "identity_code",
        "currency",
        "amount",
        "cancel_url",
        "redirect_url",
        "channel_code",
    ),
    may_be_empty=frozenset({"cancel_url", "channel_code"}),
    verify_required=VERIFY_KEYS,
    verify_may_be_empty=frozenset({"tran_id", "bank_ref"}),
    customers=True,
)
#: KHQR (business-docs.bill24.io, transaction-initiation-13886310e0 and
#: transaction-verification-13886311e0), in its field table's order; amounts in USD
#: carry decimals in its examples.
KHQR = Product(
    "khqr",
    init_fields={
        "identity_code": CODE,
        "currency": CURRENCY,
        "amount": AMOUNT,
        "device_code": CODE,
        "channel_code": CODE,
        "purpose_of_transaction": CODE,
        "customer_code": CODE,
        "customer_name": TEXT,
        "customer_phone": TEXT,
        "customer_email": EMAIL,
        "description": TEXT,
        "cancel_url": TEXT,
        "redirect_url": TEXT,
        "language": LANGUAGE,
    },
    init_required=("identity_code", "currency", "amount", "channel_code", "purpose_of_transaction"),
    verify_required=("identity_code", "purpose_of_transaction"),
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
