from __future__ import annotations

import itertools
import json
from typing import Any

from pytest_bizauth.core.wire import FakeRequest

HAND_BUILT_BOUNDARY = "---011000010111000001101001"


def json_request(path: str, fields: Any, **headers: str) -> FakeRequest:
    return FakeRequest.build(
        "POST", path, {"Content-Type": "application/json", **headers}, json.dumps(fields)
    )


def urlencoded_request(path: str, body: str, **headers: str) -> FakeRequest:
    return FakeRequest.build(
        "POST", path, {"Content-Type": "application/x-www-form-urlencoded", **headers}, body
    )


def hand_built_multipart(fields: dict[str, str]) -> bytes:
    """A body built by hand the way the vendor's own code samples build it."""
    body = ""
    for name, value in fields.items():
        body += (
            f"--{HAND_BUILT_BOUNDARY}\r\nContent-Disposition: form-data; "
            f'name="{name}"\r\n\r\n{value}\r\n'
        )
    return (body + f"--{HAND_BUILT_BOUNDARY}--\r\n").encode()


def multipart_request(path: str, fields: dict[str, str], **headers: str) -> FakeRequest:
    content_type = f"multipart/form-data; boundary={HAND_BUILT_BOUNDARY}"
    return FakeRequest.build(
        "POST", path, {"Content-Type": content_type, **headers}, hand_built_multipart(fields)
    )


#: A mail BizMailClient.send_mail() sends.
MAIL = {
    "from_email": "a@example.com",
    "from_name": "A",
    "to": "b@example.com",
    "subject": "Hi",
    "text": "Hello",
}

#: A transaction Bill24's init accepts.
TRANSACTION = {
    "identity_code": "INV-9",
    "currency": "USD",
    "amount": 5,
    "cancel_url": "https://shop.example.com/cancel",
    "redirect_url": "https://shop.example.com/done",
    "channel_code": "KHQR",
    "customers": [{"amount": 5}],
    "purpose_of_transaction": "13",
}
_numbers = itertools.count(1)


def new_transaction() -> dict:
    """Checkout's init fields with an identity_code no transaction has had yet (the
    fake refuses a duplicate one, as Bill24 does)."""
    return {**TRANSACTION, "identity_code": f"INV-{next(_numbers)}-{id(_numbers)}"}


def unlocked_async_bizmail(mock: Any) -> Any:
    """An async BizMail client that forgot its lock, for ``mock``'s user: tasks crossing
    expiry may all refresh."""
    from pytest_bizauth import AsyncBizMailClient

    class Unlocked(AsyncBizMailClient):
        async def access_token(self) -> str:
            token = self._flow.fresh()
            if token is not None:
                return token
            return (await self._driver.run(self._flow.renew())).access

    user = mock.user
    return Unlocked(mock.base_url, user.username, user.password)
