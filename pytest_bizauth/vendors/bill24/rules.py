"""Bill24's rules: a request in, a reply out or a :class:`Refusal` raised. Documented
behaviour is reproduced; what is invented is listed on the docs' fidelity page."""

from __future__ import annotations

import datetime as _dt
import hmac
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from ...clock import now, timestamp
from ...core import reasons
from ...core.wire import Refusal, Reply
from .accounts import Bill24Merchant, Bill24User
from .api import (
    BAD_BODY,
    CLIENT_REQUIRED,
    CREDENTIALS_REQUIRED,
    INVALID_CLIENT,
    INVALID_CREDENTIALS,
    INVALID_MERCHANT,
    INVALID_TOKEN_HEADERS,
    JWKS_PATH,
    MERCHANT_TOKEN_REQUIRED,
    PORTAL_PATH,
    REFRESH_EXPIRED,
    REFRESH_INVALID,
    envelope,
    expired_headers,
)
from .tokens import APIS, ICT, MERCHANT_APIS, expire_time

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..._types import JSONObject
    from ...core.tokens import Issued, TokenStore
    from ...core.wire import EventKind, FakeRequest, Note
    from .settings import Bill24Settings
    from .state import Bill24State, Subject
    from .tokens import Bill24Tokens

__all__ = [
    "Bill24Side",
    "authenticate",
    "authorize_merchant",
    "authorize_portal",
    "discovery",
    "jwks",
    "login_or_refresh",
    "protected",
    "require",
    "tran_date",
]


class Bill24Side(Protocol):
    """What Bill24's rules read and change: the fake's settings, state, token store and
    token factory, and how it issues a token set."""

    settings: Bill24Settings
    state: Bill24State
    store: TokenStore
    tokens: Bill24Tokens
    base_url: str

    @property
    def bearer_headers(self) -> tuple[str, ...]: ...

    def webhook_checked(self, keys: Iterable[str]) -> None: ...

    key_rotations: int

    def issue(self, subject: Subject, presented: str | None) -> Issued: ...


def granted(fake: Bill24Side, issued: Issued) -> JSONObject:
    """The four fields both authorize answers carry, in the vendor's order."""
    expires = issued.issued_at + _dt.timedelta(seconds=fake.tokens.access_ttl)
    return {
        "issuer": fake.tokens.issuer_of(issued.subject),
        "token": issued.access,
        "refreshToken": issued.refresh,
        "tokenExpireTime": expire_time(expires),
    }


def unauthorized(note: Note, why: str) -> Refusal:
    """A protected endpoint's refusal: an empty 401 with ``WWW-Authenticate``."""
    return Refusal(401, None, INVALID_TOKEN_HEADERS, note=note, reason=why)


def refused(fake: Bill24Side, message: str, status: int | None = None, *, why: str) -> Refusal:
    """An authorize error (invented: Bill24 documents none)."""
    code = fake.settings.error_status if status is None else status
    return Refusal(code, envelope(code, message, message, None), reason=why)


def require(problem: str | None) -> None:
    """Refuse a call that lacks a field or has one the vendor cannot take (``problem``:
    the vendor's message, which names the field): Bill24's business error, HTTP 200,
    ``data: null``."""
    if problem is not None:
        body = envelope("ERR_MISSED_FIELD", problem, problem, None)
        raise Refusal(200, body, reason=_field_reason(problem))


def _field_reason(problem: str) -> str:
    """The fake's words for a field problem in the vendor's (``Please provide [x].``,
    ``[x] <rule>. Please adjust and retry.``): ``[x] is missing``, ``[x] <rule>``."""
    if problem.startswith("Please provide [") and problem.endswith("]."):
        return reasons.missing(problem[len("Please provide [") : -2])
    return problem.removesuffix(". Please adjust and retry.")


def tran_date() -> str:
    """A ``tran_date`` as Bill24 writes it: local time, microseconds, no offset."""
    return now().astimezone(ICT).replace(tzinfo=None).isoformat(timespec="microseconds")


def _text(value: object) -> bool:
    """A non-empty string."""
    return isinstance(value, str) and bool(value)


def login_or_refresh(request: FakeRequest) -> EventKind:
    """An authorize call refreshes when it presents a refresh token, else logs in."""
    body = request.json_object()
    return "refresh" if body is not None and body.get("refreshToken") else "login"


def _client_body(fake: Bill24Side, request: FakeRequest) -> JSONObject:
    """The JSON object of an authorize call with a known client, else the refusal."""
    body = request.json_object()
    if body is None:
        raise refused(fake, BAD_BODY, 400, why="the body is not a JSON object")
    client_id, secret = body.get("clientId"), body.get("secret")
    if not _text(client_id) or not _text(secret):
        why = reasons.missing("clientId" if not _text(client_id) else "secret")
        raise refused(fake, CLIENT_REQUIRED, 400, why=why)
    known = fake.state.clients.get(str(client_id))
    if known is None:
        raise refused(fake, INVALID_CLIENT, why="unknown clientId")
    if not hmac.compare_digest(known.encode(), str(secret).encode()):
        raise refused(fake, INVALID_CLIENT, why="wrong secret for this clientId")
    return body


def _refreshed_subject(fake: Bill24Side, body: JSONObject, token: str) -> Subject:
    """Whom the presented refresh token belongs to, counting one use of it."""
    why_not = fake.store.refusal(
        token, single_use=fake.settings.single_use_refresh, now=timestamp(), issued_only=True
    )
    record = fake.store.refresh_record(token)
    if why_not in ("unknown", "revoked", "spent"):
        raise refused(fake, REFRESH_INVALID, why=reasons.REFRESH_REFUSALS[why_not])
    if record is None or record.subject is None or record.client_id != body.get("clientId"):
        why = "refresh token issued to another clientId"
        raise refused(fake, REFRESH_INVALID, why=why)
    if why_not == "expired":
        raise refused(fake, REFRESH_EXPIRED, why=reasons.REFRESH_REFUSALS[why_not])
    if not fake.state.known(record.subject):
        raise refused(fake, REFRESH_INVALID, why="the token's account no longer exists")
    fake.store.spend(token)
    subject: Subject = record.subject
    return subject


def _portal_user(fake: Bill24Side, body: JSONObject) -> Bill24User:
    email, password = body.get("email"), body.get("password")
    if not _text(email) or not _text(password):
        why = reasons.missing("email" if not _text(email) else "password")
        raise refused(fake, CREDENTIALS_REQUIRED, 400, why=why)
    user = fake.state.users.get(str(email).lower())
    if user is None or user.client_id != body["clientId"]:
        raise refused(fake, INVALID_CREDENTIALS, why="no portal user with this email here")
    if not hmac.compare_digest(user.password.encode(), str(password).encode()):
        raise refused(fake, INVALID_CREDENTIALS, why="wrong password for this portal user")
    return user


def _merchant(fake: Bill24Side, body: JSONObject) -> Bill24Merchant:
    token = body.get("token")
    if not _text(token):
        why = reasons.missing("token")
        raise refused(fake, MERCHANT_TOKEN_REQUIRED, 400, why=why)
    merchant = fake.state.merchants.get(str(token).strip().lower())
    if merchant is None or merchant.client_id != body["clientId"]:
        raise refused(fake, INVALID_MERCHANT, why="unknown merchant")
    return merchant


def _authorized(fake: Bill24Side, request: FakeRequest, *, merchant_route: bool) -> Issued:
    """The token set of a good authorize call, by login or refresh."""
    body = _client_body(fake, request)
    presented = body.get("refreshToken")
    presented = presented.upper() if isinstance(presented, str) and presented else None
    subject: Subject
    if presented is not None:
        subject = _refreshed_subject(fake, body, presented)
    elif merchant_route:
        subject = _merchant(fake, body)
    else:
        subject = _portal_user(fake, body)
    return fake.issue(subject, presented)


def authorize_portal(fake: Bill24Side, request: FakeRequest) -> Reply:
    """``POST /security/authorize``: a portal user's flat answer."""
    issued = _authorized(fake, request, merchant_route=False)
    subject = issued.subject
    is_user = isinstance(subject, Bill24User)
    spelling = "passwordNeverExprie" if fake.settings.schema_spelling else "passwordNeverExpire"
    body: JSONObject = {
        **granted(fake, issued),
        "userId": subject.user_id if isinstance(subject, Bill24User) else subject.merchant_id,
        "email": subject.email if isinstance(subject, Bill24User) else "",
        "fullname": subject.fullname if isinstance(subject, Bill24User) else "API Integration",
        "permissions": None,
        "isNeedChangePassword": False,
        spelling: not is_user,
        "passwordExpireIn": 2147483647,
        "isPasswordExpire": False,
    }
    return Reply(200, body)


def authorize_merchant(fake: Bill24Side, request: FakeRequest) -> Reply:
    """``POST /merchantsecurity/authorize``: a merchant's enveloped answer."""
    issued = _authorized(fake, request, merchant_route=True)
    data = granted(fake, issued)
    return Reply(200, {"code": 200, "message": "", "data": data})


def authenticate(fake: Bill24Side, request: FakeRequest) -> JSONObject:
    """The claims of a good bearer token, else the empty 401 noting why."""
    import jwt

    token = request.bearer(*fake.bearer_headers) or _bare_khqr_token(fake, request)
    if token is None:
        static = _static_claims(fake, request)
        if static is None:
            raise unauthorized("invalid", _no_token(fake, request))
        return static
    what = "access token"
    try:
        header, claims = fake.tokens.decode_complete(token, verify_exp=False)
    except jwt.InvalidTokenError as error:
        kid = _kid_of(token)
        why = reasons.bad_token(what, error, rotations=fake.key_rotations, kid=kid)
        raise unauthorized("invalid", why) from None
    if header.get("kid") != fake.tokens.key.kid:
        why = reasons.bad_token(what, None, rotations=fake.key_rotations, kid=header.get("kid"))
        raise unauthorized("invalid", why)
    if header.get("typ") != "at+jwt":
        raise unauthorized("invalid", f"a token of type {header.get('typ')!r} is no {what}")
    instant = timestamp()
    if instant < claims.get("nbf", 0):
        raise unauthorized("invalid", reasons.not_yet_valid(what, claims["nbf"], instant))
    exp = claims.get("exp", 0)
    if instant >= exp + fake.settings.bearer_clock_skew or fake.store.is_expired(token):
        why = (
            "access token expired by expire_access_tokens()"
            if instant < exp + fake.settings.bearer_clock_skew
            else reasons.expired(what, exp, instant)
        )
        headers = expired_headers(_invariant_time(exp))
        raise Refusal(401, None, headers, note="expired", reason=why)
    if claims.get("sub") not in fake.state.subjects:
        raise unauthorized("invalid", "the token's account no longer exists")
    return claims


def _kid_of(token: str) -> object:
    """The key id a JWT's header names, if it can be read at all."""
    import jwt

    try:
        return jwt.get_unverified_header(token).get("kid")
    except jwt.InvalidTokenError:
        return None


def _no_token(fake: Bill24Side, request: FakeRequest) -> str:
    if (request.header("token") or "").strip():
        return "the token header holds no access token and no static token this fake knows"
    return f"no bearer token (an {fake.bearer_headers[0]}: Bearer header)"


def _bare_khqr_token(fake: Bill24Side, request: FakeRequest) -> str | None:
    """KHQR's pages send the access token as ``token: {AccessToken}``, with no
    ``Bearer``: taken on the KHQR product when it is a JWT (a static token is not)."""
    presented = (request.header("token") or "").strip()
    if fake.settings.product != "khqr" or presented.count(".") != 2:
        return None
    return presented


def _invariant_time(epoch: float) -> str:
    """A UTC instant as .NET's invariant culture writes it: ``MM/dd/yyyy HH:mm:ss``."""
    try:
        when = _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(epoch)
    return when.strftime("%m/%d/%Y %H:%M:%S")


def _static_claims(fake: Bill24Side, request: FakeRequest) -> JSONObject | None:
    """What a call presenting the configured static token as ``token: <value>`` is
    allowed as (the default merchant), or ``None``."""
    presented = (request.header("token") or "").strip()
    if fake.settings.static_token is None or not presented:
        return None
    if not hmac.compare_digest(presented.encode(), fake.settings.static_token.encode()):
        return None
    return {"sub": fake.state.merchant.merchant_id, "client_id": fake.state.merchant.client_id}


def protected(fake: Bill24Side, request: FakeRequest) -> JSONObject:
    """The JSON body of a call with a good bearer token; else the refusal."""
    authenticate(fake, request)
    body = request.json_object()
    if body is None:
        body = envelope("ERR_INVALID_REQUEST", BAD_BODY, BAD_BODY, None)
        raise Refusal(200, body, reason="the body is not a JSON object")
    return body


def asked_base_url(fake: Bill24Side, request: FakeRequest) -> str:
    """The base URL the request was sent to, as IdentityServer builds its own URLs: the
    fake's, unless the request came by another host (the loopback server,
    ``bizauth serve``), then that host's, over plain HTTP."""
    host = (request.header("host") or "").strip()
    configured = urlsplit(fake.base_url)
    if not host or host.lower() == (configured.netloc or "").lower():
        return str(fake.base_url)
    return f"http://{host}{configured.path.rstrip('/')}"  # a tenant's prefix kept


def discovery(fake: Bill24Side, request: FakeRequest) -> Reply:
    """IdentityServer's discovery document (inferred: Bill24 documents none), its URLs
    on the host it was asked on."""
    base_url = asked_base_url(fake, request)
    return Reply(
        200,
        {
            "issuer": fake.tokens.issuer,
            "jwks_uri": base_url + JWKS_PATH,
            "token_endpoint": base_url + PORTAL_PATH,
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": [*dict.fromkeys(APIS + MERCHANT_APIS), "offline_access"],
        },
    )


def jwks(fake: Bill24Side, request: FakeRequest) -> Reply:
    """The public key, as IdentityServer publishes it."""
    return Reply(200, fake.tokens.key.jwks())
