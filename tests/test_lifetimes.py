"""Fakes and clients hold no reference cycles: once a test lets go of them, they are
freed at once, with no work left for the garbage collector."""

from __future__ import annotations

import gc
import weakref

import pytest

from pytest_bizauth import Bill24Client, BizMailClient, Clock, FakeBill24, FakeBizMail
from pytest_bizauth.transport.responses import SharedRequestsMock


@pytest.fixture
def no_collector():
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def test_a_fake_and_a_client_after_a_journey_are_freed_without_the_collector(no_collector):
    with Clock() as clock, SharedRequestsMock() as mock:
        fakes = [FakeBizMail(), FakeBill24()]
        for fake in fakes:
            mock.mount(fake)
        user = fakes[1].user
        clients = [
            BizMailClient(fakes[0].base_url, fakes[0].user.username, fakes[0].user.password),
            Bill24Client.for_portal_user(
                fakes[1].base_url, user.email, user.password, user.client_id, user.secret
            ),
        ]
        for client in clients:
            token = client.access_token()
            clock.travel_past(token)
            client.access_token()
            assert client.auth is not None
        refs = [weakref.ref(x) for x in (*fakes, *clients)]
        mock.reset()
    del fakes, clients, client, fake, mock
    assert [ref() for ref in refs] == [None] * 4
