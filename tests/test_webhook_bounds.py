"""A webhook receiver cannot hold a test: every delivery, to a URL or an application in
process, ends within its deadline, reads at most its cap of the answer, and records
whatever went wrong as a refused delivery with a one-line reason."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from pytest_bizauth import FakeBill24, FakeBizMail
from pytest_bizauth.core.receivers import _WORKERS, ANSWER_CAP, Undelivered, send_once, where
from pytest_bizauth.core.workers import KEEP

DEADLINE = 0.5
BODY = b'{"event": "delivered"}'
HEADERS = {"Content-Type": "application/json"}


class HostileServer:
    """A loopback server that answers each connection with ``answer(connection)``."""

    def __init__(self, answer):
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(2)
                try:
                    _read_request(connection)
                    self.answer(connection, self.stopping)
                except OSError:
                    pass

    def close(self):
        self.stopping.set()
        self.thread.join(2)
        self.listener.close()


def _read_request(connection):
    """The whole request, so that closing the connection resets nothing unread."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65_536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n")
         if line.lower().startswith(b"content-length:")),
        0,
    )  # fmt: skip
    while len(body) < length:
        body += connection.recv(65_536)


def _forever(connection, stopping):
    connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    while not stopping.is_set():
        connection.sendall(b"4000\r\n" + b"x" * 0x4000 + b"\r\n")


def _drip(connection, stopping):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    while not stopping.is_set():
        connection.sendall(b"x")
        time.sleep(0.1)


def _silent(connection, stopping):
    stopping.wait(3)


def _garbage(connection, stopping):
    connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")


def _huge_header(connection, stopping):
    connection.sendall(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n")


def _cut(connection, stopping):
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")


def _huge_answer(connection, stopping):
    size = ANSWER_CAP + 10
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
    connection.sendall(b"x" * size)


URL_CASES = {
    "forever": (_forever, "longer than"),
    "drip": (_drip, "deadline"),
    "silent": (_silent, "deadline"),
    "garbage": (_garbage, "no usable answer: BadStatusLine"),
    "huge-header": (_huge_header, "no usable answer"),
    "cut": (_cut, "no usable answer: IncompleteRead"),
    "huge-answer": (_huge_answer, "longer than"),
}


@pytest.mark.parametrize("case", URL_CASES)
def test_a_hostile_url_ends_within_the_deadline_as_a_reason(case):
    answer, says = URL_CASES[case]
    server = HostileServer(answer)
    try:
        started = time.monotonic()
        with pytest.raises(Undelivered, match=says) as failed:
            send_once(server.url, BODY, HEADERS, timeout=DEADLINE)
        assert time.monotonic() - started < DEADLINE + 1
        assert "\n" not in str(failed.value)
    finally:
        server.close()


@pytest.mark.parametrize("backend", ["freezegun", "time-machine"])
def test_the_deadline_counts_real_seconds_under_a_frozen_clock(backend):
    from pytest_bizauth.clock import Clock

    if backend == "time-machine":
        pytest.importorskip("time_machine")
    server = HostileServer(_drip)
    real = time.perf_counter  # neither backend freezes it while no clock runs
    try:
        started = real()
        with Clock(backend=backend), pytest.raises(Undelivered, match="deadline"):
            send_once(server.url, BODY, HEADERS, timeout=DEADLINE)
        assert real() - started < DEADLINE + 1
    finally:
        server.close()


def _wsgi_forever(environ, start_response):
    start_response("200 OK", [])
    while True:
        yield b"x" * 65_536


def _wsgi_drip(environ, start_response):
    start_response("200 OK", [])
    for _ in range(100):
        time.sleep(0.05)
        yield b"x"


def _wsgi_raises(environ, start_response):
    raise RuntimeError("the shop's database is down\nand a second line")


async def _asgi_silent(scope, receive, send):
    await asyncio.sleep(30)


async def _asgi_forever(scope, receive, send):
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    while True:
        await send({"type": "http.response.body", "body": b"x" * 65_536, "more_body": True})


async def _asgi_raises(scope, receive, send):
    raise ValueError("bad webhook handler")


APP_CASES = {
    "wsgi-forever": (_wsgi_forever, "longer than"),
    "wsgi-drip": (_wsgi_drip, "deadline"),
    "wsgi-raises": (
        _wsgi_raises,
        "the application raised RuntimeError: the shop's database is down",
    ),
    "asgi-silent": (_asgi_silent, "deadline"),
    "asgi-forever": (_asgi_forever, "longer than"),
    "asgi-raises": (_asgi_raises, "the application raised ValueError: bad webhook handler"),
}


@pytest.mark.parametrize("case", APP_CASES)
def test_a_hostile_application_ends_within_the_deadline_and_leaves_no_thread(case):
    app, says = APP_CASES[case]
    before = threading.active_count()
    started = time.monotonic()
    with pytest.raises(Undelivered, match=says) as failed:
        send_once(app, BODY, HEADERS, timeout=DEADLINE)
    assert time.monotonic() - started < DEADLINE + 1
    assert "\n" not in str(failed.value)
    for _ in range(30):  # a receiver that was stopped ends at its next step
        if _WORKERS.busy == 0:
            break
        time.sleep(0.05)
    assert _WORKERS.busy == 0
    assert threading.active_count() <= before + KEEP  # at most the idle workers stay


def test_a_streaming_starlette_response_is_read_to_its_end():
    pytest.importorskip("starlette")
    from starlette.responses import StreamingResponse

    async def chunks():
        for part in (b'{"status": ', b'"ok"}'):
            yield part

    async def app(scope, receive, send):
        await StreamingResponse(chunks(), media_type="application/json")(scope, receive, send)

    assert send_once(app, BODY, HEADERS, timeout=DEADLINE) == (200, b'{"status": "ok"}')


def test_a_refused_delivery_is_recorded_with_its_reason(bizauth_clock):
    fake = FakeBill24(webhook_timeout=DEADLINE)
    fake.deliver_webhooks_to(_wsgi_raises)
    delivery = fake.forge_webhook()
    assert (delivery.ok, delivery.status) == (False, None)
    assert delivery.error.startswith("the application raised RuntimeError")
    assert fake.webhooks == [delivery]


def test_the_deadline_is_an_option_checked_as_such():
    assert FakeBizMail(webhook_timeout=2).settings.webhook_timeout == 2
    with pytest.raises(ValueError, match="at most 3600 seconds"):
        FakeBizMail(webhook_timeout=0)


def test_a_target_url_is_named_without_its_secrets():
    named = where("https://shop:hunter2@merchant.example.com:8443/hook?key=s3cret&x=1")
    assert named == "https://merchant.example.com:8443/hook?key=***&x=***"
    assert "hunter2" not in named
    assert "s3cret" not in named


def test_the_webhook_list_is_bounded_like_the_call_log_and_counts_every_attempt(bizauth_clock):
    fake = FakeBill24()
    fake.max_calls = 3

    def shop(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "Success", "message": "SUCCESS"}']

    fake.deliver_webhooks_to(shop)
    sent = [fake.forge_webhook(identity_code=f"I-{n}") for n in range(5)]
    assert fake.webhooks == sent[-3:]
    fake.assert_webhook_delivered(times=5)
