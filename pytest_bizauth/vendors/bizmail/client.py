"""Thin, real clients for BizMail Delivery: one auth flow, a sync client on
``requests`` and an async one on ``httpx`` (in ``async_client``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Callable, Union

from ..._redact import secret
from ...client.flow import AuthFlow, Send
from ...client.methods import driven
from ...client.reading import (
    check_login,
    check_refresh,
    check_resource,
    read_json,
    received,
    rejected,
)
from ...client.sync import SyncClient
from ...errors import ProviderError, UsageValueError
from .api import MAIL_PATH, REFRESH_PATH, TOKEN_PATH

if TYPE_CHECKING:
    import requests

    from ...client.flow import Answer, CallFlow, Flow, IssuedTokens
    from ...client.sync import Timeout

#: The fields of an answer that hold tokens: held masked from the moment they are read.
TOKEN_FIELDS = frozenset({"access_token", "refresh_token"})

__all__ = ["Attachment", "BizMailAuth", "BizMailClient", "fixture_client"]

#: ``(filename, content)`` or ``(filename, content, content_type)``.
Attachment = Union[tuple[str, bytes], tuple[str, bytes, str]]
Recipients = Union[str, Sequence[str]]
VENDOR = "BizMail"


class BizMailAuth(AuthFlow):
    """What a BizMail client sends and how it reads the answers, sync or async."""

    vendor = VENDOR

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        leeway: float = 60,
        on_token: Callable[[IssuedTokens], None] | None = None,
    ) -> None:
        if not isinstance(username, str) or not username:
            raise UsageValueError("a BizMail client needs a non-empty username")
        if not isinstance(password, str) or not password:
            raise UsageValueError(f"a BizMail client needs a non-empty password for {username!r}")
        super().__init__(base_url, leeway=leeway, on_token=on_token)
        self.username = username
        self._password = secret(password)

    def who(self) -> str:
        return f"username={self.username!r}"

    def _tokens(self, answer: Answer, path: str, by: str) -> IssuedTokens:
        body = read_json(VENDOR, answer, path, tokens=TOKEN_FIELDS)
        if body.get("success") is False:
            raise ProviderError(
                f"BizMail answered HTTP {answer.status} with success: false",
                status=answer.status,
                endpoint=path,
            )
        fields = (body.get("access_token"), body.get("refresh_token"), body.get("expires_in"))
        return received(VENDOR, answer, path, fields, by)

    def login(self) -> Flow:
        answer: Answer = yield Send(
            "POST", TOKEN_PATH, json={"username": self.username, "password": self._password}
        )
        hint = f"check the username {self.username!r} and its password"
        check_login(VENDOR, answer, TOKEN_PATH, hint=hint)
        return self._tokens(answer, TOKEN_PATH, "login")

    def refresh(self, refresh_token: str) -> Flow:
        answer: Answer = yield Send("POST", REFRESH_PATH, json={"refresh_token": refresh_token})
        check_refresh(VENDOR, answer, REFRESH_PATH, refusing=(400, 401, 403))
        return self._tokens(answer, REFRESH_PATH, "refresh")

    def send_mail(
        self,
        *,
        from_email: str,
        from_name: str,
        to: Recipients,
        subject: str,
        text: str | None = None,
        html: str | None = None,
        cc: Recipients | None = None,
        bcc: Recipients | None = None,
        reply_to: str | None = None,
        attachments: Sequence[Attachment] | None = None,
    ) -> CallFlow:
        """Store a mail for delivery (``POST /api/1.0/mail/store``, multipart) and return
        the provider's JSON answer. ``text`` and/or ``html`` is the body; ``to``, ``cc``
        and ``bcc`` take one address or a list; ``attachments`` are ``(filename,
        content[, content_type])``."""
        if text is None and html is None:
            raise UsageValueError("send_mail() needs a body: give text=..., html=..., or both")
        fields: list[tuple[str, Recipients | None]] = [
            ("from", from_email),
            ("from_name", from_name),
            ("to", to),
            ("cc", cc),
            ("bcc", bcc),
            ("reply_to", reply_to),
            ("subject", subject),
            ("text", text),
            ("html", html),
        ]
        parts = _parts(fields, attachments or ())
        answer: Answer = yield from self.call(Send("POST", MAIL_PATH, parts=parts))
        check_resource(VENDOR, answer, MAIL_PATH)
        body = read_json(VENDOR, answer, MAIL_PATH)
        if body.get("success") is False:
            raise rejected(VENDOR, answer, MAIL_PATH)
        return body


def _parts(
    fields: list[tuple[str, Recipients | None]], attachments: Sequence[Attachment]
) -> tuple[tuple[str, str | None, Any, str | None], ...]:
    """The multipart fields of a mail: a list as ``name[]`` repeated."""
    parts: list[tuple[str, str | None, Any, str | None]] = []
    for name, value in fields:
        if isinstance(value, str):
            parts.append((name, None, value, None))
        elif value is not None:
            parts.extend((f"{name}[]", None, item, None) for item in value)
    for attachment in attachments:
        filename, content, *rest = attachment
        parts.append(("attachments[]", filename, content, rest[0] if rest else None))
    return tuple(parts)


class BizMailClient(SyncClient):
    """Logs in to BizMail Delivery, keeps its token fresh and stores mail (``requests``).
    Methods: :meth:`access_token`, :meth:`send_mail`, :meth:`forget_tokens`; ``auth``
    gives any ``requests`` session this client's bearer token.

    >>> client = BizMailClient("https://smtp-api.bizfly.vn", "me@example.com", "pw")
    >>> client  # the password never shows
    BizMailClient(base_url='https://smtp-api.bizfly.vn', username='me@example.com', no token)
    """

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: Timeout = (5, 30),
        session: requests.Session | None = None,
        leeway: float = 60,
        on_token: Callable[[IssuedTokens], None] | None = None,
    ) -> None:
        self._auth = BizMailAuth(base_url, username, password, leeway=leeway, on_token=on_token)
        super().__init__(self._auth, timeout=timeout, session=session)

    @property
    def username(self) -> str:
        return self._auth.username

    send_mail = driven(BizMailAuth.send_mail)


def fixture_client(fake: Any, leeway: float, kind: Callable[..., Any] | None = None) -> Any:
    """The ``bizmail_client`` fixture's client (``kind``: another client class with the
    same constructor): the fake's default user."""
    user = fake.user
    return (kind or BizMailClient)(fake.base_url, user.username, user.password, leeway=leeway)
