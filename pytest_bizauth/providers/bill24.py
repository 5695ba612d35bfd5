"""The Bill24 merchant API fake: its state and rules first, then its route table."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hmac
import itertools
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from .. import _jwt
from ..accounts import DEFAULT_BILL24_MERCHANT, DEFAULT_BILL24_USER, Bill24Merchant, Bill24User
from ..clock import now
from ..tokens import (
    BILL24_ACCESS_TTL,
    BILL24_REFRESH_TTL,
    DEFAULT_BILL24_ISSUER,
    ICT,
    Bill24Tokens,
    bill24_expire_time,
    positive_seconds,
)
from ._base import Call, FakeProvider, Reply, Route

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..keys import SigningKey
    from ._request import FakeRequest

__all__ = ["BILL24_BASE_URL", "FakeBill24", "RefreshRecord", "Transaction"]

BILL24_BASE_URL = "https://merchantapi-demo.bill24.io"
PORTAL_PATH = "/security/authorize"
MERCHANT_PATH = "/merchantsecurity/authorize"
INIT_PATH = "/transaction/v2/init"
VERIFY_PATH = "/transaction/v2/verify"
DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/openid-configuration/jwks"

# Documented texts.
INIT_OK = ("Transaction init successful", "បង្កើតប្រតិបត្តិការជោគជ័យ")
VERIFY_OK = ("Transaction found", "ប្រតិបត្តិការបានរកឃើញ")
# Invented texts (Bill24 documents no authorize errors): see docs/fidelity.md.
BAD_BODY = "Invalid request body"
CLIENT_REQUIRED = "clientId and secret are required"
INVALID_CLIENT = "Invalid client"
CREDENTIALS_REQUIRED = "email and password are required"
MERCHANT_TOKEN_REQUIRED = "token is required"
INVALID_CREDENTIALS = "Invalid email or password"
INVALID_MERCHANT = "Invalid merchant token"
REFRESH_INVALID = "Invalid refresh token"
REFRESH_EXPIRED = "Refresh token expired"
NOT_FOUND = ("Transaction not found", "រកមិនឃើញប្រតិបត្តិការ")
INVALID_TOKEN_HEADERS = {"WWW-Authenticate": 'Bearer error="invalid_token"'}

Subject = Union[Bill24User, Bill24Merchant]


@dataclass
class RefreshRecord:
    """What the fake knows of a refresh token it issued."""

    subject: Subject
    client_id: str
    expires_at: float
    spent: bool = False


@dataclass(frozen=True)
class Transaction:
    """A transaction created at ``/transaction/v2/init``."""

    tran_id: str
    tran_date: str
    request: dict[str, Any]


class _ByToken(dict[str, "RefreshRecord"]):
    """Refresh records by token; the repr shows tokens masked."""

    def __repr__(self) -> str:
        return repr({_jwt.mask(k): v for k, v in self.items()})


def _envelope(code: Any, message: str, message_kh: str, data: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "message_kh": message_kh, "data": data}


class FakeBill24(FakeProvider):
    """A stateful fake of Bill24's merchant API: both authorize variants, the protected
    transaction endpoints, and IdentityServer's discovery document and JWKS."""

    vendor = "Bill24"

    def __init__(
        self,
        *,
        base_url: str = BILL24_BASE_URL,
        signing_key: SigningKey | None = None,
        issuer: str = DEFAULT_BILL24_ISSUER,
        access_ttl: int = BILL24_ACCESS_TTL,
        refresh_ttl: int = BILL24_REFRESH_TTL,
        single_use_refresh: bool = False,
        rotate_refresh_tokens: bool = True,
        error_status: int = 401,
        schema_spelling: bool = False,
        user: Bill24User = DEFAULT_BILL24_USER,
        merchant: Bill24Merchant = DEFAULT_BILL24_MERCHANT,
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
        self.user = user
        self.merchant = merchant
        self.users: dict[str, Bill24User] = {user.email.lower(): user}
        self.merchants: dict[str, Bill24Merchant] = {merchant.token: merchant}
        self.clients: dict[str, str] = {
            user.client_id: user.secret,
            merchant.client_id: merchant.secret,
        }
        self.refresh_tokens: dict[str, RefreshRecord] = _ByToken()
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
        from ..keys import SigningKey

        self.tokens.use_key(SigningKey.generate() if key is None else key)

    def _refresh_key(self, token: str) -> str:
        return token.upper()

    def expiry_of(self, token: str) -> float | None:
        record = self.refresh_tokens.get(token.upper())
        return None if record is None else record.expires_at

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

    def _route_table(self) -> Iterable[Route]:
        return (
            Route("authorize", "POST", PORTAL_PATH, "login", self._authorize_portal),
            Route("merchant_authorize", "POST", MERCHANT_PATH, "login", self._authorize_merchant),
            Route("init", "POST", INIT_PATH, "resource", self._init),
            Route("verify", "POST", VERIFY_PATH, "resource", self._verify),
            Route("discovery", "GET", DISCOVERY_PATH, "discovery", self._discovery),
            Route("jwks", "GET", JWKS_PATH, "discovery", self._jwks),
        )

    def _error_body(self, route: Route, status: int) -> Any:
        message = super()._error_body(route, status)["message"]
        if route.kind == "resource" and status == 401:
            return None
        return _envelope(status, message, message, None)

    def _refused(self, status: int, message: str) -> Reply:
        return Reply(status, _envelope(status, message, message, None))

    def _new_refresh(self, subject: Subject, client_id: str) -> str:
        token = secrets.token_hex(32).upper()
        expires = now().timestamp() + self.refresh_ttl
        self.refresh_tokens[token] = RefreshRecord(subject, client_id, expires)
        return token

    def _issue(
        self, subject: Subject, client_id: str, presented: str | None = None
    ) -> tuple[str, str, str]:
        instant = self._issue_instant()
        access = self.tokens.access(subject=subject, issued_at=int(instant.timestamp()))
        if presented is not None and not self.rotate_refresh_tokens:
            refresh = presented
        else:
            refresh = self._new_refresh(subject, client_id)
        self.ledger.issued(access, refresh, self._owner_of(subject))
        expire_time = bill24_expire_time(instant + _dt.timedelta(seconds=self.tokens.access_ttl))
        return access, refresh, expire_time

    def _client_problem(self, body: dict[str, Any]) -> Reply | None:
        client_id, secret = body.get("clientId"), body.get("secret")
        if (
            not isinstance(client_id, str)
            or not client_id
            or not isinstance(secret, str)
            or not secret
        ):
            return self._refused(400, CLIENT_REQUIRED)
        known = self.clients.get(client_id)
        if known is None or not hmac.compare_digest(known.encode(), secret.encode()):
            return self._refused(self.error_status, INVALID_CLIENT)
        return None

    def _json_body(self, request: FakeRequest) -> dict[str, Any] | None:
        form = request.form()
        if form is None or form.uploads:
            return None
        return {k: v[0] for k, v in form.values.items()}

    def _refresh_subject(self, body: dict[str, Any]) -> tuple[Subject | None, Reply | None]:
        token = str(body["refreshToken"]).upper()
        record = self.refresh_tokens.get(token)
        if (
            record is None
            or self.ledger.is_revoked(token)
            or record.client_id != body.get("clientId")
        ):
            return None, self._refused(self.error_status, REFRESH_INVALID)
        if record.spent and self.single_use_refresh:
            return None, self._refused(self.error_status, REFRESH_INVALID)
        if record.expires_at <= now().timestamp():
            return None, self._refused(self.error_status, REFRESH_EXPIRED)
        if not self._known(record.subject):
            return None, self._refused(self.error_status, REFRESH_INVALID)
        record.spent = True
        return record.subject, None

    def _authorize(
        self, request: FakeRequest, merchant_route: bool
    ) -> tuple[Subject, Reply | None]:
        body = self._json_body(request)
        if body is None:
            return self.user, self._refused(400, BAD_BODY)
        problem = self._client_problem(body)
        if problem is not None:
            return self.user, problem
        if body.get("refreshToken"):
            subject, problem = self._refresh_subject(body)
            return subject or self.user, problem
        if merchant_route:
            token = body.get("token")
            if not isinstance(token, str) or not token:
                return self.user, self._refused(400, MERCHANT_TOKEN_REQUIRED)
            merchant = self.merchants.get(token.strip().lower())
            if merchant is None or merchant.client_id != body["clientId"]:
                return self.user, self._refused(self.error_status, INVALID_MERCHANT)
            return merchant, None
        email, password = body.get("email"), body.get("password")
        if not isinstance(email, str) or not email or not isinstance(password, str) or not password:
            return self.user, self._refused(400, CREDENTIALS_REQUIRED)
        user = self.users.get(email.lower())
        if (
            user is None
            or user.client_id != body["clientId"]
            or not hmac.compare_digest(user.password.encode(), password.encode())
        ):
            return self.user, self._refused(self.error_status, INVALID_CREDENTIALS)
        return user, None

    def _authorize_portal(self, request: FakeRequest) -> Reply:
        return self._as_event(request, self._portal_reply(request))

    def _authorize_merchant(self, request: FakeRequest) -> Reply:
        return self._as_event(request, self._merchant_reply(request))

    def _as_event(self, request: FakeRequest, reply: Reply) -> Reply:
        body = self._json_body(request)
        if body is not None and body.get("refreshToken"):
            return dataclasses.replace(reply, kind="refresh")
        return reply

    def _presented(self, request: FakeRequest) -> str | None:
        body = self._json_body(request)
        token = body.get("refreshToken") if body else None
        return token.upper() if isinstance(token, str) and token else None

    def _portal_reply(self, request: FakeRequest) -> Reply:
        subject, problem = self._authorize(request, merchant_route=False)
        if problem is not None:
            return problem
        access, refresh, expire_time = self._issue(
            subject, subject.client_id, self._presented(request)
        )
        is_user = isinstance(subject, Bill24User)
        body: dict[str, Any] = {
            "issuer": self.tokens.issuer,
            "token": access,
            "refreshToken": refresh,
            "tokenExpireTime": expire_time,
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

    def _merchant_reply(self, request: FakeRequest) -> Reply:
        subject, problem = self._authorize(request, merchant_route=True)
        if problem is not None:
            return problem
        access, refresh, expire_time = self._issue(
            subject, subject.client_id, self._presented(request)
        )
        data = {
            "issuer": self.tokens.issuer,
            "token": access,
            "refreshToken": refresh,
            "tokenExpireTime": expire_time,
        }
        return Reply(200, {"code": 200, "message": "", "data": data})

    def _bearer_problem(self, request: FakeRequest) -> str | None:
        """Why the bearer token is refused ("invalid" or "expired"), or ``None``."""
        import jwt

        token = request.bearer("authorization", "token")
        if token is None:
            return "invalid"
        try:
            claims = self.tokens.decode(token, verify_exp=False)
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            return "invalid"
        if header.get("typ") != "at+jwt" or header.get("kid") != self.tokens.key.kid:
            return "invalid"
        instant = now().timestamp()
        if instant < claims.get("nbf", 0):
            return "invalid"
        if instant >= claims.get("exp", 0) or self.ledger.is_expired(token):
            return "expired"
        subject = claims.get("sub")
        known = any(u.user_id == subject for u in self.users.values()) or any(
            m.merchant_id == subject for m in self.merchants.values()
        )
        return None if known else "invalid"

    def _protected(self, request: FakeRequest) -> tuple[dict[str, Any], Reply | None]:
        """The JSON body of a call with a good bearer token, or the refusal to send."""
        problem = self._bearer_problem(request)
        if problem is not None:
            return {}, Reply(401, None, INVALID_TOKEN_HEADERS, note=problem)
        body = self._json_body(request)
        if body is None:
            return {}, Reply(200, _envelope("ERR_INVALID_REQUEST", BAD_BODY, BAD_BODY, None))
        return body, None

    def _init(self, request: FakeRequest) -> Reply:
        body, refusal = self._protected(request)
        if refusal is not None:
            return refusal
        required = (
            "identity_code",
            "currency",
            "amount",
            "cancel_url",
            "redirect_url",
            "channel_code",
            "customers",
        )
        missing = [name for name in required if body.get(name) is None]
        if missing:
            message = f"Missing required field: {', '.join(missing)}"
            return Reply(200, _envelope("ERR_MISSED_FIELD", message, message, None))
        tran_id = f"{next(self._tran_ids):012X}"
        self.transactions.append(
            Transaction(tran_id, now().astimezone(ICT).replace(tzinfo=None).isoformat(), body)
        )
        data = {
            "tran_id": tran_id,
            "identity_code": body["identity_code"],
            "payment_link": f"https://checkout-demo.bill24.io/checkout/{tran_id}",
            "khqr_string": f"00020101021230400016bizauth@fake0104{tran_id}",
        }
        return Reply(200, _envelope("SUCCESS", *INIT_OK, data))

    def _verify(self, request: FakeRequest) -> Reply:
        body, refusal = self._protected(request)
        if refusal is not None:
            return refusal
        keys = ("tran_id", "identity_code", "purpose_of_transaction", "bank_ref")
        wanted = {k: body[k] for k in keys if isinstance(body.get(k), str) and body[k]}
        if not wanted:
            message = f"Missing required field: one of {', '.join(keys)}"
            return Reply(200, _envelope("ERR_MISSED_FIELD", message, message, None))
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
                "scopes_supported": [
                    "bank_api",
                    "khqr_api",
                    "notification_api",
                    "security_api",
                    "offline_access",
                ],
            },
        )

    def _jwks(self, request: FakeRequest) -> Reply:
        return Reply(200, self.tokens.key.jwks())

    def __repr__(self) -> str:
        return f"FakeBill24(base_url={self.base_url!r}, calls={len(self.calls)})"
