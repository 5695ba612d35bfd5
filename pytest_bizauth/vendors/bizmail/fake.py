"""The BizMail Delivery fake: its settings, state and rules composed on the shared
front."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.accounts import account_data, account_fields
from ...core.attributes import Setting
from ...core.fake import FakeProvider
from ...core.hooks import derived, error_message
from ...core.routes import Route
from ...core.settings import settings_of
from ...core.tokens import Issued
from ...errors import UnknownNameError, UsageTypeError
from . import control, rules
from .accounts import BizMailUser
from .api import (
    INTERNAL_ERROR,
    MAIL_PATH,
    REFRESH_PATH,
    TOKEN_PATH,
)
from .events import EVENTS, event_body
from .settings import BizMailSettings
from .state import BizMailState, StoredMail
from .tokens import BizMailTokens

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..._types import JSONObject, JSONView
    from ...core.call import Call
    from ...core.webhooks import Delivery
    from ...core.wire import FakeRequest

__all__ = ["BizMailSettings", "FakeBizMail", "StoredMail"]

_USER_FIELDS = ("username", "password", "user_id", "domain_uuid")


class FakeBizMail(FakeProvider):
    """A stateful fake of BizMail Delivery's auth API and ``/api/1.0/mail/store``.

    Documented behaviour is reproduced exactly (statuses, bodies, key order, token
    claims); the rest is listed on the docs' fidelity page and configurable here: pass
    a :class:`BizMailSettings`, or its fields as keywords.
    """

    vendor = "BizMail"
    envelope_keys = frozenset({"success", "message"})
    webhook_events = EVENTS
    #: Its endpoints of the control API, and why its other verbs have none.
    control_verbs, python_only = control.VERBS, control.PYTHON_ONLY
    #: ``mail/store`` takes a JSON body as well as multipart and urlencoded ones.
    accept_json_mail = Setting[bool]()

    def __init__(self, settings: BizMailSettings | None = None, /, **options: object) -> None:
        chosen = settings_of(BizMailSettings, settings, options)
        super().__init__(chosen)
        self.settings: BizMailSettings = chosen
        self.tokens = BizMailTokens(
            chosen.secret,
            user=chosen.user,
            access_ttl=chosen.access_ttl,
            refresh_ttl=chosen.refresh_ttl,
        )
        self.state = BizMailState(chosen.user)
        self._set_up_webhooks(chosen)

    @staticmethod
    def tenant_accounts(seed: str) -> dict[str, object]:
        """A tenant's own user and HS256 secret."""
        user = BizMailUser.create(
            f"user-{derived(seed, 'name', 8)}@example.com", derived(seed, "password")
        )
        return {"user": user, "secret": derived(seed, "secret", 64)}

    # -- state ---------------------------------------------------------------------------

    @property
    def user(self) -> BizMailUser:
        """The account the fake starts with (the fixture client's)."""
        return self.state.user

    @property
    def users(self) -> dict[str, BizMailUser]:
        """The accounts that can log in, by username."""
        return self.state.users

    @property
    def mails(self) -> list[StoredMail]:
        """The mail ``mail/store`` accepted, in order."""
        return self.state.mails

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
        return self.state.add_user(user)

    def remove_user(self, username: str) -> None:
        """Delete an account: it can no longer log in, its refresh tokens answer
        "User not found" and its access tokens "Missing or invalid token"."""
        self.state.remove_user(username)

    def mail(self, message_id: str) -> StoredMail:
        """A stored mail by its ``message_id`` (``<uuid>@bizfly.vn``)."""
        found = next((m for m in reversed(self.mails) if m.id == message_id), None)
        if found is None:
            raise UnknownNameError(f"the BizMail fake stored no mail {message_id!r}")
        return found

    def deliver(
        self,
        message_id: str,
        event: str = "delivered",
        *,
        recipient: str | None = None,
        response: str | None = None,
        category: str = "hard_bounce",
    ) -> list[Delivery]:
        """What happened to a stored mail at the receiving end: ``delivered``,
        ``bounced`` or ``dropped``, sent as the documented webhook to the target set for
        that event (:meth:`deliver_webhooks_to`), once for each of the mail's recipients
        (``to``, ``cc``, ``bcc``) or only for ``recipient``. Returns the deliveries."""
        mail = self.mail(message_id)
        recipients = [recipient] if recipient else mail.recipients
        settings = self.settings
        made = []
        for address in recipients:
            body = event_body(
                mail,
                event,
                address,
                response=response,
                category=category,
                bounce_name=settings.bounce_event,
                time_unit=settings.webhook_time,
            )
            made += self._webhooks.send(event, body, WEBHOOK_HEADERS, _accepted)
        return made

    def accounts(self) -> list[JSONObject]:
        return self.state.accounts()

    def add_account(self, fields: JSONView) -> JSONObject:
        _, given = account_fields(fields, {"user": _USER_FIELDS}, "user", self.vendor)
        user = self.add_user(given.pop("username", ""), given.pop("password", ""), **given)
        return account_data("user", user)

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

    # -- what the shared front asks of a vendor ------------------------------------------

    @classmethod
    def _route_table(cls) -> Iterable[Route]:
        return (
            Route("token", "POST", TOKEN_PATH, "login", rules.token),
            Route("refresh", "POST", REFRESH_PATH, "refresh", rules.refresh),
            Route("mail", "POST", MAIL_PATH, "resource", rules.store_mail),
        )

    def _error_body(self, route: Route, status: int) -> JSONObject | None:
        if status == 500:
            return {"success": False, "message": INTERNAL_ERROR}
        return {"success": False, "message": error_message(status)}

    def _owner_of(self, account: object) -> str:
        if account is None:
            return self.user.username
        if isinstance(account, BizMailUser):
            return account.username
        if isinstance(account, str):
            return account
        raise UsageTypeError(f"name a BizMail user by its username or BizMailUser, not {account!r}")

    def _use_key(self, key: object) -> None:
        import secrets

        self.tokens.use_secret(secrets.token_urlsafe(48) if key is None else key)

    def _secrets(self) -> frozenset[str]:
        return self.state.passwords

    def _authenticate(self, request: FakeRequest) -> JSONObject:
        return rules.authenticate(self, request)

    def issue(self, user: BizMailUser, presented: str | None = None) -> Issued:
        """A token pair for ``user``; ``presented``: the refresh token of a refresh."""
        instant = self._issue_instant()
        issued_at = int(instant.timestamp())
        access = self.tokens.access(user=user, issued_at=issued_at)
        self.store.issued_access(access, user.username)
        refresh = self.store.answered_refresh(
            presented,
            user.username,
            rotate=self.rotate_refresh_tokens,
            mint=lambda: self.tokens.refresh(user=user, issued_at=issued_at),
        )
        return Issued(user, access, refresh, instant)

    def __repr__(self) -> str:
        return (
            f"FakeBizMail(base_url={self.base_url!r}, users={sorted(self.users)!r}, "
            f"calls={len(self.calls)})"
        )


#: What the vendor sends its webhooks with.
WEBHOOK_HEADERS = {"Content-Type": "application/json"}


def _accepted(status: int, answer: object) -> bool:
    """Invented: the page documents no answer; any 2xx takes the event."""
    return 200 <= status < 300
