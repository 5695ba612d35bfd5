"""A user's first tests against the installed wheel, run from outside the source tree."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import requests

import pytest_bizauth


def test_the_installed_package_is_the_one_under_test():
    assert "site-packages" in pytest_bizauth.__file__
    files = importlib.metadata.files("pytest-bizauth") or []
    names = {str(f) for f in files}
    assert any(name.endswith("licenses/LICENSE") for name in names)
    assert "pytest_bizauth/py.typed" in names
    assert not any(name.startswith("tests/") for name in names)
    assert (Path(pytest_bizauth.__file__).parent / "py.typed").is_file()


def test_a_login_and_a_refresh(bizmail_client, bizmail_mock, bizauth_clock):
    first = bizmail_client.access_token()
    bizauth_clock.travel_past(first)
    assert bizmail_client.access_token() != first
    bizmail_mock.assert_refreshed(times=1)


@pytest.mark.bizauth(bill24_product="khqr")
def test_bill24_over_requests_and_httpx(bill24_client, bill24_mock):
    token = bill24_client.access_token()
    body = {
        "identity_code": "I-1",
        "currency": "USD",
        "amount": 5,
        "channel_code": "1",
        "purpose_of_transaction": "13",
    }
    headers = {"Authorization": f"Bearer {token}"}
    url = bill24_mock.base_url + "/transaction/v2/init"
    assert requests.post(url, json=body, headers=headers, timeout=5).json()["code"] == "SUCCESS"
    again = {**body, "identity_code": "I-2"}  # Bill24 refuses a second I-1
    assert httpx.post(url, json=again, headers=headers).json()["code"] == "SUCCESS"


def test_the_command_line():
    out = subprocess.run(
        [sys.executable, "-m", "pytest_bizauth", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "--port" in out.stdout
