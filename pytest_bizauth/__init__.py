"""pytest-bizauth: fakes, tokens, a frozen clock and real clients for testing BizMail
Delivery and Bill24 auth.

Names are imported on first use, so loading the plugin costs next to nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_names

if TYPE_CHECKING:
    from .client.flow import IssuedTokens
    from .clock import DEFAULT_START, Clock, ClockConflictError
    from .concurrency import Race, RaceResult, race, race_tasks
    from .core.wire import Call, FakeRequest, Refusal, Reply
    from .errors import (
        BizAuthError,
        BizAuthUsageError,
        InvalidCredentialsError,
        ProviderError,
        RequestRejectedError,
        TokenRejectedError,
        UnknownNameError,
        UsageTypeError,
        UsageValueError,
    )
    from .transport.server import LoopbackServer
    from .vendors.bill24.accounts import Bill24Merchant, Bill24User
    from .vendors.bill24.async_client import AsyncBill24Client
    from .vendors.bill24.client import Bill24Client
    from .vendors.bill24.fake import Bill24Settings, FakeBill24, Transaction
    from .vendors.bill24.keys import SigningKey
    from .vendors.bill24.tokens import Bill24Tokens
    from .vendors.bizmail.accounts import BizMailUser
    from .vendors.bizmail.async_client import AsyncBizMailClient
    from .vendors.bizmail.client import BizMailClient
    from .vendors.bizmail.fake import BizMailSettings, FakeBizMail, StoredMail
    from .vendors.bizmail.tokens import BizMailTokens

__all__ = [
    "AsyncBill24Client",
    "AsyncBizMailClient",
    "DEFAULT_START",
    "Bill24Client",
    "Bill24Merchant",
    "Bill24Tokens",
    "Bill24User",
    "BizAuthError",
    "BizAuthUsageError",
    "Bill24Settings",
    "BizMailSettings",
    "UnknownNameError",
    "UsageTypeError",
    "UsageValueError",
    "BizMailClient",
    "BizMailTokens",
    "BizMailUser",
    "Call",
    "Clock",
    "ClockConflictError",
    "FakeBill24",
    "FakeBizMail",
    "FakeRequest",
    "InvalidCredentialsError",
    "IssuedTokens",
    "LoopbackServer",
    "ProviderError",
    "Race",
    "RaceResult",
    "Refusal",
    "Reply",
    "RequestRejectedError",
    "SigningKey",
    "StoredMail",
    "TokenRejectedError",
    "Transaction",
    "race",
    "race_tasks",
]

_WHERE = {
    "AsyncBizMailClient": ".vendors.bizmail.async_client",
    "AsyncBill24Client": ".vendors.bill24.async_client",
    "DEFAULT_START": ".clock",
    "Clock": ".clock",
    "ClockConflictError": ".clock",
    "IssuedTokens": ".client.flow",
    "BizAuthUsageError": ".errors",
    "UnknownNameError": ".errors",
    "UsageTypeError": ".errors",
    "UsageValueError": ".errors",
    "Race": ".concurrency",
    "RaceResult": ".concurrency",
    "race": ".concurrency",
    "race_tasks": ".concurrency",
    "BizAuthError": ".errors",
    "InvalidCredentialsError": ".errors",
    "ProviderError": ".errors",
    "RequestRejectedError": ".errors",
    "TokenRejectedError": ".errors",
    "LoopbackServer": ".transport.server",
    "Call": ".core.wire",
    "FakeRequest": ".core.wire",
    "Refusal": ".core.wire",
    "Reply": ".core.wire",
    "BizMailUser": ".vendors.bizmail.accounts",
    "BizMailClient": ".vendors.bizmail.client",
    "FakeBizMail": ".vendors.bizmail.fake",
    "BizMailSettings": ".vendors.bizmail.fake",
    "StoredMail": ".vendors.bizmail.state",
    "BizMailTokens": ".vendors.bizmail.tokens",
    "Bill24Merchant": ".vendors.bill24.accounts",
    "Bill24User": ".vendors.bill24.accounts",
    "Bill24Client": ".vendors.bill24.client",
    "FakeBill24": ".vendors.bill24.fake",
    "Bill24Settings": ".vendors.bill24.fake",
    "Transaction": ".vendors.bill24.state",
    "SigningKey": ".vendors.bill24.keys",
    "Bill24Tokens": ".vendors.bill24.tokens",
}


__getattr__ = lazy_names(globals(), _WHERE, __name__)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
