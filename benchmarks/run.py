"""Speed of pytest-bizauth, as ratios against the peers a user would pick instead.

    python benchmarks/run.py [--tests 300] [--rounds 5]

Each suite is a generated test file. A round is one pytest process running every suite,
their tests interleaved (one of each in turn; see ``timing.py``), each test timed inside
the process (setup, call and teardown, as pytest measures them). A figure is a ratio of
per-test medians above an empty test's: ``(subject - bare) / (peer - bare)``, one per
round; it is reported as the range over the rounds and their median. A test is charged
for the garbage collections its own allocations set off, and the report says how many a
test of each suite sets off (see ``timing.py``). Whole-process
timings swing by a third on a shared machine; interleaved per-test medians do not. The
plugin's import cost is the one whole-process figure.

Beside a figure whose subject test asks pytest for fixtures, pytest's own floor: the
peer's time plus that of a test asking for as many empty fixtures, over the peer's. What
pytest spends setting up and tearing down a fixture is paid by any plugin's; a target
below the floor cannot be met by a fixture at all.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMMON = [
    "-q",
    "-p",
    "no:randomly",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:pytest-responses",
    "-p",
    "timing",
]
TOKEN_URL = "https://smtp-api.bizfly.vn/api/1.0/auth/token"
LOGIN = "json={'username': 'bizauth-user@example.com', 'password': 'correct-horse-battery'}"
ANSWER = "{'access_token': 'x', 'refresh_token': 'y', 'expires_in': 86400}"
_JOURNEY = (
    "def test_it(i, bizmail_client, bizmail_mock, bizauth_clock):\n"
    "    first = bizmail_client.access_token()\n"
    "    bizauth_clock.travel_past(first)\n"
    "    assert bizmail_client.access_token() != first\n"
    "    bizmail_mock.assert_logged_in(times=1)\n"
    "    bizmail_mock.assert_refreshed(times=1)\n"
)

BILL24_URL = "https://merchantapi-demo.bill24.io"
# The merchant's webhook handler both payment journeys deliver to (a WSGI app).
_SHOP = (
    "import pytest\n\n"
    "def shop(environ, start_response):\n"
    "    environ['wsgi.input'].read()\n"
    "    start_response('200 OK', [('Content-Type', 'application/json')])\n"
    '    return [b\'{"status": "Success", "message": "SUCCESS"}\']\n\n'
)

#: Empty fixtures, as many as a subject test asks pytest for: what pytest itself costs
#: per fixture, whoever writes it.
CONFTEST = """import pytest

@pytest.fixture
def empty_1():
    yield

@pytest.fixture
def empty_2(empty_1):
    return None

@pytest.fixture
def empty_3():
    yield
"""

SUITES = {
    "bare": "def test_it(i):\n    pass\n",
    "two_empty_fixtures": "def test_it(i, empty_2):\n    pass\n",
    "three_empty_fixtures": "def test_it(i, empty_2, empty_1, empty_3):\n    pass\n",
    "session_route": (
        "import requests, responses\n\n"
        "def test_it(i):\n"
        "    session = requests.Session()\n"
        "    session.trust_env = False  # as the fixture client's session\n"
        "    with responses.RequestsMock() as mock:\n"
        f"        mock.post('{TOKEN_URL}', json={ANSWER})\n"
        f"        session.post('{TOKEN_URL}', {LOGIN}, timeout=5)\n"
    ),
    "bizmail_login": "def test_it(i, bizmail_client):\n    bizmail_client.access_token()\n",
    "bill24_login": "def test_it(i, bill24_client):\n    bill24_client.access_token()\n",
    "bizauth_clock": "def test_it(i, bizauth_clock):\n    pass\n",
    "time_machine": "def test_it(i, time_machine):\n    time_machine.move_to(0, tick=False)\n",
    "httpx_login": (
        "import httpx\n\n"
        "CLIENT = httpx.Client()  # one per module: the CA bundle loads once\n\n"
        "def test_it(i, bizmail_mock):\n"
        f"    assert CLIENT.post('{TOKEN_URL}', {LOGIN}).status_code == 200\n"
    ),
    "async_by_hand": (
        "import asyncio, httpx, respx\n\n"
        "CLIENT = httpx.AsyncClient()\n\n"
        "def test_it(i):\n"
        "    with respx.mock() as router:\n"
        f"        router.post('{TOKEN_URL}').respond(json={ANSWER})\n"
        f"        asyncio.run(CLIENT.post('{TOKEN_URL}', {LOGIN}))\n"
    ),
    "httpx_mock_static": (
        "import httpx\n\n"
        "CLIENT = httpx.Client()  # one per module: the CA bundle loads once\n\n"
        "def test_it(i, httpx_mock):\n"
        f"    httpx_mock.add_response(url='{TOKEN_URL}', json={ANSWER})\n"
        f"    assert CLIENT.post('{TOKEN_URL}', {LOGIN}).status_code == 200\n"
    ),
    "journey_time_machine": (
        "import datetime as dt, requests, responses, time_machine\n\n"
        f"REFRESH_URL = '{TOKEN_URL}'.replace('/token', '/refresh')\n\n"
        "def test_it(i):\n"
        "    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)\n"
        "    session = requests.Session()\n"
        "    session.trust_env = False\n"
        "    with time_machine.travel(start, tick=False) as traveller, "
        "responses.RequestsMock() as mock:\n"
        f"        mock.post('{TOKEN_URL}', json={ANSWER})\n"
        f"        mock.post(REFRESH_URL, json={ANSWER})\n"
        f"        first = session.post('{TOKEN_URL}', {LOGIN}, timeout=5).json()\n"
        "        traveller.shift(86_401)\n"
        "        session.post(REFRESH_URL, json={'refresh_token': first['refresh_token']},\n"
        "                     timeout=5)\n"
        "        assert [c.request.url for c in mock.calls] == [\n"
        f"            '{TOKEN_URL}', REFRESH_URL]\n"
    ),
    "journey_freezegun": (
        "import requests, responses\nfrom freezegun import freeze_time\n\n"
        f"REFRESH_URL = '{TOKEN_URL}'.replace('/token', '/refresh')\n\n"
        "def test_it(i):\n"
        "    session = requests.Session()\n"
        "    session.trust_env = False\n"
        "    with freeze_time('2025-01-01') as frozen, responses.RequestsMock() as mock:\n"
        f"        mock.post('{TOKEN_URL}', json={ANSWER})\n"
        f"        mock.post(REFRESH_URL, json={ANSWER})\n"
        f"        first = session.post('{TOKEN_URL}', {LOGIN}, timeout=5).json()\n"
        "        frozen.tick(86_401)\n"
        "        session.post(REFRESH_URL, json={'refresh_token': first['refresh_token']},\n"
        "                     timeout=5)\n"
        "        assert [c.request.url for c in mock.calls] == [\n"
        f"            '{TOKEN_URL}', REFRESH_URL]\n"
    ),
    "async_login": (
        "import asyncio\n\n"
        "def test_it(i, bizmail_async_client):\n"
        "    asyncio.run(bizmail_async_client.access_token())\n"
    ),
    "httpserver_static": (
        "import requests\n\n"
        "def test_it(i, httpserver):\n"
        f"    httpserver.expect_request('/api/1.0/auth/token').respond_with_json({ANSWER})\n"
        "    requests.post(httpserver.url_for('/api/1.0/auth/token'), "
        f"{LOGIN}, timeout=5)\n"
    ),
    "server_login": (
        "import requests\n\n"
        "def test_it(i, bizauth_server, bizmail_mock):\n"
        "    url = bizauth_server.url_for(bizmail_mock) + '/api/1.0/auth/token'\n"
        f"    assert requests.post(url, {LOGIN}, timeout=5).status_code == 200\n"
    ),
    "journey": _JOURNEY,
    "journey_tm_backend": (
        "import pytest\n\n@pytest.mark.bizauth(clock_backend='time-machine')\n" + _JOURNEY
    ),
    "aiohttp_login": (
        "import asyncio, aiohttp\n\n"
        "def test_it(i, bizmail_mock):\n"
        "    async def login():\n"
        "        async with aiohttp.ClientSession() as session:\n"
        f"            async with session.post('{TOKEN_URL}', {LOGIN}) as answer:\n"
        "                assert answer.status == 200\n"
        "    asyncio.run(login())\n"
    ),
    "aiohttp_server_login": (
        "import asyncio, aiohttp\n\n"
        "def test_it(i, bizauth_server, bizmail_mock):\n"
        "    url = bizauth_server.url_for(bizmail_mock) + '/api/1.0/auth/token'\n"
        "    async def login():\n"
        "        async with aiohttp.ClientSession() as session:\n"
        f"            async with session.post(url, {LOGIN}) as answer:\n"
        "                assert answer.status == 200\n"
        "    asyncio.run(login())\n"
    ),
    "payment_journey": (
        _SHOP + "@pytest.mark.bizauth(bill24_login='merchant')\n"
        "def test_it(i, bill24_client, bill24_mock):\n"
        "    bill24_mock.deliver_webhooks_to(shop)\n"
        "    bill24_client.init_checkout(identity_code='INV-1', purpose_of_transaction='P',\n"
        "        currency='KHR', amount=10000, customers=[{'amount': 10000}],\n"
        "        redirect_url='https://shop.example.com/done')\n"
        "    bill24_mock.pay('INV-1')\n"
        "    found = bill24_client.verify_transaction(identity_code='INV-1',\n"
        "                                             purpose_of_transaction='P')\n"
        "    assert found['data']['status'] == 'success'\n"
    ),
    "payment_by_hand": (
        _SHOP + "import requests, responses\nfrom werkzeug.test import Client\n\n"
        f"BASE = '{BILL24_URL}'\n"
        f"AUTHORIZED = {{'code': 200, 'message': '', 'data': {{'token': 't' * 600,\n"
        "    'refreshToken': 'R' * 64, 'tokenExpireTime': '2025-01-01T13:00:00.0000000+07:00'}}\n"
        "INIT = {'identity_code': 'INV-1', 'purpose_of_transaction': 'P', 'currency': 'KHR',\n"
        "        'amount': 10000, 'customers': [{'amount': 10000}], 'cancel_url': '',\n"
        "        'redirect_url': 'https://shop.example.com/done', 'channel_code': ''}\n"
        "FOUND = {'identity_code': 'INV-1', 'purpose_of_transaction': 'P', 'tran_id': '',\n"
        "         'bank_ref': ''}\n\n"
        "def test_it(i):\n"
        "    session = requests.Session()\n"
        "    session.trust_env = False\n"
        "    with responses.RequestsMock() as mock:\n"
        "        mock.post(BASE + '/merchantsecurity/authorize', json=AUTHORIZED)\n"
        "        mock.post(BASE + '/transaction/v2/init', json={'code': 'SUCCESS',\n"
        "            'data': {'tran_id': 'X', 'identity_code': 'INV-1'}})\n"
        "        mock.post(BASE + '/transaction/v2/verify', json={'code': 'SUCCESS',\n"
        "            'data': {'status': 'success'}})\n"
        "        login = {'token': 'm', 'clientId': 'c', 'secret': 's'}\n"
        "        token = session.post(BASE + '/merchantsecurity/authorize', json=login,\n"
        "                             timeout=5).json()['data']['token']\n"
        "        bearer = {'Authorization': f'Bearer {token}'}\n"
        "        session.post(BASE + '/transaction/v2/init', json=INIT, headers=bearer,\n"
        "                     timeout=5)\n"
        "        Client(shop).post('/', json={'tran_id': 'X', 'status': 'success'})\n"
        "        found = session.post(BASE + '/transaction/v2/verify', json=FOUND,\n"
        "                             headers=bearer, timeout=5).json()\n"
        "        assert found['data']['status'] == 'success'\n"
    ),
    "fake_only": "def test_it(i, bizmail_mock):\n    pass\n",
    "fake_and_server": (
        "def test_it(i, bizauth_server, bizmail_mock):\n    bizauth_server.url_for(bizmail_mock)\n"
    ),
}


def write_suites(root: Path, tests: int) -> None:
    (root / "pytest.ini").write_text("[pytest]\n")
    (root / "conftest.py").write_text(CONFTEST)
    for name, body in SUITES.items():
        header = f"import pytest\n\npytestmark = pytest.mark.parametrize('i', range({tests}))\n\n"
        (root / f"test_{name}.py").write_text(header + body)


def round_medians(root: Path, names: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """One round: one pytest process running the suites' tests interleaved; the median
    time of one test of each suite, in seconds, timed in-process, and the garbage
    collections a test of each suite set off, on average."""
    out = root / "round.times"
    env = {
        **os.environ,
        "BIZAUTH_BENCH_OUT": str(out),
        "BIZAUTH_BENCH_INTERLEAVE": "1",
        "PYTHONPATH": str(HERE),
    }
    files = [f"test_{name}.py" for name in names]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *COMMON, *files],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if result.returncode != 0:
        raise SystemExit(f"a round failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    times: dict[str, list[float]] = {name: [] for name in names}
    collections: dict[str, list[int]] = {name: [] for name in names}
    for line in out.read_text().splitlines():
        file, seconds, collected = line.split()
        name = file[len("test_") : -len(".py")]
        times[name].append(float(seconds))
        collections[name].append(int(collected))
    return (
        {name: statistics.median(values) for name, values in times.items()},
        {name: statistics.mean(values) for name, values in collections.items()},
    )


#: A target met at pytest's own floor for the fixtures the subject asks for, plus this.
ABOVE_FLOOR = 0.05

#: (what, subject suite, peer suite, target, the suite of as many empty fixtures as the
#: subject asks pytest for): each a ratio above an empty test's time. A target of
#: ``None`` is pytest's floor plus ``ABOVE_FLOOR``.
FIGURES = [
    ("async login: bizmail_async_client / an AsyncClient by hand with one respx route",
     "async_login", "async_by_hand", 1.5, None),
    ("login: bizmail_client / one static route on a Session with trust_env off",
     "bizmail_login", "session_route", None, "two_empty_fixtures"),
    ("journey (login, travel, refresh, assert) / the same by hand, freezegun's freeze_time "
     "and responses", "journey", "journey_freezegun", 0.5, "three_empty_fixtures"),
    ("journey with the time-machine backend / the same by hand, time-machine and responses",
     "journey_tm_backend", "journey_time_machine", None, "three_empty_fixtures"),
    ("httpx login through the fake / pytest-httpx with one static answer", "httpx_login",
     "httpx_mock_static", 1.1, None),
    ("Bill24 login / BizMail login", "bill24_login", "bizmail_login", 1.5, None),
    ("payment journey (merchant authorize, init, pay, the webhook to a WSGI app, verify) / "
     "the same by hand, responses and werkzeug's test client", "payment_journey",
     "payment_by_hand", 1.3, "two_empty_fixtures"),
    ("requests login through bizauth_server / pytest-httpserver static JSON",
     "server_login", "httpserver_static", 1.3, None),
    ("bizauth_clock / time-machine's time_machine fixture", "bizauth_clock", "time_machine",
     2.5, None),
    # Both sides open an aiohttp session and an event loop, which cost the same on each.
    ("aiohttp login in-process / the same over bizauth_server", "aiohttp_login",
     "aiohttp_server_login", 0.6, None),
]  # fmt: skip

Figure = tuple[str, float, float, float, float, "float | None"]


def ratio_ranges(rounds: list[dict[str, float]]) -> list[Figure]:
    """For each figure: its lowest, median and highest ratio over the rounds, its target,
    and pytest's own floor (the median ratio of the peer plus as many empty fixtures as
    the subject asks for, to the peer): no plugin's fixtures can score below it."""
    found: list[Figure] = []
    for label, subject, peer, target, empty in FIGURES:
        ratios = [
            (r[subject] - r["bare"]) / (r[peer] - r["bare"])
            for r in rounds
            if subject in r and peer in r
        ]
        floors = [
            (r[peer] + r[empty] - 2 * r["bare"]) / (r[peer] - r["bare"])
            for r in rounds
            if empty in r and peer in r
        ]
        if ratios:
            floor = statistics.median(floors) if floors else None
            if target is None:
                if floor is None:
                    continue  # its floor's suite was not run
                target = floor + ABOVE_FLOOR
            found.append(
                (label, min(ratios), statistics.median(ratios), max(ratios), target, floor)
            )
    return found


def login_with_accounts_us(accounts: int, rounds: int = 5) -> dict[int, float]:
    """us per login on a BizMail fake with 1 and with ``accounts`` accounts, measured in
    interleaved rounds in this process."""
    import json as json_module

    from pytest_bizauth import Clock, FakeBizMail
    from pytest_bizauth.core.wire import FakeRequest

    timer = time.perf_counter  # the real one: freezegun fakes it while the clock runs
    with Clock():
        fakes = {1: FakeBizMail(), accounts: FakeBizMail()}
        for number in range(accounts - 1):
            fakes[accounts].add_user(f"user{number}@example.com", f"password-{number}")
        body = {"username": "bizauth-user@example.com", "password": "correct-horse-battery"}
        login = FakeRequest.build(
            "POST", "/api/1.0/auth/token", {"Content-Type": "application/json"},
            json_module.dumps(body),
        )  # fmt: skip
        best = {n: float("inf") for n in fakes}
        for _ in range(rounds):
            for n, fake in fakes.items():
                fake.calls.clear()
                seconds = min(timeit.repeat(lambda f=fake: f.handle(login), number=500,
                                            repeat=3, timer=timer)) / 500  # fmt: skip
                best[n] = min(best[n], seconds)
    return {n: seconds * 1e6 for n, seconds in best.items()}


def import_seconds(*extra: str) -> float:
    """Whole-process time of an empty pytest run (the plugin's import cost shows here)."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--co", *extra],
        capture_output=True,
        check=False,
        cwd=tempfile.gettempdir(),
    )
    return time.perf_counter() - start


def cached_token_ns() -> tuple[float, float]:
    """ns per cached ``access_token()`` call, and per call of a method that only
    returns an attribute (the floor any cache can reach)."""
    from pytest_bizauth import BizMailClient, Clock, FakeBizMail
    from pytest_bizauth.transport.responses import SharedRequestsMock

    class Floor:
        value = "token"

        def get(self) -> str:
            return self.value

    with SharedRequestsMock() as mock, Clock():
        fake = FakeBizMail()
        mock.mount(fake)
        client = BizMailClient(fake.base_url, fake.user.username, fake.user.password)
        client.access_token()
        calls = 200_000
        subject = min(timeit.repeat(client.access_token, number=calls, repeat=5)) / calls
        floor = min(timeit.repeat(Floor().get, number=calls, repeat=5)) / calls
    return subject * 1e9, floor * 1e9


def cached_async_token_ns() -> float:
    """ns per cached ``await access_token()`` of the async client, awaited in a loop."""
    import asyncio

    from pytest_bizauth import AsyncBizMailClient, FakeBizMail
    from pytest_bizauth.transport.httpx import HttpxTransport

    calls = 200_000

    async def measure(client: AsyncBizMailClient) -> float:
        await client.access_token()
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(calls):
                await client.access_token()
            best = min(best, time.perf_counter() - start)
        await client.aclose()
        return best / calls

    # No frozen clock here: freezegun would freeze perf_counter too.
    transport = HttpxTransport()
    fake = FakeBizMail()
    transport.mount(fake)
    transport.start()
    try:
        client = AsyncBizMailClient(fake.base_url, fake.user.username, fake.user.password)
        return asyncio.run(measure(client)) * 1e9
    finally:
        transport.stop()


def log_query_us(calls: int = 10_000) -> dict[str, float]:
    """us per call of auth_events and each assertion on a fake with ``calls`` logged."""
    from pytest_bizauth import Clock, FakeBizMail
    from pytest_bizauth.core.wire import FakeRequest

    with Clock() as clock:
        fake = FakeBizMail()
        body = b'{"username": "bizauth-user@example.com", "password": "correct-horse-battery"}'
        login = FakeRequest.build(
            "POST", "/api/1.0/auth/token", {"Content-Type": "application/json"}, body
        )
        for _ in range(calls):
            clock.shift(1)  # each login at its own instant: a new token pair each time
            reply = fake.handle(login)
        refresh = reply.body["refresh_token"]
        fake.handle(
            FakeRequest.build(
                "POST",
                "/api/1.0/auth/refresh",
                {"Content-Type": "application/json"},
                f'{{"refresh_token": "{refresh}"}}'.encode(),
            )
        )
        access = reply.body["access_token"]
        checks = {
            "auth_events": lambda: fake.auth_events,
            "assert_logged_in": lambda: fake.assert_logged_in(times=calls),
            "assert_refreshed": lambda: fake.assert_refreshed(times=1),
            "assert_last_refresh_used": lambda: fake.assert_last_refresh_used(refresh),
            "expire_access_tokens": fake.expire_access_tokens,
        }
        fake.handle(
            FakeRequest.build(
                "POST",
                "/api/1.0/mail/store",
                {"Authorization": f"Bearer {access}", "Content-Type": "application/json"},
                b"{}",
            )
        )
        checks["assert_bearer_used"] = lambda: fake.assert_bearer_used(access)
        timer = time.perf_counter  # freezegun fakes it; the clock must stop first
    return {
        name: min(timeit.repeat(check, number=200, repeat=5, timer=timer)) / 200 * 1e6
        for name, check in checks.items()
    }


def kept_mib(
    root: Path, name: str, tests: int = 2000, after: int = 300, *, heap: bool = False
) -> float:
    """How much the resident memory of a pytest process grows (MiB) from its ``after``-th
    test to its ``tests``-th, running the suite ``name`` (``heap``: the memory of the
    Python objects alive instead)."""
    suite = root / f"test_memory_{name}.py"
    suite.write_text(
        f"import pytest\n\npytestmark = pytest.mark.parametrize('i', range({tests}))\n\n"
        + SUITES[name]
    )
    out = root / f"memory_{name}.kib"
    env = {
        **os.environ,
        "BIZAUTH_BENCH_OUT": str(out),
        "BIZAUTH_BENCH_RSS": str(after),
        "PYTHONPATH": str(HERE),
        **({"BIZAUTH_BENCH_HEAP": "1"} if heap else {}),
    }
    subprocess.run(
        [sys.executable, "-m", "pytest", *COMMON, suite.name],
        cwd=root,
        capture_output=True,
        check=True,
        env=env,
    )
    first, last = (float(line) for line in out.read_text().split())
    return (last - first) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=300, help="tests per generated suite")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--only", nargs="*", help="run only these suites (and bare)")
    args = parser.parse_args()

    names = args.only or list(SUITES)
    if "bare" not in names:
        names = ["bare", *names]
    rounds = []
    collected = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_suites(root, args.tests)
        for _ in range(args.rounds):
            medians, collections = round_medians(root, names)
            rounds.append(medians)
            collected.append(collections)
    print(
        f"median per test over {args.tests} tests, {args.rounds} interleaved rounds; "
        "garbage collections a test sets off"
    )
    for name in names:
        values = [r[name] * 1e6 for r in rounds]
        gcs = statistics.mean(c[name] for c in collected)
        print(f"  {name:<22} {min(values):9.1f} .. {max(values):9.1f} us   {gcs:5.2f}")
    print()
    print("ratios above an empty test: lowest .. highest (median) over the rounds")
    for label, low, middle, high, target, floor in ratio_ranges(rounds):
        verdict = "ok" if middle <= target else "ABOVE TARGET"
        below = "" if floor is None else f"; pytest's floor {floor:.2f}x"
        print(
            f"  {label}: {low:.2f}x .. {high:.2f}x ({middle:.2f}x)   target <= {target:.2f}x "
            f"{verdict}{below}"
        )
    accounts = login_with_accounts_us(1000)
    print(
        f"  login with 1,000 accounts / with 1: {accounts[1000] / accounts[1]:.2f}x "
        f"({accounts[1000]:.1f} us / {accounts[1]:.1f} us)   target <= 1.05x"
    )
    if "fake_and_server" in names and "fake_only" in names:
        costs = [(r["fake_and_server"] - r["fake_only"]) * 1e6 for r in rounds]
        print(f"  bizauth_server's cost per test once started: {min(costs):.0f} .. "
              f"{max(costs):.0f} us   target < 100 us")  # fmt: skip
    from capabilities import (
        month_of_refreshes_ms,
        summary_record_us,
        summary_session_cost,
        webhook_delivery_us,
    )

    record = summary_record_us()
    if "journey" in names:
        journey = statistics.median(r["journey"] for r in rounds) * 1e6
        print(
            f"  the run summary at a test's teardown: {record:.1f} us, "
            f"{record / journey:.1%} of a journey test ({journey:.0f} us)   target < 2%"
        )
    low, middle, high = summary_session_cost()
    print(
        f"  the run summary on a 1,000-test journey session (on / off - 1): {low:+.1%} .. "
        f"{high:+.1%} ({middle:+.1%})   target < 2%"
    )
    paid, posted = webhook_delivery_us()
    print(
        f"  a payment's webhook to a WSGI app, by the fake under its deadline / werkzeug's "
        f"test client by hand: {paid / posted:.2f}x ({paid:.0f} us / {posted:.0f} us)"
    )
    jumped, by_hand = month_of_refreshes_ms()
    print(
        f"  30 refreshes by a sleeping task under loop_time=jump / made by hand: "
        f"{jumped / by_hand:.2f}x ({jumped:.1f} ms / {by_hand:.1f} ms real)   target < 1 s"
    )
    imports = {"on": [], "off": []}
    for _ in range(5):
        imports["on"].append(import_seconds())
        imports["off"].append(import_seconds("-p", "no:bizauth"))
    print(
        f"  plugin import (empty run, plugin on / off): "
        f"{min(imports['on']) / min(imports['off']):.3f}x   target <= 1.05x"
    )
    for name, us in log_query_us().items():
        print(f"{name} on a 10,000-call log: {us:.1f} us   target < 50 us")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "pytest.ini").write_text("[pytest]\n")
        kept = {
            n: min(kept_mib(Path(folder), n) for _ in range(2)) for n in ("bare", "bizmail_login")
        }
        heap = {n: kept_mib(Path(folder), n, heap=True) for n in ("bare", "bizmail_login")}
    print(
        f"memory kept from test 300 to 2,000: login {kept['bizmail_login']:.2f} MiB, "
        f"bare {kept['bare']:.2f} MiB (pytest's own reports); the plugin's share "
        f"{kept['bizmail_login'] - kept['bare']:.2f} MiB   target <= 1 MiB"
    )
    print(
        f"  of which Python objects alive (tracemalloc): the plugin's share "
        f"{(heap['bizmail_login'] - heap['bare']) * 1024:.0f} KiB (the rest is the "
        f"allocator keeping memory freed)"
    )
    print(f"cached await access_token(): {cached_async_token_ns():.0f} ns/call   target < 2000 ns")
    subject, floor = cached_token_ns()
    print(
        f"cached access_token(): {subject:.0f} ns/call, {subject / floor:.1f}x a bare "
        f"attribute-returning method ({floor:.0f} ns)"
    )


if __name__ == "__main__":
    main()
