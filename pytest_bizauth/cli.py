"""The ``bizauth`` command: ``bizauth serve`` runs the fakes as real HTTP servers, with
the control API under ``/_bizauth/``, for code outside the test process; ``bizauth
check`` runs a vendor's contract against a server and reports where it and the fake
differ; ``bizauth ctl`` drives a running server's control API from a shell;
``bizauth scenarios`` prints each vendor's catalogue of scenarios."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .extend import VendorSpec

__all__ = ["main"]


def vendor_specs() -> dict[str, VendorSpec]:
    """Every registered vendor by name, in the order of their default ports."""
    from . import vendors  # noqa: F401  (registers the vendors)
    from .extend import registered

    ordered = sorted(registered(), key=lambda spec: (spec.port or 65_536, spec.name))
    return {spec.name: spec for spec in ordered}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``bizauth`` command; returns its exit status."""
    from .check.cli import add_parser as add_check, check
    from .serve.command import add_parser as add_serve, serve
    from .serve.ctl import add_parser as add_ctl, ctl

    specs = vendor_specs()
    parser = argparse.ArgumentParser(
        prog="bizauth",
        description="pytest-bizauth's fakes of the vendors' APIs, outside pytest.",
    )
    commands = parser.add_subparsers(dest="command", metavar="command")
    add_serve(commands, specs)
    add_check(commands, [name for name, spec in specs.items() if spec.contract])
    add_ctl(commands)
    listing = commands.add_parser(
        "scenarios",
        help="print each vendor's scenarios, one line each",
        description="The scenarios a suite may exercise against each fake, as "
        "bizauth_require_scenarios names them (<vendor>.<scenario>).",
    )
    listing.add_argument("vendor", nargs="*", help=f"only these vendors: {', '.join(specs)}")
    args = parser.parse_args(argv)
    if args.command == "ctl":
        return ctl(args)
    if args.command == "scenarios":
        unknown = [name for name in args.vendor if name not in specs]
        if unknown:
            listing.error(f"no vendor {', '.join(unknown)}; choose from {', '.join(specs)}")
        return scenarios([specs[name] for name in args.vendor or specs])
    if args.command == "check":
        return check(args, specs)
    if args.command == "serve":
        return serve(args, specs)
    parser.print_help(sys.stderr)
    return 2


def scenarios(specs: Sequence[VendorSpec]) -> int:
    """Print the vendors' scenario catalogues."""
    for spec in specs:
        for scenario in spec.scenario_catalogue():
            name = f"{spec.name}.{scenario.name}"
            print(f"{name:<36} {scenario.description}")
    return 0
