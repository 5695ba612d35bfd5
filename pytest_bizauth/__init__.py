"""pytest-bizauth: fakes, tokens, a frozen clock and real clients for testing BizMail
Delivery and Bill24 auth.

Names are imported on first use, so loading the plugin costs next to nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .accounts import Bill24Merchant, Bill24User, BizMailUser
    from .client._base import IssuedTokens
    from .client.bill24 import Bill24Client
    from .client.bizmail import BizMailClient
    from .clock import DEFAULT_START, Clock
    from .concurrency import Race, RaceResult, race
    from .errors import (
        BizAuthError,
        InvalidCredentialsError,
        ProviderError,
        RequestRejectedError,
        TokenRejectedError,
    )
    from .keys import SigningKey
    from .providers._base import Call, Reply
    from .providers._request import FakeRequest
    from .providers.bill24 import FakeBill24, Transaction
    from .providers.bizmail import FakeBizMail, StoredMail
    from .tokens import Bill24Tokens, BizMailTokens

__all__ = [
    "DEFAULT_START",
    "Bill24Client",
    "Bill24Merchant",
    "Bill24Tokens",
    "Bill24User",
    "BizAuthError",
    "BizMailClient",
    "BizMailTokens",
    "BizMailUser",
    "Call",
    "Clock",
    "FakeBill24",
    "FakeBizMail",
    "FakeRequest",
    "InvalidCredentialsError",
    "IssuedTokens",
    "ProviderError",
    "Race",
    "RaceResult",
    "Reply",
    "RequestRejectedError",
    "SigningKey",
    "StoredMail",
    "TokenRejectedError",
    "Transaction",
    "race",
]

_WHERE = {
    "BizMailUser": ".accounts",
    "Bill24User": ".accounts",
    "Bill24Merchant": ".accounts",
    "Bill24Client": ".client.bill24",
    "SigningKey": ".keys",
    "FakeBill24": ".providers.bill24",
    "Transaction": ".providers.bill24",
    "Bill24Tokens": ".tokens",
    "Race": ".concurrency",
    "RaceResult": ".concurrency",
    "race": ".concurrency",
    "IssuedTokens": ".client._base",
    "BizMailClient": ".client.bizmail",
    "DEFAULT_START": ".clock",
    "Clock": ".clock",
    "BizAuthError": ".errors",
    "InvalidCredentialsError": ".errors",
    "ProviderError": ".errors",
    "RequestRejectedError": ".errors",
    "TokenRejectedError": ".errors",
    "Call": ".providers._base",
    "Reply": ".providers._base",
    "FakeRequest": ".providers._request",
    "FakeBizMail": ".providers.bizmail",
    "StoredMail": ".providers.bizmail",
    "BizMailTokens": ".tokens",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'pytest_bizauth' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
