"""No request exhausts a loopback server: a body over the cap is refused (unread when
its length says so), the control token is checked before a body is read, a half-sent
request is dropped after the connection timeout, and a server serves a bounded number
of connections at once."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest

from pytest_bizauth import FakeBizMail
from pytest_bizauth.serve.access import ControlAccess
from pytest_bizauth.serve.control import ControlAPI, ServerClock
from pytest_bizauth.transport import bounds, server

TOKEN = "a-control-token-of-24-chars"


@pytest.fixture
def pool(monkeypatch):
    monkeypatch.setattr(server, "CONNECTION_TIMEOUT", 0.5)
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
    assert answer.startswith((b"HTTP/1.1 400", b"HTTP/1.1 413"))


def test_the_control_token_is_checked_before_the_body_is_read(pool):
    head = (
        "POST /_bizauth/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Authorization: Bearer wrong-token-of-some-length\r\n"
        f"Content-Type: application/json\r\nContent-Length: {bounds.MAX_BODY}\r\n\r\n"
    )
    started = time.monotonic()
    answer = _send(_address(pool), head.encode())  # the body never comes
    assert answer.startswith(b"HTTP/1.1 401")
    assert time.monotonic() - started < 2


def test_a_half_sent_request_is_dropped_after_the_timeout(pool):
    started = time.monotonic()
    answer = _send(_address(pool), b"POST /api/1.0/auth/token HTTP/1.1\r\nHost: 1")
    assert time.monotonic() - started < 3
    assert b"200 OK" not in answer


def test_connections_beyond_the_bound_are_closed_at_once(pool):
    address = _address(pool)
    idle = [socket.create_connection(address, timeout=5) for _ in range(4)]
    try:
        time.sleep(0.1)
        with socket.create_connection(address, timeout=5) as extra:
            assert extra.recv(1) == b""  # closed, not served
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.2)
    login = (
        b"POST /api/1.0/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    )
    assert _send(address, login).startswith(b"HTTP/1.1 400")  # served again


def test_a_request_whose_headers_never_end_is_no_call(pool):
    fake = FakeBizMail()
    target = urlsplit(pool.url_for(fake))
    with socket.create_connection((target.hostname, target.port), timeout=5) as sock:
        sock.sendall(b"POST /api/1.0/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: a\r\n")
        sock.shutdown(socket.SHUT_WR)  # the client goes away before the blank line
        assert sock.recv(65_536) == b""
    time.sleep(0.2)
    assert fake.calls == []
