"""A thin, real client for Bill24's merchant API, for a portal user or a merchant."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ...client.base import IssuedTokens, RefreshRejected, Timeout, TokenClient
from ...errors import (
    InvalidCredentialsError,
    ProviderError,
    RequestRejectedError,
    TokenRejectedError,
)
from .fake import INIT_PATH, MERCHANT_PATH, PORTAL_PATH, VERIFY_PATH
from .tokens import parse_expire_time

if TYPE_CHECKING:
    from collections.abc import Mapping

    import requests

__all__ = ["Bill24Client"]


class Bill24Client(TokenClient):
    """Logs in to Bill24, keeps its token fresh (by ``tokenExpireTime``) and calls the
    transaction endpoints. Build one with :meth:`for_portal_user` or :meth:`for_merchant`.

    >>> Bill24Client.for_merchant("https://bill24.test",
    ...                           "0b2e17be-d225-4f79-b6a9-98fa811a769c", "my_client", "s3cret")
    Bill24Client(base_url='https://bill24.test', merchant, client_id='my_client', no token)
    """

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
        leeway: float = 60,
        timeout: Timeout = (5, 30),
        session: requests.Session | None = None,
        on_token: Callable[[IssuedTokens], None] | None = None,
    ) -> None:
        if not isinstance(client_id, str) or not client_id:
            raise ValueError("Bill24Client needs a non-empty client_id")
        if not isinstance(secret, str) or not secret:
            raise ValueError("Bill24Client needs a non-empty client secret")
        portal = email is not None or password is not None
        if portal == (merchant_token is not None):
            raise ValueError(
                "Bill24Client needs either email and password (a portal user) or "
                "merchant_token (a merchant); use Bill24Client.for_portal_user() or "
                "Bill24Client.for_merchant()"
            )
        if portal and not (email and password):
            raise ValueError("a Bill24 portal user needs a non-empty email and password")
        if merchant_token is not None and not merchant_token:
            raise ValueError("a Bill24 merchant needs a non-empty merchant token")
        super().__init__(
            base_url, leeway=leeway, timeout=timeout, session=session, on_token=on_token
        )
        self.client_id = client_id
        self.email = email
        self._secret = secret
        self._password = password
        self._merchant_token = merchant_token
        self._path = PORTAL_PATH if portal else MERCHANT_PATH

    @classmethod
    def for_portal_user(
        cls, base_url: str, email: str, password: str, client_id: str, secret: str, **options: Any
    ) -> Bill24Client:
        """A client that logs in at ``/security/authorize`` as a portal user."""
        return cls(
            base_url, client_id=client_id, secret=secret, email=email, password=password, **options
        )

    @classmethod
    def for_merchant(
        cls, base_url: str, merchant_token: str, client_id: str, secret: str, **options: Any
    ) -> Bill24Client:
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

    def _body(self, refresh_token: str = "") -> dict[str, str]:
        body = {"clientId": self.client_id, "secret": self._secret, "refreshToken": refresh_token}
        if self.is_merchant:
            return {"token": "" if refresh_token else str(self._merchant_token), **body}
        if refresh_token:
            return {"email": "", "password": "", **body}
        return {"email": str(self.email), "password": str(self._password), **body}

    def _tokens_from(self, response: requests.Response, by: str) -> IssuedTokens:
        body = self._json(response, self._path)
        if self.is_merchant:
            data = body.get("data")
            if body.get("code") not in (200, "200") or not isinstance(data, dict):
                raise ProviderError(
                    "Bill24 answered without its {code, message, data} envelope",
                    status=response.status_code,
                    endpoint=self._path,
                )
            body = data
        expire_time = body.get("tokenExpireTime")
        try:
            expires_at = parse_expire_time(str(expire_time)).timestamp()
        except ValueError:
            raise ProviderError(
                "Bill24 answered without a readable 'tokenExpireTime'",
                status=response.status_code,
                endpoint=self._path,
            ) from None
        issued = self._received(
            body.get("token"), body.get("refreshToken"), 1, by, self._path, response.status_code
        )
        return IssuedTokens(
            issued.access_token,
            issued.refresh_token,
            max(expires_at - issued.received_at, 0.0),
            issued.received_at,
            by,
        )

    def _login(self) -> IssuedTokens:
        response = self._post(self._path, json=self._body())
        if response.status_code == 200:
            return self._tokens_from(response, "login")
        if response.status_code in (401, 403):
            raise InvalidCredentialsError(
                self._message(response, self._path),
                status=response.status_code,
                endpoint=self._path,
                hint="check the credentials and the client id and secret",
            )
        if 400 <= response.status_code < 500:
            raise RequestRejectedError(
                self._message(response, self._path),
                status=response.status_code,
                endpoint=self._path,
            )
        raise self._provider_error(response, self._path)

    def _refresh(self, refresh_token: str) -> IssuedTokens:
        response = self._post(self._path, json=self._body(refresh_token))
        if response.status_code == 200:
            return self._tokens_from(response, "refresh")
        if 400 <= response.status_code < 500:
            raise RefreshRejected(self._message(response, self._path))
        raise self._provider_error(response, self._path)

    def _call(self, path: str, fields: Mapping[str, Any]) -> Mapping[str, Any]:
        response = self._post(path, json=dict(fields), auth=self.auth)
        if response.status_code == 401:
            raise TokenRejectedError(
                "Bill24 refused the bearer token",
                status=401,
                endpoint=path,
                hint="the token was refused even after a refresh",
            )
        if response.status_code != 200:
            raise self._provider_error(response, path)
        body = self._json(response, path)
        if body.get("code") != "SUCCESS":
            raise RequestRejectedError(
                f"{body.get('code')}: {body.get('message')}",
                status=200,
                endpoint=path,
                code=str(body.get("code")),
            )
        return body

    def init_transaction(self, **fields: Any) -> Mapping[str, Any]:
        """``POST /transaction/v2/init``; returns the SUCCESS envelope, raises
        :class:`RequestRejectedError` (with ``code``) for a business error."""
        return self._call(INIT_PATH, fields)

    def verify_transaction(self, **fields: Any) -> Mapping[str, Any]:
        """``POST /transaction/v2/verify`` by ``tran_id``, ``identity_code``,
        ``purpose_of_transaction`` or ``bank_ref``."""
        return self._call(VERIFY_PATH, fields)
