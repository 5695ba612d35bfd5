"""A third vendor, defined only here and only with ``pytest_bizauth.extend``, to prove
that adding one touches no shared code.

Acme has a login, a refresh and one protected endpoint; its tokens are opaque.
"""

from __future__ import annotations

from typing import Any

from pytest_bizauth.extend import Option, VendorSpec, parse_url, per_vendor

BASE_URL = "https://api.acme.test"
ACCESS_TTL = 600
REFRESH_TTL = 3600


def _client(fake: Any, leeway: float) -> Any:
    from .client import AcmeClient

    return AcmeClient(fake.base_url, leeway=leeway)


SPEC = VendorSpec(
    name="acme",
    title="Acme",
    fake="third_vendor.fake:FakeAcme",
    options=(
        Option("acme_base_url", parse_url, BASE_URL, "where the Acme fake listens"),
        *per_vendor("acme", "Acme", access_ttl=ACCESS_TTL, refresh_ttl=REFRESH_TTL),
    ),
    client=_client,
    hosts=("api.acme.test",),
    docs={"mock": "The Acme fake."},
)
