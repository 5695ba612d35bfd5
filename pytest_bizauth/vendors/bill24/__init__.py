"""Bill24's merchant API: everything the package knows about this vendor lives here.

This module stays light (the plugin imports it at load): defaults, settings and the
spec. The
fake, keys, token factory and client are imported on first use.
"""

from __future__ import annotations

from ...extend import VendorSpec, register
from .api import ACCESS_TTL, BASE_URL, HOSTS, ISSUER, REFRESH_TTL
from .settings import Bill24ClientSettings, Bill24Settings

__all__ = ["ACCESS_TTL", "BASE_URL", "ISSUER", "REFRESH_TTL", "SPEC"]

SPEC = register(
    VendorSpec(
        hosts=HOSTS,
        port=8002,
        name="bill24",
        title="Bill24",
        fake="pytest_bizauth.vendors.bill24.fake:FakeBill24",
        settings=Bill24Settings,
        client_settings=Bill24ClientSettings,
        docs={
            "mock": "A stateful Bill24 fake with a portal user at ``.user`` and a merchant "
            "at ``.merchant``.",
            "tokens": "Mints tokens the Bill24 fake accepts (same key, issuer, accounts, "
            "lifetime).",
            "client": "A real ``Bill24Client`` pointed at the Bill24 fake as its default "
            "portal user.",
            "async_client": "An ``AsyncBill24Client`` pointed at the Bill24 fake as its "
            "default portal user; its httpx client is closed at teardown.",
        },
        client=f"{__name__}.client:fixture_client",
        async_client=f"{__name__}.async_client:fixture_client",
        contract=f"{__name__}.contract:CONTRACT",
        scenarios=f"{__name__}.scenarios:SCENARIOS",
    )
)
