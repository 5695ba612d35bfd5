"""``bizauth check``: the command's arguments, its checks of them, and its report."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

from .._loopback import is_loopback_url
from .runner import run

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

__all__ = ["add_parser", "check", "hidden"]

NOTICE = (
    "bizauth check talks to {url} itself: the guard that keeps pytest-bizauth's tests "
    "away from the real vendor does not apply to this command. Credentials come from "
    "the environment and are never printed."
)


def add_parser(commands: Any, vendors: list[str]) -> None:
    parser = commands.add_parser(
        "check",
        help="run a vendor's documented contract against a server and report where it "
        "and the fake differ",
        description="Send the vendor's documented requests to a server (a sandbox, or "
        "bizauth serve) and to the fake, and report every difference: status, JSON keys "
        "and their order, message texts, value types, header names. Exit 0 when they "
        "agree, 1 on any difference, 2 on a usage error.",
    )
    parser.add_argument("--vendor", required=True, choices=vendors)
    parser.add_argument(
        "--base-url", required=True, help="the server; https unless it is a loopback address"
    )
    parser.add_argument("--product", help="Bill24's product: checkout (default) or khqr")
    parser.add_argument(
        "--allow-writes",
        action="store_true",
        help="also create a transaction (Bill24 init and verify write on the vendor's side)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON")
    parser.add_argument(
        "--proxy",
        metavar="URL",
        help="send the requests through this proxy (the environment's proxy settings are "
        "never read: they would carry the credentials to a proxy you did not name)",
    )
    parser.add_argument(
        "--min-interval",
        type=float,
        default=1.0,
        help="seconds between calls to a host that is not loopback (default 1)",
    )


class _Usage(Exception):
    """A mistake in how the command was called."""


def _checked(args: argparse.Namespace, contract: Any, env: Mapping[str, str]) -> dict[str, str]:
    url = str(args.base_url).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise _Usage(f"--base-url must be an http(s) URL, not {args.base_url!r}")
    if not url.startswith("https://") and not is_loopback_url(url):
        raise _Usage(f"--base-url must be https unless it is a loopback address: {url}")
    if args.min_interval < 0 or args.min_interval != args.min_interval:
        raise _Usage("--min-interval must be 0 or more seconds")
    if args.product is not None and args.product not in contract.products:
        choices = ", ".join(contract.products) or "none"
        raise _Usage(f"--product for {args.vendor} is one of: {choices}; not {args.product!r}")
    credentials: dict[str, str] | None = contract.credentials(env)
    if credentials is None:
        raise _Usage(f"set the credentials in the environment: {contract.variables}")
    return credentials


def check(args: argparse.Namespace, specs: Mapping[str, Any]) -> int:
    """Run the check the arguments ask for; the command's exit status."""
    contract = specs[args.vendor].contract_of()
    try:
        credentials = _checked(args, contract, os.environ)
    except _Usage as problem:
        print(f"bizauth check: {problem}", file=sys.stderr, flush=True)
        return 2
    url = str(args.base_url).rstrip("/")
    print(NOTICE.format(url=url), file=sys.stderr, flush=True)
    import requests

    try:
        report = run(
            contract,
            specs[args.vendor].title,
            url,
            credentials,
            product=args.product,
            allow_writes=args.allow_writes,
            min_interval=args.min_interval,
            proxy=args.proxy,
        )
    except requests.RequestException as exc:
        print(f"bizauth check: {url} could not be reached: {type(exc).__name__}", file=sys.stderr)
        return 2
    except (TypeError, ValueError) as exc:  # the credentials cannot make the fake's account
        said = hidden(str(exc).splitlines()[0], credentials)
        print(f"bizauth check: {said}", file=sys.stderr, flush=True)
        return 2
    print(hidden(report.text(), credentials), flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            out.write(hidden(json.dumps(report.as_json(), indent=2), credentials))
    return 0 if report.conformant else 1


def hidden(text: str, credentials: Mapping[str, str]) -> str:
    """``text`` with every configured secret masked, however the server echoed it: as
    it is, and as JSON writes it."""
    from .._redact import mask

    for value in sorted(set(credentials.values()), key=len, reverse=True):
        if len(value) >= 4:
            for form in {value, json.dumps(value)[1:-1]}:
                text = text.replace(form, mask(value))
    return text
