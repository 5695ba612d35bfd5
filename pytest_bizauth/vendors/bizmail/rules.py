"""BizMail Delivery's rules: a request in, a reply out or a :class:`Refusal` raised,
exactly as the vendor's pages document (docs/fidelity.md lists what is invented)."""

from __future__ import annotations

import hmac
import re
from typing import TYPE_CHECKING, Protocol

from ...clock import timestamp
from ...core import reasons
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

    key_rotations: int

    def issue(self, user: BizMailUser, presented: str | None = None) -> Issued: ...


# A plain address check, as form validators do: something@domain.tld, no spaces.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def failure(
    status: int, message: str, note: Note | None = None, *, why: str | None = None, **extra: object
) -> Refusal:
    """BizMail's refusal: ``{"success": false, "message": ...}``; ``why`` is the
    call's reason, in the fake's words."""
    body = {"success": False, "message": message, **extra}
    return Refusal(status, body, note=note, reason=why)


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

    what = f"{token_type} token"
    try:
        claims = fake.tokens.decode(token, verify_exp=False)
    except jwt.InvalidTokenError as error:
        why = reasons.bad_token(what, error, rotations=fake.key_rotations)
        raise failure(401, invalid, "invalid", why=why) from None
    exp = claims.get("exp")
    if claims.get("type") != token_type:
        why = f"{claims.get('type') or 'a token of no type'} token given where a {what} belongs"
        raise failure(401, invalid, "invalid", why=why)
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        raise failure(401, invalid, "invalid", why=f"{what} has no expiry (exp)")
    instant = timestamp()
    if exp <= instant:
        raise failure(401, expired, "expired", why=reasons.expired(what, exp, instant))
    return claims


def token(fake: BizMailSide, request: FakeRequest) -> Reply:
    """``POST /api/1.0/auth/token``: log in with a username and password."""
    form = request.form()
    username = form.text("username") if form else None
    password = form.text("password") if form else None
    if not username or not password:
        why = reasons.missing("username" if not username else "password")
        raise failure(400, api.CREDENTIALS_REQUIRED, why=why)
    user = fake.state.users.get(username)
    if user is None:
        raise failure(401, api.INVALID_CREDENTIALS, why="no account with this username")
    if not hmac.compare_digest(user.password.encode(), password.encode()):
        raise failure(401, api.INVALID_CREDENTIALS, why="wrong password for this account")
    return granted(fake, fake.issue(user))


def refresh(fake: BizMailSide, request: FakeRequest) -> Reply:
    """``POST /api/1.0/auth/refresh``: a new token pair for a good refresh token."""
    form = request.form()
    presented = form.text("refresh_token") if form else None
    if not presented:
        raise failure(400, api.REFRESH_REQUIRED, why=reasons.missing("refresh_token"))
    claims = _claims(
        fake, presented, "refresh", expired=api.REFRESH_EXPIRED, invalid=api.REFRESH_INVALID
    )
    why_not = fake.store.refusal(
        presented, single_use=fake.settings.single_use_refresh, now=timestamp()
    )
    if why_not is not None:
        raise failure(401, api.REFRESH_INVALID, why=reasons.REFRESH_REFUSALS[why_not])
    user = fake.state.user_of(claims)
    if user is None:
        raise failure(401, api.USER_NOT_FOUND, why="the token's account no longer exists")
    fake.store.spend(presented)
    return granted(fake, fake.issue(user, presented=presented))


def authenticate(fake: BizMailSide, request: FakeRequest) -> JSONObject:
    """The claims of the request's good bearer token; else the vendor's 401."""
    bearer = request.bearer()
    if bearer is None:
        why = "no bearer token (an Authorization: Bearer header)"
        raise failure(401, api.TOKEN_INVALID, "invalid", why=why)
    claims = _claims(fake, bearer, "access", expired=api.TOKEN_EXPIRED, invalid=api.TOKEN_INVALID)
    if fake.store.is_expired(bearer):
        why = "access token expired by expire_access_tokens()"
        raise failure(401, api.TOKEN_EXPIRED, "expired", why=why)
    if fake.state.user_of(claims) is None:
        why = "the token's account no longer exists"
        raise failure(401, api.TOKEN_INVALID, "invalid", why=why)
    return claims


def store_mail(fake: BizMailSide, request: FakeRequest) -> Reply:
    """``POST /api/1.0/mail/store``: a mail checked against the field table, stored."""
    claims = authenticate(fake, request)
    form = request.form()
    if form is None or not (fake.settings.accept_json_mail or request.is_multipart()):
        why = "the body is not multipart/form-data (bizmail_accept_json_mail is off)"
        raise failure(400, api.VALIDATION_ERROR, why=why, errors={"body": api.MAIL_BODY})
    errors = mail_errors(form)
    if errors:
        why = "; ".join(errors.values())
        raise failure(400, api.VALIDATION_ERROR, why=why, errors=errors)
    if sum(upload.size for upload in form.uploads) > api.ATTACHMENTS_LIMIT:
        why = f"attachments over {api.ATTACHMENTS_LIMIT} bytes in all"
        raise failure(400, api.ATTACHMENT_TOO_LARGE, why=why)
    mail_id = message_id(fake.state.next_mail_number())
    fields: dict[str, list[str]] = {}
    for name in form.values:
        texts = form.texts(name)
        if texts:
            fields.setdefault(name[:-2] if name.endswith("[]") else name, []).extend(texts)
    username = str(claims["username"])
    fake.state.store(StoredMail(mail_id, username, fields, list(form.uploads)))
    return Reply(200, {"success": True, "message": api.MAIL_STORED, "data": {"id": mail_id}})
