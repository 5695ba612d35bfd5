"""The BizMail Delivery fake: its state and rules first, then its route table."""

from __future__ import annotations

import dataclasses
import hmac
import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..accounts import DEFAULT_BIZMAIL_USER, BizMailUser
from ..clock import timestamp
from ..tokens import (
    BIZMAIL_ACCESS_TTL,
    BIZMAIL_REFRESH_TTL,
    DEFAULT_BIZMAIL_SECRET,
    BizMailTokens,
)
from ._base import Call, FakeProvider, Reply, Route

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._request import FakeRequest, Upload

__all__ = ["BIZMAIL_BASE_URL", "FakeBizMail", "StoredMail"]

BIZMAIL_BASE_URL = "https://smtp-api.bizfly.vn"
TOKEN_PATH = "/api/1.0/auth/token"
REFRESH_PATH = "/api/1.0/auth/refresh"
MAIL_PATH = "/api/1.0/mail/store"
ATTACHMENTS_LIMIT = 20 * 1024 * 1024

# Documented bodies, verbatim.
CREDENTIALS_REQUIRED = "username and password are required"
INVALID_CREDENTIALS = "Invalid credentials"
INTERNAL_ERROR = "Internal server error"
REFRESH_REQUIRED = "refresh_token is required"
REFRESH_EXPIRED = "Refresh token expired"
REFRESH_INVALID = "Invalid refresh token"
USER_NOT_FOUND = "User not found"
TOKEN_INVALID = "Missing or invalid token"
TOKEN_EXPIRED = "Token expired"
# Invented bodies (the vendor documents the statuses, not the JSON): see docs/fidelity.md.
VALIDATION_ERROR = "Validation error"
ATTACHMENTS_TOO_LARGE = "Attachments too large"
MAIL_STORED = "Mail stored"


def _failure(status: int, message: str, **extra: Any) -> Reply:
    return Reply(status, {"success": False, "message": message, **extra})


@dataclass(frozen=True)
class StoredMail:
    """A mail the fake accepted at ``/api/1.0/mail/store``."""

    id: str
    username: str
    fields: dict[str, list[str]]
    attachments: list[Upload] = field(default_factory=list)

    def __getitem__(self, name: str) -> str:
        return self.fields[name][0]


class FakeBizMail(FakeProvider):
    """A stateful fake of BizMail Delivery's auth API and ``/api/1.0/mail/store``.

    Documented behaviour is reproduced exactly (statuses, bodies, key order, token
    claims); the rest is listed on the docs' fidelity page and configurable here.
    """

    vendor = "BizMail"

    def __init__(
        self,
        *,
        base_url: str = BIZMAIL_BASE_URL,
        secret: str = DEFAULT_BIZMAIL_SECRET,
        access_ttl: int = BIZMAIL_ACCESS_TTL,
        refresh_ttl: int = BIZMAIL_REFRESH_TTL,
        single_use_refresh: bool = False,
        rotate_refresh_tokens: bool = True,
        user: BizMailUser = DEFAULT_BIZMAIL_USER,
    ) -> None:
        super().__init__(
            base_url,
            single_use_refresh=single_use_refresh,
            rotate_refresh_tokens=rotate_refresh_tokens,
        )
        self.tokens = BizMailTokens(
            secret, user=user, access_ttl=access_ttl, refresh_ttl=refresh_ttl
        )
        self.user = user
        self.users: dict[str, BizMailUser] = {user.username: user}
        self.mails: list[StoredMail] = []
        self._issued: Counter[str] = Counter()
        self._spent: Counter[str] = Counter()
        self._mail_ids = itertools.count(1)

    # -- accounts ------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str,
        *,
        user_id: str | None = None,
        domain_uuid: str | None = None,
    ) -> BizMailUser:
        """Create an account that can log in; returns it."""
        user = BizMailUser.create(username, password, user_id=user_id, domain_uuid=domain_uuid)
        with self._lock:
            if username in self.users:
                raise ValueError(f"the BizMail fake already has a user {username!r}")
            self.users[username] = user
        return user

    def remove_user(self, username: str) -> None:
        """Delete an account: it can no longer log in, its refresh tokens answer
        "User not found" and its access tokens "Missing or invalid token"."""
        with self._lock:
            if self.users.pop(username, None) is None:
                known = ", ".join(repr(u) for u in self.users) or "none"
                raise KeyError(f"the BizMail fake has no user {username!r} (it has: {known})")

    def _owner_of(self, account: Any) -> str:
        if account is None:
            return self.user.username
        if isinstance(account, BizMailUser):
            return account.username
        if isinstance(account, str):
            return account
        raise TypeError(f"name a BizMail user by its username or BizMailUser, not {account!r}")

    def _use_key(self, key: Any) -> None:
        import secrets

        self.tokens.use_secret(secrets.token_urlsafe(48) if key is None else key)

    def _user_of(self, claims: dict[str, Any]) -> BizMailUser | None:
        user = self.users.get(str(claims.get("username")))
        if user is None or user.user_id != claims.get("user_id"):
            return None
        return user

    # -- call log views ------------------------------------------------------------------

    @property
    def token_calls(self) -> list[Call]:
        """Calls to ``/api/1.0/auth/token``."""
        return self.calls_to("token")

    @property
    def refresh_calls(self) -> list[Call]:
        """Calls to ``/api/1.0/auth/refresh``."""
        return self.calls_to("refresh")

    @property
    def mail_calls(self) -> list[Call]:
        """Calls to ``/api/1.0/mail/store``."""
        return self.calls_to("mail")

    # -- rules ---------------------------------------------------------------------------

    def _route_table(self) -> Iterable[Route]:
        return (
            Route("token", "POST", TOKEN_PATH, "login", self._token),
            Route("refresh", "POST", REFRESH_PATH, "refresh", self._refresh),
            Route("mail", "POST", MAIL_PATH, "resource", self._store_mail),
        )

    def _error_body(self, route: Route, status: int) -> Any:
        if status == 500:
            return {"success": False, "message": INTERNAL_ERROR}
        return {"success": False, "message": super()._error_body(route, status)["message"]}

    def _issue(self, user: BizMailUser, presented: str | None = None) -> Reply:
        issued_at = int(self._issue_instant().timestamp())
        access = self.tokens.access(user=user, issued_at=issued_at)
        if presented is not None and not self.rotate_refresh_tokens:
            refresh = presented  # handed back, not issued anew
        else:
            refresh = self.tokens.refresh(user=user, issued_at=issued_at)
            self._issued[refresh] += 1
        self.ledger.issued(access, refresh, user.username)
        return Reply(
            200,
            {
                "success": True,
                "access_token": access,
                "refresh_token": refresh,
                "token_type": "Bearer",
                "expires_in": self.tokens.access_ttl,
            },
        )

    def _check(self, token: str, token_type: str) -> tuple[dict[str, Any] | None, str]:
        """``(claims, "")`` for a good token, else ``(None, "invalid" | "expired")``."""
        import jwt

        try:
            claims = self.tokens.decode(token, verify_exp=False)
        except jwt.InvalidTokenError:
            return None, "invalid"
        exp = claims.get("exp")
        if (
            claims.get("type") != token_type
            or isinstance(exp, bool)
            or not isinstance(exp, (int, float))
        ):
            return None, "invalid"
        if exp <= timestamp():
            return None, "expired"
        return claims, ""

    def _token(self, request: FakeRequest) -> Reply:
        form = request.form()
        username = form.text("username") if form else None
        password = form.text("password") if form else None
        if not username or not password:
            return _failure(400, CREDENTIALS_REQUIRED)
        user = self.users.get(username)
        if user is None or not hmac.compare_digest(user.password.encode(), password.encode()):
            return _failure(401, INVALID_CREDENTIALS)
        return self._issue(user)

    def _refresh(self, request: FakeRequest) -> Reply:
        form = request.form()
        token = form.text("refresh_token") if form else None
        if not token:
            return _failure(400, REFRESH_REQUIRED)
        claims, problem = self._check(token, "refresh")
        if claims is None:
            return _failure(401, REFRESH_EXPIRED if problem == "expired" else REFRESH_INVALID)
        if self.ledger.is_revoked(token):
            return _failure(401, REFRESH_INVALID)
        user = self._user_of(claims)
        if user is None:
            return _failure(401, USER_NOT_FOUND)
        if self.single_use_refresh:
            # Each issued copy of a token may be spent once. At one frozen instant the fake
            # issues byte-identical tokens, so a copy re-issued by this very refresh stays
            # usable; a token the fake never issued (a factory's) may be used once.
            if self._spent[token] >= max(self._issued[token], 1):
                return _failure(401, REFRESH_INVALID)
            self._spent[token] += 1
        return self._issue(user, presented=token)

    def _store_mail(self, request: FakeRequest) -> Reply:
        token = request.bearer()
        if token is None:
            return _failure(401, TOKEN_INVALID)
        claims, problem = self._check(token, "access")
        if claims is not None and self.ledger.is_expired(token):
            claims, problem = None, "expired"
        if claims is None:
            if problem == "expired":
                return dataclasses.replace(_failure(401, TOKEN_EXPIRED), note="expired")
            return _failure(401, TOKEN_INVALID)
        user = self._user_of(claims)
        if user is None:
            return _failure(401, TOKEN_INVALID)
        form = request.form()
        if form is None:
            return _failure(400, VALIDATION_ERROR, errors={"body": "the body could not be parsed"})
        recipients = form.texts("to", "to[]")
        errors = {}
        for name in ("from", "subject"):
            if not form.text(name):
                errors[name] = f"{name} is required"
        if not recipients:
            errors["to"] = "to is required"
        if not (form.text("text") or form.text("html")):
            errors["text"] = "text or html is required"
        if errors:
            return _failure(400, VALIDATION_ERROR, errors=errors)
        if sum(upload.size for upload in form.uploads) > ATTACHMENTS_LIMIT:
            return _failure(400, ATTACHMENTS_TOO_LARGE)
        mail_id = f"{int(timestamp()):x}{next(self._mail_ids):08x}"
        fields: dict[str, list[str]] = {}
        for name in form.values:
            texts = form.texts(name)
            if texts:
                fields.setdefault(name[:-2] if name.endswith("[]") else name, []).extend(texts)
        self.mails.append(StoredMail(mail_id, user.username, fields, list(form.uploads)))
        return Reply(200, {"success": True, "message": MAIL_STORED, "data": {"id": mail_id}})

    def __repr__(self) -> str:
        return (
            f"FakeBizMail(base_url={self.base_url!r}, users={sorted(self.users)!r}, "
            f"calls={len(self.calls)})"
        )
