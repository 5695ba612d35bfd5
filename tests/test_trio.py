"""The async clients on trio as on asyncio: a login, a refresh, and tasks crossing
expiry together that cause one renewal; the race helper's tasks on trio."""

from __future__ import annotations

import pytest

trio = pytest.importorskip("trio")
pytest.importorskip("httpx")

from .helpers import unlocked_async_bizmail  # noqa: E402


def test_a_login_and_a_refresh_on_trio(bizmail_async_client, bizmail_mock, bizauth_clock):
    first = trio.run(bizmail_async_client.access_token)
    bizauth_clock.travel_past(first)
    assert trio.run(bizmail_async_client.access_token) != first
    bizmail_mock.assert_logged_in(times=1)
    bizmail_mock.assert_refreshed(times=1)


def test_tasks_crossing_expiry_renew_once_on_trio(bill24_async_client, bill24_mock, bizauth_clock):
    first = trio.run(bill24_async_client.access_token)
    bizauth_clock.travel_past(first)
    seen = []

    async def race():
        async with trio.open_nursery() as nursery:
            for _ in range(16):
                nursery.start_soon(lambda: _take(seen))

    async def _take(into):
        into.append(await bill24_async_client.access_token())

    trio.run(race)
    assert len(set(seen)) == 1
    bill24_mock.assert_refreshed(times=1)


def test_a_send_mail_on_trio(bizmail_async_client, bizmail_mock):
    async def send():
        return await bizmail_async_client.send_mail(
            from_email="a@example.com", from_name="A", to="b@example.com", subject="s", text="t"
        )

    assert trio.run(send)["success"] is True
    assert len(bizmail_mock.mails) == 1


def test_the_race_helper_runs_tasks_on_trio(bizmail_async_client, bizmail_mock, bizauth_race):
    async def race(client):
        token = await client.access_token()
        before = len(bizmail_mock.refresh_calls)
        result = await bizauth_race.tasks(client.access_token, threads=8, past=token)
        result.raise_errors()
        return len(bizmail_mock.refresh_calls) - before, len(result.distinct)

    assert trio.run(race, bizmail_async_client) == (1, 1)
    unlocked = unlocked_async_bizmail(bizmail_mock)
    refreshes, _ = trio.run(race, unlocked)
    assert refreshes > 1  # every task awaits between its check and its refresh
