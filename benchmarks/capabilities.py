"""Figures of single capabilities, measured in this process: what the run summary adds
to a test, and a month of background refreshes under ``loop_time = jump``."""

from __future__ import annotations

import asyncio
import time
import timeit
from types import SimpleNamespace
from typing import Any


def summary_record_us(rounds: int = 5) -> float:
    """us the run summary spends on one test's fake at teardown (counts and scenario
    recognition), for a fake that saw a login, an expiry and a refresh."""
    import pytest

    from pytest_bizauth import Clock, FakeBizMail
    from pytest_bizauth.core.wire import FakeRequest
    from pytest_bizauth.extend import registered
    from pytest_bizauth.plugin import summary

    spec = next(s for s in registered() if s.name == "bizmail")
    timer = time.perf_counter  # the real one, bound before the clock starts
    with Clock() as clock:
        fake = FakeBizMail()
        body = b'{"username": "bizauth-user@example.com", "password": "correct-horse-battery"}'
        headers = {"Content-Type": "application/json"}
        reply: Any = fake.handle(FakeRequest.build("POST", "/api/1.0/auth/token", headers, body))
        clock.shift(86_401)
        refresh = f'{{"refresh_token": "{reply.body["refresh_token"]}"}}'.encode()
        fake.handle(FakeRequest.build("POST", "/api/1.0/auth/refresh", headers, refresh))
        config = SimpleNamespace(stash=pytest.Stash())
        config.stash[summary._RUN] = summary.Run([])
        node: Any = SimpleNamespace(config=config, nodeid="test_it.py::test_it")
        timings = timeit.repeat(
            lambda: summary.record(node, spec, fake), number=2_000, repeat=rounds, timer=timer
        )
        best = min(timings)
    return best / 2_000 * 1e6


def month_of_refreshes_ms(refreshes: int = 30) -> tuple[float, float]:
    """Real ms for a background task that refreshes ``refreshes`` times, sleeping until
    a minute before each expiry, under ``loop_time = jump``; and the same refreshes
    made one after the other with the clock moved by hand (no sleeping task)."""
    from pytest_bizauth import AsyncBizMailClient, Clock, FakeBizMail
    from pytest_bizauth.transport.httpx import HttpxTransport

    timer = time.perf_counter

    async def background(client: Any, clock: Any) -> None:
        token = await client.access_token()
        for _ in range(refreshes):
            await asyncio.sleep((clock.expiry_of(token) - clock.now()).total_seconds() - 60)
            token = await client.access_token()

    async def by_hand(client: Any, clock: Any) -> None:
        token = await client.access_token()
        for _ in range(refreshes):
            clock.move_to(clock.expiry_of(token) - __import__("datetime").timedelta(seconds=60))
            token = await client.access_token()

    found = []
    for run, loop_time in ((background, "jump"), (by_hand, "real")):
        best = float("inf")
        for _ in range(5):
            transport = HttpxTransport()
            with Clock(loop_time=loop_time) as clock:
                fake = FakeBizMail()
                transport.mount(fake)
                transport.start()
                try:
                    client = AsyncBizMailClient(
                        fake.base_url, fake.user.username, fake.user.password
                    )
                    start = timer()
                    asyncio.run(run(client, clock))
                    best = min(best, timer() - start)
                finally:
                    transport.stop()
        found.append(best * 1e3)
    return found[0], found[1]


def summary_session_cost(tests: int = 1_000, rounds: int = 5) -> tuple[float, float, float]:
    """The run summary's cost on a session of ``tests`` journey tests: the per-test
    median with the summary on over that with it off (``bizauth_summary = false``), one
    process each, alternating, as the lowest, median and highest of the rounds' ratios
    less one."""
    import os
    import statistics
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from run import _JOURNEY, COMMON, HERE

    ratios = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "pytest.ini").write_text("[pytest]\n")
        (root / "test_journey.py").write_text(
            f"import pytest\n\npytestmark = pytest.mark.parametrize('i', range({tests}))\n\n"
            + _JOURNEY
        )
        for _ in range(rounds):
            medians = []
            for summary in ("true", "false"):
                out = root / f"{summary}.times"
                env = {**os.environ, "BIZAUTH_BENCH_OUT": str(out), "PYTHONPATH": str(HERE)}
                subprocess.run(
                    [sys.executable, "-m", "pytest", *COMMON, "-o", f"bizauth_summary={summary}",
                     "test_journey.py"],
                    cwd=root, capture_output=True, check=True, env=env,
                )  # fmt: skip
                times = [float(line.split()[1]) for line in out.read_text().splitlines()]
                medians.append(statistics.median(times))
            ratios.append(medians[0] / medians[1] - 1)
    return min(ratios), statistics.median(ratios), max(ratios)


def webhook_delivery_us(deliveries: int = 500, rounds: int = 5) -> tuple[float, float]:
    """us per webhook delivered to a well-behaved WSGI app: by a Bill24 fake (``pay``,
    the receiver on a kept worker thread, under its deadline), and by hand with
    werkzeug's test client on the calling thread (no deadline)."""
    import json

    from werkzeug.test import Client

    from pytest_bizauth import FakeBill24
    from pytest_bizauth.core.wire import FakeRequest

    def shop(environ: Any, start_response: Any) -> list[bytes]:
        environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "Success", "message": "SUCCESS"}']

    settings = FakeBill24().settings
    bearer = f"Bearer {FakeBill24(settings).tokens.merchant_access()}"
    init = json.dumps({
        "identity_code": "INV-1", "purpose_of_transaction": "P", "currency": "KHR",
        "amount": 10000, "customers": [{"amount": 10000}], "cancel_url": "",
        "redirect_url": "https://shop.example.com/done", "channel_code": "",
    }).encode()  # fmt: skip
    headers = {"Content-Type": "application/json", "Authorization": bearer}
    timer = time.perf_counter
    best = {"fake": float("inf"), "by hand": float("inf")}
    for _ in range(rounds):
        fakes = []
        for _ in range(deliveries):
            fake = FakeBill24(settings)
            fake.deliver_webhooks_to(shop)
            fake.handle(FakeRequest.build("POST", "/transaction/v2/init", headers, init))
            fakes.append(fake)
        start = timer()
        for fake in fakes:
            fake.pay("INV-1")
        best["fake"] = min(best["fake"], (timer() - start) / deliveries)
        client = Client(shop)
        start = timer()
        for _ in range(deliveries):
            client.post("/", json={"tran_id": "X", "status": "success"})
        best["by hand"] = min(best["by hand"], (timer() - start) / deliveries)
    return best["fake"] * 1e6, best["by hand"] * 1e6
