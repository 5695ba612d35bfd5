"""The plugin as users meet it: loaded by its entry point in a project with no conftest."""

from __future__ import annotations

import pytest

from .conftest import QUIET_PLUGINS


def run(pytester, *args):
    return pytester.runpytest("-W", "error", "--strict-markers", *QUIET_PLUGINS, *args)


def test_the_entry_point_alone_loads_the_fixtures(pytester):
    pytester.makepyfile("""
        from pytest_bizauth import BizMailClient, Clock, FakeBizMail, BizMailTokens

        def test_fixtures(bizmail_mock, bizmail_tokens, bizmail_client, bizauth_clock,
                          bizauth_responses):
            assert isinstance(bizmail_mock, FakeBizMail)
            assert isinstance(bizmail_tokens, BizMailTokens)
            assert isinstance(bizmail_client, BizMailClient)
            assert isinstance(bizauth_clock, Clock)
            assert bizmail_mock.base_url == "https://smtp-api.bizfly.vn"
            assert bizmail_client.access_token()
    """)
    run(pytester).assert_outcomes(passed=1)


def test_the_plugin_can_be_switched_off(pytester):
    pytester.makepyfile("def test_x(bizmail_mock): pass")
    result = run(pytester, "-p", "no:bizauth")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'bizmail_mock' not found*"])


def test_the_marker_points_at_the_configuration_page(pytester):
    result = run(pytester, "--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.bizauth(**options)*https://pytest-bizauth.readthedocs.io/*/configuration/"]
    )


def test_ini_options_are_typed_and_explained_in_a_users_words(pytester):
    from pytest_bizauth.extend import parse_bool
    from pytest_bizauth.plugin.options import options

    result = run(pytester, "--help")
    text = result.stdout.str()
    for option in options().values():
        kind = "bool" if option.parse is parse_bool else "string"
        assert f"bizauth_{option.name} ({kind})" in text
        assert "seed" not in option.help
        if option.name.endswith("_ttl"):
            assert "whole seconds" in option.help


def test_nothing_leaks_from_one_test_to_the_next(pytester):
    pytester.makepyfile("""
        import time
        import pytest

        def test_a(bizmail_mock, bizmail_client, bizauth_clock):
            bizmail_client.access_token()
            bizmail_mock.add_user("extra@example.com", "pw")
            bizauth_clock.shift(10**6)

        def test_b(bizmail_mock, bizauth_clock):
            assert bizmail_mock.calls == []
            assert list(bizmail_mock.users) == ["bizauth-user@example.com"]
            assert bizauth_clock.now().isoformat() == "2025-01-01T00:00:00+00:00"

        def test_c():
            assert time.time() > 1_700_000_000 + 10**7  # real time again
    """)
    run(pytester, "-p", "no:randomly").assert_outcomes(passed=3)


def test_marker_options_with_the_closest_winning_per_option(pytester):
    pytester.makepyfile("""
        import pytest

        pytestmark = pytest.mark.bizauth(start="2030-01-01T00:00:00Z", access_ttl=600)

        @pytest.mark.bizauth(bizmail_refresh_ttl=1200)
        class TestGroup:
            @pytest.mark.bizauth(access_ttl=300, bizmail_single_use_refresh=True)
            def test_closest(self, bizmail_mock, bizmail_tokens, bizauth_clock):
                assert bizauth_clock.now().year == 2030
                assert bizmail_tokens.access_ttl == 300
                assert bizmail_tokens.refresh_ttl == 1200
                assert bizmail_mock.single_use_refresh is True

            def test_class_level(self, bizmail_tokens):
                assert bizmail_tokens.access_ttl == 600
                assert bizmail_tokens.refresh_ttl == 1200

        @pytest.mark.bizauth(bizmail_access_ttl=42, access_ttl=7)
        def test_vendor_option_beats_shared(bizmail_tokens):
            assert bizmail_tokens.access_ttl == 42
    """)
    run(pytester).assert_outcomes(passed=3)


def test_each_set_of_markers_keeps_its_own_settings_across_many_tests(pytester):
    # The tests of a parametrized function share their markers' settings; a marker added
    # to one test alone, or a marker with a bad value, is not mistaken for another.
    pytester.makeconftest("""
        import pytest

        def pytest_collection_modifyitems(items):
            for item in items:
                if item.name == "test_module_marker[1]":
                    item.add_marker(pytest.mark.bizauth(access_ttl=5))
    """)
    pytester.makepyfile("""
        import pytest

        pytestmark = pytest.mark.bizauth(access_ttl=600)

        @pytest.mark.parametrize("n", range(3))
        @pytest.mark.bizauth(access_ttl=300)
        def test_function_marker(n, bizmail_tokens):
            assert bizmail_tokens.access_ttl == 300

        @pytest.mark.parametrize("n", range(3))
        def test_module_marker(n, bizmail_tokens):
            assert bizmail_tokens.access_ttl == (5 if n == 1 else 600)

        @pytest.mark.parametrize("n", range(2))
        @pytest.mark.bizauth(access_ttl=-1)
        def test_bad_marker(n, bizmail_tokens):
            pass
    """)
    result = run(pytester)
    result.assert_outcomes(passed=6, errors=2)
    result.stdout.fnmatch_lines(["*access_ttl=...) must be more than 0 seconds*"])


def test_ini_options_set_project_defaults(pytester):
    pytester.makeini("""
        [pytest]
        bizauth_start = 2031-05-05T05:05:05+00:00
        bizauth_bizmail_access_ttl = 900
        bizauth_leeway = 30
        bizauth_bizmail_single_use_refresh = true
    """)
    pytester.makepyfile("""
        import pytest

        def test_ini(bizmail_mock, bizmail_client, bizauth_clock):
            assert bizauth_clock.now().isoformat() == "2031-05-05T05:05:05+00:00"
            assert bizmail_mock.tokens.access_ttl == 900
            assert bizmail_client.leeway == 30
            assert bizmail_mock.single_use_refresh

        @pytest.mark.bizauth(bizmail_access_ttl=100)
        def test_marker_beats_ini(bizmail_mock):
            assert bizmail_mock.tokens.access_ttl == 100
    """)
    run(pytester).assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ("access_tl=5", "*has no option 'access_tl'. Did you mean 'access_ttl'?*"),
        ("'2025'", "*takes keyword options only*"),
        ("access_ttl=-1", "*access_ttl=...) must be more than 0 seconds*"),
        ("start='yesterday'", "*is not an ISO 8601 date-time*"),
        ("bizmail_secret='short'", "*at least 32 bytes*"),
        ("single_use_refresh='maybe'", "*must be true or false*"),
    ],
)
def test_bad_marker_options_fail_clearly(pytester, marker, message):
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.bizauth({marker})
        def test_x(bizmail_mock):
            pass
    """)
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"pytest-bizauth: {message}"])
    assert "During handling" not in result.stdout.str()


def test_a_bad_ini_value_names_the_option(pytester):
    pytester.makeini("[pytest]\nbizauth_leeway = soon\n")
    pytester.makepyfile("def test_x(bizmail_client): pass")
    result = run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ini option bizauth_leeway must be a number of seconds*"])


def test_an_unmatched_request_fails_the_test_at_teardown(pytester):
    pytester.makepyfile("""
        import pytest
        import requests

        def test_typo(bizmail_mock):
            with pytest.raises(requests.ConnectionError, match="has no endpoint GET /api/1.0/nope"):
                requests.get(bizmail_mock.base_url + "/api/1.0/nope", timeout=1)

        @pytest.mark.bizauth(check_unmatched=False)
        def test_switched_off(bizmail_mock):
            with pytest.raises(requests.ConnectionError):
                requests.get(bizmail_mock.base_url + "/api/1.0/nope", timeout=1)
    """)
    result = run(pytester)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_typo*",
            "*1 request(s) to the BizMail fake at https://smtp-api.bizfly.vn matched no endpoint:",
            "*- GET /api/1.0/nope",
            "*POST /api/1.0/auth/token",
            "*@pytest.mark.bizauth(check_unmatched=False)*",
        ]
    )


def test_an_unfired_fault_fails_the_test_at_teardown(pytester):
    pytester.makeini("[pytest]\nbizauth_check_faults = false\n")
    pytester.makepyfile("""
        import pytest

        @pytest.mark.bizauth(check_faults=True)
        def test_never_fired(bizmail_mock):
            bizmail_mock.fail_next("refresh", 503)

        def test_off_in_ini(bizmail_mock):
            bizmail_mock.fail_next("refresh", 503)
    """)
    result = run(pytester)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*never fired*", "*- refresh: HTTP 503*"])


def test_a_failing_test_reports_its_call_log(pytester):
    pytester.makepyfile("""
        def test_expect_refresh(bizmail_client, bizmail_mock, bizauth_clock):
            bizmail_client.access_token()
            bizmail_mock.assert_refreshed(times=1)
    """)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*expected the BizMail fake to have refreshed once, but it refreshed 0 times.*",
            "*1. 2025-01-01T00:00:00Z POST /api/1.0/auth/token -> 200",
        ]
    )


def test_own_routes_beside_the_fakes(pytester):
    pytester.makepyfile("""
        import pytest
        import requests

        def test_mixed(bizauth_responses, bizmail_client, bizmail_mock):
            bizauth_responses.get("https://api.example.com/status", json={"ok": True})
            assert requests.get("https://api.example.com/status", timeout=1).json() == {"ok": True}
            assert bizmail_client.access_token()
            with pytest.raises(requests.ConnectionError, match="Connection refused by Responses"):
                requests.get("https://elsewhere.example.com/", timeout=1)

        def test_override_an_endpoint(bizauth_responses, bizmail_client, bizmail_mock):
            bizauth_responses.post(bizmail_mock.base_url + "/api/1.0/auth/token",
                                   status=503, body="down")
            with pytest.raises(Exception, match="not JSON"):
                bizmail_client.access_token()
            assert bizmail_mock.calls == []
    """)
    run(pytester).assert_outcomes(passed=2)


def test_with_responses_activate(pytester):
    pytester.makepyfile("""
        import requests
        import responses

        @responses.activate
        def test_decorated(bizmail_client, bizmail_mock):
            responses.add(responses.GET, "https://api.example.com/x", json={"n": 1})
            assert requests.get("https://api.example.com/x", timeout=1).json() == {"n": 1}
            bizmail_client.send_mail(
                from_email="a@x.io", from_name="A", to="b@x.io", subject="s", text="t"
            )
            bizmail_mock.assert_logged_in(times=1)

    """)
    run(pytester).assert_outcomes(passed=1)


def test_with_pytest_responses(pytester):
    pytest.importorskip("pytest_responses")
    pytester.makepyfile("""
        import requests
        import responses

        def test_autouse_default_mock(bizmail_client, bizmail_mock):
            responses.add(responses.GET, "https://api.example.com/x", json={"n": 2})
            assert requests.get("https://api.example.com/x", timeout=1).json() == {"n": 2}
            assert bizmail_client.access_token()

        def test_the_loopback_server_beside_it(bizmail_mock, bizauth_server):
            url = bizauth_server.url_for(bizmail_mock) + "/api/1.0/auth/token"
            login = {"username": bizmail_mock.user.username,
                     "password": bizmail_mock.user.password}
            assert requests.post(url, json=login, timeout=5).status_code == 200
    """)
    result = pytester.runpytest(
        "-W", "error", "-p", "no:randomly", "-p", "no:hypothesispytest", "-p", "no:asyncio"
    )
    result.assert_outcomes(passed=2)
    # pytest-responses stops its mock before our fixture stops ours: requests is unpatched.
    from requests.adapters import HTTPAdapter

    assert HTTPAdapter.send.__qualname__ == "HTTPAdapter.send"


def test_bill24_options_from_marker_and_ini(pytester):
    from cryptography.hazmat.primitives import serialization

    from pytest_bizauth import SigningKey

    key = SigningKey.generate()
    pem = key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pytester.path.joinpath("signing.pem").write_bytes(pem)
    pytester.makeini(f"""
        [pytest]
        bizauth_bill24_signing_key = {pytester.path / "signing.pem"}
        bizauth_bill24_issuer = https://id.example.com
    """)
    pytester.makepyfile(f"""
        import pytest

        @pytest.mark.bizauth(access_ttl=900, bill24_refresh_ttl=60, bill24_single_use_refresh=True,
                             bill24_schema_spelling=True, bill24_error_status=403)
        def test_options(bill24_mock, bill24_tokens, bizmail_tokens):
            assert bill24_tokens.key.kid == {key.kid!r}
            assert bill24_tokens.issuer == "https://id.example.com"
            assert bill24_tokens.access_ttl == 900
            assert bizmail_tokens.access_ttl == 900
            assert bill24_mock.refresh_ttl == 60
            assert bill24_mock.single_use_refresh
            assert bill24_mock.schema_spelling
            assert bill24_mock.error_status == 403

        @pytest.mark.bizauth(bill24_error_status=500)
        def test_bad_status(bill24_mock):
            pass
    """)
    result = run(pytester)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*bill24_error_status=...) must be a 4xx HTTP status*"])


def test_product_static_token_and_json_mail_options(pytester):
    pytester.makeini("""
        [pytest]
        bizauth_bill24_product = khqr
        bizauth_bizmail_accept_json_mail = true
    """)
    pytester.makepyfile("""
        import pytest
        import requests

        KHQR = {"identity_code": "I-1", "currency": "USD", "amount": 5, "channel_code": "1",
                "purpose_of_transaction": "13"}

        @pytest.mark.bizauth(bill24_static_token="khqr-static-1")
        def test_khqr_with_a_static_token(bill24_mock, bizmail_mock):
            assert bill24_mock.product.name == "khqr"
            assert bizmail_mock.accept_json_mail
            answer = requests.post(bill24_mock.base_url + "/transaction/v2/init", json=KHQR,
                                   headers={"token": "khqr-static-1"}, timeout=5)
            assert answer.json()["code"] == "SUCCESS"

        def test_no_static_token_by_default(bill24_mock):
            answer = requests.post(bill24_mock.base_url + "/transaction/v2/init", json=KHQR,
                                   headers={"token": "khqr-static-1"}, timeout=5)
            assert answer.status_code == 401

        @pytest.mark.bizauth(bill24_product="deeplink")
        def test_bad_product(bill24_mock):
            pass

        @pytest.mark.bizauth(bill24_static_token=" ")
        def test_bad_static_token(bill24_mock):
            pass
    """)
    result = run(pytester)
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*bill24_product*must be 'checkout' or 'khqr', not 'deeplink'*",
            "*bill24_static_token*must be a non-empty string*",
        ]
    )


def test_the_opt_in_retry_check(pytester):
    pytester.makepyfile("""
        import pytest
        import requests

        def give_up(mock, clock, client):
            token = client.access_token()
            clock.travel_past(token)
            return requests.post(mock.base_url + "/transaction/v2/init", json={},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=5)

        @pytest.mark.bizauth(check_retries=True)
        def test_gives_up(bill24_mock, bizauth_clock, bill24_client):
            assert give_up(bill24_mock, bizauth_clock, bill24_client).status_code == 401

        def test_off_by_default(bill24_mock, bizauth_clock, bill24_client):
            assert give_up(bill24_mock, bizauth_clock, bill24_client).status_code == 401

        @pytest.mark.bizauth(check_retries=True)
        def test_the_client_retries(bill24_mock, bizauth_clock, bill24_client):
            give_up(bill24_mock, bizauth_clock, bill24_client)
            bill24_client.init_transaction(
                identity_code="I", currency="KHR", amount=1, cancel_url="https://x.io/c",
                redirect_url="https://x.io/r", channel_code="KHQR", customers=[{"amount": 1}])
    """)
    result = run(pytester)
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_gives_up*",
            "*POST /transaction/v2/init refused an expired token at 2025-01-01T06:00:01Z*",
            "*check_retries=False*",
        ]
    )
