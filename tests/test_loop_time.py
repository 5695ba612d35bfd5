"""Event loops whose time follows the clock (``loop_time = follow``) or jumps with it
(``loop_time = jump``), on asyncio and trio."""

from __future__ import annotations

import asyncio
import sys
import threading

import pytest

from pytest_bizauth import Clock
from pytest_bizauth._compat import real_seconds
from pytest_bizauth.clock.loops import LOOP_TIMES

from .conftest import QUIET_PLUGINS

REFRESHER = """
import asyncio

import pytest
from freezegun import api


def real():
    return api.real_perf_counter()


async def keep_fresh(client, clock, refreshes):
    token = await client.access_token()
    for _ in range(refreshes):
        await asyncio.sleep((clock.expiry_of(token) - clock.now()).total_seconds() - 60)
        token = await client.access_token()
"""


def _run(pytester, code, *args):
    pytester.makepyfile(REFRESHER + code)
    return pytester.runpytest("-W", "error", *QUIET_PLUGINS, *args)


def test_a_month_of_refreshes_under_jump_takes_well_under_a_second(pytester):
    pytest.importorskip("httpx")
    result = _run(
        pytester,
        """
@pytest.mark.bizauth(loop_time="jump")
def test_month(bizmail_mock, bizmail_async_client, bizauth_clock):
    began = real()
    asyncio.run(keep_fresh(bizmail_async_client, bizauth_clock, 30))
    assert real() - began < 1
    bizmail_mock.assert_refreshed(times=30)
    bizmail_mock.assert_logged_in(times=1)
""",
    )
    result.assert_outcomes(passed=1)


def test_the_ini_option_sets_the_loop_time_and_a_wrong_value_names_the_choices(pytester):
    pytester.makeini("[pytest]\nbizauth_loop_time = jump\n")
    result = _run(
        pytester,
        """
def test_jumps(bizauth_clock):
    assert bizauth_clock.loop_time == "jump"
    asyncio.run(asyncio.sleep(3600))
    assert bizauth_clock.now().isoformat() == "2025-01-01T01:00:00+00:00"

@pytest.mark.bizauth(loop_time="sideways")
def test_wrong(bizauth_clock):
    pass
""",
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*loop_time*must be one of real, follow, jump, not 'sideways'*"])


def test_pytest_asyncio_tests_jump_on_their_own_loop(pytester):
    pytest.importorskip("pytest_asyncio")
    pytest.importorskip("httpx")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    plugins = list(QUIET_PLUGINS)
    at = plugins.index("no:asyncio")
    del plugins[at - 1 : at + 1]
    pytester.makepyfile(
        REFRESHER
        + """
@pytest.mark.asyncio
@pytest.mark.bizauth(loop_time="jump")
async def test_month(bizmail_mock, bizmail_async_client, bizauth_clock):
    began = real()
    await keep_fresh(bizmail_async_client, bizauth_clock, 30)
    assert real() - began < 1
    bizmail_mock.assert_refreshed(times=30)
"""
    )
    result = pytester.runpytest_subprocess("-W", "ignore::ResourceWarning", *plugins)
    result.assert_outcomes(passed=1)


def test_anyio_on_trio_jumps_with_the_trio_clock(pytester):
    pytest.importorskip("anyio")
    pytest.importorskip("trio")
    pytester.makepyfile(
        """
import pytest
import trio

@pytest.fixture
def anyio_backend(bizauth_clock):
    return ("trio", {"clock": bizauth_clock.trio_clock(jump=True)})

@pytest.mark.anyio
async def test_month(bizmail_mock, bizmail_client, bizauth_clock):
    clock = bizauth_clock
    token = bizmail_client.access_token()
    for _ in range(30):
        await trio.sleep((clock.expiry_of(token) - clock.now()).total_seconds() - 60)
        token = bizmail_client.access_token()
    bizmail_mock.assert_refreshed(times=30)
"""
    )
    plugins = list(QUIET_PLUGINS)
    if "no:anyio" in plugins:
        at = plugins.index("no:anyio")
        del plugins[at - 1 : at + 1]
    result = pytester.runpytest("-W", "error", *plugins)
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("backend", ["freezegun", "time-machine"])
def test_jump_moves_the_clock_to_each_timer_exactly(backend):
    if backend == "time-machine":
        pytest.importorskip("time_machine")

    async def scenario():
        loop = asyncio.get_running_loop()
        began = loop.time()
        await asyncio.sleep(90)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.sleep(10), timeout=5)
        return loop.time() - began

    with Clock("2030-01-01T00:00:00Z", backend=backend, loop_time="jump") as clock:
        assert asyncio.run(scenario()) == pytest.approx(95)
        assert clock.now().isoformat() == "2030-01-01T00:01:35+00:00"


def test_default_loops_keep_real_time_and_the_clock_stands_still():
    assert LOOP_TIMES[0] == "real"
    with Clock("2030-01-01T00:00:00Z") as clock:
        real = real_seconds()
        began = real()
        asyncio.run(asyncio.sleep(0.05))
        assert real() - began >= 0.05
        assert clock.now().isoformat() == "2030-01-01T00:00:00+00:00"


def test_follow_fires_due_timers_after_a_move_and_never_goes_back():
    async def scenario(clock):
        loop = asyncio.get_running_loop()
        fired = []
        loop.call_later(3600, fired.append, "hour")
        began = loop.time()
        clock.shift(-600)  # back: the loop's time does not go back
        assert loop.time() >= began
        await clock.settle()
        assert fired == []
        clock.shift(3600)
        await clock.settle()
        return fired

    with Clock(loop_time="follow") as clock:
        assert asyncio.run(scenario(clock)) == ["hour"]


def test_follow_wakes_a_loop_waiting_in_another_thread():
    done = threading.Event()

    async def sleeper():
        await asyncio.sleep(3600)
        done.set()

    with Clock(loop_time="follow") as clock:
        thread = threading.Thread(target=asyncio.run, args=(sleeper(),))
        thread.start()
        try:
            assert not done.wait(0.1)
            clock.shift(3600)
            assert done.wait(5)
        finally:
            clock.shift(3600)
            thread.join(5)


def test_the_loop_class_is_put_back_when_the_clock_stops():
    loop = asyncio.new_event_loop()
    loop.close()
    loop_class = type(loop)
    before = {name: vars(loop_class).get(name) for name in ("time", "run_in_executor")}
    for loop_time in LOOP_TIMES:
        with Clock(loop_time=loop_time):
            asyncio.run(asyncio.sleep(0))
        after = {name: vars(loop_class).get(name) for name in before}
        assert after == before, loop_time


def _timed(clock, coroutine):
    real = real_seconds()
    began = real()
    result = asyncio.run(asyncio.wait_for(coroutine, 5))
    return result, real() - began


def test_jump_waits_for_threads_and_processes():
    async def in_thread():
        return await asyncio.to_thread(threading.Event().wait, 0.2) or "thread"

    async def in_process():
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import time; time.sleep(0.3); print('process')",
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
        return out.decode().strip()

    async def silent_process():
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "import time; time.sleep(0.3)"
        )
        return await process.wait()

    with Clock(loop_time="jump") as clock:
        assert _timed(clock, in_thread())[0] == "thread"
        assert _timed(clock, in_process())[0] == "process"
        assert _timed(clock, silent_process())[0] == 0
        # the clock moved by the real time waited, no more
        assert 0.5 < (clock.now() - Clock().now()).total_seconds() < 5


def test_jump_waits_for_an_answer_from_the_loopback_server(pytester):
    pytest.importorskip("httpx")
    result = _run(
        pytester,
        """
import httpx

@pytest.mark.bizauth(loop_time="jump")
def test_login(bizmail_mock, bizauth_server, bizauth_clock):
    url = bizauth_server.url_for(bizmail_mock)
    body = {"username": "bizauth-user@example.com", "password": "wrong"}

    async def scenario():
        async with httpx.AsyncClient(base_url=url) as http:
            statuses = []
            for _ in range(3):
                answer = await asyncio.wait_for(http.post("/api/1.0/auth/token", json=body), 5)
                statuses.append(answer.status_code)
                await asyncio.sleep(3600)  # the connection idles in the pool meanwhile
            return statuses

    assert asyncio.run(scenario()) == [401, 401, 401]
    # three hours of sleep, and the few real seconds at most spent waiting for answers
    assert "2025-01-01T03:00:00" <= bizauth_clock.now().isoformat() < "2025-01-01T03:00:05"
""",
    )
    result.assert_outcomes(passed=1)


def test_settle_gives_up_after_its_timeout_naming_it():
    async def busy():
        while True:
            await asyncio.sleep(0)

    async def scenario(clock):
        task = asyncio.ensure_future(busy())
        try:
            await clock.settle(timeout=0.05)
        finally:
            task.cancel()

    with Clock(loop_time="follow") as clock, pytest.raises(TimeoutError, match=r"0\.05 real"):
        asyncio.run(scenario(clock))


def test_trio_clock_needs_a_running_clock():
    with pytest.raises(RuntimeError, match="start the clock"):
        Clock().trio_clock()


def test_jump_wraps_a_select_another_library_replaced_and_puts_it_back():
    async def scenario():
        selector = asyncio.get_running_loop()._selector
        theirs = selector.select
        calls = []

        def replaced(timeout=None):
            calls.append(timeout)
            return theirs(timeout)

        selector.select = replaced
        with Clock(loop_time="jump") as clock:
            await asyncio.sleep(3600)
            assert clock.now().isoformat() == "2025-01-01T01:00:00+00:00"
        assert selector.select is replaced
        return calls

    assert 0 in asyncio.run(scenario())  # the jump looked through the replaced select


def test_the_clock_stays_with_the_loop_through_many_small_waits():
    async def scenario(clock):
        loop = asyncio.get_running_loop()
        began, start = loop.time(), clock.now()
        for _ in range(10):  # real waits, in slices, while a thread works
            await asyncio.to_thread(threading.Event().wait, 0.03)
            await asyncio.sleep(0.0123457)
        await asyncio.sleep(3600)
        return loop.time() - began, (clock.now() - start).total_seconds()

    with Clock(loop_time="jump") as clock:
        looped, moved = asyncio.run(scenario(clock))
    # the sum of the loop's moves, rounded once to the clock's microsecond
    assert moved == pytest.approx(round(looped, 6), abs=1e-9)


def test_a_loop_class_that_takes_no_patch_keeps_its_own_time(monkeypatch):
    from pytest_bizauth.clock import loops

    class Sealed(type):
        def __setattr__(cls, name, value):
            raise TypeError(f"cannot set {name!r} attribute of immutable type")

    class CLoop(metaclass=Sealed):  # as uvloop's Loop refuses new attributes
        def time(self):
            return 1.0

        def run_in_executor(self, *args): ...
        async def subprocess_exec(self, *args): ...
        async def subprocess_shell(self, *args): ...
        async def shutdown_default_executor(self, *args): ...

    monkeypatch.setattr(loops, "_loop_class", lambda: CLoop)
    for loop_time in LOOP_TIMES:
        with Clock(loop_time=loop_time):
            assert CLoop().time() == 1.0
