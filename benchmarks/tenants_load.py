"""Tenants of ``bizauth serve``: login throughput with 16 tenants in use against 1, and
the server's memory with 500 tenants against none.

    python benchmarks/tenants_load.py [--logins 8000] [--rounds 5]

One server process (BizMail only) on loopback. 16 clients, each on one keep-alive
connection, log in: all to the server's own tenant, or each to a tenant of its own,
the two taking turns round by round so a busy machine slows both alike. Then 500
tenants are made, each logged into once, and the server's resident memory is read
before and after (``/proc``; Linux only).
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import Request, urlopen

CLIENTS = 16
HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def _control(url: str, method: str, path: str) -> object:
    data = b"{}" if method != "GET" else None
    request = Request(f"{url}/_bizauth/{path}", data, {"Content-Type": "application/json"},
                      method=method)  # fmt: skip
    with urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def _tenant(url: str) -> tuple[str, str]:
    """A new tenant's base URL and its login form."""
    made = _control(url, "POST", "tenants")
    assert isinstance(made, dict)
    base = made["bizmail"]
    (user,) = _control(base, "GET", "accounts")  # type: ignore[misc]
    return base, urlencode({"username": user["username"], "password": user["password"]})


def _client(base: str, form: str, count: int) -> int:
    target = urlsplit(base)
    connection = HTTPConnection(target.hostname, target.port, timeout=30)
    good = 0
    try:
        for _ in range(count):
            connection.request("POST", f"{target.path}/api/1.0/auth/token", form, HEADERS)
            answer = connection.getresponse()
            answer.read()
            good += answer.status == 200
    finally:
        connection.close()
    return good


def _load(targets: list[tuple[str, str]], logins: int) -> tuple[float, int]:
    each = logins // len(targets)
    began = time.perf_counter()
    with ThreadPoolExecutor(len(targets)) as pool:
        good = sum(pool.map(lambda t: _client(t[0], t[1], each), targets))
    return time.perf_counter() - began, good


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=8_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tenants", type=int, default=500)
    args = parser.parse_args()
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest_bizauth", "serve", "--vendor", "bizmail", "--port", "0",
         "--max-tenants", str(args.tenants + CLIENTS + 1)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    url = process.stdout.readline().split()[1]
    try:
        own = [(url, "username=bizauth-user%40example.com&password=correct-horse-battery")]
        tenants = [_tenant(url) for _ in range(CLIENTS)]
        setups = {"1 tenant": own * CLIENTS, f"{CLIENTS} tenants": tenants}
        per_round = args.logins // args.rounds
        for targets in setups.values():
            _load(targets, CLIENTS * 20)  # warm up
        rates: dict[str, list[float]] = {name: [] for name in setups}
        bad = 0
        for _ in range(args.rounds):
            for name, targets in setups.items():
                took, good = _load(targets, per_round)
                rates[name].append(good / took)
                bad += (per_round // CLIENTS) * CLIENTS - good
        ratios = [m / o for m, o in zip(rates[f"{CLIENTS} tenants"], rates["1 tenant"])]
        print(f"{per_round} logins a round, {CLIENTS} keep-alive clients, {args.rounds} rounds")
        for name, found in rates.items():
            print(f"  {name:10s} {min(found):7.0f} .. {max(found):7.0f} logins/s")
        print(f"  {CLIENTS} tenants / 1: {min(ratios):.2f}x .. {max(ratios):.2f}x "
              f"(median {sorted(ratios)[len(ratios) // 2]:.2f}x)   target >= 0.9x")  # fmt: skip
        before = _rss_mib(process.pid)
        for _ in range(args.tenants):
            base, form = _tenant(url)
            _client(base, form, 1)
        after = _rss_mib(process.pid)
        print(f"  memory with {args.tenants} more tenants, each logged into: {after:.1f} MiB / "
              f"{before:.1f} MiB = {after / before:.2f}x "
              f"({(after - before) * 1024 / args.tenants:.0f} KiB a tenant)")  # fmt: skip
        return 0 if bad == 0 else 1
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
