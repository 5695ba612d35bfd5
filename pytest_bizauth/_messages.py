"""What the shared code tells a user, in one place: teardown checks, the guard, a path
no fake serves, an injected network fault. Each vendor's own texts (its documented
bodies) live in its ``api`` module."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "guarded_host",
    "injected_fault",
    "loopback_hint",
    "no_endpoint",
    "refused_connection",
    "teardown_check",
    "unfired_faults",
    "unmatched_requests",
    "unretried_expiry",
]


def teardown_check(problem: str, marker: str) -> str:
    """A check the fixtures make at teardown failed: what, and how to switch it off."""
    return (
        f"{problem}\n\n(pytest-bizauth checks this at teardown; switch a check off for one "
        f"test with @pytest.mark.{marker}(check_unmatched=False), check_faults=False or "
        f"check_retries=False, or for the project with the ini options "
        f"{marker}_check_unmatched, {marker}_check_faults or {marker}_check_retries)"
    )


def unmatched_requests(vendor: str, base_url: str, requests: list[str], routes: list[str]) -> str:
    listed = "\n".join(f"  - {r}" for r in requests)
    served = "\n".join(f"  - {r}" for r in routes)
    return (
        f"{len(requests)} request(s) to the {vendor} fake at {base_url} matched no "
        f"endpoint:\n{listed}\nIt serves:\n{served}"
    )


def unfired_faults(vendor: str, pending: Mapping[str, Iterable[str]]) -> str:
    listed = "\n".join(f"  - {k}: {', '.join(v)}" for k, v in pending.items())
    return (
        f"fault(s) injected into the {vendor} fake never fired:\n{listed}\n"
        "The code under test never reached that endpoint; remove the fault, or call "
        "clear_faults() when not firing is expected"
    )


def unretried_expiry(method: str, endpoint: str, at: str) -> str:
    return (
        f"{method} {endpoint} refused an expired token at {at}, and the code under test "
        "never renewed the token and tried again"
    )


def no_endpoint(vendor: str, method: str, path: str, routes: Iterable[str]) -> str:
    """That a fake serves no such endpoint, and the endpoints it does serve."""
    served = "\n".join(f"- {r}" for r in routes)
    return f"the {vendor} fake has no endpoint {method} {path}.\nIt serves:\n{served}"


def refused_connection(base_url: str, why: str) -> str:
    return f"Connection refused by pytest-bizauth at {base_url}: {why}"


def injected_fault(failure: str, method: str, path: str) -> str:
    return f"{failure} (injected by pytest-bizauth into {method} {path})"


def loopback_hint(library: str, fixture: str) -> str:
    return (
        f"pytest-bizauth cannot reach into {library} in-process: send it to the loopback "
        f"server instead, with the one-line change base_url = bizauth_server.url_for({fixture})"
    )


def guarded_host(host: str, vendor: str, how: str) -> str:
    return (
        f"pytest-bizauth stopped a connection to {host}, the real {vendor} host, while "
        f"the {vendor} fake is active. {how}. For a deliberate live test, switch the "
        "guard off with @pytest.mark.bizauth(guard=False) or the ini option "
        "bizauth_guard = false."
    )
