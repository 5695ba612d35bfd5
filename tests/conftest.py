from __future__ import annotations

import contextlib
import datetime as dt

import pytest

import pytest_bizauth
from pytest_bizauth.clock import Clock

# pytester's in-process runs forget modules first imported inside them; importing every
# public name here keeps one copy of each class for the outer and the inner runs.
for _name in pytest_bizauth.__all__:
    with contextlib.suppress(ImportError):  # the async clients, without the httpx extra
        getattr(pytest_bizauth, _name)
import pytest_bizauth.transport.responses  # noqa: E402

# The same for what signing and verifying import on first use (cryptography's bindings
# keep references to the classes they first saw): sign and verify once, out here.
pytest_bizauth.Bill24Tokens().decode(pytest_bizauth.Bill24Tokens().access())

EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
EPOCH_TS = int(EPOCH.timestamp())
DAY = 86_400
NINETY_DAYS = 90 * DAY

# Options every pytester run gets, so the inner run sees only what a test asks for.
QUIET_PLUGINS = (
    "-p",
    "no:randomly",
    "-p",
    "no:pytest-responses",
    "-p",
    "no:freezer",
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:asyncio",
)


@pytest.fixture
def frozen() -> Clock:
    """A clock frozen at EPOCH, for tests of the rules that do not go through fixtures."""
    with Clock(EPOCH) as clock:
        yield clock


@pytest.fixture(autouse=True)
def _garbage_of_earlier_tests_collected_before_an_inner_run(request):
    """An inner pytest run turns warnings into errors: garbage an earlier test of this
    process left in a reference cycle (a socket, say) is collected before it starts, so
    that its ResourceWarning is reported against the outer run, not as the inner test's
    failure."""
    if "pytester" in request.fixturenames:
        import gc

        gc.collect()
