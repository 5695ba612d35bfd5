"""``bizauth serve``: the fakes as real HTTP servers, with the control API under
``/_bizauth/``, for code outside the test process."""

from __future__ import annotations

import dataclasses
import logging
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any, TextIO

from .._redact import scrub_path
from ..core.reasons import fallback
from ..transport.base import NoAnswer

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable, Mapping

    from ..core.fake import FakeProvider
    from ..core.wire import FakeRequest
    from ..extend import Option, VendorSpec
    from ..transport.base import Outcome
    from ..transport.server import ServerPool
    from .tenants import Tenant

__all__ = ["add_parser", "serve"]

#: Options that only mean something inside pytest (fixtures, teardown checks).
_PYTEST_ONLY = frozenset({"leeway", "check_unmatched", "check_faults", "check_retries", "guard"})
#: A served fake's base URL is its server's; a refused webhook fails no test there (it
#: is in GET /_bizauth/webhooks).
_SERVER_SET = frozenset({"base_url", "allow_failed_webhooks"})


def _serve_options(specs: Iterable[VendorSpec]) -> list[Option]:
    """The options a served fake takes: not those of pytest's checks, of the fixtures'
    clients, or those the server sets itself."""
    from ..core.settings import option_fields
    from ..plugin.options import options

    left_out = {f"{spec.name}_{keyword}" for spec in specs for keyword in _SERVER_SET}
    for spec in specs:
        if spec.client_settings is not None:
            left_out |= {f"{spec.name}_{f.name}" for f in option_fields(spec.client_settings)}
    return [
        option
        for name, option in options().items()
        if name not in _PYTEST_ONLY and name not in left_out
    ]


def _serve_switches(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--verbose", action="store_true", help="log one line per request to stderr")
    serve.add_argument(
        "--control-token",
        metavar="TOKEN",
        help="the bearer token the control API requires (default: the environment's "
        "BIZAUTH_CONTROL_TOKEN; on an address that is not loopback, one is made and "
        "printed at start when neither is set)",
    )
    serve.add_argument(
        "--tenant-ttl",
        type=_positive,
        default=3600.0,
        metavar="SECONDS",
        help="drop a tenant idle for this many real seconds (default 3600)",
    )
    serve.add_argument(
        "--max-tenants",
        type=int,
        default=256,
        metavar="N",
        help="at most N tenants live at once; one more is a 429 (default 256; 0: none)",
    )


def _positive(text: str) -> float:
    import argparse

    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def add_parser(commands: Any, specs: Mapping[str, VendorSpec]) -> None:
    """``bizauth serve``'s arguments, on the ``bizauth`` command's subparsers."""
    serve = commands.add_parser(
        "serve",
        help="serve the fakes over HTTP, with a JSON control API under /_bizauth/",
        description="Serve the fakes over HTTP on this machine. Prints one line per fake "
        "(its name and base URL), then the accounts, and serves until SIGINT or SIGTERM. "
        "The clock follows real time until the control API freezes or moves it.",
    )
    names = list(specs)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    ports = ", ".join(f"{spec.name} {spec.port}" for spec in specs.values())
    serve.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"0: any free port for each fake; N: the first fake at N, the next at N+1, ... "
        f"(default: {ports})",
    )
    serve.add_argument(
        "--vendor",
        action="append",
        choices=names,
        help="a fake to serve (repeat for several; default: all)",
    )
    serve.add_argument(
        "--account",
        action="append",
        nargs="+",
        metavar=("VENDOR", "FIELD=VALUE"),
        default=[],
        help="add an account, e.g. --account bizmail username=ops@example.com password=s3cret",
    )
    _serve_switches(serve)
    group = serve.add_argument_group("options of the fakes (as the pytest marker's)")
    for option in _serve_options(specs.values()):
        group.add_argument(
            f"--{option.name.replace('_', '-')}",
            dest=f"option_{option.name}",
            metavar="VALUE",
            help=(
                option.help + (" (freezes the clock there)" if option.name == "start" else "")
            ).replace("%", "%%"),  # argparse formats help with %
        )


def serve(args: argparse.Namespace, specs: Mapping[str, VendorSpec]) -> int:
    """Run ``bizauth serve`` until a signal stops it; returns its exit status."""
    try:
        return _Served(args, specs).run()
    except _StartError as exc:
        print(f"bizauth serve: {exc}", file=sys.stderr, flush=True)
        return 2


class _StartError(Exception):
    """What keeps the server from starting, said to the person who started it."""


def _control_token(args: argparse.Namespace) -> tuple[str | None, bool]:
    """The control API's token (given, from the environment, or made when the server
    listens beyond loopback), and whether it was made here (then printed at start)."""
    import os

    from .._loopback import is_loopback
    from .access import MIN_TOKEN, new_token

    given = args.control_token or os.environ.get("BIZAUTH_CONTROL_TOKEN") or None
    if given is not None and len(given) < MIN_TOKEN:
        raise _StartError(f"a control token must be at least {MIN_TOKEN} characters long")
    if given is None and not is_loopback(str(args.host)):
        return new_token(), True
    return given, False


class _Served:
    """The fakes being served, their servers, their clock and their control API."""

    def __init__(self, args: argparse.Namespace, specs: Mapping[str, VendorSpec]) -> None:
        from ..plugin.options import settle
        from ..transport.server import ServerPool
        from .access import ControlAccess
        from .control import ControlAPI, ServerClock
        from .tenants import Tenants

        chosen = list(dict.fromkeys(args.vendor or specs))
        self.specs = [specs[name] for name in chosen]
        raw = {
            option.name: (value, f"--{option.name.replace('_', '-')}")
            for option in _serve_options(specs.values())
            if (value := getattr(args, f"option_{option.name}")) is not None
        }
        try:
            self.settings = settle(raw)
        except (ValueError, TypeError) as exc:
            raise _StartError(str(exc)) from None
        self.clock = ServerClock(self.settings["start"])
        self.verbose = bool(args.verbose)
        self.out: TextIO = sys.stdout
        self.control_token, self._made_token = _control_token(args)
        self.tenants = Tenants(
            self._tenant_fakes,
            ttl=args.tenant_ttl,
            limit=args.max_tenants,
            start=self.settings["start"],
        )
        self.pool: ServerPool = ServerPool(
            args.host,
            control=ControlAPI(
                self.clock, self._reset, ControlAccess(self.control_token), self.tenants
            ),
            on_request=self._log if self.verbose else None,
            router=self.tenants.route,
        )
        self.host = args.host
        self.port: int | None = args.port
        self.accounts: list[list[str]] = args.account
        self.fakes: dict[str, FakeProvider] = {}
        self.urls: dict[str, str] = {}

    def _build(self, spec: VendorSpec, base_url: str) -> FakeProvider:
        try:
            settings = dataclasses.replace(self.settings.for_vendor(spec), base_url=base_url)
            fake = spec.fake_class()(settings)
        except (ValueError, TypeError) as exc:
            raise _StartError(f"{spec.name}: {exc}") from None
        fake.max_calls = self.settings["max_calls"] or None
        return fake

    def _tenant_fakes(self, tenant: Tenant) -> dict[str, FakeProvider]:
        """A tenant's fakes: each vendor's, at the server's URL under the tenant's prefix,
        with accounts of the tenant's own, reading the tenant's clock."""
        from .tenants import PREFIX

        made = {}
        with tenant.reading():
            for spec in self.specs:
                url = f"{self.urls[spec.name]}{PREFIX}{tenant.id}"
                kind = spec.fake_class()
                settings = dataclasses.replace(self.settings.for_vendor(spec), base_url=url)
                fake = kind(kind.tenant_settings(settings, tenant.seed))
                fake.max_calls = self.settings["max_calls"] or None
                made[spec.name] = fake
        return made

    def _fresh(self, spec: VendorSpec, url: str) -> FakeProvider:
        """A new fake of ``spec`` at ``url``, with the command line's accounts."""
        fake = self._build(spec, url)
        for vendor, *pairs in self.accounts:
            if vendor == spec.name:
                self._add_account(fake, vendor, pairs)
        return fake

    def _start(self) -> None:
        served = {spec.name for spec in self.specs}
        for vendor, *_ in self.accounts:
            if vendor not in served:
                raise _StartError(f"--account names {vendor!r}, which is not served")
        for index, spec in enumerate(self.specs):
            port = spec.port if self.port is None else (self.port + index if self.port else 0)
            placeholder = self._build(spec, f"http://{self.host}:{port}")
            try:
                url = self.pool.url_for(placeholder, port)
            except OSError as exc:
                raise _StartError(
                    f"cannot listen on {self.host}:{port} for {spec.name} ({exc.strerror}); "
                    "pick other ports with --port N, or --port 0 for any free ones"
                ) from None
            fake = self._fresh(spec, url)
            self.pool.rebind(placeholder, fake)
            self.fakes[spec.name], self.urls[spec.name] = fake, url

    @staticmethod
    def _add_account(fake: FakeProvider, vendor: str, pairs: list[str]) -> None:
        fields = {}
        for pair in pairs:
            name, sep, value = pair.partition("=")
            if not sep or not name:
                raise _StartError(f"--account takes FIELD=VALUE pairs, not {pair!r}")
            fields[name] = value
        try:
            fake.add_account(fields)
        except (ValueError, TypeError, KeyError) as exc:
            raise _StartError(f"--account {vendor}: {exc}") from None

    def _reset(self, old: FakeProvider) -> None:
        for spec in self.specs:
            if self.fakes.get(spec.name) is old:
                new = self.fakes[spec.name] = self._fresh(spec, self.urls[spec.name])
                self.pool.rebind(old, new)

    def _announce(self) -> None:
        lines = [f"{name} {url}" for name, url in self.urls.items()]
        described = []
        for name, fake in self.fakes.items():
            hidden = {"kind"} | fake.hidden_fields | fake.token_fields
            for account in fake.accounts():
                shown = next((f"{k}={v}" for k, v in account.items() if k not in hidden), "")
                described.append(f"{name} {account['kind']} {shown}")
        where = ", ".join(f"GET {url}/_bizauth/accounts" for url in self.urls.values())
        lines.append(f"accounts: {'; '.join(described)} (credentials: {where})")
        if self._made_token:
            lines.insert(len(self.urls), f"control token: {self.control_token}")
        print("\n".join(lines), file=self.out, flush=True)

    def _log(self, fake: FakeProvider, request: FakeRequest, outcome: Outcome) -> None:
        name = next((n for n, f in self.fakes.items() if type(f) is type(fake)), fake.vendor)
        why: str | None
        if isinstance(outcome, NoAnswer):
            shown = "404" if outcome.unserved else outcome.kind.value
            why = fake.near_miss(request.method, request.path) if outcome.unserved else None
        else:
            shown, why = str(outcome.status), fallback(outcome)
        path = scrub_path(request.path)
        line = f"{name} {request.method} {path} -> {shown}" + (f" ({why})" if why else "")
        print(line, file=sys.stderr, flush=True)

    def run(self) -> int:
        stop = threading.Event()
        # Under load requests wait for a thread, and waitress warns of each one queued:
        # a line per request on stderr. --verbose says what each request did instead.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            self._announce()
            while not stop.wait(0.1):
                pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.close()
        return 0

    def close(self) -> None:
        self.pool.close()
        self.clock.close()
