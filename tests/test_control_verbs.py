"""Every verb of a fake is reachable over HTTP (``/_bizauth/...``) or has a written reason
why it is Python-only; a payment made over HTTP sends its webhook over real HTTP to the
target set over HTTP, as production would."""

from __future__ import annotations

import inspect
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pytest_bizauth import FakeBill24, FakeBizMail
from pytest_bizauth.core.control import ControlVerb, match
from pytest_bizauth.serve.verbs import PYTHON_ONLY, SHARED_VERBS

from .serving import Served
from .test_serve import PORTAL_LOGIN

EXAMPLES = json.loads((Path(__file__).parent / "data" / "bill24_examples.json").read_text())
FAKES = [FakeBill24, FakeBizMail]


def _public_verbs(fake_class):
    return {
        name
        for name in dir(fake_class)
        if not name.startswith("_")
        and callable(getattr(fake_class, name))
        and not isinstance(inspect.getattr_static(fake_class, name), property)
    }


@pytest.mark.parametrize("fake_class", FAKES, ids=lambda c: c.__name__)
def test_every_public_verb_has_an_endpoint_or_a_reason(fake_class):
    verbs = _public_verbs(fake_class)
    reached = {name for verb in (*SHARED_VERBS, *fake_class.control_verbs) for name in verb.verbs}
    reasons = {**PYTHON_ONLY, **fake_class.python_only}
    assert sorted(verbs - reached - set(reasons)) == []  # a new verb needs one or the other
    assert sorted(reached & set(reasons)) == []
    stale = (reached | set(reasons)) - verbs
    shared_only = {name for name in stale if name in PYTHON_ONLY and name not in verbs}
    assert sorted(stale - shared_only) == []  # no endpoint names a verb that is gone
    assert all(reason.strip() for reason in reasons.values())


def test_a_reason_names_a_verb_of_some_fake():
    every = set().union(*(_public_verbs(c) for c in FAKES))
    assert sorted(set(PYTHON_ONLY) - every) == []


def test_path_parameters_match_one_segment_each():
    verb = ControlVerb("POST", "transactions/<ref>/pay", "", lambda fake, body: None)
    assert match(verb, "POST", "transactions/T1/pay") == {"ref": "T1"}
    assert match(verb, "GET", "transactions/T1/pay") is None
    assert match(verb, "POST", "transactions//pay") is None
    assert match(verb, "POST", "transactions/a/b/pay") is None


class _Shop:
    """A merchant's webhook handler on loopback: keeps what it is sent, accepts it."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                answer = json.dumps(EXAMPLES["merchant_answer"]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bill24/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def shop():
    made = _Shop()
    yield made
    made.close()


@pytest.fixture
def bill24_served():
    server = Served("--port", "0", "--vendor", "bill24")
    yield server
    server.stop()


def _init(server):
    _, tokens = server.call("bill24", "POST", "/security/authorize", dict(PORTAL_LOGIN))
    request = urllib.request.Request(
        server.urls["bill24"] + "/transaction/v2/init",
        json.dumps(EXAMPLES["checkout_init"]).encode(),
        {"Authorization": f"Bearer {tokens['token']}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())["data"]["tran_id"]


def test_a_payment_over_http_sends_its_webhook_over_http(bill24_served, shop):
    server = bill24_served
    status, target = server.call("bill24", "POST", "/_bizauth/webhooks/target", {"url": shop.url})
    assert (status, target["events"]) == (200, ["payment"])
    tran_id = _init(server)
    status, listed = server.call("bill24", "GET", "/_bizauth/transactions")
    assert (status, [t["tran_id"] for t in listed]) == (200, [tran_id])
    assert listed[0]["status"] == "pending"

    status, paid = server.call(
        "bill24", "POST", f"/_bizauth/transactions/{tran_id}/pay", {"bank_code": "ABA"}
    )
    assert (status, paid["status"], paid["bank_code"]) == (200, "success", "ABA")
    assert [hook["tran_id"] for hook in shop.received] == [tran_id]

    status, again = server.call("bill24", "POST", f"/_bizauth/transactions/{tran_id}/webhook", {})
    assert (status, again["ok"], again["webhook"]) == (200, True, 2)
    status, forged = server.call(
        "bill24", "POST", "/_bizauth/webhooks/forge", {"ref": tran_id, "total_amount": 1}
    )
    assert (status, forged["forged"], forged["body"]["total_amount"]) == (200, True, 1)
    assert len(shop.received) == 3

    _, deliveries = server.call("bill24", "GET", "/_bizauth/webhooks")
    assert [(d["webhook"], d["ok"], d["forged"]) for d in deliveries] == [
        (1, True, False),
        (2, True, False),
        (3, True, True),
    ]
    assert server.call("bill24", "DELETE", "/_bizauth/webhooks/target", {}) == (200, {"url": None})
    server.call("bill24", "POST", f"/_bizauth/transactions/{tran_id}/status", {"status": "pending"})
    server.call("bill24", "POST", f"/_bizauth/transactions/{tran_id}/pay", {})
    assert len(shop.received) == 3  # no target: no webhook


@pytest.mark.parametrize(
    ("path", "body", "says"),
    [
        ("/_bizauth/transactions/nope/pay", {}, "no transaction"),
        ("/_bizauth/transactions/T/pay", {"bank": "x"}, "unknown field bank"),
        ("/_bizauth/transactions/T/pay", {"ref": "T"}, "ref is given in the path"),
        ("/_bizauth/transactions/T/status", {}, "status is a non-empty string"),
        ("/_bizauth/webhooks/target", {"url": "ftp://x"}, "must be http(s)"),
        ("/_bizauth/webhooks/target", {"url": "http://x", "events": "payment"}, "events is a list"),
        ("/_bizauth/webhooks/target", {"url": "http://x", "events": ["mail"]}, "not mail"),
    ],
)
def test_a_malformed_verb_is_a_400_naming_the_form(bill24_served, path, body, says):
    status, answer = bill24_served.call("bill24", "POST", path, body)
    assert status == 400
    assert says in answer["error"]
    assert answer["form"]


def test_a_bizmail_delivery_event_over_http(shop):
    server = Served("--port", "0", "--vendor", "bizmail")
    try:
        server.call("bizmail", "POST", "/_bizauth/webhooks/target", {"url": shop.url})
        _, tokens = server.call(
            "bizmail",
            "POST",
            "/api/1.0/auth/token",
            form={"username": PORTAL_LOGIN["email"], "password": PORTAL_LOGIN["password"]},
        )
        mail = {"from": "shop@example.com", "from_name": "Shop", "to": "buyer@example.com",
                "subject": "Hi", "text": "x"}  # fmt: skip
        parts = "".join(
            f'--b0undary\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in mail.items()
        )
        request = urllib.request.Request(
            server.urls["bizmail"] + "/api/1.0/mail/store",
            (parts + "--b0undary--\r\n").encode(),
            {
                "Authorization": f"Bearer {tokens['access_token']}",
                "Content-Type": "multipart/form-data; boundary=b0undary",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            message_id = json.loads(answer.read())["data"]["id"]
        status, made = server.call(
            "bizmail", "POST", f"/_bizauth/deliveries/{message_id}", {"event": "bounced"}
        )
        assert status == 200
        assert [d["event"] for d in made] == ["bounced"]
        assert shop.received
        assert shop.received[0]["event"] == "bounced"
    finally:
        server.stop()
