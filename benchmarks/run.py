"""Speed of pytest-bizauth, as ratios against baselines measured in the same run.

    python benchmarks/run.py [--tests 600] [--repeats 3]

Each suite is a generated test file run by its own pytest process. Each test is timed
inside that process (setup, call and teardown, as pytest measures them; see
``timing.py``), and a suite's figure is the median over its tests, the lowest of the
repeats. Suites run interleaved, so a busy machine slows baseline and subject alike.
Whole-process timings swing by a third on a shared machine; per-test medians do not.
The plugin's import cost is the one whole-process figure.
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

SUITES = {
    "bare": "def test_it(i):\n    pass\n",
    "static_route": (
        "import requests, responses\n\n"
        "def test_it(i):\n"
        "    with responses.RequestsMock() as mock:\n"
        f"        mock.post('{TOKEN_URL}', json={ANSWER})\n"
        f"        requests.post('{TOKEN_URL}', {LOGIN}, timeout=5)\n"
    ),
    "bizmail_login": "def test_it(i, bizmail_client):\n    bizmail_client.access_token()\n",
    "bill24_login": "def test_it(i, bill24_client):\n    bill24_client.access_token()\n",
    "bizauth_clock": "def test_it(i, bizauth_clock):\n    pass\n",
    "freezer": "def test_it(i, freezer):\n    pass\n",
    "time_machine": "def test_it(i, time_machine):\n    time_machine.move_to(0, tick=False)\n",
    "httpx_static_route": (
        "import httpx, respx\n\n"
        "def test_it(i):\n"
        "    with respx.mock() as router:\n"
        f"        router.post('{TOKEN_URL}').respond(json={ANSWER})\n"
        f"        httpx.post('{TOKEN_URL}', {LOGIN})\n"
    ),
    "httpx_login": (
        "import httpx\n\n"
        "def test_it(i, bizmail_mock):\n"
        f"    assert httpx.post('{TOKEN_URL}', {LOGIN}).status_code == 200\n"
    ),
    "async_static_route": (
        "import asyncio, httpx, respx\n\n"
        "async def login():\n"
        "    async with httpx.AsyncClient() as client:\n"
        f"        return await client.post('{TOKEN_URL}', {LOGIN})\n\n"
        "def test_it(i):\n"
        "    with respx.mock() as router:\n"
        f"        router.post('{TOKEN_URL}').respond(json={ANSWER})\n"
        "        asyncio.run(login())\n"
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
    "journey": (
        "def test_it(i, bizmail_client, bizmail_mock, bizauth_clock):\n"
        "    first = bizmail_client.access_token()\n"
        "    bizauth_clock.travel_past(first)\n"
        "    assert bizmail_client.access_token() != first\n"
        "    bizmail_mock.assert_logged_in(times=1)\n"
        "    bizmail_mock.assert_refreshed(times=1)\n"
    ),
    "journey_by_hand": (
        "import requests, responses\n"
        "from freezegun import freeze_time\n\n"
        f"REFRESH_URL = '{TOKEN_URL}'.replace('/token', '/refresh')\n\n"
        "def test_it(i):\n"
        "    with freeze_time('2025-01-01') as frozen, responses.RequestsMock() as mock:\n"
        f"        mock.post('{TOKEN_URL}', json={ANSWER})\n"
        f"        mock.post(REFRESH_URL, json={ANSWER})\n"
        f"        first = requests.post('{TOKEN_URL}', {LOGIN}, timeout=5).json()\n"
        "        frozen.tick(86_401)\n"
        "        requests.post(REFRESH_URL, data={'refresh_token': first['refresh_token']},\n"
        "                      timeout=5)\n"
        "        assert [c.request.url for c in mock.calls] == [\n"
        f"            '{TOKEN_URL}', REFRESH_URL]\n"
        "        assert mock.calls[1].request.body == 'refresh_token=y'\n"
    ),
    "fake_only": "def test_it(i, bizmail_mock):\n    pass\n",
    "fake_and_server": (
        "def test_it(i, bizauth_server, bizmail_mock):\n    bizauth_server.url_for(bizmail_mock)\n"
    ),
}


def write_suites(root: Path, tests: int) -> None:
    (root / "pytest.ini").write_text("[pytest]\n")
    for name, body in SUITES.items():
        header = f"import pytest\n\npytestmark = pytest.mark.parametrize('i', range({tests}))\n\n"
        (root / f"test_{name}.py").write_text(header + body)


def median_per_test(root: Path, name: str) -> float:
    """The median time of one test of the suite, in seconds, timed in-process."""
    out = root / f"{name}.times"
    env = {**os.environ, "BIZAUTH_BENCH_OUT": str(out), "PYTHONPATH": str(HERE)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *COMMON, f"test_{name}.py"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if result.returncode != 0:
        raise SystemExit(f"suite {name} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return statistics.median(float(line) for line in out.read_text().split())


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

    import respx

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

    assert respx
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


def kept_mib(root: Path, name: str, tests: int = 2000, after: int = 300) -> float:
    """How much the resident memory of a pytest process grows (MiB) from its ``after``-th
    test to its ``tests``-th, running the suite ``name``."""
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
    parser.add_argument("--tests", type=int, default=600, help="tests per generated suite")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each suite")
    parser.add_argument("--only", nargs="*", help="run only these suites")
    args = parser.parse_args()

    names = args.only or list(SUITES)
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_suites(root, args.tests)
        for _ in range(args.repeats):
            for name in names:
                seconds = median_per_test(root, name)
                best[name] = min(best.get(name, seconds), seconds)
    imports = {"on": [], "off": []}
    for _ in range(5):
        imports["on"].append(import_seconds())
        imports["off"].append(import_seconds("-p", "no:bizauth"))

    print(f"median per test over {args.tests} tests, lowest of {args.repeats} interleaved runs")
    for name, seconds in best.items():
        print(f"  {name:<20} {seconds * 1e6:9.1f} us")
    print()

    def ratio(label: str, subject: str, baseline: str, target: str) -> None:
        if subject in best and baseline in best:
            print(f"{label}: {best[subject] / best[baseline]:.2f}x   target {target}")

    print(
        f"plugin import (empty run, plugin on / off): "
        f"{min(imports['on']) / min(imports['off']):.3f}x   target <= 1.05x"
    )
    ratio(
        "login via bizmail_client / one static responses route",
        "bizmail_login",
        "static_route",
        "<= 1.2x",
    )
    ratio("Bill24 login / BizMail login", "bill24_login", "bizmail_login", "<= 1.5x")
    ratio("bizauth_clock / pytest-freezer's freezer", "bizauth_clock", "freezer", "<= 0.5x")
    ratio(
        "httpx login through the fake / one static respx route",
        "httpx_login",
        "httpx_static_route",
        "<= 1.3x",
    )
    ratio(
        "requests login through bizauth_server / pytest-httpserver static JSON",
        "server_login",
        "httpserver_static",
        "<= 1.3x",
    )
    if "fake_and_server" in best and "fake_only" in best:
        cost = (best["fake_and_server"] - best["fake_only"]) * 1e6
        print(f"bizauth_server's cost per test once started: {cost:.0f} us   target < 100 us")
    ratio(
        "async login through the fake / one static respx route (async)",
        "async_login",
        "async_static_route",
        "<= 1.3x",
    )
    ratio("bizauth_clock / time-machine's time_machine", "bizauth_clock", "time_machine", "<= 2.5x")
    ratio(
        "login, travel, refresh, assert / the same by hand", "journey", "journey_by_hand", "<= 0.3x"
    )
    for name, us in log_query_us().items():
        print(f"{name} on a 10,000-call log: {us:.1f} us   target < 50 us")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "pytest.ini").write_text("[pytest]\n")
        kept = {
            n: min(kept_mib(Path(folder), n) for _ in range(2)) for n in ("bare", "bizmail_login")
        }
    print(
        f"memory kept from test 300 to 2,000: login {kept['bizmail_login']:.2f} MiB, "
        f"bare {kept['bare']:.2f} MiB (pytest's own reports); the plugin's share "
        f"{kept['bizmail_login'] - kept['bare']:.2f} MiB   target <= 1 MiB"
    )
    print(f"cached await access_token(): {cached_async_token_ns():.0f} ns/call   target < 2000 ns")
    subject, floor = cached_token_ns()
    print(
        f"cached access_token(): {subject:.0f} ns/call, {subject / floor:.1f}x a bare "
        f"attribute-returning method ({floor:.0f} ns)"
    )


if __name__ == "__main__":
    main()
