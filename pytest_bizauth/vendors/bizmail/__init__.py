"""BizMail Delivery: everything the package knows about this vendor lives here.

This module stays light (the plugin imports it at load): defaults and the spec. The
fake, token factory and client are imported on first use.
"""

from __future__ import annotations

from ...extend import VendorSpec, register
from .api import ACCESS_TTL, BASE_URL, HOSTS, REFRESH_TTL, SECRET
from .settings import BizMailSettings

__all__ = ["ACCESS_TTL", "BASE_URL", "REFRESH_TTL", "SECRET", "SPEC"]


SPEC = register(
    VendorSpec(
        name="bizmail",
        title="BizMail",
        fake="pytest_bizauth.vendors.bizmail.fake:FakeBizMail",
        settings=BizMailSettings,
        client=f"{__name__}.client:fixture_client",
        async_client=f"{__name__}.async_client:fixture_client",
        contract=f"{__name__}.contract:CONTRACT",
        scenarios=f"{__name__}.scenarios:SCENARIOS",
        hosts=HOSTS,
        port=8001,
        docs={
            "mock": "A stateful BizMail Delivery fake with one default user at ``.user``.",
            "tokens": "Mints tokens the BizMail fake accepts (same secret, user, lifetimes).",
            "client": "A real ``BizMailClient`` pointed at the BizMail fake as its default user.",
            "async_client": "An ``AsyncBizMailClient`` pointed at the BizMail fake as its "
            "default user; its httpx client is closed at teardown.",
        },
    )
)
