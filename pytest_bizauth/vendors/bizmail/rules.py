"""BizMail Delivery's rules: a request in, a reply out or a :class:`Refusal` raised,
exactly as the vendor's pages document (docs/fidelity.md lists what is invented)."""

from __future__ import annotations

import hmac
import re
from typing import TYPE_CHECKING, Protocol

from ...clock import timestamp
from ...core.wire import Refusal, Reply
from . import api
from .events import message_id
from .state import StoredMail

if TYPE_CHECKING:
    from ..._types import JSONObject
    from ...core.tokens import Issued, TokenStore
    from ...core.wire import FakeRequest, Form, Note
    from .accounts import BizMailUser
    from .settings import BizMailSettings
    from .state import BizMailState
    from .tokens import BizMailTokens

__all__ = ["BizMailSide", "authenticate", "failure", "refresh", "store_mail", "token"]


class BizMailSide(Protocol):
    """What BizMail's rules read and change: the fake's settings, state, token store
    and token factory, and how it issues a token pair."""

    settings: BizMailSettings
    state: BizMailState
    store: TokenStore
    tokens: BizMailTokens

    def issue(self, user: BizMailUser, presented: str | None = None) -> Issued: ...


# A plain address check, as form validators do: something@domain.tld, no spaces.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def failure(status: int, message: str, note: Note | None = None, **extra: object) -> Refusal:
    """BizMail's refusal: ``{"success": false, "message": ...}``."""
    return Refusal(status, {"success": False, "message": message, **extra}, note=note)


def granted(fake: BizMailSide, issued: Issued) -> Reply:
    """A good login's or refresh's answer, as the vendor writes it."""
    return Reply(
        200,
        {
            "success": True,
            "access_token": issued.access,
            "refresh_token": issued.refresh,
            "token_type": "Bearer",
            "expires_in": fake.tokens.access_ttl,
        },
    )


def mail_errors(form: Form) -> dict[str, str]:
    """What the vendor's field table finds wrong with a mail, by field."""
    errors = {}
    sender = form.text("from")
    if not sender:
        errors["from"] = "from is required"
    elif len(sender) > api.FROM_LIMIT or not _EMAIL.fullmatch(sender):
        errors["from"] = (
            f"from must be a valid email address of at most {api.FROM_LIMIT} characters"
        )
    name = form.text("from_name")
    if not name:
        errors["from_name"] = "from_name is required"
    elif len(name) > api.FROM_NAME_LIMIT:
        errors["from_name"] = f"from_name must be at most {api.FROM_NAME_LIMIT} characters"
    if not form.text("subject"):
        errors["subject"] = "subject is required"
    if not form.texts("to", "to[]"):
        errors["to"] = "to is required"
    if not (form.text("text") or form.text("html")):
        errors["text"] = "text or html is required"
    return errors


def _claims(
    fake: BizMailSide, token: str, token_type: str, *, expired: str, invalid: str
) -> JSONObject:
    """A good token's claims; else the refusal with the ``expired`` or ``invalid``
    message (a 401 noting which)."""
    import jwt

    try:
        claims = fake.tokens.decode(token, verify_exp=False)
    except jwt.InvalidTokenError:
        claims = {}
    exp = claims.get("exp")
    if (
        claims.get("type") != token_type
        or isinstance(exp, bool)
        or not isinstance(exp, (int, float))
    ):
        raise failure(401, invalid, "invalid")
    if exp <= timestamp():
        raise failure(401, expired, "expired")
    return claims


def token(fake: BizMailSide, request: FakeRequest) -> Reply:
    """``POST /api/1.0/auth/token``: log in with a username and password."""
    form = request.form()
    username = form.text("username") if form else None
    password = form.text("password") if form else None
    if not username or not password:
        raise failure(400, api.CREDENTIALS_REQUIRED)
    user = fake.state.users.get(username)
    if user is None or not hmac.compare_digest(user.password.encode(), password.encode()):
        raise failure(401, api.INVALID_CREDENTIALS)
    return granted(fake, fake.issue(user))


def refresh(fake: BizMailSide, request: FakeRequest) -> Reply:
    """``POST /api/1.0/auth/refresh``: a new token pair for a good refresh token."""
    form = request.form()
    presented = form.text("refresh_token") if form else None
    if not presented:
        raise failure(400, api.REFRESH_REQUIRED)
    claims = _claims(
        fake, presented, "refresh", expired=api.REFRESH_EXPIRED, invalid=api.REFRESH_INVALID
    )
    why_not = fake.store.refusal(
        presented, single_use=fake.settings.single_use_refresh, now=timestamp()
    )
    if why_not is not None:
        raise failure(401, api.REFRESH_INVALID)
    user = fake.state.user_of(claims)
    if user is None:
        raise failure(401, api.USER_NOT_FOUND)
    fake.store.spend(presented)
    return granted(fake, fake.issue(user, presented=presented))


def authenticate(fake: BizMailSide, request: FakeRequest) -> JSONObject:
    """The claims of the request's good bearer token; else the vendor's 401."""
    bearer = request.bearer()
    if bearer is None:
        raise failure(401, api.TOKEN_INVALID, "invalid")
    claims = _claims(fake, bearer, "access", expired=api.TOKEN_EXPIRED, invalid=api.TOKEN_INVALID)
    if fake.store.is_expired(bearer):
        raise failure(401, api.TOKEN_EXPIRED, "expired")
    if fake.state.user_of(claims) is None:
        raise failure(401, api.TOKEN_INVALID, "invalid")
    return claims


def store_mail(fake: BizMailSide, request: FakeRequest) -> Reply:
    """``POST /api/1.0/mail/store``: a mail checked against the field table, stored."""
    claims = authenticate(fake, request)
    form = request.form()
    if form is None or not (fake.settings.accept_json_mail or request.is_multipart()):
        raise failure(400, api.VALIDATION_ERROR, errors={"body": api.MAIL_BODY})
    errors = mail_errors(form)
    if errors:
        raise failure(400, api.VALIDATION_ERROR, errors=errors)
    if sum(upload.size for upload in form.uploads) > api.ATTACHMENTS_LIMIT:
        raise failure(400, api.ATTACHMENT_TOO_LARGE)
    mail_id = message_id(fake.state.next_mail_number())
    fields: dict[str, list[str]] = {}
    for name in form.values:
        texts = form.texts(name)
        if texts:
            fields.setdefault(name[:-2] if name.endswith("[]") else name, []).extend(texts)
    username = str(claims["username"])
    fake.state.store(StoredMail(mail_id, username, fields, list(form.uploads)))
    return Reply(200, {"success": True, "message": api.MAIL_STORED, "data": {"id": mail_id}})
