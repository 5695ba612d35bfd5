"""Thin, real clients for Bill24's merchant API, for a portal user or a merchant: one
set of flows, a sync client on ``requests`` and an async one on ``httpx``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from ..._redact import secret as hold
from ...client.core import Answer, ClientCore, Flow, IssuedTokens, RefreshRejected, Send
from ...client.sync import TokenClient
from ...errors import InvalidCredentialsError, ProviderError, RequestRejectedError
from .fake import INIT_PATH, MERCHANT_PATH, PORTAL_PATH, VERIFY_PATH
from .tokens import parse_expire_time

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Bill24Client", "Bill24Flows"]

_Flows = TypeVar("_Flows", bound="Bill24Flows")


class Bill24Flows(ClientCore):
    """What a Bill24 client sends and how it reads the answers, sync or async. Build one
    with :meth:`for_portal_user` or :meth:`for_merchant`."""

    vendor = "Bill24"

    def __init__(
        self,
        base_url: str,
        *,
        client_id: str,
        secret: str,
        email: str | None = None,
        password: str | None = None,
        merchant_token: str | None = None,
        **options: Any,
    ) -> None:
        name = type(self).__name__
        if not isinstance(client_id, str) or not client_id:
            raise ValueError(f"{name} needs a non-empty client_id")
        if not isinstance(secret, str) or not secret:
            raise ValueError(f"{name} needs a non-empty client secret")
        portal = email is not None or password is not None
        if portal == (merchant_token is not None):
            raise ValueError(
                f"{name} needs either email and password (a portal user) or "
                f"merchant_token (a merchant); use {name}.for_portal_user() or "
                f"{name}.for_merchant()"
            )
        if portal and not (email and password):
            raise ValueError("a Bill24 portal user needs a non-empty email and password")
        if merchant_token is not None and not merchant_token:
            raise ValueError("a Bill24 merchant needs a non-empty merchant token")
        super().__init__(base_url, **options)
        self.client_id = client_id
        self.email = email
        self._secret = hold(secret)
        self._password = hold(password)
        self._merchant_token = hold(merchant_token)
        self._path = PORTAL_PATH if portal else MERCHANT_PATH

    @classmethod
    def for_portal_user(
        cls: type[_Flows],
        base_url: str,
        email: str,
        password: str,
        client_id: str,
        secret: str,
        **options: Any,
    ) -> _Flows:
        """A client that logs in at ``/security/authorize`` as a portal user."""
        return cls(
            base_url, client_id=client_id, secret=secret, email=email, password=password, **options
        )

    @classmethod
    def for_merchant(
        cls: type[_Flows],
        base_url: str,
        merchant_token: str,
        client_id: str,
        secret: str,
        **options: Any,
    ) -> _Flows:
        """A client that logs in at ``/merchantsecurity/authorize`` as a merchant."""
        return cls(
            base_url, client_id=client_id, secret=secret, merchant_token=merchant_token, **options
        )

    @property
    def is_merchant(self) -> bool:
        return self._merchant_token is not None

    def _who(self) -> str:
        who = f"email={self.email!r}" if self.email else "merchant"
        return f"{who}, client_id={self.client_id!r}"

    def _body(self, refresh_token: str = "") -> dict[str, Any]:
        body = {
            "clientId": self.client_id,
            "secret": self._secret,
            "refreshToken": hold(refresh_token, token=True),
        }
        if self.is_merchant:
            return {"token": "" if refresh_token else self._merchant_token, **body}
        if refresh_token:
            return {"email": "", "password": "", **body}
        return {"email": str(self.email), "password": self._password, **body}

    def _tokens(self, answer: Answer, by: str) -> IssuedTokens:
        body = self._json(answer, self._path)
        if self.is_merchant:
            data = body.get("data")
            if body.get("code") not in (200, "200") or not isinstance(data, dict):
                raise ProviderError(
                    "Bill24 answered without its {code, message, data} envelope",
                    status=answer.status,
                    endpoint=self._path,
                )
            body = data
        try:
            expires_at = parse_expire_time(str(body.get("tokenExpireTime"))).timestamp()
        except (ValueError, OverflowError):
            raise ProviderError(
                "Bill24 answered without a readable 'tokenExpireTime'",
                status=answer.status,
                endpoint=self._path,
            ) from None
        from ...clock import timestamp

        return self._received(
            body.get("token"),
            body.get("refreshToken"),
            expires_at - timestamp(),
            by,
            self._path,
            answer.status,
        )

    def _login(self) -> Flow:
        answer: Answer = yield Send("POST", self._path, json=self._body())
        if answer.status == 200:
            return self._tokens(answer, "login")
        if answer.status in (401, 403):
            raise InvalidCredentialsError(
                self._message(answer, self._path),
                status=answer.status,
                endpoint=self._path,
                hint="check the credentials and the client id and secret",
            )
        if 400 <= answer.status < 500:
            raise self._rejected(answer, self._path)
        raise self._provider_error(answer, self._path)

    def _refresh(self, refresh_token: str) -> Flow:
        answer: Answer = yield Send("POST", self._path, json=self._body(refresh_token))
        if answer.status == 200:
            return self._tokens(answer, "refresh")
        if answer.status == 429:
            raise self._rejected(answer, self._path)
        if 400 <= answer.status < 500:
            # Bill24 documents no authorize errors and its status varies: any other 4xx
            # means the refresh token is not taken.
            raise RefreshRejected(self._message(answer, self._path))
        raise self._provider_error(answer, self._path)

    def _call(self, path: str, fields: Mapping[str, Any]) -> Flow:
        answer: Answer = yield from self._with_bearer(Send("POST", path, json=dict(fields)))
        if answer.status == 401:
            raise self._refused_token(path, "Bill24 refused the bearer token")
        if 400 <= answer.status < 500:
            raise self._rejected(answer, path)
        if answer.status != 200:
            raise self._provider_error(answer, path)
        body = self._json(answer, path)
        if body.get("code") != "SUCCESS":
            raise RequestRejectedError(
                f"{body.get('code')}: {body.get('message')}"[:500],
                status=200,
                endpoint=path,
                code=str(body.get("code"))[:100],
            )
        return body


class Bill24Client(Bill24Flows, TokenClient):
    """Logs in to Bill24, keeps its token fresh (by ``tokenExpireTime``) and calls the
    transaction endpoints (``requests``).

    >>> Bill24Client.for_merchant("https://bill24.test",
    ...                           "0b2e17be-d225-4f79-b6a9-98fa811a769c", "my_client", "s3cret")
    Bill24Client(base_url='https://bill24.test', merchant, client_id='my_client', no token)
    """

    def init_transaction(self, **fields: Any) -> Mapping[str, Any]:
        """``POST /transaction/v2/init``; returns the SUCCESS envelope, raises
        :class:`RequestRejectedError` (with ``code``) for a business error."""
        result: Mapping[str, Any] = self._run(self._call(INIT_PATH, fields))
        return result

    def verify_transaction(self, **fields: Any) -> Mapping[str, Any]:
        """``POST /transaction/v2/verify`` by ``tran_id``, ``identity_code``,
        ``purpose_of_transaction`` or ``bank_ref``."""
        result: Mapping[str, Any] = self._run(self._call(VERIFY_PATH, fields))
        return result
