"""Thin, real clients for BizMail Delivery: one set of flows, a sync client on
``requests`` and an async one on ``httpx``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

from ..._redact import secret
from ...client.core import Answer, ClientCore, Flow, IssuedTokens, RefreshRejected, Send
from ...client.sync import TokenClient
from ...errors import InvalidCredentialsError, ProviderError
from .fake import MAIL_PATH, REFRESH_PATH, TOKEN_PATH

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Attachment", "BizMailClient", "BizMailFlows"]

#: ``(filename, content)`` or ``(filename, content, content_type)``.
Attachment = Union[tuple[str, bytes], tuple[str, bytes, str]]
Recipients = Union[str, Sequence[str]]


class BizMailFlows(ClientCore):
    """What a BizMail client sends and how it reads the answers, sync or async."""

    vendor = "BizMail"

    def __init__(self, base_url: str, username: str, password: str, **options: Any) -> None:
        if not isinstance(username, str) or not username:
            raise ValueError(f"{type(self).__name__} needs a non-empty username")
        if not isinstance(password, str) or not password:
            raise ValueError(f"{type(self).__name__} needs a non-empty password for {username!r}")
        super().__init__(base_url, **options)
        self.username = username
        self._password = secret(password)

    def _who(self) -> str:
        return f"username={self.username!r}"

    def _tokens(self, answer: Answer, path: str, by: str) -> IssuedTokens:
        body = self._json(answer, path)
        if body.get("success") is False:
            raise ProviderError(
                f"BizMail answered HTTP {answer.status} with success: false",
                status=answer.status,
                endpoint=path,
            )
        return self._received(
            body.get("access_token"),
            body.get("refresh_token"),
            body.get("expires_in"),
            by,
            path,
            answer.status,
        )

    def _login(self) -> Flow:
        answer: Answer = yield Send(
            "POST", TOKEN_PATH, json={"username": self.username, "password": self._password}
        )
        if answer.status == 200:
            return self._tokens(answer, TOKEN_PATH, "login")
        if answer.status in (401, 403):
            raise InvalidCredentialsError(
                self._message(answer, TOKEN_PATH),
                status=answer.status,
                endpoint=TOKEN_PATH,
                hint=f"check the username {self.username!r} and its password",
            )
        if 400 <= answer.status < 500:
            raise self._rejected(answer, TOKEN_PATH)
        raise self._provider_error(answer, TOKEN_PATH)

    def _refresh(self, refresh_token: str) -> Flow:
        answer: Answer = yield Send("POST", REFRESH_PATH, json={"refresh_token": refresh_token})
        if answer.status == 200:
            return self._tokens(answer, REFRESH_PATH, "refresh")
        if answer.status in (400, 401, 403):
            raise RefreshRejected(self._message(answer, REFRESH_PATH))
        if answer.status == 429:
            raise self._rejected(answer, REFRESH_PATH)
        raise self._provider_error(answer, REFRESH_PATH)

    def _send_mail(
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
    ) -> Flow:
        if text is None and html is None:
            raise ValueError("send_mail() needs a body: give text=..., html=..., or both")
        parts: list[tuple[str, str | None, Any, str | None]] = []

        def add(name: str, value: Recipients | None) -> None:
            if value is None:
                return
            if isinstance(value, str):
                parts.append((name, None, value, None))
            else:
                parts.extend((f"{name}[]", None, item, None) for item in value)

        add("from", from_email)
        add("from_name", from_name)
        add("to", to)
        add("cc", cc)
        add("bcc", bcc)
        add("reply_to", reply_to)
        add("subject", subject)
        add("text", text)
        add("html", html)
        for attachment in attachments or ():
            filename, content, *rest = attachment
            parts.append(("attachments[]", filename, content, rest[0] if rest else None))
        answer: Answer = yield from self._with_bearer(Send("POST", MAIL_PATH, parts=tuple(parts)))
        if answer.status == 200:
            body = self._json(answer, MAIL_PATH)
            if body.get("success") is False:
                raise self._rejected(answer, MAIL_PATH)
            return body
        if answer.status == 401:
            raise self._refused_token(MAIL_PATH, self._message(answer, MAIL_PATH))
        if 400 <= answer.status < 500:
            raise self._rejected(answer, MAIL_PATH)
        raise self._provider_error(answer, MAIL_PATH)


class BizMailClient(BizMailFlows, TokenClient):
    """Logs in to BizMail Delivery, keeps its token fresh and stores mail (``requests``).

    >>> client = BizMailClient("https://smtp-api.bizfly.vn", "me@example.com", "pw")
    >>> client  # the password never shows
    BizMailClient(base_url='https://smtp-api.bizfly.vn', username='me@example.com', no token)
    """

    def send_mail(self, **fields: Any) -> Mapping[str, Any]:
        """Store a mail for delivery (``POST /api/1.0/mail/store``, multipart) and return
        the provider's JSON answer. Fields: ``from_email``, ``from_name``, ``to``,
        ``subject``, ``text`` and/or ``html``; optional ``cc``, ``bcc``, ``reply_to``,
        ``attachments`` (``(filename, content[, content_type])``)."""
        result: Mapping[str, Any] = self._run(self._send_mail(**fields))
        return result
