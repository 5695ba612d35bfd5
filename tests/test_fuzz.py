"""Random and hostile input, through every way in: the fakes answer only documented
statuses, the clients raise only the documented errors.

A small number of examples runs by default; ``BIZAUTH_FUZZ_EXAMPLES=5000 pytest -m fuzz``
is the long run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st

from pytest_bizauth import (
    Bill24Client,
    BizAuthError,
    BizMailClient,
    Clock,
    FakeBill24,
    FakeBizMail,
    FakeRequest,
)
from pytest_bizauth._redact import scrub_path
from pytest_bizauth.transport.responses import SharedRequestsMock

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("BIZAUTH_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
DOCUMENTED = {200, 400, 401}
FAKES = {"bizmail": FakeBizMail, "bill24": FakeBill24}
PATHS = [
    "/api/1.0/auth/token",
    "/api/1.0/auth/refresh",
    "/api/1.0/mail/store",
    "/security/authorize",
    "/merchantsecurity/authorize",
    "/transaction/v2/init",
    "/transaction/v2/verify",
    "/.well-known/openid-configuration",
    "/.well-known/openid-configuration/jwks",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "username",
        "password",
        "refresh_token",
        "refreshToken",
        "clientId",
        "secret",
        "email",
        "token",
        "from",
        "to",
        "subject",
        "text",
        "identity_code",
        "tran_id",
        "x",
    ]
)
bodies = st.one_of(
    st.binary(max_size=300),
    st.dictionaries(field_names, json_values, max_size=6).map(lambda d: json.dumps(d).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.integers(1, 3000).map(lambda n: (b"[" * n) + (b"]" * n)),
    st.just(b"\x00" * 64),
)
content_types = st.one_of(
    st.sampled_from(
        [
            "",
            "application/json",
            "application/json; charset=latin-1",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=xyz",
            'multipart/form-data; boundary="a b"',
        ]
    ),
    st.text(max_size=40).map(lambda b: f"multipart/form-data; boundary={b}"),
)
bearers = st.one_of(
    st.none(), st.text(max_size=60), st.sampled_from(["Bearer ", "Bearer x.y.z", "bearer  "])
)


def request_parts(draw_path, method, content_type, body, bearer):
    headers = {}
    if content_type:
        headers["Content-Type"] = content_type
    if bearer is not None:
        headers["Authorization"] = bearer
    return method, draw_path, headers, body


@FUZZ
@given(
    vendor=st.sampled_from(sorted(FAKES)),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    path=st.sampled_from(PATHS) | st.text(max_size=30).map(lambda p: "/" + p),
    content_type=content_types,
    body=bodies,
    bearer=bearers,
)
def test_the_fakes_answer_only_documented_statuses(
    vendor, method, path, content_type, body, bearer
):
    headers = {"Content-Type": content_type} if content_type else {}
    if bearer is not None:
        headers["Authorization"] = bearer
    with Clock():
        fake = FAKES[vendor]()
        reply = fake.handle(FakeRequest.build(method, path, headers, body))
    assert reply is None or reply.status in DOCUMENTED
    assert scrub_path(path) in "".join(fake.unmatched) or reply is not None


@FUZZ
@given(
    vendor=st.sampled_from(sorted(FAKES)),
    path=st.sampled_from(PATHS),
    content_type=content_types,
    body=bodies,
    # requests refuses a header value that starts with white space: so would any client
    bearer=bearers.filter(
        lambda b: b is None or (b.isprintable() and b.isascii() and not b[:1].isspace())
    ),
)
def test_through_every_transport_the_same(vendor, path, content_type, body, bearer):
    valid = content_type.isascii() and content_type.isprintable()  # else requests refuses it
    headers = {"Content-Type": content_type} if valid else {}
    if bearer is not None:
        headers["Authorization"] = bearer
    with Clock(), SharedRequestsMock() as mock:
        fake = FAKES[vendor]()
        mock.mount(fake)
        url = fake.base_url + path
        method = "GET" if path.startswith("/.well-known") else "POST"
        try:
            answer = requests.request(method, url, data=body, headers=headers, timeout=5)
        except requests.ConnectionError:  # a path the fake does not serve for that method
            return
        assert answer.status_code in DOCUMENTED
        for other in (_through_httpx, _through_httpx2, _through_aiohttp, _through_loopback):
            status = other(fake, method, url, body, headers)
            assert status in (None, answer.status_code), other.__name__


_POOL = []  # one loopback server pool for every example, closed at the end of the run


def _through_loopback(fake, method, url, body, headers):
    from pytest_bizauth.transport.server import ServerPool

    if not _POOL:
        _POOL.append(ServerPool())
    pool = _POOL[0]
    try:
        base = pool.url_for(fake)
        path = url[len(fake.base_url) :]
        answer = requests.request(method, base + path, data=body, headers=headers, timeout=5)
        assert not pool.take_errors()
        return answer.status_code
    finally:
        pool.release_all()


@pytest.fixture(scope="module", autouse=True)
def _close_the_pool():
    yield
    while _POOL:
        _POOL.pop().close()


@contextlib.contextmanager
def _in_process(name, fake):
    """The named in-process transport serving ``fake`` (``None`` when its libraries are
    not installed)."""
    from pytest_bizauth.transport.base import available, load

    if not available(name):
        yield None
        return
    transport = load(name)()
    transport.mount(fake)
    transport.start()
    try:
        yield transport
    finally:
        transport.stop()


def _through_httpx(fake, method, url, body, headers):
    with _in_process("httpx", fake) as transport:
        if transport is None:
            return None
        import httpx

        return httpx.request(method, url, content=body, headers=headers).status_code


def _through_httpx2(fake, method, url, body, headers):
    with _in_process("httpx2", fake) as transport:
        if transport is None:
            return None
        import httpx2

        with httpx2.Client() as client:
            return client.request(method, url, content=body, headers=headers).status_code


def _through_aiohttp(fake, method, url, body, headers):
    with _in_process("aiohttp", fake) as transport:
        if transport is None:
            return None
        import aiohttp

        async def send():
            session = aiohttp.ClientSession(skip_auto_headers=["Content-Type"])
            async with session, session.request(method, url, data=body, headers=headers) as answer:
                await answer.read()
                return answer.status

        return asyncio.run(send())


answers = st.fixed_dictionaries(
    {
        "status": st.sampled_from(
            [200, 201, 204, 301, 302, 307, 308, 400, 401, 403, 404, 418, 429, 500, 502, 503, 599]
        ),
        "body": st.one_of(
            bodies,
            st.fixed_dictionaries(
                {
                    "access_token": st.text(max_size=40) | json_values,
                    "refresh_token": st.text(max_size=40) | json_values,
                    "expires_in": json_values | st.sampled_from([1e308, -1, 0, 86400]),
                    "token": st.text(max_size=40) | json_values,
                    "refreshToken": st.text(max_size=40) | json_values,
                    "tokenExpireTime": st.text(max_size=40)
                    | st.sampled_from(
                        ["10000-01-01T00:00:00+07:00", "2025-01-01T06:00:00.1234567+07:00"]
                    ),
                    "code": json_values,
                    "data": json_values,
                    "success": json_values,
                }
            ).map(lambda d: json.dumps(d).encode()),
        ),
        "content_type": st.sampled_from(["application/json", "text/html", "text/plain"]),
        "location": st.sampled_from(["", "https://elsewhere.example/x", "/same"]),
        "retry_after": st.sampled_from(["", "3", "Wed, 21 Oct 2015 07:28:00 GMT", "soon"]),
    }
)


@FUZZ
@given(vendor=st.sampled_from(["bizmail", "bill24"]), first=answers, second=answers)
def test_the_clients_raise_only_the_documented_errors(vendor, first, second):
    with Clock(), SharedRequestsMock() as mock:
        if vendor == "bizmail":
            fake = FakeBizMail()
            client = BizMailClient(fake.base_url, fake.user.username, fake.user.password)
            path = "/api/1.0/auth/token"
        else:
            fake = FakeBill24()
            user = fake.user
            client = Bill24Client.for_portal_user(
                fake.base_url, user.email, user.password, user.client_id, user.secret
            )
            path = "/security/authorize"
        for answer in (first, second):
            headers = {}
            if answer["location"]:
                headers["Location"] = answer["location"]
            if answer["retry_after"]:
                headers["Retry-After"] = answer["retry_after"]
            mock.post(
                fake.base_url + path,
                body=answer["body"],
                status=answer["status"],
                content_type=answer["content_type"],
                headers=headers,
            )
        for _ in range(2):
            try:
                token = client.access_token()
            except BizAuthError:
                continue
            assert isinstance(token, str)
            assert token
        repr(client)  # never raises


@FUZZ
@given(
    value=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.binary(max_size=5000)
        | st.sampled_from(["", "Bearer abc.def.ghi", "x" * 5000, "hunter2-password"])
        | st.text(max_size=30),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                field_names | st.sampled_from(["Password", "Authorization"]), inner, max_size=4
            )
        ),
        max_leaves=10,
    ),
)
def test_the_call_logs_one_pass_redaction_is_redact_then_bound(value):
    from pytest_bizauth._redact import bounded, for_log, redact

    known = frozenset({"hunter2-password"})
    assert for_log(value, known=known) == bounded(redact(value, known=known))
