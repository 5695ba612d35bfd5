"""The Bill24 merchant API fake: its state and rules first, then its route table."""

from __future__ import annotations

import datetime as _dt
import hmac
import itertools
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from ..._redact import hide
from ...clock import now
from ...core.fake import FakeProvider, Route, account_data, account_fields
from ...core.values import positive_seconds
from ...core.wire import Refusal, Reply
from .accounts import DEFAULT_MERCHANT, DEFAULT_USER, Bill24Merchant, Bill24User
from .api import (
    ACCESS_TTL,
    BAD_BODY,
    BASE_URL,
    CLIENT_REQUIRED,
    CREDENTIALS_REQUIRED,
    DISCOVERY_PATH,
    INIT_OK,
    INIT_PATH,
    INVALID_CLIENT,
    INVALID_CREDENTIALS,
    INVALID_MERCHANT,
    INVALID_TOKEN_HEADERS,
    ISSUER,
    JWKS_PATH,
    MERCHANT_PATH,
    MERCHANT_TOKEN_REQUIRED,
    NOT_FOUND,
    PORTAL_PATH,
    REFRESH_EXPIRED,
    REFRESH_INVALID,
    REFRESH_TTL,
    VERIFY_OK,
    VERIFY_PATH,
)
from .api import envelope as _envelope
from .products import missing_field, product_named
from .tokens import APIS, ICT, MERCHANT_APIS, Bill24Tokens, expire_time

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ...core.tokens import RefreshRecord
    from ...core.wire import Call, EventKind, FakeRequest, Note
    from .keys import SigningKey

__all__ = ["FakeBill24", "Transaction"]

_USER_FIELDS = (
    "email",
    "password",
    "client_id",
    "secret",
    "user_id",
    "fullname",
    "username",
    "role",
)
_MERCHANT_FIELDS = ("token", "client_id", "secret", "merchant_id")

Subject = Union[Bill24User, Bill24Merchant]


@dataclass(frozen=True)
class Transaction:
    """A transaction created at ``/transaction/v2/init``."""

    tran_id: str
    tran_date: str
    request: dict[str, Any]


class _Secrets(dict[str, str]):
    """Client secrets by client id; the repr hides the secrets."""

    def __repr__(self) -> str:
        return repr({client_id: hide(secret) for client_id, secret in self.items()})


def _unauthorized(why: Note) -> Refusal:
    """A protected endpoint's refusal: an empty 401 with ``WWW-Authenticate``."""
    return Refusal(401, None, INVALID_TOKEN_HEADERS, note=why)


def _require(missing: str | None) -> None:
    """Refuse a call that lacks a field: Bill24's business error, HTTP 200."""
    if missing is not None:
        message = missing_field(missing)
        raise Refusal(200, _envelope("ERR_MISSED_FIELD", message, message, None))


def _tran_date() -> str:
    """A ``tran_date`` as Bill24 writes it: local time, microseconds, no offset."""
    return now().astimezone(ICT).replace(tzinfo=None).isoformat(timespec="microseconds")


def _text(value: object) -> bool:
    """A non-empty string."""
    return isinstance(value, str) and bool(value)


def _refresh_token(body: dict[str, Any]) -> str | None:
    """The refresh token an authorize call presents, upper-cased, or ``None``."""
    token = body.get("refreshToken")
    return token.upper() if isinstance(token, str) and token else None


def _login_or_refresh(request: FakeRequest) -> EventKind:
    """An authorize call refreshes when it presents a refresh token, else logs in."""
    body = request.json_object()
    return "refresh" if body is not None and body.get("refreshToken") else "login"


class FakeBill24(FakeProvider):
    """A stateful fake of Bill24's merchant API: both authorize variants, the protected
    transaction endpoints, and IdentityServer's discovery document and JWKS."""

    vendor = "Bill24"
    envelope_keys = frozenset({"code", "message", "message_kh"})
    token_fields = FakeProvider.token_fields | {"refreshtoken"}
    bearer_headers = ("authorization", "token")
    refresh_token_field = "refreshToken"

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        signing_key: SigningKey | None = None,
        issuer: str = ISSUER,
        access_ttl: int = ACCESS_TTL,
        refresh_ttl: int = REFRESH_TTL,
        single_use_refresh: bool = False,
        rotate_refresh_tokens: bool = True,
        error_status: int = 401,
        schema_spelling: bool = False,
        product: str = "checkout",
        static_token: str | None = None,
        user: Bill24User = DEFAULT_USER,
        merchant: Bill24Merchant = DEFAULT_MERCHANT,
    ) -> None:
        super().__init__(
            base_url,
            single_use_refresh=single_use_refresh,
            rotate_refresh_tokens=rotate_refresh_tokens,
        )
        self.tokens = Bill24Tokens(
            signing_key, issuer=issuer, user=user, merchant=merchant, access_ttl=access_ttl
        )
        self.refresh_ttl = positive_seconds(refresh_ttl, what="refresh_ttl")
        if (
            isinstance(error_status, bool)
            or not isinstance(error_status, int)
            or not (400 <= error_status <= 499)
        ):
            raise ValueError(f"error_status must be a 4xx status code, not {error_status!r}")
        self.error_status = error_status
        self.schema_spelling = schema_spelling
        #: The product whose schema ``init`` and ``verify`` validate.
        self.product = product_named(product)
        if static_token is not None and (not isinstance(static_token, str) or not static_token):
            raise ValueError("static_token must be a non-empty string, or None for none")
        #: A static API token ``init`` and ``verify`` also take as ``token: <value>``.
        self.static_token = static_token
        self.user = user
        self.merchant = merchant
        self.users: dict[str, Bill24User] = {user.email.lower(): user}
        self.merchants: dict[str, Bill24Merchant] = {merchant.token: merchant}
        self.clients: dict[str, str] = _Secrets(
            {user.client_id: user.secret, merchant.client_id: merchant.secret}
        )
        self.transactions: list[Transaction] = []
        self._tran_ids = itertools.count(1)

    # -- accounts ------------------------------------------------------------------------

    def add_client(self, client_id: str, secret: str) -> None:
        """Register a client id and its secret."""
        if not client_id or not secret:
            raise ValueError("a client needs a non-empty client_id and secret")
        with self._lock:
            self.clients[client_id] = secret

    def remove_client(self, client_id: str) -> None:
        """Unregister a client id: its logins and refreshes fail."""
        with self._lock:
            if self.clients.pop(client_id, None) is None:
                raise KeyError(f"the Bill24 fake has no client {client_id!r}")

    def add_user(self, email: str, password: str, **options: Any) -> Bill24User:
        """Create a portal user (options: ``client_id``, ``secret``, ``user_id``,
        ``fullname``, ``username``, ``role``); its client is registered too."""
        options.setdefault("client_id", self.user.client_id)
        options.setdefault("secret", self.clients.get(options["client_id"], self.user.secret))
        user = Bill24User.create(email, password, **options)
        with self._lock:
            if email.lower() in self.users:
                raise ValueError(f"the Bill24 fake already has a user {email!r}")
            self.users[email.lower()] = user
            self.clients.setdefault(user.client_id, user.secret)
        return user

    def remove_user(self, email: str) -> None:
        """Delete a portal user: it can no longer log in or refresh."""
        with self._lock:
            if self.users.pop(email.lower(), None) is None:
                raise KeyError(f"the Bill24 fake has no user {email!r}")

    def add_merchant(self, token: str | None = None, **options: Any) -> Bill24Merchant:
        """Create a merchant (options: ``client_id``, ``secret``, ``merchant_id``)."""
        options.setdefault("client_id", self.merchant.client_id)
        options.setdefault("secret", self.clients.get(options["client_id"], self.merchant.secret))
        merchant = Bill24Merchant.create(token, **options)
        with self._lock:
            self.merchants[merchant.token] = merchant
            self.clients.setdefault(merchant.client_id, merchant.secret)
        return merchant

    def remove_merchant(self, token: str) -> None:
        """Delete a merchant: its token no longer logs in and its refresh tokens fail."""
        with self._lock:
            if self.merchants.pop(str(token).lower(), None) is None:
                raise KeyError("the Bill24 fake has no such merchant")

    def issue_refresh_token(self, subject: Subject | None = None) -> str:
        """A refresh token the fake will accept, as if issued at a login just now."""
        who = subject or self.user
        with self._lock:
            return self._new_refresh(who, who.client_id)

    @property
    def refresh_tokens(self) -> dict[str, RefreshRecord]:
        """What the fake knows of each refresh token (its ``repr`` masks the tokens)."""
        return self.store.refresh_records

    def accounts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [account_data("user", user) for user in self.users.values()] + [
                account_data("merchant", merchant) for merchant in self.merchants.values()
            ]

    def add_account(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        kinds = {"user": _USER_FIELDS, "merchant": _MERCHANT_FIELDS}
        default = "merchant" if "token" in fields and "email" not in fields else "user"
        kind, given = account_fields(fields, kinds, default, self.vendor)
        if kind == "merchant":
            return account_data("merchant", self.add_merchant(**given))
        user = self.add_user(given.pop("email", ""), given.pop("password", ""), **given)
        return account_data("user", user)

    def _owner_of(self, account: Any) -> str:
        if account is None:
            account = self.user
        if isinstance(account, Bill24Merchant):
            return f"merchant:{account.token}"
        if isinstance(account, Bill24User):
            return f"user:{account.email.lower()}"
        if isinstance(account, str):
            known = self.merchants.get(account.lower())
            return self._owner_of(known) if known else f"user:{account.lower()}"
        raise TypeError(
            f"name a Bill24 account by email, merchant token or object, not {account!r}"
        )

    def _use_key(self, key: Any) -> None:
        from .keys import SigningKey

        self.tokens.use_key(SigningKey.generate() if key is None else key)

    def _refresh_key(self, token: str) -> str:
        return token.upper()

    def _secrets(self) -> frozenset[str]:
        return frozenset(
            [u.password for u in self.users.values()]
            + list(self.clients.values())
            + list(self.merchants)
            + ([self.static_token] if self.static_token else [])
        )

    def _known(self, subject: Subject) -> bool:
        if isinstance(subject, Bill24Merchant):
            return self.merchants.get(subject.token) is subject
        return self.users.get(subject.email.lower()) is subject

    # -- call log views ------------------------------------------------------------------

    @property
    def authorize_calls(self) -> list[Call]:
        """Calls to either authorize route."""
        with self._lock:
            return [c for c in self.calls if c.endpoint in (PORTAL_PATH, MERCHANT_PATH)]

    @property
    def transaction_calls(self) -> list[Call]:
        """Calls to the protected transaction endpoints."""
        with self._lock:
            return [c for c in self.calls if c.endpoint in (INIT_PATH, VERIFY_PATH)]

    # -- rules ---------------------------------------------------------------------------

    @classmethod
    def _route_table(cls) -> Iterable[Route]:
        authorize = _login_or_refresh
        return (
            Route("authorize", "POST", PORTAL_PATH, authorize, cls._authorize_portal),
            Route("merchant_authorize", "POST", MERCHANT_PATH, authorize, cls._authorize_merchant),
            Route("init", "POST", INIT_PATH, "resource", cls._init),
            Route("verify", "POST", VERIFY_PATH, "resource", cls._verify),
            Route("discovery", "GET", DISCOVERY_PATH, "discovery", cls._discovery),
            Route("jwks", "GET", JWKS_PATH, "discovery", cls._jwks),
        )

    def _error_body(self, route: Route, status: int) -> Any:
        message = super()._error_body(route, status)["message"]
        if route.kind == "resource" and status == 401:
            return None
        return _envelope(status, message, message, None)

    def _refused(self, status: int, message: str) -> Refusal:
        return Refusal(status, _envelope(status, message, message, None))

    def _new_refresh(self, subject: Subject, client_id: str) -> str:
        token = secrets.token_hex(32).upper()
        expires = now().timestamp() + self.refresh_ttl
        self.store.issued_refresh(
            token, self._owner_of(subject), expires_at=expires, subject=subject, client_id=client_id
        )
        return token

    def _issue(self, subject: Subject, presented: str | None) -> tuple[str, str, str]:
        """A new access token, the refresh token to answer, and the access token's
        ``tokenExpireTime``."""
        instant = self._issue_instant()
        access = self.tokens.access(subject=subject, issued_at=int(instant.timestamp()))
        owner = self._owner_of(subject)
        self.store.issued_access(access, owner)
        if presented is not None and not self.rotate_refresh_tokens:
            refresh = presented
            self.store.issued_refresh(refresh, owner, new_copy=False)
        else:
            refresh = self._new_refresh(subject, subject.client_id)
        return access, refresh, expire_time(instant + _dt.timedelta(seconds=self.tokens.access_ttl))

    def _body(self, request: FakeRequest) -> dict[str, Any]:
        """The JSON object of an authorize call with a known client, else the refusal."""
        body = request.json_object()
        if body is None:
            raise self._refused(400, BAD_BODY)
        client_id, secret = body.get("clientId"), body.get("secret")
        if not _text(client_id) or not _text(secret):
            raise self._refused(400, CLIENT_REQUIRED)
        known = self.clients.get(str(client_id))
        if known is None or not hmac.compare_digest(known.encode(), str(secret).encode()):
            raise self._refused(self.error_status, INVALID_CLIENT)
        return body

    def _refreshed_subject(self, body: dict[str, Any]) -> Subject:
        """Whom the presented refresh token belongs to, counting one use of it."""
        token = str(body["refreshToken"]).upper()
        record = self.store.refresh_record(token)
        if record is None or record.subject is None or record.revoked:
            raise self._refused(self.error_status, REFRESH_INVALID)
        if record.client_id != body.get("clientId"):
            raise self._refused(self.error_status, REFRESH_INVALID)
        if not self.store.may_spend(token, single_use=self.single_use_refresh):
            raise self._refused(self.error_status, REFRESH_INVALID)
        if record.expires_at is not None and record.expires_at <= now().timestamp():
            raise self._refused(self.error_status, REFRESH_EXPIRED)
        if not self._known(record.subject):
            raise self._refused(self.error_status, REFRESH_INVALID)
        self.store.spend(token)
        subject: Subject = record.subject
        return subject

    def _portal_user(self, body: dict[str, Any]) -> Bill24User:
        email, password = body.get("email"), body.get("password")
        if not _text(email) or not _text(password):
            raise self._refused(400, CREDENTIALS_REQUIRED)
        user = self.users.get(str(email).lower())
        if (
            user is None
            or user.client_id != body["clientId"]
            or not hmac.compare_digest(user.password.encode(), str(password).encode())
        ):
            raise self._refused(self.error_status, INVALID_CREDENTIALS)
        return user

    def _merchant(self, body: dict[str, Any]) -> Bill24Merchant:
        token = body.get("token")
        if not _text(token):
            raise self._refused(400, MERCHANT_TOKEN_REQUIRED)
        merchant = self.merchants.get(str(token).strip().lower())
        if merchant is None or merchant.client_id != body["clientId"]:
            raise self._refused(self.error_status, INVALID_MERCHANT)
        return merchant

    def _authorized(self, request: FakeRequest, *, merchant_route: bool) -> dict[str, Any]:
        """The token set of a good authorize call, by login or refresh."""
        body = self._body(request)
        presented = _refresh_token(body)
        subject: Subject
        if presented is not None:
            subject = self._refreshed_subject(body)
        elif merchant_route:
            subject = self._merchant(body)
        else:
            subject = self._portal_user(body)
        access, refresh, expires = self._issue(subject, presented)
        return {
            "issuer": self.tokens.issuer,
            "token": access,
            "refreshToken": refresh,
            "tokenExpireTime": expires,
            "subject": subject,
        }

    def _authorize_portal(self, request: FakeRequest) -> Reply:
        issued = self._authorized(request, merchant_route=False)
        subject = issued.pop("subject")
        is_user = isinstance(subject, Bill24User)
        body: dict[str, Any] = {
            **issued,
            "userId": subject.user_id if isinstance(subject, Bill24User) else subject.merchant_id,
            "email": subject.email if isinstance(subject, Bill24User) else "",
            "fullname": subject.fullname if isinstance(subject, Bill24User) else "API Integration",
            "permissions": None,
            "isNeedChangePassword": False,
            "passwordNeverExprie" if self.schema_spelling else "passwordNeverExpire": not is_user,
            "passwordExpireIn": 2147483647,
            "isPasswordExpire": False,
        }
        return Reply(200, body)

    def _authorize_merchant(self, request: FakeRequest) -> Reply:
        issued = self._authorized(request, merchant_route=True)
        del issued["subject"]
        return Reply(200, {"code": 200, "message": "", "data": issued})

    def _authenticate(self, request: FakeRequest) -> dict[str, Any]:
        """The claims of a good bearer token, else the empty 401 noting why."""
        import jwt

        token = request.bearer(*self.bearer_headers)
        if token is None:
            static = self._static_claims(request)
            if static is None:
                raise _unauthorized("invalid")
            return static
        try:
            header, claims = self.tokens.decode_complete(token, verify_exp=False)
        except jwt.InvalidTokenError:
            raise _unauthorized("invalid") from None
        if header.get("typ") != "at+jwt" or header.get("kid") != self.tokens.key.kid:
            raise _unauthorized("invalid")
        instant = now().timestamp()
        if instant < claims.get("nbf", 0):
            raise _unauthorized("invalid")
        if instant >= claims.get("exp", 0) or self.store.is_expired(token):
            raise _unauthorized("expired")
        subject = claims.get("sub")
        known = any(u.user_id == subject for u in self.users.values()) or any(
            m.merchant_id == subject for m in self.merchants.values()
        )
        if not known:
            raise _unauthorized("invalid")
        return claims

    def _static_claims(self, request: FakeRequest) -> dict[str, Any] | None:
        """What a call presenting the configured static token as ``token: <value>`` is
        allowed as (the default merchant), or ``None``."""
        presented = (request.header("token") or "").strip()
        if self.static_token is None or not presented:
            return None
        if not hmac.compare_digest(presented.encode(), self.static_token.encode()):
            return None
        return {"sub": self.merchant.merchant_id, "client_id": self.merchant.client_id}

    def _protected(self, request: FakeRequest) -> dict[str, Any]:
        """The JSON body of a call with a good bearer token; else the refusal."""
        self._authenticate(request)
        body = request.json_object()
        if body is None:
            raise Refusal(200, _envelope("ERR_INVALID_REQUEST", BAD_BODY, BAD_BODY, None))
        return body

    def _init(self, request: FakeRequest) -> Reply:
        body = self._protected(request)
        _require(self.product.missing_in_init(body))
        tran_id = f"{next(self._tran_ids):012X}"
        self.transactions.append(Transaction(tran_id, _tran_date(), body))
        data = {
            "tran_id": tran_id,
            "identity_code": body["identity_code"],
            "payment_link": f"https://checkout-demo.bill24.io/checkout/{tran_id}",
            "khqr_string": f"00020101021230400016bizauth@fake0104{tran_id}",
        }
        return Reply(200, _envelope("SUCCESS", *INIT_OK, data))

    def _verify(self, request: FakeRequest) -> Reply:
        body = self._protected(request)
        _require(self.product.missing_in_verify(body))
        keys = ("tran_id", "identity_code", "purpose_of_transaction", "bank_ref")
        wanted = {k: str(v) for k in keys if (v := body.get(k)) is not None and str(v).strip()}
        for transaction in reversed(self.transactions):
            fields = {**transaction.request, "tran_id": transaction.tran_id}
            if all(str(fields.get(k, "")) == v for k, v in wanted.items()):
                return Reply(200, _envelope("SUCCESS", *VERIFY_OK, self._describe(transaction)))
        return Reply(200, _envelope("ERR_NOT_FOUND", *NOT_FOUND, None))

    @staticmethod
    def _describe(transaction: Transaction) -> dict[str, Any]:
        asked = transaction.request
        amount = asked.get("amount", 0)
        return {
            "device_code": asked.get("device_code", ""),
            "channel_code": asked.get("channel_code", ""),
            "customers": asked.get("customers", []),
            "tran_id": transaction.tran_id,
            "tran_date": transaction.tran_date,
            "tran_amount": amount,
            "fee_amount": 0,
            "total_amount": amount,
            "currency": asked.get("currency", ""),
            "identity_code": asked.get("identity_code", ""),
            "bank_code": "",
            "bank_ref": "",
            "purpose_of_transaction": asked.get("purpose_of_transaction", ""),
            "status": "pending",
            "description": asked.get("description", ""),
        }

    def _discovery(self, request: FakeRequest) -> Reply:
        return Reply(
            200,
            {
                "issuer": self.tokens.issuer,
                "jwks_uri": self.base_url + JWKS_PATH,
                "token_endpoint": self.base_url + PORTAL_PATH,
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": [*dict.fromkeys(APIS + MERCHANT_APIS), "offline_access"],
            },
        )

    def _jwks(self, request: FakeRequest) -> Reply:
        return Reply(200, self.tokens.key.jwks())

    def __repr__(self) -> str:
        return f"FakeBill24(base_url={self.base_url!r}, calls={len(self.calls)})"
