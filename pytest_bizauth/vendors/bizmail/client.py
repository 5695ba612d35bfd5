"""A thin, real client for BizMail Delivery."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Callable, Union

from ...client.base import IssuedTokens, RefreshRejected, Timeout, TokenClient
from ...errors import (
    InvalidCredentialsError,
    ProviderError,
    RequestRejectedError,
    TokenRejectedError,
)
from .fake import MAIL_PATH, REFRESH_PATH, TOKEN_PATH

if TYPE_CHECKING:
    from collections.abc import Mapping

    import requests

__all__ = ["Attachment", "BizMailClient"]

#: ``(filename, content)`` or ``(filename, content, content_type)``.
Attachment = Union[tuple[str, bytes], tuple[str, bytes, str]]
Recipients = Union[str, Sequence[str]]


class BizMailClient(TokenClient):
    """Logs in to BizMail Delivery, keeps its token fresh and stores mail.

    >>> client = BizMailClient("https://smtp-api.bizfly.vn", "me@example.com", "pw")
    >>> client  # the password never shows
    BizMailClient(base_url='https://smtp-api.bizfly.vn', username='me@example.com', no token)
    """

    vendor = "BizMail"

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        leeway: float = 60,
        timeout: Timeout = (5, 30),
        session: requests.Session | None = None,
        on_token: Callable[[IssuedTokens], None] | None = None,
    ) -> None:
        if not isinstance(username, str) or not username:
            raise ValueError("BizMailClient needs a non-empty username")
        if not isinstance(password, str) or not password:
            raise ValueError(f"BizMailClient needs a non-empty password for {username!r}")
        super().__init__(
            base_url, leeway=leeway, timeout=timeout, session=session, on_token=on_token
        )
        self.username = username
        self._password = password

    def _who(self) -> str:
        return f"username={self.username!r}"

    def _tokens_from(self, response: requests.Response, path: str, by: str) -> IssuedTokens:
        body = self._json(response, path)
        expires_in = body.get("expires_in")
        if (
            isinstance(expires_in, bool)
            or not isinstance(expires_in, (int, float))
            or expires_in <= 0
        ):
            raise ProviderError(
                "BizMail answered without a positive 'expires_in'",
                status=response.status_code,
                endpoint=path,
            )
        return self._received(
            body.get("access_token"),
            body.get("refresh_token"),
            expires_in,
            by,
            path,
            response.status_code,
        )

    def _login(self) -> IssuedTokens:
        response = self._post(
            TOKEN_PATH, json={"username": self.username, "password": self._password}
        )
        if response.status_code == 200:
            return self._tokens_from(response, TOKEN_PATH, "login")
        if response.status_code == 401:
            raise InvalidCredentialsError(
                self._message(response, TOKEN_PATH),
                status=401,
                endpoint=TOKEN_PATH,
                hint=f"check the username {self.username!r} and its password",
            )
        if 400 <= response.status_code < 500:
            raise RequestRejectedError(
                self._message(response, TOKEN_PATH),
                status=response.status_code,
                endpoint=TOKEN_PATH,
            )
        raise self._provider_error(response, TOKEN_PATH)

    def _refresh(self, refresh_token: str) -> IssuedTokens:
        response = self._post(REFRESH_PATH, json={"refresh_token": refresh_token})
        if response.status_code == 200:
            return self._tokens_from(response, REFRESH_PATH, "refresh")
        if response.status_code in (400, 401):
            raise RefreshRejected(self._message(response, REFRESH_PATH))
        raise self._provider_error(response, REFRESH_PATH)

    def send_mail(
        self,
        *,
        from_email: str,
        to: Recipients,
        subject: str,
        text: str | None = None,
        html: str | None = None,
        from_name: str | None = None,
        cc: Recipients | None = None,
        bcc: Recipients | None = None,
        reply_to: str | None = None,
        attachments: Sequence[Attachment] | None = None,
    ) -> Mapping[str, Any]:
        """Store a mail for delivery (``POST /api/1.0/mail/store``, multipart) and return
        the provider's JSON answer."""
        if text is None and html is None:
            raise ValueError("send_mail() needs a body: give text=..., html=..., or both")
        parts: list[tuple[str, tuple[str | None, Any, str | None]]] = []

        def field(name: str, value: Recipients | None) -> None:
            if value is None:
                return
            if isinstance(value, str):
                parts.append((name, (None, value, None)))
            else:
                parts.extend((f"{name}[]", (None, item, None)) for item in value)

        field("from", from_email)
        field("from_name", from_name)
        field("to", to)
        field("cc", cc)
        field("bcc", bcc)
        field("reply_to", reply_to)
        field("subject", subject)
        field("text", text)
        field("html", html)
        for attachment in attachments or ():
            filename, content, *rest = attachment
            parts.append(("attachments[]", (filename, content, rest[0] if rest else None)))
        response = self._post(MAIL_PATH, files=parts, auth=self.auth)
        if response.status_code == 200:
            return self._json(response, MAIL_PATH)
        if response.status_code == 401:
            raise TokenRejectedError(
                self._message(response, MAIL_PATH),
                status=401,
                endpoint=MAIL_PATH,
                hint="the token was refused even after a refresh",
            )
        if 400 <= response.status_code < 500:
            raise RequestRejectedError(
                self._message(response, MAIL_PATH), status=response.status_code, endpoint=MAIL_PATH
            )
        raise self._provider_error(response, MAIL_PATH)
