"""BizMail's delivery events: a stored mail's fate, sent as the web-hook page documents
it to the target set for each event."""

from __future__ import annotations

import json
import re

import pytest

from pytest_bizauth import UnknownNameError, UsageValueError

from .conftest import QUIET_PLUGINS
from .helpers import MAIL

MESSAGE_ID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@bizfly\.vn"
)


class Receiver:
    """A WSGI application that records each event and answers with ``status``."""

    def __init__(self, status="200 OK"):
        self.events = []
        self.status = status

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.events.append(json.loads(environ["wsgi.input"].read(length)))
        start_response(self.status, [("Content-Type", "text/plain")])
        return [b"ok"]


def _stored(client):
    return client.send_mail(**{**MAIL, "cc": ["c@example.com"]})["data"]["id"]


def test_mail_store_answers_a_message_id_shaped_as_the_vendors(bizmail_mock, bizmail_client):
    message_id = _stored(bizmail_client)
    assert MESSAGE_ID.fullmatch(message_id)
    assert bizmail_mock.mail(message_id).recipients == ["b@example.com", "c@example.com"]


def test_each_event_goes_to_its_own_target(bizmail_mock, bizmail_client, bizauth_clock):
    delivered, bounced = Receiver(), Receiver()
    bizmail_mock.deliver_webhooks_to(delivered, events=["delivered"])
    bizmail_mock.deliver_webhooks_to(bounced, events=["bounced", "dropped"])
    message_id = _stored(bizmail_client)

    bizmail_mock.deliver(message_id)
    bizmail_mock.deliver(message_id, "bounced", recipient="c@example.com", category="soft_bounce")
    bizmail_mock.deliver(message_id, "dropped", recipient="b@example.com")

    assert [e["recipient"] for e in delivered.events] == ["b@example.com", "c@example.com"]
    first = delivered.events[0]
    assert list(first) == ["event", "id", "recipient", "time", "mxHostname", "response"]
    assert (first["event"], first["id"], first["time"]) == (
        "delivered",
        message_id,
        int(bizauth_clock.timestamp()),
    )
    bounce, dropped = bounced.events
    assert list(bounce) == [
        "event", "id", "to", "time", "response", "category", "user", "seq", "returnPath"
    ]  # fmt: skip
    assert (bounce["event"], bounce["to"], bounce["category"]) == (
        "bounced",
        "c@example.com",
        "soft_bounce",
    )
    assert (dropped["event"], dropped["to"]) == ("dropped", "b@example.com")
    bizmail_mock.assert_webhook_delivered(times=4)


@pytest.mark.bizauth(bizmail_bounce_event="bounce", bizmail_webhook_time="ms")
def test_the_other_reading_of_the_page(bizmail_mock, bizmail_client, bizauth_clock):
    receiver = Receiver()
    bizmail_mock.deliver_webhooks_to(receiver)
    bizmail_mock.deliver(_stored(bizmail_client), "bounced", recipient="b@example.com")
    (event,) = receiver.events
    assert (event["event"], event["time"]) == ("bounce", int(bizauth_clock.timestamp()) * 1000)


def test_misuse_is_explained(bizmail_mock, bizmail_client):
    with pytest.raises(UnknownNameError, match="stored no mail"):
        bizmail_mock.deliver("nope@bizfly.vn")
    message_id = _stored(bizmail_client)
    with pytest.raises(UsageValueError, match="event must be one of delivered, bounced"):
        bizmail_mock.deliver(message_id, "opened")
    with pytest.raises(UsageValueError, match="sends webhooks for delivered, bounced, dropped"):
        bizmail_mock.deliver_webhooks_to(Receiver(), events=["opened"])
    with pytest.raises(TypeError, match="a URL, a WSGI application"):
        bizmail_mock.deliver_webhooks_to(42)


def test_a_refused_event_fails_at_teardown(pytester):
    pytester.makepyfile(
        """
        import pytest

        def refusing(environ, start_response):
            start_response("503 Service Unavailable", [])
            return [b""]

        MAIL = {"from_email": "a@example.com", "from_name": "A", "to": "b@example.com",
                "subject": "s", "text": "t"}

        def test_refused(bizmail_mock, bizmail_client):
            bizmail_mock.deliver_webhooks_to(refusing)
            bizmail_mock.deliver(bizmail_client.send_mail(**MAIL)["data"]["id"])

        @pytest.mark.bizauth(bizmail_allow_failed_webhooks=True)
        def test_allowed(bizmail_mock, bizmail_client):
            bizmail_mock.deliver_webhooks_to(refusing)
            bizmail_mock.deliver(bizmail_client.send_mail(**MAIL)["data"]["id"])
            assert [d.status for d in bizmail_mock.webhooks] == [503]
        """
    )
    result = pytester.runpytest(*QUIET_PLUGINS)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*1 webhook(s) from the BizMail fake were not accepted*"])
