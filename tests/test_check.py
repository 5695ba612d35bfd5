"""``bizauth check``: against ``bizauth serve`` it finds no difference; against a
stand-in server that deviates in one documented point, it reports exactly that point."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import jwt
import pytest
from werkzeug.wrappers import Response

from pytest_bizauth import FakeBizMail
from pytest_bizauth.cli import main
from pytest_bizauth.core.wire import FakeRequest
from pytest_bizauth.vendors.bill24.accounts import DEFAULT_MERCHANT, DEFAULT_USER
from pytest_bizauth.vendors.bill24.contract import CONTRACT as BILL24
from pytest_bizauth.vendors.bizmail.accounts import DEFAULT_USER as BIZMAIL_USER
from pytest_bizauth.vendors.bizmail.contract import CONTRACT as BIZMAIL

from .serving import Served

BIZMAIL_ENV = {
    "BIZAUTH_BIZMAIL_USERNAME": BIZMAIL_USER.username,
    "BIZAUTH_BIZMAIL_PASSWORD": BIZMAIL_USER.password,
}
MERCHANT_ENV = {
    "BIZAUTH_BILL24_MERCHANT_TOKEN": DEFAULT_MERCHANT.token,
    "BIZAUTH_BILL24_CLIENT_ID": DEFAULT_MERCHANT.client_id,
    "BIZAUTH_BILL24_SECRET": DEFAULT_MERCHANT.secret,
}
PORTAL_ENV = {
    "BIZAUTH_BILL24_EMAIL": DEFAULT_USER.email,
    "BIZAUTH_BILL24_PASSWORD": DEFAULT_USER.password,
    "BIZAUTH_BILL24_CLIENT_ID": DEFAULT_USER.client_id,
    "BIZAUTH_BILL24_SECRET": DEFAULT_USER.secret,
}


EACH_ACCOUNT = pytest.mark.parametrize(
    ("vendor", "env", "extra"),
    [
        ("bizmail", BIZMAIL_ENV, []),
        ("bill24", MERCHANT_ENV, ["--allow-writes"]),
        ("bill24", PORTAL_ENV, []),
    ],
    ids=["bizmail", "bill24-merchant", "bill24-portal"],
)


@pytest.fixture(scope="module")
def served():
    server = Served("--port", "0")
    yield server
    server.stop()


def check(monkeypatch, env, *args):
    for name in [n for n in os.environ if n.startswith("BIZAUTH_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return main(["check", *args])


@EACH_ACCOUNT
def test_bizauth_serve_conforms(served, monkeypatch, capsys, vendor, env, extra):
    code = check(monkeypatch, env, "--vendor", vendor, "--base-url", served.urls[vendor], *extra)
    out, err = capsys.readouterr()
    assert code == 0, out
    assert out.rstrip().endswith(": no difference")
    assert "the guard that keeps pytest-bizauth's tests away from the real vendor" in err
    for secret in env.values():
        assert secret not in out + err


# -- a stand-in server that deviates in one documented point ---------------------------


def _standin(httpserver, deviate):
    """Serve a BizMail fake whose answers ``deviate(path, status, body)`` changes."""
    fake = FakeBizMail()

    def handler(request):
        reply = fake.handle(
            FakeRequest.build(request.method, request.path, dict(request.headers), request.data)
        )
        status, body = deviate(request.path, reply.status, reply.body)
        return Response(json.dumps(body), status, content_type="application/json")

    httpserver.expect_request(re.compile("/.*")).respond_with_handler(handler)
    return httpserver.url_for("").rstrip("/")


def _resigned_with_claims_reversed(body):
    token = body["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    return {**body, "access_token": jwt.encode(dict(reversed(claims.items())), "x" * 32)}


DEVIATIONS = {
    "a message text": (
        lambda path, status, body: (
            status,
            {**body, "message": "Invalid credential"}
            if status == 401 and "token" in path
            else body,
        ),
        "a wrong password",
        ["body.message: the server says 'Invalid credential', the fake says 'Invalid credentials'"],
    ),
    "a claim order": (
        lambda path, status, body: (
            status,
            _resigned_with_claims_reversed(body) if status == 200 and "token" in path else body,
        ),
        "log in",
        [
            "access token claim names: the server says ['exp', 'iat', 'type', 'domain_uuid', "
            "'username', 'user_id'], the fake says ['user_id', 'username', 'domain_uuid', "
            "'type', 'iat', 'exp']"
        ],
    ),
    "an expires_in": (
        lambda path, status, body: (
            status,
            {**body, "expires_in": 3600} if status == 200 and "token" in path else body,
        ),
        "log in",
        ["expires_in: the server says 3600, the fake says 86400"],
    ),
    "a status": (
        lambda path, status, body: (
            403 if status == 401 and "refresh" in path else status,
            body,
        ),
        "a bad refresh token",
        ["status: the server says 403, the fake says 401"],
    ),
}


@pytest.mark.parametrize("case", DEVIATIONS)
def test_a_deviation_is_reported_exactly(httpserver, monkeypatch, capsys, tmp_path, case):
    deviate, probe, expected = DEVIATIONS[case]
    url = _standin(httpserver, deviate)
    report = tmp_path / "report.json"
    code = check(
        monkeypatch, BIZMAIL_ENV, "--vendor", "bizmail", "--base-url", url, "--json", str(report)
    )
    out = capsys.readouterr().out
    assert code == 1, out
    written = json.loads(report.read_text())
    different = {r["probe"]: r for r in written["results"] if r["differences"]}
    assert list(different) == [probe]
    described = [line.strip()[2:] for line in out.splitlines() if line.strip().startswith("- ")]
    assert described == expected
    assert different[probe]["fidelity_row"] in FIDELITY


FIDELITY = (Path(__file__).resolve().parent.parent / "docs" / "fidelity.md").read_text()


@pytest.mark.parametrize(
    ("contract", "env"),
    [(BIZMAIL, BIZMAIL_ENV), (BILL24, MERCHANT_ENV), (BILL24, PORTAL_ENV)],
    ids=["bizmail", "bill24-merchant", "bill24-portal"],
)
def test_every_probe_names_a_row_of_the_fidelity_page(contract, env):
    credentials = contract.credentials(env)
    assert credentials is not None
    for product in contract.products or (None,):
        for probe in contract.probes(credentials, product):
            assert f"| {probe.row} |" in FIDELITY, probe.name


@pytest.mark.parametrize(
    ("env", "args", "says"),
    [
        (
            {},
            ["--vendor", "bizmail", "--base-url", "https://smtp-api.bizfly.vn"],
            "BIZAUTH_BIZMAIL_USERNAME and BIZAUTH_BIZMAIL_PASSWORD",
        ),
        (
            BIZMAIL_ENV,
            ["--vendor", "bizmail", "--base-url", "http://smtp-api.bizfly.vn"],
            "must be https unless it is a loopback address",
        ),
        (
            MERCHANT_ENV,
            ["--vendor", "bill24", "--base-url", "https://x.test", "--product", "qr"],
            "--product for bill24 is one of: checkout, khqr",
        ),
        (
            {**MERCHANT_ENV, **PORTAL_ENV},
            ["--vendor", "bill24", "--base-url", "https://x.test"],
            "BIZAUTH_BILL24_MERCHANT_TOKEN (a merchant) or",
        ),
    ],
)
def test_usage_errors_exit_2_before_any_call(monkeypatch, capsys, env, args, says):
    assert check(monkeypatch, env, *args) == 2
    err = capsys.readouterr().err
    assert says in err
    assert "talks to" not in err  # nothing was sent


def test_an_unreachable_server_exits_2(monkeypatch, capsys):
    code = check(
        monkeypatch, BIZMAIL_ENV, "--vendor", "bizmail", "--base-url", "http://127.0.0.1:9"
    )
    assert code == 2
    assert "could not be reached" in capsys.readouterr().err


def test_the_docs_command_runs_as_written(served):
    page = (Path(__file__).resolve().parent.parent / "docs" / "check.md").read_text()
    command = page.split("```bash\n", 1)[1].split("```", 1)[0]
    env = {**os.environ, **BIZMAIL_ENV, "BIZMAIL_URL": served.urls["bizmail"]}
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as here:
        done = subprocess.run(
            ["bash", "-c", command], env=env, cwd=here, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads((Path(here) / "bizmail-report.json").read_text())["conformant"]


def _echoing(request):
    """A server that copies what it was sent into every place a report may show."""
    sent = request.get_data(as_text=True)
    body = {"success": False, "message": sent, "message_kh": sent, "token_type": sent}
    return Response(
        json.dumps(body), status=500, content_type="application/json",
        headers={"WWW-Authenticate": f'Bearer error="{sent[:200]}"'},
    )  # fmt: skip


@EACH_ACCOUNT
def test_no_configured_secret_is_printed_or_written_whatever_the_server_echoes(
    httpserver, monkeypatch, capsys, tmp_path, vendor, env, extra
):
    httpserver.expect_request(re.compile(".*")).respond_with_handler(_echoing)
    report = tmp_path / "report.json"
    url = httpserver.url_for("").rstrip("/")
    check(monkeypatch, env, "--vendor", vendor, "--base-url", url, "--json", str(report), *extra)
    out, err = capsys.readouterr()
    written = report.read_text()
    assert len(httpserver.log) > 1
    for name, secret in env.items():
        if "CLIENT_ID" in name or "EMAIL" in name or "USERNAME" in name:
            continue  # identifiers, not secrets
        for place, text in (("stdout", out), ("stderr", err), ("report", written)):
            assert secret not in text, (name, place)


def test_the_environments_proxy_is_never_used(monkeypatch, capsys, served):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    code = check(monkeypatch, BIZMAIL_ENV, "--vendor", "bizmail", "--base-url",
                 served.urls["bizmail"])  # fmt: skip
    assert code == 0, capsys.readouterr()


def test_a_merchant_token_the_fake_cannot_take_exits_2(monkeypatch, capsys, served):
    env = {**MERCHANT_ENV, "BIZAUTH_BILL24_MERCHANT_TOKEN": "not-a-uuid-token"}
    code = check(monkeypatch, env, "--vendor", "bill24", "--base-url", served.urls["bill24"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert "not-a-uuid-token" not in err
