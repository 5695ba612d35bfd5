"""BizMail Delivery accounts: who may log in, and with what."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field

from ..._redact import secret as hold
from ...errors import UsageValueError

__all__ = ["DEFAULT_USER", "BizMailUser"]

_USER_ID = re.compile(r"[0-9a-f]{24}")


#: When the derived ids' ObjectId timestamps start (the seed's user was made in 2022).
_ID_EPOCH = 1_640_995_200


def _object_id(username: str) -> str:
    """A MongoDB ObjectId, as the vendor's user ids are, derived from the username: a
    creation time in 2022 (four bytes) and eight bytes of its digest."""
    digest = hashlib.sha256(f"bizmail-user:{username}".encode()).digest()
    created = _ID_EPOCH + int.from_bytes(digest[:3], "big") % (365 * 86_400)
    return f"{created:08x}{digest[3:11].hex()}"


@dataclass(frozen=True)
class BizMailUser:
    """A BizMail Delivery portal account. ``repr()`` never shows the password."""

    username: str
    password: str = field(repr=False)
    user_id: str
    domain_uuid: str

    @classmethod
    def create(
        cls,
        username: str,
        password: str,
        *,
        user_id: str | None = None,
        domain_uuid: str | None = None,
    ) -> BizMailUser:
        """An account whose ids, when not given, are derived from the username (stable
        from run to run, so tokens minted at a frozen instant are too)."""
        if not isinstance(username, str) or not username:
            raise UsageValueError("a BizMail user needs a non-empty username")
        if not isinstance(password, str) or not password:
            raise UsageValueError(f"the BizMail user {username!r} needs a non-empty password")
        if user_id is None:
            user_id = _object_id(username)
        elif not isinstance(user_id, str) or not _USER_ID.fullmatch(user_id):
            raise UsageValueError(
                f"user_id {user_id!r} is not a BizMail user id: "
                "it must be 24 lower-case hexadecimal characters"
            )
        if domain_uuid is None:
            digest = hashlib.sha256(f"bizmail-domain:{username}".encode()).digest()
            domain_uuid = str(uuid.UUID(bytes=digest[:16], version=4))
        else:
            try:
                domain_uuid = str(uuid.UUID(str(domain_uuid)))
            except ValueError:
                raise UsageValueError(f"domain_uuid {domain_uuid!r} is not a UUID") from None
        return cls(username=username, password=hold(password), user_id=user_id,
                   domain_uuid=domain_uuid)  # fmt: skip


#: The account every :class:`~pytest_bizauth.FakeBizMail` starts with.
DEFAULT_USER = BizMailUser.create("bizauth-user@example.com", "correct-horse-battery")
