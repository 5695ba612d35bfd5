"""What a BizMail fake holds: its accounts and the mail it stored."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...core.accounts import account_data
from ...errors import UnknownNameError, UsageValueError

if TYPE_CHECKING:
    from ..._types import JSONObject
    from ...core.wire import Upload
    from .accounts import BizMailUser

__all__ = ["BizMailState", "StoredMail"]


#: The most mails a fake keeps, the latest, and the most attachment bytes among them:
#: a long-running fake's memory levels off; no test comes near either.
MAX_MAILS = 10_000
MAX_MAIL_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class StoredMail:
    """A mail the fake accepted at ``/api/1.0/mail/store``."""

    id: str
    username: str
    fields: dict[str, list[str]]
    attachments: list[Upload] = field(default_factory=list)

    def __getitem__(self, name: str) -> str:
        return self.fields[name][0]

    @property
    def size(self) -> int:
        """The attachments' bytes."""
        return sum(upload.size for upload in self.attachments)

    @property
    def recipients(self) -> list[str]:
        """Every address the mail is for: ``to``, then ``cc``, then ``bcc``."""
        return [a for name in ("to", "cc", "bcc") for a in self.fields.get(name, [])]


class BizMailState:
    """Accounts by username (and their passwords, kept for the call log's redaction in
    constant time) and the stored mail."""

    def __init__(self, user: BizMailUser) -> None:
        self._lock = threading.Lock()
        self.user = user
        self.users: dict[str, BizMailUser] = {user.username: user}
        self.passwords: frozenset[str] = frozenset({user.password})
        self.mails: list[StoredMail] = []
        self._mail_bytes = 0
        self._mail_numbers = itertools.count(1)

    def add_user(self, user: BizMailUser) -> BizMailUser:
        with self._lock:
            if user.username in self.users:
                raise UsageValueError(f"the BizMail fake already has a user {user.username!r}")
            self.users[user.username] = user
            self.passwords = self.passwords | {user.password}
        return user

    def remove_user(self, username: str) -> None:
        with self._lock:
            removed = self.users.pop(username, None)
            if removed is None:
                known = ", ".join(repr(u) for u in self.users) or "none"
                raise UnknownNameError(
                    f"the BizMail fake has no user {username!r} (it has: {known})"
                )
            self.passwords = frozenset(u.password for u in self.users.values())

    def user_of(self, claims: JSONObject) -> BizMailUser | None:
        """The account a token's claims name, if it still exists with that id."""
        user = self.users.get(str(claims.get("username")))
        if user is None or user.user_id != claims.get("user_id"):
            return None
        return user

    def accounts(self) -> list[JSONObject]:
        with self._lock:
            return [account_data("user", user) for user in self.users.values()]

    def store(self, mail: StoredMail) -> None:
        """Keep a mail ``mail/store`` took: the latest :data:`MAX_MAILS`, and no more
        than :data:`MAX_MAIL_BYTES` of attachments in all (the oldest go first)."""
        if not self.mails:  # a test may have cleared the list
            self._mail_bytes = 0
        self.mails.append(mail)
        self._mail_bytes += mail.size
        while len(self.mails) > MAX_MAILS or (
            self._mail_bytes > MAX_MAIL_BYTES and len(self.mails) > 1
        ):
            self._mail_bytes -= self.mails.pop(0).size

    def next_mail_number(self) -> int:
        return next(self._mail_numbers)
