"""What a Bill24 fake holds: portal users, merchants, client credentials and
transactions, each found in constant time."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from ..._redact import hide
from ...core.accounts import account_data, account_fields
from ...core.latest import Latest
from ...errors import UnknownNameError, UsageValueError
from .accounts import Bill24Merchant, Bill24User

if TYPE_CHECKING:
    from ..._types import JSONObject, JSONView
    from .products import Product

__all__ = ["Bill24State", "Subject", "Transaction"]

Subject = Union[Bill24User, Bill24Merchant]
#: The most transactions a fake remembers, the latest: a long-running fake's memory
#: levels off; no test comes near it.
MAX_TRANSACTIONS = 50_000
# The fields the control API takes for each kind of account.
_USER_FIELDS = ("email", "password", "client_id", "secret", "user_id", "fullname", "username",
                "role")  # fmt: skip
_MERCHANT_FIELDS = ("token", "client_id", "secret", "merchant_id")


@dataclass
class Transaction:
    """A transaction created at ``/transaction/v2/init``: what was asked, and (once
    paid) the bank's fields. ``status`` is ``"pending"`` until it is paid."""

    tran_id: str
    tran_date: str
    request: JSONObject
    product: str = "checkout"
    status: str = "pending"
    tran_no: str = ""
    bank_code: str = ""
    bank_name: str = ""
    bank_ref: str = ""
    fee_amount: float = 0
    service_type: str = ""
    paid_date: str = ""

    @property
    def identity_code(self) -> str:
        return str(self.request.get("identity_code", ""))

    @property
    def tran_amount(self) -> float:
        amount: float = self.request.get("amount", 0)
        return amount

    @property
    def total_amount(self) -> float:
        return self.tran_amount + self.fee_amount


class _Secrets(dict[str, str]):
    """Client secrets by client id; the repr hides the secrets."""

    def __repr__(self) -> str:
        return repr({client_id: hide(secret) for client_id, secret in self.items()})


class _Merchants(dict[str, Bill24Merchant]):
    """Merchants by merchant token; the repr shows their ids, never their tokens."""

    def __repr__(self) -> str:
        return repr([merchant.merchant_id for merchant in self.values()])


class Bill24State:
    """Accounts and transactions of one Bill24 fake."""

    def __init__(self, user: Bill24User, merchant: Bill24Merchant) -> None:
        self._lock = threading.Lock()
        self.user = user
        self.merchant = merchant
        self.users: dict[str, Bill24User] = {user.email.lower(): user}
        self.merchants: dict[str, Bill24Merchant] = _Merchants({merchant.token: merchant})
        self.clients: dict[str, str] = _Secrets(
            {user.client_id: user.secret, merchant.client_id: merchant.secret}
        )
        self.subjects: dict[str, Subject] = {user.user_id: user, merchant.merchant_id: merchant}
        self.transactions: list[Transaction] = []
        # Bumped by every change of an account, so that ``secrets`` knows when to look.
        self._changes = 0
        self._secrets: tuple[object, frozenset[str]] = (None, frozenset())
        # By tran_id and by identity_code: at least the listed transactions' (two
        # references each), dropped a generation at a time (see Latest).
        self._by_ref: Latest[Transaction] = Latest(2 * MAX_TRANSACTIONS)
        self._numbers = itertools.count(1)

    # -- accounts ------------------------------------------------------------------------

    def add_client(self, client_id: str, secret: str) -> None:
        if not client_id or not secret:
            raise UsageValueError("a client needs a non-empty client_id and secret")
        with self._lock:
            self._changes += 1
            self.clients[client_id] = secret

    def remove_client(self, client_id: str) -> None:
        with self._lock:
            self._changes += 1
            if self.clients.pop(client_id, None) is None:
                raise UnknownNameError(f"the Bill24 fake has no client {client_id!r}")

    def add_user(self, user: Bill24User) -> Bill24User:
        with self._lock:
            self._changes += 1
            if user.email.lower() in self.users:
                raise UsageValueError(f"the Bill24 fake already has a user {user.email!r}")
            self.users[user.email.lower()] = user
            self.subjects[user.user_id] = user
            self.clients.setdefault(user.client_id, user.secret)
        return user

    def remove_user(self, email: str) -> None:
        with self._lock:
            self._changes += 1
            removed = self.users.pop(email.lower(), None)
            if removed is None:
                raise UnknownNameError(f"the Bill24 fake has no user {email!r}")
            self.subjects.pop(removed.user_id, None)

    def new_user(self, email: str, password: str, **options: Any) -> Bill24User:
        """A new portal user, by default of the default user's client."""
        options.setdefault("client_id", self.user.client_id)
        options.setdefault("secret", self.clients.get(options["client_id"], self.user.secret))
        return self.add_user(Bill24User.create(email, password, **options))

    def new_merchant(self, token: str | None = None, **options: Any) -> Bill24Merchant:
        """A new merchant, by default of the default merchant's client."""
        options.setdefault("client_id", self.merchant.client_id)
        options.setdefault("secret", self.clients.get(options["client_id"], self.merchant.secret))
        return self.add_merchant(Bill24Merchant.create(token, **options))

    def add_account(self, fields: JSONView) -> JSONObject:
        """An account from the control API's fields: a merchant when a ``token`` is
        given without an ``email``, else a portal user."""
        kinds = {"user": _USER_FIELDS, "merchant": _MERCHANT_FIELDS}
        default = "merchant" if "token" in fields and "email" not in fields else "user"
        kind, given = account_fields(fields, kinds, default, "Bill24")
        if kind == "merchant":
            return account_data("merchant", self.new_merchant(**given))
        user = self.new_user(given.pop("email", ""), given.pop("password", ""), **given)
        return account_data("user", user)

    def add_merchant(self, merchant: Bill24Merchant) -> Bill24Merchant:
        with self._lock:
            self._changes += 1
            self.merchants[merchant.token] = merchant
            self.subjects[merchant.merchant_id] = merchant
            self.clients.setdefault(merchant.client_id, merchant.secret)
        return merchant

    def remove_merchant(self, token: str) -> None:
        with self._lock:
            self._changes += 1
            removed = self.merchants.pop(str(token).lower(), None)
            if removed is None:
                raise UnknownNameError("the Bill24 fake has no such merchant")
            self.subjects.pop(removed.merchant_id, None)

    def known(self, subject: Subject) -> bool:
        """Whether an account still exists, as it was."""
        if isinstance(subject, Bill24Merchant):
            return self.merchants.get(subject.token) is subject
        return self.users.get(subject.email.lower()) is subject

    def accounts(self) -> list[JSONObject]:
        with self._lock:
            return [account_data("user", user) for user in self.users.values()] + [
                account_data("merchant", merchant) for merchant in self.merchants.values()
            ]

    def secrets(self, static_token: str | None) -> frozenset[str]:
        """Every password, client secret, merchant token and the static token: made
        again only after an account changed, so a call costs the same with one account
        or a thousand."""
        sizes = (len(self.users), len(self.clients), len(self.merchants))
        key = (self._changes, sizes, static_token)
        if self._secrets[0] != key:
            found = [u.password for u in self.users.values()]
            found += [*self.clients.values(), *self.merchants]
            self._secrets = (key, frozenset(found + ([static_token] if static_token else [])))
        return self._secrets[1]

    # -- transactions --------------------------------------------------------------------

    def new_transaction(
        self, tran_date: str, request: JSONObject, product: Product, fee: float = 0
    ) -> Transaction:
        tran_id = f"{next(self._numbers):012X}"
        transaction = Transaction(tran_id, tran_date, request, product.name, fee_amount=fee)
        with self._lock:
            self.transactions.append(transaction)
            self._by_ref[tran_id] = transaction
            self._by_ref[f"identity_code:{transaction.identity_code}"] = transaction
            if len(self.transactions) > MAX_TRANSACTIONS:
                del self.transactions[0]
        return transaction

    def has_identity(self, identity_code: str) -> bool:
        """Whether a transaction has this ``identity_code``."""
        return f"identity_code:{identity_code}" in self._by_ref

    def transaction(self, ref: str) -> Transaction:
        """A transaction by its ``tran_id`` or ``identity_code`` (the latest with it)."""
        found = self._by_ref.get(str(ref)) or self._by_ref.get(f"identity_code:{ref}")
        if found is None:
            raise UnknownNameError(
                f"the Bill24 fake has no transaction with tran_id or identity_code {ref!r}"
            )
        return found
