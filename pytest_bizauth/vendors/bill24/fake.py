"""The Bill24 merchant API fake: its settings, state and rules composed on the shared
front."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from ...core.attributes import FromState, Setting
from ...core.fake import FakeProvider
from ...core.hooks import error_message
from ...core.routes import Route
from ...core.settings import settings_of
from ...core.tokens import Issued
from ...errors import UsageTypeError, UsageValueError
from . import control, payments, rules
from .accounts import Bill24Merchant, Bill24User, tenant_accounts
from .api import (
    DISCOVERY_PATH,
    INIT_PATH,
    JWKS_PATH,
    MERCHANT_PATH,
    PORTAL_PATH,
    VERIFY_PATH,
    WEBHOOK_HEADERS,
    envelope,
    merchant_accepted,
)
from .products import Product, product_named
from .settings import Bill24Settings
from .state import Bill24State, Subject, Transaction
from .tokens import Bill24Tokens

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..._types import JSONObject, JSONView
    from ...core.call import Call
    from ...core.tokens import RefreshRecord
    from ...core.webhooks import Delivery
    from ...core.wire import FakeRequest

__all__ = ["Bill24Settings", "FakeBill24", "Transaction"]


class FakeBill24(FakeProvider):
    """A stateful fake of Bill24's merchant API: both authorize variants, the protected
    transaction endpoints, and IdentityServer's discovery document and JWKS. Pass a
    :class:`Bill24Settings`, or its fields as keywords."""

    vendor = "Bill24"
    envelope_keys = frozenset({"code", "message", "message_kh"})
    token_fields = FakeProvider.token_fields | {"refreshtoken"}
    bearer_headers = ("authorization", "token")
    refresh_token_field = "refreshToken"
    webhook_events = ("payment",)
    #: Its endpoints of the control API, and why its other verbs have none.
    control_verbs, python_only = control.VERBS, control.PYTHON_ONLY
    webhook_answer = 'HTTP 200 with {"status": "Success", "message": "SUCCESS"}'
    # Settings a test may read, or switch mid-test (see Bill24Settings).
    refresh_ttl = Setting[int]()
    error_status = Setting[int]()
    schema_spelling = Setting[bool]()
    static_token = Setting["str | None"]()
    bearer_clock_skew = Setting[int]()

    #: A tenant's own portal user and merchant, with clients of their own.
    tenant_accounts = staticmethod(tenant_accounts)

    def __init__(self, settings: Bill24Settings | None = None, /, **options: object) -> None:
        chosen = settings_of(Bill24Settings, settings, options)
        super().__init__(chosen)
        self.settings: Bill24Settings = chosen
        self.tokens = Bill24Tokens(
            chosen.signing_key, issuer=chosen.issuer, merchant_issuer=chosen.merchant_issuer,
            user=chosen.user, merchant=chosen.merchant, access_ttl=chosen.access_ttl,
        )  # fmt: skip
        self.state = Bill24State(chosen.user, chosen.merchant)
        self._set_up_webhooks(chosen, retry_delay=chosen.webhook_retry_delay)

    @property
    def product(self) -> Product:
        """The product whose schema ``init`` and ``verify`` validate."""
        return product_named(self.settings.product)

    # -- state ---------------------------------------------------------------------------

    #: The portal user the fake starts with (the fixture client's).
    user = FromState[Bill24User]()
    #: The merchant the fake starts with.
    merchant = FromState[Bill24Merchant]()
    #: Portal users by email.
    users = FromState["dict[str, Bill24User]"]()
    #: Merchants by token (its ``repr`` shows merchant ids, never tokens).
    merchants = FromState["dict[str, Bill24Merchant]"]()
    #: Client secrets by client id (its ``repr`` hides the secrets).
    clients = FromState["dict[str, str]"]()
    #: The transactions ``init`` created, in order.
    transactions = FromState["list[Transaction]"]()

    def add_client(self, client_id: str, secret: str) -> None:
        """Register a client id and its secret."""
        self.state.add_client(client_id, secret)

    def remove_client(self, client_id: str) -> None:
        """Unregister a client id: its logins and refreshes fail."""
        self.state.remove_client(client_id)

    def add_user(self, email: str, password: str, **options: object) -> Bill24User:
        """Create a portal user (options: ``client_id``, ``secret``, ``user_id``,
        ``fullname``, ``username``, ``role``); its client is registered too."""
        return self.state.new_user(email, password, **options)

    def remove_user(self, email: str) -> None:
        """Delete a portal user: it can no longer log in or refresh."""
        self.state.remove_user(email)

    def add_merchant(self, token: str | None = None, **options: object) -> Bill24Merchant:
        """A new merchant (options: ``client_id``, ``secret``, ``merchant_id``)."""
        return self.state.new_merchant(token, **options)

    def remove_merchant(self, token: str) -> None:
        """Delete a merchant: its token no longer logs in and its refresh tokens fail."""
        self.state.remove_merchant(token)

    def issue_refresh_token(self, subject: Subject | None = None) -> str:
        """A refresh token the fake will accept, as if issued at a login just now."""
        who = subject or self.user
        with self._lock:
            return self._new_refresh(who)

    @property
    def refresh_tokens(self) -> dict[str, RefreshRecord]:
        """What the fake knows of each refresh token (its ``repr`` masks the tokens)."""
        return self.store.refresh_records

    def accounts(self) -> list[JSONObject]:
        return self.state.accounts()

    def add_account(self, fields: JSONView) -> JSONObject:
        return self.state.add_account(fields)

    # -- payments, in the customer's place -----------------------------------------------

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
        fee_amount: float | None = None,
        payment_service_type: str | None = None,
        webhook: bool = True,
    ) -> Transaction:
        """The customer pays transaction ``ref`` (its ``tran_id`` or ``identity_code``):
        it becomes ``success`` with the bank's fields (``total_amount`` is the amount
        plus the fee known at init, or ``fee_amount``), and, unless ``webhook=False``,
        Bill24 sends the product's webhook to the merchant's target if one is set."""
        transaction = self.transaction(ref)
        with self._lock:
            payments.pay(transaction, bank_code=bank_code, bank_ref=bank_ref,
                         bank_name=bank_name, fee_amount=fee_amount,
                         service_type=payment_service_type)  # fmt: skip
        if webhook and self._webhooks.target_of("payment") is not None:
            self.send_webhook(transaction.tran_id)
        return transaction

    def send_webhook(self, ref: str) -> Delivery:
        """Send a paid transaction's webhook now, again if it was sent before (Bill24
        sends it again when an answer was lost): the delivery's first attempt."""
        return self._send(payments.paid_webhook(self.transaction(ref)), forged=False)

    def forge_webhook(self, ref: str | None = None, /, **fields: object) -> Delivery:
        """Send a webhook no payment produced: transaction ``ref``'s (any status) or one
        of a transaction Bill24 never made, with ``fields`` changed. It is never
        retried, and never fails the test by itself."""
        body = payments.forged_webhook(None if ref is None else self.transaction(ref), fields)
        return self._send(body, forged=True)

    def _send(self, body: JSONObject, *, forged: bool) -> Delivery:
        about = {str(body.get(key) or "") for key in ("tran_id", "identity_code")} - {""}
        sent = self._webhooks.send("payment", body, WEBHOOK_HEADERS, merchant_accepted,
                                   about=about, forged=forged, required=True)  # fmt: skip
        return sent[0]

    def set_status(self, ref: str, status: str) -> Transaction:
        """Give a transaction a status no payment gives it (``failed``, ``cancelled``,
        ``expired``, or back to ``pending``): invented, the pages document only
        ``pending`` and ``success``. No webhook is sent."""
        if status not in payments.STATUSES:
            raise UsageValueError(
                f"status must be one of {', '.join(payments.STATUSES)}, not {status!r}"
            )
        transaction = self.transaction(ref)
        transaction.status = status
        return transaction

    # -- call log views ------------------------------------------------------------------

    @property
    def authorize_calls(self) -> list[Call]:
        """Calls to either authorize route."""
        return self.calls_to("authorize") + self.calls_to("merchant_authorize")

    @property
    def transaction_calls(self) -> list[Call]:
        """Calls to the protected transaction endpoints."""
        return [c for c in self.calls if c.endpoint in (INIT_PATH, VERIFY_PATH)]

    # -- what the shared front asks of a vendor ------------------------------------------

    @classmethod
    def _route_table(cls) -> Iterable[Route]:
        authorize = rules.login_or_refresh
        return (
            Route("authorize", "POST", PORTAL_PATH, authorize, rules.authorize_portal),
            Route("merchant_authorize", "POST", MERCHANT_PATH, authorize, rules.authorize_merchant),
            Route("init", "POST", INIT_PATH, "resource", payments.init),
            Route("verify", "POST", VERIFY_PATH, "resource", payments.verify),
            Route("discovery", "GET", DISCOVERY_PATH, "discovery", rules.discovery),
            Route("jwks", "GET", JWKS_PATH, "discovery", rules.jwks),
        )

    def _error_body(self, route: Route, status: int) -> JSONObject | None:
        message = error_message(status)
        if route.kind == "resource" and status == 401:
            return None
        return envelope(status, message, message, None)

    def _owner_of(self, account: object) -> str:
        if account is None:
            account = self.user
        if isinstance(account, Bill24Merchant):
            return f"merchant:{account.merchant_id}"  # never its token: owners are shown
        if isinstance(account, Bill24User):
            return f"user:{account.email.lower()}"
        if isinstance(account, str):
            known = self.merchants.get(account.lower())
            return self._owner_of(known) if known else f"user:{account.lower()}"
        raise UsageTypeError(
            f"name a Bill24 account by email, merchant token or object, not {account!r}"
        )

    def _use_key(self, key: object) -> None:
        from .keys import SigningKey

        self.tokens.use_key(SigningKey.generate() if key is None else key)

    def _refresh_key(self, token: str) -> str:
        return token.upper()

    def _secrets(self) -> frozenset[str]:
        return self.state.secrets(self.static_token)

    def _authenticate(self, request: FakeRequest) -> JSONObject:
        return rules.authenticate(self, request)

    def _new_refresh(self, subject: Subject) -> str:
        token = secrets.token_hex(32).upper()
        expires = self._issue_instant().timestamp() + self.refresh_ttl
        self.store.issued_refresh(
            token,
            self._owner_of(subject),
            expires_at=expires,
            subject=subject,
            client_id=subject.client_id,
        )
        return token

    def issue(self, subject: Subject, presented: str | None) -> Issued:
        """A new access token for ``subject`` and the refresh token to answer with;
        ``presented``: the refresh token of a refresh."""
        instant = self._issue_instant()
        access = self.tokens.access(subject=subject, issued_at=int(instant.timestamp()))
        owner = self._owner_of(subject)
        self.store.issued_access(access, owner)
        refresh = self.store.answered_refresh(
            presented,
            owner,
            rotate=self.rotate_refresh_tokens,
            mint=lambda: secrets.token_hex(32).upper(),
            expires_at=instant.timestamp() + self.refresh_ttl,
            subject=subject,
            client_id=subject.client_id,
        )
        return Issued(subject, access, refresh, instant)

    def __repr__(self) -> str:
        return f"FakeBill24(base_url={self.base_url!r}, calls={len(self.calls)})"
