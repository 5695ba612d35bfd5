from __future__ import annotations

import datetime as dt
import importlib.util
import sys
import threading
import time

import pytest

from pytest_bizauth import DEFAULT_START, BizMailTokens, Clock
from pytest_bizauth.clock import now

from .conftest import DAY, EPOCH, EPOCH_TS, QUIET_PLUGINS


def test_the_default_start_is_documented():
    assert DEFAULT_START == EPOCH
    assert Clock().now() == EPOCH


def test_every_way_of_reading_time_sees_the_frozen_instant(frozen):
    assert now() == EPOCH
    assert time.time() == EPOCH_TS
    assert dt.datetime.now(dt.timezone.utc) == EPOCH
    assert dt.datetime.now() == EPOCH.replace(tzinfo=None)
    assert dt.datetime.utcnow() == EPOCH.replace(tzinfo=None)


def test_the_clock_does_not_tick(frozen):
    before = now()
    time.sleep(0.01)
    assert now() == before


def test_threads_see_the_frozen_instant(frozen):
    seen = []
    thread = threading.Thread(target=lambda: seen.append(now()))
    thread.start()
    thread.join()
    assert seen == [EPOCH]


def test_shift_and_move_to(frozen):
    assert frozen.shift(90) == EPOCH + dt.timedelta(seconds=90)
    assert frozen.shift(dt.timedelta(days=-1)) == EPOCH + dt.timedelta(seconds=90 - DAY)
    assert frozen.move_to("2030-06-01T07:00:00+07:00") == dt.datetime(
        2030, 6, 1, tzinfo=dt.timezone.utc
    )
    assert frozen.move_to("2030-06-01T00:00:00Z") == now()
    assert time.time() == now().timestamp()


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        ("2030-06-01T00:00:00", ValueError, "has no time zone"),
        (dt.datetime(2030, 1, 1), ValueError, "has no time zone"),
        ("tomorrow", ValueError, "is not an ISO 8601 date-time"),
        (12345, TypeError, "must be a datetime or an ISO 8601 string"),
    ],
)
def test_move_to_refuses_ambiguous_instants(frozen, value, error, message):
    with pytest.raises(error, match=message):
        frozen.move_to(value)


@pytest.mark.parametrize("value", ["10", None, True])
def test_shift_refuses_what_is_not_seconds(frozen, value):
    with pytest.raises(TypeError, match="number of seconds or a timedelta"):
        frozen.shift(value)


def test_token_verbs_move_relative_to_exp(frozen):
    token = BizMailTokens().access()
    expiry = EPOCH + dt.timedelta(days=1)
    assert frozen.expiry_of(token) == expiry
    assert frozen.travel_past(token) == expiry + dt.timedelta(seconds=1)
    assert frozen.travel_past(token, by=0) == expiry
    assert frozen.travel_to_just_before(token) == expiry - dt.timedelta(seconds=1)
    assert frozen.travel_to_just_before(token, seconds=30) == expiry - dt.timedelta(seconds=30)
    assert frozen.travel_into_refresh_window(token, leeway=60) == expiry - dt.timedelta(seconds=59)
    assert frozen.travel_into_refresh_window(token, leeway=60, inside=0) == (
        expiry - dt.timedelta(seconds=60)
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c, t: c.travel_past(t, by=-1), "0 or more"),
        (lambda c, t: c.travel_to_just_before(t, seconds=0), "more than 0"),
        (lambda c, t: c.travel_into_refresh_window(t, leeway=-5), "0 or more"),
        (lambda c, t: c.travel_past("opaque"), "is not a JWT"),
    ],
)
def test_token_verbs_explain_misuse(frozen, call, message):
    with pytest.raises(ValueError, match=message):
        call(frozen, BizMailTokens().access())


def test_a_token_error_never_shows_the_whole_token(frozen):
    secret_looking = "abcdefghijklmnopqrstuvwxyz-0123456789"
    with pytest.raises(ValueError) as error:
        frozen.travel_past(secret_looking)
    assert secret_looking not in str(error.value)


def test_start_twice_is_an_error_and_stop_is_idempotent():
    clock = Clock(EPOCH)
    with clock, pytest.raises(RuntimeError, match="already running"):
        clock.start()
    clock.stop()
    assert not clock.running
    assert now() != EPOCH


def test_a_stopped_clock_remembers_where_it_was_moved():
    clock = Clock(EPOCH)
    clock.shift(10)
    with clock:
        assert now() == EPOCH + dt.timedelta(seconds=10)
    assert "stopped" in repr(clock)


def test_a_module_that_imported_time_later_is_frozen_too(tmp_path, monkeypatch):
    """The start-up scan is cached, but a module that gains a time name is rescanned."""
    module_file = tmp_path / "late_time_user.py"
    module_file.write_text("import time\n\ndef read():\n    return clock()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import late_time_user

    with Clock(EPOCH):
        pass  # the module is now cached as holding no time function
    late_time_user.clock = time.time
    with Clock(EPOCH):
        assert late_time_user.read() == EPOCH_TS
    assert late_time_user.read() != EPOCH_TS


def test_a_freeze_started_inside_the_clock_governs_while_it_runs(frozen):
    from freezegun import freeze_time

    with freeze_time("2040-01-01T00:00:00Z"):
        assert now().year == 2040
    assert now() == EPOCH
    assert now().__class__.__name__ == "datetime"  # a real datetime, not freezegun's fake


def test_without_a_clock_the_fakes_read_real_time():
    from pytest_bizauth import FakeBizMail

    fake = FakeBizMail()
    before = time.time()
    claims = fake.tokens.decode(fake.tokens.access())
    assert before - 1 <= claims["iat"] <= time.time()


def test_a_freezegun_imported_afresh_is_the_one_that_freezes(tmp_path, monkeypatch):
    """pytester's in-process runs can leave freezegun to be imported again: the clock
    must use the fakes of the freezegun module that is running, not of an earlier one."""
    with Clock(EPOCH):
        pass  # the earlier freezegun's fakes are known now
    for name in [n for n in sys.modules if n == "freezegun" or n.startswith("freezegun.")]:
        monkeypatch.delitem(sys.modules, name)
    module_file = tmp_path / "fresh_time_user.py"
    module_file.write_text("from time import time\n\ndef read():\n    return time()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import fresh_time_user

    with Clock(EPOCH):
        assert fresh_time_user.read() == EPOCH_TS
    assert fresh_time_user.read() != EPOCH_TS


def test_a_module_imported_while_frozen_reads_real_time_after(tmp_path, monkeypatch):
    """Its name bound to freezegun's fake at import is pointed back at the real
    function when the clock stops, as freezegun's own stop does."""
    (tmp_path / "time_user_imported_frozen.py").write_text("from time import time\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "time_user_imported_frozen", raising=False)
    real = time.time
    with Clock(EPOCH):
        import time_user_imported_frozen

        assert time_user_imported_frozen.time() == EPOCH_TS
    assert time_user_imported_frozen.time is real


def test_a_module_that_gains_a_time_function_is_seen_by_the_next_clock(tmp_path, monkeypatch):
    (tmp_path / "time_user_gaining.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import time_user_gaining

    with Clock(EPOCH):
        pass  # the module is known now, holding no time function
    monkeypatch.setattr(time_user_gaining, "read", time.time, raising=False)
    with Clock(EPOCH):
        assert time_user_gaining.read() == EPOCH_TS
    assert time_user_gaining.read() != EPOCH_TS


def test_a_clock_walks_the_modules_only_after_an_import(tmp_path, monkeypatch):
    from pytest_bizauth.clock import freezing

    walks = []
    walk = freezing._scan._walk
    monkeypatch.setattr(freezing._scan, "_walk", lambda ids: walks.append(1) or walk(ids))
    for _ in range(4):  # the modules new at a walk are watched for a few starts
        with Clock(EPOCH):
            pass
    walks.clear()
    with Clock(EPOCH):
        pass
    assert walks == []  # nothing imported: nothing walked, whatever the number of modules
    (tmp_path / "time_user_new.py").write_text("from time import time\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "time_user_new", raising=False)
    import time_user_new

    with Clock(EPOCH):
        assert time_user_new.time() == EPOCH_TS
    assert walks == [1]


def test_a_clock_with_no_import_while_frozen_leaves_every_name_as_it_was():
    before = {n: getattr(m, "__dict__", {}).get("time") for n, m in list(sys.modules.items())}
    with Clock(EPOCH):
        assert time.time() == EPOCH_TS
    after = {n: getattr(m, "__dict__", {}).get("time") for n, m in list(sys.modules.items())}
    assert after == before


@pytest.mark.skipif(
    importlib.util.find_spec("time_machine") is None, reason="time-machine is not installed"
)
@pytest.mark.bizauth(clock_backend="time-machine")
def test_the_time_machine_backend_has_the_same_verbs(bizmail_client, bizmail_mock, bizauth_clock):
    import time

    assert bizauth_clock.backend == "time-machine"
    first = bizmail_client.access_token()
    assert time.time() == bizauth_clock.timestamp()
    bizauth_clock.travel_past(first)
    assert time.time() == bizauth_clock.timestamp()
    assert bizmail_client.access_token() != first
    bizmail_mock.assert_refreshed(times=1)


def test_an_unknown_backend_is_named():
    with pytest.raises(ValueError, match="freezegun, time-machine"):
        Clock(backend="sundial")


def test_pytest_durations_stay_real_under_the_clock(pytester):
    pytester.makepyfile(
        """
        def test_frozen(bizauth_clock):
            bizauth_clock.shift(3600)
        """
    )
    result = pytester.runpytest("--durations=3", "-vv", *QUIET_PLUGINS)
    result.assert_outcomes(passed=1)
    durations = [
        float(line.split("s ", 1)[0])
        for line in result.stdout.lines
        if line[:1].isdigit() and "test_frozen" in line
    ]
    assert durations
    assert all(seconds < 60 for seconds in durations)


@pytest.mark.parametrize("step", [float("inf"), float("nan"), 1e300, -(10**30)])
def test_an_absurd_step_is_a_named_error(frozen, step):
    with pytest.raises(ValueError, match="finite number of seconds"):
        frozen.shift(step)


@pytest.mark.parametrize("seconds", [float("nan"), 1e300, -(10**9)])
def test_an_absurd_skew_is_a_named_error(frozen, seconds):
    from pytest_bizauth import FakeBizMail

    with pytest.raises(ValueError, match="a year"):
        FakeBizMail().skew_next_token(seconds)


@pytest.mark.skipif(
    importlib.util.find_spec("time_machine") is None, reason="time-machine is not installed"
)
def test_a_users_time_machine_travel_is_a_conflict_inside_and_around():
    import datetime as _dt

    import time_machine

    from pytest_bizauth import ClockConflictError

    elsewhere = _dt.datetime(2030, 1, 1, tzinfo=_dt.timezone.utc)
    with Clock(backend="time-machine") as clock:
        inside = time_machine.travel(elsewhere, tick=False)
        with inside, pytest.raises(ClockConflictError, match=r"time_machine\.travel"):
            clock.shift(60)
        clock.shift(60)  # its own again
    with time_machine.travel(elsewhere, tick=False), pytest.raises(ClockConflictError):
        Clock().start()  # around


def test_a_thread_reading_the_time_while_clocks_stop_never_gets_an_error():
    import sys
    import threading
    import time

    from pytest_bizauth.clock import Clock

    errors, done = [], threading.Event()

    def reader():
        while not done.is_set():
            try:
                time.time()
                time.monotonic()
            except Exception as exc:  # any error from the clock fails the test
                errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch as often as they can
    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(2000):
            with Clock():
                pass
    finally:
        done.set()
        thread.join()
        sys.setswitchinterval(interval)
    assert errors == []


FASTAPI_FIRST = """
    def test_app(bizauth_clock):
        import fastapi
        from fastapi.testclient import TestClient

        app = fastapi.FastAPI()

        @app.get("/paid")
        def paid() -> dict:
            return {"at": bizauth_clock.now().isoformat()}

        assert TestClient(app).get("/paid").json() == {"at": bizauth_clock.now().isoformat()}

    def test_date_subclasses_made_under_the_clock_still_work(bizauth_clock):
        import datetime
        import pydantic.v1 as v1

        assert issubclass(v1.types.ConstrainedDate, datetime.date)
        assert datetime.date.today() == bizauth_clock.now().date()

    def test_after():
        import datetime
        assert datetime.date.today().year >= 2026  # real time once the clock stopped
"""


@pytest.mark.parametrize("seed", [1, 2])
def test_a_module_first_imported_under_a_frozen_clock_imports_as_unfrozen(pytester, seed):
    pytest.importorskip("fastapi")
    pytester.makepyfile(FASTAPI_FIRST)
    order = ["-p", "no:randomly"]
    if importlib.util.find_spec("pytest_randomly") is not None:
        order = [f"--randomly-seed={seed}"]
    result = pytester.runpytest_subprocess(*order)
    result.assert_outcomes(passed=3)


def test_an_import_ending_after_the_clock_stopped_leaves_the_real_classes():
    import datetime

    from freezegun import api

    from pytest_bizauth.clock.freezing import _imports_hook

    hook = _imports_hook()
    with Clock():
        hook._dates.enter()  # another thread's import, still running at the stop
    hook._dates.exit()
    assert datetime.datetime is api.real_datetime
    assert datetime.date is api.real_date
    assert hook not in sys.meta_path
