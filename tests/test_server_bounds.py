"""No request exhausts a loopback server: a body over the cap is refused (unread when
its length says so), a refused control request's body is never parsed or kept, a
half-sent request holds no thread and is dropped after the connection timeout, and a
server holds a bounded number of connections at once."""

from __future__ import annotations

import contextlib
import http.client
import socket
import time
from urllib.parse import urlsplit

import pytest

from pytest_bizauth import FakeBizMail
from pytest_bizauth.serve.access import ControlAccess
from pytest_bizauth.serve.control import ControlAPI, ServerClock
from pytest_bizauth.transport import bounds, server

TOKEN = "a-control-token-of-24-chars"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def pool(monkeypatch):
    monkeypatch.setattr(server, "CONNECTION_TIMEOUT", 1)
    monkeypatch.setattr(server, "MAX_CONNECTIONS", 4)
    made = server.ServerPool(
        control=ControlAPI(ServerClock(), lambda fake: fake, ControlAccess(TOKEN))
    )
    yield made
    made.close()


def _address(pool):
    fake = FakeBizMail()
    target = urlsplit(pool.url_for(fake))
    return target.hostname, target.port


def _send(address, payload, *, wait=5.0):
    with socket.create_connection(address, timeout=wait) as sock:
        sock.sendall(payload)
        answer = b""
        while chunk := sock.recv(65_536):
            answer += chunk
        return answer


def test_a_declared_length_over_the_cap_is_refused_unread(pool):
    head = (
        "POST /api/1.0/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Length: {bounds.MAX_BODY + 1}\r\n\r\n"
    )
    started = time.monotonic()
    answer = _send(_address(pool), head.encode())  # and not one byte of the body
    assert answer.startswith(b"HTTP/1.1 413")
    assert time.monotonic() - started < 2


def test_a_chunk_size_past_any_memory_is_no_allocation(pool):
    head = (
        b"POST /api/1.0/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc"
    )
    address = _address(pool)
    with socket.create_connection(address, timeout=5) as sock:
        sock.sendall(head)
        sock.shutdown(socket.SHUT_WR)  # and the connection closes mid-chunk
        answer = sock.recv(65_536)
    assert answer == b"" or answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 413"))
    login = (
        b"POST /api/1.0/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    )
    assert _send(address, login).startswith(b"HTTP/1.1 400")  # and the server answers


def test_a_body_of_exactly_the_cap_is_taken(pool):
    body = b"x" * bounds.MAX_BODY
    head = (
        "POST /api/1.0/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    answer = _send(_address(pool), head.encode() + body)
    assert answer.startswith(b"HTTP/1.1 400")  # read, and refused by the fake as not JSON


def test_a_refused_control_request_reaches_no_fake(pool):
    fake = FakeBizMail()
    target = urlsplit(pool.url_for(fake))
    accounts = len(fake.accounts())
    body = b'{"username": "x@example.com", "password": "p"}'.ljust(1_000_000)
    head = (
        "POST /_bizauth/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Authorization: Bearer wrong-token-of-some-length\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    answer = _send((target.hostname, target.port), head.encode() + body)
    assert answer.startswith(b"HTTP/1.1 401")
    assert len(fake.accounts()) == accounts


def test_a_half_sent_request_holds_no_thread(pool):
    address = _address(pool)
    half = [socket.create_connection(address, timeout=5) for _ in range(2)]
    try:
        for sock in half:
            sock.sendall(b"POST /api/1.0/auth/token HTTP/1.1\r\nHost: 1")
        login = (
            b"POST /api/1.0/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        )
        started = time.monotonic()
        assert _send(address, login).startswith(b"HTTP/1.1 400")
        assert time.monotonic() - started < 0.5
    finally:
        for sock in half:
            sock.close()


def test_a_half_sent_request_is_dropped_after_the_timeout(pool):
    started = time.monotonic()
    answer = _send(_address(pool), b"POST /api/1.0/auth/token HTTP/1.1\r\nHost: 1")
    assert time.monotonic() - started < 3
    assert b"200 OK" not in answer


def test_connections_beyond_the_bound_wait_for_a_free_one(pool):
    address = _address(pool)
    idle = [socket.create_connection(address, timeout=5) for _ in range(4)]
    login = (
        b"POST /api/1.0/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    )
    try:
        time.sleep(0.2)
        with socket.create_connection(address, timeout=5) as extra:
            extra.sendall(login)
            extra.settimeout(0.5)
            with pytest.raises((socket.timeout, TimeoutError)):
                extra.recv(1)  # not served while four connections are held
            idle.pop().close()
            extra.settimeout(5)
            assert extra.recv(65_536).startswith(b"HTTP/1.1 400")  # served once one closes
    finally:
        for sock in idle:
            sock.close()


def test_a_request_whose_headers_never_end_is_no_call(pool):
    fake = FakeBizMail()
    target = urlsplit(pool.url_for(fake))
    with socket.create_connection((target.hostname, target.port), timeout=5) as sock:
        sock.sendall(b"POST /api/1.0/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: a\r\n")
        sock.shutdown(socket.SHUT_WR)  # the client goes away before the blank line
        assert sock.recv(65_536) == b""
    time.sleep(0.2)
    assert fake.calls == []


BACKENDS = ["freezegun", "time-machine"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_idle_timeouts_count_real_seconds_under_a_moving_clock(pool, backend):
    from pytest_bizauth.clock import Clock

    if backend == "time-machine":
        pytest.importorskip("time_machine")

    address = _address(pool)
    kept = http.client.HTTPConnection(*address, timeout=5)

    def log_in():
        kept.request("POST", "/api/1.0/auth/token", body=b"{}", headers=JSON)
        answer = kept.getresponse()
        answer.read()
        return answer.status

    real = time.perf_counter  # frozen by neither backend while no clock runs
    with Clock(backend=backend) as clock, contextlib.closing(kept):
        assert log_in() == 400
        connection = kept.sock
        clock.shift(3 * 3600)  # three hours on the clock, none on the wall
        time.sleep(0.5)  # half the timeout: a cleanup pass may run, none may close it
        assert log_in() == 400
        assert kept.sock is connection  # the same connection: it lived
        started = real()
        half = _send(address, b"POST /api/1.0/auth/token HTTP/1.1\r\nHost: 1")
        assert b"HTTP" not in half
        assert real() - started < 4  # and a half-sent one still timed out
