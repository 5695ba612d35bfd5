"""Load on ``bizauth serve``, against pytest-httpserver serving one static JSON answer.

    python benchmarks/serve_load.py [--logins 10000] [--clients 8]

Both servers run in a process of their own on loopback, each threaded on werkzeug. The
same clients (``--clients`` threads, each on one keep-alive connection) post the same
login form to each, the servers taking turns in rounds so a busy machine slows both
alike. Reported: throughput (logins a second), the 99th percentile latency, the ratio of
the throughputs, and whether every login answered 200 and reached the fake's call log.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from urllib.parse import urlsplit
from urllib.request import urlopen

PATH = "/api/1.0/auth/token"
FORM = "username=bizauth-user%40example.com&password=correct-horse-battery"
HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}

STATIC_SERVER = textwrap.dedent(
    """
    import logging, signal, sys, threading
    from pytest_httpserver import HTTPServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # quiet, as bizauth serve is

    server = HTTPServer(port=0, threaded=True)
    server.expect_request("/api/1.0/auth/token", method="POST").respond_with_json(
        {"success": True, "access_token": "a" * 280, "refresh_token": "r" * 280,
         "token_type": "Bearer", "expires_in": 86400}
    )
    server.start()
    print("static " + server.url_for("").rstrip("/"), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.wait(0.1):
        pass
    server.stop()
    """
)


def _start(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    url = process.stdout.readline().split()[1]
    return process, url


def _client(url: str, count: int) -> tuple[list[float], int]:
    """``count`` logins on one keep-alive connection: each one's latency, and how many
    answered 200."""
    target = urlsplit(url)
    connection = HTTPConnection(target.hostname, target.port, timeout=30)
    latencies, good = [], 0
    try:
        for _ in range(count):
            began = time.perf_counter()
            connection.request("POST", PATH, FORM, HEADERS)
            answer = connection.getresponse()
            answer.read()
            latencies.append(time.perf_counter() - began)
            good += answer.status == 200
    finally:
        connection.close()
    return latencies, good


def _load(url: str, logins: int, clients: int) -> tuple[float, list[float], int]:
    each = logins // clients
    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda _: _client(url, each), range(clients)))
    took = time.perf_counter() - began
    latencies = [x for found, _ in results for x in found]
    return took, latencies, sum(good for _, good in results)


def _p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--logins", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    fake, fake_url = _start(
        [sys.executable, "-m", "pytest_bizauth", "serve", "--vendor", "bizmail", "--port", "0"]
    )
    static, static_url = _start([sys.executable, "-c", STATIC_SERVER])
    per_round = args.logins // args.rounds
    measured: dict[str, list[tuple[float, list[float], int]]] = {"fake": [], "static": []}
    try:
        for url in (fake_url, static_url):  # warm both up
            _load(url, args.clients * 10, args.clients)
        urlopen(f"{fake_url}/_bizauth/reset", data=b"").close()
        for _ in range(args.rounds):
            measured["fake"].append(_load(fake_url, per_round, args.clients))
            measured["static"].append(_load(static_url, per_round, args.clients))
        with urlopen(f"{fake_url}/_bizauth/events") as answer:
            logged = len(json.loads(answer.read()))
    finally:
        for process in (fake, static):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
    figures = {}
    for name, runs in measured.items():
        took = sum(t for t, _, _ in runs)
        latencies = [x for _, found, _ in runs for x in found]
        good = sum(g for _, _, g in runs)
        figures[name] = (len(latencies) / took, _p99(latencies), good, len(latencies))
    sent = figures["fake"][3]
    print(f"{sent} logins each, {args.clients} keep-alive clients, {args.rounds} rounds")
    for name, (rate, p99, good, total) in figures.items():
        print(f"  {name:7s} {rate:8.0f} logins/s   p99 {p99 * 1000:6.2f} ms   {good}/{total} ok")
    fake_rate, fake_p99 = figures["fake"][:2]
    static_rate, static_p99 = figures["static"][:2]
    print(f"  throughput, bizauth serve / pytest-httpserver: {fake_rate / static_rate:.2f}x")
    print(f"  p99, bizauth serve / pytest-httpserver: {fake_p99 / static_p99:.2f}x")
    print(f"  logins in the fake's call log: {logged} of {sent}")
    ok = figures["fake"][2] == sent and logged == sent
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
