"""Speed of pytest-bizauth, as ratios against baselines measured in the same run.

    python benchmarks/run.py [--tests 2000] [--repeats 3]

Each suite is a generated test file run by a fresh pytest process; suites run
interleaved, and each figure is the fastest of the repeats, so a busy machine slows
baseline and subject alike. "net" figures subtract an empty suite of the same size
(pytest's own per-test cost) and compare what the fixtures themselves cost.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

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
]

SUITES = {
    "bare": "def test_it(i):\n    pass\n",
    "static_route": (
        "import requests, responses\n\n"
        "def test_it(i):\n"
        "    with responses.RequestsMock() as mock:\n"
        "        mock.post('https://smtp-api.bizfly.vn/api/1.0/auth/token',\n"
        "                  json={'access_token': 'x', 'expires_in': 86400})\n"
        "        requests.post('https://smtp-api.bizfly.vn/api/1.0/auth/token',\n"
        "                      json={'username': 'u', 'password': 'p'}, timeout=5)\n"
    ),
    "bizmail_login": "def test_it(i, bizmail_client):\n    bizmail_client.access_token()\n",
    "bill24_login": "def test_it(i, bill24_client):\n    bill24_client.access_token()\n",
    "bizauth_clock": "def test_it(i, bizauth_clock):\n    pass\n",
    "freezer": "def test_it(i, freezer):\n    pass\n",
}


def write_suites(root: Path, tests: int) -> None:
    (root / "pytest.ini").write_text("[pytest]\n")
    for name, body in SUITES.items():
        header = f"import pytest\n\npytestmark = pytest.mark.parametrize('i', range({tests}))\n\n"
        (root / f"test_{name}.py").write_text(header + body)


def run_suite(root: Path, name: str, *extra: str) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *COMMON, *extra, f"test_{name}.py"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"suite {name} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return elapsed


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=2000, help="tests per generated suite")
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of each suite; the best counts"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_suites(root, args.tests)
        plan = [
            ("bare", ()),
            ("bare_no_plugin", ("-p", "no:bizauth")),
            ("static_route", ()),
            ("bizmail_login", ()),
            ("bill24_login", ()),
            ("bizauth_clock", ()),
            ("freezer", ()),
        ]
        best: dict[str, float] = {}
        for _ in range(args.repeats):
            for label, extra in plan:
                suite = "bare" if label == "bare_no_plugin" else label
                elapsed = run_suite(root, suite, *extra)
                best[label] = min(best.get(label, elapsed), elapsed)

    n = args.tests
    per_test = {k: (v - best["bare"]) / n * 1e6 for k, v in best.items()}
    print(f"{n} tests per suite, best of {args.repeats} interleaved runs")
    for label, seconds in best.items():
        print(f"  {label:<16} {seconds:7.2f} s   net {per_test[label]:8.1f} us/test")
    print()
    print(
        f"1. plugin import overhead (bare suite, plugin on / off): "
        f"{best['bare'] / best['bare_no_plugin']:.3f}x   target <= 1.05x"
    )
    print(
        f"2. login via bizmail_client / one static responses route: "
        f"{best['bizmail_login'] / best['static_route']:.2f}x whole suite, "
        f"{per_test['bizmail_login'] / per_test['static_route']:.2f}x net   target <= 1.5x"
    )
    print(
        f"3. bizauth_clock / pytest-freezer's freezer: "
        f"{best['bizauth_clock'] / best['freezer']:.2f}x whole suite, "
        f"{per_test['bizauth_clock'] / per_test['freezer']:.2f}x net   target <= 0.5x"
    )
    subject, floor = cached_token_ns()
    print(
        f"4. cached access_token(): {subject:.0f} ns/call, {subject / floor:.1f}x a bare "
        f"attribute-returning method ({floor:.0f} ns)"
    )
    print(
        f"5. Bill24 login / BizMail login: "
        f"{best['bill24_login'] / best['bizmail_login']:.2f}x whole suite, "
        f"{per_test['bill24_login'] / per_test['bizmail_login']:.2f}x net   target <= 1.5x"
    )


if __name__ == "__main__":
    main()
