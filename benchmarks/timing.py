"""A pytest plugin for the benchmarks: times each test inside the pytest process (setup,
call and teardown, as pytest measures them) and writes the times to the file named by
the ``BIZAUTH_BENCH_OUT`` environment variable, one ``<test file> <seconds>`` a line.

With ``BIZAUTH_BENCH_INTERLEAVE`` set, the tests of the files collected run interleaved
(one of each file in turn), so that a machine busier at one moment than another slows
every suite alike.

With ``BIZAUTH_BENCH_RSS`` set to a number ``n``, it writes instead the process's resident
memory (KiB, after a garbage collection) once ``n`` tests have run, and again at the end:
what a long session keeps per test."""

from __future__ import annotations

import gc
import os
from collections import defaultdict

_times: dict[str, float] = defaultdict(float)
_rss: list[float] = []


def _resident_kib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024


def pytest_collection_modifyitems(items):
    if not os.environ.get("BIZAUTH_BENCH_INTERLEAVE"):
        return
    by_file = defaultdict(list)
    for item in items:
        by_file[item.nodeid.split("::")[0]].append(item)
    queues = list(by_file.values())
    items[:] = [q[i] for i in range(max(map(len, queues))) for q in queues if i < len(q)]


def pytest_runtest_logreport(report):
    _times[report.nodeid] += report.duration


def pytest_runtest_logfinish(nodeid, location):
    mark = os.environ.get("BIZAUTH_BENCH_RSS")
    if mark and len(_times) == int(mark):
        gc.collect()
        _rss.append(_resident_kib())


def pytest_sessionfinish(session):
    path = os.environ.get("BIZAUTH_BENCH_OUT")
    if not path:
        return
    with open(path, "w") as out:
        if os.environ.get("BIZAUTH_BENCH_RSS"):
            gc.collect()
            out.write(f"{_rss[0]!r}\n{_resident_kib()!r}\n")
        else:
            out.writelines(
                f"{nodeid.split('::')[0]} {seconds!r}\n" for nodeid, seconds in _times.items()
            )
