"""A third vendor, defined only here and only with ``pytest_bizauth.extend``, to prove
that adding one touches no shared code.

Acme has a login, a refresh and one protected endpoint; its tokens are opaque.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pytest_bizauth.extend import (
    VendorSettings,
    VendorSpec,
    option,
    parse_bool,
    parse_seconds,
    parse_url,
)

BASE_URL = "https://api.acme.test"
ACCESS_TTL = 600
REFRESH_TTL = 3600


@dataclass(frozen=True)
class AcmeSettings(VendorSettings):
    """Acme's fake: each field is also the option ``acme_<field>``."""

    base_url: str = option(BASE_URL, parse_url, "where the Acme fake listens")
    access_ttl: int = option(
        ACCESS_TTL, parse_seconds, "Acme access-token lifetime in whole seconds"
    )
    refresh_ttl: int = option(
        REFRESH_TTL, parse_seconds, "Acme refresh-token lifetime in whole seconds"
    )
    single_use_refresh: bool = option(False, parse_bool, "Acme refresh tokens can be used once")
    rotate_refresh_tokens: bool = option(True, parse_bool, "a refresh answers a new one")


def _client(fake: Any, leeway: float) -> Any:
    from .client import AcmeClient

    return AcmeClient(fake.base_url, leeway=leeway)


SPEC = VendorSpec(
    name="acme",
    title="Acme",
    fake="third_vendor.fake:FakeAcme",
    settings=AcmeSettings,
    client=_client,
    hosts=("api.acme.test",),
    docs={"mock": "The Acme fake."},
)
