"""pytest-bizauth: fakes, tokens, a frozen clock and real clients for testing BizMail
Delivery and Bill24 auth.

Names are imported on first use, so loading the plugin costs next to nothing. Each
public name is written once, below, as a type checker reads it; ``__all__`` and the
lazy imports are made from those lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

if TYPE_CHECKING:
    from .client.flow import IssuedTokens as IssuedTokens
    from .clock import (
        DEFAULT_START as DEFAULT_START,
        Clock as Clock,
        ClockConflictError as ClockConflictError,
    )
    from .concurrency import (
        Race as Race,
        RaceResult as RaceResult,
        race as race,
        race_tasks as race_tasks,
    )
    from .core.call import Call as Call
    from .core.wire import (
        FakeRequest as FakeRequest,
        Refusal as Refusal,
        Reply as Reply,
    )
    from .errors import (
        BizAuthError as BizAuthError,
        BizAuthUsageError as BizAuthUsageError,
        InvalidCredentialsError as InvalidCredentialsError,
        ProviderError as ProviderError,
        RequestRejectedError as RequestRejectedError,
        TokenRejectedError as TokenRejectedError,
        UnknownNameError as UnknownNameError,
        UsageTypeError as UsageTypeError,
        UsageValueError as UsageValueError,
    )
    from .plugin.remote import RemoteFake as RemoteFake, ServedTenant as ServedTenant
    from .transport.server import LoopbackServer as LoopbackServer
    from .vendors.bill24.accounts import Bill24Merchant as Bill24Merchant, Bill24User as Bill24User
    from .vendors.bill24.async_client import AsyncBill24Client as AsyncBill24Client
    from .vendors.bill24.client import Bill24Client as Bill24Client
    from .vendors.bill24.fake import FakeBill24 as FakeBill24
    from .vendors.bill24.keys import SigningKey as SigningKey
    from .vendors.bill24.settings import Bill24Settings as Bill24Settings
    from .vendors.bill24.state import Transaction as Transaction
    from .vendors.bill24.tokens import Bill24Tokens as Bill24Tokens
    from .vendors.bizmail.accounts import BizMailUser as BizMailUser
    from .vendors.bizmail.async_client import AsyncBizMailClient as AsyncBizMailClient
    from .vendors.bizmail.client import BizMailClient as BizMailClient
    from .vendors.bizmail.fake import FakeBizMail as FakeBizMail
    from .vendors.bizmail.settings import BizMailSettings as BizMailSettings
    from .vendors.bizmail.state import StoredMail as StoredMail
    from .vendors.bizmail.tokens import BizMailTokens as BizMailTokens

__getattr__, __dir__ = lazy_exports(globals())
