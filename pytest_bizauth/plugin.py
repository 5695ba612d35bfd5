"""pytest glue: options, the marker and the fixtures. Each fixture builds a public
object, yields it, and checks or resets it afterwards."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import pytest

from ._options import MARKER, OPTIONS, Settings, resolve

if TYPE_CHECKING:
    from collections.abc import Iterator

    import responses

    from .client.bill24 import Bill24Client
    from .client.bizmail import BizMailClient
    from .clock import Clock
    from .concurrency import Race
    from .providers._base import FakeProvider
    from .providers.bill24 import FakeBill24
    from .providers.bizmail import FakeBizMail
    from .tokens import Bill24Tokens, BizMailTokens

_SETTINGS = pytest.StashKey[Settings]()
FakeProviderT = TypeVar("FakeProviderT", bound="FakeProvider")


def pytest_addoption(parser: pytest.Parser) -> None:
    for option in OPTIONS.values():
        parser.addini(option.ini, f"pytest-bizauth: {option.help}", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): configure pytest-bizauth's clock, fakes and clients for this "
        f"test; options: {', '.join(OPTIONS)}. The closest marker wins for each option.",
    )


def _settings(request: pytest.FixtureRequest) -> Settings:
    node: pytest.Item = request.node
    settings = node.stash.get(_SETTINGS, None)
    if settings is None:
        try:
            settings = resolve(node, request.config)
        except (TypeError, ValueError) as exc:
            problem = str(exc)
        else:
            node.stash[_SETTINGS] = settings
            return settings
        pytest.fail(f"pytest-bizauth: {problem}", pytrace=False)
    return settings


def _serve(
    fake: FakeProviderT, mock: responses.RequestsMock, settings: Settings
) -> Iterator[FakeProviderT]:
    """Mount a fake on the shared mock, hand it to the test, check it at teardown."""
    mock.mount(fake)  # type: ignore[attr-defined]
    yield fake
    _verify(fake, settings)


def _verify(fake: FakeProvider, settings: Settings) -> None:
    try:
        fake.verify(
            unmatched=settings["check_unmatched"],
            unused_faults=settings["check_faults"],
            retries=settings["check_retries"],
        )
    except AssertionError as exc:
        raise AssertionError(
            f"{exc}\n\n(pytest-bizauth checks this at teardown; switch a check off for one "
            f"test with @pytest.mark.{MARKER}(check_unmatched=False), check_faults=False or "
            f"check_retries=False, or for the project with the ini options "
            f"{MARKER}_check_unmatched, {MARKER}_check_faults or {MARKER}_check_retries)"
        ) from None


@pytest.fixture
def bizauth_responses() -> Iterator[responses.RequestsMock]:
    """The ``responses.RequestsMock`` every fake registers on; add your own routes to it."""
    from .transport.responses import SharedRequestsMock

    mock = SharedRequestsMock()
    with mock:
        yield mock


@pytest.fixture
def bizauth_clock(request: pytest.FixtureRequest) -> Iterator[Clock]:
    """A frozen clock (no ticking) that the fakes, tokens and clients all read."""
    from .clock import Clock

    start = _settings(request)["start"]
    with Clock() if start is None else Clock(start) as clock:
        yield clock


@pytest.fixture
def bizauth_race(bizauth_clock: Clock) -> Race:
    """Runs a callable on many threads released together, optionally just past a token's
    expiry: ``bizauth_race(client.access_token, threads=32, past=token)``."""
    from .concurrency import Race

    return Race(bizauth_clock)


@pytest.fixture
def bizmail_mock(
    request: pytest.FixtureRequest, bizauth_responses: responses.RequestsMock
) -> Iterator[FakeBizMail]:
    """A stateful BizMail Delivery fake with one default user at ``bizmail_mock.user``."""
    from .providers.bizmail import FakeBizMail
    from .tokens import BIZMAIL_ACCESS_TTL, BIZMAIL_REFRESH_TTL, DEFAULT_BIZMAIL_SECRET

    settings = _settings(request)
    fake = FakeBizMail(
        base_url=settings["bizmail_base_url"],
        secret=settings["bizmail_secret"] or DEFAULT_BIZMAIL_SECRET,
        access_ttl=settings.vendor("bizmail", "access_ttl", BIZMAIL_ACCESS_TTL),
        refresh_ttl=settings.vendor("bizmail", "refresh_ttl", BIZMAIL_REFRESH_TTL),
        single_use_refresh=settings.vendor("bizmail", "single_use_refresh", False),
        rotate_refresh_tokens=settings.vendor("bizmail", "rotate_refresh_tokens", True),
    )
    yield from _serve(fake, bizauth_responses, settings)


@pytest.fixture
def bizmail_tokens(bizmail_mock: FakeBizMail) -> BizMailTokens:
    """Mints tokens that ``bizmail_mock`` accepts (same secret, user and lifetimes)."""
    return bizmail_mock.tokens


@pytest.fixture
def bizmail_client(request: pytest.FixtureRequest, bizmail_mock: FakeBizMail) -> BizMailClient:
    """A real ``BizMailClient`` pointed at ``bizmail_mock`` with its default user."""
    from .client.bizmail import BizMailClient

    user = bizmail_mock.user
    return BizMailClient(
        bizmail_mock.base_url, user.username, user.password, leeway=_settings(request)["leeway"]
    )


@pytest.fixture
def bill24_mock(
    request: pytest.FixtureRequest, bizauth_responses: responses.RequestsMock
) -> Iterator[FakeBill24]:
    """A stateful Bill24 fake with a portal user at ``.user`` and a merchant at ``.merchant``."""
    from .providers.bill24 import FakeBill24
    from .tokens import BILL24_ACCESS_TTL, BILL24_REFRESH_TTL

    settings = _settings(request)
    fake = FakeBill24(
        base_url=settings["bill24_base_url"],
        signing_key=settings["bill24_signing_key"],
        issuer=settings["bill24_issuer"],
        access_ttl=settings.vendor("bill24", "access_ttl", BILL24_ACCESS_TTL),
        refresh_ttl=settings.vendor("bill24", "refresh_ttl", BILL24_REFRESH_TTL),
        single_use_refresh=settings.vendor("bill24", "single_use_refresh", False),
        rotate_refresh_tokens=settings.vendor("bill24", "rotate_refresh_tokens", True),
        error_status=settings["bill24_error_status"],
        schema_spelling=settings["bill24_schema_spelling"],
    )
    yield from _serve(fake, bizauth_responses, settings)


@pytest.fixture
def bill24_tokens(bill24_mock: FakeBill24) -> Bill24Tokens:
    """Mints tokens that ``bill24_mock`` accepts (same key, issuer, accounts, lifetime)."""
    return bill24_mock.tokens


@pytest.fixture
def bill24_client(request: pytest.FixtureRequest, bill24_mock: FakeBill24) -> Bill24Client:
    """A real ``Bill24Client`` pointed at ``bill24_mock`` as its default portal user."""
    from .client.bill24 import Bill24Client

    user = bill24_mock.user
    return Bill24Client.for_portal_user(
        bill24_mock.base_url,
        user.email,
        user.password,
        user.client_id,
        user.secret,
        leeway=_settings(request)["leeway"],
    )
