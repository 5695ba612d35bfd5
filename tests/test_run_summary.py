"""The run summary, ``--bizauth-report``, scenario coverage and
``bizauth_require_scenarios``, as a suite sees them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import types

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pytest_bizauth.cli import main

from .conftest import QUIET_PLUGINS

THREE = """
import json

TRANSACTION = {
    "identity_code": "INV-9", "currency": "USD", "amount": 5,
    "cancel_url": "https://shop.example.com/cancel",
    "redirect_url": "https://shop.example.com/done",
    "channel_code": "KHQR", "customers": [{"amount": 5}], "purpose_of_transaction": "13",
}


def merchant(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"status": "Success", "message": "SUCCESS"}).encode()]


def test_login(bizmail_client):
    bizmail_client.access_token()


def test_expiry_and_refresh(bizmail_mock, bizmail_client, bizauth_clock):
    token = bizmail_client.access_token()
    bizauth_clock.travel_past(token)
    bizmail_client.access_token()


def test_payment(bill24_mock, bill24_client):
    bill24_mock.deliver_webhooks_to(merchant)
    tran_id = bill24_client.init_transaction(**TRANSACTION)["data"]["tran_id"]
    bill24_mock.pay(tran_id)
"""

EXERCISED = {
    "bizmail": {
        "login": ["test_three.py::test_expiry_and_refresh", "test_three.py::test_login"],
        "refresh": ["test_three.py::test_expiry_and_refresh"],
    },
    "bill24": {
        "login": ["test_three.py::test_payment"],
        "checkout": ["test_three.py::test_payment"],
        "webhook_delivered": ["test_three.py::test_payment"],
        "payment_webhook_accepted": ["test_three.py::test_payment"],
    },
}
NAMES = [f"{vendor}.{name}" for vendor, names in EXERCISED.items() for name in names]


def _exercised(report):
    return {
        vendor: {name: tests for name, tests in data["scenarios"].items() if tests}
        for vendor, data in report["vendors"].items()
    }


@pytest.mark.parametrize("workers", [None, "2"])
def test_three_tests_report_exactly_the_scenarios_they_exercised(pytester, workers):
    pytester.makepyfile(test_three=THREE)
    report = pytester.path / "report.json"
    args = [*QUIET_PLUGINS, f"--bizauth-report={report}"]
    if workers:
        pytest.importorskip("xdist")
        args = [arg for arg in args if arg != "no:xdist"] + ["-n", workers]
        result = pytester.runpytest_subprocess(*args)
    else:
        result = pytester.runpytest(*args)
    result.assert_outcomes(passed=3)
    data = json.loads(report.read_text())
    assert _exercised(data) == EXERCISED
    assert data["vendors"]["bizmail"]["tests"] == 2
    assert (data["vendors"]["bizmail"]["logins"], data["vendors"]["bizmail"]["refreshes"]) == (2, 1)
    assert "refresh" in data["vendors"]["bill24"]["never_exercised"]
    assert (
        data["tests"]["test_three.py::test_payment"]["bill24"]["counts"]["webhooks_delivered"] == 1
    )
    result.stdout.fnmatch_lines(
        [
            "*- pytest-bizauth -*",
            "bill24: 1 test(s) | logins 1 | refreshes 0 | * | scenarios 4 of 17",
            "  never exercised: refresh, *",
            "bizmail: 2 test(s) | logins 2 | refreshes 1 | * | scenarios 2 of 17",
        ]
    )


def test_requiring_every_scenario_fails_the_session_listing_the_rest(pytester):
    pytester.makepyfile(test_three=THREE)
    pytester.makeini("[pytest]\nbizauth_require_scenarios = all\n")
    result = pytester.runpytest(*QUIET_PLUGINS)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        ["bizauth_require_scenarios: never exercised: bill24.refresh, *bizmail.event_dropped"]
    )


def test_requiring_the_exercised_scenarios_passes(pytester):
    pytester.makepyfile(test_three=THREE)
    pytester.makeini("[pytest]\nbizauth_require_scenarios =\n    " + "\n    ".join(NAMES) + "\n")
    result = pytester.runpytest(*QUIET_PLUGINS)
    assert result.ret == pytest.ExitCode.OK


def test_a_name_outside_the_catalogue_is_a_usage_error_naming_it(pytester):
    pytester.makepyfile(test_three=THREE)
    pytester.makeini("[pytest]\nbizauth_require_scenarios = bizmail.logn\n")
    result = pytester.runpytest(*QUIET_PLUGINS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*bizauth_require_scenarios names no scenario bizmail.logn*bizmail.login*"]
    )


def test_the_summary_can_be_switched_off_and_names_no_credential(pytester):
    pytester.makepyfile(test_three=THREE)
    pytester.makeini("[pytest]\nbizauth_summary = false\n")
    result = pytester.runpytest(*QUIET_PLUGINS, "--bizauth-report=r.json")
    result.assert_outcomes(passed=3)
    assert "pytest-bizauth" not in result.stdout.str()
    text = (pytester.path / "r.json").read_text()
    assert "password" not in text.lower()
    assert "eyJ" not in text


def test_a_session_that_used_no_fake_prints_nothing(pytester):
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest(*QUIET_PLUGINS)
    assert "pytest-bizauth" not in result.stdout.str()


def test_the_scenarios_command_prints_the_catalogue(capsys):
    assert main(["scenarios", "bill24"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split(None, 1) == ["bill24.login", "logged in"]
    assert any(line.startswith("bill24.verify_after_payment ") for line in lines)
    assert not any(line.startswith("bizmail.") for line in lines)
    with pytest.raises(SystemExit) as exit_:
        main(["scenarios", "nope"])
    assert exit_.value.code == 2
    assert "no vendor nope; choose from bizmail, bill24" in capsys.readouterr().err


def test_the_command_runs_as_installed():
    out = subprocess.run(
        [sys.executable, "-m", "pytest_bizauth", "scenarios"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    assert "bizmail.event_bounced" in out
    assert "bill24.khqr" in out


def test_the_docs_list_every_scenario_of_the_catalogue():
    from pathlib import Path

    from pytest_bizauth.extend import registered

    page = (Path(__file__).resolve().parent.parent / "docs" / "coverage.md").read_text()
    names = {scenario.name for spec in registered() for scenario in spec.scenario_catalogue()}
    assert sorted(name for name in names if f"| `{name}` |" not in page) == []


def _call(kind, endpoint, status, injected, reason):
    from pytest_bizauth.core.call import Call

    at = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    data = {"data": {"status": "success"}}
    return Call(endpoint, "POST", kind, {}, status, data, at, None, injected, None, reason)


def _delivery(ok, forged, attempt, event, webhook):
    from pytest_bizauth.core.webhooks import Delivery

    return Delivery(event, "app", {"n": webhook}, {}, 200 if ok else 500, "", ok,
                    attempt=attempt, webhook=webhook, forged=forged)  # fmt: skip


_ENDPOINTS = ["/api/1.0/auth/token", "/api/1.0/mail/store", "/transaction/v2/init",
              "/transaction/v2/verify", "/merchantsecurity/authorize", "/elsewhere"]  # fmt: skip
_CALLS = st.builds(
    _call,
    st.sampled_from(["login", "refresh", "resource", "discovery"]),
    st.sampled_from(_ENDPOINTS),
    st.sampled_from([None, 200, 400, 401, 500]),
    st.booleans(),
    st.sampled_from([None, "expired", "signed with a key rotated out by rotate_keys()"]),
)
_DELIVERIES = st.builds(
    _delivery,
    st.booleans(),
    st.booleans(),
    st.integers(1, 3),
    st.sampled_from(["payment", "delivered", "bounced", "bounce", "dropped"]),
    st.integers(0, 2),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    vendor=st.sampled_from(["bizmail", "bill24"]),
    calls=st.lists(_CALLS, max_size=6),
    webhooks=st.lists(_DELIVERIES, max_size=4),
    product=st.sampled_from(["checkout", "khqr"]),
    skewed=st.integers(0, 1),
)
def test_a_scenario_is_never_true_without_what_it_needs(vendor, calls, webhooks, product, skewed):
    from pytest_bizauth.core.scenarios import Seen, exercised
    from pytest_bizauth.extend import registered

    fake = types.SimpleNamespace(calls=calls, webhooks=webhooks, skewed_issues=skewed,
                                 settings=types.SimpleNamespace(product=product))  # fmt: skip
    catalogue = next(s for s in registered() if s.name == vendor).scenario_catalogue()
    seen = Seen(fake)
    assert exercised(catalogue, seen) == [s.name for s in catalogue if s.seen(seen)]
