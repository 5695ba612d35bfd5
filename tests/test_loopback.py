"""One rule for what is loopback, used by the guard, the passthrough of ``requests``,
the control API and ``bizauth check``: exact names and addresses, never a lookalike."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from pytest_bizauth._loopback import LOOPBACK_URL, is_loopback, is_loopback_url
from pytest_bizauth.transport.guard import Guard

LOOPBACK = ["localhost", "LOCALHOST", "localhost.", "127.0.0.1", "127.1.2.3", "::1", "[::1]"]
NOT_LOOPBACK = [
    "127.attacker.example",
    "localhost.attacker.example",
    "127.0.0.1.nip.io",
    "example.com",
    "10.0.0.1",
    "127.1",
    "",
]


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_names_and_addresses(host):
    assert is_loopback(host)
    assert is_loopback_url(f"http://{host if ':' not in host.strip('[]') else '[::1]'}:8001/x")


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_a_lookalike_is_not_loopback(host):
    assert not is_loopback(host)
    assert not is_loopback_url(f"http://{host}:8001/x")
    assert not LOOPBACK_URL.match(f"http://{host}:8001/x")


def test_the_guard_guards_a_lookalike_and_never_loopback():
    guard = Guard()
    for host in [*LOOPBACK, "127.attacker.example"]:
        guard.add(host, "Vendor")
    assert list(guard.hosts) == ["127.attacker.example"]


_LABEL = st.one_of(
    st.sampled_from(["127", "0", "1", "255", "256", "localhost", "attacker", "example"]),
    st.from_regex(r"[a-z0-9]{1,4}", fullmatch=True),
    st.sampled_from(["01", "00", "127.0.0.01", "LocalHost"]),
)


@given(st.lists(_LABEL, min_size=1, max_size=5).map(".".join), st.sampled_from(["", ":80"]))
def test_the_url_pattern_and_the_rule_agree(host, port):
    url = f"http://{host}{port}/path"
    assert bool(LOOPBACK_URL.match(url)) == is_loopback_url(url)
