"""The BizMail Delivery fake: its state and rules first, then its route table."""

from __future__ import annotations

import hmac
import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...clock import timestamp
from ...core.fake import FakeProvider, Route, account_data, account_fields
from ...core.wire import Refusal, Reply
from .accounts import DEFAULT_USER, BizMailUser
from .api import (
    ACCESS_TTL,
    ATTACHMENTS_LIMIT,
    ATTACHMENTS_TOO_LARGE,
    BASE_URL,
    CREDENTIALS_REQUIRED,
    FROM_LIMIT,
    INTERNAL_ERROR,
    INVALID_CREDENTIALS,
    MAIL_BODY,
    MAIL_PATH,
    MAIL_STORED,
    REFRESH_EXPIRED,
    REFRESH_INVALID,
    REFRESH_PATH,
    REFRESH_REQUIRED,
    REFRESH_TTL,
    SECRET,
    TOKEN_EXPIRED,
    TOKEN_INVALID,
    TOKEN_PATH,
    USER_NOT_FOUND,
    VALIDATION_ERROR,
)
from .tokens import BizMailTokens

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ...core.wire import Call, FakeRequest, Form, Note, Upload

__all__ = ["FakeBizMail", "StoredMail"]

_USER_FIELDS = ("username", "password", "user_id", "domain_uuid")

# A plain address check, as form validators do: something@domain.tld, no spaces.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _mail_errors(form: Form) -> dict[str, str]:
    """What the vendor's field table finds wrong with a mail, by field."""
    errors = {}
    sender = form.text("from")
    if not sender:
        errors["from"] = "from is required"
    elif len(sender) > FROM_LIMIT or not _EMAIL.fullmatch(sender):
        errors["from"] = f"from must be a valid email address of at most {FROM_LIMIT} characters"
    for name in ("from_name", "subject"):
        if not form.text(name):
            errors[name] = f"{name} is required"
    if not form.texts("to", "to[]"):
        errors["to"] = "to is required"
    if not (form.text("text") or form.text("html")):
        errors["text"] = "text or html is required"
    return errors


def _failure(status: int, message: str, note: Note | None = None, **extra: Any) -> Refusal:
    """BizMail's refusal: ``{"success": false, "message": ...}``."""
    return Refusal(status, {"success": False, "message": message, **extra}, note=note)


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
    envelope_keys = frozenset({"success", "message"})

    def __init__(
        self,
        *,
        base_url: str = BASE_URL,
        secret: str = SECRET,
        access_ttl: int = ACCESS_TTL,
        refresh_ttl: int = REFRESH_TTL,
        single_use_refresh: bool = False,
        rotate_refresh_tokens: bool = True,
        accept_json_mail: bool = False,
        user: BizMailUser = DEFAULT_USER,
    ) -> None:
        super().__init__(
            base_url,
            single_use_refresh=single_use_refresh,
            rotate_refresh_tokens=rotate_refresh_tokens,
        )
        self.tokens = BizMailTokens(
            secret, user=user, access_ttl=access_ttl, refresh_ttl=refresh_ttl
        )
        if not isinstance(accept_json_mail, bool):
            raise TypeError(f"accept_json_mail must be True or False, not {accept_json_mail!r}")
        #: ``mail/store`` takes a JSON body as well as multipart and urlencoded ones.
        self.accept_json_mail = accept_json_mail
        self.user = user
        self.users: dict[str, BizMailUser] = {user.username: user}
        self.mails: list[StoredMail] = []
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

    def accounts(self) -> list[dict[str, Any]]:
        with self._lock:
            return [account_data("user", user) for user in self.users.values()]

    def add_account(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        _, given = account_fields(fields, {"user": _USER_FIELDS}, "user", self.vendor)
        user = self.add_user(given.pop("username", ""), given.pop("password", ""), **given)
        return account_data("user", user)

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

    def _secrets(self) -> frozenset[str]:
        return frozenset(user.password for user in self.users.values())

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

    @classmethod
    def _route_table(cls) -> Iterable[Route]:
        return (
            Route("token", "POST", TOKEN_PATH, "login", cls._token),
            Route("refresh", "POST", REFRESH_PATH, "refresh", cls._refresh),
            Route("mail", "POST", MAIL_PATH, "resource", cls._store_mail),
        )

    def _error_body(self, route: Route, status: int) -> Any:
        if status == 500:
            return {"success": False, "message": INTERNAL_ERROR}
        return {"success": False, "message": super()._error_body(route, status)["message"]}

    def _issue(self, user: BizMailUser, presented: str | None = None) -> Reply:
        issued_at = int(self._issue_instant().timestamp())
        access = self.tokens.access(user=user, issued_at=issued_at)
        self.store.issued_access(access, user.username)
        if presented is not None and not self.rotate_refresh_tokens:
            refresh = presented  # handed back, not issued anew
            self.store.issued_refresh(refresh, user.username, new_copy=False)
        else:
            refresh = self.tokens.refresh(user=user, issued_at=issued_at)
            self.store.issued_refresh(refresh, user.username)
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

    def _claims(self, token: str, token_type: str, *, expired: str, invalid: str) -> dict[str, Any]:
        """A good token's claims; else the refusal with the ``expired`` or ``invalid``
        message (a 401 noting which)."""
        import jwt

        try:
            claims = self.tokens.decode(token, verify_exp=False)
        except jwt.InvalidTokenError:
            claims = {}
        exp = claims.get("exp")
        if (
            claims.get("type") != token_type
            or isinstance(exp, bool)
            or not isinstance(exp, (int, float))
        ):
            raise _failure(401, invalid, "invalid")
        if exp <= timestamp():
            raise _failure(401, expired, "expired")
        return claims

    def _token(self, request: FakeRequest) -> Reply:
        form = request.form()
        username = form.text("username") if form else None
        password = form.text("password") if form else None
        if not username or not password:
            raise _failure(400, CREDENTIALS_REQUIRED)
        user = self.users.get(username)
        if user is None or not hmac.compare_digest(user.password.encode(), password.encode()):
            raise _failure(401, INVALID_CREDENTIALS)
        return self._issue(user)

    def _refresh(self, request: FakeRequest) -> Reply:
        form = request.form()
        token = form.text("refresh_token") if form else None
        if not token:
            raise _failure(400, REFRESH_REQUIRED)
        claims = self._claims(token, "refresh", expired=REFRESH_EXPIRED, invalid=REFRESH_INVALID)
        if self.store.is_revoked(token):
            raise _failure(401, REFRESH_INVALID)
        user = self._user_of(claims)
        if user is None:
            raise _failure(401, USER_NOT_FOUND)
        if not self._may_refresh(token):
            raise _failure(401, REFRESH_INVALID)
        return self._issue(user, presented=token)

    def _authenticate(self, request: FakeRequest) -> dict[str, Any]:
        token = request.bearer()
        if token is None:
            raise _failure(401, TOKEN_INVALID, "invalid")
        claims = self._claims(token, "access", expired=TOKEN_EXPIRED, invalid=TOKEN_INVALID)
        if self.store.is_expired(token):
            raise _failure(401, TOKEN_EXPIRED, "expired")
        if self._user_of(claims) is None:
            raise _failure(401, TOKEN_INVALID, "invalid")
        return claims

    def _store_mail(self, request: FakeRequest) -> Reply:
        claims = self._authenticate(request)
        form = request.form()
        if form is None or not (self.accept_json_mail or request.is_form()):
            raise _failure(400, VALIDATION_ERROR, errors={"body": MAIL_BODY})
        errors = _mail_errors(form)
        if errors:
            raise _failure(400, VALIDATION_ERROR, errors=errors)
        if sum(upload.size for upload in form.uploads) > ATTACHMENTS_LIMIT:
            raise _failure(400, ATTACHMENTS_TOO_LARGE)
        mail_id = f"{int(timestamp()):x}{next(self._mail_ids):08x}"
        fields: dict[str, list[str]] = {}
        for name in form.values:
            texts = form.texts(name)
            if texts:
                fields.setdefault(name[:-2] if name.endswith("[]") else name, []).extend(texts)
        username = str(claims["username"])
        self.mails.append(StoredMail(mail_id, username, fields, list(form.uploads)))
        return Reply(200, {"success": True, "message": MAIL_STORED, "data": {"id": mail_id}})

    def __repr__(self) -> str:
        return (
            f"FakeBizMail(base_url={self.base_url!r}, users={sorted(self.users)!r}, "
            f"calls={len(self.calls)})"
        )
