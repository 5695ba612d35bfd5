"""A pytest plugin for the benchmarks: times each test inside the pytest process (setup,
call and teardown, as pytest measures them) and writes the times to the file named by
the ``BIZAUTH_BENCH_OUT`` environment variable, one ``<test file> <seconds>`` a line.

With ``BIZAUTH_BENCH_INTERLEAVE`` set, the tests of the files collected run interleaved
(one of each file in turn), so that a machine busier at one moment than another slows
every suite alike. Each test then starts with every object made before it moved out of
the garbage collector's sight (``gc.freeze()``, untimed): a test pays for the collections
its own allocations set off, over its own objects, not for the objects that the tests
before it left behind (pytest keeps each test's reports), which would otherwise all be
charged to whichever suite allocates most at its peak. The collections each test sets
off are counted and written too: ``<test file> <seconds> <collections>`` a line.

With ``BIZAUTH_BENCH_RSS`` set to a number ``n``, it writes instead the process's resident
memory (KiB, after a garbage collection) once ``n`` tests have run, and again at the end:
what a long session keeps per test. With ``BIZAUTH_BENCH_HEAP`` set too, the memory is
that of the Python objects alive (``tracemalloc``), which the allocator's own keeping of
freed memory does not blur."""

from __future__ import annotations

import gc
import os
import tracemalloc
from collections import defaultdict

_times: dict[str, float] = defaultdict(float)
_collections: dict[str, int] = defaultdict(int)
_current: list[str] = []
_rss: list[float] = []


def _count_collection(phase, info):
    if phase == "start" and _current:
        _collections[_current[0]] += 1


def _resident_kib():
    if os.environ.get("BIZAUTH_BENCH_HEAP"):
        return tracemalloc.get_traced_memory()[0] / 1024
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


def pytest_sessionstart(session):
    if os.environ.get("BIZAUTH_BENCH_HEAP"):
        tracemalloc.start()
    if os.environ.get("BIZAUTH_BENCH_INTERLEAVE"):
        gc.callbacks.append(_count_collection)


def pytest_runtest_logstart(nodeid, location):
    if os.environ.get("BIZAUTH_BENCH_INTERLEAVE"):
        gc.freeze()
        _current[:] = [nodeid]


def pytest_runtest_logreport(report):
    _times[report.nodeid] += report.duration


def pytest_runtest_logfinish(nodeid, location):
    _current.clear()
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
                f"{nodeid.split('::')[0]} {seconds!r} {_collections[nodeid]}\n"
                for nodeid, seconds in _times.items()
            )
