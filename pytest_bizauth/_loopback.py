"""Which hosts are this machine's loopback: the one rule the guard, the passthrough of
``requests`` to the loopback server, ``bizauth serve``'s control API and ``bizauth
check`` all follow.

A host is loopback when it is exactly ``localhost`` or an IP address in a loopback
range (``127.0.0.0/8``, ``::1``). A name that merely starts like one
(``127.attacker.example``) is not: anyone can point such a name anywhere.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

__all__ = ["LOOPBACK_URL", "is_loopback", "is_loopback_url"]

#: A URL on a loopback host, as a pattern (for APIs that take one, such as
#: ``responses``' passthrough): the same hosts :func:`is_loopback` accepts.
LOOPBACK_URL = re.compile(
    r"https?://(?:localhost\.?|127(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}|\[::1\])"
    r"(?::\d+)?(?:[/?#]|$)",
    re.IGNORECASE,
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address, without a port; brackets allowed) is this
    machine's loopback."""
    host = host.strip().strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    if not host or not (host[0].isdigit() or ":" in host):
        return False  # a name: only "localhost" is loopback (and parsing it costs)
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Whether ``url``'s host is this machine's loopback."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    return host is not None and is_loopback(host)
