"""A pytest plugin for the benchmarks: times each test inside the pytest process (setup,
call and teardown, as pytest measures them) and writes the times to the file named by
the ``BIZAUTH_BENCH_OUT`` environment variable, one number (seconds) a line."""

from __future__ import annotations

import os
from collections import defaultdict

_times: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report):
    _times[report.nodeid] += report.duration


def pytest_sessionfinish(session):
    path = os.environ.get("BIZAUTH_BENCH_OUT")
    if path:
        with open(path, "w") as out:
            out.writelines(f"{seconds!r}\n" for seconds in _times.values())
