"""No password, client secret, merchant token or whole token in anything pytest prints,
at any verbosity, and hostile input answered as documented."""

from __future__ import annotations

import json

import pytest

from .conftest import QUIET_PLUGINS

FAILING = """
    from pathlib import Path

    def remember(*secrets):
        with open(Path(__file__).parent / "secrets.txt", "a") as out:
            out.writelines(f"{s}\\n" for s in secrets)

    def test_bill24_refresh_fails(bill24_client, bill24_mock, bizauth_clock):
        token = bill24_client.access_token()
        user, merchant = bill24_mock.user, bill24_mock.merchant
        remember(token, bill24_client.cached_tokens.refresh, user.password, user.secret,
                 merchant.token, merchant.secret)
        bizauth_clock.travel_past(token)
        bill24_mock.fail_next("authorize", 503)
        bill24_client.access_token()

    def test_bizmail_login_fails(bizmail_client, bizmail_mock):
        remember(bizmail_mock.user.password)
        bizmail_mock.fail_next("token", error="timeout")
        bizmail_client.access_token()

    def test_bizmail_mail_refused(bizmail_client, bizmail_mock, bizauth_clock):
        token = bizmail_client.access_token()
        remember(token, bizmail_client.cached_tokens.refresh)
        bizmail_mock.fail_next("mail", 401, times=2)
        bizmail_client.send_mail(
            from_email="a@x.io", from_name="A", to="b@x.io", subject="s", text="t"
        )

    def test_an_assertion_on_a_refresh_token(bizmail_client, bizmail_mock):
        token = bizmail_client.access_token()
        refresh = bizmail_client.cached_tokens.refresh
        remember(token, refresh)
        bizmail_mock.assert_last_refresh_used(refresh)
"""


@pytest.mark.parametrize("verbosity", [(), ("-vv",), ("-l", "-vv", "--tb=long")])
def test_no_secret_in_pytests_output(pytester, verbosity):
    pytester.makepyfile(FAILING)
    result = pytester.runpytest("-p", "no:randomly", *QUIET_PLUGINS, *verbosity)
    result.assert_outcomes(failed=4)
    output = result.stdout.str() + result.stderr.str()
    secrets = (pytester.path / "secrets.txt").read_text().split()
    assert len(secrets) == 11
    for secret in secrets:
        assert secret not in output, f"{secret[:6]}... shows in pytest's output"
    for token in [s for s in secrets if s.count(".") == 2]:  # JWTs: not even the signature
        assert token.rpartition(".")[2] not in output


def test_a_truncated_answer_and_odd_keys_stay_redacted_in_the_call_log(
    bizmail_client, bizmail_mock
):
    import requests

    bizmail_mock.fail_next("token", error="truncated")
    with pytest.raises(Exception, match="not JSON"):
        bizmail_client.access_token()
    password = bizmail_mock.user.password
    requests.post(
        bizmail_mock.base_url + "/api/1.0/auth/token",
        json={"username": "x", "passwd": password, "nested": {"p": password}},
        timeout=5,
    )
    text = repr(bizmail_mock.calls) + bizmail_mock.format_calls()
    assert password not in text
    cut = bizmail_mock.tokens.access()[:40]  # what the truncated answer carried
    assert cut[:30] not in text


def test_the_bill24_fake_shows_no_client_secret(bill24_mock):
    assert bill24_mock.user.secret not in repr(bill24_mock.clients)
    assert bill24_mock.clients[bill24_mock.user.client_id] == bill24_mock.user.secret


def test_json_nested_1000_deep_is_the_documented_400(bizmail_mock):
    import requests

    deep = "[" * 1000 + "]" * 1000
    answer = requests.post(
        bizmail_mock.base_url + "/api/1.0/auth/token",
        data=f'{{"username": {deep}}}',
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 400


def test_a_chunked_body_is_read(bizmail_mock):
    import requests

    user = bizmail_mock.user
    body = json.dumps({"username": user.username, "password": user.password}).encode()
    answer = requests.post(
        bizmail_mock.base_url + "/api/1.0/auth/token",
        data=iter([body[:7], body[7:]]),
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 200


def test_a_boundary_outside_latin_1_is_the_documented_400(bizmail_mock):
    from pytest_bizauth import FakeRequest

    request = FakeRequest.build(
        "POST",
        "/api/1.0/auth/token",
        {"Content-Type": "multipart/form-data; boundary=\u2603"},
        b"--\xe2\x98\x83--",
    )
    assert bizmail_mock.handle(request).status == 400


@pytest.mark.parametrize(
    "expires_in",
    [float("inf"), float("nan"), 1e308, 10**30, -5, "86400", None],
    ids=["inf", "nan", "1e308", "10**30", "negative", "string", "missing"],
)
def test_absurd_lifetimes_are_refused(bizmail_client, bizauth_responses, expires_in):
    from pytest_bizauth import ProviderError

    body = json.dumps({"access_token": "a" * 30, "refresh_token": "b" * 30})[:-1]
    body += f', "expires_in": {json.dumps(expires_in)}}}' if expires_in is not None else "}"
    body = body.replace("Infinity", "1e999")
    bizauth_responses.post(
        bizauth_responses.fakes[0].base_url + "/api/1.0/auth/token",
        body=body,
        content_type="application/json",
    )
    with pytest.raises(ProviderError, match="expires_in"):
        bizmail_client.access_token()
    assert "renews" not in repr(bizmail_client) or repr(bizmail_client)


@pytest.mark.parametrize("token", ["abc\r\nX-Evil: 1" + "a" * 20, "t\u00f6k\u2603" * 8])
def test_tokens_that_cannot_be_sent_back_are_refused_at_receipt(
    bizmail_client, bizauth_responses, token
):
    from pytest_bizauth import ProviderError

    bizauth_responses.post(
        bizauth_responses.fakes[0].base_url + "/api/1.0/auth/token",
        json={"access_token": token, "refresh_token": "r" * 30, "expires_in": 60},
    )
    with pytest.raises(ProviderError, match="cannot be sent"):
        bizmail_client.access_token()


def test_a_provider_answering_deep_json_is_a_provider_error(bizmail_client, bizauth_responses):
    from pytest_bizauth import ProviderError

    bizauth_responses.post(
        bizauth_responses.fakes[0].base_url + "/api/1.0/auth/token",
        body="[" * 100_000,
        content_type="application/json",
    )
    with pytest.raises(ProviderError, match="not JSON"):
        bizmail_client.access_token()


def test_a_deep_body_is_logged_as_a_placeholder(bizmail_mock):
    from pytest_bizauth import FakeRequest

    deep = "[" * 200 + "]" * 200
    request = FakeRequest.build(
        "POST", "/api/1.0/auth/token", {"Content-Type": "application/json"}, f'{{"a": {deep}}}'
    )
    assert bizmail_mock.handle(request).status == 400
    assert "nested too deep" in repr(bizmail_mock.calls[-1].request)


def test_accounts_and_the_signing_secret_show_masked(bizmail_mock, bill24_mock, bizmail_tokens):
    shown = repr(bizmail_mock.accounts()) + repr(bill24_mock.accounts())
    for account in [*bizmail_mock.accounts(), *bill24_mock.accounts()]:
        for name in ("password", "secret", "token"):
            if name in account:
                assert account[name] not in shown
                assert json.loads(json.dumps(account))[name] == account[name]
    assert repr(bizmail_tokens._secret) == "'***'"


def test_the_call_log_keeps_a_bounded_prefix_of_each_body(bizmail_mock, bizmail_client):
    from pytest_bizauth._redact import MAX_LOGGED

    huge = "x" * (5 * MAX_LOGGED)
    bizmail_client.send_mail(
        from_email="a@example.com", from_name="A", to="b@example.com", subject="s", text=huge
    )
    logged = bizmail_mock.mail_calls[-1].request["text"]
    assert len(logged) < MAX_LOGGED + 40
    assert logged.endswith(f"...({4 * MAX_LOGGED} more)")
    assert bizmail_mock.mails[-1]["text"] == huge  # the stored mail is whole


def test_httpx_keeps_no_request_after_a_test(pytester):
    pytest.importorskip("httpx")
    pytester.makepyfile(
        """
        import gc
        import httpx

        ORIGINAL = httpx.HTTPTransport.handle_request

        def test_one(bizmail_mock):
            httpx.post(bizmail_mock.base_url + "/api/1.0/auth/token", json={"x": "y" * 1000})

        def test_two():
            assert httpx.HTTPTransport.handle_request is ORIGINAL
            gc.collect()
            assert not [o for o in gc.get_objects() if isinstance(o, httpx.Request)]
        """
    )
    pytester.runpytest("-p", "no:randomly", "-p", "no:asyncio").assert_outcomes(passed=2)


def test_a_token_in_a_url_path_is_masked_in_every_message(bizmail_mock, bizmail_tokens):
    import requests

    token = bizmail_tokens.access()
    url = f"{bizmail_mock.base_url}/api/1.0/tokens/{token}"
    with pytest.raises(requests.ConnectionError) as refused:
        requests.get(url, timeout=5)
    assert token not in str(refused.value)
    assert token[:6] in str(refused.value)
    (unmatched,) = bizmail_mock.unmatched
    assert token not in unmatched
    bizmail_mock.unmatched.clear()


def test_comparing_two_client_tokens_never_prints_them(pytester):
    pytester.makepyfile(
        """
        def test_diff(bizmail_client, bizmail_mock, bizauth_clock):
            first = bizmail_client.access_token()
            bizauth_clock.travel_past(first)
            second = bizmail_client.access_token()
            with open("tokens.txt", "w") as out:  # where the test can read them whole
                out.write(f"{str.__str__(first)} {str.__str__(second)}")
            assert first == second
        """
    )
    result = pytester.runpytest("-vv", "-l", "-p", "no:randomly", "-p", "no:asyncio")
    result.assert_outcomes(failed=1)
    first, second = (pytester.path / "tokens.txt").read_text().split()
    report = result.stdout.str()
    assert first[:6] in report
    assert first not in report
    assert second not in report
    assert "shown masked, never diffed" in report


REFUSED_ANSWER = """
    import json

    import pytest

    from pytest_bizauth import ProviderError

    ACCESS = "eyJhbGciOiJIUzI1NiJ9." + "A" * 40 + "." + "S" * 43
    REFRESH = "eyJhbGciOiJIUzI1NiJ9." + "B" * 40 + "." + "R" * 43

    ANSWERS = {  # module-level: the test's own locals hold no token
        "bizmail": ("/api/1.0/auth/token",
                    {"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": -1}),
        "bill24": ("/security/authorize",
                   {"token": ACCESS, "refreshToken": REFRESH, "tokenExpireTime": "soon"}),
    }

    @pytest.mark.parametrize("vendor", ["bizmail", "bill24"])
    def test_a_refused_answer(request, vendor, bizauth_responses):
        client = request.getfixturevalue(f"{vendor}_client")
        mock = request.getfixturevalue(f"{vendor}_mock")
        bizauth_responses.post(mock.base_url + ANSWERS[vendor][0],
                               body=json.dumps(ANSWERS[vendor][1]),
                               content_type="application/json")
        client.access_token()
"""


@pytest.mark.parametrize("verbosity", [(), ("-vv",), ("-l", "-vv", "--tb=long")])
def test_tokens_of_a_refused_answer_stay_out_of_tracebacks(pytester, verbosity):
    pytester.makepyfile(REFUSED_ANSWER)
    result = pytester.runpytest(*QUIET_PLUGINS, *verbosity)
    result.assert_outcomes(failed=2)
    output = result.stdout.str()
    assert "ProviderError" in output
    for part in ("A" * 40, "B" * 40, "S" * 43, "R" * 43):
        assert part not in output


def test_minted_tokens_and_stored_credentials_print_masked(
    bizmail_tokens, bizmail_mock, bill24_tokens, bill24_mock
):
    held = [
        bizmail_tokens.access(),
        bizmail_tokens.expired_refresh(),
        bill24_tokens.access(),
        bill24_tokens.merchant_access(),
        bizmail_mock.user.password,
        bill24_mock.user.password,
        bill24_mock.user.secret,
        bill24_mock.merchant.token,
        bill24_mock.merchant.secret,
    ]
    for value in held:
        assert str.__str__(value) not in repr(value)
        assert str.__str__(value) not in repr([value])
    assert bizmail_tokens.access() == str.__str__(bizmail_tokens.access())  # still a str
