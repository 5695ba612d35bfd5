"""Thin, real clients for Bill24's merchant API, for a merchant or a portal user: one
auth flow, a sync client on ``requests`` and an async one on ``httpx`` (in
``async_client``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, TypeVar

from ..._redact import secret as hold
from ...client.flow import AuthFlow, Send
from ...client.methods import driven
from ...client.reading import (
    check_login,
    check_refresh,
    check_resource,
    read_json,
    received,
)
from ...client.sync import SyncClient
from ...clock import timestamp
from ...errors import ProviderError, RequestRejectedError, UsageValueError
from .api import INIT_PATH, MERCHANT_PATH, PORTAL_PATH, VERIFY_PATH
from .tokens import parse_expire_time

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import requests

    from ..._types import JSONObject, JSONView
    from ...client.flow import Answer, CallFlow, Flow, IssuedTokens
    from ...client.sync import Timeout

#: The fields of an answer that hold tokens: held masked from the moment they are read.
TOKEN_FIELDS = frozenset({"token", "refreshToken"})

__all__ = ["Bill24Auth", "Bill24Client", "Bill24Constructors", "fixture_client"]

VENDOR = "Bill24"
_Client = TypeVar("_Client")


def _absent_none(fields: JSONView) -> JSONObject:
    return {name: value for name, value in fields.items() if value is not None}


class Bill24Auth(AuthFlow):
    """What a Bill24 client sends and how it reads the answers, sync or async: a
    merchant logs in at ``/merchantsecurity/authorize`` with its merchant token, a
    portal user at ``/security/authorize`` with an email and password."""

    vendor = VENDOR

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
        on_token: Callable[[IssuedTokens], None] | None = None,
    ) -> None:
        if not isinstance(client_id, str) or not client_id:
            raise UsageValueError("a Bill24 client needs a non-empty client_id")
        if not isinstance(secret, str) or not secret:
            raise UsageValueError("a Bill24 client needs a non-empty client secret")
        portal = email is not None or password is not None
        if portal == (merchant_token is not None):
            raise UsageValueError(
                "a Bill24 client needs either merchant_token (a merchant) or email and "
                "password (a portal user); use for_merchant() or for_portal_user()"
            )
        if portal and not (email and password):
            raise UsageValueError("a Bill24 portal user needs a non-empty email and password")
        if merchant_token is not None and not merchant_token:
            raise UsageValueError("a Bill24 merchant needs a non-empty merchant token")
        super().__init__(base_url, leeway=leeway, on_token=on_token)
        self.client_id = client_id
        self.email = email
        self._secret = hold(secret)
        self._password = hold(password)
        self._merchant_token = hold(merchant_token)
        self.path = PORTAL_PATH if portal else MERCHANT_PATH

    @classmethod
    def of(cls, arguments: Mapping[str, Any]) -> Bill24Auth:
        """The flow for a client constructor's arguments (its ``locals()``)."""
        names = ("client_id", "secret", "email", "password", "merchant_token", "leeway")
        taken = {name: arguments[name] for name in names}
        return cls(arguments["base_url"], on_token=arguments["on_token"], **taken)

    @property
    def is_merchant(self) -> bool:
        return self._merchant_token is not None

    def who(self) -> str:
        who = f"email={self.email!r}" if self.email else "merchant"
        return f"{who}, client_id={self.client_id!r}"

    def _body(self, refresh_token: str = "") -> JSONObject:
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
        body = read_json(VENDOR, answer, self.path, tokens=TOKEN_FIELDS)
        if self.is_merchant:
            data = body.get("data")
            if body.get("code") not in (200, "200") or not isinstance(data, dict):
                raise ProviderError(
                    "Bill24 answered without its {code, message, data} envelope",
                    status=answer.status,
                    endpoint=self.path,
                )
            body = data
        try:
            expires_at = parse_expire_time(str(body.get("tokenExpireTime"))).timestamp()
        except (ValueError, OverflowError):
            raise ProviderError(
                "Bill24 answered without a readable 'tokenExpireTime'",
                status=answer.status,
                endpoint=self.path,
            ) from None
        fields = (body.get("token"), body.get("refreshToken"), expires_at - timestamp())
        return received(VENDOR, answer, self.path, fields, by)

    def login(self) -> Flow:
        answer: Answer = yield Send("POST", self.path, json=self._body())
        hint = "check the credentials and the client id and secret"
        check_login(VENDOR, answer, self.path, hint=hint)
        return self._tokens(answer, "login")

    def refresh(self, refresh_token: str) -> Flow:
        answer: Answer = yield Send("POST", self.path, json=self._body(refresh_token))
        # Bill24 documents no authorize errors and its status varies: any 4xx but a 429
        # means the refresh token is not taken.
        check_refresh(VENDOR, answer, self.path, refusing=range(400, 500))
        return self._tokens(answer, "refresh")

    def _call(self, path: str, fields: JSONView) -> CallFlow:
        answer: Answer = yield from self.call(Send("POST", path, json=dict(fields)))
        check_resource(VENDOR, answer, path, refused="Bill24 refused the bearer token")
        body = read_json(VENDOR, answer, path)
        if body.get("code") != "SUCCESS":
            raise RequestRejectedError(
                f"{body.get('code')}: {body.get('message')}"[:500],
                status=200,
                endpoint=path,
                code=str(body.get("code"))[:100],
            )
        return body

    def init_transaction(self, /, **fields: object) -> CallFlow:
        """``POST /transaction/v2/init`` with these fields as they are (any product's
        schema); returns the SUCCESS envelope, raises :class:`RequestRejectedError`
        (with ``code``) for a business error."""
        return self._call(INIT_PATH, fields)

    def init_checkout(
        self,
        *,
        identity_code: str,
        currency: str,
        amount: float,
        customers: Sequence[JSONView],
        redirect_url: str,
        cancel_url: str = "",
        channel_code: str = "",
        purpose_of_transaction: str | None = None,
        device_code: str | None = None,
        description: str | None = None,
        language: str | None = None,
        user_ref: str | None = None,
    ) -> CallFlow:
        """Create a Checkout (or Deeplink) transaction: ``POST /transaction/v2/init``
        with Checkout's fields (``customers``: objects with at least ``amount``); an
        optional field left ``None`` is not sent. Returns the SUCCESS envelope."""
        return self._call(INIT_PATH, _absent_none(dict(locals(), self=None)))

    def init_khqr(
        self,
        *,
        identity_code: str,
        currency: str,
        amount: float,
        purpose_of_transaction: str,
        channel_code: str,
        device_code: str | None = None,
        customer_code: str | None = None,
        customer_name: str | None = None,
        customer_phone: str | None = None,
        customer_email: str | None = None,
        description: str | None = None,
        cancel_url: str | None = None,
        redirect_url: str | None = None,
        language: str | None = None,
    ) -> CallFlow:
        """Create a KHQR transaction: ``POST /transaction/v2/init`` with KHQR's fields;
        an optional field left ``None`` is not sent. Returns the SUCCESS envelope."""
        return self._call(INIT_PATH, _absent_none(dict(locals(), self=None)))

    def verify_transaction(
        self,
        *,
        tran_id: str | None = None,
        identity_code: str | None = None,
        purpose_of_transaction: str | None = None,
        bank_ref: str | None = None,
    ) -> CallFlow:
        """``POST /transaction/v2/verify`` by ``identity_code`` and
        ``purpose_of_transaction`` (both required), narrowed by ``tran_id`` or
        ``bank_ref``; each key is sent, ``""`` when not given, as the vendor's example
        does."""
        keys = (identity_code, purpose_of_transaction, tran_id, bank_ref)
        names = ("identity_code", "purpose_of_transaction", "tran_id", "bank_ref")
        return self._call(VERIFY_PATH, {n: "" if v is None else v for n, v in zip(names, keys)})


class Bill24Constructors:
    """``for_merchant`` and ``for_portal_user``, and who the client is, for the sync and
    the async client."""

    _flow: Any

    @property
    def _auth(self) -> Bill24Auth:
        auth: Bill24Auth = self._flow
        return auth

    @property
    def client_id(self) -> str:
        return self._auth.client_id

    @property
    def email(self) -> str | None:
        """The portal user's email; ``None`` for a merchant."""
        return self._auth.email

    @property
    def is_merchant(self) -> bool:
        return self._auth.is_merchant

    @classmethod
    def for_merchant(
        cls: type[_Client],
        base_url: str,
        merchant_token: str,
        client_id: str,
        secret: str,
        **options: Any,
    ) -> _Client:
        """A client that logs in at ``/merchantsecurity/authorize`` as a merchant;
        ``options`` are the constructor's (``timeout``, ``leeway``, ...)."""
        return cls(  # type: ignore[call-arg]
            base_url, client_id=client_id, secret=secret, merchant_token=merchant_token, **options
        )

    @classmethod
    def for_portal_user(
        cls: type[_Client],
        base_url: str,
        email: str,
        password: str,
        client_id: str,
        secret: str,
        **options: Any,
    ) -> _Client:
        """A client that logs in at ``/security/authorize`` as a portal user."""
        return cls(  # type: ignore[call-arg]
            base_url, client_id=client_id, secret=secret, email=email, password=password, **options
        )


class Bill24Client(Bill24Constructors, SyncClient):
    """Logs in to Bill24, keeps its token fresh (by ``tokenExpireTime``) and calls the
    transaction endpoints (``requests``): :meth:`init_checkout`, :meth:`init_khqr`,
    :meth:`init_transaction` (any fields), :meth:`verify_transaction`.

    >>> Bill24Client.for_merchant("https://bill24.test",
    ...                           "0b2e17be-d225-4f79-b6a9-98fa811a769c", "my_client", "s3cret")
    Bill24Client(base_url='https://bill24.test', merchant, client_id='my_client', no token)
    """

    def __init__(
        self,
        base_url: str,
        *,
        client_id: str,
        secret: str,
        merchant_token: str | None = None,
        email: str | None = None,
        password: str | None = None,
        timeout: Timeout = (5, 30),
        session: requests.Session | None = None,
        leeway: float = 60,
        on_token: Callable[[IssuedTokens], None] | None = None,
    ) -> None:
        super().__init__(Bill24Auth.of(locals()), timeout=timeout, session=session)

    init_transaction = driven(Bill24Auth.init_transaction)
    init_checkout = driven(Bill24Auth.init_checkout)
    init_khqr = driven(Bill24Auth.init_khqr)
    verify_transaction = driven(Bill24Auth.verify_transaction)


def fixture_client(
    fake: Any, leeway: float, *, login: str = "portal", kind: type[_Client] | None = None
) -> Any:
    """The ``bill24_client`` fixture's client (``kind``: another client class with the
    same constructors): the fake's default portal user, or its default merchant when
    ``login`` (the ``bill24_login`` option) says ``merchant``."""
    made_by: Any = kind or Bill24Client
    if login == "merchant":
        shop = fake.merchant
        return made_by.for_merchant(
            fake.base_url, shop.token, shop.client_id, shop.secret, leeway=leeway
        )
    user = fake.user
    return made_by.for_portal_user(
        fake.base_url, user.email, user.password, user.client_id, user.secret, leeway=leeway
    )
