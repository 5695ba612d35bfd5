"""pytest glue: options, the marker and the fixtures. Each fixture builds a public
object, yields it, and checks or resets it afterwards. Every registered vendor gets
``<vendor>_mock``, ``<vendor>_tokens`` and ``<vendor>_client`` from its spec."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable

import pytest

from .. import vendors  # noqa: F401  (registers the built-in vendors)
from .._messages import teardown_check
from ..extend import register, registered
from . import summary
from .options import CONFIGURATION_URL, MARKER, Option, Settings, ini_type, options, unknown_ini
from .remote import SERVE_INI
from .state import (
    CURRENT,
    STATE,
    current_test,
    end_of_session,
    of_test,
    responses_mock,
    session_pool,
    settings_for,
    stop_responses,
    transports,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, MutableMapping

    import responses

    from ..clock import Clock
    from ..concurrency import Race
    from ..core.fake import FakeProvider
    from ..extend import VendorSpec
    from ..serve.control import ServerClock
    from ..transport.server import LoopbackServer, ServerPool
    from .remote import ServedTenant

__all__ = ["install_vendor", "vendor_fixtures"]


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    reset = CURRENT.set(item)
    try:
        yield
    finally:
        CURRENT.reset(reset)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Forget the test's state once its teardown is over."""
    if STATE in item.stash:
        del item.stash[STATE]


def pytest_assertrepr_compare(op: str, left: object, right: object) -> list[str] | None:
    """A comparison of credentials (the clients' tokens, a fake's passwords) explained
    with them masked: pytest's own diff would print them whole."""
    from .._redact import Secret

    if not isinstance(left, Secret) and not isinstance(right, Secret):
        return None
    return [
        f"{left!r} {op} {right!r}",
        "(pytest-bizauth holds these as credentials: shown masked, never diffed)",
    ]


def pytest_addoption(parser: pytest.Parser) -> None:
    for option in options().values():
        _add_ini(parser, option)
    summary.add_options(parser)
    parser.addini(
        SERVE_INI[0],
        "pytest-bizauth: the base URL of a fake of a running bizauth serve, for bizauth_tenant",
        default="",
    )
    parser.addini(
        SERVE_INI[1],
        "pytest-bizauth: that server's control token (else the environment's "
        "BIZAUTH_CONTROL_TOKEN)",
        default="",
    )


def _add_ini(parser: pytest.Parser, option: Option) -> None:
    # Unset reads as None (or [] before pytest 8), and the option's own default applies.
    parser.addini(option.ini, f"pytest-bizauth: {option.help}", type=ini_type(option), default=None)


def pytest_configure(config: pytest.Config) -> None:
    problems = unknown_ini(config)
    if problems:
        raise pytest.UsageError("pytest-bizauth: " + "; ".join(problems))
    summary.configure(config)
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): configure pytest-bizauth's clock, fakes and clients for this "
        f"test (the closest marker wins for each option); the options: {CONFIGURATION_URL}",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    end_of_session(config)


def pytest_sessionfinish(session: pytest.Session) -> None:
    summary.worker_output(session.config)
    summary.check_required(session)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    summary.summary(terminalreporter, config)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist: a worker finished; merge what its tests did with the fakes."""
    summary.merge_worker(node.config, node)


def _verify(fake: FakeProvider, settings: Settings, spec: VendorSpec) -> None:
    __tracebackhide__ = True
    general = fake.problems(
        unmatched=settings["check_unmatched"],
        unused_faults=settings["check_faults"],
        retries=settings["check_retries"],
    )
    option = f"{spec.name}_allow_failed_webhooks"
    allow = f"@pytest.mark.{MARKER}({option}=True), or the ini option {MARKER}_{option}"
    problems = [teardown_check("\n\n".join(general), MARKER)] if general else []
    problems += fake.webhook_problems(allow)
    if problems:
        raise AssertionError("\n\n".join(problems))


@pytest.fixture
def bizauth_responses() -> Iterator[responses.RequestsMock]:
    """The ``responses.RequestsMock`` every fake registers on; add your own routes to it."""
    node = current_test()
    mock, made = responses_mock(node)
    yield mock
    if made:
        stop_responses(node, mock)


@pytest.fixture(scope="session")
def _bizauth_server_pool() -> Iterator[tuple[ServerPool, ServerClock]]:
    from ..serve.control import in_test_control
    from ..transport.server import ServerPool

    control, clock = in_test_control()
    pool = ServerPool(control=control)
    yield pool, clock
    pool.close()


@pytest.fixture
def bizauth_server(
    _bizauth_server_pool: tuple[ServerPool, ServerClock],
) -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1 for clients no in-process transport reaches:
    ``bizauth_server.url_for(<vendor>_mock)`` serves that fake at the vendor's paths,
    with ``bizauth serve``'s control API under ``/_bizauth/``."""
    from ..transport.server import LoopbackServer

    pool, clock = _bizauth_server_pool
    server = LoopbackServer(pool)
    yield server
    clock.close()  # a clock the control API froze stops with the test
    server.stop()
    server.verify()


@pytest.fixture
def bizauth_clock() -> Iterator[Clock]:
    """A frozen clock (no ticking) that the fakes, tokens and clients all read."""
    from ..clock import DEFAULT_START, Clock

    node = current_test()
    settings = settings_for(node)
    # The clock asks this test's fakes, and only them, about their opaque tokens.
    sources = of_test(node).fakes
    backend = settings["clock_backend"]
    start = DEFAULT_START if settings["start"] is None else settings["start"]
    loop_time = settings["loop_time"]
    with Clock(start, expiry_sources=sources, backend=backend, loop_time=loop_time) as clock:
        yield clock


@pytest.fixture
def bizauth_tenant(request: pytest.FixtureRequest) -> Iterator[ServedTenant]:
    """A tenant of the running ``bizauth serve`` the ini option ``bizauth_serve_url``
    names, for this test only: ``bizauth_tenant.<vendor>`` drives its fakes over the
    control API (``pay``, ``deliver``, faults, ``webhooks``, the assertions),
    ``bizauth_tenant.clock`` its clock, ``bizauth_tenant.urls`` their base URLs."""
    from .remote import served_tenant

    tenant, remove = served_tenant(request.config)
    yield tenant
    remove()


@pytest.fixture
def bizauth_race(bizauth_clock: Clock) -> Race:
    """Runs a callable on many threads released together, optionally just past a token's
    expiry: ``bizauth_race(client.access_token, threads=32, past=token)``."""
    from ..concurrency import Race

    return Race(bizauth_clock)


def _with_arguments(fn: Callable[..., Any], *names: str) -> Callable[..., Any]:
    """``fn(**fixtures)`` declared to take the fixtures ``names``, as pytest reads it."""
    fn.__dict__["__signature__"] = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in names]
    )
    return fn


def _needs_httpx(fixture: str) -> None:
    from ..transport.base import available

    if not available("httpx"):
        pytest.fail(
            f"pytest-bizauth: {fixture} needs httpx: pip install 'pytest-bizauth[httpx]'",
            pytrace=False,
        )


def vendor_fixtures(spec: VendorSpec) -> dict[str, Any]:
    """The fixtures of one vendor: ``<name>_mock``, ``<name>_tokens`` and, when the spec
    has clients, ``<name>_client`` and ``<name>_async_client``."""
    mock_name = f"{spec.name}_mock"

    def mock(**fixtures: Any) -> Iterator[FakeProvider]:
        node = current_test()
        settings = settings_for(node)
        fake = spec.fake_class()(settings.for_vendor(spec))
        fake.max_calls = settings["max_calls"] or None
        transports(node, settings).mount(fake, spec.hosts)
        of_test(node).fakes.append(fake)
        yield fake
        summary.record(node, spec, fake)
        _verify(fake, settings, spec)

    def tokens(**fixtures: Any) -> Any:
        return fixtures[mock_name].tokens

    made: dict[str, Any] = {
        mock_name: _with_arguments(mock),
        f"{spec.name}_tokens": _with_arguments(tokens, mock_name),
        **_client_fixtures(spec, mock_name),
    }
    fixtures = {}
    for name, fn in made.items():
        fn.__name__ = fn.__qualname__ = name
        fn.__doc__ = spec.docs.get(name[len(spec.name) + 1 :], "")
        fixtures[name] = pytest.fixture(name=name)(fn)
    return fixtures


def _client_fixtures(spec: VendorSpec, mock_name: str) -> dict[str, Any]:
    """``<name>_client`` and ``<name>_async_client``, for the clients the spec has."""

    def client(**fixtures: Any) -> Iterator[Any]:
        build = spec.client_builder()
        assert build is not None
        node = current_test()
        settings = settings_for(node)
        pool = session_pool(node.config)
        with pool.lending():  # a session made once, lent from test to test
            built = build(fixtures[mock_name], settings["leeway"], **settings.for_client(spec))
        session = getattr(built, "session", None)
        if session is not None:
            # It talks to a fake only: no proxy or netrc settings to read from the
            # environment, which costs more than the fake's answer.
            session.trust_env = False
        yield built
        pool.give_back(session)

    def async_client(**fixtures: Any) -> Iterator[Any]:
        _needs_httpx(f"{spec.name}_async_client")
        build = spec.client_builder(asynchronous=True)
        assert build is not None
        settings = settings_for(current_test())
        built = build(fixtures[mock_name], settings["leeway"], **settings.for_client(spec))
        built.trust_env = False  # it talks to a fake only, as the sync fixture client
        yield built
        built.close_outside_loop()

    made = {}
    if spec.client is not None:
        made[f"{spec.name}_client"] = _with_arguments(client, mock_name)
    if spec.async_client is not None:
        made[f"{spec.name}_async_client"] = _with_arguments(async_client, mock_name)
    return made


def install_vendor(spec: VendorSpec, namespace: MutableMapping[str, object]) -> None:
    """Register a vendor and define its fixtures and ini options in ``namespace`` (a
    ``conftest.py``'s or plugin module's globals)."""
    register(spec)
    namespace.update(vendor_fixtures(spec))

    def pytest_addoption(parser: pytest.Parser) -> None:
        for option in spec.options:
            _add_ini(parser, option)

    namespace["pytest_addoption"] = pytest_addoption


for _spec in registered():
    globals().update(vendor_fixtures(_spec))
